"""Helpers for the tests of a hostile environment: a digest of a database file taken through a
connection of the test's own, and the checks every failure test makes afterwards."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any


def digest(path: str) -> str:
    """A digest of the schema and of every row (with its rowid) of the database at ``path``,
    read through a fresh read-only connection, so nothing the caller set on theirs matters."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        master = sorted(
            conn.execute("SELECT type, name, tbl_name, sql FROM main.sqlite_master").fetchall(),
            key=repr,
        )
        parts: list[Any] = [master]
        for (name,) in conn.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall():
            quoted = '"' + str(name).replace('"', '""') + '"'
            try:
                rows = conn.execute(f"SELECT _rowid_, * FROM main.{quoted} ORDER BY 1").fetchall()
            except sqlite3.Error:  # WITHOUT ROWID, virtual tables, or a column named _rowid_
                rows = sorted(conn.execute(f"SELECT * FROM main.{quoted}").fetchall(), key=repr)
            parts.append((name, [tuple((type(v).__name__, v) for v in r) for r in rows]))
        return hashlib.sha256(repr(parts).encode()).hexdigest()
    finally:
        conn.close()


def rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on a sqlite3 or apsw connection as plain tuples."""
    if type(conn).__module__.startswith("apsw"):
        return [tuple(r) for r in conn.cursor().execute(sql)]
    return [tuple(r) for r in conn.execute(sql).fetchall()]


def temp_objects(conn: Any) -> list[tuple[Any, ...]]:
    """The caller's TEMP schema and the rows of its TEMP tables (same connection)."""
    master = sorted(rows(conn, "SELECT type, name, tbl_name, sql FROM temp.sqlite_master"))
    data = [
        (name, sorted(rows(conn, f'SELECT * FROM temp."{name}"'), key=repr))
        for kind, name, _, _ in master
        if kind == "table"
    ]
    return [master, data]


def assert_no_scratch(conn: Any) -> None:
    """No scratch object is left in main or temp, and no scratch database is attached."""
    for schema in ("main", "temp"):
        names = [r[0] for r in rows(conn, f"SELECT name FROM {schema}.sqlite_master")]
        assert [n for n in names if str(n).lower().startswith("__sync_")] == [], schema
    assert {r[1] for r in rows(conn, "PRAGMA database_list")} <= {"main", "temp"}
