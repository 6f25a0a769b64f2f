"""Tests written to kill surviving mutants of ``inline_sync/apply.py`` (issue 14,
docs/mutation-testing.md): the hint for a new NOT NULL column, progress on a table without
rowid, the caller's TEMP triggers on a rebuilt table, and its TEMP readers set aside
around a schema-checking ALTER. Each names, in its docstring, the
mutations it catches. Through stdlib sqlite3, apsw and (where it has the feature) the Durable
Object stand-in. D1 comes here only for the refusal message: its rounds copy rows on their own."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Sequence
from typing import Any

import pytest
from fake_d1 import FakeD1
from memory_clients import OPENERS, open_client, rows, run, sync_on

import inline_sync
from inline_sync import apply
from inline_sync.apply import refused
from inline_sync.clients import SQLite3Client
from inline_sync.d1 import sync_async
from inline_sync.plan import Step


@pytest.mark.parametrize("opener", list(OPENERS))
def test_new_not_null_column_without_default_is_named_with_what_to_do(opener: str) -> None:
    """A rebuild whose copy fails on a new NOT NULL column without DEFAULT says that this is
    the cause and how to fix it, not only that rows hold NULLs (kills ``_new_column_hint``'s
    pattern made to match nothing)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);")
    run(conn, "INSERT INTO t (a) VALUES ('x')")
    with pytest.raises(inline_sync.ApplyError) as caught:
        inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL);")
    assert (
        "(the new column b is NOT NULL without a DEFAULT, and existing rows have no value for "
        "it: give it one, e.g. b ... NOT NULL DEFAULT 0)" in str(caught.value)
    )
    assert rows(conn, "SELECT * FROM t") == [(1, "x")]


@pytest.mark.parametrize("opener", ["sqlite3", "durable-object"])  # apsw: ALTER … SET NOT NULL
def test_an_old_column_made_not_null_over_nulls_gets_the_general_hint(opener: str) -> None:
    """A column the old table has, made NOT NULL while rows hold NULL in it, is not "a new
    column without a DEFAULT": the rebuild's copy fails with the general hint (kills the old
    columns read from another field of ``table_info`` or not at all, and a hint returned for
    an old column)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);")
    run(conn, "INSERT INTO t (a) VALUES (NULL)")
    with pytest.raises(inline_sync.ApplyError) as caught:
        inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL);")
    assert str(caught.value).splitlines()[0] == (
        "SQLite refused to copy rows in table t: NOT NULL constraint failed: t.a (existing rows "
        "hold NULLs under the new NOT NULL constraint)"
    )


@pytest.mark.parametrize("opener", list(OPENERS))
def test_progress_of_a_table_without_rowid_names_its_step(opener: str) -> None:
    """A table without rowid is copied in one statement; progress is told about that step at
    the start and at the end (kills the final report made with no step)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE t (k TEXT PRIMARY KEY, a TEXT) WITHOUT ROWID;")
    run(conn, "INSERT INTO t VALUES ('a', '1'), ('b', '2'), ('c', '3')")
    seen: list[tuple[Step, int, int]] = []
    inline_sync.sync(
        db,
        "CREATE TABLE t (k TEXT PRIMARY KEY, a TEXT COLLATE NOCASE) WITHOUT ROWID;",
        progress=lambda step, done, total: seen.append((step, done, total)),
    )
    assert [(s.action, s.name, done, total) for s, done, total in seen] == [
        ("copy rows", "t", 0, 3),
        ("copy rows", "t", 3, 3),
    ]
    assert seen[0][0] is seen[1][0]


