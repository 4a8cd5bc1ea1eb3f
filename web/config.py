"""Load config.toml into frozen settings, one dataclass per package; every error names its key."""
from __future__ import annotations

import ipaddress
import tomllib
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES = ("fr", "en")


class ConfigError(Exception):
    """One clear, user-facing message naming the file, the key and the problem."""


@dataclass(frozen=True, slots=True)
class NodeSettings:
    base_url: str
    name: str = "Territoire citoyen"
    default_language: str = "fr"
    registration: str = "open"  # "open" or "invitation"
    # The territory's IANA time zone: pages show times in it; machines get UTC (ISO 8601).
    timezone: str = "Europe/Paris"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # checked at load; zoneinfo caches instances

    @property
    def host(self) -> str:
        """The handle host: the base URL's host, with its port when it has one."""
        return urlsplit(self.base_url).netloc


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    access_log: bool = True
    shutdown_timeout: float = 10.0
    max_request_bytes: int = 1_048_576


@dataclass(frozen=True, slots=True)
class StorageSettings:
    data_dir: Path = Path(".")
    database: Path = Path("thc-node.sqlite3")
    busy_timeout_ms: int = 5000

    @property
    def database_path(self) -> Path:
        return self.database if self.database.is_absolute() else self.data_dir / self.database


@dataclass(frozen=True, slots=True)
class FederationSettings:
    allow_private_addresses: bool = False
    blocked_domains: tuple[str, ...] = ()
    authorized_fetch: bool = False
    manual_node_follow_approval: bool = False
    delivery_concurrency: int = 16
    delivery_per_host: int = 2
    retry_base_seconds: float = 60.0
    retry_factor: float = 4.0
    retry_max_delay_seconds: float = 43_200.0
    retry_max_attempts: int = 10
    retry_give_up_after_hours: float = 72.0
    max_inbox_bytes: int = 1_048_576
    max_inbox_backlog: int = 100_000
    max_inbox_backlog_per_host: int = 10_000
    max_fetch_bytes: int = 1_048_576
    max_redirects: int = 3
    fetch_timeout_seconds: float = 10.0
    signature_window_seconds: int = 3600
    max_fetches_per_activity: int = 10
    inbox_retention_days: float = 7.0
    seen_ids_retention_days: float = 30.0
    delivery_retention_days: float = 14.0
    remote_actor_retention_days: float = 90.0


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    autostart: bool = True
    poll_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class Config:
    node: NodeSettings
    server: ServerSettings = field(default_factory=ServerSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    federation: FederationSettings = field(default_factory=FederationSettings)
    workers: WorkerSettings = field(default_factory=WorkerSettings)
    path: Path | None = None


_SECTIONS: dict[str, type] = {
    "node": NodeSettings,
    "server": ServerSettings,
    "storage": StorageSettings,
    "federation": FederationSettings,
    "workers": WorkerSettings,
}
_TYPE_NAMES = {int: "an integer", float: "a number", bool: "true or false", str: "a string",
               Path: "a path (string)", tuple: "a list of strings"}


def _kind(annotation: str) -> type:
    return {"int": int, "float": float, "bool": bool, "str": str, "Path": Path,
            "tuple[str, ...]": tuple}[annotation]


def _coerce(where: str, kind: type, value: Any) -> Any:
    # bool is an int in Python: refuse it where a number is expected, and vice versa.
    ok = {
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, (int, float)) and not isinstance(value, bool),
        bool: isinstance(value, bool),
        str: isinstance(value, str),
        Path: isinstance(value, str),
        tuple: isinstance(value, list) and all(isinstance(v, str) for v in value),
    }[kind]
    if not ok:
        raise ConfigError(f"{where}: expected {_TYPE_NAMES[kind]}, got {value!r}")
    if kind is float:
        return float(value)
    if kind is Path:
        return Path(value)
    if kind is tuple:
        return tuple(value)
    return value


