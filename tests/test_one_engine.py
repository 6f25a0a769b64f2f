"""One engine for every client: sync() on sqlite3, apsw and Durable Objects and sync_async()
on D1 run the same sans-I/O core (inline_sync.rounds); only the drivers differ.

The local driver holds one transaction for the whole change and runs statements one by one,
so an error names its statement without the probe rounds D1 needs; the D1-style driver runs
each round on its own, guarded. Both must leave a caller's TEMP objects alone: every statement
the core issues names ``main``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import apsw
import pytest
from fake_d1 import FakeD1
from fake_durable_object import FakeStorage

import inline_sync
from inline_sync.clients import SQLite3Client
from inline_sync.d1 import sync_rounds_on
from inline_sync.state import STATE_TABLE

SCHEMA = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE kid (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id));
CREATE VIEW names AS SELECT name FROM parent;
"""
REBUILT = SCHEMA.replace("name TEXT", "name TEXT COLLATE NOCASE NOT NULL DEFAULT ''")


def traced(conn: sqlite3.Connection) -> list[str]:
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    return seen


def test_a_local_sync_is_one_transaction_with_no_probe_rounds() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, SCHEMA)
    conn.executescript("INSERT INTO parent VALUES (1, 'ada'); INSERT INTO kid VALUES (10, 1);")
    seen = traced(conn)
    result = inline_sync.sync(conn, REBUILT)
    assert result.status == "synced"
    assert [s for s in seen if s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))] == [
        "BEGIN IMMEDIATE",
        "COMMIT",
    ]
    assert not [s for s in seen if "__sync_probe" in s]  # no bisection: errors name themselves
    assert conn.execute("SELECT * FROM kid").fetchall() == [(10, 1)]


@pytest.mark.parametrize("kind", ["sqlite3", "apsw", "durable-object"])
def test_a_refused_step_is_named_without_probing(kind: str) -> None:
    storage = FakeStorage() if kind == "durable-object" else None
    conn: Any = (
        storage.conn
        if storage is not None
        else (sqlite3.connect(":memory:", isolation_level=None) if kind == "sqlite3" else
              apsw.Connection(":memory:"))
    )  # fmt: skip
    client = storage if storage is not None else conn
    inline_sync.sync(client, SCHEMA)
    conn.execute("INSERT INTO parent VALUES (1, 'a'), (2, 'a')")
    log: list[str] = storage.sql.log if storage is not None else []
    log.clear()
    with pytest.raises(inline_sync.ApplyError) as failed:
        inline_sync.sync(client, SCHEMA + "CREATE UNIQUE INDEX one_name ON parent (name);")
    assert failed.value.step is not None and failed.value.step.name == "one_name"
    assert not [s for s in log if "__sync_probe" in s]
    with pytest.raises(inline_sync.DefinitionError) as bad:
        inline_sync.sync(client, SCHEMA + "CREATE VIEW broken AS SELECT nope FROM parent;")
    assert bad.value.name == "broken" and bad.value.index == 4
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master ORDER BY name")] == [
        STATE_TABLE, "kid", "names", "parent"
    ]  # fmt: skip


