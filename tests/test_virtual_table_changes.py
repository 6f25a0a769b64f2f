"""A changed virtual table whose rows cannot simply be copied through a holding table: a
contentless fts4/fts5 index (its text cannot be read back), an external-content one (its rows
live in another table), and the read-only modules whose rows are computed from other data
(fts5vocab, fts4aux, dbstat). Each gets a plan that is right for it, or a clear refusal that
names the table and what would be lost, with the database unchanged.

fts5 and fts5vocab go through every client (stdlib sqlite3, apsw, the Durable Object and D1
stand-ins); fts4, fts4aux and dbstat through the local ones that have them (a Durable Object
and D1 allow fts5 only)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fake_d1 import FakeD1
from memory_clients import OPENERS, rows

import inline_sync
from inline_sync.d1 import plan_async, sync_async

EVERY_CLIENT = [*OPENERS, "d1"]
LOCAL = ["sqlite3", "apsw"]


class Db:
    """One in-memory database of a client kind, synced and planned the way its users do."""

    def __init__(self, client: str) -> None:
        self.client = client
        if client == "d1":
            self.handle: Any = FakeD1()
            self.conn: Any = self.handle.conn
        else:
            self.handle, self.conn = OPENERS[client]()

    def sync(self, schema: str, **kwargs: Any) -> Any:
        if self.client == "d1":
            return asyncio.run(sync_async(self.handle, schema, **kwargs))
        return inline_sync.sync(self.handle, schema, **kwargs)

    def plan(self, schema: str) -> Any:
        if self.client == "d1":
            return asyncio.run(plan_async(self.handle, schema))
        return inline_sync.plan(self.handle, schema)

    def run(self, sql: str) -> None:
        self.conn.execute(sql)

    def objects(self) -> list[tuple[Any, ...]]:
        return rows(self.conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")

    def matches(self, word: str, table: str = "d") -> list[tuple[Any, ...]]:
        return rows(self.conn, f"SELECT rowid FROM {table} WHERE {table} MATCH '{word}'")


def _cases(modules: list[str]) -> list[tuple[str, str]]:
    return [(m, c) for m in modules for c in (EVERY_CLIENT if m == "fts5" else LOCAL)]


def vtab(module: str, columns: str, content: str | None = None) -> str:
    options = f", content={content}" if content is not None else ""
    return f"CREATE VIRTUAL TABLE d USING {module}({columns}{options});"


@pytest.mark.parametrize("quotes", ["''", '""'])
@pytest.mark.parametrize(("module", "client"), _cases(["fts4", "fts5"]))
def test_a_changed_contentless_table_is_destructive_and_starts_empty(
    module: str, client: str, quotes: str
) -> None:
    """A contentless index keeps no text to copy: changing its columns is refused as
    destructive, naming the table, with the database unchanged (fts4 used to fail with
    SQLite's bare "SQL logic error", and fts5 written ``content=""`` copied NULLs into a table
    that then found nothing, silently); allowed, the new table starts empty."""
    db = Db(client)
    db.sync(vtab(module, "a", quotes))
    db.run("INSERT INTO d (rowid, a) VALUES (1, 'hello world')")
    before = db.objects()
    new = vtab(module, "a, b", quotes)
    lost = f"the rows of the contentless {module} table d"
    planned = db.plan(new)
    assert [(c.name, c.destructive, c.lost) for c in planned.changes] == [("d", True, (lost,))]
    assert "copy rows" not in [s.action for s in planned.steps]
    with pytest.raises(inline_sync.DestructiveChangeError, match=lost):
        db.sync(new)
    assert db.objects() == before
    assert db.matches("hello") == [(1,)]
    assert db.sync(new, allow_destructive=True).status == "synced"
    assert db.matches("hello") == []
    db.run("INSERT INTO d (rowid, a, b) VALUES (2, 'hello', 'there')")
    assert db.matches("there") == [(2,)]
    assert db.plan(new).steps == ()


@pytest.mark.parametrize(("module", "client"), _cases(["fts4", "fts5"]))
def test_a_contentless_table_given_content_of_its_own_starts_empty_as_destructive(
    module: str, client: str
) -> None:
    """The text of a contentless index cannot be read back, so it cannot be copied into a
    table that stores its own (fts5 read NULLs and lost the index silently)."""
    db = Db(client)
    db.sync(vtab(module, "a", "''"))
    db.run("INSERT INTO d (rowid, a) VALUES (1, 'hello world')")
    before = db.objects()
    with pytest.raises(
        inline_sync.DestructiveChangeError, match=f"the rows of the contentless {module} table d"
    ):
        db.sync(vtab(module, "a"))
    assert db.objects() == before
    db.sync(vtab(module, "a"), allow_destructive=True)
    assert rows(db.conn, "SELECT rowid, a FROM d") == []


@pytest.mark.parametrize(("module", "client"), _cases(["fts4", "fts5"]))
def test_a_table_made_contentless_keeps_its_index_and_reports_the_text_lost(
    module: str, client: str
) -> None:
    """Made contentless, the table no longer stores its text: that loss is reported (refused
    unless allowed), and the index is copied, so the rows are still found (fts5 used to start
    empty)."""
    db = Db(client)
    db.sync(vtab(module, "a"))
    db.run("INSERT INTO d (rowid, a) VALUES (1, 'hello world')")
    before = db.objects()
    new = vtab(module, "a", "''")
    lost = f"the text of the {module} table d (contentless now: only its index is kept)"
    assert [c.lost for c in db.plan(new).changes] == [(lost,)]
    with pytest.raises(inline_sync.DestructiveChangeError, match=r"only its index is kept"):
        db.sync(new)
    assert db.objects() == before
    assert db.sync(new, allow_destructive=True).status == "synced"
    assert db.matches("hello") == [(1,)]
    assert db.plan(new).steps == ()


@pytest.mark.parametrize(("module", "client"), _cases(["fts4", "fts5"]))
def test_an_external_content_index_is_rebuilt_from_its_table(module: str, client: str) -> None:
    """An external-content index given another column is rebuilt from its content table, so
    the new column is indexed too (fts4's rows were copied back with the old columns only:
    the new column's words were never found)."""
    table = "CREATE TABLE x (a TEXT, b TEXT);\n"
    db = Db(client)
    db.sync(table + vtab(module, "a", "x"))
    db.run("INSERT INTO x (rowid, a, b) VALUES (1, 'hello', 'world')")
    db.run("INSERT INTO d (d) VALUES ('rebuild')")
    planned = db.plan(table + vtab(module, "a, b", "x"))
    assert [(c.name, c.destructive) for c in planned.changes] == [("d", False)]
    db.sync(table + vtab(module, "a, b", "x"))
    assert db.matches("world") == [(1,)]
    assert db.matches("hello") == [(1,)]


READ_ONLY = [
    ("fts5vocab", c, "CREATE VIRTUAL TABLE v USING fts5vocab(d, {})", "row", "col")
    for c in EVERY_CLIENT
] + [
    (m, c, s, old, new)
    for m, s, old, new in (
        ("fts4aux", "CREATE VIRTUAL TABLE v USING fts4aux({})", "d", "e"),
        ("dbstat", "CREATE VIRTUAL TABLE v USING dbstat{}", "", "(main)"),
    )
    for c in LOCAL
]


@pytest.mark.parametrize(("module", "client", "sql", "old", "new"), READ_ONLY)
def test_a_read_only_virtual_table_is_recreated_without_copying_its_rows(
    module: str, client: str, sql: str, old: str, new: str
) -> None:
    """fts5vocab, fts4aux and dbstat compute their rows from other tables and refuse writes:
    a changed one is dropped and created again, nothing copied and nothing lost (the copy back
    used to fail with "table v may not be modified")."""
    fts = "fts5" if module == "fts5vocab" else "fts4"
    base = f"CREATE VIRTUAL TABLE d USING {fts}(a);\nCREATE VIRTUAL TABLE e USING {fts}(a);\n"
    db = Db(client)
    db.sync(base + sql.format(old))
    db.run("INSERT INTO d (a) VALUES ('hello')")
    db.run("INSERT INTO e (a) VALUES ('there')")
    planned = db.plan(base + sql.format(new))
    assert [(c.name, c.destructive, c.lost) for c in planned.changes] == [("v", False, ())]
    assert [s.action for s in planned.steps] == ["drop", "create"]
    assert db.sync(base + sql.format(new)).status == "synced"
    if module != "dbstat":
        expected = "there" if module == "fts4aux" else "hello"
        assert {r[0] for r in rows(db.conn, "SELECT term FROM v")} == {expected}
