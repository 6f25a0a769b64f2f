"""A defer clause standing as a column constraint of its own: ``p REFERENCES p NOT NULL
DEFERRABLE INITIALLY DEFERRED``. SQLite's grammar allows it after any other constraint, and
applies it to the table's most recent foreign key so far (``sqlite3DeferForeignKey``), even one
of an earlier column. inline_sync's table parser stopped at it: definitions holding it failed
with a SyncError "cannot read the table 'c': unexpected 'DEFERRABLE' in column 'p'" (and so
did every sync and ``inspect()`` of a database holding such a table); before a REFERENCES it
was read as part of the column's type. It is now read as SQLite reads it.
"""

from __future__ import annotations

import sqlite3

import pytest
from memory_clients import KINDS, open_client, sync_on

import inline_sync

PARENT = "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
COLUMNS = [
    "p REFERENCES p DEFAULT 0 DEFERRABLE INITIALLY DEFERRED",
    "p REFERENCES p NOT NULL DEFERRABLE INITIALLY DEFERRED",
    "p REFERENCES p MATCH FULL NOT NULL NOT DEFERRABLE INITIALLY IMMEDIATE",
    "q REFERENCES p, p INT DEFERRABLE INITIALLY DEFERRED REFERENCES p",
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("columns", COLUMNS)
def test_a_standalone_defer_clause_syncs_and_converges(kind: str, columns: str) -> None:
    schema = PARENT + f"CREATE TABLE c (id INTEGER PRIMARY KEY, {columns});"
    client, _ = open_client(kind)
    assert sync_on(kind, client, schema).status == "synced"
    assert sync_on(kind, client, schema, force=True).status == "up-to-date"


@pytest.mark.parametrize("columns", COLUMNS)
def test_a_table_made_by_hand_with_one_is_read(columns: str) -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(PARENT + f"CREATE TABLE c (id INTEGER PRIMARY KEY, {columns});")
    assert not inline_sync.plan(conn, inline_sync.inspect(conn)).statements


@pytest.mark.parametrize("kind", KINDS)
def test_it_applies_to_the_most_recent_foreign_key(kind: str) -> None:
    """As SQLite applies it: ``q``'s foreign key is the deferred one, so declaring the
    clause at ``q`` itself describes the same table, and leaving it out does not."""
    client, _ = open_client(kind)
    by_next = PARENT + "CREATE TABLE c (q REFERENCES p, r INT DEFERRABLE INITIALLY DEFERRED);"
    at_q = PARENT + "CREATE TABLE c (q REFERENCES p DEFERRABLE INITIALLY DEFERRED, r INT);"
    sync_on(kind, client, by_next)
    assert not sync_on(kind, client, at_q, dry_run=True).plan.statements
    without = PARENT + "CREATE TABLE c (q REFERENCES p, r INT);"
    assert sync_on(kind, client, without, dry_run=True).plan.statements
