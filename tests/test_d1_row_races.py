"""D1 plans in one round and applies in another, with no transaction between them: another
Worker may write meanwhile. The apply round's guard checks the schema the plan was made
against; the plan also depends on which of the tables it changes hold rows (ADD COLUMN or a
rebuild), so rows written into an empty table meanwhile must make the sync plan again, not
fail on a step a fresh plan would not take (hunt7)."""

from __future__ import annotations

import asyncio

import pytest
from fake_d1 import FakeD1
from test_d1 import ChangesBeforeApply  # runs a script just before the apply batch

from inline_sync.d1 import sync_async

BEFORE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"
# Columns ADD COLUMN can add only to an empty table: a rebuild where there are rows.
AFTER = [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, d TEXT DEFAULT (lower('X')));",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, d TEXT NOT NULL DEFAULT (lower('X')));",
]


@pytest.mark.parametrize("after", AFTER)
def test_rows_written_into_an_empty_table_meanwhile_make_the_sync_plan_again(after: str) -> None:
    db = FakeD1()
    asyncio.run(sync_async(db, BEFORE))
    racing = ChangesBeforeApply(db, "INSERT INTO t (id, a) VALUES (1, 'kept');")
    result = asyncio.run(sync_async(racing, after))
    assert result.status == "synced"
    assert [c.action for c in result.plan.changes] == ["rebuild"]
    assert db.q("SELECT id, a, d FROM t") == [(1, "kept", "x")]
    assert asyncio.run(sync_async(db, after)).status == "up-to-date"


def test_rows_deleted_meanwhile_are_no_reason_to_plan_again() -> None:
    """The other way round the plan (a rebuild) still fits: the guard asks for what the
    planner read, and a rebuild of an empty table is as good."""
    db = FakeD1()
    asyncio.run(sync_async(db, BEFORE))
    db.script("INSERT INTO t (id, a) VALUES (1, 'gone');")
    racing = ChangesBeforeApply(db, "DELETE FROM t;")
    result = asyncio.run(sync_async(racing, AFTER[0]))
    assert result.status == "synced"
    assert db.q("SELECT count(*) FROM t") == [(0,)]
