"""An object named ``if``. SQLite accepts the bare name after ``main.`` or IF NOT EXISTS, but
stores the statement from the bare name on (``CREATE TABLE if (a)``) and then reads that IF as
the start of IF NOT EXISTS: the whole schema becomes unreadable ("malformed database schema").
Written bare, it is a DefinitionError naming the statement, before anything is touched; written
quoted it is an ordinary name. IF is the only keyword of SQLite's that does this, for every
kind of object (each keyword tried, qualified, on a file reopened)."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

import inline_sync

BASE = "CREATE TABLE t (a);\n"
STATEMENTS = {
    "table": "CREATE TABLE {n} (a)",
    "view": "CREATE VIEW {n} AS SELECT a FROM t",
    "index": "CREATE INDEX {n} ON t (a)",
    "trigger": "CREATE TRIGGER {n} AFTER INSERT ON t BEGIN SELECT 1; END",
    "virtual table": "CREATE VIRTUAL TABLE {n} USING fts5(a)",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("written", ["if", "main.IF", "IF NOT EXISTS main.if", "IF NOT EXISTS If"])
@pytest.mark.parametrize("what", sorted(STATEMENTS))
def test_an_object_named_if_written_bare_is_a_definition_error(
    kind: str, written: str, what: str
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BASE)
    before = rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    statement = STATEMENTS[what].format(n=written)
    with pytest.raises(inline_sync.DefinitionError) as raised:
        sync_on(kind, client, BASE + statement)
    bare = written.split(".")[-1].split()[-1]
    assert str(raised.value).startswith(
        f'a {what} named {bare} must be written quoted ("{bare}"): SQLite stores the statement '
        "from the bare name on, and reads a bare IF there as the start of IF NOT EXISTS\n"
    )
    assert raised.value.index == 2
    assert statement in str(raised.value)
    assert rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("written", ['"if"', 'main."IF"', "[if]", "IF NOT EXISTS `if`"])
@pytest.mark.parametrize("what", sorted(STATEMENTS))
def test_an_object_named_if_written_quoted_is_synced(kind: str, written: str, what: str) -> None:
    client, conn = open_client(kind)
    schema = BASE + STATEMENTS[what].format(n=written)
    assert sync_on(kind, client, schema).status == "synced"
    assert fold_names(rows(conn, "SELECT name FROM sqlite_master")) >= {"t", "if"}
    assert sync_on(kind, client, schema).status == "up-to-date"


def fold_names(found: list[tuple[Any, ...]]) -> set[str]:
    return {str(r[0]).lower() for r in found}
