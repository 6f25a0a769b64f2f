"""Fault injection over whole syncs: a disk that fills up (``max_page_count``) before each
statement of a rebuild, and a file-size limit (``RLIMIT_FSIZE``) swept in a child process, in
both journal modes. Every point ends in success or a StorageError; afterwards ``PRAGMA
integrity_check`` is ok, and a failed sync left the database exactly as it was, with no scratch
object and no transaction open."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import apsw
import pytest
from fake_durable_object import FakeStorage
from hostile import assert_no_scratch, digest, rows

import inline_sync
from inline_sync import StorageError
from inline_sync.clients import APSWClient, DurableObjectClient, SQLite3Client

V1 = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER);
CREATE INDEX t_a ON t(a);
CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id), note TEXT);
CREATE VIEW tv AS SELECT id, a FROM t;
"""
# t is rebuilt (COLLATE and a new NOT NULL column with a default), with its index, view and a
# new trigger; u gains a column; a new table and index appear.
V2 = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, n INTEGER, k TEXT NOT NULL
    DEFAULT 'k');
CREATE INDEX t_a ON t(a, n);
CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id), note TEXT, extra BLOB);
CREATE VIEW tv AS SELECT id, a, k FROM t;
CREATE TABLE w (id INTEGER PRIMARY KEY, body TEXT);
CREATE INDEX w_body ON w(body);
CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO w (body) VALUES (new.a); END;
"""


def _template(tmp_path: Path, journal: str) -> Path:
    path = tmp_path / f"template-{journal}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    inline_sync.sync(conn, V1)
    conn.executemany(
        "INSERT INTO t (a, n) VALUES (?, ?)", [(f"row {i} " + "x" * 150, i) for i in range(400)]
    )
    conn.executemany(
        "INSERT INTO u (t_id, note) VALUES (?, ?)", [(i % 400 + 1, "y" * 80) for i in range(300)]
    )
    conn.close()
    return path


def _copy(template: Path, to: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{template}{suffix}").exists():
            shutil.copyfile(f"{template}{suffix}", f"{to}{suffix}")
    return to


def _injecting(base: type) -> type:
    class Injecting(base):  # type: ignore[misc, valid-type]
        """Fills the disk (max_page_count = page_count) before the n-th statement inline_sync
        runs inside its transaction."""

        def __init__(self, conn: Any, at: int) -> None:
            super().__init__(conn)
            self.at, self.seen, self.hit = at, -1, False

        def transaction(self, fn: Any, *, immediate: bool = False) -> Any:
            self.seen = 0
            try:
                return super().transaction(fn, immediate=immediate)
            finally:
                self.seen = -1

        def execute(self, sql: str, params: Any = ()) -> None:
            if self.seen >= 0:
                if self.seen == self.at:
                    pages = super().query("PRAGMA main.page_count")[0][0]
                    super().execute(f"PRAGMA main.max_page_count = {pages}")
                    self.hit = True
                self.seen += 1
            super().execute(sql, params)

    return Injecting


CLIENTS = {"sqlite3": SQLite3Client, "apsw": APSWClient, "durable-object": DurableObjectClient}


def _connect(kind: str, path: Path) -> Any:
    if kind == "apsw":
        return apsw.Connection(str(path))
    return sqlite3.connect(path, isolation_level=None if kind == "durable-object" else "")


@pytest.mark.parametrize("journal", ["delete", "wal"])
@pytest.mark.parametrize(
    ("kind", "strategy"),
    [("sqlite3", "scratch-db"), ("sqlite3", "prefix"), ("apsw", "scratch-db"),
     ("apsw", "prefix"), ("durable-object", "prefix")],
)  # fmt: skip
def test_disk_full_before_every_statement(
    kind: str, journal: str, strategy: str, tmp_path: Path
) -> None:
    template = _template(tmp_path, journal)
    before = digest(str(template))
    client_class = _injecting(CLIENTS[kind])
    failures = successes = 0
    at = 0
    while True:
        path = _copy(template, tmp_path / f"at{at}.db")
        conn = _connect(kind, path)
        client = client_class(FakeStorage(conn) if kind == "durable-object" else conn, at)
        try:
            inline_sync.sync(client, V2, scratch_schema=strategy)
            successes += 1
        except StorageError as exc:
            assert exc.code == "SQLITE_FULL", exc
            failures += 1
            assert not (conn.getautocommit() is False if kind == "apsw" else conn.in_transaction)
            assert_no_scratch(conn)
            conn.close()
            assert digest(str(path)) == before, f"changed after failing at statement {at}"
        else:
            conn.close()
        check = sqlite3.connect(path)
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        check.close()
        if not client.hit:
            break
        at += 1
    assert failures >= 5  # the disk filled up at many distinct points of the sync
    assert successes >= 1  # and once nothing was injected, the sync went through


FSIZE_CHILD = textwrap.dedent(
    """
    import json, resource, signal, sqlite3, sys
    import inline_sync
    from inline_sync.clients import APSWClient, SQLite3Client

    definitions, kind, strategy = sys.argv[2:5]
    if kind == "apsw":
        import apsw

        Base, errors, connect = APSWClient, apsw.Error, apsw.Connection
    else:
        Base, errors = SQLite3Client, sqlite3.Error
        connect = lambda path: sqlite3.connect(path, isolation_level=None)

    class Recording(Base):
        # Remembers the statement that was running when SQLite failed.

        failed_at = ""

        def execute(self, sql, params=()):
            try:
                super().execute(sql, params)
            except errors:
                self.failed_at = self.failed_at or sql.split()[0].upper()
                raise

        def query(self, sql, params=()):
            try:
                return super().query(sql, params)
            except errors:
                self.failed_at = self.failed_at or sql.split()[0].upper()
                raise
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    results = []
    for item in json.loads(sys.argv[1]):
        conn = connect(item["path"])
        client = Recording(conn)
        resource.setrlimit(resource.RLIMIT_FSIZE, (item["limit"], hard))
        try:
            inline_sync.sync(client, definitions, scratch_schema=strategy)
            results.append("synced")
        except inline_sync.StorageError as exc:
            left = "OPEN TRANSACTION " if client.in_transaction() else ""
            told = "" if "nothing was changed" in str(exc) else "SILENT "
            results.append(f"{left}{told}StorageError {exc.code} at {client.failed_at}")
        except BaseException as exc:
            results.append("OTHER " + repr(exc))
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
            conn.close()
    print(json.dumps(results))
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("journal", ["delete", "wal"])
@pytest.mark.parametrize(("kind", "strategy"), [("sqlite3", "auto"), ("apsw", "prefix")])
def test_file_size_limit_sweep_in_a_child_process(
    kind: str, strategy: str, journal: str, tmp_path: Path
) -> None:
    template = _template(tmp_path, journal)
    before = digest(str(template))
    size = template.stat().st_size
    limits = sorted({*range(0, 3 * size, max(4096, 3 * size // 40)), size, 10 * size})
    items = [
        {"path": str(_copy(template, tmp_path / f"limit{limit}.db")), "limit": limit}
        for limit in limits
    ]
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run(
        [sys.executable, "-c", FSIZE_CHILD, json.dumps(items), V2, kind, strategy],
        env=env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    results = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(results) == len(items)
    for item, result in zip(items, results, strict=True):
        assert result == "synced" or result.startswith("StorageError SQLITE_"), (item, result)
        check = sqlite3.connect(item["path"], isolation_level=None)
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",), item
        check.close()
        if result != "synced":
            assert digest(item["path"]) == before, item
        else:
            conn = sqlite3.connect(item["path"], isolation_level=None)
            assert inline_sync.sync(conn, V2).status == "up-to-date"
            assert rows(conn, "SELECT count(*) FROM t") == [(400,)]
            conn.close()
    assert results[-1] == "synced"  # ten times the size: room enough
    # Some limits are hit only when COMMIT writes the pages (or the WAL frames) out.
    assert any(r.endswith(" at COMMIT") for r in results), results
    assert sum(r != "synced" for r in results) >= 5
