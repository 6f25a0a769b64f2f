"""Tests written to kill surviving mutants of ``inline_sync/state.py`` (issue 14,
docs/mutation-testing.md): the state row that lets the next sync stop after one read, as the
writers other than ``sync()`` leave it. Each names, in its docstring, the mutations it catches.
The D1 race runs on the D1 stand-in (its calls interleave between round-trips); the fleet
writes sqlite3 files."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from fake_d1 import FakeD1

import inline_sync
from inline_sync.d1 import sync_async
from inline_sync.fleet import sync_many
from inline_sync.state import STATE_TABLE

SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"


def test_two_d1_syncs_that_both_find_no_state_table_both_record_the_state() -> None:
    """Two isolates start together on a D1 database whose schema is already right (made by
    hand, or its state table dropped): both read no state table and plan nothing, so the
    state table is the only thing either writes. The second must not fail because the first
    made it in between (kills ``raced and not damaged`` made False, or ``raced and
    damaged``: the plain CREATE TABLE of the second is refused with 'already exists')."""
    db = FakeD1()
    db.script(SCHEMA)

    async def both() -> list[Any]:
        return list(await asyncio.gather(sync_async(db, SCHEMA), sync_async(db, SCHEMA)))

    results = asyncio.run(both())
    assert [r.status for r in results] == ["up-to-date", "up-to-date"]
    assert db.q(f"SELECT count(*) FROM {STATE_TABLE}") == [(1,)]
    again = asyncio.run(sync_async(db, SCHEMA))
    assert (again.status, again.plan.strategy) == ("up-to-date", "")  # the fast path


def test_a_database_a_fleet_synced_with_a_reused_plan_is_up_to_date_for_sync(
    tmp_path: Path,
) -> None:
    """sync_many plans the first database and applies the same plan to the next one of the
    same schema, writing the state row itself: that row must let a later ``sync()`` of the
    same definitions stop after one read (a state row without the token hash would make
    every later sync plan in full)."""
    paths = []
    for i in range(2):
        conn = sqlite3.connect(tmp_path / f"t{i}.db")
        inline_sync.sync(conn, SCHEMA)
        conn.close()
        paths.append(tmp_path / f"t{i}.db")
    target = SCHEMA + "CREATE INDEX t_a ON t(a);"
    result = sync_many(paths, target)
    assert [(r.status, r.reused) for r in result.results] == [("synced", False), ("synced", True)]
    for path in paths:
        conn = sqlite3.connect(path, isolation_level=None)
        again = inline_sync.sync(conn, target)
        assert (again.status, again.plan.strategy) == ("up-to-date", ""), path.name
        conn.close()
