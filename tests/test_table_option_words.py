"""Names spelled like a table's options: a column ``strict`` in a STRICT table, a column
``rowid`` or ``without`` in a WITHOUT ROWID table, a table named ``strict``. After the
column list of a CREATE TABLE come options, which are words, never names.

Before the fix, renaming such a column by hint renamed the option too when the planner
worked out what RENAME COLUMN leaves behind (``WITHOUT "r"``): a raw ParseError for
WITHOUT ROWID, and for STRICT a needless rebuild reported as "STRICT added". And the
prefix strategy (Durable Objects, D1) prefixed the STRICT of every table once a table named
``strict`` was declared: SQLite refused the definitions ("unknown table option")."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

COLUMN_RENAMES = [
    (
        "CREATE TABLE t (strict INTEGER PRIMARY KEY, b TEXT) STRICT;",
        "CREATE TABLE t (s INTEGER PRIMARY KEY, -- @renamed from=strict\n b TEXT) STRICT;",
        "SELECT s, b FROM t",
    ),
    (
        "CREATE TABLE t (rowid INTEGER PRIMARY KEY, b TEXT) WITHOUT ROWID;",
        "CREATE TABLE t (r INTEGER PRIMARY KEY, -- @renamed from=rowid\n b TEXT) WITHOUT ROWID;",
        "SELECT r, b FROM t",
    ),
    (
        "CREATE TABLE t (without INTEGER PRIMARY KEY, b TEXT) WITHOUT ROWID;",
        "CREATE TABLE t (w INTEGER PRIMARY KEY, -- @renamed from=without\n b TEXT) WITHOUT ROWID;",
        "SELECT w, b FROM t",
    ),
    (
        "CREATE TABLE t (strict INTEGER PRIMARY KEY, rowid TEXT) STRICT, WITHOUT ROWID;",
        "CREATE TABLE t (s INTEGER PRIMARY KEY, -- @renamed from=strict\n"
        " r TEXT -- @renamed from=rowid\n) STRICT, WITHOUT ROWID;",
        "SELECT s, r FROM t",
    ),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("v1", "v2", "query"), COLUMN_RENAMES)
def test_a_column_named_like_a_table_option_is_renamed_by_alter(
    kind: str, v1: str, v2: str, query: str
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, v1)
    conn.execute("INSERT INTO t VALUES (1, 'x')")
    result = sync_on(kind, client, v2)
    (change,) = result.plan.changes
    # RENAME COLUMN, or the copy where SQLite refuses to rename a rowid name: nothing else
    assert (change.kind, change.name, change.destructive) == ("table", "t", False)
    assert all(r.startswith(("rename column", "renamed by the copy")) for r in change.reasons)
    if change.action == "alter":
        assert all("RENAME COLUMN" in s for s in result.statements)
    assert rows(conn, query) == [(1, "x")]
    assert not sync_on(kind, client, v2, force=True).plan


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("option", ["STRICT", "WITHOUT ROWID", "STRICT, WITHOUT ROWID"])
@pytest.mark.parametrize("table", ["strict", "without", "rowid"])
def test_a_table_named_like_a_table_option(kind: str, option: str, table: str) -> None:
    schema = (
        f'CREATE TABLE "{table}" (a INTEGER PRIMARY KEY, b TEXT) {option};\n'
        f"CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT) {option};\n"
        f'CREATE VIEW v AS SELECT t.a, "{table}".b FROM t JOIN "{table}" USING (a);'
    )
    client, conn = open_client(kind)
    sync_on(kind, client, schema)
    conn.execute(f"INSERT INTO \"{table}\" VALUES (1, 'x')")
    conn.execute("INSERT INTO t VALUES (1, 'y')")
    assert rows(conn, "SELECT a, b FROM v") == [(1, "x")]
    assert not sync_on(kind, client, schema, force=True).plan
    # and a hinted rename of it
    renamed = (
        schema.replace(f'"{table}"', "other", 1)
        .replace(f"{option};", f"{option}; -- @renamed from={table}", 1)
        .replace(f'"{table}"', "other")
    )
    result = sync_on(kind, client, renamed)
    assert [(c.kind, c.action) for c in result.plan.changes if c.kind == "table"] == [
        ("table", "rename")
    ]
    assert rows(conn, "SELECT a, b FROM other") == [(1, "x")]
    assert not sync_on(kind, client, renamed, force=True).plan


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("table", ["stored", '"stored"', "virtual", '"Stored"'])
def test_a_table_named_like_a_generated_columns_storage(kind: str, table: str) -> None:
    schema = (
        f"CREATE TABLE {table} (a INTEGER PRIMARY KEY, b AS (a + 1) STORED,\n"
        "  c AS (a * 2) VIRTUAL);\n"
        f"CREATE TABLE t (a INTEGER PRIMARY KEY, b AS (a + 1) STORED);\n"
        f"CREATE VIEW v AS SELECT {table}.b, t.b AS tb FROM {table} JOIN t USING (a);"
    )
    client, conn = open_client(kind)
    sync_on(kind, client, schema)
    conn.execute(f"INSERT INTO {table} (a) VALUES (1)")
    conn.execute("INSERT INTO t (a) VALUES (1)")
    assert rows(conn, "SELECT * FROM v") == [(2, 2)]
    assert not sync_on(kind, client, schema, force=True).plan
