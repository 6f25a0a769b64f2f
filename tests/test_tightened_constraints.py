"""A constraint tightened over rows that break it: an ApplyError that says which kind, the
database exactly as it was, the same on every client.

SQLite 3.53+ (apsw here) adds a NOT NULL or a CHECK to a table with ``ALTER TABLE … ALTER
COLUMN … SET NOT NULL`` / ``ADD CHECK``, and refuses rows that break it with nothing but
"constraint failed": the error then said "existing rows violate the new constraint", where
the clients that rebuild the table said "existing rows hold NULLs under the new NOT NULL
constraint" or "… violate the CHECK constraint". The step says which it was. Likewise D1
said rows were left "without their parent row" where the others name the parent table.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, refused, run, sync_on

BEFORE = """
CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, pid INTEGER);
"""
ROWS = (
    "INSERT INTO p VALUES (1);\n"
    "INSERT INTO t VALUES (1, 'x', NULL, 1);\n"
    "INSERT INTO t VALUES (2, 'X', 5, 9);\n"
    "INSERT INTO t VALUES (3, 'y', 5, NULL)"
)
P = "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"

#: name -> (the new definition of t, what the error says)
CASES = {
    "not null": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER NOT NULL, pid INTEGER);",
        "existing rows hold NULLs under the new NOT NULL constraint",
    ),
    "column check": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER CHECK (n > 5), pid INTEGER);",
        "existing rows violate the CHECK constraint",
    ),
    "named table check": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, pid INTEGER,\n"
        "  CONSTRAINT small CHECK (n < 5));",
        "existing rows violate the CHECK constraint",
    ),
    "unique": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER UNIQUE, pid INTEGER);",
        "existing rows hold duplicates under the new UNIQUE constraint",
    ),
    "unique index": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, pid INTEGER);\n"
        "CREATE UNIQUE INDEX t_a ON t (a COLLATE NOCASE);",
        "existing rows hold duplicates under the new UNIQUE constraint",
    ),
    "primary key": (
        "CREATE TABLE t (id INTEGER, a TEXT, n INTEGER PRIMARY KEY, pid INTEGER);",
        "constraint failed",
    ),
    "strict": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, n INTEGER, pid INTEGER) STRICT;",
        "existing values do not fit the STRICT column type",
    ),
    "foreign key": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, pid INTEGER REFERENCES p);",
        "without their p row",
    ),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", KINDS)
def test_rows_that_break_a_tightened_constraint(kind: str, case: str) -> None:
    definitions, says = CASES[case]
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, ROWS)
    plan = sync_on(kind, client, P + definitions, dry_run=True).plan
    error = refused(kind, client, conn, P + definitions)
    assert says in str(error)
    assert "nothing was changed" in str(error)
    if error.step is not None:  # the step it names is one the plan showed
        assert error.step in plan.steps
