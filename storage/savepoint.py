"""A SAVEPOINT inside the open write transaction: the statements of one item of a batch are
undone alone when it fails, and the batch goes on in the same transaction (one COMMIT)."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator


@asynccontextmanager
async def savepoint(conn, name: str = "item") -> AsyncIterator[None]:
    """`async with savepoint(tx.conn)`: an exception rolls back what ran inside, then goes on.

    If SQLite already rolled the whole transaction back (a full disk, an I/O error), `ROLLBACK
    TO` fails and that error goes on instead: the caller's transaction must not commit."""
    await conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        await conn.execute(f"ROLLBACK TO {name}")
        await conn.execute(f"RELEASE {name}")
        raise
    await conn.execute(f"RELEASE {name}")