@pytest.mark.parametrize("opener", ["sqlite3", "apsw"])
@pytest.mark.parametrize("strategy", ["scratch-db", "prefix"])
def test_temp_trigger_on_main_table_beside_a_temp_table_of_its_name(
    opener: str, strategy: str
) -> None:
    """A TEMP trigger ``ON main.c`` (a comment in between, for good measure) while a TEMP table
    ``c`` exists is on the main table: kept across its rebuild. A TEMP trigger ``ON c`` is on
    the TEMP table and not touched. A TEMP trigger ``ON d``, unqualified, is on the main table
    ``d`` even though its body joins ``ON a.what``: only the first ON counts (kills every
    mutation of ``_trigger_schema`` that loses the schema: comments kept instead of dropped,
    an ON test inverted or misspelt, the dot looked for elsewhere)."""
    db, conn = OPENERS[opener]()
    v1 = "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT);\nCREATE TABLE d (x TEXT);"
    inline_sync.sync(db, v1)
    run(
        conn,
        "INSERT INTO main.c (x) VALUES ('m');\n"
        "CREATE TEMP TABLE c (mine TEXT);\n"
        "CREATE TEMP TABLE log (what TEXT);\n"
        "CREATE TEMP TRIGGER watch_d AFTER INSERT ON d BEGIN INSERT INTO log SELECT 'd ' || "
        "new.x WHERE NOT EXISTS (SELECT 1 FROM log AS a JOIN log AS b ON a.what = b.what "
        "WHERE 0); END;\n"
        "CREATE TEMP TRIGGER watch_main AFTER INSERT ON /* the real one */ main.c "
        "BEGIN INSERT INTO log VALUES ('main ' || new.x); END;\n"
        "CREATE TEMP TRIGGER watch_temp AFTER INSERT ON c "
        "BEGIN INSERT INTO log VALUES ('temp ' || new.mine); END;\n",
    )
    before = rows(conn, "SELECT name, tbl_name, sql FROM temp.sqlite_master ORDER BY name")
    v2 = v1.replace("TEXT)", "TEXT COLLATE NOCASE)")
    result = inline_sync.sync(db, v2, scratch_schema=strategy)
    assert [(ch.action, ch.name) for ch in result.plan.changes] == [
        ("rebuild", "c"),
        ("rebuild", "d"),
    ]
    after = rows(conn, "SELECT name, tbl_name, sql FROM temp.sqlite_master ORDER BY name")
    assert after == before
    run(
        conn,
        "INSERT INTO main.c (x) VALUES ('n');\nINSERT INTO temp.c VALUES ('t');\n"
        "INSERT INTO main.d VALUES ('e')",
    )
    assert rows(conn, "SELECT what FROM temp.log ORDER BY what") == [
        ("d e",),
        ("main n",),
        ("temp t",),
    ]


UNIQUE_REFUSED = (
    "SQLite refused to create index t_a: UNIQUE constraint failed: t.a (existing rows hold "
    "duplicates under the new UNIQUE constraint)\n"
    "  statement: CREATE UNIQUE INDEX main.t_a ON t (a)\n"
    "  nothing was changed (rolled back)"
)


@pytest.mark.parametrize("opener", [*OPENERS, "d1"])
def test_a_refused_step_is_named_with_the_likely_cause(opener: str) -> None:
    """The whole message of a refused step: what was refused, SQLite's words, the likely cause,
    the statement, and that nothing changed. D1 asks for it without a hint of its own (kills a
    default hint that is not empty)."""
    schema = "CREATE TABLE t (a);"
    wanted = schema + "\nCREATE UNIQUE INDEX t_a ON t (a);"
    if opener == "d1":
        d1 = FakeD1()
        asyncio.run(sync_async(d1, schema))
        d1.script("INSERT INTO t VALUES (1), (1);")
        with pytest.raises(inline_sync.ApplyError) as failed:
            asyncio.run(sync_async(d1, wanted))
    else:
        db, conn = OPENERS[opener]()
        inline_sync.sync(db, schema)
        run(conn, "INSERT INTO t VALUES (1), (1)")
        with pytest.raises(inline_sync.ApplyError) as failed:
            inline_sync.sync(db, wanted)
    assert str(failed.value) == UNIQUE_REFUSED


def test_a_refusal_of_no_known_step_says_the_change_was_refused() -> None:
    """When SQLite's refusal cannot be tied to a step (it came at commit), the message says the
    change was refused, with the likely cause (kills the message of that case left empty)."""
    error = refused(None, "UNIQUE constraint failed: t.a")
    assert str(error) == (
        "SQLite refused the change: UNIQUE constraint failed: t.a (existing rows hold "
        "duplicates under the new UNIQUE constraint)\n  nothing was changed (rolled back)"
    )
    assert error.step is None and error.sqlite_message == "UNIQUE constraint failed: t.a"


class RefusesTempTrigger(SQLite3Client):
    """sqlite3 that refuses to create a TEMP trigger again (as SQLite would if what the
    trigger names were gone): a refusal of the statement, not an environment failure."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        if sql.startswith("CREATE TEMP TRIGGER"):
            raise sqlite3.OperationalError("no such table: main.c")
        super().execute(sql, params)


def test_a_temp_trigger_that_cannot_be_created_again_is_an_apply_error() -> None:
    """SQLite refusing to create the caller's TEMP trigger again after the rebuild is an
    ApplyError naming the trigger, and everything is rolled back (kills the error test
    inverted or asked about no exception, which let the raw sqlite3 error through)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT);")
    run(
        conn,
        "INSERT INTO c (x) VALUES ('m');\n"
        "CREATE TEMP TRIGGER watch AFTER INSERT ON main.c BEGIN SELECT 1; END;\n",
    )
    before = rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    with pytest.raises(inline_sync.ApplyError) as failed:
        inline_sync.sync(
            RefusesTempTrigger(conn),
            "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT COLLATE NOCASE);",
        )
    assert str(failed.value) == (
        "the connection's own TEMP trigger 'watch' cannot be created again after the "
        "change: no such table: main.c; drop it first, or keep what it uses; nothing was "
        "changed (rolled back)"
    )
    assert failed.value.sqlite_message == "no such table: main.c"
    assert rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == before
    assert rows(conn, "SELECT name FROM temp.sqlite_master") == [("watch",)]
    assert rows(conn, "SELECT * FROM c") == [(1, "m")]


