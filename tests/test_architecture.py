"""The layers' direction: web → federation → storage → node, checked by walking imports."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"node", "federation", "storage", "web"}

# Project packages each package may import (STYLE.md), and the third-party ones.
ALLOWED_PROJECT = {
    "node": {"node"},
    # The domain's types, events and errors: node.network holds the network view's types.
    "storage": {"storage", "node.model", "node.accounts", "node.history", "node.events",
                "node.errors", "node.network"},
    "federation": {"federation", "node", "storage"},
    "web": {"web", "node", "federation"},
}
ALLOWED_THIRD_PARTY = {
    "node": set(),
    "storage": set(),  # the standard library's sqlite3 (storage/writer.py says why)
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


# ---- one package, one graph without cycles; each thing in its place -------------------------

MAX_LINES = 600
SQL = re.compile(r"\b(SELECT\s+[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|"
                 r"DELETE\s+FROM|CREATE\s+(TABLE|INDEX))", re.I)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for _, path in _modules()}


def _absolute(node: ast.ImportFrom, here: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = here.split(".") if is_package else here.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _every_import(name: str, path: Path) -> set[str]:
    """Every project module this one imports, wherever the import stands: under TYPE_CHECKING
    and inside functions too, since those are how a cycle hides."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, name, path.name == "__init__.py")
            for alias in node.names:
                # `from pkg import module` depends on the module; `from pkg import name` on
                # pkg itself (its __init__).
                module = f"{base}.{alias.name}"
                found.add(module if module in MODULES else base)
    return {target for target in found if target in MODULES and target != name}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module, within each package."""
    graph = {name: {t for t in _every_import(name, path) if t.split(".")[0] == name.split(".")[0]}
             for name, path in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_no_import_cycle_inside_any_package():
    assert _cycles() == []


def _private_uses(name: str, path: Path) -> list[str]:
    """`_names` this module takes from elsewhere: imported from another project module, or read
    as an attribute of anything but self/cls that this module does not itself define (another
    module's, or a dependency's, private attribute)."""
    tree = ast.parse(path.read_text("utf-8"))
    defined = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
               and isinstance(n.ctx, ast.Store)}
    defined |= {n.name for n in ast.walk(tree)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    defined |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                and isinstance(n.ctx, ast.Store)}
    defined |= {a.arg for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                for a in f.args.args + f.args.kwonlyargs + f.args.posonlyargs}
    defined |= {s for n in ast.walk(tree) if isinstance(n, ast.ClassDef) for b in n.body
                if isinstance(b, ast.Assign) and isinstance(b.value, ast.Tuple)
                for s in [e.value for e in b.value.elts if isinstance(e, ast.Constant)]
                if isinstance(s, str)}  # __slots__
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = _absolute(node, name, path.name == "__init__.py")
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and base.split(".")[0] in PROJECT and f"{base}.{alias.name}" not in MODULES:
                    uses.append(f"{path.relative_to(ROOT)}: imports {base}.{alias.name}")
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            attr = node.attr
            if attr.startswith("_") and not attr.startswith("__") and attr not in defined:
                if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                    uses.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{attr}")
    return uses


def test_no_module_uses_another_modules_private_names():
    uses = [use for name, path in MODULES.items() for use in _private_uses(name, path)]
    assert uses == []


def test_sql_only_in_storage():
    found = [f"{path.relative_to(ROOT)}:{node.lineno}"
             for name, path in MODULES.items() if not name.startswith("storage")
             for node in ast.walk(ast.parse(path.read_text("utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and SQL.search(node.value)]
    assert found == []


def test_no_module_over_the_line_limit():
    long = {str(path.relative_to(ROOT)): count for path in MODULES.values()
            if (count := path.read_text("utf-8").count("\n")) > MAX_LINES}
    assert long == {}


def test_the_cycle_finder_sees_a_cycle_through_type_checking_and_functions(tmp_path):
    # The checks above pass on an empty result: prove they can fail.
    tree = {
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n",
        "b.py": "def f():\n    from . import a\n",
    }
    for file, text in tree.items():
        (tmp_path / file).write_text(text)
    names = {"pkg.a": tmp_path / "a.py", "pkg.b": tmp_path / "b.py"}
    saved = dict(MODULES)
    MODULES.clear()
    MODULES.update(names)
    try:
        assert {t for t in _every_import("pkg.a", names["pkg.a"])} == {"pkg.b"}
        assert _every_import("pkg.b", names["pkg.b"]) == {"pkg.a"}
    finally:
        MODULES.clear()
        MODULES.update(saved)
