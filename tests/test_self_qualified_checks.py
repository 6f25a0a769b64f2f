"""A table whose CHECK names its columns by the table's name (``CHECK (t.a > 0)``) can be
rebuilt. Its old copy cannot be renamed aside (SQLite checks the text against the new name),
so the new one is made under a temporary name; there ``t.a`` named nothing, and the rebuild
was refused ("no such column: t.a") for a valid schema. The temporary copy now names those
columns bare (``a``, the same column), which SQLite resolves under any name, and a check
that differs only so is the same check: the next sync finds nothing to do, and the next
rebuild, which can rename that copy aside (where foreign keys can be off), writes the
declared text again."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

from inline_sync.ddl import parse_table


def rebuilt(kind: str, before: str, after: str) -> Any:
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    conn.execute("INSERT INTO t (a) VALUES (5)")
    assert sync_on(kind, client, after).status == "synced"
    assert sync_on(kind, client, after).status == "up-to-date"
    return client, conn


CASES = [
    # a column added before the others: a rebuild
    ("CREATE TABLE t (a INT CHECK (t.a > 0));", "CREATE TABLE t (b INT, a INT CHECK (t.a > 0));"),
    # the type changes; quoted, and a table-level CHECK
    (
        'CREATE TABLE "T" (a INT, CHECK ("T".a > 0 AND t."a" < 100));',
        'CREATE TABLE "T" (a REAL, CHECK ("T".a > 0 AND t."a" < 100));',
    ),
    # qualified by schema and table: SQLite's RENAME checks that text against the new name
    # too ("no such column: t.a" when the old copy was renamed aside)
    (
        "CREATE TABLE t (a INT CHECK (main.t.a > 0));",
        "CREATE TABLE t (b INT, a INT CHECK (main.t.a > 0));",
    ),
    (
        'CREATE TABLE "T" (a INT, CHECK ("MAIN"."T".a > 0 AND main . t . "a" < 100));',
        'CREATE TABLE "T" (a REAL, CHECK ("MAIN"."T".a > 0 AND main . t . "a" < 100));',
    ),
    # renamed by hint and rebuilt: the new name qualifies
    (
        "CREATE TABLE t (a INT CHECK (t.a > 0));",
        "-- @renamed from=t\nCREATE TABLE u (b INT, a INT CHECK (u.a > 0));",
    ),
]


@pytest.mark.parametrize(("before", "after"), CASES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_table_whose_check_names_it_is_rebuilt(kind: str, before: str, after: str) -> None:
    _, conn = rebuilt(kind, before, after)
    table = "u" if "u (" in after else "t"
    assert rows(conn, f"SELECT a FROM {table}") == [(5,)]
    with pytest.raises(Exception, match="CHECK"):
        conn.execute(f"INSERT INTO {table} (a) VALUES (0)")


@pytest.mark.parametrize("kind", KINDS)
def test_with_a_child_that_references_it(kind: str) -> None:
    before = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (t.a > 0));\n"
        "CREATE TABLE c (t_id INT REFERENCES t (id) ON DELETE CASCADE);"
    )
    after = before.replace("a INT CHECK", "a TEXT CHECK")
    client, conn = rebuilt(kind, before, after)
    conn.execute("INSERT INTO c VALUES (1)")
    assert sync_on(kind, client, after.replace("a TEXT", "a BLOB")).status == "synced"
    assert rows(conn, "SELECT * FROM c") == [(1,)]


@pytest.mark.parametrize("kind", KINDS)
def test_the_next_rebuild_writes_the_declared_text_again(kind: str) -> None:
    first = "CREATE TABLE t (a INT CHECK (t.a > 0));"
    second = "CREATE TABLE t (b INT, a INT CHECK (t.a > 0));"
    client, conn = rebuilt(kind, first, second)
    third = "CREATE TABLE t (c INT, b INT, a INT CHECK (t.a > 0));"
    assert sync_on(kind, client, third).status == "synced"
    stored = rows(conn, "SELECT sql FROM sqlite_master WHERE name = 't'")[0][0]
    # Where foreign keys stay on, every rebuild goes by a temporary name: the bare column.
    assert ("CHECK (a > 0)" if kind in ("durable-object", "d1") else "CHECK (t.a > 0)") in stored
    assert rows(conn, "SELECT a FROM t") == [(5,)]


def test_a_check_naming_its_table_is_the_check_naming_the_column() -> None:
    qualified = parse_table('CREATE TABLE "T" (a, b CHECK ("T".a > t.b AND "Main" . t.a > 0))')
    bare = parse_table("CREATE TABLE t (a, b CHECK (a > b AND a > 0))")
    assert [c.expression for c in qualified.checks] == [c.expression for c in bare.checks]
    assert bare.checks[0].expression == "a > b and a > 0"
    # no such thing, or another schema's table: as written
    other = parse_table("CREATE TABLE t (a, b CHECK (u.a > b AND temp.t.a > 0 AND x.main.t.a))")
    assert other.checks[0].expression == "u . a > b and temp . t . a > 0 and x . main . t . a"
