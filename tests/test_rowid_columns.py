"""A rebuild keeps the real rowid of a table whose columns are named ``rowid``, ``oid`` and
``_rowid_`` (so no name reaches the rowid) wherever SQLite can reach it: the old copy is about
to be dropped, so a column of it may be renamed first, and a column of the new table may be
renamed for the copy and back afterwards.

SQLite 3.54 refuses every ALTER of a column with one of those names ("cannot rename from
rowid alias"): there no statement can read or write such a table's rowid, and a rebuild numbers
the rows 1, 2, ... in their old rowid order (documented in the README).
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import apsw
import pytest
from fake_d1 import FakeD1
from fake_durable_object import FakeStorage

import inline_sync
from inline_sync.d1 import plan_async, sync_async

ALL_THREE = "CREATE TABLE t (rowid TEXT, oid TEXT, _rowid_ TEXT, v INTEGER);"
# The rebuild: v changes type (no ALTER does that).
ALL_THREE_V2 = "CREATE TABLE t (rowid TEXT, oid TEXT, _rowid_ TEXT, v TEXT);"
TWO = "CREATE TABLE t (rowid TEXT, oid TEXT, v INTEGER);"
TWO_V2 = "CREATE TABLE t (rowid TEXT, oid TEXT, v TEXT);"
# With a child whose foreign key keeps the closure rebuild (foreign keys enforced) honest.
CHILD = "CREATE TABLE c (id INTEGER PRIMARY KEY, note TEXT);"


def _make(path: Path, schema: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    inline_sync.sync(conn, schema + CHILD)
    columns = 4 if "_rowid_" in schema else 3
    values = ", ".join("?" * columns)
    for i in range(1, 11):
        conn.execute(f"INSERT INTO t VALUES ({values})", [f"r{i}", f"o{i}", f"u{i}", i][-columns:])
    conn.execute("DELETE FROM t WHERE v BETWEEN 2 AND 6")  # real rowids 1, 7, 8, 9, 10
    conn.close()


def real_rowids(path: Path) -> list[tuple[Any, ...]]:
    """(real rowid, v) of every row of t, read from a copy of the file on the stdlib's SQLite,
    where renaming the column that shadows ``oid`` frees the name."""
    copy = path.with_suffix(".probe")
    shutil.copyfile(path, copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        conn.execute('ALTER TABLE t RENAME COLUMN "oid" TO "shadow"')
        return conn.execute("SELECT oid, CAST(v AS INTEGER) FROM t ORDER BY oid").fetchall()
    finally:
        conn.close()
        copy.unlink()


class _D1:
    """The D1 stand-in behind the same calls as the other clients."""

    def __init__(self, path: Path) -> None:
        self.db = FakeD1(str(path))

    def sync(self, definitions: str, **kw: Any) -> Any:
        kw.pop("scratch_schema", None)
        return asyncio.run(sync_async(self.db, definitions, **kw))

    def plan(self, definitions: str, **kw: Any) -> Any:
        kw.pop("scratch_schema", None)
        return asyncio.run(plan_async(self.db, definitions, **kw))

    def close(self) -> None:
        self.db.conn.close()


def _sync(client: Any, definitions: str, **kw: Any) -> Any:
    if isinstance(client, _D1):
        return client.sync(definitions, **kw)
    return inline_sync.sync(client, definitions, **kw)


def _plan(client: Any, definitions: str, **kw: Any) -> Any:
    if isinstance(client, _D1):
        return client.plan(definitions, **kw)
    return inline_sync.plan(client, definitions, **kw)


def _open(kind: str, path: Path) -> tuple[Any, Any]:
    if kind == "d1":
        d1 = _D1(path)
        return d1, d1
    if kind == "apsw":
        conn: Any = apsw.Connection(str(path))
        return conn, conn
    conn = sqlite3.connect(path, isolation_level=None)
    return conn, FakeStorage(conn) if kind == "durable-object" else conn


CASES = [("sqlite3", "scratch-db"), ("sqlite3", "prefix"), ("apsw", "scratch-db"),
         ("durable-object", "prefix"), ("d1", "prefix")]  # fmt: skip
KEPT = [(1, 1), (7, 7), (8, 8), (9, 9), (10, 10)]


def _stdlib_renames_rowid_columns() -> bool:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE TABLE t (oid TEXT)")
        conn.execute('ALTER TABLE t RENAME COLUMN "oid" TO x')
        return True
    except sqlite3.Error:  # SQLite 3.54 refuses it
        return False
    finally:
        conn.close()


@pytest.mark.skipif(
    not _stdlib_renames_rowid_columns(),
    reason="the stdlib's SQLite cannot rename a column named oid: real rowids cannot be read",
)
@pytest.mark.parametrize(("kind", "strategy"), CASES)
def test_a_rebuild_keeps_the_real_rowid_when_all_three_names_are_columns(
    kind: str, strategy: str, tmp_path: Path
) -> None:
    path = tmp_path / "t.db"
    _make(path, ALL_THREE)
    assert real_rowids(path) == KEPT
    conn, client = _open(kind, path)
    can_rename = kind != "apsw"  # apsw brings SQLite 3.54, which refuses it
    planned = _plan(client, ALL_THREE_V2 + CHILD, scratch_schema=strategy)
    result = _sync(client, ALL_THREE_V2 + CHILD, scratch_schema=strategy)
    assert result.status == "synced"
    assert list(result.statements) == list(planned.statements)
    assert _sync(client, ALL_THREE_V2 + CHILD).status == "up-to-date"
    assert list(_plan(client, ALL_THREE_V2 + CHILD).statements) == []
    conn.close()
    if can_rename:
        assert real_rowids(path) == KEPT
    else:  # nothing can reach the rowid: the rows keep their order, numbered from 1
        assert real_rowids(path) == [(n, v) for n, (_, v) in enumerate(KEPT, 1)]
    check = sqlite3.connect(path)
    assert check.execute("SELECT rowid, oid, _rowid_, v FROM t ORDER BY 0 + v").fetchall() == [
        (f"r{i}", f"o{i}", f"u{i}", str(i)) for _, i in KEPT
    ]
    check.close()


@pytest.mark.parametrize(("kind", "strategy"), CASES)
def test_a_rebuild_keeps_the_real_rowid_when_one_name_is_free(
    kind: str, strategy: str, tmp_path: Path
) -> None:
    path = tmp_path / "t.db"
    _make(path, TWO)
    before = sqlite3.connect(path).execute("SELECT _rowid_, v FROM t ORDER BY 1").fetchall()
    conn, client = _open(kind, path)
    assert _sync(client, TWO_V2 + CHILD, scratch_schema=strategy).status == "synced"
    conn.close()
    after = sqlite3.connect(path).execute("SELECT _rowid_, CAST(v AS INT) FROM t ORDER BY 1")
    assert after.fetchall() == before == KEPT


@pytest.mark.parametrize("kind", ["sqlite3", "apsw", "durable-object", "d1"])
@pytest.mark.parametrize("taken", ["__sync_rowid", "__SYNC_ROWID"])
def test_a_column_named_like_the_name_set_aside_for_the_rowid(kind: str, taken: str) -> None:
    """The column ``rowid`` was renamed aside to ``__sync_rowid`` for the copy even where the
    table has a column of that name (a name of the user's: only objects may not take the
    prefix): ApplyError, "duplicate column name", a valid change refused. The name set aside
    is now one no column of either copy has."""
    from memory_clients import open_client, rows, sync_on

    client, conn = open_client(kind)
    columns = f'rowid TEXT, oid TEXT, _rowid_ TEXT, "{taken}" TEXT, v INTEGER'
    sync_on(kind, client, f"CREATE TABLE t ({columns});")
    conn.execute("INSERT INTO t VALUES ('r', 'o', 'u', 's', 1)")
    after = f"CREATE TABLE t ({columns.replace('v INTEGER', 'v TEXT')});"  # (a rebuild)
    assert sync_on(kind, client, after).status == "synced"
    assert rows(conn, "SELECT * FROM t") == [("r", "o", "u", "s", "1")]
    assert sync_on(kind, client, after, force=True).status == "up-to-date"


@pytest.mark.parametrize("kind", ["sqlite3", "apsw", "durable-object", "d1"])
def test_a_virtual_table_column_named_like_the_holding_tables_rowid(kind: str) -> None:
    """A virtual table made again holds its rows in a table whose first column, the rowid,
    was named ``__sync_rowid`` whatever its columns: an fts5 column of that name came back
    holding the rowid instead of its text, silently."""
    from memory_clients import open_client, rows, sync_on

    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE VIRTUAL TABLE f USING fts5(__sync_rowid, b);")
    conn.execute("INSERT INTO f (rowid, __sync_rowid, b) VALUES (7, 'kept', 'y')")
    after = "CREATE VIRTUAL TABLE f USING fts5(__sync_rowid, b, c);"
    assert sync_on(kind, client, after).status == "synced"
    assert rows(conn, "SELECT rowid, * FROM f") == [(7, "kept", "y", None)]
