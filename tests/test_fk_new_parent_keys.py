"""A child rebuilt to reference a parent key whose UNIQUE INDEX the same sync makes.

Where foreign keys stay on (Durable Objects, D1), the child's rows are copied while its foreign
key is checked, and the parent's new UNIQUE INDEX was made only at the end, with the other
indexes: SQLite refused the copy ("foreign key mismatch"), and the sync blamed the definitions.
Now such an index is made before the copy.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

BEFORE = """
CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);
CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT);
"""
AFTERS = {
    "new index": "CREATE UNIQUE INDEX p_code ON p(code);",
    "new table and index": "CREATE TABLE q (k TEXT);\nCREATE UNIQUE INDEX q_k ON q(k);",
}


@pytest.mark.parametrize("kind", KINDS)
def test_the_parent_key_index_is_made_before_the_rows_are_copied(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, "INSERT INTO p VALUES (1, 'a');\nINSERT INTO c VALUES (1, 'a');\n"
              "INSERT INTO c VALUES (2, NULL)")  # fmt: skip
    after = (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));\n"
        + AFTERS["new index"]
    )
    result = sync_on(kind, client, after)
    assert [(c.action, c.name) for c in result.plan.changes] == [
        ("rebuild", "c"),
        ("create", "p_code"),
    ]
    assert sum("CREATE UNIQUE INDEX" in s for s in result.plan.statements) == 1
    assert rows(conn, "SELECT * FROM c ORDER BY id") == [(1, "a"), (2, None)]
    assert rows(conn, "PRAGMA foreign_key_check") == []
    assert not sync_on(kind, client, after, force=True).plan.statements


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_parent_with_its_key_index(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, "INSERT INTO c VALUES (1, NULL)")
    after = (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES q(k));\n"
        + AFTERS["new table and index"]
    )
    sync_on(kind, client, after)
    assert rows(conn, "SELECT * FROM c") == [(1, None)]
    assert not sync_on(kind, client, after, force=True).plan.statements
