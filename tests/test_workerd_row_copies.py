"""A rebuild's row copy in real Durable Object SQLite (local workerd, both harness modes):
a new constraint's own ON CONFLICT clause cannot delete rows (tests/test_conflict_clauses.py),
and a table at the host's column limit keeps rowids near 2^63 (tests/test_extreme_rowids.py).

Needs ``npm ci`` (skipped otherwise).
Run: python -m pytest -m workerd tests/test_workerd_row_copies.py
"""

from __future__ import annotations

import pytest
from test_workerd_sync import SCHEMA, live, sql, sync_error, sync_now
from workerd_python import AnyHarness as WorkerdHarness

pytestmark = pytest.mark.workerd
__all__ = ["live"]  # the fixture, shared with test_workerd_sync (one worker per module)

BEFORE = SCHEMA + "CREATE TABLE t (a INTEGER, b TEXT);"  # (each object starts with SCHEMA)


@pytest.mark.parametrize(
    "clause",
    ["b TEXT UNIQUE ON CONFLICT REPLACE", "b TEXT NOT NULL ON CONFLICT IGNORE"],
)
def test_a_conflict_clause_drops_no_row(live: WorkerdHarness, clause: str) -> None:
    do = "conflict-" + clause.split()[2].lower()
    sync_now(live, BEFORE, do)
    for a, b in ((1, "x"), (2, "x"), (3, None)):
        sql(live, "INSERT INTO t VALUES (?, ?)", a, b, do=do)
    rows = sql(live, "SELECT rowid, a, b FROM t ORDER BY rowid", do=do)
    error = sync_error(live, f"{SCHEMA}CREATE TABLE t (a INTEGER, {clause});", do)
    assert error["type"] == "ApplyError"
    assert "constraint failed" in error["sqlite_message"]
    assert sql(live, "SELECT rowid, a, b FROM t ORDER BY rowid", do=do) == rows


def test_a_wide_table_keeps_the_largest_rowid(live: WorkerdHarness) -> None:
    do = "wide-rowids"
    columns = ", ".join(f"c{i}" for i in range(100))
    sync_now(live, f"{SCHEMA}CREATE TABLE w ({columns});", do)
    largest = 2**63 - 1
    sql(live, f"INSERT INTO w (rowid, c0) VALUES ({largest}, 'max'), (1, 'one')", do=do)
    after = f"{SCHEMA}CREATE TABLE w ({columns.replace('c99', 'c99 TEXT')});"
    assert sync_now(live, after, do)["status"] == "synced"
    # (as text: the harness's JSON has no 64-bit integers)
    assert sql(live, "SELECT CAST(rowid AS TEXT), c0 FROM w ORDER BY rowid", do=do) == [
        ("1", "one"),
        (str(largest), "max"),
    ]
