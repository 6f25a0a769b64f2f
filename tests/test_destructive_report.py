"""The destructive refusal names exactly what would be lost, and suggests a @renamed hint only
where a rename is plausible."""

from __future__ import annotations

import sqlite3

import pytest
from fake_durable_object import FakeStorage

import inline_sync


def refusal(before: str, after: str, client: str = "sqlite3") -> str:
    conn = sqlite3.connect(":memory:", isolation_level=None) if client == "sqlite3" else None
    target = conn if conn is not None else FakeStorage()
    inline_sync.sync(target, before)
    raw = conn if conn is not None else target.conn  # type: ignore[union-attr]
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                               "AND name NOT LIKE '\\_%' ESCAPE '\\' AND sql NOT LIKE '%VIRTUAL%'"
                               "AND name NOT LIKE 'docs\\_%' ESCAPE '\\'").fetchall():  # fmt: skip
        raw.execute(f'INSERT INTO "{name}" DEFAULT VALUES')
    with pytest.raises(inline_sync.DestructiveChangeError) as raised:
        inline_sync.sync(target, after)
    return str(raised.value)


@pytest.mark.parametrize("client", ["sqlite3", "durable-object"])
def test_hinted_rename_and_type_change_are_not_losses(client: str) -> None:
    text = refusal(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, fullname TEXT, age TEXT, gone TEXT);",
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  name TEXT, -- @renamed from=fullname\n"
        "  age INTEGER\n);",
        client,
    )
    lost = text.split("\n")[1:]
    assert [line for line in lost if line.strip()] == ["  - column t.gone"], text
    assert "@renamed" not in text  # no new column a rename could have made


def test_nothing_lost_means_no_refusal() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, "CREATE TABLE people (id INTEGER PRIMARY KEY, fullname TEXT);")
    planned = inline_sync.plan(
        conn,
        "CREATE TABLE users ( -- @renamed from=people\n  id INTEGER PRIMARY KEY,\n"
        "  name BLOB -- @renamed from=fullname\n);",
    )
    assert planned.statements and not planned.destructive


def test_a_dropped_column_next_to_a_new_one_suggests_a_hint() -> None:
    text = refusal(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, nick TEXT, keep TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, handle TEXT, keep TEXT);",
    )
    assert "  - column t.nick" in text
    assert "-- @renamed from=nick" in text and "handle" in text


def test_a_dropped_table_next_to_a_new_one_suggests_a_hint() -> None:
    text = refusal(
        "CREATE TABLE people (id INTEGER PRIMARY KEY); CREATE TABLE keep (id INTEGER PRIMARY KEY);",
        "CREATE TABLE users (id INTEGER PRIMARY KEY); CREATE TABLE keep (id INTEGER PRIMARY KEY);",
    )
    assert "  - table people" in text and "keep" not in text
    assert "-- @renamed from=people" in text and "users" in text


def test_a_dropped_table_alone_suggests_nothing() -> None:
    text = refusal(
        "CREATE TABLE people (id INTEGER PRIMARY KEY); CREATE TABLE keep (id INTEGER PRIMARY KEY);",
        "CREATE TABLE keep (id INTEGER PRIMARY KEY);",
    )
    assert "  - table people" in text and "@renamed" not in text


def test_a_contentless_fts_table_names_its_rows() -> None:
    text = refusal(
        "CREATE VIRTUAL TABLE docs USING fts5(body, content='');",
        "CREATE VIRTUAL TABLE docs USING fts5(body, title, content='');",
    )
    assert "  - the rows of the contentless fts5 table docs" in text
    assert "@renamed" not in text
