"""Unit tests of inline_sync.apply: error messages, foreign-key verification and chunked row
copies."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

import inline_sync
import inline_sync.apply as apply_module
from inline_sync.apply import apply_plan, fk_violations
from inline_sync.clients import SQLite3Client
from inline_sync.errors import ApplyError
from inline_sync.plan import ForeignKeyCheck, Step, SyncPlan


def client(script: str = "") -> SQLite3Client:
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.executescript(script)
    return SQLite3Client(con)


def refused(c: SQLite3Client, *steps: Step, fk: tuple[ForeignKeyCheck, ...] = ()) -> ApplyError:
    with pytest.raises(ApplyError) as info:
        apply_plan(c, SyncPlan(steps=steps, fk_checks=fk))
    return info.value


def test_apply_plan_returns_executed_statements() -> None:
    c = client()
    plan = SyncPlan(
        steps=(
            Step("create", "table", "t", "CREATE TABLE t (a)", "new"),
            Step("add column", "table", "t", "ALTER TABLE t ADD COLUMN b", "new column b"),
        )
    )
    assert apply_plan(c, plan) == ["CREATE TABLE t (a)", "ALTER TABLE t ADD COLUMN b"]
    assert [r[1] for r in c.query("PRAGMA table_info(t)")] == ["a", "b"]


def test_error_names_the_step_and_unprefixes_names() -> None:
    c = client("CREATE TABLE t (a); INSERT INTO t VALUES (1), (1);")
    step = Step("create", "index", "ix", "CREATE UNIQUE INDEX __sync_ix ON t (a)", "new index")
    err = refused(c, step)
    assert str(err) == (
        "SQLite refused to create index ix: UNIQUE constraint failed: t.a (existing rows hold "
        "duplicates under the new UNIQUE constraint)\n"
        "  statement: CREATE UNIQUE INDEX __sync_ix ON t (a)\n"
        "  nothing was changed (rolled back)"
    )
    assert err.step is step
    assert err.sqlite_message == "UNIQUE constraint failed: t.a"


def test_error_without_hint() -> None:
    c = client("CREATE TABLE t (a); INSERT INTO t VALUES (1);")
    step = Step("add column", "table", "t", "ALTER TABLE t ADD COLUMN b NOT NULL", "x")
    err = refused(c, step)
    assert str(err) == (
        "SQLite refused to add column in table t: Cannot add a NOT NULL column with default value "
        "NULL\n  statement: ALTER TABLE t ADD COLUMN b NOT NULL\n"
        "  nothing was changed (rolled back)"
    )
    assert err.sqlite_message == "Cannot add a NOT NULL column with default value NULL"


@pytest.mark.parametrize(
    ("script", "sql", "hint"),
    [
        (
            "CREATE TABLE s (a); INSERT INTO s VALUES (NULL);",
            "INSERT INTO t SELECT a FROM s",
            "existing rows hold NULLs under the new NOT NULL constraint",
        ),
        (
            "CREATE TABLE s (a); INSERT INTO s VALUES (-1);",
            "INSERT INTO c SELECT a FROM s",
            "existing rows violate the CHECK constraint",
        ),
        (
            "CREATE TABLE s (a); INSERT INTO s VALUES ('x');",
            "INSERT INTO st SELECT a FROM s",
            "existing values do not fit the STRICT column type",
        ),
    ],
)
def test_error_hints(script: str, sql: str, hint: str) -> None:
    c = client(
        "CREATE TABLE t (a NOT NULL); CREATE TABLE c (a CHECK (a > 0));"
        "CREATE TABLE st (a INTEGER) STRICT;" + script
    )
    err = refused(c, Step("copy rows", "table", "t", sql, "copy"))
    assert str(err).splitlines()[0].endswith(f"({hint})")


def test_steps_before_the_failure_are_executed_in_order() -> None:
    c = client()
    err = refused(
        c,
        Step("create", "table", "a", "CREATE TABLE a (x)", ""),
        Step("create", "table", "a", "CREATE TABLE a (x)", ""),
    )
    assert err.sqlite_message == "table a already exists"
    assert err.step is not None and err.step.name == "a"


def test_non_sqlite_errors_propagate_unchanged() -> None:
    class Boom(SQLite3Client):
        def execute(self, sql: str, params: object = ()) -> None:  # type: ignore[override]
            raise KeyError("boom")

    with pytest.raises(KeyError):
        apply_plan(
            Boom(sqlite3.connect(":memory:")),
            SyncPlan(steps=(Step("create", "table", "t", "CREATE TABLE t (a)", ""),)),
        )


# --------------------------------------------------------------------------- foreign keys

FK = """
CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE ch (pid REFERENCES p (id));
INSERT INTO p VALUES (1);
INSERT INTO ch VALUES (1), (2), (2);
"""


def test_fk_violations_counts_by_child_and_parent() -> None:
    c = client(FK)
    assert fk_violations(c, ["ch", "p"]) == Counter({("ch", "p"): 2})
    assert fk_violations(c, ["p"]) == Counter()
    assert fk_violations(c, []) == Counter()


def test_new_violations_fail_the_plan() -> None:
    c = client(FK)
    err = refused(
        c, Step("x", "table", "p", "DELETE FROM p", ""), fk=(ForeignKeyCheck("ch", "ch"),)
    )
    assert str(err) == (
        "FOREIGN KEY constraint failed: the change leaves 1 row(s) of ch without their p row; "
        "nothing was changed (rolled back)"
    )
    assert err.sqlite_message == "FOREIGN KEY constraint failed"
    assert err.step is None


def test_violations_that_existed_before_are_tolerated_across_a_rename() -> None:
    c = client(FK)
    plan = SyncPlan(
        steps=(Step("rename", "table", "kids", "ALTER TABLE ch RENAME TO kids", ""),),
        fk_checks=(ForeignKeyCheck("ch", "kids"),),
    )
    assert apply_plan(c, plan) == ["ALTER TABLE ch RENAME TO kids"]


# --------------------------------------------------------------------------- chunked copies


def chunk_client(rowids: list[int]) -> SQLite3Client:
    c = client("CREATE TABLE src (a); CREATE TABLE dst (a);")
    for r in rowids:
        c.execute("INSERT INTO src (rowid, a) VALUES (?, ?)", (r, f"v{r}"))
    return c


COPY = Step(
    "copy rows",
    "table",
    "dst",
    'INSERT INTO main."dst" (rowid, "a") SELECT rowid, "a" FROM main."src"',
    "copy",
    source="src",
)


@pytest.mark.parametrize("rowids", [[], [1], [1, 2], [1, 2, 3, 4], [3, 7, 8, 20, 21], [-5, 0, 9]])
def test_copy_in_chunks_copies_exactly_the_rows(
    monkeypatch: pytest.MonkeyPatch, rowids: list[int]
) -> None:
    monkeypatch.setattr(apply_module, "CHUNK_ROWS", 2)
    c = chunk_client(rowids)
    reports: list[tuple[int, int]] = []
    executed = apply_module._copy_in_chunks(c, COPY, lambda s, d, t: reports.append((d, t)))
    assert c.query("SELECT rowid, a FROM dst ORDER BY rowid") == [(r, f"v{r}") for r in rowids]
    n = len(rowids)
    assert len(executed) == n // 2 + 1
    assert reports[0] == (0, n)
    assert reports[-1] == (n, n)
    assert [d for d, _ in reports] == sorted(d for d, _ in reports)


def test_copy_in_chunks_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apply_module, "CHUNK_ROWS", 2)
    c = chunk_client([3, 7, 8])
    reports: list[tuple[int, int]] = []
    executed = apply_module._copy_in_chunks(c, COPY, lambda s, d, t: reports.append((d, t)))
    assert executed == [
        COPY.sql + " WHERE 1 AND rowid <= 7",
        COPY.sql + " WHERE 1 AND rowid > 7",
    ]
    assert reports == [(0, 3), (2, 3), (3, 3)]


def test_copy_in_chunks_without_rowid_is_one_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apply_module, "CHUNK_ROWS", 1)
    c = client(
        "CREATE TABLE src (a PRIMARY KEY) WITHOUT ROWID; CREATE TABLE dst (a);"
        "INSERT INTO src VALUES (1), (2), (3);"
    )
    step = Step(
        "copy rows",
        "table",
        "dst",
        'INSERT INTO main."dst" ("a") SELECT "a" FROM main."src"',
        "copy",
        source="src",
    )
    reports: list[tuple[int, int]] = []
    executed = apply_module._copy_in_chunks(c, step, lambda s, d, t: reports.append((d, t)))
    assert executed == [step.sql]
    assert reports == [(0, 3), (3, 3)]
    assert c.query("SELECT a FROM dst ORDER BY a") == [(1,), (2,), (3,)]


def test_apply_plan_with_progress_uses_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apply_module, "CHUNK_ROWS", 2)
    c = chunk_client([1, 2, 3])
    reports: list[tuple[str, int, int]] = []
    executed = apply_plan(
        c, SyncPlan(steps=(COPY,)), lambda s, d, t: reports.append((s.name, d, t))
    )
    assert executed == [COPY.sql + " WHERE 1 AND rowid <= 2", COPY.sql + " WHERE 1 AND rowid > 2"]
    assert reports == [("dst", 0, 3), ("dst", 2, 3), ("dst", 3, 3)]


def test_sync_with_progress_keeps_rows_of_a_table_with_a_rowid_column(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(apply_module, "CHUNK_ROWS", 2)
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.executescript("CREATE TABLE t (rowid, b); INSERT INTO t VALUES (NULL, 1), (5, 2), (6, 3);")
    inline_sync.sync(
        con, "CREATE TABLE t (rowid, b NOT NULL DEFAULT 0)", progress=lambda s, d, t: None
    )
    assert con.execute("SELECT _rowid_, rowid, b FROM t ORDER BY 1").fetchall() == [
        (1, None, 1),
        (2, 5, 2),
        (3, 6, 3),
    ]