class DiskFullOnTempTrigger(SQLite3Client):
    """sqlite3 whose disk fills up just when a TEMP trigger is created again."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        if sql.startswith("CREATE TEMP TRIGGER"):
            raise sqlite3.OperationalError("database or disk is full")
        super().execute(sql, params)


def test_disk_full_while_a_temp_trigger_is_created_again_is_a_storage_error() -> None:
    """The same step failing because the disk is full is the environment's fault: a
    StorageError, not an ApplyError blaming the trigger (kills ``or`` made ``and`` in the
    test that lets environment failures through)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT);")
    run(conn, "CREATE TEMP TRIGGER watch AFTER INSERT ON main.c BEGIN SELECT 1; END")
    before = rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    with pytest.raises(inline_sync.StorageError) as failed:
        inline_sync.sync(
            DiskFullOnTempTrigger(conn),
            "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT COLLATE NOCASE);",
        )
    assert not isinstance(failed.value, inline_sync.ApplyError)
    assert "database or disk is full" in str(failed.value)
    assert rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == before
    assert rows(conn, "SELECT name FROM temp.sqlite_master") == [("watch",)]


FK_BEFORE = """
CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT COLLATE NOCASE UNIQUE);
CREATE TABLE q (id INTEGER PRIMARY KEY);
CREATE TABLE a (id INTEGER PRIMARY KEY, p_id INTEGER);
CREATE TABLE k (id INTEGER PRIMARY KEY, q_id INTEGER REFERENCES q, code TEXT REFERENCES p(code));
"""
# p renamed to p2 and its key losing NOCASE (k's references to it are counted again); a gains a
# reference to p2 (counted after only).
FK_AFTER = """
CREATE TABLE p2 -- @renamed from=p
    (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
CREATE TABLE q (id INTEGER PRIMARY KEY);
CREATE TABLE a (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p2(id));
CREATE TABLE k (id INTEGER PRIMARY KEY, q_id INTEGER REFERENCES q, code TEXT REFERENCES p2(code));
"""


