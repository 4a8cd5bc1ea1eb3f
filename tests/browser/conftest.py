"""Browser tests: Debian's headless Chromium, driven by Playwright for Python, on a real node.

The node is the real command line in a subprocess (`thc-node init`, `thc-node demo --no-serve`,
`thc-node serve`) listening on 127.0.0.1:<free port>, started once for the whole browser suite:
it exercises what an operator runs (argument parsing, config file, run_app, static files,
middlewares) and keeps the server out of the test process, so Playwright's *sync* API (which
drives its own event loop) never meets pytest-asyncio's loop. The tests only read the demo
content, so sharing one node between them is safe.

Every page gets a full-page screenshot of its final state in tests/artifacts/screenshots/
(<test name>.png), and fails the test if the page logged a console error (a CSP violation
shows up there) or raised.

Installed by `make test` (target browser-deps); never `playwright install`: no browser download
works here, Playwright drives /usr/bin/chromium.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM = Path(os.environ.get("THC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container: Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--no-proxy-server",  # everything is on 127.0.0.1
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
TERRITORY = "Commune de Saint-Aubin-sur-Loire (démonstration)"
INSTALL_HINT = "run `make test` (or `make browser-deps`) to install Chromium, Playwright and axe-core"


@dataclass(frozen=True)
class NodeServer:
    url: str
    name: str
    directory: Path


def _thc_node() -> str:
    beside = Path(sys.executable).with_name("thc-node")
    found = str(beside) if beside.exists() else shutil.which("thc-node")
    if not found:
        pytest.fail("the thc-node command is not installed: " + INSTALL_HINT)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 15.0) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text()
            if "address already in use" in output.lower():
                raise _PortTaken(output)
            pytest.fail(f"thc-node serve exited with {process.returncode}:\n{output}")
        try:
            with opener.open(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    pytest.fail(f"thc-node serve did not answer {url}/healthz in {timeout} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def node_server(tmp_path_factory) -> NodeServer:
    """The demo territory (French content) served by `thc-node serve` on 127.0.0.1."""
    directory = tmp_path_factory.mktemp("browser-node")
    config = directory / "config.toml"
    thc_node = _thc_node()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    def run(*argv: str) -> None:
        done = subprocess.run([thc_node, "--config", str(config), *argv], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"thc-node {argv[0]} failed:\n{done.stdout}{done.stderr}"

    for attempt in range(3):  # another process may take the free port before the node does
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        run("init", "--base-url", url, "--name", TERRITORY, "--allow-private-addresses", "--force")
        if attempt == 0:
            run("demo", "--no-serve")
        log = directory / "serve.log"
        with log.open("wb") as out:
            process = subprocess.Popen([thc_node, "--config", str(config), "serve"], env=env,
                                       stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        try:
            _wait_healthy(url, process, log)
            break
        except _PortTaken:
            continue
        except BaseException:
            _stop(process)
            raise
    else:
        pytest.fail("no free port for thc-node serve after 3 attempts")
    try:
        yield NodeServer(url, TERRITORY, directory)
    finally:
        _stop(process)


class _PortTaken(Exception):
    pass


def _stop(process: subprocess.Popen) -> None:
    process.terminate()  # SIGTERM: run_app's graceful shutdown
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Module scope, not session: while Playwright's sync API is
    started, its event loop counts as running in this thread (it runs inside a greenlet), so
    asyncio.run() and pytest-asyncio fail in every test after it; it must stop before the
    rest of the suite runs. A launch costs well under a second."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: " + INSTALL_HINT)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: " + INSTALL_HINT)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def fresh_artifacts():
    """Screenshots and axe reports describe the last run only: clear the old ones first."""
    for folder in (SCREENSHOTS, ARTIFACTS / "axe"):
        if folder.is_dir():
            shutil.rmtree(folder)


def _artifact_name(request) -> str:
    return re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")


@pytest.fixture
def new_page(browser, node_server, request):
    """Open pages in fresh contexts: new_page(locale=..., viewport=..., bypass_csp=...).

    Defaults: a French-speaking visitor (Accept-Language fr-FR) on a desktop screen, with the
    node's CSP enforced. On teardown: a full-page screenshot of the last page opened, and the
    test fails if any page logged a console error or raised an exception.
    """
    contexts, pages, problems = [], [], []

    def factory(*, locale: str = "fr-FR", viewport: dict | None = None, bypass_csp: bool = False):
        context = browser.new_context(base_url=node_server.url, locale=locale,
                                      viewport=viewport or DESKTOP, bypass_csp=bypass_csp)
        context.set_default_timeout(5_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: _console(m, problems))
        page.on("pageerror", lambda e: problems.append(f"page error: {e} ({page.url})"))
        page.on("response", lambda r: problems.append(f"{r.status} for {r.request.resource_type} "
                                                      f"{r.url}")
                if r.status >= 400 and r.request.resource_type != "document" else None)
        pages.append(page)
        return page

    yield factory
    try:
        if pages and not pages[-1].is_closed():
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            pages[-1].screenshot(path=SCREENSHOTS / f"{_artifact_name(request)}.png", full_page=True)
    finally:
        for context in contexts:
            context.close()
    assert not problems, "\n".join(problems)


def _console(message, problems: list[str]) -> None:
    """Record console errors (CSP violations land here), except the 'Failed to load resource'
    that Chromium logs for a page whose own document answered 4xx (the 404 page, by design) and
    for the /favicon.ico it asks for by itself (the node serves none)."""
    if message.type != "error":
        return
    location = message.location.get("url", "")
    if message.text.startswith("Failed to load resource") and (
            location == message.page.url or location.endswith("/favicon.ico")):
        return
    problems.append(f"console error: {message.text} ({location})")


@pytest.fixture
def page(new_page):
    """A French-speaking visitor's page on a desktop screen, CSP enforced."""
    return new_page()
