"""A parent that loses the UNIQUE its child references. SQLite then checks no row of the
child ("foreign key mismatch"): it refuses the foreign-key check after the change, and, with
foreign keys on, every write to the child. With rows to check, the sync stops there: an
ApplyError that names both tables and says what to declare, the database as it was. (It
was a bare "SQLite refused one of inline_sync's own statements" on sqlite3 and apsw.)"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fake_d1 import FakeD1
from memory_clients import OPENERS, rows, run

import inline_sync
from inline_sync.d1 import sync_async

KINDS = [*OPENERS, "d1"]
BEFORE = """CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));"""
AFTER = {
    "UNIQUE dropped": """CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);
CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));""",
    "UNIQUE dropped, a column added": """CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT, n);
CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));""",
}


def _open(kind: str) -> tuple[Any, Any]:
    if kind == "d1":
        db = FakeD1()
        return db, db.conn
    return OPENERS[kind]()


def _sync(kind: str, client: Any, schema: str) -> inline_sync.SyncResult:
    if kind == "d1":
        return asyncio.run(sync_async(client, schema))
    return inline_sync.sync(client, schema)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(AFTER))
def test_a_parent_losing_the_unique_its_child_references_is_named(kind: str, case: str) -> None:
    client, conn = _open(kind)
    _sync(kind, client, BEFORE)
    run(conn, "INSERT INTO p (code) VALUES ('a');\nINSERT INTO c (code) VALUES ('a')")
    before = rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    with pytest.raises(inline_sync.ApplyError) as raised:
        _sync(kind, client, AFTER[case])
    message = str(raised.value)
    assert 'foreign key mismatch - "c" referencing "p"' in message, message
    assert "neither its PRIMARY KEY nor UNIQUE: declare them UNIQUE in the parent" in message
    # (the statement SQLite refused is shown as run, rebuild copy and all: the rest is the user's)
    assert "own statements" not in message and "__sync" not in message.split("\n  statement:")[0]
    assert rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == before
    assert rows(conn, "SELECT code FROM c") == [("a",)]