@pytest.mark.parametrize("opener", list(OPENERS))
def test_violations_under_a_renamed_parent_are_counted_by_their_new_name(opener: str) -> None:
    """The foreign-key check around applying counts violations before and after by the parent's
    name after the plan: those already there under the renamed parent (and under another
    parent, in an earlier row) do not count, a new one does. The check of a table with nothing
    to count before comes first and is skipped, not the end. Kills, in ``_counted``: the
    before side keyed by the names after (or the after side by the names before), the count
    keyed by the parent's own name, and ``break`` in place of either ``continue``."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, FK_BEFORE)
    run(
        conn,
        "PRAGMA foreign_keys = OFF;\n"
        "INSERT INTO p VALUES (1, 'A');\n"
        "INSERT INTO a VALUES (1, 1);\n"
        "INSERT INTO k VALUES (1, 99, 'A');\n"  # a dangling q_id, there before
        "INSERT INTO k VALUES (2, NULL, 'zzz');\n"  # a dangling code, there before
        "INSERT INTO k VALUES (3, NULL, 'a');\n"  # finds 'A' only under NOCASE
        "PRAGMA foreign_keys = ON",
    )
    planned = inline_sync.plan(db, FK_AFTER)
    assert [(c.before, c.after, c.parents) for c in planned.fk_checks] == [
        (None, "a", (("p", "p2"),)),
        ("k", "k", (("p", "p2"),)),
    ]
    before = rows(conn, "SELECT * FROM k ORDER BY id")
    with pytest.raises(inline_sync.ApplyError) as failed:
        inline_sync.sync(db, FK_AFTER)
    assert str(failed.value) == (
        "FOREIGN KEY constraint failed: the change leaves 1 row(s) of k without their p2 row; "
        "nothing was changed (rolled back)"
    )
    assert rows(conn, "SELECT * FROM k ORDER BY id") == before
    run(conn, "UPDATE k SET code = 'A' WHERE id = 3")
    assert inline_sync.sync(db, FK_AFTER).status == "synced"
    assert rows(conn, "PRAGMA foreign_key_check") == [("k", 1, "q", 1), ("k", 2, "p2", 0)]


@pytest.mark.parametrize("opener", ["sqlite3", "apsw"])
def test_temp_triggers_of_tables_not_rebuilt_are_not_touched(opener: str) -> None:
    """Only the TEMP triggers of rebuilt tables are set aside and created again: one on a table
    that only gains a column stays as it is, one on a dropped table goes with it (kills "a
    table step or a rebuild" and "not a rebuild", which tried to create it again on a table
    that no longer exists, and ``or`` made ``and`` in ``_caller_triggers``, which set aside
    and created again the triggers of every other table too: the one on ``c`` keeps its row)."""
    db, conn = OPENERS[opener]()
    v1 = (
        "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT);\n"
        "CREATE TABLE d (x TEXT);\n"
        "CREATE TABLE e (x TEXT);"
    )
    inline_sync.sync(db, v1)
    run(
        conn,
        "CREATE TEMP TABLE log (what TEXT);\n"
        "CREATE TEMP TRIGGER on_c AFTER INSERT ON main.c BEGIN INSERT INTO log VALUES ('c'); END;\n"
        "CREATE TEMP TRIGGER on_d AFTER INSERT ON main.d BEGIN INSERT INTO log VALUES ('d'); END;\n"
        "CREATE TEMP TRIGGER on_e AFTER INSERT ON main.e BEGIN INSERT INTO log VALUES ('e'); END;\n"
        "CREATE TEMP TABLE made_last (x)",  # (a trigger made again would come after it)
    )
    on_c = "SELECT rowid, sql FROM temp.sqlite_master WHERE name = 'on_c'"
    before = rows(conn, on_c)
    v2 = (
        "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT, y TEXT);\n"
        "CREATE TABLE d (x TEXT COLLATE NOCASE);"
    )
    result = inline_sync.sync(db, v2, allow_destructive=True)
    assert [(ch.action, ch.name) for ch in result.plan.changes] == [
        ("drop", "e"),
        ("alter", "c"),
        ("rebuild", "d"),
    ]
    assert rows(conn, "SELECT name FROM temp.sqlite_master WHERE type = 'trigger' ORDER BY 1") == [
        ("on_c",),
        ("on_d",),
    ]
    assert rows(conn, on_c) == before  # not dropped and created again when d was rebuilt
    run(conn, "INSERT INTO main.c (x) VALUES ('1');\nINSERT INTO main.d VALUES ('2')")
    assert rows(conn, "SELECT what FROM log ORDER BY what") == [("c",), ("d",)]


def test_a_durable_object_is_not_asked_for_temp_triggers() -> None:
    """A Durable Object has no TEMP schema: a rebuild there does not look for the caller's TEMP
    triggers (kills ``or`` made ``and`` in the test that skips the look, which sent a query on
    ``temp.sqlite_master`` into the object's transaction)."""
    db, _ = OPENERS["durable-object"]()
    inline_sync.sync(db, "CREATE TABLE d (x TEXT);")
    db.sql.log.clear()
    result = inline_sync.sync(db, "CREATE TABLE d (x TEXT COLLATE NOCASE);")
    assert [(ch.action, ch.name) for ch in result.plan.changes] == [("rebuild", "d")]
    assert not [q for q in db.sql.log if "temp." in q.lower()], db.sql.log


def test_a_refused_copy_names_the_users_table_where_foreign_keys_stay_on() -> None:
    """Where foreign keys cannot be switched off, a rebuild copies rows into a new table
    (``__sync_new_t``) before it takes the old one's place; SQLite's refusal names that table,
    and the message must name the user's (a bug: it said ``new_t.a``). Through D1 too."""
    wanted = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL);"
    expected = (
        "SQLite refused to copy rows in table t: NOT NULL constraint failed: t.a (existing rows "
        "hold NULLs under the new NOT NULL constraint)"
    )
    d1 = FakeD1()
    asyncio.run(sync_async(d1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"))
    d1.script("INSERT INTO t (a) VALUES (NULL);")
    with pytest.raises(inline_sync.ApplyError) as failed:
        asyncio.run(sync_async(d1, wanted))
    assert str(failed.value).splitlines()[0] == expected
    assert "__sync_new_t" in (failed.value.sqlite_message or "")  # SQLite's own words, kept


@pytest.mark.parametrize("opener", ["sqlite3", "apsw"])
def test_temp_triggers_of_a_temp_table_keep_their_firing_order(opener: str) -> None:
    """TEMP triggers on a TEMP table ``c`` (one written ``ON c``, one ``ON temp.c``) are not the
    rebuilt main table's: they are left exactly as they are, so they still fire in the same
    order (SQLite fires the newest first; creating one again would change that). Kills the
    TEMP tables misread (another column, another type), which took ``ON c`` for the main
    table's."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT);")
    run(
        conn,
        "CREATE TEMP TABLE c (mine TEXT);\n"
        "CREATE TEMP TABLE log (what TEXT);\n"
        "CREATE TEMP TRIGGER first AFTER INSERT ON c BEGIN INSERT INTO log VALUES ('1'); END;\n"
        "CREATE TEMP TRIGGER second AFTER INSERT ON temp.c "
        "BEGIN INSERT INTO log VALUES ('2'); END;\n"
        "INSERT INTO temp.c VALUES ('before')",
    )
    order = rows(conn, "SELECT what FROM log ORDER BY rowid")
    inline_sync.sync(db, "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT COLLATE NOCASE);")
    run(conn, "DELETE FROM log;\nINSERT INTO temp.c VALUES ('after')")
    assert rows(conn, "SELECT what FROM log ORDER BY rowid") == order


class Clock:
    """``time`` for apply.py: perf_counter advances by a quarter second per reading."""

    def __init__(self) -> None:
        self.now = 100.0

    def perf_counter(self) -> float:
        self.now += 0.25
        return self.now


def test_debug_log_gives_each_step_and_its_duration(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With the ``inline_sync`` logger at DEBUG, each applied step is logged with the time it
    took, measured from its own start (kills the logger never asked for, the start not taken,
    and the start taken only when debugging is off)."""
    import inline_sync.apply as apply_module

    monkeypatch.setattr(apply_module, "time", Clock())
    conn = sqlite3.connect(":memory:", isolation_level=None)
    with caplog.at_level(logging.DEBUG, logger="inline_sync"):
        inline_sync.sync(conn, "CREATE TABLE t (a);\nCREATE INDEX t_a ON t (a);")
    steps = [r.getMessage() for r in caplog.records if " ms  " in r.getMessage()]
    assert steps == [
        "250.00 ms  CREATE TABLE main.t (a)",
        "250.00 ms  CREATE INDEX main.t_a ON t (a)",
    ]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_disk_full_while_copying_rows_names_the_step_and_sqlites_words(opener: str) -> None:
    """A disk that fills up while a rebuild copies rows (``max_page_count``: room for the
    scratch objects, not for the copy) is a StorageError naming the step it stopped at, with
    SQLite's own message, and the database is as it was (kills ``doing`` made None and
    ``storage_error`` handed None for the message or for ``doing``)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);")
    conn.executemany("INSERT INTO t (a) VALUES (?)", [("x" * 500,) for _ in range(200)])
    before = rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    pages = rows(conn, "PRAGMA page_count")[0][0]
    rows(conn, f"PRAGMA max_page_count = {pages + 8}")
    with pytest.raises(inline_sync.StorageError) as failed:
        inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE);")
    assert not isinstance(failed.value, inline_sync.ApplyError)
    assert failed.value.code == "SQLITE_FULL"
    assert failed.value.sqlite_message == "database or disk is full"
    assert str(failed.value) == (
        "the disk (or the database's size limit) is full: database or disk is full (while "
        "applying step copy rows in table t); nothing was changed"
    )
    assert rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == before
    assert rows(conn, "SELECT count(*) FROM t") == [(200,)]


@pytest.mark.parametrize("client", ["durable-object", "d1"])
def test_a_refusal_names_every_rebuilt_table_by_its_own_name(client: str) -> None:
    """Where foreign keys stay on, a rebuild copies each table of the closure into
    ``__sync_new_<name>``; SQLite's message may name any of them, not only the step's own
    table: the error gives the user's names (it said "new_k": the child's copy, with only the
    prefix taken off). The child references a column that is no longer UNIQUE."""
    parent = "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n"
    child = "CREATE TABLE k (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));\n"
    db, conn = open_client(client)

    def sync(schema: str) -> Any:
        return sync_on(client, db, schema)

    sync(parent + child)
    run(conn, "INSERT INTO p VALUES (1, 'A');\nINSERT INTO k (code) VALUES ('A')")
    with pytest.raises(inline_sync.ApplyError) as info:
        sync(parent.replace(" UNIQUE", "") + child)
    assert 'foreign key mismatch - "k" referencing "p"' in str(info.value)
    assert "new_" not in str(info.value).split("\n")[0]
    assert rows(conn, "SELECT * FROM k") == [(1, "A")]


class DiskFailsAtTheLastCheck(SQLite3Client):
    """sqlite3 whose disk fails when the foreign keys are checked after the steps ran."""

    steps_ran = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.steps_ran = self.steps_ran or sql.startswith("DROP TABLE")
        super().execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        if self.steps_ran and "foreign_key_check" in sql:
            raise sqlite3.OperationalError("disk I/O error")
        return super().query(sql, params)


def test_a_disk_failure_in_the_last_foreign_key_check_is_a_storage_error() -> None:
    """Only "foreign key mismatch" in the check after the steps is the definitions' fault
    (an ApplyError); a disk failing there is the environment's: a StorageError (kills ``or``
    made ``and`` in that test)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, FK_BEFORE)
    run(conn, "INSERT INTO q VALUES (1);\nINSERT INTO p VALUES (1, 'a')")
    before = rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    with pytest.raises(inline_sync.StorageError) as failed:
        inline_sync.sync(DiskFailsAtTheLastCheck(conn), FK_AFTER)
    assert not isinstance(failed.value, inline_sync.ApplyError)
    assert failed.value.code == "SQLITE_IOERR"
    assert rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == before


