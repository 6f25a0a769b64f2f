"""What a rebuild's Change says: every column it adds, as ADD COLUMN would have said it.

A table rebuilt for one reason (a UNIQUE constraint, a type) that also gained a column listed
the reason and the columns it dropped, but not the column it added: the plan's one line for
the table ("rebuild table t: UNIQUE constraints change") left the new column out, while the
same column added without a rebuild said "add column c". Every client kind (a Durable Object
and D1 rebuild the referencing tables together, with the same reasons).
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

import inline_sync

CHILD = "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p);"
BEFORE = "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);\n" + CHILD

#: name -> (definitions, the reasons of the Change of table p)
CASES = {
    "beside a new UNIQUE": (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE, note TEXT);",
        ("add column note", "UNIQUE constraints change"),
    ),
    "that is why it is rebuilt": (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT, n INTEGER DEFAULT (1 + 1));",
        (
            "add column n",
            "new column n needs a rebuild on a non-empty table "
            "(NOT NULL without a default, or a non-constant default)",
        ),
    ),
    "two, and a column dropped": (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, a TEXT, b AS (id * 2) STORED);",
        (
            "add column a",
            "add column b",
            "new column b is a STORED generated column",
            "drop column code",
        ),
    ),
    "not at the end": (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, first TEXT, code TEXT);",
        ("add column first", "new column first is not after all existing columns"),
    ),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_rebuild_lists_the_columns_it_adds(kind: str, case: str) -> None:
    definitions, reasons = CASES[case]
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, "INSERT INTO p VALUES (1, 'x');\nINSERT INTO c VALUES (1, 1)")
    dry = sync_on(kind, client, definitions + CHILD, dry_run=True, allow_destructive=True)
    result = sync_on(kind, client, definitions + CHILD, allow_destructive=True)
    (change,) = [c for c in result.plan.changes if c.name == "p"]
    assert (change.action, change.reasons) == ("rebuild", reasons)
    assert dry.plan.changes == result.plan.changes
    assert f"rebuild table p: {'; '.join(reasons)}" in str(result.plan)
    assert rows(conn, "SELECT id FROM p") == [(1,)]


def test_added_columns_without_a_rebuild_say_the_same() -> None:
    """The words a rebuild now uses are those of ADD COLUMN."""
    client, _ = open_client("sqlite3")
    sync_on("sqlite3", client, BEFORE)
    plan = inline_sync.plan(
        client, "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT, note TEXT);" + CHILD
    )
    (change,) = [c for c in plan.changes if c.name == "p"]
    assert (change.action, change.reasons) == ("alter", ("add column note",))
