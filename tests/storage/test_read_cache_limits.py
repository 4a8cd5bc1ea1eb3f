"""The read cache's bounds for what pages keep there (storage/cache.py): a value that does not
match its key is served but not kept, and rendered text stays within its budget."""
from __future__ import annotations


async def test_a_value_that_does_not_match_its_key_is_served_not_kept(db):
    cache = db.read().cache
    calls = []

    async def compute():
        calls.append(1)
        return ("state now", "page")

    for _ in range(2):
        value = await cache.get("k", compute, keep=lambda v: v[0] == "state in the key")
        assert value == ("state now", "page")
    assert len(calls) == 2  # computed each time: never kept
    await cache.get("k", compute, keep=lambda v: v[0] == "state now")
    await cache.get("k", compute, keep=lambda v: v[0] == "state now")
    assert len(calls) == 3


async def test_page_text_is_kept_only_within_its_budget(db):
    cache = db.read().cache
    cache.max_chars = 10
    calls = []

    def text(n):
        async def compute():
            calls.append(n)
            return "x" * n
        return compute

    await cache.get("a", text(6), size=len)
    await cache.get("b", text(6), size=len)  # would pass the budget: not kept
    await cache.get("a", text(6), size=len)
    await cache.get("b", text(6), size=len)
    assert calls == [6, 6, 6]
    # A commit empties the cache and its budget
    async with db.transaction() as tx:
        await tx.conn.execute("CREATE TABLE t (x)")
    await cache.get("b", text(6), size=len)
    await cache.get("b", text(6), size=len)
    assert calls == [6, 6, 6, 6]
