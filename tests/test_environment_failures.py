"""Environment failures are StorageError (DatabaseLockedError for a lock held past
``wait_timeout``), never raw driver exceptions and never DefinitionError; the database is
unchanged afterwards, and no scratch object remains. A damaged state table is repaired."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import apsw
import pytest
from fake_durable_object import FakeStorage
from hostile import assert_no_scratch, digest, rows

import inline_sync
from inline_sync import DatabaseLockedError, DefinitionError, StorageError
from inline_sync.cli import main
from inline_sync.clients import APSWClient, SQLite3Client

V1 = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE INDEX t_a ON t(a);"
V2 = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INT); CREATE INDEX t_a ON t(a);"


def _make(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    inline_sync.sync(conn, V1)
    conn.executemany("INSERT INTO t (a) VALUES (?)", [(f"r{i}",) for i in range(50)])
    conn.close()


def _open(kind: str, path: Path, *, readonly: bool = False) -> Any:
    if kind == "apsw":
        flags = apsw.SQLITE_OPEN_READONLY if readonly else apsw.SQLITE_OPEN_READWRITE
        return apsw.Connection(str(path), flags=flags)
    if readonly:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    return sqlite3.connect(path, isolation_level=None)


KINDS = ["sqlite3", "apsw"]


# ------------------------------------------------------------------- read-only connections
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", ["mode=ro", "query_only"])
def test_read_only_connection(kind: str, how: str, tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    _make(path)
    before = digest(str(path))
    conn = _open(kind, path, readonly=how == "mode=ro")
    if how == "query_only":
        conn.execute("PRAGMA query_only = 1")

    # plan() and dry runs need no writes to the database: "auto" finds a scratch space.
    planned = inline_sync.plan(conn, V2)
    assert planned.status == "changes-needed"
    assert inline_sync.sync(conn, V2, dry_run=True).plan.statements == planned.statements
    for strategy in ("auto", "scratch-db", "prefix"):
        with pytest.raises(StorageError) as info:
            inline_sync.sync(conn, V2, scratch_schema=strategy)
        assert not isinstance(info.value, DefinitionError)
        assert info.value.code == "SQLITE_READONLY"
        assert "nothing was changed" in str(info.value)
    with pytest.raises(StorageError):
        inline_sync.plan(conn, V2, scratch_schema="prefix")  # needs writes to main
    if how == "query_only":
        assert rows(conn, "PRAGMA query_only") == [(1,)]
    assert_no_scratch(conn)
    conn.close()
    assert digest(str(path)) == before


# ----------------------------------------------------------------------- locked databases
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("entry", ["sync", "plan", "dry-run", "fast-path"])
def test_a_database_locked_elsewhere_is_bounded_by_wait_timeout(
    kind: str, entry: str, tmp_path: Path
) -> None:
    path = tmp_path / "t.db"
    _make(path)
    conn = _open(kind, path)
    if entry == "fast-path":
        inline_sync.sync(conn, V2)  # this process now knows the digest: the next is one read
    before = digest(str(path))
    conn.execute("PRAGMA busy_timeout = 30000")  # the caller's own, much longer, timeout
    # The same library holds the lock: apsw brings its own SQLite, and POSIX locks taken by one
    # library in this process are invisible to the other.
    holder = _open(kind, path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseLockedError) as info:
            if entry == "plan":
                inline_sync.plan(conn, V2, wait_timeout=0.2)
            else:
                inline_sync.sync(conn, V2, dry_run=entry == "dry-run", wait_timeout=0.2)
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert waited < 15  # the caller's 30 s did not apply (a bound, not a speed check)
    assert info.value.code == "SQLITE_BUSY"
    assert "nothing was changed" in str(info.value)
    assert rows(conn, "PRAGMA busy_timeout") == [(30000,)]
    assert_no_scratch(conn)
    assert digest(str(path)) == before
    conn.close()


def test_wait_timeout_waits_for_a_lock_that_is_released(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    _make(path)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.3, holder.rollback)
    release.start()
    conn = sqlite3.connect(path, isolation_level=None, timeout=0)
    assert inline_sync.sync(conn, V2, wait_timeout=float("inf")).status == "synced"
    release.join()
    assert rows(conn, "PRAGMA busy_timeout") == [(0,)]


# --------------------------------------------------------------- a damaged state table
DAMAGE = {
    "column dropped": "ALTER TABLE _inline_sync_state DROP COLUMN fingerprint",
    "column renamed": "ALTER TABLE _inline_sync_state RENAME COLUMN definitions_hash TO h",
    "garbage values": "UPDATE _inline_sync_state SET definitions_hash = x'00ff', fingerprint = 7",
    "no row": "DELETE FROM _inline_sync_state",
    "extra rows": "DROP TABLE _inline_sync_state; CREATE TABLE _inline_sync_state (id, "
    "definitions_hash, fingerprint, synced_at); INSERT INTO _inline_sync_state VALUES "
    "(1, NULL, NULL, NULL), (2, 'x', 'y', 'z'), ('1', 'a', 'b', 'c');",
    "a view": "DROP TABLE _inline_sync_state; CREATE VIEW _inline_sync_state AS SELECT 1 AS id",
    "no columns we know": "DROP TABLE _inline_sync_state; CREATE TABLE _inline_sync_state (x)",
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("kind", [*KINDS, "durable-object"])
def test_a_damaged_state_table_is_repaired(kind: str, damage: str, tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    _make(path)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.executescript(DAMAGE[damage])
    raw.close()
    conn: Any = FakeStorage(sqlite3.connect(path, isolation_level=None))
    if kind != "durable-object":
        conn = _open(kind, path)
    assert inline_sync.sync(conn, V2).status == "synced"
    assert inline_sync.sync(conn, V2).status == "up-to-date"
    assert inline_sync.sync(conn, V2, force=True).status == "up-to-date"
    check = sqlite3.connect(path)
    assert check.execute("SELECT count(*) FROM _inline_sync_state").fetchone() == (1,)
    assert check.execute("SELECT a FROM t WHERE id = 1").fetchone() == ("r0",)
    check.close()


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_state_table_is_repaired_on_d1(damage: str, tmp_path: Path) -> None:
    import asyncio

    from fake_d1 import FakeD1

    from inline_sync.d1 import sync_async

    path = tmp_path / "t.db"
    _make(path)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.executescript(DAMAGE[damage])
    raw.close()
    d1 = FakeD1(str(path))
    assert asyncio.run(sync_async(d1, V2)).status == "synced"
    assert asyncio.run(sync_async(d1, V2)).status == "up-to-date"
    assert asyncio.run(sync_async(d1, V2, force=True)).status == "up-to-date"
    d1.conn.close()
    check = sqlite3.connect(path)
    assert check.execute("SELECT count(*) FROM _inline_sync_state").fetchone() == (1,)
    assert check.execute("SELECT a FROM t WHERE id = 1").fetchone() == ("r0",)
    check.close()


# ------------------------------------------------------ disk full where the state row is written
def _filling_before(base: type, needle: str) -> type:
    class Filling(base):  # type: ignore[misc, valid-type]
        """Makes the disk full (max_page_count = page_count) just before the first statement
        that contains ``needle``."""

        hit = False

        def execute(self, sql: str, params: Any = ()) -> None:
            if needle in sql and not self.hit:
                self.hit = True
                pages = super().query("PRAGMA main.page_count")[0][0]
                super().execute(f"PRAGMA main.max_page_count = {pages}")
            super().execute(sql, params)

    return Filling


@pytest.mark.parametrize("kind", KINDS)
def test_disk_full_when_the_state_table_is_created(kind: str, tmp_path: Path) -> None:
    # The schema is already there (made by hand), so the sync's only write is the state table,
    # whose first page is past the limit: the free list is empty after VACUUM.
    path = tmp_path / "t.db"
    raw = sqlite3.connect(path, isolation_level=None)
    raw.executescript(V1 + "INSERT INTO t (a) VALUES ('kept'); VACUUM;")
    raw.close()
    before = digest(str(path))
    conn = _open(kind, path)
    base = APSWClient if kind == "apsw" else SQLite3Client
    client = _filling_before(base, "CREATE TABLE main._inline_sync_state")(conn)
    with pytest.raises(StorageError) as info:
        inline_sync.sync(client, V1, scratch_schema="scratch-db")
    assert client.hit
    assert info.value.code == "SQLITE_FULL"
    assert "nothing was changed" in str(info.value)
    assert not client.in_transaction()
    assert_no_scratch(conn)
    conn.close()
    assert digest(str(path)) == before


# ------------------------------------------------------------------------------- the CLI
def _cli_files(tmp_path: Path) -> tuple[Path, Path, str]:
    """A V1 database with rows, a schema file declaring V2, and the database's digest."""
    path = tmp_path / "t.db"
    _make(path)
    schema = tmp_path / "schema.sql"
    schema.write_text(V2)
    return path, schema, digest(str(path))


