"""fts5 keeps its settings (``INSERT INTO f(f, rank) VALUES ('rank', 'bm25(10.0)')``,
``'automerge'``, ``'pgsz'``, …) in its ``_config`` shadow table. A changed index is made
again, and it then started from the defaults: every setting the user made was reset, and the
sync said nothing of it. They are carried over, as its rows are."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

SETTINGS = [("automerge", 8), ("pgsz", 2000), ("rank", "bm25(10.0, 1.0)"), ("usermerge", 5)]
STORED = "CREATE VIRTUAL TABLE f USING fts5(title, body);\n"
DOCS = "CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT);\n"
EXTERNAL = "CREATE VIRTUAL TABLE f USING fts5(title, body, content=docs, content_rowid=id);\n"


def settings(conn: object, name: str = "f") -> list[tuple[object, ...]]:
    return rows(conn, f"SELECT k, v FROM {name}_config WHERE k <> 'version' ORDER BY k")


def configure(conn: object, name: str = "f") -> None:
    for key, value in SETTINGS:
        conn.execute(f"INSERT INTO {name} ({name}, rank) VALUES (?, ?)", (key, value))  # type: ignore[attr-defined]


CHANGES = {
    "a column added": (STORED, STORED.replace("body)", "body, tags)")),
    "a tokenizer": (STORED, STORED.replace("body)", "body, tokenize = 'porter')")),
    "made external content": (DOCS + STORED, DOCS + EXTERNAL),
    "external content changed": (DOCS + EXTERNAL, DOCS + EXTERNAL.replace("id)", "id, prefix=2)")),
    "renamed and changed": (
        STORED,
        "CREATE VIRTUAL TABLE g USING fts5(title, body, tags); -- @renamed from=f\n",
    ),
}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_changed_index_keeps_its_settings(kind: str, change: str) -> None:
    before, after = CHANGES[change]
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    if "docs" in before:
        conn.execute("INSERT INTO docs (id, title, body) VALUES (1, 'greeting', 'hello world')")
        conn.execute("INSERT INTO f (f) VALUES ('rebuild')")
    else:
        conn.execute("INSERT INTO f (title, body) VALUES ('greeting', 'hello world')")
    configure(conn)
    expected = settings(conn)
    result = sync_on(kind, client, after, allow_destructive=True)
    name = "g" if "renamed" in change else "f"
    assert settings(conn, name) == expected
    assert rows(conn, f"SELECT rowid FROM {name} WHERE {name} MATCH 'hello'") == [(1,)]
    assert rows(conn, f"INSERT INTO {name} ({name}) VALUES ('integrity-check')") == []
    names = {r[0] for r in rows(conn, "SELECT name FROM sqlite_master")}
    assert not any(n.startswith("__sync_") for n in names)
    assert result.status == "synced"
    assert sync_on(kind, client, after, force=True).status == "up-to-date"


@pytest.mark.parametrize("kind", ["sqlite3", "durable-object"])
def test_an_index_with_default_settings_is_made_again_as_before(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, STORED)
    conn.execute("INSERT INTO f (title, body) VALUES ('greeting', 'hello world')")
    sync_on(kind, client, STORED.replace("body)", "body, tags)"))
    assert settings(conn) == []
    assert rows(conn, "SELECT title FROM f WHERE f MATCH 'hello'") == [("greeting",)]
