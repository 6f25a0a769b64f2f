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
from memory_clients import KINDS, open_client, refused, rows, sync_on

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

    assert "FOREIGN KEY constraint failed" in str(refused(kind, client, conn, AFTER))
    assert rows(conn, "SELECT pid, note FROM c ORDER BY note") == [(5, "a"), (None, "b")]


@pytest.mark.parametrize("kind", KINDS)
def test_a_null_that_becomes_a_rowid_with_a_parent_syncs(kind: str) -> None:
    client, conn = _child_rows(kind, [5, 6])

    assert sync_on(kind, client, AFTER).status == "synced"

    assert rows(conn, "SELECT pid, note FROM c ORDER BY note") == [(5, "a"), (6, "b")]
    assert rows(conn, "PRAGMA foreign_key_check") == []


# No foreign key: the NULLs simply get new rowids, after the numbers the column holds.
UNIQUE_BEFORE = "CREATE TABLE t (code INTEGER UNIQUE, note TEXT);"
UNIQUE_AFTER = "CREATE TABLE t (code INTEGER PRIMARY KEY UNIQUE, note TEXT);"


@pytest.mark.parametrize("kind", KINDS)
def test_nulls_made_rowids_come_after_the_numbers_the_column_holds(kind: str) -> None:
    # Copied in the order of the UNIQUE index (NULLs first) or of the rowids (7, NULL, 8),
    # a NULL took a number a later row held: "UNIQUE constraint failed", blamed on
    # duplicates that were not there.
    client, conn = open_client(kind)
    sync_on(kind, client, UNIQUE_BEFORE)
    for value, note in ((7, "a"), (None, "b"), (8, "c"), (None, "d"), (1, "e")):
        conn.execute("INSERT INTO t VALUES (?, ?)", (value, note))

    assert sync_on(kind, client, UNIQUE_AFTER).status == "synced"

    assert rows(conn, "SELECT code, note FROM t ORDER BY note") == [
        (7, "a"), (9, "b"), (8, "c"), (10, "d"), (1, "e"),
    ]  # fmt: skip
    assert sync_on(kind, client, UNIQUE_AFTER, force=True, dry_run=True).plan.statements == []


def test_such_a_copy_runs_whole_even_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # In chunks of rowids, a chunk's NULLs would take numbers a later chunk holds.
    monkeypatch.setattr("inline_sync.apply.CHUNK_ROWS", 2)
    client, conn = open_client("sqlite3")
    sync_on("sqlite3", client, UNIQUE_BEFORE)
    for value, note in ((None, "a"), (1, "b"), (None, "c"), (2, "d")):
        conn.execute("INSERT INTO t VALUES (?, ?)", (value, note))
    seen: list[tuple[int, int]] = []

    result = inline_sync.sync(client, UNIQUE_AFTER, progress=lambda s, d, n: seen.append((d, n)))

    copies = [s for s in result.statements if s.endswith(' ORDER BY "code" IS NULL')]
    assert len(copies) == 1
    assert seen == [(0, 4), (4, 4)]
    assert rows(conn, "SELECT note FROM t ORDER BY code") == [("b",), ("d",), ("a",), ("c",)]