def _read_only_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the CLI open files as SQLite opens a file it may not write (a read-only file or
    file system: SQLite falls back to read-only without a word), even when run as root."""
    from inline_sync import cli

    opened = cli.open_database

    def read_only(path: str, *, create: bool, writable: bool, timeout: float) -> Any:
        conn = opened(path, create=create, writable=False, timeout=timeout)
        return conn

    monkeypatch.setattr(cli, "open_database", read_only)


@pytest.mark.parametrize("command", ["plan", "sync"])
@pytest.mark.parametrize("strategy", ["prefix", "scratch-db", "auto"])
def test_cli_on_a_read_only_file(
    command: str,
    strategy: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, schema, before = _cli_files(tmp_path)
    _read_only_file(monkeypatch)
    args = [command, str(path), str(schema), "--scratch-schema", strategy, "--json"]
    code = main([*args, "--yes"] if command == "sync" else args)
    out = capsys.readouterr().out
    if command == "plan" and strategy != "prefix":  # planning needs no writes
        assert code == 0, out
    else:  # 5, not 4: the definitions are fine
        error = json.loads(out)["error"]
        assert code == 5 and error["exit_code"] == 5
        assert error["type"] == "StorageError"
        assert error["sqlite_code"] == "SQLITE_READONLY"
        assert "nothing was changed" in error["message"]
    assert digest(str(path)) == before


def test_cli_reports_a_lock_held_past_wait_timeout_as_exit_5(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, schema, before = _cli_files(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        args = ["sync", str(path), str(schema), "--yes", "--wait-timeout", "0.1", "--json"]
        code = main(args)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    error = json.loads(capsys.readouterr().out)["error"]
    assert code == 5 and error["type"] == "DatabaseLockedError"
    assert error["sqlite_code"] == "SQLITE_BUSY"
    assert digest(str(path)) == before


def test_a_reader_that_keeps_commit_waiting_is_bounded_too(tmp_path: Path) -> None:
    # Rollback journal: COMMIT needs every reader gone. A reader that stays past wait_timeout
    # makes COMMIT fail; the sync's transaction is rolled back, not left open.
    path = tmp_path / "t.db"
    _make(path)
    before = digest(str(path))
    conn = sqlite3.connect(path, isolation_level=None)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    try:
        with pytest.raises(DatabaseLockedError) as info:
            inline_sync.sync(conn, V2, wait_timeout=0.2)
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert "nothing was changed" in str(info.value)
    assert not conn.in_transaction
    assert_no_scratch(conn)
    assert digest(str(path)) == before
    assert inline_sync.sync(conn, V2).status == "synced"
    conn.close()


def test_disk_full_on_d1_is_a_storage_error(tmp_path: Path) -> None:
    import asyncio

    from fake_d1 import FakeD1

    from inline_sync.d1 import plan_async, sync_async

    path = tmp_path / "t.db"
    _make(path)
    d1 = FakeD1(str(path))
    d1.conn.execute("VACUUM")  # no free page left to reuse
    pages = d1.conn.execute("PRAGMA page_count").fetchone()[0]
    d1.conn.execute(f"PRAGMA max_page_count = {pages}")
    before = digest(str(path))
    for call in (sync_async, plan_async):
        with pytest.raises(StorageError) as info:
            asyncio.run(call(d1, V2 + "CREATE TABLE more (x);"))
        assert info.value.code == "SQLITE_FULL"
        assert "nothing was changed" in str(info.value)
    d1.conn.close()
    assert digest(str(path)) == before
