"""A schema of a thousand tables syncs on every client (hunt7): the order in which the
scratch copies are dropped with foreign keys on (Durable Objects, D1) was found by a
recursion one level deep per table (RecursionError, a raw Python exception), and D1's apply
guard on the tables' rows is split so that no expression grows past SQLite's depth of 1000."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, sync_on

N = 1000
PLAIN = ["".join(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY{c});" for i in range(N))
         for c in ("", ", d TEXT DEFAULT (lower('X'))")]  # fmt: skip
# A chain of children, each cascading from the one before: rebuilt to change a collation.
CHAIN = [
    f"CREATE TABLE t0 (id INTEGER PRIMARY KEY{c});"
    + "".join(
        f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, p INT REFERENCES t{i - 1} ON DELETE "
        f"CASCADE{c});"
        for i in range(1, N)
    )
    for c in ("", ", x TEXT COLLATE NOCASE")
]


@pytest.mark.parametrize("kind", KINDS)
def test_a_thousand_tables_each_gaining_a_column(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, PLAIN[0])
    conn.execute("INSERT INTO t7 (id) VALUES (1)")  # a rebuild there, ADD COLUMN elsewhere
    assert sync_on(kind, client, PLAIN[1]).status == "synced"
    assert [tuple(r) for r in conn.execute("SELECT id, d FROM t7")] == [(1, "x")]
    assert sync_on(kind, client, PLAIN[1]).status == "up-to-date"


@pytest.mark.parametrize("kind", ["durable-object", "d1"])
def test_a_chain_of_a_thousand_tables_rebuilt_with_foreign_keys_on(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, CHAIN[0])
    conn.execute("INSERT INTO t0 (id) VALUES (1)")
    conn.execute("INSERT INTO t1 (id, p) VALUES (1, 1)")
    assert sync_on(kind, client, CHAIN[1]).status == "synced"
    assert [tuple(r) for r in conn.execute("SELECT id, p FROM t1")] == [(1, 1)]
    assert sync_on(kind, client, CHAIN[1]).status == "up-to-date"
