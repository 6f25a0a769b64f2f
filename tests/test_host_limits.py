"""Row copies stay within the host's column and bound-parameter limits and keep rowids.

A Durable Object (and D1) allows 100 columns per table *and per result set*, and 100 bound
parameters: ``INSERT … (rowid, <100 columns>) SELECT rowid, …`` is 101 result columns. The
stand-in Durable Object sets those limits on its SQLite connection (``setlimit``), as workerd
does, and so does a plain sqlite3 connection here.
"""

from __future__ import annotations

import sqlite3

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


def test_clients_state_their_limits() -> None:
    from inline_sync.clients import DurableObjectClient, make_client

    assert (DurableObjectClient.max_columns, DurableObjectClient.max_parameters) == (100, 100)
    conn = limited()
    client = make_client(conn)
    if hasattr(conn, "getlimit"):
        assert (client.max_columns, client.max_parameters) == (100, 100)
