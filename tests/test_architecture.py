"""The layers' direction: web → federation → storage → node, checked by walking imports."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"node", "federation", "storage", "web"}

# Project packages each package may import (STYLE.md), and the third-party ones.
ALLOWED_PROJECT = {
    "node": {"node"},
    # node.network holds the network view's domain types beside its use cases (issue 5).
    "storage": {"storage", "node.model", "node.accounts", "node.history", "node.events", "node.errors",
                "node.network"},
    "federation": {"federation", "node", "storage"},
    "web": {"web", "node", "federation"},
}
ALLOWED_THIRD_PARTY = {
    "node": set(),
    "storage": {"aiosqlite"},
    "federation": {"aiohttp", "cryptography", "multidict", "yarl"},
    "web": {"aiohttp", "markdown", "nh3", "jinja2", "babel", "argon2", "multidict", "yarl"},
}
# Only the composition root wires storage into the web layer; only render.py renders markdown.
EXTRA = {("web", "app.py"): {"storage"}}
ONLY_IN = {"markdown": ("web", "render.py"), "nh3": ("web", "render.py")}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    # Imports under `if TYPE_CHECKING:` have no run-time effect: leave them out.
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skipped.update(id(n) for n in ast.walk(node))
    names = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def _allowed(name: str, allowed: set[str]) -> bool:
    return any(name == a or name.startswith(a + ".") for a in allowed)


def _modules():
    for package in sorted(PROJECT):
        for path in sorted((ROOT / package).rglob("*.py")):
            yield package, path


@pytest.mark.parametrize(("package", "path"), list(_modules()), ids=lambda v: str(v))
def test_module_imports_respect_the_layers(package, path):
    import sys

    stdlib = sys.stdlib_module_names
    rel = path.relative_to(ROOT / package).as_posix()
    allowed_project = ALLOWED_PROJECT[package] | EXTRA.get((package, rel), set())
    for name in _imports(path):
        top = name.split(".")[0]
        if top in stdlib:
            continue
        if top in PROJECT:
            assert _allowed(name, allowed_project), f"{package}/{rel} imports {name}"
        else:
            assert top in ALLOWED_THIRD_PARTY[package], f"{package}/{rel} imports {name}"
            if top in ONLY_IN:
                assert (package, rel) == ONLY_IN[top], f"{top} is only used in {ONLY_IN[top]}"


def test_the_walk_sees_every_layer():
    packages = {package for package, _ in _modules()}
    assert packages == PROJECT
