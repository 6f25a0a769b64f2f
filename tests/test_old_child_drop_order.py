"""A parent rebuilt in the same sync as a child that stops referencing it (Durable Objects, D1).

Where foreign keys stay on, the group is rebuilt into new copies and the old tables dropped
afterwards; dropping the old parent deletes its rows first, which runs the ON DELETE action of
every table still referencing it, the old child among them. The old tables were dropped in
the order of the *declared* references, in which the child no longer names the parent: the
parent went first, its SET NULL or SET DEFAULT wrote into the old child's rows, and a NOT NULL
or CHECK there refused it. The sync failed ("refused to rebuild table p: NOT NULL constraint
failed: c.pid (existing rows hold NULLs ...)": they hold none) where sqlite3 and apsw sync
it. The old tables are dropped children first by the references they have.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

PARENT = "CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT);\n"
PARENT_CHANGED = "CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT COLLATE NOCASE);\n"

CHILDREN = {
    "set null, not null": ("pid INTEGER NOT NULL", "ON DELETE SET NULL"),
    "set null, check": ("pid INTEGER CHECK (pid IS NOT NULL)", "ON DELETE SET NULL"),
    "set default, not null": ("pid INTEGER NOT NULL", "ON DELETE SET DEFAULT"),
    "set default, check": ("pid INTEGER DEFAULT 0 CHECK (pid > 0)", "ON DELETE SET DEFAULT"),
}


@pytest.mark.parametrize("case", CHILDREN)
@pytest.mark.parametrize("kind", KINDS)
def test_the_old_child_goes_before_the_old_parent(kind: str, case: str) -> None:
    column, action = CHILDREN[case]
    before = (
        PARENT + f"CREATE TABLE c (id INTEGER PRIMARY KEY, {column} REFERENCES p(id) {action});"
    )
    after = PARENT_CHANGED + f"CREATE TABLE c (id INTEGER PRIMARY KEY, {column});"
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    run(conn, "INSERT INTO p VALUES (1, 'a');\nINSERT INTO c VALUES (1, 1)")
    result = sync_on(kind, client, after)
    assert {c.name: c.action for c in result.plan.changes} == {"p": "rebuild", "c": "rebuild"}
    assert rows(conn, "SELECT id, pid FROM c") == [(1, 1)]
    assert rows(conn, "SELECT id, v FROM p") == [(1, "a")]
    assert rows(conn, "PRAGMA foreign_key_list(c)") == []
    assert not sync_on(kind, client, after, force=True).plan.statements


@pytest.mark.parametrize("kind", KINDS)
def test_a_child_that_keeps_its_cascade_keeps_its_rows(kind: str) -> None:
    """The other way round, a child keeping its ON DELETE CASCADE is rebuilt with the parent
    as before: nothing cascades."""
    child = (
        "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) ON DELETE CASCADE);"
    )
    client, conn = open_client(kind)
    sync_on(kind, client, PARENT + child)
    run(conn, "INSERT INTO p VALUES (1, 'a');\nINSERT INTO c VALUES (1, 1)")
    sync_on(kind, client, PARENT_CHANGED + child)
    assert rows(conn, "SELECT id, pid FROM c") == [(1, 1)]
