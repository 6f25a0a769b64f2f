"""Drift detection: the FNV-1a hash, the state table and the no-op fast path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import inline_sync
from inline_sync.definitions import parse_definitions
from inline_sync.names import ignore_filter
from inline_sync.state import STATE_TABLE, definitions_hash, fnv1a_64

SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT);
CREATE INDEX users_by_name ON users(name);
CREATE VIEW named AS SELECT * FROM users WHERE name IS NOT NULL;
"""


# ---------------------------------------------------------------------------------- FNV-1a
@pytest.mark.parametrize(
    ("data", "expected"),
    [  # the published FNV-1a 64-bit test vectors
        (b"", 0xCBF29CE484222325),
        (b"a", 0xAF63DC4C8601EC8C),
        (b"b", 0xAF63DF4C8601F1A5),
        (b"foobar", 0x85944171F73967E8),
        (b"chongo was here!\n", 0x46810940EFF5F915),
    ],
)
def test_fnv1a_64_published_vectors(data: bytes, expected: int) -> None:
    assert fnv1a_64(data) == expected


@given(st.binary(max_size=512))
def test_fnv1a_64_matches_reference_implementation(data: bytes) -> None:
    import fnvhash  # a pure-Python FNV implementation from PyPI, used only here

    assert fnv1a_64(data) == fnvhash.fnv1a_64(data)


def digest(sql: str, ignore: tuple[str, ...] = ()) -> str:
    skip = ignore_filter(ignore)
    return definitions_hash((sql,), parse_definitions(sql, skip), skip)


def test_hash_ignores_cosmetics_but_not_literals_or_options() -> None:
    base = digest("CREATE TABLE t (a TEXT DEFAULT 'x', b INTEGER);")
    assert digest("CREATE   TABLE \"t\" (\n  a TEXT DEFAULT 'x', -- note\n  [b] INTEGER);") == base
    # Case counts: a column's is its name in results (SELECT *), and the diff compares it.
    assert digest("create table t (a text default 'x', b integer);") != base
    # A double-quoted word may be text to SQLite (CHECK (a <> "X")): its case counts.
    assert digest('CREATE TABLE t (a TEXT CHECK (a <> "X"));') != digest(
        'CREATE TABLE t (a TEXT CHECK (a <> "x"));'
    )
    assert digest("CREATE TABLE t (a TEXT DEFAULT 'y', b INTEGER);") != base
    assert digest("CREATE TABLE t (a TEXT DEFAULT 'x', b INTEGER);", ("legacy_*",)) != base


# ------------------------------------------------------------------------------- fast path
@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    c = sqlite3.connect(tmp_path / "app.db", isolation_level=None)
    c.execute("PRAGMA foreign_keys = ON")
    return c


def traced(conn: sqlite3.Connection) -> list[str]:
    """The statements the connection runs from now on (SQLite's own nested ones left out, and
    the read of the connection's busy timeout, which touches no database page: the state read
    waits for another connection's lock no longer than wait_timeout)."""
    seen: list[str] = []

    def trace(sql: str) -> None:
        if not sql.startswith("--") and sql != "PRAGMA busy_timeout":
            seen.append(sql)

    conn.set_trace_callback(trace)
    return seen


def test_second_sync_reads_one_row_and_nothing_else(conn: sqlite3.Connection) -> None:
    assert inline_sync.sync(conn, SCHEMA).status == "synced"
    seen = traced(conn)
    result = inline_sync.sync(conn, SCHEMA)
    assert result.status == "up-to-date"
    assert len(seen) == 1 and STATE_TABLE in seen[0], seen
    assert result.statements == ()


def test_fast_path_sets_no_setting_when_the_callers_timeout_ends_first(
    conn: sqlite3.Connection,
) -> None:
    # The start-up cost: one read of the busy timeout (no database page) and the state row;
    # nothing is set or restored unless the caller would wait longer than wait_timeout.
    inline_sync.sync(conn, SCHEMA)
    seen: list[str] = []
    conn.set_trace_callback(lambda sql: seen.append(sql) if not sql.startswith("--") else None)
    assert inline_sync.sync(conn, SCHEMA).status == "up-to-date"  # the caller's 5 s < 60 s
    assert seen[0] == "PRAGMA busy_timeout" and len(seen) == 2 and STATE_TABLE in seen[1], seen
    seen.clear()
    conn.execute("PRAGMA busy_timeout = 120000")
    seen.clear()
    assert inline_sync.sync(conn, SCHEMA, wait_timeout=60).status == "up-to-date"
    assert seen[1].startswith("PRAGMA busy_timeout = ") and int(seen[1].split()[-1]) <= 60000
    assert seen[-1] == "PRAGMA busy_timeout = 120000" and len(seen) == 4, seen
    conn.set_trace_callback(None)
    assert conn.execute("PRAGMA busy_timeout").fetchone() == (120000,)


def test_cosmetic_edit_of_definitions_stays_on_the_fast_path(conn: sqlite3.Connection) -> None:
    inline_sync.sync(conn, SCHEMA)
    seen = traced(conn)
    edited = "-- reformatted\n" + SCHEMA.replace("FROM users", 'FROM "users"').replace(
        "(id INTEGER", "(\n  id  INTEGER"
    )
    assert inline_sync.sync(conn, edited).status == "up-to-date"
    assert len(seen) == 1


