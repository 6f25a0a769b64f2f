"""Row copies stay within the host's column and bound-parameter limits and keep rowids.

A Durable Object (and D1) allows 100 columns per table *and per result set*, and 100 bound
parameters: ``INSERT … (rowid, <100 columns>) SELECT rowid, …`` is 101 result columns. The
stand-in Durable Object sets those limits on its SQLite connection (``setlimit``), as workerd
does, and so does a plain sqlite3 connection here.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from fake_durable_object import FakeStorage

import inline_sync

COLUMNS = 100


def table(types: list[str]) -> str:
    cols = ", ".join(f"c{i} {t}" for i, t in enumerate(types))
    return f"CREATE TABLE wide ({cols});"


BEFORE = table(["INTEGER NOT NULL"] + ["TEXT NOT NULL"] * (COLUMNS - 1))
AFTER = table(["INTEGER NOT NULL"] + ["TEXT NOT NULL"] * (COLUMNS - 2) + ["BLOB NOT NULL"])
CHILD = "CREATE TABLE kid (id INTEGER PRIMARY KEY, w INTEGER REFERENCES wide_parent(id));"


def limited() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, 100)
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)
    return conn


def fill(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    """Rows with scattered rowids (negative, gaps, out of insertion order)."""
    values = ", ".join(["?"] * COLUMNS)
    for rowid in (-3, 5, 1000, 7):
        row = [rowid] + [f"r{rowid}c{i}" for i in range(1, COLUMNS)]
        conn.execute(f"INSERT INTO wide VALUES ({values})", row)
        conn.execute("UPDATE wide SET rowid = ? WHERE c0 = ?", (rowid, rowid))
    return sample(conn)


def sample(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT rowid, c0, c1, c50, c98 FROM wide ORDER BY rowid").fetchall()


@pytest.mark.skipif(not hasattr(sqlite3.Connection, "setlimit"), reason="Python 3.11+")
@pytest.mark.parametrize("kind", ["durable-object", "sqlite3-limited"])
@pytest.mark.parametrize("strategy", ["auto", "prefix"])
def test_rebuilding_a_100_column_table_keeps_rowids(kind: str, strategy: str) -> None:
    conn = limited()
    client = FakeStorage(conn) if kind == "durable-object" else conn
    inline_sync.sync(client, BEFORE, scratch_schema=strategy)
    before = fill(conn)
    with pytest.raises(sqlite3.OperationalError, match="too many columns"):
        conn.execute("SELECT rowid, * FROM wide")  # the limit is real
    result = inline_sync.sync(client, AFTER, scratch_schema=strategy)
    assert result.status == "synced"
    assert any("RENAME TO" in s or "__sync_new_wide" in s for s in result.statements)
    assert sample(conn) == before
    assert [r[0] for r in conn.execute("SELECT rowid FROM wide ORDER BY rowid")] == [-3, 5, 7, 1000]
    assert inline_sync.plan(client, AFTER, scratch_schema=strategy).statements == []
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    assert not [n for n in names if n.startswith("__sync")]


def test_clients_state_their_column_limit() -> None:
    from inline_sync.clients import DurableObjectClient, make_client

    assert DurableObjectClient.max_columns == 100
    conn = limited()
    client = make_client(conn)
    if hasattr(conn, "getlimit"):
        assert client.max_columns == 100


FEW = 2  # the most parameters a statement of inline_sync binds (the state row's two hashes)
BEFORE_ALL = (
    "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);\n"
    "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));\n"
    "CREATE INDEX c_p ON c (p_id);\n"
    "CREATE VIEW names AS SELECT name FROM p;\n"
    "CREATE TRIGGER p_gone AFTER DELETE ON p BEGIN DELETE FROM c WHERE p_id = old.id; END;\n"
    "CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1);"
)
AFTER_ALL = (
    BEFORE_ALL.replace("name TEXT", "name TEXT NOT NULL COLLATE NOCASE")
    .replace("p(id));", "p(id), note TEXT);")
    .replace("x0, x1)", "x0, x1, y0, y1)")
    .replace("CREATE INDEX c_p ON c (p_id);\n", "")
)


def few_variables(client: str) -> tuple[Any, Any]:
    """(what sync is handed, its connection), the connection refusing a statement that binds
    more than FEW parameters."""
    import asyncio

    import apsw
    from fake_d1 import FakeD1

    from inline_sync.d1 import sync_async

    if client == "apsw":
        conn = apsw.Connection(":memory:")
        conn.limit(apsw.SQLITE_LIMIT_VARIABLE_NUMBER, FEW)
        return lambda schema: inline_sync.sync(conn, schema), conn
    if client == "d1":
        d1 = FakeD1()
        d1.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, FEW)
        return lambda schema: asyncio.run(sync_async(d1, schema)), d1.conn
    conn = sqlite3.connect(":memory:", isolation_level=None)
    db: Any = conn
    if client == "durable-object":
        db = FakeStorage(conn)
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, FEW)
    return lambda schema: inline_sync.sync(db, schema), conn


@pytest.mark.skipif(not hasattr(sqlite3.Connection, "setlimit"), reason="Python 3.11+")
@pytest.mark.parametrize("client", ["sqlite3", "apsw", "durable-object", "d1"])
def test_no_statement_binds_more_than_two_parameters(client: str) -> None:
    """No statement inline_sync runs binds more than two parameters (names and values it
    writes into SQL are literals), so no client's limit on them (100 in a Durable Object and
    on D1, 999 before SQLite 3.32) can matter, and clients state none. Every kind of statement
    runs here on a connection that refuses a third: the first sync, a change that rebuilds a
    parent, adds a column, drops an index and recreates a virtual table with its rows, the
    state row, and a sync that repairs a view dropped behind its back. (Not fts5: SQLite's own
    fts5 code binds more than two parameters to write its index.)"""
    sync, conn = few_variables(client)
    before, after = BEFORE_ALL, AFTER_ALL
    if client == "d1":  # D1 has no R*Tree
        before, after = before.partition("CREATE VIRTUAL")[0], after.partition("CREATE VIRTUAL")[0]
    with pytest.raises(Exception, match="too many SQL variables"):
        conn.execute("SELECT ?, ?, ?", (1, 2, 3))  # the limit is real
    assert sync(before).status == "synced"
    conn.execute("INSERT INTO p VALUES (1, 'a')")
    conn.execute("INSERT INTO c VALUES (1, 1)")
    if client != "d1":
        conn.execute("INSERT INTO boxes VALUES (7, 1, 2)")
    assert sync(after).status == "synced"
    assert sync(after).status == "up-to-date"
    conn.execute("DROP VIEW names")
    assert sync(after).status == "synced"
    assert [tuple(r) for r in conn.execute("SELECT * FROM names")] == [("a",)]
    if client != "d1":
        assert [tuple(r) for r in conn.execute("SELECT * FROM boxes")] == [(7, 1, 2, 0, 0)]
