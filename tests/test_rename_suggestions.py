"""The @renamed hints a destructive plan suggests: their exact wording, the quoting of the old
name, and that a hint written down exactly as suggested is accepted and keeps the rows."""

from __future__ import annotations

import sqlite3

import pytest
from fake_durable_object import FakeStorage

import inline_sync


def suggestions(before: str, after: str) -> list[str]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, before)
    return list(inline_sync.plan(conn, after).suggestions)


def test_a_table_with_one_candidate() -> None:
    assert suggestions(
        "CREATE TABLE people (id INTEGER PRIMARY KEY);",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);",
    ) == [
        "If table people was renamed to users, put -- @renamed from=people on the line of "
        "CREATE TABLE users."
    ]


def test_a_table_with_several_candidates_names_them_in_declaration_order() -> None:
    assert suggestions(
        "CREATE TABLE people (id INTEGER PRIMARY KEY);",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);"
        "CREATE TABLE members (id INTEGER PRIMARY KEY);",
    ) == [
        "If table people was renamed to one of users, members, put -- @renamed from=people on "
        "the line of that create table."
    ]


def test_a_column_with_one_candidate() -> None:
    assert suggestions(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, nick TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, handle TEXT);",
    ) == [
        "If column t.nick was renamed to handle, put -- @renamed from=nick on the line of "
        "column handle."
    ]


def test_columns_with_several_candidates() -> None:
    assert suggestions(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, nick TEXT, age TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, handle TEXT, alias TEXT);",
    ) == [
        "If column t.nick was renamed to one of handle, alias, put -- @renamed from=nick on the "
        "line of that column.",
        "If column t.age was renamed to one of handle, alias, put -- @renamed from=age on the "
        "line of that column.",
    ]


def test_only_new_plain_columns_are_candidates() -> None:
    """Not a column that was there already, not the target of a hinted rename, not a generated
    column (it cannot hold the old values)."""
    before = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);"
    assert suggestions(
        before, "CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT, -- @renamed from=a\n y TEXT);"
    ) == ["If column t.b was renamed to y, put -- @renamed from=b on the line of column y."]
    assert suggestions(
        before,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, g TEXT GENERATED ALWAYS AS (a || 1), "
        "n TEXT);",
    ) == ["If column t.b was renamed to n, put -- @renamed from=b on the line of column n."]
    only_generated = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, g AS (a || 1));"
    assert suggestions(before, only_generated) == []
    assert suggestions(before, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);") == []


def test_tables_and_columns_together() -> None:
    """A table lost beside a new one and a column lost beside a new one in another table: each
    gets its own hint (tables first), each lost column of a table its own."""
    assert suggestions(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, a TEXT);"
        "CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT, x TEXT);",
        "CREATE TABLE q (id INTEGER PRIMARY KEY, a TEXT);"
        "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT);",
    ) == [
        "If table p was renamed to q, put -- @renamed from=p on the line of CREATE TABLE q.",
        "If column t.b was renamed to c, put -- @renamed from=b on the line of column c.",
        "If column t.x was renamed to c, put -- @renamed from=x on the line of column c.",
    ]


def test_a_column_lost_from_a_renamed_table_is_named_by_its_new_table() -> None:
    assert suggestions(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);",
        "CREATE TABLE u ( -- @renamed from=t\n id INTEGER PRIMARY KEY, a TEXT, c TEXT);",
    ) == ["If column u.b was renamed to c, put -- @renamed from=b on the line of column c."]


def test_names_are_written_as_the_database_spells_them() -> None:
    assert suggestions(
        "CREATE TABLE T (id INTEGER PRIMARY KEY, a TEXT, B TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, C TEXT);",
    ) == ["If column t.B was renamed to C, put -- @renamed from=B on the line of column C."]


# Old names as the hint writes them: bare when a bare word reads back as that name, else quoted.
HINTS = [
    ("people", "people"),
    ("old_name", "old_name"),  # "_" inside a bare word
    ("t1", "t1"),  # a digit after the first letter
    ("x", "x"),
    ("2nd", '"2nd"'),  # a digit first
    ("_x", '"_x"'),  # "_" first
    ("my table", '"my table"'),
    ("cost$", '"cost$"'),
    ('say "hi"', '"say ""hi"""'),
]


@pytest.mark.parametrize(("old", "written"), HINTS)
def test_the_old_table_name_is_quoted_only_where_it_must_be(old: str, written: str) -> None:
    quoted = '"' + old.replace('"', '""') + '"'
    (line,) = suggestions(
        f"CREATE TABLE {quoted} (id INTEGER PRIMARY KEY);",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);",
    )
    assert line == (
        f"If table {old} was renamed to users, put -- @renamed from={written} on the line of "
        "CREATE TABLE users."
    )


@pytest.mark.parametrize(("old", "written"), HINTS)
@pytest.mark.parametrize("client", ["sqlite3", "durable-object"])
def test_a_hint_written_as_suggested_keeps_the_rows(old: str, written: str, client: str) -> None:
    """Copying the suggestion onto the line it names turns the loss into a rename."""
    quoted = '"' + old.replace('"', '""') + '"'
    conn = sqlite3.connect(":memory:", isolation_level=None)
    target: object = conn if client == "sqlite3" else FakeStorage()
    raw = conn if client == "sqlite3" else target.conn  # type: ignore[attr-defined]
    inline_sync.sync(
        target,
        f"CREATE TABLE {quoted} (id INTEGER PRIMARY KEY, v TEXT);"
        "CREATE TABLE keep (id INTEGER PRIMARY KEY, nick TEXT);",
    )
    raw.execute(f"INSERT INTO {quoted} VALUES (1, 'a')")
    raw.execute("INSERT INTO keep VALUES (1, 'b')")
    after = (
        "CREATE TABLE users (id INTEGER PRIMARY KEY, v TEXT);"
        "CREATE TABLE keep (id INTEGER PRIMARY KEY, handle TEXT);"
    )
    with pytest.raises(inline_sync.DestructiveChangeError) as raised:
        inline_sync.sync(target, after)
    table_hint = f"-- @renamed from={written}"
    column_hint = "-- @renamed from=nick"
    assert table_hint + " on the line of CREATE TABLE users." in str(raised.value)
    assert column_hint + " on the line of column handle." in str(raised.value)
    hinted = (
        f"CREATE TABLE users ( {table_hint}\n  id INTEGER PRIMARY KEY,\n  v TEXT\n);\n"
        f"CREATE TABLE keep (\n  id INTEGER PRIMARY KEY,\n  handle TEXT {column_hint}\n);"
    )
    result = inline_sync.sync(target, hinted)
    assert not result.plan.destructive, result.plan
    assert raw.execute("SELECT * FROM users").fetchall() == [(1, "a")]
    assert raw.execute("SELECT * FROM keep").fetchall() == [(1, "b")]
