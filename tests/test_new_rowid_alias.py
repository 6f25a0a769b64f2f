"""A column made the table's INTEGER PRIMARY KEY (its rowid) while it holds NULLs.

SQLite gives each NULL a new rowid when the rows are copied, so the column's values change:
where the column references a parent, a NULL (which never violates a foreign key) becomes a
number that may have no parent row. Found by random schema-evolution fuzzing: on sqlite3 and
apsw the sync committed with that violation (``PRAGMA foreign_key_check`` not empty): the
verification before commit took the column's values for unchanged (same type, collation,
generation). Now such a child is checked like one whose key column changes type, and the
change is refused; where foreign keys stay on SQLite refused it already, at commit.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

import inline_sync

BEFORE = """
CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE c (pid INTEGER REFERENCES p(id), note TEXT);
"""
AFTER = BEFORE.replace("pid INTEGER REFERENCES", "pid INTEGER PRIMARY KEY REFERENCES")


def _child_rows(kind: str, parents: list[int]) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    for id_ in parents:
        conn.execute(f"INSERT INTO p VALUES ({id_})")
    conn.execute("INSERT INTO c VALUES (5, 'a')")
    conn.execute("INSERT INTO c VALUES (NULL, 'b')")  # becomes rowid 6
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
def test_a_null_that_becomes_a_rowid_without_parent_is_refused(kind: str) -> None:
    client, conn = _child_rows(kind, [5])
    schema = rows(conn, "SELECT sql FROM sqlite_master ORDER BY name")

    with pytest.raises(inline_sync.ApplyError) as info:
        sync_on(kind, client, AFTER)

    assert "FOREIGN KEY constraint failed" in str(info.value)
    assert rows(conn, "SELECT sql FROM sqlite_master ORDER BY name") == schema
    assert rows(conn, "SELECT pid, note FROM c ORDER BY note") == [(5, "a"), (None, "b")]


@pytest.mark.parametrize("kind", KINDS)
def test_a_null_that_becomes_a_rowid_with_a_parent_syncs(kind: str) -> None:
    client, conn = _child_rows(kind, [5, 6])

    assert sync_on(kind, client, AFTER).status == "synced"

    assert rows(conn, "SELECT pid, note FROM c ORDER BY note") == [(5, "a"), (6, "b")]
    assert rows(conn, "PRAGMA foreign_key_check") == []
