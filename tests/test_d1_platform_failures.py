"""D1's own failures (its network, an overloaded or reset database: Cloudflare's list of D1
errors to retry) are environment failures like a full disk: a StorageError, whichever round
they hit, never blamed on a definition nor reported as SQLite refusing the change (hunt7)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fake_d1 import FakeD1, FakeJsError

import inline_sync
from inline_sync.d1 import sync_async

BEFORE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"
AFTER = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT); CREATE INDEX t_b ON t (b);"
FAILURES = [
    "Error: Network connection lost.",
    "Error: D1_ERROR: D1 DB is overloaded. Requests queued for too long.",
    "Error: D1_ERROR: D1 DB is overloaded. Too many requests queued.",
    "Error: D1_ERROR: Durable Object reset because its code was updated.",
    "Error: D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.",
    "Error: D1_ERROR: Internal error while starting up D1 DB storage caused object to be reset.",
    "Error: D1_ERROR: Cannot resolve D1 DB due to transient issue on remote node.",
    "Error: D1_ERROR: Can't read from request stream because client disconnected.",
]


class Failing:
    """A binding whose ``at``-th batch (and every later one) fails with ``message``."""

    def __init__(self, db: FakeD1, at: int, message: str) -> None:
        self.db, self.at, self.message, self.seen = db, at, message, 0

    def prepare(self, sql: str) -> Any:
        return self.db.prepare(sql)

    async def batch(self, statements: list[Any]) -> Any:
        self.seen += 1
        if self.seen >= self.at:
            raise FakeJsError(self.message)
        return await self.db.batch(statements)


@pytest.mark.parametrize("message", FAILURES)
@pytest.mark.parametrize("at", [1, 2, 3])  # the state, the scratch, the apply round
def test_a_d1_failure_is_a_storage_error(message: str, at: int) -> None:
    db = FakeD1()
    asyncio.run(sync_async(db, BEFORE))
    before = db.q("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    with pytest.raises(inline_sync.StorageError) as failed:
        asyncio.run(sync_async(Failing(db, at, message), AFTER))
    assert message.rpartition(": ")[2].rstrip(".") in str(failed.value)
    assert "nothing was changed" in str(failed.value)
    assert db.q("SELECT type, name, sql FROM sqlite_master ORDER BY name") == before
