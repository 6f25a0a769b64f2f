"""``fleet.sync_many`` database by database: what each database runs, what it records, and
that an up-to-date database is recognised without taking its write lock (issue 12: the cost
of a database synced with a reused plan is the cost of its change, plus a handful of reads)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import inline_sync
from inline_sync import fleet
from inline_sync.state import STATE_TABLE

V1 = (
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n"
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));\n"
)
V2 = V1.replace("email TEXT NOT NULL", "email TEXT NOT NULL, age INTEGER NOT NULL DEFAULT 0") + (
    "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);\n"
)


def _tenants(tmp_path: Path, count: int, schema: str = V1) -> list[Path]:
    paths = []
    for i in range(count):
        path = tmp_path / f"t{i}.db"
        conn = sqlite3.connect(path, isolation_level=None)
        inline_sync.sync(conn, schema)
        conn.execute("INSERT INTO users (email) VALUES ('a@x')")
        conn.close()
        paths.append(path)
    return paths


def _traced(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Every statement each database's connection runs, by path."""
    seen: dict[str, list[str]] = {}
    opened = fleet._open

    def tracing(path: str, timeout: float, **kwargs: Any) -> Any:
        conn = opened(path, timeout, **kwargs)
        ran = seen.setdefault(path, [])
        # (Not the statements SQLite runs inside one: "-- PRAGMA schema_version" in the state
        # row's fingerprint.)
        conn.set_trace_callback(lambda sql: None if sql.startswith("--") else ran.append(sql))
        return conn

    monkeypatch.setattr(fleet, "_open", tracing)
    return seen


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Another connection holds the write lock of ``path`` meanwhile."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def _state_row(path: Path) -> tuple[Any, ...]:
    conn = sqlite3.connect(path)
    try:
        return tuple(conn.execute(f"SELECT definitions_hash FROM {STATE_TABLE}").fetchone())
    finally:
        conn.close()


@pytest.mark.parametrize("ignore", [(), ("audit_*",)])
def test_a_reused_plan_records_the_state_sync_records(
    tmp_path: Path, ignore: tuple[str, ...]
) -> None:
    """Both hashes, as sync() writes them: the next start-up knows the text without tokenizing."""
    paths = _tenants(tmp_path, 3)
    result = fleet.sync_many(paths, V2, ignore=ignore)
    assert [r.reused for r in result.results] == [False, True, True]
    alone = tmp_path / "alone.db"
    conn = sqlite3.connect(alone, isolation_level=None)
    inline_sync.sync(conn, V2, ignore=ignore)
    conn.close()
    assert {_state_row(p) for p in paths} == {_state_row(alone)}
    again = fleet.sync_many(paths, V2, ignore=ignore)
    assert [r.status for r in again.results] == ["up-to-date"] * 3


def test_up_to_date_databases_are_read_without_the_write_lock(tmp_path: Path) -> None:
    """Databases synced by sync() (or sync_many) are recognised from the state row and the
    schema cookie alone, also while another connection holds the write lock."""
    paths = _tenants(tmp_path, 2, V2)
    with _writing(paths[1]):
        result = fleet.sync_many(paths, V2, wait_timeout=0.2)
    assert [r.status for r in result.results] == ["up-to-date"] * 2, result.failed


