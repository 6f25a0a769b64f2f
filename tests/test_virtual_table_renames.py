"""A virtual table renamed by an ``@renamed`` hint, as a table is. The hint was read for
tables only: renaming an FTS5 or R*Tree table was a drop and a create, so the sync wanted
``allow_destructive`` and then lost every row. An otherwise unchanged virtual table is now
renamed by ``ALTER TABLE … RENAME TO`` (its module renames its shadow tables): its rows stay,
and the views that read it follow. One whose arguments change too is still made anew."""

from __future__ import annotations

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


@pytest.mark.parametrize("kind", KINDS)
def test_a_virtual_table_renamed_by_hint_keeps_its_rows(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, V1)
    conn.execute("INSERT INTO docs VALUES ('greeting', 'hello world')")
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
def test_a_renamed_virtual_table_with_new_arguments_is_made_anew(kind: str) -> None:
    client, _ = open_client(kind)
    sync_on(kind, client, V1)
    changed = V2.replace("tokenize = 'porter'", "tokenize = 'unicode61'")
    with pytest.raises(inline_sync.DestructiveChangeError, match="virtual table docs"):
        sync_on(kind, client, changed)
