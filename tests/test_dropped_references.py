"""A view or trigger of the definitions that reads a table or view the sync is about to drop
(or rename away) cannot run afterwards: it is a DefinitionError naming it, and the database is
left exactly as it was. Only what the sync leaves in place (an ignored table) may be read
without being declared: that is for the live database to decide."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

import inline_sync

STRATEGIES = ["auto", "prefix"]

BEFORE = """CREATE TABLE keep (id INTEGER PRIMARY KEY, a TEXT);
CREATE TABLE gone (id INTEGER PRIMARY KEY, b TEXT);
CREATE VIEW old_view AS SELECT id, b FROM gone;
CREATE TABLE legacy_log (id INTEGER PRIMARY KEY, x TEXT)"""

KEEP = "CREATE TABLE keep (id INTEGER PRIMARY KEY, a TEXT);\n"

READERS = {
    "a view reads a dropped table": (
        "CREATE VIEW v AS SELECT id, b FROM gone;",
        "the view 'v' cannot be read: no such table: gone",
    ),
    "a trigger's body writes a dropped table": (
        "CREATE TRIGGER tr AFTER INSERT ON keep BEGIN INSERT INTO gone (b) VALUES (new.a); END;",
        "the trigger 'tr' cannot run: no such table: gone",
    ),
    "a trigger's WHEN reads a dropped table": (
        "CREATE TRIGGER tr AFTER DELETE ON keep WHEN EXISTS (SELECT 1 FROM gone) BEGIN "
        "SELECT 1; END;",
        "the trigger 'tr' cannot run: no such table: gone",
    ),
    "a view reads a dropped view": (
        "CREATE VIEW v AS SELECT * FROM old_view;",
        "the view 'v' cannot be read: no such table: old_view",
    ),
    "a view reads a table renamed away": (
        "CREATE TABLE gone2 ( -- @renamed from=gone\n id INTEGER PRIMARY KEY, b TEXT);\n"
        "CREATE VIEW v AS SELECT id, b FROM gone;",
        "the view 'v' cannot be read: no such table: gone",
    ),
}


def _schema(conn: Any) -> list[tuple[Any, ...]]:
    return rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")


def _strategies(kind: str) -> list[str]:
    return STRATEGIES if kind in ("sqlite3", "apsw") else ["auto"]


CASES = [(k, s) for k in KINDS for s in _strategies(k)]


@pytest.mark.parametrize(("kind", "strategy"), CASES)
@pytest.mark.parametrize("case", sorted(READERS))
def test_reading_what_the_sync_drops_is_a_definition_error(
    kind: str, strategy: str, case: str
) -> None:
    reader, named = READERS[case]
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE, scratch_schema=strategy)
    run(conn, "INSERT INTO gone (b) VALUES ('kept');\nINSERT INTO keep (a) VALUES ('k')")
    before = _schema(conn)
    with pytest.raises(inline_sync.DefinitionError) as raised:
        sync_on(kind, client, KEEP + reader, scratch_schema=strategy, allow_destructive=True)
    message = str(raised.value)
    what, missing = named.split(": no such table: ")
    assert message.startswith(what + ": no such table: "), message
    assert f"{missing} is in the database now, but the definitions do not declare it" in message
    assert "__sync" not in message
    assert raised.value.name in ("v", "tr")
    assert _schema(conn) == before
    assert rows(conn, "SELECT b FROM gone") == [("kept",)]


@pytest.mark.parametrize(("kind", "strategy"), CASES)
def test_an_ignored_table_may_be_read_without_being_declared(kind: str, strategy: str) -> None:
    """The sync leaves an ignored table in place, so a view or trigger may read it."""
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE, scratch_schema=strategy)
    schema = (
        KEEP + "CREATE VIEW v AS SELECT x FROM legacy_log;\n"
        "CREATE TRIGGER tr AFTER INSERT ON keep BEGIN INSERT INTO legacy_log (x) VALUES (new.a); "
        "END;"
    )
    result = sync_on(
        kind, client, schema, scratch_schema=strategy, allow_destructive=True, ignore=["legacy_*"]
    )
    assert result.status == "synced"
    run(conn, "INSERT INTO keep (a) VALUES ('k')")
    assert rows(conn, "SELECT x FROM v") == [("k",)]
    assert "gone" not in {r[1] for r in _schema(conn)}


@pytest.mark.parametrize(("kind", "strategy"), CASES)
def test_an_ignored_view_may_be_read_without_being_declared(kind: str, strategy: str) -> None:
    """As an ignored table: the sync leaves an ignored view in place, so a view or trigger
    of the definitions may read it, whether the scratch space holds the live views (the
    prefix strategy's copies read them in main) or not (a scratch database)."""
    client, conn = open_client(kind)
    sync_on(kind, client, KEEP)
    run(conn, "CREATE VIEW legacy_v AS SELECT a FROM keep;\nINSERT INTO keep (a) VALUES ('k')")
    schema = (
        KEEP + "CREATE VIEW v AS SELECT a FROM legacy_v;\n"
        "CREATE TRIGGER tr AFTER DELETE ON keep WHEN EXISTS (SELECT 1 FROM legacy_v) BEGIN "
        "SELECT 1; END;"
    )
    result = sync_on(kind, client, schema, scratch_schema=strategy, ignore=["legacy_*"])
    assert result.status == "synced"
    assert rows(conn, "SELECT a FROM v") == [("k",)]
    assert {"legacy_v", "v", "tr"} <= {r[1] for r in _schema(conn)}


@pytest.mark.parametrize(("kind", "strategy"), CASES)
def test_a_dropped_table_read_by_nothing_is_dropped(kind: str, strategy: str) -> None:
    """The check does not get in the way of an ordinary drop, nor of a view reading a table
    declared under the same definitions."""
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE, scratch_schema=strategy)
    schema = (
        KEEP + "CREATE TABLE gone (id INTEGER PRIMARY KEY, b TEXT);\n"
        "CREATE VIEW v AS SELECT id, b FROM gone;"
    )
    result = sync_on(
        kind, client, schema, scratch_schema=strategy, allow_destructive=True, ignore=["legacy_*"]
    )
    assert result.status == "synced"
    assert {r[1] for r in _schema(conn)} >= {"keep", "gone", "v", "legacy_log"}
    assert "old_view" not in {r[1] for r in _schema(conn)}


