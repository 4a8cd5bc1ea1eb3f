"""Actor key pairs (PEM text). The private keys never leave this table but to sign."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..connection import Connection
from ._sql import to_datetime, to_text


@dataclass(frozen=True, slots=True)
class ActorKeys:
    owner: str  # 'node', 'member:<id>' or 'debate:<id>'
    rsa_private_pem: str
    rsa_public_pem: str
    ed25519_private_pem: str
    ed25519_public_multibase: str
    created_at: datetime


class KeyRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def find(self, owner: str) -> ActorKeys | None:
        async with self.conn.execute(
            "SELECT owner, rsa_private_pem, rsa_public_pem, ed25519_private_pem,"
            " ed25519_public_multibase, created_at FROM actor_keys WHERE owner = ?",
            (owner,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return ActorKeys(*tuple(row)[:5], to_datetime(row["created_at"]))

    async def add(self, keys: ActorKeys) -> None:
        await self.conn.execute(
            "INSERT INTO actor_keys (owner, rsa_private_pem, rsa_public_pem, ed25519_private_pem,"
            " ed25519_public_multibase, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (keys.owner, keys.rsa_private_pem, keys.rsa_public_pem, keys.ed25519_private_pem,
             keys.ed25519_public_multibase, to_text(keys.created_at)),
        )
