"""The library's own reads and writes are immune to what a caller set on the connection (row
and text factories, row and exec tracers, cursor factories), and every setting it changes for
the sync (busy timeout, foreign keys, legacy_alter_table) is the caller's again afterwards."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import apsw
import pytest
from hostile import assert_no_scratch, digest, rows

import inline_sync

V1 = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b BLOB);
CREATE INDEX t_a ON t(a);
CREATE VIEW tv AS SELECT id, a FROM t;
"""
V2 = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, b BLOB, c INTEGER DEFAULT 3);
CREATE INDEX t_a ON t(a, c);
CREATE VIEW tv AS SELECT id, a, c FROM t;
CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id));
"""
SEED = "INSERT INTO t (a, b) VALUES ('x', x'00ff'), ('é', NULL), (NULL, x'');"


def _reference(tmp_path: Path) -> str:
    """The digest of V2 synced over the seeded V1 on a connection with no settings at all."""
    path = str(tmp_path / "reference.db")
    conn = sqlite3.connect(path, isolation_level=None)
    inline_sync.sync(conn, V1)
    conn.executescript(SEED)
    inline_sync.sync(conn, V2)
    conn.execute("DELETE FROM _inline_sync_state")  # its timestamp differs
    conn.close()
    return digest(path)


def _without_state(path: str) -> str:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM _inline_sync_state")
    conn.close()
    return digest(path)


def _as_dict(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {d[0]: v for d, v in zip(cursor.description, row, strict=True)}


def _apsw_dict(cursor: apsw.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {d[0]: v for d, v in zip(cursor.get_description(), row, strict=True)}


def _plan_sync_and_sync_again(conn: Any, strategy: str) -> None:
    """plan() and sync() agree, and the next sync finds nothing to do."""
    planned = inline_sync.plan(conn, V2, scratch_schema=strategy)
    assert planned.status == "changes-needed"
    result = inline_sync.sync(conn, V2, scratch_schema=strategy)
    assert result.status == "synced"
    assert list(result.statements) == list(planned.statements)
    assert inline_sync.sync(conn, V2, scratch_schema=strategy).status == "up-to-date"


SQLITE3_SETTINGS: dict[str, Callable[[sqlite3.Connection], None]] = {
    "row_factory=Row": lambda c: setattr(c, "row_factory", sqlite3.Row),
    "row_factory=dict": lambda c: setattr(c, "row_factory", _as_dict),
    "text_factory=bytes": lambda c: setattr(c, "text_factory", bytes),
    "text_factory=upper": lambda c: setattr(c, "text_factory", lambda b: b.decode().upper()),
    "trace_callback": lambda c: c.set_trace_callback(lambda s: None),
}


def _sqlite3_state(conn: sqlite3.Connection) -> tuple[Any, ...]:
    return (conn.row_factory, conn.text_factory, conn.isolation_level)


@pytest.mark.parametrize("setting", list(SQLITE3_SETTINGS))
@pytest.mark.parametrize("strategy", ["scratch-db", "prefix"])
def test_sqlite3_connection_settings_do_not_change_the_outcome(
    setting: str, strategy: str, tmp_path: Path
) -> None:
    path = str(tmp_path / "t.db")
    conn = sqlite3.connect(path, isolation_level=None)
    inline_sync.sync(conn, V1)
    conn.executescript(SEED)
    conn.execute("PRAGMA busy_timeout = 1234")
    SQLITE3_SETTINGS[setting](conn)
    before = _sqlite3_state(conn)

    _plan_sync_and_sync_again(conn, strategy)

    assert _sqlite3_state(conn) == before
    plain = sqlite3.connect(path)  # the caller's settings hide the truth on theirs
    assert plain.execute("PRAGMA foreign_keys").fetchone() == (0,)
    plain.close()
    conn.row_factory = None
    conn.text_factory = str
    assert conn.execute("PRAGMA busy_timeout").fetchone() == (1234,)
    assert conn.execute("PRAGMA legacy_alter_table").fetchone() == (0,)
    assert_no_scratch(conn)
    conn.close()
    assert _without_state(path) == _reference(tmp_path)


APSW_SETTINGS: dict[str, Callable[[apsw.Connection], None]] = {
    "row_trace=dict": lambda c: setattr(c, "row_trace", _apsw_dict),
    "row_trace=str": lambda c: setattr(c, "row_trace", lambda cur, row: repr(row)),
    "exec_trace": lambda c: setattr(c, "exec_trace", lambda cur, sql, bindings: True),
    "cursor_factory": lambda c: setattr(c, "cursor_factory", _OddCursor),
}


class _OddCursor(apsw.Cursor):  # type: ignore[misc]
    """A caller's cursor class that changes what rows look like."""

    def __init__(self, conn: apsw.Connection) -> None:
        super().__init__(conn)
        self.row_trace = lambda cur, row: list(reversed(row))


