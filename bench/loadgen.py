"""Load generators: wrk when it is there (installed from Debian if we can), else bench.pyload.

Both run in a process of their own and give a LoadResult. The same generator, with the same
number of connections, loads the ceiling and every target of a run.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APT_TIMEOUT_S = 150
_METHOD = re.compile(r"^[A-Z]{1,16}$")


@dataclass(frozen=True)
class LoadResult:
    requests: int          # responses received
    ok: int                # 2xx (wrk: neither 4xx nor 5xx, see WrkGenerator)
    non_2xx: int
    errors: int            # connection errors and timeouts
    seconds: float         # measured wall time
    rps: float             # ok responses per second
    p50_ms: float | None = None
    p99_ms: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def subprocess_env() -> dict[str, str]:
    """The environment for our Python subprocesses: the repository importable as-is."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _check(url: str, method: str) -> None:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the benchmark only loads 127.0.0.1, not {url!r}")
    if not _METHOD.match(method):
        raise ValueError(f"not an HTTP method: {method!r}")


class PythonGenerator:
    """bench.pyload in a separate process (aiohttp client, N keep-alive connections)."""

    name = "python-aiohttp"
    integer_seconds = False

    def describe(self) -> str:
        import aiohttp

        return f"python aiohttp {aiohttp.__version__} client (fallback: slower than wrk)"

    def run(self, url: str, *, connections: int, seconds: float, method: str = "GET",
            body: bytes | None = None, headers: dict[str, str] | None = None) -> LoadResult:
        _check(url, method)
        cmd = [sys.executable, "-m", "bench.pyload", "--url", url,
               "--connections", str(connections), "--seconds", str(seconds), "--method", method]
        for name, value in (headers or {}).items():
            cmd += ["--header", f"{name}: {value}"]
        with tempfile.TemporaryDirectory(prefix="thc-bench-") as tmp:
            if body is not None:
                body_file = Path(tmp) / "body"
                body_file.write_bytes(body)
                cmd += ["--body-file", str(body_file)]
            done = subprocess.run(cmd, cwd=REPO, env=subprocess_env(), capture_output=True,
                                  text=True, timeout=seconds + 60)
        if done.returncode != 0:
            raise RuntimeError(f"bench.pyload failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        data = json.loads(done.stdout)
        return LoadResult(**{k: data[k] for k in LoadResult.__dataclass_fields__})


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_wrk(output: str) -> LoadResult:
    """Read `wrk --latency` text output."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h),", output)
    if done is None:
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    requests = int(done.group(1))
    seconds = float(done.group(2)) * _UNITS_MS[done.group(3)] / 1000
    non_2xx = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors = 0
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    if socket:
        errors = sum(int(n) for n in socket.groups())
    latency = {int(p): float(v) * _UNITS_MS[u] for p, v, u in
               re.findall(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)}
    ok = requests - non_2xx
    return LoadResult(requests=requests, ok=ok, non_2xx=non_2xx, errors=errors, seconds=seconds,
                      rps=ok / seconds if seconds else 0.0,
                      p50_ms=latency.get(50), p99_ms=latency.get(99))


class WrkGenerator:
    """wrk, one thread (the server under test gets the other core), --latency.

    wrk counts 3xx as successes; every scenario is checked to answer 2xx before it is loaded
    (runner.preflight), so `ok` is the 2xx count in practice. wrk's -d takes whole seconds.
    """

    name = "wrk"
    integer_seconds = True

    def __init__(self, path: str, threads: int = 1):
        self.path, self.threads = path, threads

    def describe(self) -> str:
        try:
            out = subprocess.run([self.path, "-v"], capture_output=True, text=True, timeout=10)
            found = re.search(r"wrk (\S+)", out.stdout + out.stderr)
            version = f"wrk {found.group(1)}" if found else "wrk"
        except (OSError, subprocess.TimeoutExpired):
            version = "wrk"
        return f"{version} ({self.threads} thread)"

    def run(self, url: str, *, connections: int, seconds: float, method: str = "GET",
            body: bytes | None = None, headers: dict[str, str] | None = None) -> LoadResult:
        _check(url, method)
        whole = max(1, round(seconds))
        cmd = [self.path, "-t", str(self.threads), "-c", str(max(connections, self.threads)),
               "-d", f"{whole}s", "--latency", "--timeout", "10s"]
        for name, value in (headers or {}).items():
            cmd += ["-H", f"{name}: {value}"]
        with tempfile.TemporaryDirectory(prefix="thc-bench-") as tmp:
            if method != "GET" or body is not None:
                script = Path(tmp) / "request.lua"
                lines = [f'wrk.method = "{method}"']
                if body is not None:
                    body_file = Path(tmp) / "body"
                    body_file.write_bytes(body)
                    # The path goes through a long bracket string: no escaping to get wrong.
                    lines += [f"local f = assert(io.open([==[{body_file}]==], 'rb'))",
                              "wrk.body = f:read('*a')", "f:close()"]
                script.write_text("\n".join(lines) + "\n", "utf-8")
                cmd += ["-s", str(script)]
            cmd.append(url)
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=whole + 60)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        return parse_wrk(done.stdout)


def _apt_lists_present() -> bool:
    lists = Path("/var/lib/apt/lists")
    return lists.is_dir() and any(p.name.endswith(("_Packages", "_Packages.lz4", "_Packages.gz",
                                                    "_Packages.xz")) for p in lists.iterdir())


def _apt(*args: str) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(["apt-get", *args], env=env, capture_output=True, text=True,
                              timeout=APT_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def install_wrk(log=print) -> str | None:
    """As root with apt-get: install Debian's wrk, once (updating the lists first if missing)."""
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    log("wrk is missing: installing it with apt-get (once)...")
    updated = False
    if not _apt_lists_present():
        updated = _apt("update", "-qq")
    if not _apt("install", "-y", "-qq", "--no-install-recommends", "wrk") and not updated:
        # Stale lists give 404s: refresh them and try again, once.
        if _apt("update", "-qq"):
            _apt("install", "-y", "-qq", "--no-install-recommends", "wrk")
    return shutil.which("wrk")


def choose_generator(preference: str = "auto", log=print):
    """`auto`: wrk, installed if needed and possible, else Python; `wrk` or `python` to force."""
    if preference not in ("auto", "wrk", "python"):
        raise ValueError(f"BENCH_GENERATOR: expected auto, wrk or python, got {preference!r}")
    if preference == "python":
        return PythonGenerator()
    path = shutil.which("wrk") or install_wrk(log)
    if path:
        return WrkGenerator(path)
    if preference == "wrk":
        raise RuntimeError("BENCH_GENERATOR=wrk but wrk is not installed and could not be")
    log("wrk unavailable: falling back to the Python load client")
    return PythonGenerator()
