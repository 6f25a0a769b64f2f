"""An index whose table (or column) a @renamed hint moves aside while a new table (or column)
takes the old name, the index declared word for word as before, on the new one (and an index
whose column has the old name of a table renamed by a hint).

SQLite's RENAME takes the index along to the renamed table or column; the index's text was
unchanged, so the plan kept it: the sync said "synced", the index stayed on the archive, the new
table had none, and the fast path kept saying "up-to-date" (only a forced plan saw it)."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

USERS = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n"
ARCHIVE = (
    "CREATE TABLE users_archive ( -- @renamed from=users\n id INTEGER PRIMARY KEY, name TEXT);\n"
)
COLUMN_V1 = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\nCREATE INDEX ia ON t (a);\n"
COLUMN_V2 = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY,\n  a_old TEXT, -- @renamed from=a\n  a TEXT);\n"
    "CREATE INDEX ia ON t (a);\n"
)

CASES = {
    # (before, after, the index's (name, table, its first column) afterwards)
    "table": (
        USERS + "CREATE INDEX users_by_name ON users (name);",
        ARCHIVE + USERS + "CREATE INDEX users_by_name ON users (name);",
        ("users_by_name", "users", "name"),
    ),
    "table, a unique index": (
        USERS + "CREATE UNIQUE INDEX u1 ON users (id, name);",
        ARCHIVE + USERS + "CREATE UNIQUE INDEX u1 ON users (id, name);",
        ("u1", "users", "id"),
    ),
    "table, a partial expression index": (
        USERS + "CREATE INDEX lower_names ON users (lower(name) DESC) WHERE name IS NOT NULL;",
        ARCHIVE + USERS + "CREATE INDEX lower_names ON users (lower(name) DESC) "
        "WHERE name IS NOT NULL;",
        ("lower_names", "users", None),
    ),
    "column": (COLUMN_V1, COLUMN_V2, ("ia", "t", "a")),
    "column, in the index's WHERE": (
        COLUMN_V1.replace("(a)", "(id) WHERE a IS NOT NULL"),
        COLUMN_V2.replace("(a)", "(id) WHERE a IS NOT NULL"),
        ("ia", "t", "id"),
    ),
    # Not moved aside: a table renamed from the name of the column the index was on, the index
    # moved to another column (the table's rename must not be read as the column's).
    "a table renamed from the name of the index's column": (
        "CREATE TABLE a (z);\nCREATE TABLE t (a, b);\nCREATE INDEX ia ON t (a);",
        "CREATE TABLE b (z); -- @renamed from=a\nCREATE TABLE t (a, b);\nCREATE INDEX ia ON t (b);",
        ("ia", "t", "b"),
    ),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", KINDS)
def test_an_index_declared_on_the_new_table_or_column_is_made_there(kind: str, case: str) -> None:
    before, after, (index, table, column) = CASES[case]
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    conn.execute("INSERT INTO " + ("users" if "users" in before else "t") + " VALUES (1, 'x')")
    result = sync_on(kind, client, after)
    assert ("index", index, "recreate") in {(c.kind, c.name, c.action) for c in result.plan.changes}
    assert rows(conn, f"SELECT tbl_name FROM sqlite_master WHERE name = '{index}'") == [(table,)]
    assert rows(conn, f"SELECT name FROM pragma_index_info('{index}') LIMIT 1") == [(column,)]
    assert not sync_on(kind, client, after, force=True).plan
