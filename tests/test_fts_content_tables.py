"""An fts5 index over an external content table (``content=docs``) reads that table: declared
where no such table is left after the sync, it could not be read (``no such table``), yet the
sync said "synced". It is refused like a view that cannot be read, naming the virtual table,
with the database unchanged; a content table left in place (an ignored one) is fine."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, everything, open_client, rows, run, sync_on

import inline_sync

FTS = "CREATE VIRTUAL TABLE f USING fts5(body, content=docs, content_rowid=id);\n"
DOCS = "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT);\n"
STRATEGIES = ["auto", "prefix"]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("kind", KINDS)
def test_an_index_over_no_table_is_refused(kind: str, strategy: str) -> None:
    client, conn = open_client(kind)
    before = everything(conn)
    with pytest.raises(inline_sync.DefinitionError) as caught:
        sync_on(kind, client, FTS, scratch_schema=strategy)
    assert caught.value.name == "f"
    assert "no such table" in str(caught.value) and "docs" in str(caught.value)
    assert everything(conn) == before


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("kind", KINDS)
def test_an_index_over_a_table_the_sync_would_drop_is_refused(kind: str, strategy: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, DOCS + FTS)
    conn.execute("INSERT INTO docs (id, body) VALUES (1, 'hello')")
    before = everything(conn)
    with pytest.raises(inline_sync.DefinitionError) as caught:
        sync_on(kind, client, FTS, scratch_schema=strategy, allow_destructive=True)
    assert caught.value.name == "f"
    assert "the sync would drop it" in str(caught.value)
    assert everything(conn) == before


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("kind", KINDS)
def test_an_index_over_an_ignored_table_is_fine(kind: str, strategy: str) -> None:
    client, conn = open_client(kind)
    conn.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO docs (id, body) VALUES (1, 'hello')")
    sync_on(kind, client, FTS, scratch_schema=strategy, ignore=["docs"])
    assert rows(conn, "SELECT rowid FROM f WHERE f MATCH 'hello'") == [(1,)]  # built from docs
    assert sync_on(kind, client, FTS, ignore=["docs"], force=True).status == "up-to-date"


SEARCH = (
    "CREATE TABLE doc (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL);\n"
    "CREATE VIRTUAL TABLE doc_search USING fts5(title, body, content='doc', content_rowid='id');\n"
)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("quote", ["'doc'", '"doc"', "doc", "[doc]"])
def test_a_content_table_named_by_a_string_is_read_in_the_scratch_copies(
    kind: str, quote: str
) -> None:
    """``content='doc'`` names the table as ``content=doc`` does: on the first sync, where
    doc is created with the index, the prefix strategy's scratch copy of the index reads
    the copy of doc (it read main.doc, not there yet: a false DefinitionError, found by the
    real workerd tests)."""
    client, conn = open_client(kind)
    schema = SEARCH.replace("content='doc'", f"content={quote}")
    assert sync_on(kind, client, schema).status == "synced"
    assert sync_on(kind, client, schema, force=True).status == "up-to-date"
    run(conn, "INSERT INTO doc VALUES (1, 'a', 'b')")
