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
from memory_clients import KINDS, open_client, refused, run, sync_on

BEFORE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"

#: name -> (rows, definitions, what the error says, what it must not say)
CASES = {
    "a new NOT NULL column without a default": (
        "INSERT INTO t VALUES (1, 'x')",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, d INTEGER NOT NULL);",
        ("NOT NULL constraint failed: t.d", "the new column d is NOT NULL without a DEFAULT",
         "d ... NOT NULL DEFAULT 0"),
        "existing rows hold NULLs",
    ),
    "NULLs under an existing column": (
        "INSERT INTO t VALUES (1, NULL)",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE NOT NULL);",
        ("existing rows hold NULLs under the new NOT NULL constraint",),
        "new column",
    ),
    "NULLs under a renamed column": (
        "INSERT INTO t VALUES (1, NULL)",
        "CREATE TABLE t (id INTEGER PRIMARY KEY,\n"
        "  b TEXT COLLATE NOCASE NOT NULL -- @renamed from=a\n);",
        ("NOT NULL constraint failed: t.b",),
        "new column",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", KINDS)
def test_the_hint_on_a_not_null_failure(kind: str, case: str) -> None:
    rows, definitions, says, not_said = CASES[case]
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, rows)
    message = str(refused(kind, client, conn, definitions))
    assert all(text in message for text in says), message
    assert not_said not in message
