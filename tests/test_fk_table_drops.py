"""Dropping tables that foreign keys connect, through every client kind.

Where foreign keys stay on while applying (Durable Objects, D1), ``DROP TABLE`` first deletes
every row, and that fires the ON DELETE actions of the tables still referencing it: a child
that survives (its reference removed in the same sync) lost its rows to CASCADE or its values
to SET NULL, and RESTRICT or NO ACTION refused to drop tables that reference each other.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

PARENT = "CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT);\n"
KEEP = "CREATE TABLE keep (id INTEGER PRIMARY KEY);\n"


def _synced(kind: str, schema: str, data: str) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, schema)
    run(conn, data)
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"])
@pytest.mark.parametrize(
    "after",
    [
        "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER DEFAULT 7, v TEXT);",
        "CREATE TABLE c2 ( -- @renamed from=c\n"
        " id INTEGER PRIMARY KEY, pid INTEGER DEFAULT 7, v TEXT);",
    ],
    ids=["kept", "renamed"],
)
def test_a_child_that_loses_its_reference_keeps_its_rows(
    kind: str, action: str, after: str
) -> None:
    before = (
        PARENT + "CREATE TABLE c (id INTEGER PRIMARY KEY, "
        f"pid INTEGER DEFAULT 7 REFERENCES p(id) ON DELETE {action}, v TEXT);"
    )
    client, conn = _synced(
        kind,
        before,
        "INSERT INTO p VALUES (1, 'p1');\nINSERT INTO c VALUES (1, 1, 'c1');\n"
        "INSERT INTO c VALUES (2, NULL, 'c2')",
    )
    result = sync_on(kind, client, after, allow_destructive=True)
    child = "c2" if "c2" in after else "c"
    assert rows(conn, f"SELECT rowid, * FROM {child} ORDER BY id") == [
        (1, 1, 1, "c1"),
        (2, 2, None, "c2"),
    ]
    assert sorted((c.action, c.name) for c in result.plan.changes) == [
        ("drop", "p"),
        ("rebuild", child),
    ]
    assert rows(conn, "SELECT name FROM sqlite_master WHERE name = 'p'") == []
    assert not sync_on(kind, client, after).plan.statements


@pytest.mark.parametrize("kind", KINDS)
def test_a_chain_of_dropped_tables_does_not_cascade_into_a_survivor(kind: str) -> None:
    """p is dropped, q (dropped) references p, s (kept, without its reference) references q:
    dropping p must not cascade through q into s."""
    before = (
        PARENT
        + "CREATE TABLE q (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p ON DELETE CASCADE);\n"
        "CREATE TABLE s (id INTEGER PRIMARY KEY, qid INTEGER REFERENCES q ON DELETE CASCADE);"
    )
    client, conn = _synced(
        kind,
        before,
        "INSERT INTO p VALUES (1, 'p1');\nINSERT INTO q VALUES (1, 1);\n"
        "INSERT INTO s VALUES (5, 1)",
    )
    sync_on(kind, client, "CREATE TABLE s (id INTEGER PRIMARY KEY, qid INTEGER);",
            allow_destructive=True)  # fmt: skip
    assert rows(conn, "SELECT * FROM s") == [(5, 1)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", ["RESTRICT", "NO ACTION", "CASCADE", "SET NULL"])
def test_tables_that_reference_each_other_can_be_dropped(kind: str, action: str) -> None:
    before = (
        f"CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b ON DELETE {action});\n"
        f"CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a ON DELETE {action});\n"
        f"CREATE TABLE t (id INTEGER PRIMARY KEY, up INTEGER REFERENCES t ON DELETE {action});\n"
        + KEEP
    )
    client, conn = _synced(
        kind,
        before,
        "INSERT INTO a VALUES (1, NULL);\nINSERT INTO b VALUES (1, 1);\n"
        "UPDATE a SET b_id = 1;\nINSERT INTO t VALUES (1, NULL);\nINSERT INTO t VALUES (2, 1);\n"
        "INSERT INTO keep VALUES (3)",
    )
    result = sync_on(kind, client, KEEP, allow_destructive=True)
    assert sorted(c.name for c in result.plan.changes) == ["a", "b", "t"]
    assert rows(conn, "SELECT name FROM sqlite_master WHERE name IN ('a', 'b', 't', 'keep')") == [
        ("keep",)
    ]
    assert rows(conn, "SELECT * FROM keep") == [(3,)]


@pytest.mark.parametrize("kind", KINDS)
def test_one_of_a_cycle_dropped_the_other_keeps_its_rows(kind: str) -> None:
    before = (
        "CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b ON DELETE CASCADE);\n"
        "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a ON DELETE CASCADE);"
    )
    client, conn = _synced(
        kind,
        before,
        "INSERT INTO a VALUES (1, NULL);\nINSERT INTO b VALUES (1, 1);\nUPDATE a SET b_id = 1",
    )
    sync_on(kind, client, "CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER);",
            allow_destructive=True)  # fmt: skip
    assert rows(conn, "SELECT * FROM a") == [(1, 1)]
