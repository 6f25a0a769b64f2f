"""A hinted rename of a WITHOUT ROWID table's PRIMARY KEY column that a UNIQUE constraint
also covers.

SQLite's ``ALTER TABLE … RENAME COLUMN`` refuses exactly that table ("error in table t after
rename: no such column: id", on 3.40 and 3.54 alike), so the sync failed with an ApplyError
for a valid change. Found by random schema-evolution fuzzing. Such a rename is now made by the
rebuild's copy, as one SQLite refuses for a rowid name is.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

BEFORE = """CREATE TABLE t (
    id INTEGER PRIMARY KEY,
    code INTEGER NOT NULL,
    UNIQUE (code, id)
) WITHOUT ROWID;"""
AFTER = """CREATE TABLE t (
    ident INTEGER PRIMARY KEY,  -- @renamed from=id
    code INTEGER NOT NULL,
    UNIQUE (code, ident)
) WITHOUT ROWID;"""


@pytest.mark.parametrize("kind", KINDS)
def test_the_key_column_is_renamed_keeping_its_values(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    conn.execute("INSERT INTO t VALUES (1, 10), (2, 20)")

    result = sync_on(kind, client, AFTER)

    assert result.status == "synced"
    assert not result.plan.destructive
    assert rows(conn, "SELECT ident, code FROM t ORDER BY ident") == [(1, 10), (2, 20)]
    assert sync_on(kind, client, AFTER, force=True, dry_run=True).plan.statements == []
