"""Tests written to kill surviving mutants of ``inline_sync/introspect.py`` (issue 14,
docs/mutation-testing.md): which objects of a database are left out of the comparison.
Each names, in its docstring, the mutations it catches. Through stdlib sqlite3, apsw and the
Durable Object stand-in, with both scratch strategies where the client allows them."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import OPENERS, run

import inline_sync
from inline_sync.errors import SyncError
from inline_sync.introspect import build_schema

# (client, strategy): a Durable Object has only the prefix strategy.
CASES = [
    ("sqlite3", "scratch-db"),
    ("sqlite3", "prefix"),
    ("apsw", "scratch-db"),
    ("durable-object", "auto"),
]


def objects(conn: Any) -> set[tuple[str, str]]:
    return {
        (str(r[0]), str(r[1]))
        for r in conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite%'")
    }


# _kept has a branch for databases without virtual tables and one for those with them.
VIRTUAL = ["", "CREATE VIRTUAL TABLE docs USING fts5(body);\n"]


@pytest.mark.parametrize("virtual", VIRTUAL, ids=["plain", "with-fts5"])
@pytest.mark.parametrize(("client", "strategy"), CASES)
def test_index_and_trigger_of_an_ignored_table_are_left_alone(
    client: str, strategy: str, virtual: str
) -> None:
    """An index and a trigger whose own names the ignore pattern does not match, on a table it
    does match, belong to that table: left alone, not dropped as undeclared (kills every
    mutation of the "index or trigger of an ignored table" clause of ``_kept``: the kinds
    changed or inverted, ``or`` made ``and``, the table name read from another column)."""
    db, conn = OPENERS[client]()
    run(
        conn,
        "CREATE TABLE legacy_t (x);\n"
        "CREATE INDEX by_x ON legacy_t (x);\n"
        "CREATE TRIGGER stamp AFTER INSERT ON legacy_t BEGIN SELECT 1; END;\n",
    )
    schema = virtual + "CREATE TABLE t (a);"
    result = inline_sync.sync(db, schema, ignore=["legacy_*"], scratch_schema=strategy)
    assert "CREATE TABLE main.t (a)" in result.statements
    assert not [s for s in result.statements if "DROP" in s]
    assert {("index", "by_x"), ("trigger", "stamp"), ("table", "legacy_t")} <= objects(conn)
    planned = inline_sync.plan(db, schema, ignore=["legacy_*"], scratch_schema=strategy)
    assert planned.status == "up-to-date"


@pytest.mark.parametrize("virtual", VIRTUAL, ids=["plain", "with-fts5"])
@pytest.mark.parametrize(("client", "strategy"), CASES)
def test_index_and_trigger_named_by_the_ignore_pattern_are_left_alone(
    client: str, strategy: str, virtual: str
) -> None:
    """The ignore pattern applies to an index's or trigger's own name too, even on a declared
    table (kills ``skip`` asked about the table's name in place of the object's)."""
    db, conn = OPENERS[client]()
    schema = virtual + "CREATE TABLE t (a);"
    inline_sync.sync(db, schema, scratch_schema=strategy)
    run(
        conn,
        "CREATE INDEX legacy_by_a ON t (a);\n"
        "CREATE TRIGGER legacy_stamp AFTER INSERT ON t BEGIN SELECT 1; END;\n",
    )
    planned = inline_sync.plan(db, schema, ignore=["legacy_*"], scratch_schema=strategy)
    assert planned.status == "up-to-date", planned.statements
    inline_sync.sync(db, schema, ignore=["legacy_*"], scratch_schema=strategy)
    assert {("index", "legacy_by_a"), ("trigger", "legacy_stamp")} <= objects(conn)


@pytest.mark.parametrize(("client", "strategy"), CASES)
def test_index_and_trigger_made_on_a_shadow_table_are_left_alone(
    client: str, strategy: str
) -> None:
    """What the user made on a virtual table's shadow table belongs to that shadow table, which
    is not ours (kills the shadow check made on the SQL text instead of the table's name)."""
    db, conn = OPENERS[client]()
    schema = "CREATE VIRTUAL TABLE docs USING fts5(body);\nCREATE TABLE t (a);"
    inline_sync.sync(db, schema, scratch_schema=strategy)
    run(
        conn,
        "CREATE INDEX content_by_c0 ON docs_content (c0);\n"
        "CREATE TRIGGER watch AFTER INSERT ON docs_content BEGIN SELECT 1; END;\n",
    )
    run(conn, "INSERT INTO docs VALUES ('hello')")
    planned = inline_sync.plan(db, schema, scratch_schema=strategy)
    assert planned.status == "up-to-date", planned.statements
    inline_sync.sync(db, schema, scratch_schema=strategy)
    assert {("index", "content_by_c0"), ("trigger", "watch")} <= objects(conn)


@pytest.mark.parametrize(("client", "strategy"), CASES)
def test_a_declared_trigger_named_like_a_shadow_table_is_created(
    client: str, strategy: str
) -> None:
    """Triggers have a namespace of their own: a trigger named ``docs_data`` (the name of one
    of fts5 ``docs``' shadow tables) is the user's, created and then kept in step. Only tables
    can be shadow tables (a bug: the trigger was left out of both sides, never created, and
    the sync said it was done)."""
    db, conn = OPENERS[client]()
    schema = (
        "CREATE VIRTUAL TABLE docs USING fts5(body);\n"
        "CREATE TABLE t (a);\n"
        "CREATE TRIGGER docs_data AFTER INSERT ON t BEGIN SELECT 1; END;"
    )
    result = inline_sync.sync(db, schema, scratch_schema=strategy)
    assert "CREATE TRIGGER main.docs_data AFTER INSERT ON t BEGIN SELECT 1; END" in (
        result.statements
    )
    assert ("trigger", "docs_data") in objects(conn)
    assert inline_sync.plan(db, schema, scratch_schema=strategy).status == "up-to-date"
    changed = schema.replace("SELECT 1", "SELECT 2")
    assert inline_sync.plan(db, changed, scratch_schema=strategy).statements == [
        'DROP TRIGGER main."docs_data"',
        "CREATE TRIGGER main.docs_data AFTER INSERT ON t BEGIN SELECT 2; END",
    ]


def test_an_object_that_cannot_be_read_is_named_with_its_sql() -> None:
    """The error names the kind of object, its name, the parser's reason and the SQL (kills a
    message-less ``SyncError``)."""
    rows = [("table", "t", "t", "CREATE TABLE t (a,)")]
    with pytest.raises(SyncError) as caught:
        build_schema(rows, lambda name: False, set())
    assert str(caught.value) == (
        "cannot read the table 't': empty column definition\n  CREATE TABLE t (a,)"
    )


def test_an_index_that_cannot_be_read_is_named_with_its_sql() -> None:
    """The same for an index, read after the tables (kills its message-less ``SyncError``)."""
    rows = [("table", "t", "t", "CREATE TABLE t (a)"), ("index", "i", "t", "CREATE INDEX")]
    with pytest.raises(SyncError) as caught:
        build_schema(rows, lambda name: False, set())
    assert (
        str(caught.value)
        == "cannot read the index 'i': unexpected end of statement\n  CREATE INDEX"
    )


@pytest.mark.parametrize(("client", "strategy"), CASES)
def test_a_table_with_constraints_not_separated_by_commas_is_read(
    client: str, strategy: str
) -> None:
    """Found while writing the test above: SQLite accepts table constraints with no comma
    between them and a constraint name with nothing after it. A database holding such a table
    (made by another tool) could not be synced ("cannot read the table"); it is now read as if
    the commas were there."""
    db, conn = OPENERS[client]()
    run(conn, "CREATE TABLE t (a, b, UNIQUE (a) CHECK (b > 0) CONSTRAINT dangling)")
    run(conn, "INSERT INTO t VALUES (1, 2)")
    tidy = "CREATE TABLE t (a, b, UNIQUE (a), CHECK (b > 0));"
    assert inline_sync.plan(db, tidy, scratch_schema=strategy).status == "up-to-date"
    result = inline_sync.sync(db, tidy.replace("b > 0", "b > 1"), scratch_schema=strategy)
    assert [(c.action, c.name) for c in result.plan.changes] == [("rebuild", "t")]
    assert [tuple(r) for r in conn.execute("SELECT * FROM t")] == [(1, 2)]