def test_a_drop_refused_for_a_constraint_blames_the_on_delete_action_not_the_rows() -> None:
    """A DROP TABLE deletes its rows first, running the ON DELETE actions of the tables that
    reference it: a NOT NULL failure there is no new NOT NULL constraint, and the hint says
    what happened (the hint for a new NOT NULL column was given)."""
    step = Step("rebuild", "table", "t13", 'DROP TABLE main."t13"', "drop the old table")
    message = str(refused(step, "NOT NULL constraint failed: t5.c6"))
    assert message == (
        "SQLite refused to rebuild table t13: NOT NULL constraint failed: t5.c6 (dropping t13 "
        "deletes its rows first, and an ON DELETE action (SET NULL, SET DEFAULT, CASCADE) of a "
        "table that references it broke that table's constraint)\n"
        '  statement: DROP TABLE main."t13"\n'
        "  nothing was changed (rolled back)"
    )
    other = Step("drop", "table", "t", 'DROP TABLE main."t"', "not in the definitions")
    assert "ON DELETE action" in str(refused(other, "CHECK constraint failed: c"))
    assert "ON DELETE action" not in str(refused(other, "FOREIGN KEY constraint failed"))
    create = Step("create", "table", "t", "CREATE TABLE t (a)", "new")
    assert "ON DELETE" not in str(refused(create, "NOT NULL constraint failed: t.a"))