def check_base_url(url: str, where: str = "[node] base_url") -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: expected an http(s) URL such as https://ville.example, got {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ConfigError(f"{where}: must be scheme://host[:port] only, without path, got {url!r}")
    try:
        parts.port
    except ValueError:
        raise ConfigError(f"{where}: the port is not valid in {url!r}") from None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _is_zone(name: str) -> bool:
    # ZoneInfo reads files named by the key: refuse anything path-like before asking it.
    if not name or name.startswith("/") or ".." in name or "\\" in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _validate(config: Config) -> None:
    node, server, fed = config.node, config.server, config.federation
    if node.default_language not in LANGUAGES:
        raise ConfigError(f"[node] default_language: expected one of {', '.join(LANGUAGES)}, "
                          f"got {node.default_language!r}")
    if node.registration not in ("open", "invitation"):
        raise ConfigError(f"[node] registration: expected \"open\" or \"invitation\", "
                          f"got {node.registration!r}")
    if not _is_zone(node.timezone):
        raise ConfigError(f"[node] timezone: expected an IANA time zone such as "
                          f"\"Europe/Paris\", got {node.timezone!r}")
    if not node.name.strip():
        raise ConfigError("[node] name: must not be empty")
    if not 0 <= server.port <= 65535:
        raise ConfigError(f"[server] port: expected 0 to 65535, got {server.port}")
    try:
        ipaddress.ip_address(server.host)
    except ValueError:
        if not server.host or " " in server.host:
            raise ConfigError(f"[server] host: expected an address or host name, got {server.host!r}")
    positive = {
        "[server] shutdown_timeout": server.shutdown_timeout,
        "[server] max_request_bytes": server.max_request_bytes,
        "[storage] busy_timeout_ms": config.storage.busy_timeout_ms,
        "[federation] delivery_concurrency": fed.delivery_concurrency,
        "[federation] delivery_per_host": fed.delivery_per_host,
        "[federation] retry_base_seconds": fed.retry_base_seconds,
        "[federation] retry_max_delay_seconds": fed.retry_max_delay_seconds,
        "[federation] retry_max_attempts": fed.retry_max_attempts,
        "[federation] retry_give_up_after_hours": fed.retry_give_up_after_hours,
        "[federation] max_inbox_bytes": fed.max_inbox_bytes,
        "[federation] max_inbox_backlog": fed.max_inbox_backlog,
        "[federation] max_inbox_backlog_per_host": fed.max_inbox_backlog_per_host,
        "[federation] max_fetch_bytes": fed.max_fetch_bytes,
        "[federation] fetch_timeout_seconds": fed.fetch_timeout_seconds,
        "[federation] signature_window_seconds": fed.signature_window_seconds,
        "[federation] max_fetches_per_activity": fed.max_fetches_per_activity,
        "[federation] inbox_retention_days": fed.inbox_retention_days,
        "[federation] seen_ids_retention_days": fed.seen_ids_retention_days,
        "[federation] delivery_retention_days": fed.delivery_retention_days,
        "[federation] remote_actor_retention_days": fed.remote_actor_retention_days,
        "[workers] poll_seconds": config.workers.poll_seconds,
    }
    for where, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{where}: must be greater than 0, got {value}")
    if fed.retry_factor < 1:
        raise ConfigError(f"[federation] retry_factor: must be at least 1, got {fed.retry_factor}")
    if fed.max_redirects < 0:
        raise ConfigError(f"[federation] max_redirects: must be 0 or more, got {fed.max_redirects}")
    for domain in fed.blocked_domains:
        if not domain or "/" in domain or " " in domain:
            raise ConfigError(f"[federation] blocked_domains: {domain!r} is not a domain name")


def parse_config(data: dict, *, base_dir: Path, path: Path | None = None) -> Config:
    """Build a Config from parsed TOML; relative paths are taken from `base_dir`."""
    unknown = sorted(set(data) - set(_SECTIONS))
    if unknown:
        raise ConfigError(f"[{unknown[0]}]: unknown section (known: {', '.join(_SECTIONS)})")
    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            raise ConfigError(f"{name}: expected a [{name}] table")
        known = {f.name: f for f in fields(cls)}
        for key in raw:
            if key not in known:
                raise ConfigError(f"[{name}] {key}: unknown key")
        values = {}
        for key, f in known.items():
            if key in raw:
                values[key] = _coerce(f"[{name}] {key}", _kind(f.type), raw[key])
            elif f.default is MISSING and f.default_factory is MISSING:
                raise ConfigError(f"[{name}] {key}: missing (this key is required)")
        sections[name] = cls(**values)
    node = replace(sections["node"], base_url=check_base_url(sections["node"].base_url))
    storage = sections["storage"]
    data_dir = storage.data_dir if storage.data_dir.is_absolute() else base_dir / storage.data_dir
    storage = replace(storage, data_dir=data_dir.resolve())
    fed = sections["federation"]
    fed = replace(fed, blocked_domains=tuple(d.lower().strip(".") for d in fed.blocked_domains))
    config = Config(node=node, server=sections["server"], storage=storage, federation=fed,
                    workers=sections["workers"], path=path)
    _validate(config)
    return config


def load_config(path: Path | str) -> Config:
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file (create one with `thc-node init`)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                          f"offset {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        return parse_config(data, base_dir=path.parent.resolve(), path=path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
