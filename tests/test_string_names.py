"""A name written as a string literal. SQLite takes ``'it''s'`` for an identifier wherever a
name is expected (the table's name, ``ON`` of an index or trigger, ``REFERENCES``) and stores
the statement as written. Read back, the name is ``it's``: an index or trigger on that table
must be seen to be on ``it's``, or a rebuild of the table drops it with the old table and
nothing creates it again (it did: the index read as being on ``'it''s'``, quotes and all)."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on, user_objects

from inline_sync.ddl import parse_index, parse_table, parse_trigger
from inline_sync.models import IndexedColumn

QUOTINGS = ["'it''s'", '"it\'s"', "[it's]", "`it's`"]


def schema(name: str, extra: str = "") -> str:
    return (
        f"CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
        f"CREATE TABLE {name} (a INTEGER, b TEXT{extra}, p_id INTEGER REFERENCES p (id));\n"
        f"CREATE INDEX 'ix''a' ON {name} (a);\n"
        f"CREATE UNIQUE INDEX ix_b ON {name} (b);\n"
        f"CREATE TABLE log (a INTEGER);\n"
        f"CREATE TRIGGER 'tr''s' AFTER INSERT ON {name}\n"
        "  BEGIN INSERT INTO log VALUES (new.a); END;\n"
        f"CREATE VIEW v AS SELECT a FROM {name};\n"
        f"CREATE TABLE child (b TEXT REFERENCES {name} (b));\n"
        "CREATE TABLE k ('c''d' TEXT COLLATE 'NOCASE', e INTEGER, UNIQUE ('c''d', 'e'));\n"
    )


@pytest.mark.parametrize("quoting", QUOTINGS)
def test_the_parser_reads_the_table_of_an_index_or_trigger_unquoted(quoting: str) -> None:
    assert parse_index(f"CREATE INDEX ix ON {quoting} (a)").table == "it's"
    assert parse_index(f"CREATE UNIQUE INDEX IF NOT EXISTS ix ON {quoting}(a)").table == "it's"
    trigger = f"CREATE TRIGGER tr AFTER INSERT ON {quoting} BEGIN SELECT 1; END"
    assert parse_trigger(trigger).table == "it's"
    trigger = f"CREATE TRIGGER tr BEFORE DELETE ON main.{quoting} BEGIN SELECT 1; END"
    assert parse_trigger(trigger).table == "it's"


def test_a_string_for_a_column_or_collation_is_read_as_its_name() -> None:
    """SQLite takes a lone string in a key's column list for the column (``UNIQUE ('a')``), a
    string before a column's type for its name, and ``COLLATE 'NOCASE'`` for nocase."""
    table = parse_table(
        "CREATE TABLE t ('a' TEXT COLLATE 'NOCASE', b, UNIQUE ('a'), PRIMARY KEY ('b' DESC))"
    )
    assert [c.name for c in table.columns] == ["a", "b"]
    assert table.columns[0].collate == "nocase"
    assert table.uniques[0].columns == (IndexedColumn("a", "", False),)
    assert table.primary_key is not None
    assert table.primary_key.columns == (IndexedColumn("b", "", True),)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("quoting", QUOTINGS)
def test_a_rebuild_of_a_table_named_by_a_string_keeps_its_indexes_and_triggers(
    kind: str, quoting: str
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, schema(quoting))
    conn.execute("INSERT INTO p VALUES (1)")
    conn.execute("INSERT INTO \"it's\" VALUES (1, 'x', 1)")
    result = sync_on(kind, client, schema(quoting, " NOT NULL DEFAULT ''"))
    changes = {(c.action, c.kind, c.name) for c in result.plan.changes}
    assert {("rebuild", "table", "it's"), ("recreate", "index", "ix'a")} <= changes, result
    assert rows(conn, 'SELECT a, b, p_id FROM "it\'s"') == [(1, "x", 1)]

    fresh_client, fresh = open_client(kind)
    sync_on(kind, fresh_client, schema(quoting, " NOT NULL DEFAULT ''"))
    assert user_objects(conn) == user_objects(fresh)
    conn.execute("INSERT INTO \"it's\" VALUES (2, 'y', 1)")
    assert rows(conn, "SELECT a FROM log") == [(1,), (2,)]
    assert not sync_on(kind, client, schema(quoting, " NOT NULL DEFAULT ''")).plan