NN = "NOT NULL constraint failed: t.{}"


@pytest.mark.parametrize(
    ("action", "sql", "column", "hinted"),
    [
        ("copy columns", "INSERT INTO main.t (a) SELECT a FROM main.old", "b", True),
        ("copy rows", "INSERT INTO b (a) SELECT a FROM x", "b", True),  # the table's name
        ("copy rows", "INSERT INTO t (a) SELECT a FROM x", "x", True),  # the source's name
        ("copy rows", "INSERT INTO t (b, a) SELECT b, a FROM x", "b", False),  # written
        ("add column", "ALTER TABLE t ADD COLUMN b NOT NULL", "b", False),
    ],
)
def test_the_new_column_hint_reads_the_copy_s_own_column_list(
    action: str, sql: str, column: str, hinted: bool
) -> None:
    """Only the names between the copy's parentheses are the columns it writes (kills the
    list's start or end found otherwise, its first name skipped, and "copy columns" spelt
    otherwise)."""
    step = Step(action, "table", "t", sql, "")
    hint = apply.new_column_hint(step, NN.format(column))
    assert bool(hint) is hinted
    if hinted:
        assert hint.startswith(f"the new column {column} is NOT NULL without a DEFAULT")


@pytest.mark.parametrize(
    ("column", "written"),
    [("b", "b"), ("x y", '"x y"'), ("order", '"order"'), ("1st", '"1st"'), ("a_1", "a_1"),
     ('q"t', '"q""t"'), ("é", '"é"')],
)  # fmt: skip
def test_the_new_column_hint_writes_the_name_as_sql(column: str, written: str) -> None:
    """The example in the hint is SQL to copy: a name that needs quotes has them."""
    step = Step("copy rows", "table", "t", "INSERT INTO t (a) SELECT a FROM x", "")
    hint = apply.new_column_hint(step, NN.format(column))
    assert hint.endswith(f"give it one, e.g. {written} ... NOT NULL DEFAULT 0")
    assert hint.startswith(f"the new column {column} is NOT NULL")


@pytest.mark.parametrize(
    ("step", "message", "expected"),
    [
        (
            None,
            "constraint failed",
            "SQLite refused the change: constraint failed (existing rows violate the new "
            "constraint)",
        ),
        (
            Step("drop column", "table", "t", "ALTER TABLE t DROP COLUMN a", ""),
            "constraint failed",
            "SQLite refused to drop column in table t: constraint failed (existing rows violate "
            "the new constraint)",
        ),
        (
            Step("rebuild", "table", "t", "CREATE TABLE t (a CHECK (u.a > 0))", ""),
            "no such column: u.a",
            "SQLite refused to rebuild table t: no such column: u.a",
        ),
        (
            Step("drop", "table", "p", "DROP TABLE main.p", ""),
            "FOREIGN KEY constraint failed",
            "SQLite refused to drop table p: FOREIGN KEY constraint failed (existing rows "
            "violate a foreign key)",
        ),
        (
            Step("drop", "table", "p", "DROP TABLE main.p", ""),
            "no such table: main.x",
            "SQLite refused to drop table p: no such table: main.x",
        ),
    ],
)
def test_refusals_without_a_hint_of_their_own_say_no_more(
    step: Step | None, message: str, expected: str
) -> None:
    """No hint where none applies: a bare "constraint failed" with no step or a step without
    a hint of its own, a CHECK naming another table than the one rebuilt, a DROP refused by
    a foreign key's RESTRICT or for no constraint (kills the hints' empty answers made
    non-empty, and the step's hint looked up without a step)."""
    text = str(apply.refused(step, message)).split("\n")[0]
    assert text == expected


