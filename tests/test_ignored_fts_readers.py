"""An external content FTS index that is not ours (ignored) reads a table that is: fts4 and
fts5 read the rows of ``content=docs`` by that table's name and their own columns' names (and
``content_rowid``), which no ALTER TABLE rewrites. A plan that dropped or renamed the table,
or dropped or renamed one of those columns (or the rowid, made WITHOUT ROWID), left the index
unable to read anything ("no such column: T.body", "no such table: main.docs") while the sync
said "synced". It is now a SyncError naming both, before anything changes, as it is for a
view or trigger of theirs. A change the index does not see (a rebuild that keeps the names, a
column's name in another case) still goes through."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, everything, open_client, rows, sync_on

import inline_sync

BEFORE = "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT, extra TEXT);"
THEIRS = [
    "CREATE VIRTUAL TABLE ign_f USING fts5(body, content=docs, content_rowid=id)",
    "CREATE VIRTUAL TABLE ign_g USING fts4(body, content=docs)",
]
BREAKS = {
    "table dropped": "CREATE TABLE other (a);",
    "table renamed": "CREATE TABLE documents ( -- @renamed from=docs\n"
    "  id INTEGER PRIMARY KEY, body TEXT, extra TEXT);",
    "column dropped": "CREATE TABLE docs (id INTEGER PRIMARY KEY, extra TEXT);",
    "column renamed": "CREATE TABLE docs (id INTEGER PRIMARY KEY,\n"
    "  txt TEXT, -- @renamed from=body\n  extra TEXT);",
    "column renamed in a rebuild": "CREATE TABLE docs (id INTEGER PRIMARY KEY,\n"
    "  txt TEXT, -- @renamed from=body\n  extra TEXT DEFAULT 'x');",
    "key renamed": "CREATE TABLE docs (key INTEGER PRIMARY KEY, -- @renamed from=id\n"
    "  body TEXT, extra TEXT);",
    # (fts4 reads the rowid; fts5 here reads content_rowid=id, which stays)
    "made without rowid": "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT, extra TEXT)"
    " WITHOUT ROWID;",
}
WHY = {
    "table dropped": "drop table 'docs'",
    "table renamed": "rename table 'docs'",
    "column dropped": "drop column docs.body",
    "column renamed": "rename column docs.body",
    "column renamed in a rebuild": "rename column docs.body",
    "key renamed": "rename column docs.id",
    "made without rowid": "make table 'docs' WITHOUT ROWID",
}
KEEPS = {
    "rebuilt": "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT, extra TEXT DEFAULT 'x');",
    "another column dropped": "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT);",
    "a name in another case": "CREATE TABLE docs (id INTEGER PRIMARY KEY, Body TEXT, extra TEXT);",
}


def with_theirs(kind: str, index: str) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    conn.execute("INSERT INTO docs VALUES (1, 'hello world', 'e')")
    conn.execute("CREATE VIEW ign_a AS SELECT 1")  # (theirs too, listed first: not an index)
    conn.execute(index)
    name = index.split()[3]
    conn.execute(f"INSERT INTO {name} ({name}) VALUES ('rebuild')")
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("index", THEIRS, ids=["fts5", "fts4"])
@pytest.mark.parametrize("change", list(BREAKS))
def test_a_change_their_index_could_not_read_is_refused(kind: str, index: str, change: str) -> None:
    if kind == "d1" and "fts4" in index:
        pytest.skip("D1 has no fts4")
    if "fts4" in index and change == "key renamed":
        pytest.skip("fts4 reads the rowid, not a named key")
    if "fts5" in index and change == "made without rowid":
        pytest.skip("this fts5 reads content_rowid=id, which stays")
    client, conn = with_theirs(kind, index)
    before = everything(conn)
    with pytest.raises(inline_sync.SyncError) as refused:
        sync_on(kind, client, BREAKS[change], ignore=["ign_*"], allow_destructive=True)
    name = index.split()[3]
    assert str(refused.value) == (
        f"cannot {WHY[change]}: virtual table {name!r}, which is ignored (inline_sync leaves "
        "it alone), reads it as its external content by name and could not be read "
        f"afterwards. Declare {name!r}, or change or drop it yourself first; nothing was changed"
    )
    assert everything(conn) == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("index", THEIRS, ids=["fts5", "fts4"])
@pytest.mark.parametrize("change", list(KEEPS))
def test_a_change_their_index_does_not_see_goes_through(kind: str, index: str, change: str) -> None:
    if kind == "d1" and "fts4" in index:
        pytest.skip("D1 has no fts4")
    client, conn = with_theirs(kind, index)
    result = sync_on(kind, client, KEEPS[change], ignore=["ign_*"], allow_destructive=True)
    assert result.status == "synced"
    name = index.split()[3]
    assert rows(conn, f"SELECT rowid FROM {name} WHERE {name} MATCH 'hello'") == [(1,)]
