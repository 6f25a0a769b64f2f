"""Many processes starting at once on one database file, and a process killed mid-sync."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import inline_sync

ROOT = Path(__file__).resolve().parent.parent

SCHEMA = "\n".join(
    f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);\n"
    f"CREATE INDEX t{i}_name ON t{i}(name);"
    for i in range(30)
)


def _start(path: str, barrier: object, results: object) -> None:
    conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    barrier.wait()  # type: ignore[attr-defined]
    try:
        status = inline_sync.sync(conn, SCHEMA, wait_timeout=60).status
    except Exception as exc:  # reported to the parent, which fails the test
        status = f"error: {type(exc).__name__}: {exc}"
    results.put(status)  # type: ignore[attr-defined]


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_eight_processes_start_together_and_exactly_one_syncs(tmp_path: Path, journal: str) -> None:
    path = str(tmp_path / "shared.db")
    sqlite3.connect(path).execute(f"PRAGMA journal_mode = {journal}").fetchall()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(8)
    results = ctx.Queue()
    procs = [ctx.Process(target=_start, args=(path, barrier, results)) for _ in range(8)]
    for p in procs:
        p.start()
    statuses = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert statuses.count("synced") == 1, statuses
    assert all(s in ("synced", "synced-by-peer", "up-to-date") for s in statuses), statuses
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {f"t{i}" for i in range(30)} <= tables
    assert inline_sync.plan(conn, SCHEMA).status == "up-to-date"


def test_a_locked_database_gives_a_clear_error_after_wait_timeout(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (a)")
    holder.execute("BEGIN IMMEDIATE")
    conn = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    started = time.monotonic()
    with pytest.raises(inline_sync.SyncError, match="stayed locked"):
        inline_sync.sync(conn, "CREATE TABLE t (a, b);", wait_timeout=0.3)
    assert time.monotonic() - started < 10
    holder.execute("ROLLBACK")
    assert conn.execute("SELECT sql FROM sqlite_master").fetchall() == [("CREATE TABLE t (a)",)]
    assert conn.execute("PRAGMA busy_timeout").fetchone() == (100,)


V1 = "CREATE TABLE big (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);"
V2 = "CREATE TABLE big (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, b INTEGER, c TEXT);"

KILLED_CHILD = textwrap.dedent(
    """
    import sqlite3, sys, time
    import inline_sync
    path, marker = sys.argv[1], sys.argv[2]
    conn = sqlite3.connect(path, isolation_level=None)

    def trace(sql):
        if sql.startswith('INSERT OR ABORT INTO main."big"'):  # the rebuild's copy: mid-apply
            open(marker, "w").close()
            time.sleep(60)

    conn.set_trace_callback(trace)
    inline_sync.sync(conn, sys.argv[3])
    """
)


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_sigkill_in_the_middle_of_applying_leaves_everything_intact(
    tmp_path: Path, journal: str
) -> None:
    path = tmp_path / "victim.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    inline_sync.sync(conn, V1)
    conn.execute(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000) "
        "INSERT INTO big (id, a, b) SELECT x, 'row ' || x, x FROM n"
    )
    before = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    checksum = conn.execute("SELECT count(*), sum(b), group_concat(a) FROM big").fetchone()
    conn.close()

    marker = tmp_path / "mid-apply"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_CHILD, str(path), str(marker), V2], env=env
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None, "the child finished before reaching the copy step"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()

    conn = sqlite3.connect(path, isolation_level=None)
    after = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    assert after == before
    assert conn.execute("SELECT count(*), sum(b), group_concat(a) FROM big").fetchone() == (
        checksum
    )
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    result = inline_sync.sync(conn, V2)
    assert result.status == "synced"
    assert conn.execute("SELECT count(*) FROM big").fetchone() == (20000,)
    assert inline_sync.sync(conn, V2).status == "up-to-date"