def test_a_host_that_denies_the_temp_schema_gets_an_apply_error_not_a_raw_one() -> None:
    """A connection whose authorizer denies the TEMP schema cannot have a table rebuilt (SQLite's
    RENAME reads ``temp.sqlite_master``): the sync says which step SQLite refused, as an
    ApplyError, and changes nothing. The look for the caller's TEMP triggers before it is
    refused too, and is not what fails (kills the driver-error test inverted or asked about
    no exception in ``_temp_rows``, which let the raw sqlite3 error through)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT);")
    run(conn, "INSERT INTO c (x) VALUES ('m')")

    def deny_temp(action: int, arg1: Any, arg2: Any, database: Any, trigger: Any) -> int:
        return sqlite3.SQLITE_DENY if database == "temp" else sqlite3.SQLITE_OK

    conn.set_authorizer(deny_temp)
    before = rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    with pytest.raises(inline_sync.ApplyError) as failed:
        inline_sync.sync(conn, "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT COLLATE NOCASE);")
    assert str(failed.value).startswith("SQLite refused to rebuild table c: access to temp.")
    assert 'RENAME TO "__sync_old_c"' in str(failed.value)
    assert rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == before
    assert rows(conn, "SELECT * FROM c") == [(1, "m")]


# The caller's TEMP readers set aside around a schema-checking ALTER (inline_sync.set_aside):
# only those reading a view or index of main that the plan drops and makes again.


@pytest.mark.parametrize("opener", ["sqlite3", "apsw"])
def test_a_temp_reader_of_a_table_that_becomes_a_view_outlives_a_column_rename(
    opener: str,
) -> None:
    """Our table ``s`` becomes a view ``s`` while a column of ``q`` is renamed (a
    schema-checking ALTER between the drop and the create): the caller's TEMP view reading
    ``main.s`` is set aside around it and works afterwards (kills ``_temp_readers``'s made
    set read from the steps that are not creates, and the dropped tables left out of what
    is set aside for: ``"table"`` written ``"XXtableXX"`` or ``"TABLE"``)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE q (z, y);\nCREATE TABLE s (a, b);")
    run(conn, "INSERT INTO s VALUES (1, 2)")
    run(conn, "CREATE TEMP VIEW tv AS SELECT a FROM main.s")
    after = (
        "CREATE TABLE q (z, w -- @renamed from=y\n);\nCREATE TABLE s2 (a, b);\n"
        "CREATE VIEW s AS SELECT a, b FROM s2;"
    )
    assert inline_sync.sync(db, after, allow_destructive=True).status == "synced"
    run(conn, "INSERT INTO s2 VALUES (3, 4)")
    assert rows(conn, "SELECT * FROM temp.tv") == [(3,)]
    assert rows(conn, "SELECT sql FROM temp.sqlite_master") == [
        ("CREATE VIEW tv AS SELECT a FROM main.s",)
    ]


# A TEMP view reading a TEMP object that has the name of what the plan drops, and a main table
# the plan renames: not a reader of anything made again, so left where it is, and SQLite's
# RENAME TO rewrites it in place. Set aside by mistake, it would be refused (it names a table
# the plan renames).
NOT_READERS = {
    "a new view": (
        "CREATE TABLE q (z);",
        "CREATE TABLE p (z) -- @renamed from=q\n;\nCREATE VIEW v AS SELECT z FROM p;",
        "CREATE TEMP TABLE v (a);\nCREATE TEMP VIEW tv AS SELECT v.a, q.z FROM v, main.q",
    ),
    "a table dropped": (
        "CREATE TABLE q (z);\nCREATE TABLE v (a);",
        "CREATE TABLE p (z) -- @renamed from=q\n;",
        "CREATE TEMP TABLE v (a);\nCREATE TEMP VIEW tv AS SELECT v.a, q.z FROM v, main.q",
    ),
    "an index made a view": (
        "CREATE TABLE q (z);\nCREATE TABLE k (a);\nCREATE INDEX v ON k (a);",
        "CREATE TABLE p (z) -- @renamed from=q\n;\nCREATE TABLE k (a);\n"
        "CREATE VIEW v AS SELECT a FROM k;",
        "CREATE TEMP TABLE v (a);\nCREATE TEMP VIEW tv AS SELECT v.a, q.z FROM v, main.q",
    ),
    "an index dropped": (
        "CREATE TABLE q (z);\nCREATE TABLE k (a);\nCREATE INDEX v ON k (a);",
        "CREATE TABLE p (z) -- @renamed from=q\n;\nCREATE TABLE k (a);",
        "CREATE TEMP TABLE k (a);\nCREATE INDEX temp.v ON k (a);\n"
        "CREATE TEMP VIEW tv AS SELECT k.a, q.z FROM k INDEXED BY v, main.q",
    ),
}


