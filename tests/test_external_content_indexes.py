"""An FTS4/FTS5 index over an external content table (``content=docs``) indexes the rows of
that table, whenever it is made: a new one declared over a table that already holds rows is
built from them (it was created empty, so MATCH found none of them, and the 'delete' that the
usual triggers send for such a row corrupts an fts5 index)."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

import inline_sync

DOCS = "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT);\n"
DOCS_REBUILT = (
    "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT NOT NULL, "
    "n INT CHECK (n IS NULL OR n > 0));\n"
)
CASES = [("fts5", k) for k in KINDS] + [("fts4", k) for k in ("sqlite3", "apsw")]


def index(module: str, name: str = "docs_fts") -> str:
    rowid = ", content_rowid=id" if module == "fts5" else ""
    return f"CREATE VIRTUAL TABLE {name} USING {module}(body, content=docs{rowid});\n"


def matches(conn: object, word: str, name: str = "docs_fts") -> list[tuple[object, ...]]:
    return rows(conn, f"SELECT rowid FROM {name} WHERE {name} MATCH '{word}' ORDER BY rowid")


@pytest.mark.parametrize("docs", [DOCS, DOCS_REBUILT], ids=["kept", "rebuilt"])
@pytest.mark.parametrize(("module", "kind"), CASES)
def test_a_new_index_over_a_table_with_rows_indexes_them(module: str, kind: str, docs: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, DOCS)
    conn.execute("INSERT INTO docs (id, body) VALUES (3, 'hello world'), (7, 'hello again')")
    result = sync_on(kind, client, docs + index(module))
    assert not result.plan.destructive
    assert matches(conn, "hello") == [(3,), (7,)]
    assert matches(conn, "again") == [(7,)]
    if module == "fts5":
        assert rows(conn, "INSERT INTO docs_fts (docs_fts) VALUES ('integrity-check')") == []
    assert sync_on(kind, client, docs + index(module), force=True).status == "up-to-date"


@pytest.mark.parametrize("strategy", ["auto", "prefix"])
@pytest.mark.parametrize(("module", "kind"), CASES)
def test_a_new_index_over_an_ignored_table_with_rows_indexes_them(
    module: str, kind: str, strategy: str
) -> None:
    """The content table need not be ours: an ignored one that holds rows is read the same
    way (the plan built the index only over a declared table, and left it empty here)."""
    client, conn = open_client(kind)
    conn.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO docs (id, body) VALUES (3, 'hello world'), (7, 'hello again')")
    schema = index(module)
    result = sync_on(kind, client, schema, ignore=["docs"], scratch_schema=strategy)
    assert not result.plan.destructive
    assert matches(conn, "hello") == [(3,), (7,)]
    if module == "fts5":
        assert rows(conn, "INSERT INTO docs_fts (docs_fts) VALUES ('integrity-check')") == []
    again = sync_on(kind, client, schema, ignore=["docs"], force=True)
    assert again.status == "up-to-date"
    assert rows(conn, "SELECT id, body FROM docs ORDER BY id") == [
        (3, "hello world"),
        (7, "hello again"),
    ]


@pytest.mark.parametrize(("module", "kind"), CASES)
def test_a_new_index_over_a_new_table_is_empty_and_works(module: str, kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, DOCS + index(module))
    conn.execute("INSERT INTO docs (id, body) VALUES (1, 'hello')")
    conn.execute("INSERT INTO docs_fts (docs_fts) VALUES ('rebuild')")
    assert matches(conn, "hello") == [(1,)]


#: What an index held of its own, declared anew over an external content table: its text,
#: or, contentless, its entries (for rows that need not be in that table).
MADE_EXTERNAL = {
    "own text": ("(body)", "the text of the {module} table docs_fts"),
    "contentless": (
        "(body, content='')",
        "the index entries of the contentless {module} table docs_fts",
    ),
}


@pytest.mark.parametrize("before", MADE_EXTERNAL)
@pytest.mark.parametrize(("module", "kind"), CASES)
def test_an_index_made_external_content_reports_what_it_held_lost(
    module: str, kind: str, before: str
) -> None:
    """Declared over an external content table, an index is rebuilt from that table: what it
    held of its own is gone, and the plan says so (it said nothing: "definition changed", not
    destructive)."""
    arguments, held = MADE_EXTERNAL[before]
    client, conn = open_client(kind)
    sync_on(kind, client, DOCS + f"CREATE VIRTUAL TABLE docs_fts USING {module}{arguments};\n")
    conn.execute("INSERT INTO docs (id, body) VALUES (1, 'hello')")
    conn.execute("INSERT INTO docs_fts (rowid, body) VALUES (9, 'only here')")
    with pytest.raises(inline_sync.DestructiveChangeError) as caught:
        sync_on(kind, client, DOCS + index(module))
    assert caught.value.plan.changes[0].lost == (
        held.format(module=module) + " (external content now: it is rebuilt from docs)",
    )
    assert matches(conn, "only") == [(9,)]  # nothing changed
    sync_on(kind, client, DOCS + index(module), allow_destructive=True)
    assert matches(conn, "hello") == [(1,)]
    assert matches(conn, "only") == []


@pytest.mark.parametrize(("module", "kind"), CASES)
def test_an_external_content_index_made_contentless_loses_no_text(module: str, kind: str) -> None:
    """Its text is in its content table, which stays: made contentless, the index is built
    from it and nothing is lost (the plan said "the text" was, and refused the change)."""
    client, conn = open_client(kind)
    sync_on(kind, client, DOCS + index(module))
    conn.execute("INSERT INTO docs (id, body) VALUES (1, 'hello world'), (2, 'bye')")
    conn.execute("INSERT INTO docs_fts (docs_fts) VALUES ('rebuild')")
    contentless = f"CREATE VIRTUAL TABLE docs_fts USING {module}(body, content='');\n"
    result = sync_on(kind, client, DOCS + contentless)
    assert not result.plan.destructive
    assert matches(conn, "hello") == [(1,)]
    assert rows(conn, "SELECT id, body FROM docs ORDER BY id") == [(1, "hello world"), (2, "bye")]
    assert sync_on(kind, client, DOCS + contentless, force=True).status == "up-to-date"
