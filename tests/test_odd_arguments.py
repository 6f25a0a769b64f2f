"""Odd arguments get a clear TypeError or ValueError (or a DefinitionError naming the statement
for text SQLite cannot take), before the database is touched; and the process-wide caches hold
up under threads."""

from __future__ import annotations

import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from hostile import assert_no_scratch, digest

import inline_sync
from inline_sync import DefinitionError


@pytest.fixture
def conn(tmp_path: Path) -> Any:
    c = sqlite3.connect(str(tmp_path / "t.db"), isolation_level=None)
    inline_sync.sync(c, "CREATE TABLE t (a TEXT);")
    c.execute("INSERT INTO t VALUES ('kept')")
    yield c
    c.close()


@pytest.mark.parametrize(
    "bad",
    [None, 5, 1.5, b"CREATE TABLE t (a TEXT);", bytearray(b"x"), [None], ["CREATE TABLE t (a);", 3],
     [b"CREATE TABLE t (a TEXT);"], {"t": "CREATE TABLE t (a TEXT);"}],
    ids=["None", "int", "float", "bytes", "bytearray", "list-None", "list-int", "list-bytes",
         "dict"],
)  # fmt: skip
@pytest.mark.parametrize("entry", ["sync", "plan", "dry-run"])
def test_definitions_of_the_wrong_type(conn: Any, tmp_path: Path, bad: Any, entry: str) -> None:
    before = digest(str(tmp_path / "t.db"))
    with pytest.raises(TypeError, match="definitions must be a string of SQL or an iterable"):
        if entry == "plan":
            inline_sync.plan(conn, bad)
        else:
            inline_sync.sync(conn, bad, dry_run=entry == "dry-run")
    assert digest(str(tmp_path / "t.db")) == before


@pytest.mark.parametrize("strategy", ["scratch-db", "prefix"])
@pytest.mark.parametrize("where", ["literal", "name", "comment"])
def test_text_that_cannot_be_encoded_names_the_statement(
    conn: Any, tmp_path: Path, strategy: str, where: str
) -> None:
    bad = {
        "literal": "CREATE TABLE u (a TEXT DEFAULT 'x\ud800y');",
        "name": 'CREATE TABLE "u\udcff" (a TEXT);',
        "comment": "CREATE TABLE u (a TEXT); -- \ud83d",
    }[where]
    before = digest(str(tmp_path / "t.db"))
    for call in (inline_sync.sync, inline_sync.plan):
        with pytest.raises(DefinitionError) as info:
            call(conn, ["CREATE TABLE t (a TEXT);", bad], scratch_schema=strategy)
        assert info.value.index == 2
        assert "UTF-8" in str(info.value)
    assert digest(str(tmp_path / "t.db")) == before
    assert_no_scratch(conn)


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({"wait_timeout": -1}, ValueError),
        ({"wait_timeout": float("nan")}, ValueError),
        ({"wait_timeout": "5"}, TypeError),
        ({"wait_timeout": None}, TypeError),
        ({"ignore": None}, TypeError),
        ({"ignore": 5}, TypeError),
        ({"ignore": [None]}, TypeError),
        ({"scratch_schema": "memory"}, ValueError),
        ({"progress": 5}, TypeError),
    ],
)
def test_odd_options(conn: Any, tmp_path: Path, kw: dict[str, Any], error: type) -> None:
    before = digest(str(tmp_path / "t.db"))
    with pytest.raises(error):
        inline_sync.sync(conn, "CREATE TABLE t (a TEXT, b);", **kw)
    assert digest(str(tmp_path / "t.db")) == before


def test_infinite_wait_timeout_works_and_restores_the_busy_timeout(conn: Any) -> None:
    conn.execute("PRAGMA busy_timeout = 4321")
    result = inline_sync.sync(conn, "CREATE TABLE t (a TEXT, b);", wait_timeout=float("inf"))
    assert result.status == "synced"
    assert inline_sync.plan(conn, "CREATE TABLE t (a);", wait_timeout=float("inf")).statements
    assert conn.execute("PRAGMA busy_timeout").fetchone() == (4321,)


def test_threads_syncing_different_schemas_share_the_caches_safely() -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(120):
                c = sqlite3.connect(":memory:", isolation_level=None)
                schema = f"CREATE TABLE t{n}_{i} (a TEXT); CREATE TABLE shared (x);"
                for _ in range(2):  # the second run takes the fast path through the caches
                    inline_sync.sync(c, schema, ignore=[f"skip{n}_{i % 7}"])
                assert inline_sync.sync(c, schema, ignore=[f"skip{n}_{i % 7}"]).status == (
                    "up-to-date"
                )
                c.close()
        except BaseException as exc:
            errors.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []


def closed_sqlite3() -> Any:
    c = sqlite3.connect(":memory:")
    c.close()
    return c


def closed_apsw() -> Any:
    import apsw

    c = apsw.Connection(":memory:")
    c.close()
    return c


@pytest.mark.parametrize("opener", [closed_sqlite3, closed_apsw], ids=["sqlite3", "apsw"])
@pytest.mark.parametrize("entry", ["sync", "plan", "dry run"])
def test_a_closed_connection_is_a_clear_sync_error(opener: Any, entry: str) -> None:
    """sync() raised the driver's own ProgrammingError (or apsw's ConnectionClosedError), and
    plan() blamed "one of inline_sync's own statements"."""
    call = {
        "sync": inline_sync.sync,
        "plan": inline_sync.plan,
        "dry run": lambda c, d: inline_sync.sync(c, d, dry_run=True),
    }[entry]
    with pytest.raises(inline_sync.SyncError, match="the connection is closed") as caught:
        call(opener(), "CREATE TABLE t (a);")
    assert "inline_sync's own statements" not in str(caught.value)


def test_a_connection_of_another_thread_is_a_clear_sync_error(conn: Any) -> None:
    caught: list[BaseException] = []

    def other() -> None:
        try:
            inline_sync.sync(conn, "CREATE TABLE t (a TEXT, b TEXT);")
        except BaseException as exc:  # (any: the test says which)
            caught.append(exc)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert len(caught) == 1 and type(caught[0]) is inline_sync.SyncError
    assert "made in another thread" in str(caught[0])
    assert [c[1] for c in conn.execute("PRAGMA table_info(t)")] == ["a"]