class RacingClient(SQLite3Client):
    """Someone else changes the schema between the scratch round and the apply round
    (D1-style rounds, each in a transaction of its own)."""

    def __init__(self, conn: Any, ddl: str) -> None:
        super().__init__(conn)
        self.ddl = ddl
        self.armed = False

    def query(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        if sql.startswith("SELECT type, name, tbl_name, sql FROM main.sqlite_master"):
            self.armed = bool(self.ddl)  # the scratch round: the apply round comes next
        return super().query(sql, params)

    def transaction(self, fn: Any, *, immediate: bool = False) -> Any:
        if self.armed:
            self.conn.execute(self.ddl)
            self.ddl, self.armed = "", False
        return super().transaction(fn, immediate=immediate)


def test_the_apply_guard_is_main_s_even_under_a_temp_table_of_the_same_name() -> None:
    """The guard round inserts into main.__sync_guard: a caller's TEMP table of that name
    (no CHECK constraint) must not swallow the failed check and let a stale plan through."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    assert sync_rounds_on(conn, SCHEMA).status == "synced"
    conn.execute("INSERT INTO parent VALUES (1, 'ada')")
    for name in ("__sync_guard", "__sync_fk_before", "parent", STATE_TABLE):
        conn.execute(f'CREATE TEMP TABLE "{name}" (ok, child, n, extra)')
    racing = RacingClient(conn, "CREATE INDEX main.by_name ON parent (name)")
    outcome = sync_rounds_on(racing, REBUILT)
    # The first plan did not know about by_name: the guard refused it; the second drops it.
    assert outcome.status == "synced"
    assert ("by_name", "drop") in {(c.name, c.action) for c in outcome.plan.changes}
    assert conn.execute("SELECT count(*) FROM temp.sqlite_master").fetchone() == (4,)
    assert conn.execute("SELECT count(*) FROM temp.__sync_guard").fetchone() == (0,)
    assert conn.execute("SELECT id, name FROM main.parent").fetchall() == [(1, "ada")]


@pytest.mark.parametrize("strategy", ["scratch-db", "prefix"])
def test_temp_objects_shadowing_every_name_are_left_alone(strategy: str) -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, SCHEMA, scratch_schema=strategy)
    conn.execute("INSERT INTO parent VALUES (1, 'ada')")
    for name in ("parent", "kid", "__sync_parent", "__sync_kid", STATE_TABLE):
        conn.execute(f'CREATE TEMP TABLE "{name}" (x)')
        conn.execute(f'INSERT INTO temp."{name}" VALUES (42)')
    result = inline_sync.sync(conn, REBUILT + "CREATE TABLE extra (a);", scratch_schema=strategy)
    assert result.status == "synced" and result.plan.strategy == strategy
    assert conn.execute("SELECT id, name FROM main.parent").fetchall() == [(1, "ada")]
    for name in ("parent", "kid", "__sync_parent", "__sync_kid", STATE_TABLE):
        assert conn.execute(f'SELECT x FROM temp."{name}"').fetchall() == [(42,)]
    assert inline_sync.sync(conn, REBUILT + "CREATE TABLE extra (a);").status == "up-to-date"


@pytest.mark.parametrize("strategy", ["auto", "prefix"])
def test_a_view_and_trigger_reading_an_ignored_live_table(strategy: str) -> None:
    """The scratch copies cannot see a table only the live database has (an ignored one):
    the checks that read it are left to the live database, in both strategies."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE legacy_audit (id INTEGER, note TEXT)")
    schema = SCHEMA + (
        "CREATE VIEW audited AS SELECT p.name, a.note FROM parent p JOIN legacy_audit a "
        "ON a.id = p.id;"
        "CREATE TRIGGER audit_kid AFTER INSERT ON kid BEGIN "
        "INSERT INTO legacy_audit (id, note) VALUES (new.id, 'kid'); END;"
    )
    result = inline_sync.sync(conn, schema, ignore=["legacy_*"], scratch_schema=strategy)
    assert result.status == "synced"
    conn.execute("INSERT INTO parent VALUES (1, 'ada')")
    conn.execute("INSERT INTO kid VALUES (1, 1)")
    assert conn.execute("SELECT * FROM audited").fetchall() == [("ada", "kid")]
    if strategy == "prefix":  # the prefixed copy's trigger writes to the live table itself
        bad = schema.replace("'kid'); END", "'kid', 1); END")
        with pytest.raises(inline_sync.DefinitionError) as failed:
            inline_sync.sync(conn, bad, ignore=["legacy_*"], scratch_schema=strategy)
        assert failed.value.name == "audit_kid"


def test_d1_records_the_same_state_row_and_knows_unchanged_text_without_tokenizing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from inline_sync import definitions, state, tokenizer

    d1 = FakeD1()
    assert asyncio.run(inline_sync.sync_async(d1, SCHEMA)).status == "synced"
    (stored,) = d1.q(f"SELECT definitions_hash FROM {STATE_TABLE}")
    names = inline_sync.names.ignore_filter(())
    assert stored[0] == (
        f"{state.definitions_hash((SCHEMA,), definitions.parse_definitions(SCHEMA, names), names)}"
        f" {state.text_hash((SCHEMA,), names)}"
    )
    for cache in (state._TEXT_HASHES, state._HASHES, definitions._CACHE):
        cache.clear()

    def refuse(sql: str) -> list[tokenizer.Token]:
        raise AssertionError("tokenized")

    monkeypatch.setattr(tokenizer, "tokenize", refuse)
    before = d1.batches
    assert asyncio.run(inline_sync.sync_async(d1, SCHEMA)).status == "up-to-date"
    assert d1.batches - before == 1


# ------------------------------------------------ a Durable Object's no-op start: one sql.exec
def test_an_up_to_date_durable_object_costs_one_statement() -> None:
    storage = FakeStorage()
    assert inline_sync.sync(storage, SCHEMA).status == "synced"
    storage.sql.log.clear()
    assert inline_sync.sync(storage, SCHEMA).status == "up-to-date"
    assert len(storage.sql.log) == 1, storage.sql.log
    # A schema changed behind its back is still noticed by that one statement.
    storage.conn.execute("CREATE INDEX by_name ON parent (name)")
    storage.sql.log.clear()
    result = inline_sync.sync(storage, SCHEMA, allow_destructive=True)
    assert result.status == "synced" and [c.name for c in result.plan.changes] == ["by_name"]
    storage.sql.log.clear()
    assert inline_sync.sync(storage, SCHEMA).status == "up-to-date"
    assert len(storage.sql.log) == 1, storage.sql.log


def test_an_up_to_date_durable_object_builds_no_client_wrapper() -> None:
    """The start-up path of a Durable Object loads neither the client adapters nor the
    planning stages (a fresh interpreter, as a new isolate)."""
    from test_import_structure import loaded_after

    tests = str(Path(__file__).parent)
    heavy = ("inline_sync.clients", "inline_sync.definitions", "inline_sync.tokenizer",
             "inline_sync.rounds", "inline_sync.local")  # fmt: skip
    code = (
        f"import sys; sys.path.insert(0, {tests!r}); from fake_durable_object import FakeStorage; "
        "import inline_sync; s = FakeStorage(); "
        f"assert inline_sync.sync(s, {SCHEMA!r}).status == 'synced'; "
        f"[sys.modules.pop(m) for m in {heavy!r}]; "  # as in a new isolate
        f"s.sql.log.clear(); assert inline_sync.sync(s, {SCHEMA!r}).status == 'up-to-date'; "
        "assert len(s.sql.log) == 1"
    )
    assert loaded_after(code, heavy) == set()
