"""An FTS4 table's language ids (``languageid=lid``: a hidden column, not among its columns)
are copied with its rows when the table is made again: they were dropped, so every row came
back under language 0 and a query for its own language found nothing; a table that no longer
has them reports them lost. Through sqlite3, apsw and the Durable Object stand-in (D1 allows
fts5 alone)."""

from __future__ import annotations

import pytest
from memory_clients import open_client, rows, sync_on

import inline_sync


@pytest.mark.parametrize("kind", ["sqlite3", "apsw", "durable-object"])
@pytest.mark.parametrize(
    "new",
    [
        "CREATE VIRTUAL TABLE f USING fts4(a, b, languageid=lid);",
        "CREATE VIRTUAL TABLE f USING fts4(a, languageid=\"lang\", prefix='2');",
    ],
)
def test_language_ids_are_kept_when_an_fts4_table_is_made_again(kind: str, new: str) -> None:
    client, conn = open_client(kind)
    try:
        sync_on(kind, client, "CREATE VIRTUAL TABLE f USING fts4(a, languageid=lid);")
    except Exception:
        pytest.skip(f"{kind} does not allow fts4 with languageid")
    conn.execute("INSERT INTO f (rowid, a, lid) VALUES (4, 'hello', 3), (5, 'hello', 0)")
    result = sync_on(kind, client, new)
    assert [c.action for c in result.plan.changes] == ["recreate"]
    lid = "lang" if '"lang"' in new else "lid"
    assert rows(conn, f"SELECT rowid, {lid} FROM f ORDER BY rowid") == [(4, 3), (5, 0)]
    assert rows(conn, f"SELECT rowid FROM f WHERE f MATCH 'hello' AND {lid} = 3") == [(4,)]


def test_a_table_given_language_ids_starts_them_at_zero() -> None:
    client, conn = open_client("sqlite3")
    sync_on("sqlite3", client, "CREATE VIRTUAL TABLE f USING fts4(a);")
    conn.execute("INSERT INTO f (rowid, a) VALUES (4, 'hello')")
    sync_on("sqlite3", client, "CREATE VIRTUAL TABLE f USING fts4(a, languageid=lid);")
    assert rows(conn, "SELECT rowid, lid FROM f WHERE f MATCH 'hello'") == [(4, 0)]


def test_language_ids_no_longer_kept_are_reported_lost() -> None:
    client, conn = open_client("sqlite3")
    sync_on("sqlite3", client, "CREATE VIRTUAL TABLE f USING fts4(a, languageid=lid);")
    conn.execute("INSERT INTO f (rowid, a, lid) VALUES (4, 'hello', 3)")
    with pytest.raises(inline_sync.DestructiveChangeError) as caught:
        sync_on("sqlite3", client, "CREATE VIRTUAL TABLE f USING fts4(a);")
    assert caught.value.plan.changes[0].lost == ("column f.lid",)
    assert rows(conn, "SELECT rowid, lid FROM f") == [(4, 3)]
