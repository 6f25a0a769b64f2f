"""Tests written to kill surviving mutants of the engine's rounds (``inline_sync/rounds.py``,
``scratch_round.py``, ``apply_round.py``; issue 14, docs/mutation-testing.md). Each names, in
its docstring, the mutations it catches."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fake_d1 import FakeD1
from memory_clients import OPENERS, rows

import inline_sync
from inline_sync.d1 import sync_async

BEFORE = (
    "CREATE TABLE p1 (id INTEGER PRIMARY KEY);\n"
    "CREATE TABLE p2 (id INTEGER PRIMARY KEY);\n"
    "CREATE TABLE c (id INTEGER PRIMARY KEY, p1_id INTEGER REFERENCES p1(id));"
)
AFTER = BEFORE.replace(
    "REFERENCES p1(id));", "REFERENCES p1(id), p2_id INTEGER DEFAULT 1 REFERENCES p2(id));"
)


@pytest.mark.parametrize("client", [*OPENERS, "d1"])
def test_a_new_reference_is_checked_against_its_own_parent_only(client: str) -> None:
    """A child gains a reference to a second parent (a rebuild: REFERENCES with a default)
    while it already holds a row whose first parent is missing (left by whoever turned
    foreign keys off). Only the new parent's references are counted after the change, so that
    old violation neither fails the sync nor is repaired (kills ``apply_round._only``'s test
    inverted: the count after then covered every parent, and D1's sync failed with "FOREIGN KEY
    constraint failed")."""
    if client == "d1":
        d1 = FakeD1()
        conn: Any = d1.conn

        def sync(schema: str) -> Any:
            return asyncio.run(sync_async(d1, schema))
    else:
        db, conn = OPENERS[client]()

        def sync(schema: str) -> Any:
            return inline_sync.sync(db, schema)

    sync(BEFORE)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO p2 VALUES (1)")
    conn.execute("INSERT INTO c VALUES (1, 99)")  # p1 99 does not exist
    conn.execute("PRAGMA foreign_keys = ON")
    assert sync(AFTER).status == "synced"
    assert rows(conn, "SELECT id, p1_id, p2_id FROM c") == [(1, 99, 1)]
    assert rows(conn, "SELECT \"table\", parent FROM pragma_foreign_key_check('c')") == [
        ("c", "p1")
    ]
