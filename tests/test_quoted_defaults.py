"""A default written as a quoted or bare name is a string (SQLite reads ``DEFAULT "Hello"``
and ``DEFAULT Hello`` as the text 'Hello'), so its case and spelling are its value: a sync
must apply a change to it, never report it as a cosmetic edit (hunt7)."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, open_client, sync_on

from inline_sync.definitions import parse_definitions
from inline_sync.names import ignore_filter
from inline_sync.state import definitions_hash

# (before, after): each pair declares a different default value.
CHANGES = [
    ('"Hello"', '"hello"'),  # a double-quoted string (SQLite's DQS)
    ("Hello", "hello"),  # a bare name: the text as written
    ('"NULL"', "NULL"),  # the text 'NULL', not NULL
    ('"true"', "true"),  # the text 'true', not 1
    ('"current_time"', "current_time"),  # the text, not the time
]


def _defaults(conn: Any) -> list[Any]:
    conn.execute("INSERT INTO t (id) VALUES (NULL)")
    return [row[0] for row in conn.execute("SELECT a FROM t ORDER BY id DESC LIMIT 1")]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("before", "after"), CHANGES)
def test_a_changed_string_default_is_applied(kind: str, before: str, after: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, f"CREATE TABLE t (id INTEGER PRIMARY KEY, a DEFAULT {before});")
    result = sync_on(kind, client, f"CREATE TABLE t (id INTEGER PRIMARY KEY, a DEFAULT {after});")
    assert result.status == "synced"
    fresh_client, fresh = open_client(kind)
    sync_on(kind, fresh_client, f"CREATE TABLE t (id INTEGER PRIMARY KEY, a DEFAULT {after});")
    got, want = _defaults(conn), _defaults(fresh)
    if after == "current_time":
        assert got != ["current_time"] and want != ["current_time"]
    else:
        assert got == want


@pytest.mark.parametrize(
    ("before", "after"),
    [('"Hello"', "'Hello'"), ("Hello", "'Hello'"), ('"it""s"', "'it\"s'"), ("NULL", "null")],
)
def test_the_same_string_default_spelled_otherwise_changes_nothing(before: str, after: str) -> None:
    client, _ = open_client("sqlite3")
    table = "CREATE TABLE t (id INTEGER PRIMARY KEY, a DEFAULT {});"
    sync_on("sqlite3", client, table.format(before))
    assert sync_on("sqlite3", client, table.format(after)).status == "up-to-date"
    result = sync_on("sqlite3", client, table.format(after), force=True)
    assert result.status == "up-to-date"
    assert not result.plan.changes


def test_the_hash_holds_a_default_names_text() -> None:
    """The token hash (what recognises a cosmetic edit without planning) reads a name after
    DEFAULT as its text: its case counts (as every word's does, in the hash)."""
    skip = ignore_filter()

    def digest(sql: str) -> str:
        return definitions_hash((sql,), parse_definitions(sql, skip), skip)

    assert digest('CREATE TABLE t (a DEFAULT "Hi")') != digest('CREATE TABLE t (a DEFAULT "hi")')
    assert digest("CREATE TABLE t (a DEFAULT Hi)") == digest("CREATE TABLE t (a DEFAULT 'Hi')")
    assert digest("CREATE TABLE t (a DEFAULT NULL)") == digest("CREATE TABLE t (a  DEFAULT\nNULL)")