def test_schema_changed_behind_our_back_is_noticed(conn: sqlite3.Connection) -> None:
    inline_sync.sync(conn, SCHEMA)
    conn.execute("DROP INDEX users_by_name")
    result = inline_sync.sync(conn, SCHEMA)
    assert result.status == "synced"
    assert result.statements == ("CREATE INDEX main.users_by_name ON users(name)",)
    assert inline_sync.sync(conn, SCHEMA).status == "up-to-date"


def test_force_skips_the_fast_path(conn: sqlite3.Connection) -> None:
    inline_sync.sync(conn, SCHEMA)
    seen = traced(conn)
    result = inline_sync.sync(conn, SCHEMA, force=True)
    assert result.status == "up-to-date"
    assert len(seen) > 1


def test_failed_sync_stores_nothing_so_the_next_start_tries_again(
    conn: sqlite3.Connection,
) -> None:
    inline_sync.sync(conn, SCHEMA)
    before = conn.execute(f"SELECT * FROM {STATE_TABLE}").fetchall()
    conn.execute("INSERT INTO users (email, name) VALUES ('a@x', 'same'), ('b@x', 'same')")
    broken = SCHEMA + "CREATE UNIQUE INDEX users_unique_name ON users(name);"
    with pytest.raises(inline_sync.ApplyError):
        inline_sync.sync(conn, broken)
    assert conn.execute(f"SELECT * FROM {STATE_TABLE}").fetchall() == before
    conn.execute("UPDATE users SET name = 'other' WHERE email = 'b@x'")
    assert inline_sync.sync(conn, broken).status == "synced"


def test_dry_run_and_plan_write_no_state(conn: sqlite3.Connection) -> None:
    assert inline_sync.sync(conn, SCHEMA, dry_run=True).status == "changes-needed"
    inline_sync.plan(conn, SCHEMA)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    assert STATE_TABLE not in tables


def test_state_table_is_reserved_and_never_diffed(conn: sqlite3.Connection) -> None:
    inline_sync.sync(conn, SCHEMA)
    with pytest.raises(inline_sync.DefinitionError, match="reserved"):
        inline_sync.sync(conn, SCHEMA + f"CREATE TABLE {STATE_TABLE} (x);")
    plan = inline_sync.plan(conn, SCHEMA)
    assert plan.status == "up-to-date"
    assert all(STATE_TABLE not in s for s in plan.statements)


def test_definitions_are_hashed_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from inline_sync import state

    calls: list[int] = []
    real = state.fnv1a_64
    monkeypatch.setattr(state, "fnv1a_64", lambda data: calls.append(1) or real(data))
    state._HASHES.clear()
    state._TEXT_HASHES.clear()
    sql = SCHEMA + "CREATE TABLE once_only (x);"
    for _ in range(3):
        c = sqlite3.connect(":memory:", isolation_level=None)
        inline_sync.sync(c, sql)
        inline_sync.sync(c, sql)
    assert len(calls) == 2  # once the exact text, once the tokens


def test_unchanged_text_is_recognised_without_tokenizing(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh process (caches empty) finds the exact text's hash in the state row."""
    from inline_sync import definitions, engine, state, tokenizer

    assert inline_sync.sync(conn, SCHEMA).status == "synced"
    for cache in (engine._KNOWN_TEXTS, state._TEXT_HASHES, state._HASHES, definitions._CACHE):
        cache.clear()

    def refuse(sql: str) -> list[tokenizer.Token]:
        raise AssertionError("tokenized")

    monkeypatch.setattr(tokenizer, "tokenize", refuse)
    seen = traced(conn)
    assert inline_sync.sync(conn, SCHEMA).status == "up-to-date"
    assert len(seen) == 1 and STATE_TABLE in seen[0], seen


def test_cosmetic_edit_is_recognised_by_tokens_without_writing(conn: sqlite3.Connection) -> None:
    inline_sync.sync(conn, SCHEMA)
    before = conn.execute(f"SELECT * FROM {STATE_TABLE}").fetchall()
    assert inline_sync.sync(conn, SCHEMA + "\n-- a comment").status == "up-to-date"
    assert conn.execute(f"SELECT * FROM {STATE_TABLE}").fetchall() == before


def test_forced_sync_that_finds_nothing_leaves_the_state_row_alone(
    conn: sqlite3.Connection,
) -> None:
    inline_sync.sync(conn, SCHEMA)
    changes = conn.total_changes
    seen = traced(conn)
    assert inline_sync.sync(conn, SCHEMA, force=True).status == "up-to-date"
    assert conn.total_changes == changes
    assert not [s for s in seen if s.upper().startswith(("INSERT", "CREATE TABLE IF"))], seen


def test_state_of_an_older_planner_is_planned_once_then_recognised(
    conn: sqlite3.Connection,
) -> None:
    from inline_sync import engine

    inline_sync.sync(conn, SCHEMA)
    conn.execute(f"UPDATE {STATE_TABLE} SET definitions_hash = '0123456789abcdef'")
    seen = traced(conn)
    assert inline_sync.sync(conn, SCHEMA).status == "up-to-date"  # planned in full: no change
    assert len(seen) > 1
    engine._KNOWN_TEXTS.clear()
    seen.clear()
    assert inline_sync.sync(conn, SCHEMA).status == "up-to-date"
    assert len(seen) == 1


def test_ignore_may_be_a_one_shot_iterator(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE legacy_x (a)")
    result = inline_sync.sync(conn, SCHEMA, ignore=iter(["legacy_*"]))
    assert result.status == "synced"
    assert conn.execute("SELECT count(*) FROM legacy_x").fetchone() == (0,)
    assert inline_sync.sync(conn, SCHEMA, ignore=iter(["legacy_*"])).status == "up-to-date"