@pytest.mark.parametrize(("kind", "strategy"), CASES)
def test_a_column_named_like_a_dropped_table_keeps_its_values(kind: str, strategy: str) -> None:
    """Under the prefix strategy a dropped table's name is prefixed wherever it stands in the
    copies, columns too (consistently, so a view reading that column still compiles); the
    virtual table's columns read back lose the prefix again: recreating it loses nothing."""
    client, conn = open_client(kind)
    before = (
        "CREATE TABLE title (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE keep (id INTEGER PRIMARY KEY, title TEXT);\n"
        "CREATE VIRTUAL TABLE docs USING fts5(title, body);\n"
        "CREATE VIEW v AS SELECT title FROM keep;\n"
    )
    sync_on(kind, client, before, scratch_schema=strategy)
    run(conn, "INSERT INTO docs (title, body) VALUES ('t', 'b');\nINSERT INTO keep VALUES (1, 'x')")
    after = before.replace("CREATE TABLE title (id INTEGER PRIMARY KEY);\n", "").replace(
        "fts5(title, body)", "fts5(title, body, extra)"
    )
    result = sync_on(kind, client, after, scratch_schema=strategy, allow_destructive=True)
    lost = {c.name: c.lost for c in result.plan.changes}
    # (the view is recreated: its tokens name the dropped table, which is enough to redo it)
    assert lost == {"title": ("table title",), "docs": (), "v": ()}, result.plan.changes
    assert rows(conn, "SELECT title, body, extra FROM docs") == [("t", "b", None)]
    assert rows(conn, "SELECT title FROM v") == [("x",)]


ON_UNDECLARED = {
    "an index on an ignored table": (
        "CREATE INDEX ix ON legacy_log (x);",
        "the index 'ix' is on legacy_log, which is on the ignore list",
    ),
    "a trigger on an ignored table": (
        "CREATE TRIGGER tr AFTER INSERT ON legacy_log BEGIN SELECT 1; END;",
        "the trigger 'tr' is on legacy_log, which is on the ignore list",
    ),
    "an index on a table not declared": (
        "CREATE INDEX ix ON gone (b);",
        "the index 'ix' is on gone, which the definitions do not declare",
    ),
    "a trigger on a table not declared": (
        "CREATE TRIGGER tr AFTER INSERT ON gone BEGIN SELECT 1; END;",
        "the trigger 'tr' is on gone, which the definitions do not declare",
    ),
}


@pytest.mark.parametrize(("kind", "strategy"), CASES)
@pytest.mark.parametrize("case", sorted(ON_UNDECLARED))
def test_an_index_or_trigger_on_an_undeclared_table_is_a_definition_error(
    kind: str, strategy: str, case: str
) -> None:
    """inline_sync manages only what the definitions declare: an index or a trigger on an
    ignored table would touch what is not its own, one on an undeclared table would go with
    it. Neither may be left half made (a scratch copy on the live table) nor silently skipped."""
    definition, message = ON_UNDECLARED[case]
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE, scratch_schema=strategy)  # legacy_log is ignored from now on
    before = _schema(conn)
    for _ in range(2):  # the second time finds nothing left over by the first
        with pytest.raises(inline_sync.DefinitionError) as raised:
            sync_on(kind, client, KEEP + definition, scratch_schema=strategy, ignore=["legacy_*"])
        assert str(raised.value).startswith(message), str(raised.value)
        assert raised.value.name in ("ix", "tr")
        assert _schema(conn) == before


@pytest.mark.parametrize(("kind", "strategy"), CASES)
def test_indexes_on_declared_tables_however_written(kind: str, strategy: str) -> None:
    """The table an index is on is read from its text (quoted, bracketed, another case, a
    comment before it): a declared one is never taken for an undeclared one."""
    client, conn = open_client(kind)
    schema = (
        'CREATE TABLE "my t" (a);\nCREATE INDEX i1 ON "my t" (a);\n'
        "CREATE TABLE [b c] (a);\nCREATE INDEX i2 ON [b c](a);\n"
        "CREATE TABLE t3 (a);\nCREATE INDEX i3 on T3 (a);\n"
        "CREATE INDEX i4 ON /* the table */ t3 (a);\n"
        'CREATE TABLE "q""t" (a);\nCREATE UNIQUE INDEX i5 ON "q""t"(a);\n'
    )
    assert sync_on(kind, client, schema, scratch_schema=strategy).status == "synced"
    assert {r[1] for r in _schema(conn)} >= {"i1", "i2", "i3", "i4", "i5"}
