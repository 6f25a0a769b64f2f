"""A rebuild's row copy and a column's own ON CONFLICT clause.

A rebuild copies the rows with ``INSERT INTO new SELECT … FROM old``, and a plain INSERT
follows the conflict clause of each constraint of the new table: under a new ``UNIQUE ON
CONFLICT REPLACE`` (or a PRIMARY KEY's) it deleted every duplicate but the last, under ``ON
CONFLICT IGNORE`` it dropped them, under ``NOT NULL ON CONFLICT IGNORE`` it dropped every row
holding a NULL, and under ``NOT NULL ON CONFLICT REPLACE`` it wrote the default over the NULLs.
The sync said "synced", nothing destructive, nothing lost. The copy now says ``INSERT OR
ABORT``, which overrides those clauses: such rows are an ApplyError naming the constraint, the
database exactly as it was, as for any other new constraint the rows violate.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, refused, rows, run, sync_on

import inline_sync

BEFORE = "CREATE TABLE t (a INTEGER, b TEXT);"
ROWS = (
    "INSERT INTO t VALUES (1, 'x');\nINSERT INTO t VALUES (1, NULL);\nINSERT INTO t VALUES (2, 'x')"
)

#: name -> (definitions, what SQLite says): each one's rows break the new constraint.
TIGHTENED = {
    "unique replace": ("CREATE TABLE t (a INTEGER, b TEXT UNIQUE ON CONFLICT REPLACE);", "UNIQUE"),
    "unique ignore": ("CREATE TABLE t (a INTEGER, b TEXT UNIQUE ON CONFLICT IGNORE);", "UNIQUE"),
    "table unique replace": (
        "CREATE TABLE t (a INTEGER, b TEXT, UNIQUE (a) ON CONFLICT REPLACE);",
        "UNIQUE",
    ),
    "integer primary key replace": (
        "CREATE TABLE t (a INTEGER PRIMARY KEY ON CONFLICT REPLACE, b TEXT);",
        "UNIQUE",
    ),
    "primary key ignore": (
        "CREATE TABLE t (a INTEGER, b TEXT, PRIMARY KEY (a) ON CONFLICT IGNORE);",
        "UNIQUE",
    ),
    "without rowid replace": (
        "CREATE TABLE t (a INTEGER PRIMARY KEY ON CONFLICT REPLACE, b TEXT) WITHOUT ROWID;",
        "UNIQUE",
    ),
    "not null ignore": (
        "CREATE TABLE t (a INTEGER, b TEXT NOT NULL ON CONFLICT IGNORE);",
        "NOT NULL",
    ),
    "not null replace": (
        "CREATE TABLE t (a INTEGER, b TEXT NOT NULL ON CONFLICT REPLACE DEFAULT 'z');",
        "NOT NULL",
    ),
}


@pytest.mark.parametrize("case", TIGHTENED)
@pytest.mark.parametrize("kind", KINDS)
def test_rows_a_conflict_clause_would_drop_are_an_error(kind: str, case: str) -> None:
    definitions, constraint = TIGHTENED[case]
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, ROWS)
    error = refused(kind, client, conn, definitions)
    assert f"{constraint} constraint failed" in str(error)
    assert "copy rows in table t" in str(error)
    assert "nothing was changed" in str(error)


@pytest.mark.parametrize("kind", KINDS)
def test_rows_that_fit_are_all_copied_and_the_plan_says_or_abort(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, "INSERT INTO t VALUES (1, 'x');\nINSERT INTO t VALUES (2, 'y')")
    definitions = (
        "CREATE TABLE t (a INTEGER PRIMARY KEY ON CONFLICT REPLACE, "
        "b TEXT UNIQUE ON CONFLICT IGNORE);"
    )
    plan = inline_sync.plan(client, definitions) if kind != "d1" else None
    result = sync_on(kind, client, definitions)
    copies = [s for s in result.plan.statements if "SELECT" in s and "INSERT" in s]
    assert copies and all(s.startswith("INSERT OR ABORT INTO ") for s in copies)
    assert plan is None or plan.statements == result.plan.statements
    assert rows(conn, "SELECT a, b FROM t ORDER BY a") == [(1, "x"), (2, "y")]
    # The table's own clauses are kept: they apply to the writes that come after.
    run(conn, "INSERT INTO t VALUES (1, 'z')")
    assert rows(conn, "SELECT a, b FROM t ORDER BY a") == [(1, "z"), (2, "y")]


@pytest.mark.parametrize("kind", KINDS)
def test_a_rollback_clause_on_an_existing_column_is_not_called_new(kind: str) -> None:
    """ON CONFLICT ROLLBACK ended the transaction inside the copy: the error's hint then read
    the old table's columns from a database where it no longer existed, and said "the new
    column b is NOT NULL without a DEFAULT" of a column that was there all along."""
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, ROWS)
    error = refused(
        kind, client, conn, "CREATE TABLE t (a INTEGER, b TEXT NOT NULL ON CONFLICT ROLLBACK);"
    )
    assert "NOT NULL constraint failed: t.b" in str(error)
    assert "new column" not in str(error)
    assert "existing rows hold NULLs" in str(error)


def test_a_durable_object_copying_column_by_column_keeps_every_row() -> None:
    """A Durable Object counts the rowid against its 100-column limit: a table of 100 columns
    is copied without it, then given its rowids back (rebuild._copy_rows). That copy too
    must not follow the new table's ON CONFLICT clause."""
    client, conn = open_client("durable-object")
    columns = ", ".join(f"c{i} INTEGER" for i in range(99))
    sync_on("durable-object", client, f"CREATE TABLE t ({columns}, b TEXT);")
    run(conn, "INSERT INTO t (c0, b) VALUES (1, 'x');\nINSERT INTO t (c0, b) VALUES (2, 'x')")
    error = refused(
        "durable-object", client, conn,
        f"CREATE TABLE t ({columns}, b TEXT UNIQUE ON CONFLICT REPLACE);",
    )  # fmt: skip
    assert "UNIQUE constraint failed" in str(error)
