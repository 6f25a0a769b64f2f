"""Planning AUTOINCREMENT tables on D1 leaves no ``sqlite_sequence`` behind.

SQLite makes ``sqlite_sequence`` the first time a table with AUTOINCREMENT is created, and no
one can drop it again. D1 builds the scratch copies in a batch that commits (it has no other
transaction), so a ``plan()``, a dry run, or a sync that then failed, of definitions with an
AUTOINCREMENT table on a database that had none left an empty ``sqlite_sequence``: the schema
changed although "plan() and dry_run=True leave no trace" and a failed sync leaves "the
database exactly as it was". The copies are now made without the keyword where that table
is missing (the planner still reads the declared text), and the keyword is checked with
``EXPLAIN CREATE TABLE``, which compiles the statement and makes nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from memory_clients import KINDS, everything, open_client, rows, run, sync_on

import inline_sync
from inline_sync.d1 import plan_async

BEFORE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"
AUTO = {
    "column": "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT);",
    "table constraint": "CREATE TABLE t (id INTEGER, a TEXT, PRIMARY KEY (id AUTOINCREMENT));",
    "after a conflict clause": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY ON CONFLICT ABORT AUTOINCREMENT, a TEXT);"
    ),
}


def _plan(kind: str, client: Any, definitions: str) -> inline_sync.SyncPlan:
    if kind == "d1":
        return asyncio.run(plan_async(client, definitions))
    return inline_sync.plan(client, definitions)


@pytest.mark.parametrize("case", AUTO)
@pytest.mark.parametrize("kind", KINDS)
def test_a_plan_and_a_dry_run_leave_no_trace(kind: str, case: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, "INSERT INTO t VALUES (7, 'x')")
    before = everything(conn)
    plan = _plan(kind, client, AUTO[case])
    assert [(c.action, c.reasons) for c in plan.changes] == [
        ("rebuild", ("PRIMARY KEY or AUTOINCREMENT changes",))
    ]
    assert sync_on(kind, client, AUTO[case], dry_run=True).plan == plan
    assert everything(conn) == before
    # and the sync itself: the table keeps its rows and counts on from them
    sync_on(kind, client, AUTO[case])
    run(conn, "INSERT INTO t (a) VALUES ('y')")
    assert rows(conn, "SELECT id, a FROM t ORDER BY id") == [(7, "x"), (8, "y")]
    assert rows(conn, "SELECT name, seq FROM sqlite_sequence") == [("t", 8)]
    assert not sync_on(kind, client, AUTO[case], force=True).plan.statements


@pytest.mark.parametrize("kind", KINDS)
def test_a_failed_sync_leaves_no_trace(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, "INSERT INTO t VALUES (7, NULL)")
    before = everything(conn)
    with pytest.raises(inline_sync.ApplyError):
        sync_on(kind, client, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL);\n"
                              "CREATE TABLE s (id INTEGER PRIMARY KEY AUTOINCREMENT);")  # fmt: skip
    assert everything(conn) == before


@pytest.mark.parametrize(
    ("definitions", "message"),
    [
        ("CREATE TABLE s (id INT PRIMARY KEY AUTOINCREMENT);", "only allowed on an INTEGER"),
        (
            "CREATE TABLE s (id INTEGER PRIMARY KEY AUTOINCREMENT, v) WITHOUT ROWID;",
            "not allowed on WITHOUT ROWID",
        ),
    ],
)
@pytest.mark.parametrize("kind", KINDS)
def test_a_misplaced_autoincrement_is_still_a_definition_error(
    kind: str, definitions: str, message: str
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    before = everything(conn)
    with pytest.raises(inline_sync.DefinitionError, match=message) as caught:
        sync_on(kind, client, BEFORE + definitions)
    assert caught.value.statement is not None and "CREATE TABLE s" in caught.value.statement
    assert everything(conn) == before


def test_real_d1_plan_leaves_no_sqlite_sequence(bridge: Any) -> None:
    db = bridge.database()
    asyncio.run(inline_sync.sync_async(db, BEFORE))
    names = "SELECT name FROM sqlite_master ORDER BY name"
    before = db.q(names)
    plan = asyncio.run(plan_async(db, AUTO["column"]))
    assert plan.status == "changes-needed"
    assert db.q(names) == before
    asyncio.run(inline_sync.sync_async(db, AUTO["column"]))
    assert ("sqlite_sequence",) in db.q(names)
    with pytest.raises(inline_sync.DefinitionError, match="only allowed on an INTEGER"):
        asyncio.run(
            plan_async(db, AUTO["column"] + "CREATE TABLE s (id INT PRIMARY KEY AUTOINCREMENT);")
        )
