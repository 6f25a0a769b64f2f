"""A parent's key column renamed by an ``@renamed`` hint where ALTER TABLE … RENAME COLUMN
cannot rename it, so the rebuild's copy does: a WITHOUT ROWID table's PRIMARY KEY column that a
UNIQUE also covers (every SQLite), a column renamed to ``rowid`` (SQLite 3.54). The children's
REFERENCES were taken to follow the rename as RENAME COLUMN makes them, so a child declared
``REFERENCES t(kk)`` was left naming ``t(k)``, a column gone: "foreign key mismatch", a valid
schema refused (sqlite3, apsw). Such a child is now compared as it is, and rebuilt."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

WITHOUT_ROWID = (
    "CREATE TABLE t (k TEXT PRIMARY KEY, v, UNIQUE (k)) WITHOUT ROWID;\n"
    "CREATE TABLE c (x REFERENCES t (k));",
    "CREATE TABLE t (kk TEXT PRIMARY KEY, -- @renamed from=k\n  v, UNIQUE (kk)) WITHOUT ROWID;\n"
    "CREATE TABLE c (x REFERENCES t (kk));",
)
ROWID = (
    "CREATE TABLE t (k TEXT UNIQUE, v);\nCREATE TABLE c (x REFERENCES t (k));",
    "CREATE TABLE t (rowid TEXT UNIQUE, -- @renamed from=k\n  v);\n"
    "CREATE TABLE c (x REFERENCES t (rowid));",
)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("schemas", [WITHOUT_ROWID, ROWID], ids=["without-rowid", "rowid"])
def test_a_child_follows_a_key_renamed_by_the_copy(kind: str, schemas: tuple[str, str]) -> None:
    before, after = schemas
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    run(conn, "INSERT INTO t VALUES ('a', 1);\nINSERT INTO c VALUES ('a')")
    assert sync_on(kind, client, after).status == "synced"
    assert rows(conn, "SELECT * FROM t") == [("a", 1)]
    assert rows(conn, "SELECT * FROM c") == [("a",)]
    assert rows(conn, "SELECT \"to\" FROM pragma_foreign_key_list('c')") == [
        (after.split("REFERENCES t (")[1].split(")")[0],)
    ]
    assert rows(conn, "PRAGMA foreign_key_check") == []
    assert sync_on(kind, client, after, force=True).status == "up-to-date"
