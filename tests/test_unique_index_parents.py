"""A parent whose key, named by a child's foreign key, is a CREATE UNIQUE INDEX rather than a
UNIQUE in the table. Where foreign keys stay on (Durable Objects, D1) a rebuild copies parent
and children into new tables that reference each other; SQLite writes neither without a
unique index on the new parent's key ("foreign key mismatch"), so the sync refused a valid
change, with a hint to declare what was declared. The new copy now gets the index under a
temporary name; the index comes back under its own name once the old table is gone."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on, user_objects

SCHEMAS = {
    "one column": (
        "CREATE TABLE p (a INTEGER, code TEXT);\n"
        "CREATE UNIQUE INDEX p_code ON p (code);\n"
        "CREATE TABLE c (code TEXT REFERENCES p (code) ON DELETE CASCADE);\n",
        "INSERT INTO p VALUES (1, 'x');\nINSERT INTO c VALUES ('x')",
    ),
    "two columns, an index that is not the key as well": (
        "CREATE TABLE p (a INTEGER, k1 TEXT, k2 INTEGER);\n"
        "CREATE UNIQUE INDEX p_k ON p (k2, k1);\n"
        "CREATE INDEX p_a ON p (a);\n"
        "CREATE TABLE c (k1 TEXT, k2 INTEGER, FOREIGN KEY (k1, k2) REFERENCES p (k1, k2));\n",
        "INSERT INTO p VALUES (1, 'x', 2);\nINSERT INTO c VALUES ('x', 2)",
    ),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(SCHEMAS))
def test_a_parent_keyed_by_a_unique_index_is_rebuilt_with_its_children(
    kind: str, case: str
) -> None:
    schema, data = SCHEMAS[case]
    changed = schema.replace("(a INTEGER,", "(a INTEGER NOT NULL DEFAULT 0,")
    client, conn = open_client(kind)
    sync_on(kind, client, schema)
    run(conn, data)
    before_p = rows(conn, "SELECT rowid, * FROM p")
    before_c = rows(conn, "SELECT rowid, * FROM c")
    result = sync_on(kind, client, changed)
    assert ("rebuild", "p") in {(c.action, c.name) for c in result.plan.changes}
    assert rows(conn, "SELECT rowid, * FROM p") == before_p
    assert rows(conn, "SELECT rowid, * FROM c") == before_c
    fresh_client, fresh = open_client(kind)
    sync_on(kind, fresh_client, changed)
    assert user_objects(conn) == user_objects(fresh)  # no temporary index left, each under its name
    assert rows(conn, "PRAGMA foreign_key_check") == []
    assert not sync_on(kind, client, changed).plan
