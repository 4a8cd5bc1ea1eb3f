"""What federation reads of the node's configuration, and the software name it announces.

A leaf: every federation module may import it."""
from __future__ import annotations

from importlib import metadata
from typing import Protocol

SOFTWARE_NAME = "thc-node"


def software_version() -> str:
    try:
        return metadata.version(SOFTWARE_NAME)
    except metadata.PackageNotFoundError:
        return "0.0.0"


class Settings(Protocol):
    """What federation reads of the `[federation]` settings (web.config.FederationSettings)."""

    allow_private_addresses: bool
    blocked_domains: tuple[str, ...]
    authorized_fetch: bool
    manual_node_follow_approval: bool
    delivery_concurrency: int
    delivery_per_host: int
    retry_base_seconds: float
    retry_factor: float
    retry_max_delay_seconds: float
    retry_max_attempts: int
    retry_give_up_after_hours: float
    max_inbox_bytes: int
    max_inbox_backlog: int
    max_inbox_backlog_per_host: int
    max_fetch_bytes: int
    max_redirects: int
    fetch_timeout_seconds: float
    signature_window_seconds: int
    max_fetches_per_activity: int
    inbox_retention_days: float
    seen_ids_retention_days: float
    delivery_retention_days: float
    remote_actor_retention_days: float