@pytest.mark.parametrize("opener", ["sqlite3", "apsw"])
@pytest.mark.parametrize("case", list(NOT_READERS))
def test_a_temp_view_of_a_name_dropped_but_not_made_again_is_left_alone(
    opener: str, case: str
) -> None:
    """Only views and indexes the plan drops *and makes again* have their TEMP readers set
    aside. A new view (kills ``_temp_readers``'s drops read as ``or`` of the kinds, every step
    of a table, view or index; and read from the steps that are not drops); a table dropped
    for good (kills a dropped table or view counted whether or not a view is made under its
    name: ``or``); an index whose name a view takes (kills ``"index"`` written ``"XXindexXX"``
    or ``"INDEX"`` in the views' test); an index dropped for good (kills a dropped index
    counted whether or not it is made again: ``or``; and the made set read from the steps
    that are not creates, where the index's own drop counts it as made again)."""
    before, after, temp = NOT_READERS[case]
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, before)
    run(conn, "INSERT INTO q VALUES (7)")
    for statement in temp.split(";\n"):
        run(conn, statement)
    run(conn, f"INSERT INTO temp.{'k' if case == 'an index dropped' else 'v'} VALUES (1)")
    assert inline_sync.sync(db, after, allow_destructive=True).status == "synced"
    assert rows(conn, "SELECT * FROM temp.tv") == [(1, 7)]
    assert 'main."p"' in rows(conn, "SELECT sql FROM temp.sqlite_master WHERE name = 'tv'")[0][0]


@pytest.mark.parametrize("opener", ["sqlite3", "apsw"])
def test_temp_readers_stay_put_when_no_alter_checks_the_schema(opener: str) -> None:
    """A view made again with no schema-checking ALTER in the plan: the caller's TEMP
    triggers reading it are not set aside (dropped and created again), so they fire in the
    order they had (kills ``_temp_readers``'s early return taken only when there is neither
    something made again nor a schema-checking ALTER: ``and`` for ``or``)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE o (x);\nCREATE VIEW v AS SELECT x FROM o;")
    run(conn, "CREATE TEMP TABLE tlog (n INTEGER PRIMARY KEY, m)")
    run(conn, "CREATE TEMP TRIGGER t1 AFTER INSERT ON main.o BEGIN "
              "INSERT INTO tlog (m) SELECT 't1' FROM main.v LIMIT 1; END")  # fmt: skip
    run(conn, "CREATE TEMP TRIGGER t2 AFTER INSERT ON main.o BEGIN "
              "INSERT INTO tlog (m) VALUES ('t2'); END")  # fmt: skip
    run(conn, "INSERT INTO o VALUES (1)")
    fired = rows(conn, "SELECT m FROM tlog ORDER BY n")
    temp = rows(conn, "SELECT name FROM temp.sqlite_master")
    after = "CREATE TABLE o (x);\nCREATE VIEW v AS SELECT x FROM o WHERE x > 0;"
    assert inline_sync.sync(db, after).status == "synced"
    assert rows(conn, "SELECT name FROM temp.sqlite_master") == temp
    run(conn, "DELETE FROM tlog")
    run(conn, "INSERT INTO o VALUES (2)")
    assert rows(conn, "SELECT m FROM tlog ORDER BY n") == fired


@pytest.mark.parametrize("opener", ["sqlite3", "apsw"])
def test_a_chain_of_temp_readers_is_made_again_in_an_order_that_works(opener: str) -> None:
    """The caller's TEMP view reading our view ``v`` (made again around a dropped column),
    a TEMP view on that one and an INSTEAD OF trigger on the second: set aside readers
    first, made again readers last, each works afterwards (kills ``apply_plan``'s set-aside
    list made again in the order it was dropped in: ``reversed`` left out)."""
    db, conn = OPENERS[opener]()
    before = "CREATE TABLE t (a, b, c);\nCREATE VIEW v AS SELECT a, b FROM t;"
    inline_sync.sync(db, before)
    run(conn, "INSERT INTO t VALUES (1, 'x', 3)")
    run(conn, "CREATE TEMP TABLE tlog (m)")
    run(conn, "CREATE TEMP VIEW tv AS SELECT b FROM main.v")
    run(conn, "CREATE TEMP VIEW tw AS SELECT b AS bb FROM tv")
    run(conn, "CREATE TEMP TRIGGER tio INSTEAD OF INSERT ON tw BEGIN "
              "INSERT INTO tlog VALUES (new.bb); END")  # fmt: skip
    temp = rows(conn, "SELECT type, name, sql FROM temp.sqlite_master ORDER BY name")
    after = "CREATE TABLE t (a, b);\nCREATE VIEW v AS SELECT a, b FROM t WHERE a > 0;"
    assert inline_sync.sync(db, after, allow_destructive=True).status == "synced"
    assert rows(conn, "SELECT type, name, sql FROM temp.sqlite_master ORDER BY name") == temp
    assert rows(conn, "SELECT * FROM temp.tw") == [("x",)]
    run(conn, "INSERT INTO temp.tw VALUES ('q')")
    assert rows(conn, "SELECT * FROM tlog") == [("q",)]