def test_what_each_database_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database synced with a reused plan runs the plan's statements and eight others; an
    up-to-date one runs two reads."""
    paths = _tenants(tmp_path, 3)
    seen = _traced(monkeypatch)
    result = fleet.sync_many(paths, V2)
    assert [r.reused for r in result.results] == [False, True, True]
    steps = list(result.results[1].statements)
    assert len(steps) == 2  # ADD COLUMN, CREATE TABLE
    for path in map(str, paths[1:]):
        # (Unless time went by waiting: then the busy timeout is cut to what is left.)
        ran = [sql for sql in seen[path] if not sql.startswith("PRAGMA busy_timeout")]
        assert ran[0].startswith(f"SELECT definitions_hash, fingerprint FROM main.{STATE_TABLE}")
        assert ran[1:3] == ["PRAGMA foreign_keys = OFF", "BEGIN IMMEDIATE"]
        assert ran[3].startswith("SELECT sql FROM main.sqlite_master")  # the schema, under lock
        assert ran[4] == 'SELECT 1 FROM main."users" LIMIT 1'  # the answer ADD COLUMN needs
        assert ran[5:7] == steps
        assert ran[7] == "PRAGMA schema_version"  # the cookie the state row records
        assert ran[8].startswith(f"INSERT OR REPLACE INTO main.{STATE_TABLE}")
        assert ran[9:] == ["COMMIT"]
    seen.clear()
    again = fleet.sync_many(paths, V2)
    assert again.count("up-to-date") == 3
    for path in map(str, paths):
        assert len(seen[path]) == 2 and seen[path][1] == "PRAGMA schema_version"


def test_a_damaged_state_table_is_made_anew_with_a_reused_plan(tmp_path: Path) -> None:
    """The state table's entry is part of the schema a plan is reused for: the same damage
    gets the same repair on every database."""
    paths = _tenants(tmp_path, 3)
    for path in paths:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute(f"ALTER TABLE {STATE_TABLE} RENAME COLUMN synced_at TO at")
        conn.close()
    result = fleet.sync_many(paths, V2)
    assert [r.reused for r in result.results] == [False, True, True] and result.ok
    assert len({_state_row(p) for p in paths}) == 1
    assert fleet.sync_many(paths, V2).count("up-to-date") == 3


@pytest.mark.parametrize("locked", [0, 2])  # planned afresh / with the plan made for t0
def test_a_locked_database_is_a_database_locked_error(tmp_path: Path, locked: int) -> None:
    """The same failure reads the same whether the database's plan is made or reused: the
    library's DatabaseLockedError, as sync() raises it; the others are synced."""
    paths = _tenants(tmp_path, 3)
    with _writing(paths[locked]):
        result = fleet.sync_many(paths, V2, wait_timeout=0.1)
    failed = result.results[locked]
    assert [r.status == "failed" for r in result.results] == [i == locked for i in range(3)]
    assert failed.error_type == "DatabaseLockedError", failed
    assert "stayed locked" in failed.error and "nothing was changed" in failed.error
    assert "age" not in {row[1] for row in sqlite3.connect(paths[locked]).execute(
        "PRAGMA table_info(users)")}  # fmt: skip


def test_one_bound_on_the_waits_of_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database whose schema no plan was made for is looked at under the write lock, then
    planned by sync(): sync() gets what is left of wait_timeout, not all of it again."""
    paths = _tenants(tmp_path, 2)
    odd = sqlite3.connect(paths[1], isolation_level=None)
    odd.execute("CREATE INDEX users_by_email ON users(email)")  # another schema
    odd.close()
    waits: list[float] = []
    from inline_sync.engine import sync as real

    def sync(*args: Any, wait_timeout: float, **kwargs: Any) -> Any:
        waits.append(wait_timeout)
        return real(*args, wait_timeout=wait_timeout, **kwargs)

    monkeypatch.setattr(fleet, "sync", sync)
    result = fleet.sync_many(paths, V2, wait_timeout=30.0)
    assert result.ok and result.plans == 2 and len(waits) == 2
    assert all(0 < w <= 30.0 for w in waits) and waits[1] < 30.0


def test_the_waits_of_a_reused_plan_end_at_one_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Time that goes by (a clock that moves a second each time it is read) shortens what each
    later wait may last: before BEGIN IMMEDIATE, and before the plan and the COMMIT."""
    paths = _tenants(tmp_path, 2)
    seen = _traced(monkeypatch)

    class Clock:
        now = 0.0
        perf_counter = staticmethod(time.perf_counter)

        def monotonic(self) -> float:
            self.now += 1.0
            return self.now

    monkeypatch.setattr(fleet, "time", Clock())
    result = fleet.sync_many(paths, V2, wait_timeout=10.0)
    assert result.ok and [r.reused for r in result.results] == [False, True]
    ran = seen[str(paths[1])]
    cuts = [sql for sql in ran if sql.startswith("PRAGMA busy_timeout")]
    assert cuts == ["PRAGMA busy_timeout = 9000", "PRAGMA busy_timeout = 8000"]
    assert ran.index(cuts[0]) == ran.index("BEGIN IMMEDIATE") - 1
    assert ran.index(cuts[1]) == ran.index(result.results[1].statements[0]) - 1
