"""Actor key pairs: RSA-2048 for HTTP signatures, Ed25519 (Multikey) for FEP-8b32 proofs."""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from node.ports import Clock
from storage.db import Database
from storage.repos.keys import ActorKeys, KeyRepo

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_MULTICODEC = b"\xed\x01"  # multicodec prefix of an Ed25519 public key


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def ed25519_multibase(public: ed25519.Ed25519PublicKey) -> str:
    """FEP-521a / Multikey `publicKeyMultibase`: 'z' + base58btc(0xed01 || raw key)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc(_ED25519_MULTICODEC + raw)


def generate_actor_keys(owner: str, at: datetime) -> ActorKeys:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ed_key = ed25519.Ed25519PrivateKey.generate()
    pkcs8 = serialization.PrivateFormat.PKCS8
    pem = serialization.Encoding.PEM
    return ActorKeys(
        owner=owner,
        rsa_private_pem=rsa_key.private_bytes(pem, pkcs8, serialization.NoEncryption()).decode(),
        rsa_public_pem=rsa_key.public_key()
        .public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        ed25519_private_pem=ed_key.private_bytes(pem, pkcs8, serialization.NoEncryption()).decode(),
        ed25519_public_multibase=ed25519_multibase(ed_key.public_key()),
        created_at=at,
    )


def check_actor_keys(keys: ActorKeys) -> None:
    """Raise ValueError unless both private keys load and match their public halves."""
    rsa_key = serialization.load_pem_private_key(keys.rsa_private_pem.encode(), password=None)
    ed_key = serialization.load_pem_private_key(keys.ed25519_private_pem.encode(), password=None)
    if not isinstance(rsa_key, rsa.RSAPrivateKey) or rsa_key.key_size < 2048:
        raise ValueError("the RSA key is missing or shorter than 2048 bits")
    if not isinstance(ed_key, ed25519.Ed25519PrivateKey):
        raise ValueError("the Ed25519 key is not an Ed25519 key")
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    if public_pem != keys.rsa_public_pem:
        raise ValueError("the RSA public key does not match its private key")
    if ed25519_multibase(ed_key.public_key()) != keys.ed25519_public_multibase:
        raise ValueError("the Ed25519 public key does not match its private key")


NODE_OWNER = "node"  # the Application actor's keys, created at start-up by web/app.py
_KEY_CACHE_SIZE = 1024  # key sets are ~5 KiB; a territory has far fewer actors signing at once


class KeyStore:
    """Each local actor's key pairs, created on first need and kept in a small LRU cache."""

    def __init__(self, database: Database, clock: Clock):
        self.database = database
        self.clock = clock
        self._cache: OrderedDict[str, ActorKeys] = OrderedDict()

    async def get(self, owner: str) -> ActorKeys:
        keys = self._cache.get(owner)
        if keys is None:
            keys = await KeyRepo(self.database.read().conn).find(owner)
            if keys is None:
                keys = await self._create(owner)
        self._cache[owner] = keys
        self._cache.move_to_end(owner)
        while len(self._cache) > _KEY_CACHE_SIZE:
            self._cache.popitem(last=False)
        return keys

    async def _create(self, owner: str) -> ActorKeys:
        # RSA generation takes tens of milliseconds: keep it off the event loop.
        fresh = await asyncio.to_thread(generate_actor_keys, owner, self.clock.now())
        async with self.database.transaction() as tx:
            repo = KeyRepo(tx.conn)
            existing = await repo.find(owner)  # another request may have won the race
            if existing is not None:
                return existing
            await repo.add(fresh)
        return fresh
