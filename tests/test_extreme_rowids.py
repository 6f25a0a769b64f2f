"""Rowids at the ends of the 64-bit range through a rebuild, on every client.

Where the host's column limit leaves no room for the rowid in the copy (a table of 100
columns in a Durable Object or on D1), the rows are copied in rowid order and then given their
rowids back: first moved past every old rowid, then each to its own (rebuild._copy_rows). The
move added the largest old rowid to each new one, which overflows when a rowid is near 2^63-1
(a table that once held the largest rowid, after which SQLite picks rowids at random): SQLite
refused the UPDATE with "datatype mismatch", blamed on the rows' values, and the sync failed.
"""

from __future__ import annotations

from typing import Any

import apsw
import pytest
from fake_durable_object import FakeStorage
from memory_clients import KINDS, everything, open_client, rows, run, sync_on

LARGEST = 2**63 - 1
SMALLEST = -(2**63)

COLUMNS = ", ".join(f"c{i}" for i in range(100))
BEFORE = f"CREATE TABLE t ({COLUMNS});"
AFTER = f"CREATE TABLE t ({COLUMNS.replace('c99', 'c99 TEXT')});"  # a type change: a rebuild

ROWIDS = {
    "the largest": [1, LARGEST],
    "the largest few": [LARGEST - 2, LARGEST - 1, LARGEST],
    "both ends": [SMALLEST, -1, 0, 1, LARGEST],
    "crowded at both ends": [SMALLEST, SMALLEST + 1, SMALLEST + 2, 5, LARGEST - 1, LARGEST],
    "no room above 1": [SMALLEST, SMALLEST + 1, 1, 2, 3, LARGEST],
}

#: Every client kind, and the Durable Object stand-in over apsw (SQLite 3.54) too.
CLIENTS = [*KINDS, "durable-object-apsw"]


def _open(kind: str) -> tuple[Any, Any, str]:
    if kind == "durable-object-apsw":
        storage = FakeStorage(apsw.Connection(":memory:"))
        return storage, storage.conn, "durable-object"
    client, conn = open_client(kind)
    return client, conn, kind


@pytest.mark.parametrize("case", ROWIDS)
@pytest.mark.parametrize("kind", CLIENTS)
def test_a_wide_table_keeps_rowids_at_the_ends_of_the_range(kind: str, case: str) -> None:
    client, conn, runs_as = _open(kind)
    sync_on(runs_as, client, BEFORE)
    run(conn, ";\n".join(f"INSERT INTO t (rowid, c0, c98) VALUES ({r}, {r}, 'v{r}')"
                         for r in ROWIDS[case]))  # fmt: skip
    wanted = [(r, r, f"v{r}") for r in ROWIDS[case]]
    result = sync_on(runs_as, client, AFTER)
    assert result.plan.changes[0].action == "rebuild"
    assert rows(conn, "SELECT rowid, c0, c98 FROM t ORDER BY rowid") == wanted
    assert not sync_on(runs_as, client, AFTER, force=True).plan.statements


@pytest.mark.parametrize("kind", ["durable-object", "d1"])
def test_the_rowids_are_moved_without_overflow(kind: str) -> None:
    """The copy goes through the column-by-column path on these hosts (the test above would
    pass without it otherwise), and a failure of it leaves the database as it was."""
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, f"INSERT INTO t (rowid, c0) VALUES ({LARGEST}, 1)")
    before = everything(conn)
    result = sync_on(kind, client, AFTER, dry_run=True)
    assert any(s.action == "copy rowids" for s in result.plan.steps)
    assert everything(conn) == before
