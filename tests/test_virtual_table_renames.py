"""A virtual table renamed by an ``@renamed`` hint, as a table is. The hint was read for
tables only: renaming an FTS5 or R*Tree table was a drop and a create, so the sync wanted
``allow_destructive`` and then lost every row. An otherwise unchanged virtual table is now
renamed by ``ALTER TABLE … RENAME TO`` (its module renames its shadow tables): its rows stay,
and the views that read it follow. One whose arguments change too is renamed, then made again
with its rows."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

import inline_sync

V1 = """CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter');
CREATE VIEW hits AS SELECT title FROM docs WHERE docs MATCH 'hello';
"""
V2 = """CREATE VIRTUAL TABLE notes -- @renamed from=docs
  USING fts5(title, body, tokenize = 'porter');
CREATE VIEW hits AS SELECT title FROM notes WHERE notes MATCH 'hello';
"""


def docs_with_a_row(kind: str) -> tuple[Any, Any]:
    """A ``kind`` client and connection synced to V1, with one row in docs."""
    client, conn = open_client(kind)
    sync_on(kind, client, V1)
    conn.execute("INSERT INTO docs VALUES ('greeting', 'hello world')")
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
def test_a_virtual_table_renamed_by_hint_keeps_its_rows(kind: str) -> None:
    client, conn = docs_with_a_row(kind)
    result = sync_on(kind, client, V2)
    assert not result.plan.destructive
    assert ("virtual table", "notes", "rename") in {
        (c.kind, c.name, c.action) for c in result.plan.changes
    }
    assert 'ALTER TABLE main."docs" RENAME TO "notes"' in result.statements
    assert rows(conn, "SELECT title FROM hits") == [("greeting",)]
    names = {r[0] for r in rows(conn, "SELECT name FROM sqlite_master")}
    assert "notes_data" in names and not any(n.startswith("docs") for n in names)
    assert not sync_on(kind, client, V2, force=True).plan


@pytest.mark.parametrize("kind", ["sqlite3", "durable-object"])
def test_an_rtree_renamed_by_hint_keeps_its_rows(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1);")
    conn.execute("INSERT INTO boxes VALUES (1, 0, 5)")
    renamed = "CREATE VIRTUAL TABLE areas -- @renamed from=boxes\n  USING rtree(id, x0, x1);"
    result = sync_on(kind, client, renamed)
    assert result.statements == ('ALTER TABLE main."boxes" RENAME TO "areas"',)
    assert rows(conn, "SELECT id, x0, x1 FROM areas") == [(1, 0.0, 5.0)]


@pytest.mark.parametrize("kind", KINDS)
def test_a_renamed_virtual_table_with_new_arguments_keeps_its_rows(kind: str) -> None:
    """Renamed and changed: renamed, then made again with its rows copied, as a changed one
    of the same name is (it was made anew under the new name: every row lost)."""
    client, conn = docs_with_a_row(kind)
    changed = V2.replace("tokenize = 'porter'", "tokenize = 'unicode61'")
    result = sync_on(kind, client, changed)
    assert not result.plan.destructive
    actions = {(c.kind, c.name, c.action) for c in result.plan.changes}
    assert actions == {
        ("virtual table", "notes", "rename"),
        ("virtual table", "notes", "recreate"),
        ("view", "hits", "recreate"),
    }
    assert 'ALTER TABLE main."docs" RENAME TO "notes"' in result.statements
    assert rows(conn, "SELECT title, body FROM notes") == [("greeting", "hello world")]
    assert rows(conn, "SELECT title FROM hits") == [("greeting",)]
    assert "unicode61" in rows(conn, "SELECT sql FROM sqlite_master WHERE name = 'notes'")[0][0]
    names = {r[0] for r in rows(conn, "SELECT name FROM sqlite_master")}
    assert not any(n.startswith(("docs", "__sync_")) for n in names)
    assert not sync_on(kind, client, changed, force=True).plan


@pytest.mark.parametrize("kind", KINDS)
def test_a_renamed_virtual_table_losing_a_column_says_so(kind: str) -> None:
    client, conn = docs_with_a_row(kind)
    fewer = (
        "CREATE VIRTUAL TABLE notes -- @renamed from=docs\n"
        "  USING fts5(title, tokenize = 'porter');\n"
    )
    with pytest.raises(inline_sync.DestructiveChangeError, match=r"notes\.body"):
        sync_on(kind, client, fewer)
    assert rows(conn, "SELECT title, body FROM docs") == [("greeting", "hello world")]
    sync_on(kind, client, fewer, allow_destructive=True)
    assert rows(conn, "SELECT title FROM notes") == [("greeting",)]


@pytest.mark.parametrize("kind", ["sqlite3", "durable-object"])
def test_a_renamed_rtree_with_a_new_column_keeps_its_rows(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1);")
    conn.execute("INSERT INTO boxes VALUES (1, 0, 5)")
    renamed = (
        "CREATE VIRTUAL TABLE areas -- @renamed from=boxes\n  USING rtree(id, x0, x1, y0, y1);"
    )
    result = sync_on(kind, client, renamed)
    assert not result.plan.destructive
    assert rows(conn, "SELECT id, x0, x1 FROM areas") == [(1, 0.0, 5.0)]
    assert not sync_on(kind, client, renamed, force=True).plan


@pytest.mark.parametrize("kind", KINDS)
def test_a_changed_virtual_table_moved_aside_for_a_new_one_keeps_its_rows(kind: str) -> None:
    client, conn = docs_with_a_row(kind)
    schema = (
        "CREATE VIRTUAL TABLE docs_archive USING fts5(title, body, extra); -- @renamed from=docs\n"
        "CREATE VIRTUAL TABLE docs USING fts5(title, body);\n"
    )
    result = sync_on(kind, client, schema)
    assert not result.plan.destructive
    assert rows(conn, "SELECT title, body, extra FROM docs_archive") == [
        ("greeting", "hello world", None)
    ]
    assert rows(conn, "SELECT count(*) FROM docs") == [(0,)]
    assert not sync_on(kind, client, schema, force=True).plan


MOVED_ASIDE = {
    "a new virtual table": "CREATE VIRTUAL TABLE docs USING fts5(title, body);",
    "a new table": "CREATE TABLE docs (title TEXT, body TEXT);",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("new", list(MOVED_ASIDE))
def test_a_virtual_table_moved_aside_for_a_new_one_of_its_name(kind: str, new: str) -> None:
    """``docs_archive`` from ``docs``, and a new ``docs``: as for a table, the rows move to
    the archive and the new ``docs`` starts empty. The hint was not followed (its old name is
    declared again): the rows stayed in ``docs`` and the archive was empty, without a word;
    or, with a new ordinary table, ``docs`` was dropped with its rows."""
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE VIRTUAL TABLE docs USING fts5(title, body);")
    conn.execute("INSERT INTO docs VALUES ('greeting', 'hello world')")
    schema = (
        "CREATE VIRTUAL TABLE docs_archive USING fts5(title, body); -- @renamed from=docs\n"
        + MOVED_ASIDE[new]
    )
    result = sync_on(kind, client, schema)
    assert not result.plan.destructive
    kind_of_new = "virtual table" if new == "a new virtual table" else "table"
    assert [(c.kind, c.name, c.action) for c in result.plan.changes] == [
        ("virtual table", "docs_archive", "rename"),
        (kind_of_new, "docs", "create"),
    ]
    assert rows(conn, "SELECT title FROM docs_archive WHERE docs_archive MATCH 'hello'") == [
        ("greeting",)
    ]
    assert rows(conn, "SELECT count(*) FROM docs") == [(0,)]
    assert not sync_on(kind, client, schema, force=True).plan


def a_and_b(kind: str) -> tuple[Any, Any]:
    """fts5 tables a and b, one row each."""
    client, conn = open_client(kind)
    sync_on(
        kind, client,
        "CREATE VIRTUAL TABLE a USING fts5(x);\nCREATE VIRTUAL TABLE b USING fts5(x);",
    )  # fmt: skip
    conn.execute("INSERT INTO a VALUES ('from a')")
    conn.execute("INSERT INTO b VALUES ('from b')")
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
def test_a_chain_of_virtual_table_renames_runs_from_its_end(kind: str) -> None:
    """``c`` from ``b`` and ``b`` from ``a``: ``b`` is renamed first, so each new name is free
    when its rename runs."""
    client, conn = a_and_b(kind)
    schema = (
        "CREATE VIRTUAL TABLE b USING fts5(x); -- @renamed from=a\n"
        "CREATE VIRTUAL TABLE c USING fts5(x); -- @renamed from=b\n"
    )
    result = sync_on(kind, client, schema)
    assert not result.plan.destructive
    assert rows(conn, "SELECT x FROM b") == [("from a",)]
    assert rows(conn, "SELECT x FROM c") == [("from b",)]
    assert not sync_on(kind, client, schema, force=True).plan


@pytest.mark.parametrize("kind", KINDS)
def test_virtual_tables_swapped_by_hints_are_refused_as_tables_are(kind: str) -> None:
    """A swap made looks exactly like one to make: a DefinitionError naming the statement,
    and nothing changes (the hints were silently ignored: b was made anew for its new
    argument, without a's rows)."""
    client, conn = a_and_b(kind)
    with pytest.raises(inline_sync.DefinitionError) as refused:
        sync_on(
            kind, client,
            "CREATE VIRTUAL TABLE b USING fts5(x, y); -- @renamed from=a\n"
            "CREATE VIRTUAL TABLE a USING fts5(x); -- @renamed from=b\n",
        )  # fmt: skip
    assert "the @renamed hints of virtual tables b and a form a cycle" in str(refused.value)
    assert rows(conn, "SELECT x FROM a") == [("from a",)]


#: A table and a virtual table, one row each, for the hints that pass a name between kinds.
TABLE_AND_FTS = "CREATE TABLE a (x);\nCREATE VIRTUAL TABLE b USING fts5(y);"
FTS_AND_TABLE = "CREATE VIRTUAL TABLE a USING fts5(x);\nCREATE TABLE b (y);"


def both_with_a_row(kind: str, schema: str) -> tuple[Any, Any]:
    client, conn = open_client(kind)
    sync_on(kind, client, schema)
    conn.execute("INSERT INTO a VALUES ('from a')")
    conn.execute("INSERT INTO b VALUES ('from b')")
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            TABLE_AND_FTS,
            "CREATE VIRTUAL TABLE c USING fts5(y); -- @renamed from=b\n"
            "CREATE TABLE b ( -- @renamed from=a\n  x);",
        ),
        (
            FTS_AND_TABLE,
            "CREATE TABLE c ( -- @renamed from=b\n  y);\n"
            "CREATE VIRTUAL TABLE b USING fts5(x); -- @renamed from=a",
        ),
    ],
    ids=["a table takes a virtual table's name", "a virtual table takes a table's name"],
)
def test_a_chain_through_both_kinds_runs_from_its_end(kind: str, before: str, after: str) -> None:
    """Tables and virtual tables share one name space, so a chain of hints may pass from one
    kind to the other. Their renames were followed apart: the table's ran first, into a name
    still held (ApplyError: there is already another table), or the virtual table's hint was
    not followed (its new name looked taken), and its rows were to be dropped."""
    client, conn = both_with_a_row(kind, before)
    result = sync_on(kind, client, after)
    assert not result.plan.destructive
    assert rows(conn, "SELECT * FROM b") == [("from a",)]
    assert rows(conn, "SELECT * FROM c") == [("from b",)]
    assert not sync_on(kind, client, after, force=True).plan


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("before", "after"),
    [
        (TABLE_AND_FTS, "CREATE TABLE b ( -- @renamed from=a\n  x);"),
        (FTS_AND_TABLE, "CREATE VIRTUAL TABLE b USING fts5(x); -- @renamed from=a"),
    ],
    ids=["table", "virtual table"],
)
def test_a_hint_into_a_name_the_other_kind_holds_is_not_followed(
    kind: str, before: str, after: str
) -> None:
    """As a hint into a name another table holds: it reads as one left in place after its
    rename, so it is not followed. The table's was, before the virtual table holding the name
    was dropped: ApplyError (there is already another table b)."""
    client, conn = both_with_a_row(kind, before)
    with pytest.raises(inline_sync.DestructiveChangeError):
        sync_on(kind, client, after)
    result = sync_on(kind, client, after, allow_destructive=True)
    assert result.status == "synced"
    assert rows(conn, "SELECT count(*) FROM b") == [(0,)]
    assert not sync_on(kind, client, after, force=True).plan
