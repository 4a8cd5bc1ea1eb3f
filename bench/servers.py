"""The processes under load: the bare aiohttp ceiling and a demo THC Node, both on 127.0.0.1.

Each runs as a subprocess whose output goes to a log file (a pipe nobody reads would fill up and
block the server); `Server.stop` sends SIGTERM, waits, and kills on timeout.
"""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .loadgen import REPO, subprocess_env

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
SETUP_TIMEOUT_S = 120.0


def free_port() -> int:
    """A port the kernel says is free on 127.0.0.1 (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_rss_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (peak) of a live process, in KiB, from /proc."""
    found = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    found[key] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return found


def drain(base_url: str, timeout: float = 60) -> None:
    """Wait until a server has finished what a load generator left in flight when it stopped
    (up to one request per connection: seconds of work on a slow page), so that it does not
    weigh on the next target's round. Any answer will do: it comes after the backlog."""
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=timeout) as resp:
            resp.read()
    except urllib.error.HTTPError:
        pass


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text("utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_ready(self, path: str = "/", timeout: float = START_TIMEOUT_S) -> None:
        """Poll until `path` answers 2xx; fail early if the process died."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} while "
                                   f"starting:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + path, timeout=2) as resp:
                    if 200 <= resp.status < 300:
                        return
                    last = f"HTTP {resp.status}"
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                last = str(exc)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {path} within {timeout:.0f} s "
                           f"({last}):\n{self.log_tail()}")

    def rss_kib(self) -> dict[str, int]:
        return read_rss_kib(self.process.pid)

    def stop(self) -> int | None:
        """SIGTERM, wait, SIGKILL on timeout. Returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_S)
        return self.process.returncode


def _spawn(name: str, cmd: list[str], port: int, log_path: Path) -> Server:
    with open(log_path, "wb") as log:
        process = subprocess.Popen(cmd, cwd=REPO, env=subprocess_env(), stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT)
    return Server(name, process, port, log_path)


def start_ceiling(workdir: Path) -> Server:
    port = free_port()
    server = _spawn("bare aiohttp", [sys.executable, "-m", "bench.ceiling", str(port)], port,
                    workdir / "ceiling.log")
    server.wait_ready("/")
    return server


def thc_node_command() -> list[str]:
    """The `thc-node` script beside this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "thc-node"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("thc-node")
    return [found] if found else [sys.executable, "-m", "web.cli"]


def with_access_log_off(config_text: str) -> str:
    """Insert `access_log = false` under the [server] table that `thc-node init` writes."""
    lines = config_text.splitlines()
    try:
        at = next(i for i, line in enumerate(lines) if line.strip() == "[server]")
    except StopIteration:
        return config_text.rstrip("\n") + "\n\n[server]\naccess_log = false\n"
    lines = [line for line in lines if not line.strip().startswith("access_log")]
    lines.insert(at + 1, "access_log = false")
    return "\n".join(lines) + "\n"


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, cwd=REPO, env=subprocess_env(), capture_output=True, text=True,
                          timeout=SETUP_TIMEOUT_S, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n"
                           f"{(done.stdout + done.stderr).strip()[-3000:]}")


def start_node(workdir: Path, prepare=None) -> Server:
    """init + demo --no-serve in `workdir`, then `serve` with the access log off.

    `prepare(config_path)`, when given, runs between the demo and `serve` (extra data)."""
    import tomllib

    port = free_port()
    config = workdir / "node" / "config.toml"
    thc = thc_node_command()
    _run([*thc, "--config", str(config), "init", "--base-url", f"http://127.0.0.1:{port}",
          "--name", "Bench"])
    config.write_text(with_access_log_off(config.read_text("utf-8")), "utf-8")
    parsed = tomllib.loads(config.read_text("utf-8"))  # the edit must leave valid TOML
    if parsed.get("server", {}).get("access_log") is not False:
        raise RuntimeError(f"could not turn the access log off in {config}")
    _run([*thc, "--config", str(config), "demo", "--no-serve"])
    if prepare is not None:
        prepare(config)
    server = _spawn("THC Node", [*thc, "--config", str(config), "serve"], port,
                    workdir / "node.log")
    server.wait_ready("/healthz")
    return server
