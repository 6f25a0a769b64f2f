"""The same CHECK constraint declared more than once, added or removed one copy at a time.

Where the connection accepts ``ADD CONSTRAINT … CHECK`` (SQLite 3.53+: apsw here), a table
whose CHECK appears once in the database and twice in the definitions got two more copies
(three in all), and the next plan wanted a rebuild: each wanted copy was added whenever the
counts differed, instead of only the missing ones. Found by random schema-evolution fuzzing.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

ONE = "CREATE TABLE t (a INTEGER, CHECK (a > 0));"
TWO = "CREATE TABLE t (a INTEGER, CHECK (a > 0), CHECK (a > 0));"
THREE = "CREATE TABLE t (a INTEGER, CHECK (a > 0), CHECK (a > 0), CHECK (a > 0));"


def _checks(conn: object) -> int:
    (sql,) = rows(conn, "SELECT sql FROM sqlite_master WHERE name = 't'")[0]
    return str(sql).upper().count("CHECK")


@pytest.mark.parametrize(
    ("before", "after", "count"), [(ONE, TWO, 2), (ONE, THREE, 3), (THREE, TWO, 2), (TWO, ONE, 1)]
)
@pytest.mark.parametrize("kind", KINDS)
def test_repeated_checks_are_added_and_dropped_by_count(
    kind: str, before: str, after: str, count: int
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    conn.execute("INSERT INTO t VALUES (1)")

    sync_on(kind, client, after)

    assert _checks(conn) == count
    assert rows(conn, "SELECT a FROM t") == [(1,)]
    assert sync_on(kind, client, after, force=True, dry_run=True).plan.statements == []