@pytest.mark.parametrize("setting", list(APSW_SETTINGS))
@pytest.mark.parametrize("strategy", ["scratch-db", "prefix"])
def test_apsw_connection_settings_do_not_change_the_outcome(
    setting: str, strategy: str, tmp_path: Path
) -> None:
    path = str(tmp_path / "t.db")
    conn = apsw.Connection(path)
    inline_sync.sync(conn, V1)
    conn.execute(SEED)
    conn.execute("PRAGMA busy_timeout = 1234")
    APSW_SETTINGS[setting](conn)
    before = (conn.row_trace, conn.exec_trace, conn.cursor_factory)

    _plan_sync_and_sync_again(conn, strategy)

    assert (conn.row_trace, conn.exec_trace, conn.cursor_factory) == before
    conn.row_trace = conn.exec_trace = None
    conn.cursor_factory = apsw.Cursor
    assert rows(conn, "PRAGMA busy_timeout") == [(1234,)]
    assert rows(conn, "PRAGMA legacy_alter_table") == [(0,)]
    assert_no_scratch(conn)
    conn.close()
    assert _without_state(path) == _reference(tmp_path)


@pytest.mark.parametrize("kind", ["sqlite3", "apsw"])
def test_foreign_keys_and_legacy_alter_table_are_the_callers_again(
    kind: str, tmp_path: Path
) -> None:
    path = str(tmp_path / "t.db")
    conn: Any = apsw.Connection(path) if kind == "apsw" else sqlite3.connect(path)
    for fk in (0, 1):
        for legacy in (0, 1):
            run = conn.execute
            run(f"PRAGMA foreign_keys = {fk}")
            run(f"PRAGMA legacy_alter_table = {legacy}")
            inline_sync.sync(conn, V1 if (fk + legacy) % 2 else V2, allow_destructive=True)
            assert rows(conn, "PRAGMA foreign_keys") == [(fk,)]
            assert rows(conn, "PRAGMA legacy_alter_table") == [(legacy,)]


class _LoggingSqlite3(sqlite3.Connection):
    """A connection class of the caller's (``sqlite3.connect(factory=…)``)."""


class _LoggingApsw(apsw.Connection):
    """apsw documents subclassing its Connection."""


@pytest.mark.parametrize(
    "opener",
    [
        lambda path: sqlite3.connect(path, factory=_LoggingSqlite3, isolation_level=None),
        lambda path: _LoggingApsw(str(path)),
    ],
    ids=["sqlite3", "apsw"],
)
def test_a_subclass_of_a_connection_is_a_connection(
    opener: Callable[[Path], Any], tmp_path: Path
) -> None:
    """A subclass of sqlite3.Connection or apsw.Connection was an "unsupported client": the
    client was told by its class's module, not by what it is. It takes the start-up fast
    path too."""
    conn = opener(tmp_path / "sub.db")
    schema = "CREATE TABLE t (a TEXT);"
    assert inline_sync.sync(conn, schema).status == "synced"
    assert inline_sync.sync(conn, schema).plan.status == "up-to-date"
    assert inline_sync.plan(conn, schema + "CREATE INDEX i ON t (a);").status == "changes-needed"
    from inline_sync.session import read_state_row

    assert read_state_row(conn, float("inf"), 60.0) is not None  # (the fast path's read)
