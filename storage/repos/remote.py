"""Remote hosts and remote actors: what federation learned about its peers (a cache, no rules)."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..connection import Connection
from ._sql import to_datetime, to_text


@dataclass(frozen=True, slots=True)
class RemoteHost:
    host: str
    software: str | None
    software_version: str | None
    nodeinfo_fetched_at: datetime | None
    signature_scheme: str | None  # None: not known yet (we sign draft-cavage)


@dataclass(frozen=True, slots=True)
class RemoteActor:
    ap_id: str
    type: str
    host: str
    inbox: str
    shared_inbox: str | None
    preferred_username: str | None
    name: str | None
    public_key_id: str | None
    public_key_pem: str | None
    fetched_at: datetime
    is_gone: bool = False
    software: str | None = None  # from the host's NodeInfo, when known


_ACTOR_COLUMNS = (
    "a.ap_id, a.type, a.host, a.inbox, a.shared_inbox, a.preferred_username, a.name,"
    " a.public_key_id, a.public_key_pem, a.fetched_at, a.is_gone, h.software"
)


def _actor(row) -> RemoteActor:
    return RemoteActor(
        ap_id=row["ap_id"], type=row["type"], host=row["host"], inbox=row["inbox"],
        shared_inbox=row["shared_inbox"], preferred_username=row["preferred_username"],
        name=row["name"], public_key_id=row["public_key_id"],
        public_key_pem=row["public_key_pem"], fetched_at=to_datetime(row["fetched_at"]),
        is_gone=bool(row["is_gone"]), software=row["software"],
    )


class RemoteRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _actor_where(self, where: str, *args) -> RemoteActor | None:
        async with self.conn.execute(
            f"SELECT {_ACTOR_COLUMNS} FROM remote_actors a"
            f" LEFT JOIN remote_hosts h ON h.host = a.host WHERE {where}",
            args,
        ) as cur:
            row = await cur.fetchone()
        return _actor(row) if row else None

    async def find_actor(self, ap_id: str) -> RemoteActor | None:
        return await self._actor_where("a.ap_id = ?", ap_id)

    async def find_actors(self, ap_ids: list[str]) -> list[RemoteActor]:
        if not ap_ids:
            return []
        async with self.conn.execute(
            f"SELECT {_ACTOR_COLUMNS} FROM remote_actors a"
            " LEFT JOIN remote_hosts h ON h.host = a.host"
            f" WHERE a.ap_id IN ({', '.join('?' * len(ap_ids))})",
            ap_ids,
        ) as cur:
            return [_actor(r) for r in await cur.fetchall()]

    async def find_actor_by_key(self, key_id: str) -> RemoteActor | None:
        return await self._actor_where("a.public_key_id = ? ORDER BY a.id LIMIT 1", key_id)

    async def upsert_actor(self, actor: RemoteActor) -> None:
        await self.conn.execute(
            "INSERT INTO remote_actors (ap_id, type, host, inbox, shared_inbox, preferred_username,"
            " name, public_key_id, public_key_pem, fetched_at, is_gone)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (ap_id) DO UPDATE SET type = excluded.type, host = excluded.host,"
            " inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,"
            " preferred_username = excluded.preferred_username, name = excluded.name,"
            " public_key_id = excluded.public_key_id, public_key_pem = excluded.public_key_pem,"
            " fetched_at = excluded.fetched_at, is_gone = excluded.is_gone",
            (actor.ap_id, actor.type, actor.host, actor.inbox, actor.shared_inbox,
             actor.preferred_username, actor.name, actor.public_key_id, actor.public_key_pem,
             to_text(actor.fetched_at), int(actor.is_gone)),
        )

    async def mark_gone(self, ap_id: str) -> None:
        await self.conn.execute("UPDATE remote_actors SET is_gone = 1 WHERE ap_id = ?", (ap_id,))

    async def purge_unused_actors(self, fetched_before: datetime, limit: int) -> int:
        """Delete up to `limit` cached actors not fetched since the cutoff (an actor in use is
        refetched when its cache expires) that neither follow nor are followed by us."""
        async with self.conn.execute(
            "DELETE FROM remote_actors WHERE id IN (SELECT a.id FROM remote_actors a"
            " WHERE a.fetched_at < ?"
            " AND NOT EXISTS (SELECT 1 FROM followers f WHERE f.follower_ap_id = a.ap_id)"
            " AND NOT EXISTS (SELECT 1 FROM following g WHERE g.target_ap_id = a.ap_id)"
            " ORDER BY a.fetched_at LIMIT ?) RETURNING id",
            (to_text(fetched_before), limit)) as cur:
            return len(await cur.fetchall())

    async def find_host(self, host: str) -> RemoteHost | None:
        async with self.conn.execute(
            "SELECT host, software, software_version, nodeinfo_fetched_at, signature_scheme"
            " FROM remote_hosts WHERE host = ?",
            (host,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return RemoteHost(row["host"], row["software"], row["software_version"],
                          to_datetime(row["nodeinfo_fetched_at"]), row["signature_scheme"])

    async def set_signature_scheme(self, host: str, scheme: str, at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO remote_hosts (host, signature_scheme, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (host) DO UPDATE SET signature_scheme = excluded.signature_scheme,"
            " updated_at = excluded.updated_at"
            " WHERE remote_hosts.signature_scheme IS NOT excluded.signature_scheme",
            (host, scheme, to_text(at)),
        )

    async def set_software(self, host: str, software: str | None, version: str | None,
                           at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO remote_hosts (host, software, software_version, nodeinfo_fetched_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (host) DO UPDATE SET software = excluded.software,"
            " software_version = excluded.software_version,"
            " nodeinfo_fetched_at = excluded.nodeinfo_fetched_at, updated_at = excluded.updated_at",
            (host, software, version, to_text(at), to_text(at)),
        )

    async def list_hosts_without_software(self, stale_before: datetime,
                                          limit: int) -> list[tuple[str, str]]:
        """(host, one actor id there) for hosts whose NodeInfo was never read, or is stale."""
        async with self.conn.execute(
            # Distinct hosts first (a scan of the (host, ap_id) index), then one lookup per
            # host: asked at every worker pass, it must stay cheap with many actors.
            "SELECT d.host, (SELECT min(a.ap_id) FROM remote_actors a WHERE a.host = d.host)"
            " FROM (SELECT DISTINCT host FROM remote_actors) d"
            " LEFT JOIN remote_hosts h ON h.host = d.host"
            " WHERE h.nodeinfo_fetched_at IS NULL OR h.nodeinfo_fetched_at < ? LIMIT ?",
            (to_text(stale_before), limit),
        ) as cur:
            return [(r[0], r[1]) for r in await cur.fetchall()]


@dataclass(frozen=True, slots=True)
class RemoteObject:
    """An object a remote actor we follow created; a tombstone once deleted (body None)."""

    ap_id: str
    type: str
    actor: str
    attributed_to: str | None
    host: str
    body: str | None  # the JSON as verified
    activity_id: str  # the last activity that changed it
    received_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


_OBJECT_COLUMNS = (
    "ap_id, type, actor, attributed_to, host, body, activity_id, received_at, updated_at,"
    " deleted_at"
)


def _object(row: Any) -> RemoteObject:
    return RemoteObject(row["ap_id"], row["type"], row["actor"], row["attributed_to"],
                        row["host"], row["body"], row["activity_id"],
                        to_datetime(row["received_at"]), to_datetime(row["updated_at"]),
                        to_datetime(row["deleted_at"]))


class RemoteObjectRepo:
    """remote_objects: what followed actors created, updated and deleted (a cache, no rules)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    async def find(self, ap_id: str) -> RemoteObject | None:
        async with self.conn.execute(
            f"SELECT {_OBJECT_COLUMNS} FROM remote_objects WHERE ap_id = ?", (ap_id,)
        ) as cur:
            row = await cur.fetchone()
        return _object(row) if row else None

    async def add(self, *, ap_id: str, type: str, actor: str, attributed_to: str | None,
                  host: str, body: str, activity_id: str, at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO remote_objects (ap_id, type, actor, attributed_to, host, body,"
            " activity_id, received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ap_id, type, actor, attributed_to, host, body, activity_id, to_text(at),
             to_text(at)),
        )

    async def update(self, ap_id: str, *, type: str, attributed_to: str | None, body: str,
                     activity_id: str, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE remote_objects SET type = ?, attributed_to = ?, body = ?, activity_id = ?,"
            " updated_at = ? WHERE ap_id = ? AND deleted_at IS NULL",
            (type, attributed_to, body, activity_id, to_text(at), ap_id),
        )

    async def tombstone(self, *, ap_id: str, actor: str, host: str, activity_id: str,
                        at: datetime) -> None:
        """Delete: blank the object, keep its id (inserted as a tombstone when unknown)."""
        await self.conn.execute(
            "INSERT INTO remote_objects (ap_id, type, actor, host, body, activity_id,"
            " received_at, updated_at, deleted_at) VALUES (?, 'Tombstone', ?, ?, NULL, ?, ?, ?, ?)"
            " ON CONFLICT (ap_id) DO UPDATE SET body = NULL, activity_id = excluded.activity_id,"
            " updated_at = excluded.updated_at,"
            " deleted_at = coalesce(remote_objects.deleted_at, excluded.deleted_at)",
            (ap_id, actor, host, activity_id, to_text(at), to_text(at), to_text(at)),
        )

    async def count_by_actor(self, actor: str) -> int:
        async with self.conn.execute(
            "SELECT count(*) FROM remote_objects WHERE actor = ?", (actor,)) as cur:
            return (await cur.fetchone())[0]

    async def prune_actor(self, actor: str, keep: int) -> int:
        """Keep only the `keep` most recent objects of one actor (the table's cap)."""
        cur = await self.conn.execute(
            "DELETE FROM remote_objects WHERE actor = ? AND id NOT IN"
            " (SELECT id FROM remote_objects WHERE actor = ? ORDER BY id DESC LIMIT ?)",
            (actor, actor, keep),
        )
        return cur.rowcount

    async def list_all(self) -> list[RemoteObject]:
        async with self.conn.execute(
            f"SELECT {_OBJECT_COLUMNS} FROM remote_objects ORDER BY id") as cur:
            return [_object(r) for r in await cur.fetchall()]


def mark_gone_by_inboxes_now(conn: sqlite3.Connection, inboxes: list[str]) -> None:
    """The remote actors behind these inboxes are gone (they answered 404 or 410), on a plain
    sqlite3 connection inside the caller's transaction (the delivery pool's group commit)."""
    conn.executemany("UPDATE remote_actors SET is_gone = 1 WHERE inbox = ?",
                     [(inbox,) for inbox in inboxes])
