"""The hint on a NOT NULL failure while copying rows: a new column, or NULLs already there.

A new NOT NULL column without a DEFAULT on a table whose rows are copied fails with "NOT NULL
constraint failed": the rows do not hold NULLs, they have no value at all, and the error says
so ("the new column d is NOT NULL without a DEFAULT ... give it one"). On D1 it said "existing
rows hold NULLs under the new NOT NULL constraint" instead: the hint read the old table's
columns from the database, which D1's error path (a batch already rolled back) never did. It
now comes from the copy statement itself (the columns it writes), the same on every client.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, everything, open_client, run, sync_on

import inline_sync

BEFORE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"


def _error(kind: str, rows: str, definitions: str) -> str:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, rows)
    before = everything(conn)
    with pytest.raises(inline_sync.ApplyError) as caught:
        sync_on(kind, client, definitions)
    assert everything(conn) == before
    return str(caught.value)


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_not_null_column_without_default(kind: str) -> None:
    message = _error(
        kind,
        "INSERT INTO t VALUES (1, 'x')",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, d INTEGER NOT NULL);",
    )
    assert "NOT NULL constraint failed: t.d" in message
    assert "the new column d is NOT NULL without a DEFAULT" in message
    assert "d ... NOT NULL DEFAULT 0" in message


@pytest.mark.parametrize("kind", KINDS)
def test_nulls_under_an_existing_column_are_not_called_new(kind: str) -> None:
    message = _error(
        kind,
        "INSERT INTO t VALUES (1, NULL)",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE NOT NULL);",
    )
    assert "new column" not in message
    assert "existing rows hold NULLs under the new NOT NULL constraint" in message


@pytest.mark.parametrize("kind", KINDS)
def test_a_renamed_column_is_not_new(kind: str) -> None:
    message = _error(
        kind,
        "INSERT INTO t VALUES (1, NULL)",
        "CREATE TABLE t (id INTEGER PRIMARY KEY,\n"
        "  b TEXT COLLATE NOCASE NOT NULL -- @renamed from=a\n);",
    )
    assert "NOT NULL constraint failed: t.b" in message
    assert "new column" not in message
