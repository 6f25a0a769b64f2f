"""Rename hints whose target is a name the live schema has: a chain (b -> c while a -> b), and
a table or column moved aside with a new one made under its old name. The hints were ignored
whenever the target name existed: a chain dropped the middle one's data, and a move left the
rows where they were. Now each hint is followed when the name it takes is freed by another hint
(or did not exist); chains run from their end. A hint whose target still holds a table or
column that no hint moves away stays ignored: that is how a hint left in place after its
rename reads once the old name is used again. Hints that form a cycle (a swap, a rotation) are
a DefinitionError naming the statement: made once, the cycle would look exactly like one to
make, and every later plan (a new table elsewhere is enough) would move the values back; left
unfollowed, they would say nothing while the values stayed put."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on, user_objects

import inline_sync
from inline_sync.names import followed_renames, rename_order

TABLES = {
    "a chain of two": (
        "CREATE TABLE a (x TEXT);\nCREATE TABLE b (y TEXT);\n",
        "INSERT INTO a VALUES ('from a');\nINSERT INTO b VALUES ('from b')",
        "CREATE TABLE b ( -- @renamed from=a\n  x TEXT);\n"
        "CREATE TABLE c ( -- @renamed from=b\n  y TEXT);\n",
        {"b": [("from a",)], "c": [("from b",)]},
    ),
    "a table moved aside, a new one under its name": (
        "CREATE TABLE users (x TEXT);\n",
        "INSERT INTO users VALUES ('old')",
        "CREATE TABLE users_archive ( -- @renamed from=users\n  x TEXT);\n"
        "CREATE TABLE users (x TEXT, y TEXT);\n",
        {"users_archive": [("old",)], "users": []},
    ),
}

COLUMNS = {
    "a chain of two": (
        "CREATE TABLE t (a TEXT, b TEXT, c TEXT);\n",
        "CREATE TABLE t (a TEXT, c TEXT -- @renamed from=b\n, d TEXT -- @renamed from=c\n);\n",
        ("a", "b", "c"),
        {"a": "a", "c": "b", "d": "c"},
    ),
    "a column moved, a new one under its name": (
        "CREATE TABLE t (a TEXT, b TEXT);\n",
        "CREATE TABLE t (a TEXT, old_b TEXT -- @renamed from=b\n, b TEXT);\n",
        ("a", "b"),
        {"a": "a", "old_b": "b", "b": None},
    ),
}


#: Hints that form a cycle, as (before, rows, after): refused, the database as it was.
CYCLES = {
    "two tables swapped": (
        "CREATE TABLE a (x TEXT);\nCREATE TABLE b (x TEXT);\n",
        "INSERT INTO a VALUES ('from a');\nINSERT INTO b VALUES ('from b')",
        "CREATE TABLE b ( -- @renamed from=a\n  x TEXT);\n"
        "CREATE TABLE a ( -- @renamed from=b\n  x TEXT);\n",
    ),
    "three tables rotated": (
        "CREATE TABLE a (x TEXT);\nCREATE TABLE b (x TEXT);\nCREATE TABLE c (x TEXT);\n",
        "INSERT INTO a VALUES ('from a');\nINSERT INTO b VALUES ('from b');\n"
        "INSERT INTO c VALUES ('from c')",
        "CREATE TABLE b ( -- @renamed from=a\n  x TEXT);\n"
        "CREATE TABLE c ( -- @renamed from=b\n  x TEXT);\n"
        "CREATE TABLE a ( -- @renamed from=c\n  x TEXT);\n",
    ),
    "two columns swapped": (
        "CREATE TABLE t (a TEXT, b TEXT, c TEXT);\n",
        "INSERT INTO t VALUES ('from a', 'from b', 'from c')",
        "CREATE TABLE t (a TEXT, c TEXT -- @renamed from=b\n, b TEXT -- @renamed from=c\n);\n",
    ),
    "three columns rotated": (
        "CREATE TABLE t (a TEXT, b TEXT, c TEXT);\n",
        "INSERT INTO t VALUES ('from a', 'from b', 'from c')",
        "CREATE TABLE t (c TEXT -- @renamed from=a\n, a TEXT -- @renamed from=b\n,"
        " b TEXT -- @renamed from=c\n);\n",
    ),
}


def _synced(kind: str, before: str, data: str, after: str) -> tuple[Any, Any, Any]:
    """(client, connection, result) after syncing ``before``, adding rows and syncing
    ``after``, which must lose nothing."""
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    run(conn, data)
    result = sync_on(kind, client, after)
    assert not result.plan.destructive, result
    return client, conn, result


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(TABLES))
def test_table_hints_onto_names_in_use(kind: str, case: str) -> None:
    before, data, after, expected = TABLES[case]
    client, conn, result = _synced(kind, before, data, after)
    for table, content in expected.items():
        assert rows(conn, f'SELECT * FROM "{table}" LIMIT 1') == content, (table, result)
    fresh_client, fresh = open_client(kind)
    sync_on(kind, fresh_client, after)
    assert user_objects(conn) == user_objects(fresh)
    assert not sync_on(kind, client, after).plan


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(COLUMNS))
def test_column_hints_onto_names_in_use(kind: str, case: str) -> None:
    before, after, columns, source = COLUMNS[case]
    names = ", ".join(columns)
    values = ", ".join(f"'{c}'" for c in columns)
    data = f"INSERT INTO t ({names}) VALUES ({values})"
    client, conn, result = _synced(kind, before, data, after)
    header = [r[1] for r in rows(conn, "PRAGMA table_info(t)")]
    got = dict(zip(header, rows(conn, "SELECT * FROM t")[0], strict=True))
    assert got == source, result
    assert not sync_on(kind, client, after).plan


@pytest.mark.parametrize("kind", KINDS)
def test_a_hint_onto_a_table_no_hint_moves_away_stays_ignored(kind: str) -> None:
    """A hint left in place after its rename (users from people), once a table people is
    made again, names two tables that both exist: the hint is not followed (it would drop
    users' rows), as before."""
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE users (x TEXT);\nCREATE TABLE people (y TEXT);\n")
    run(conn, "INSERT INTO users VALUES ('u');\nINSERT INTO people VALUES ('p')")
    stale = (
        "CREATE TABLE users ( -- @renamed from=people\n  x TEXT);\nCREATE TABLE people (y TEXT);\n"
    )
    assert not sync_on(kind, client, stale).plan
    assert rows(conn, "SELECT * FROM users") == [("u",)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(CYCLES))
def test_hints_that_form_a_cycle_are_refused_naming_the_statement(kind: str, case: str) -> None:
    """A DefinitionError that names the first hinted statement of the cycle and the names
    that form it, and says what to do; nothing is changed."""
    before, data, after = CYCLES[case]
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    run(conn, data)
    schema = rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    with pytest.raises(inline_sync.DefinitionError) as raised:
        sync_on(kind, client, after)
    what = "tables" if "tables" in case else "columns"
    message = str(raised.value)
    assert f"the @renamed hints of {what} " in message
    assert "form a cycle, which inline_sync cannot tell from one already made: swap in two " in (
        message
    )
    assert raised.value.statement is not None and "@renamed" in raised.value.statement
    assert rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == schema


def test_followed_renames_and_their_order() -> None:
    assert followed_renames({"b": "a", "a": "b"}, ["a", "b"], ["a", "b"]) == {}  # a swap
    cycle_and_chain = {"b": "a", "a": "b", "d": "c"}
    assert followed_renames(cycle_and_chain, ["a", "b", "c"], ["a", "b", "d"]) == {"d": "c"}
    assert followed_renames({"b": "a", "c": "b"}, ["a", "b"], ["b", "c"]) == {"b": "a", "c": "b"}
    # c's hint is left out (c holds a table no hint moves), so b stays taken: a's goes too.
    assert followed_renames({"b": "a", "c": "b"}, ["a", "b", "c"], ["b", "c"]) == {}
    assert followed_renames({"x": "a", "y": "a"}, ["a"], ["x", "y"]) == {"x": "a"}
    assert followed_renames({"x": "gone"}, ["a"], ["x"]) == {}
    assert rename_order([("a", "b"), ("b", "c")]) == [("b", "c"), ("a", "b")]
    assert rename_order([("A", "b"), ("B", "c"), ("x", "y")]) == [
        ("B", "c"), ("A", "b"), ("x", "y")
    ]  # fmt: skip
    assert rename_order([("a", "b"), ("b", "c"), ("c", "d")]) == [
        ("c", "d"), ("b", "c"), ("a", "b")
    ]  # fmt: skip
