"""`thc-node doctor`: check the configuration, the database, the keys and the base URL."""
from __future__ import annotations

from pathlib import Path

import aiohttp

from federation.keys import check_actor_keys

from .config import ConfigError, load_config

Check = tuple[bool, str, str]


async def run_checks(path: Path) -> list[Check]:
    from .app import NODE_KEY_OWNER, STORAGE_ERRORS, open_database

    results: list[Check] = []
    try:
        config = load_config(path)
    except ConfigError as exc:
        return [(False, "configuration", str(exc))]
    results.append((True, "configuration", str(path)))

    db_path = config.storage.database_path
    if not db_path.exists():
        return results + [(False, "database", f"{db_path} does not exist (run thc-node init)")]
    try:
        database = await open_database(config)
    except STORAGE_ERRORS as exc:
        return results + [(False, "database", str(exc))]
    try:
        version = await database.schema_version()
        applied = database.applied_migrations
        results.append((True, "database", f"{db_path}, schema version {version}"
                        + (f" (just applied {', '.join(applied)})" if applied else "")))
        keys = await database.read().keys.find(NODE_KEY_OWNER)
        if keys is None:
            results.append((False, "keys", "the node has no keys (run thc-node init --force)"))
        else:
            try:
                check_actor_keys(keys)
                results.append((True, "keys", "RSA-2048 and Ed25519 key pairs load and match"))
            except ValueError as exc:
                results.append((False, "keys", str(exc)))
    finally:
        await database.close()

    url = config.node.base_url + "/healthz"
    try:
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as client:
            async with client.get(url, allow_redirects=False) as response:
                ok = response.status == 200
                results.append((ok, "base URL", f"{url} answered {response.status}"))
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        results.append((False, "base URL", f"{url} does not answer ({exc.__class__.__name__}: {exc}); "
                        "is the node running and the reverse proxy set up?"))
    return results
