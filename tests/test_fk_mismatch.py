"""A parent that loses the UNIQUE its child references. SQLite then checks no row of the
child ("foreign key mismatch"): it refuses the foreign-key check after the change, and, with
foreign keys on, every write to the child. With rows to check, the sync stops there: an
ApplyError that names both tables and says what to declare, the database as it was. (It
was a bare "SQLite refused one of inline_sync's own statements" on sqlite3 and apsw.)"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

import inline_sync

BEFORE = """CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));"""
AFTER = {
    "UNIQUE dropped": """CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);
CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));""",
    "UNIQUE dropped, a column added": """CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT, n);
CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));""",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(AFTER))
def test_a_parent_losing_the_unique_its_child_references_is_named(kind: str, case: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, "INSERT INTO p (code) VALUES ('a');\nINSERT INTO c (code) VALUES ('a')")
    before = rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    with pytest.raises(inline_sync.ApplyError) as raised:
        sync_on(kind, client, AFTER[case])
    message = str(raised.value)
    assert 'foreign key mismatch - "c" referencing "p"' in message, message
    assert "neither its PRIMARY KEY nor UNIQUE: declare them UNIQUE in the parent" in message
    # (the statement SQLite refused is shown as run, rebuild copy and all: the rest is the user's)
    assert "own statements" not in message and "__sync" not in message.split("\n  statement:")[0]
    assert rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == before
    assert rows(conn, "SELECT code FROM c") == [("a",)]
