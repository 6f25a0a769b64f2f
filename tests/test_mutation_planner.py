"""Tests written to kill surviving mutants of ``inline_sync/planner.py`` (issue 14,
docs/mutation-testing.md). Each names, in its docstring, the mutations it catches. Through
stdlib sqlite3, apsw and the Durable Object stand-in (``tests/memory_clients.py``) where the
behaviour applies to them.

A plan's steps and changes, and its suggestions, are what users see of it (``SyncPlan.steps``,
``str(plan)``, progress reports, the refusal of a destructive change): what each step is, on
what, and why, not only its SQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fake_d1 import FakeD1
from memory_clients import OPENERS, rows, run

import inline_sync
from inline_sync.clients import SQLite3Client
from inline_sync.d1 import sync_async
from inline_sync.plan import Change, Step


def described(steps: tuple[Step, ...]) -> list[tuple[str, ...]]:
    """Each step without its SQL: (action, kind, name, reason)."""
    return [(s.action, s.kind, s.name, s.reason) for s in steps]


@pytest.mark.parametrize("opener", ["sqlite3", "apsw"])
def test_a_rename_under_legacy_alter_table_describes_both_settings(opener: str) -> None:
    """A connection with ``legacy_alter_table`` on gets it switched off around a table rename
    (so that SQLite rewrites the references) and back on after: two "setting" steps on a
    pragma, with no object name, each saying why (kills ``_setting``'s action, kind, name and
    reason given None or another text)."""
    db, conn = OPENERS[opener]()
    run(conn, "CREATE TABLE a (x);\nINSERT INTO a VALUES (1);\nPRAGMA legacy_alter_table = ON")
    result = inline_sync.sync(db, "CREATE TABLE b (x) -- @renamed from=a")
    assert described(result.plan.steps) == [
        ("setting", "pragma", "", "let RENAME update references"),
        ("rename", "table", "b", "@renamed hint: a -> b"),
        ("setting", "pragma", "", "restore the connection's setting"),
    ]
    assert rows(conn, "SELECT x FROM b") == [(1,)]
    assert rows(conn, "PRAGMA legacy_alter_table") == [(1,)]


def sync_with(client: str, strategy: str) -> tuple[Any, Any]:
    """(a function syncing a schema, the connection to look at) for a fresh database."""
    if client == "d1":
        d1 = FakeD1()
        return (lambda schema: asyncio.run(sync_async(d1, schema))), d1.conn
    db, conn = OPENERS[client]()
    return (lambda schema: inline_sync.sync(db, schema, scratch_schema=strategy)), conn


CLIENTS = [("sqlite3", "auto"), ("sqlite3", "prefix"), ("apsw", "auto"),
           ("durable-object", "auto"), ("d1", "auto")]  # fmt: skip


@pytest.mark.parametrize(("client", "strategy"), CLIENTS)
@pytest.mark.parametrize("column", ["tags", "search_tags", "__sync_tags"])
def test_a_virtual_table_column_named_after_a_table_keeps_its_values(
    client: str, strategy: str, column: str
) -> None:
    """Where the scratch copies are prefixed, a virtual table's column named like a declared
    table (``tags``) is prefixed in the copy too, and the planner takes the prefix off again;
    but only off that: not off a column that merely ends in the table's name past the
    prefix's length (``search_tags``: kills the two tests made ``or``), nor off a column the
    user really named ``__sync_tags`` (a bug: it was read as ``tags``, so the recreate copied
    it nowhere and was refused as losing it). On a scratch database nothing comes off (kills
    the strategy test made ``and``). The recreate keeps every value."""
    schema = (
        "CREATE TABLE tags (id INTEGER PRIMARY KEY);\n"
        f"CREATE VIRTUAL TABLE ft USING fts5(body, {column}{{}});"
    )
    sync, conn = sync_with(client, strategy)
    sync(schema.format(""))
    conn.execute("INSERT INTO ft VALUES ('b', 't')")
    result = sync(schema.format(", extra"))
    assert list(result.plan.changes) == [
        Change("virtual table", "ft", "recreate", False, ("definition changed",))
    ]
    assert rows(conn, f"SELECT body, {column}, extra FROM ft") == [("b", "t", None)]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_virtual_table_losing_columns_names_each_in_its_change(opener: str) -> None:
    """An fts5 table recreated without two of its columns: the change is destructive, gives
    the reason, and lists each lost column as ``column ft.b`` (the refusal prints them);
    allowed, the kept column keeps its values (kills, in ``_recreate_vtab``: the contentless
    test made ``or``, the kept and gone columns read from the other side, another side's name
    or none, the test for a gone column inverted, and the lost columns or the reasons given
    None)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE VIRTUAL TABLE ft USING fts5(a, b, c);")
    conn.execute("INSERT INTO ft VALUES ('x', 'y', 'z')")
    after = "CREATE VIRTUAL TABLE ft USING fts5(a, B2);"
    lost = ("column ft.b", "column ft.c")
    reason = "definition changed; columns dropped: b, c"
    planned = inline_sync.plan(db, after)
    assert list(planned.changes) == [
        Change("virtual table", "ft", "recreate", True, (reason,), lost)
    ]
    assert planned.loss_report().split("\n")[1:] == ["  - column ft.b", "  - column ft.c"]
    inline_sync.sync(db, after, allow_destructive=True)
    assert rows(conn, "SELECT a, B2 FROM ft") == [("x", None)]


@pytest.mark.parametrize(("client", "strategy"), CLIENTS)
def test_a_virtual_table_column_really_named_with_the_prefix_is_lost_when_dropped(
    client: str, strategy: str
) -> None:
    """The database's own columns are never prefixed copies: ``__sync_tags`` replaced by
    ``tags`` is a lost column, on every strategy (kills the strategy test made ``and``, which
    took the prefix off the current side's columns too)."""
    schema = (
        "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nCREATE VIRTUAL TABLE ft USING fts5(body, {});"
    )
    sync, conn = sync_with(client, strategy)
    sync(schema.format("__sync_tags"))
    conn.execute("INSERT INTO ft VALUES ('b', 't')")
    with pytest.raises(inline_sync.DestructiveChangeError) as refused:
        sync(schema.format("tags"))
    assert str(refused.value).split("\n")[1:] == ["  - column ft.__sync_tags"]
    assert rows(conn, "SELECT * FROM ft") == [("b", "t")]


DROPPED = ("drop column", "table", "t", "column not in the definition")


@pytest.mark.parametrize("opener", list(OPENERS))
def test_columns_dropped_and_added_in_place_are_described(opener: str) -> None:
    """DROP COLUMN and ADD COLUMN steps say what they do, on what, and why; the drops come
    first, except when no column would be left, then the new columns come first (kills
    ``_drop_columns``' action, kind, name and reason given None)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE t (a TEXT, b TEXT, c TEXT);\nCREATE TABLE u (x TEXT);")
    conn.execute("INSERT INTO t VALUES ('a', 'b', 'c')")
    conn.execute("INSERT INTO u VALUES ('x')")
    after = "CREATE TABLE t (a TEXT, d TEXT);\nCREATE TABLE u (y TEXT);"
    result = inline_sync.sync(db, after, allow_destructive=True)
    assert described(result.plan.steps) == [
        DROPPED,
        DROPPED,
        ("add column", "table", "t", "new column d"),
        ("add column", "table", "u", "new column y"),  # u would have no column left
        ("drop column", "table", "u", "column not in the definition"),
    ]
    assert rows(conn, "SELECT * FROM t") == [("a", None)]
    assert rows(conn, "SELECT * FROM u") == [(None,)]


class FKLocked(SQLite3Client):
    """stdlib sqlite3 as a client that cannot switch foreign keys off (like a Durable
    Object)."""

    def can_toggle_foreign_keys(self) -> bool:
        return False


@pytest.mark.parametrize("client", ["sqlite3", "durable-object"])
def test_a_parent_and_child_rebuilt_together_keep_legacy_alter_table_on(client: str) -> None:
    """Where foreign keys stay on, a parent is rebuilt with its child under temporary names,
    moved into place by RENAME. With ``legacy_alter_table`` already on, the plan needs no
    setting step for that, and the connection keeps its setting (kills the connection's
    setting not handed to ``rebuild_closure``: the plan switched it on and then OFF)."""
    if client == "sqlite3":
        conn, _ = OPENERS["sqlite3"]()
        conn.execute("PRAGMA foreign_keys = ON")
        db: Any = FKLocked(conn)
    else:
        db, conn = OPENERS[client]()
    schema = (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT{});\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id));"
    )
    inline_sync.sync(db, schema.format(""))
    run(conn, "PRAGMA legacy_alter_table = ON;\nINSERT INTO p VALUES (1, 'x');\n"
              "INSERT INTO c VALUES (1, 1)")  # fmt: skip
    result = inline_sync.sync(db, schema.format(" COLLATE NOCASE"))
    assert [s.sql for s in result.plan.steps if s.kind == "pragma"] == [
        "PRAGMA defer_foreign_keys = ON"
    ]
    assert rows(conn, "PRAGMA legacy_alter_table") == [(1,)]
    assert rows(conn, "SELECT * FROM c") == [(1, 1)]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_rebuild_that_drops_a_column_gives_every_reason(opener: str) -> None:
    """A rebuild for a collation change that also drops a column: its change gives the
    collation and the dropped column as reasons, and the column as lost (kills ``_rebuild``'s
    reasons given None when a column is lost)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, gone TEXT);")
    conn.execute("INSERT INTO t VALUES (1, 'x', 'g')")
    after = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE);"
    reasons = ("column a: COLLATE None -> nocase", "drop column gone")
    assert list(inline_sync.plan(db, after).changes) == [
        Change("table", "t", "rebuild", True, reasons, ("column t.gone",))
    ]
    inline_sync.sync(db, after, allow_destructive=True)
    assert rows(conn, "SELECT * FROM t WHERE a = 'X'") == [(1, "x")]


@pytest.mark.parametrize("opener", ["sqlite3", "apsw"])
def test_a_rebuild_under_legacy_alter_table_keeps_it_on(opener: str) -> None:
    """The rebuild moves the old table aside with RENAME, which must not rewrite other
    objects: with ``legacy_alter_table`` already on, the plan needs no setting step, and the
    connection keeps its setting (kills the connection's setting not handed to
    ``rebuild_steps``: the plan switched it on and then OFF)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);")
    run(conn, "PRAGMA legacy_alter_table = ON;\nINSERT INTO t VALUES (1, 'x')")
    result = inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE);")
    assert [s.kind for s in result.plan.steps] == ["table"] * 4
    assert rows(conn, "PRAGMA legacy_alter_table") == [(1,)]
    assert rows(conn, "SELECT * FROM t") == [(1, "x")]


def test_every_alter_form_is_described_in_order() -> None:
    """On SQLite 3.53+ (apsw) a table changes in place by every ALTER form: a hinted column
    rename, DROP COLUMN, DROP CONSTRAINT (a CHECK), DROP NOT NULL, ADD COLUMN, SET NOT NULL,
    ADD CONSTRAINT (a CHECK), in that order, each step saying what, on what and why; one
    change sums them up (kills ``_alters``' step fields and reasons given None or another
    text, and the steps reordered)."""
    db, conn = OPENERS["apsw"]()
    inline_sync.sync(
        db,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INT, gone TEXT, old TEXT,"
        " CONSTRAINT pos CHECK (b > 0));",
    )
    conn.execute("INSERT INTO t VALUES (1, 'x', 2, 'g', 'o')")
    after = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT NOT NULL,\n"
        "  new TEXT, -- @renamed from=old\n"
        "  c TEXT DEFAULT 'd', CONSTRAINT small CHECK (b < 10));"
    )
    result = inline_sync.sync(db, after, allow_destructive=True)
    t = 'ALTER TABLE main."t"'
    assert [(s.action, s.kind, s.name, s.reason, s.sql) for s in result.plan.steps] == [
        ("rename column", "table", "t", "@renamed hint on column new",
         f'{t} RENAME COLUMN "old" TO "new"'),
        ("drop column", "table", "t", "column not in the definition", f'{t} DROP COLUMN "gone"'),
        ("drop check", "table", "t", "CHECK constraint not in the definition",
         f'{t} DROP CONSTRAINT "pos"'),
        ("drop not null", "table", "t", "column a is nullable in the definition",
         f'{t} ALTER COLUMN "a" DROP NOT NULL'),
        ("add column", "table", "t", "new column c", f"{t} ADD COLUMN c TEXT DEFAULT 'd'"),
        ("set not null", "table", "t", "column b is NOT NULL in the definition",
         f'{t} ALTER COLUMN "b" SET NOT NULL'),
        ("add check", "table", "t", "new CHECK constraint",
         f"{t} ADD CONSTRAINT small CHECK (b < 10)"),
    ]  # fmt: skip
    reasons = ("rename column old -> new", "drop column gone", "add column c",
               "set NOT NULL on b", "drop NOT NULL on a", "add CHECK (b < 10)",
               "drop CHECK constraint pos")  # fmt: skip
    assert list(result.plan.changes) == [
        Change("table", "t", "alter", True, reasons, ("column t.gone",))
    ]
    assert rows(conn, "SELECT * FROM t") == [(1, "x", 2, "o", "d")]
    assert inline_sync.plan(db, after).steps == ()


@pytest.mark.parametrize("opener", list(OPENERS))
def test_tables_and_virtual_tables_created_and_dropped_are_described(opener: str) -> None:
    """Each table and virtual table that goes or comes has its step (what, on what, why) and
    its change (what is lost); a parent is created before its child, whatever the order of
    the definitions (kills ``_table_drops``' and ``_table_creates``' step and change fields
    given None or another text)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE old (id INTEGER PRIMARY KEY);\n"
                         "CREATE VIRTUAL TABLE oldft USING fts5(a);")  # fmt: skip
    after = (
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id));\n"
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
        "CREATE VIRTUAL TABLE ft USING fts5(a);"
    )
    result = inline_sync.sync(db, after, allow_destructive=True)
    assert [(s.action, s.kind, s.name, s.reason, s.sql) for s in result.plan.steps] == [
        ("drop", "table", "old", "not in the definitions", 'DROP TABLE main."old"'),
        ("drop", "virtual table", "oldft", "not in the definitions", 'DROP TABLE main."oldft"'),
        ("create", "table", "p", "new table", "CREATE TABLE main.p (id INTEGER PRIMARY KEY)"),
        ("create", "table", "c", "new table",
         "CREATE TABLE main.c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id))"),
        ("create", "virtual table", "ft", "new virtual table",
         "CREATE VIRTUAL TABLE main.ft USING fts5(a)"),
    ]  # fmt: skip
    gone = ("not in the definitions",)
    assert list(result.plan.changes) == [
        Change("table", "old", "drop", True, gone, ("table old",)),
        Change("virtual table", "oldft", "drop", True, gone, ("virtual table oldft",)),
        Change("table", "p", "create", False, ("new table",)),
        Change("table", "c", "create", False, ("new table",)),
        Change("virtual table", "ft", "create", False, ("new virtual table",)),
    ]
    assert rows(conn, "SELECT name FROM sqlite_master WHERE name IN ('old', 'oldft')") == []


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_view_reading_a_table_replaced_by_a_view_is_made_again_after(opener: str) -> None:
    """A table dropped and a view of its name declared instead: a view that reads that name
    goes before the drop and comes back after the new view, saying why (kills the dropped
    tables left out of the ``touched`` set, ``set(drops) & …``)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE t (a);\nCREATE VIEW v AS SELECT * FROM t;")
    after = "CREATE VIEW t AS SELECT 1 AS a;\nCREATE VIEW v AS SELECT * FROM t;"
    result = inline_sync.sync(db, after, allow_destructive=True)
    why = "depends on t, which changes"
    assert described(result.plan.steps) == [
        ("drop", "view", "v", why),
        ("drop", "table", "t", "not in the definitions"),
        ("create", "view", "t", "new view"),
        ("create", "view", "v", why),
    ]
    assert Change("view", "v", "recreate", False, (why,)) in result.plan.changes
    assert rows(conn, "SELECT * FROM v") == [(1,)]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_view_reading_a_changed_virtual_table_is_made_again_after(opener: str) -> None:
    """A virtual table that changes is dropped and made again: a view that reads it goes
    before and comes back after, saying why (kills the changed virtual tables left out of the
    ``touched`` set, ``set(vt_drops) & set(vt_changed)``)."""
    db, conn = OPENERS[opener]()
    before = "CREATE VIRTUAL TABLE ft USING fts5(a{});\nCREATE VIEW v AS SELECT a FROM ft;"
    inline_sync.sync(db, before.format(""))
    conn.execute("INSERT INTO ft VALUES ('x')")
    result = inline_sync.sync(db, before.format(", b"))
    why = "depends on ft, which changes"
    assert [d for d in described(result.plan.steps) if d[1] == "view"] == [
        ("drop", "view", "v", why),
        ("create", "view", "v", why),
    ]
    assert described(result.plan.steps)[0] == ("drop", "view", "v", why)
    assert Change("view", "v", "recreate", False, (why,)) in result.plan.changes
    assert rows(conn, "SELECT * FROM v") == [("x",)]


def test_a_child_rebuilt_with_its_parent_keeps_its_trigger_and_view() -> None:
    """Where foreign keys stay on (a Durable Object), a child is rebuilt with its changed
    parent although it does not change itself: its trigger and a view that reads it go before
    and come back after (kills the rebuilt tables left out of the ``touched`` set,
    ``rebuild & …`` and ``altered & rebuild``: the child's trigger went with the old child
    and was never made again)."""
    db, conn = OPENERS["durable-object"]()
    schema = (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT{});\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id), n INTEGER);\n"
        "CREATE TABLE log (c INTEGER);\n"
        "CREATE TRIGGER c_log AFTER INSERT ON c BEGIN INSERT INTO log VALUES (new.id); END;\n"
        "CREATE VIEW cv AS SELECT id FROM c;"
    )
    inline_sync.sync(db, schema.format(""))
    run(conn, "INSERT INTO p VALUES (1, 'x');\nINSERT INTO c VALUES (1, 1, 0)")
    result = inline_sync.sync(db, schema.format(" COLLATE NOCASE"))
    why = "depends on c, which changes"
    assert Change("trigger", "c_log", "recreate", False, (why,)) in result.plan.changes
    assert Change("view", "cv", "recreate", False, (why,)) in result.plan.changes
    conn.execute("INSERT INTO c VALUES (2, 1, 0)")
    assert rows(conn, "SELECT * FROM log") == [(1,), (2,)]
    assert rows(conn, "SELECT * FROM cv") == [(1,), (2,)]
    assert inline_sync.plan(db, schema.format(" COLLATE NOCASE")).steps == ()


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_view_already_reading_a_tables_new_name_is_set_aside_for_the_rename(
    opener: str,
) -> None:
    """A view made by hand ahead of a rename reads the table's new name, which does not
    exist yet: SQLite's RENAME (legacy_alter_table off) checks every view and refuses while
    one cannot be read. The view is dropped before the rename and made again after (kills
    the renamed tables left out of the ``touched`` set, ``set(renames) & renamed_old``: the
    rename was refused with "error in view v")."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE people (a);")
    run(conn, "CREATE VIEW v AS SELECT a FROM users;\nINSERT INTO people VALUES (1)")
    after = (
        "CREATE TABLE users (a) -- @renamed from=people\n;\nCREATE VIEW v AS SELECT a FROM users;"
    )
    result = inline_sync.sync(db, after)
    assert result.statements == (
        'DROP VIEW main."v"',
        'ALTER TABLE main."people" RENAME TO "users"',
        "CREATE VIEW main.v AS SELECT a FROM users",
    )
    assert rows(conn, "SELECT * FROM v") == [(1,)]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_parent_renamed_with_a_renamed_column_leaves_its_child_alone(opener: str) -> None:
    """A parent renamed by a hint whose key column is renamed by a hint too: SQLite rewrites
    the child's ``REFERENCES people(code)`` for both, so the plan is the two renames and the
    child is not touched (kills the parent's current table looked up by its new name in
    ``_hinted_column_renames``: the child's reference looked changed and it was rebuilt;
    and the search for such renames stopped at the first table without a hint, ``first``)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(
        db,
        "CREATE TABLE first (x);\n"
        "CREATE TABLE people (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, pc TEXT REFERENCES people(code));",
    )
    run(conn, "INSERT INTO people VALUES (1, 'x');\nINSERT INTO c VALUES (1, 'x')")
    after = (
        "CREATE TABLE first (x);\n"
        "CREATE TABLE users ( -- @renamed from=people\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  ref TEXT UNIQUE -- @renamed from=code\n);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, pc TEXT REFERENCES users(ref));"
    )
    result = inline_sync.sync(db, after)
    assert result.statements == (
        'ALTER TABLE main."people" RENAME TO "users"',
        'ALTER TABLE main."users" RENAME COLUMN "code" TO "ref"',
    )
    assert rows(conn, "SELECT * FROM c") == [(1, "x")]
    assert inline_sync.plan(db, after).steps == ()


DEPENDENTS_BEFORE = """
CREATE TABLE t (a, b);
CREATE TABLE r (x TEXT);
CREATE INDEX t_a ON t (a);
CREATE INDEX r_x ON r (x);
CREATE INDEX gone_ix ON t (b);
CREATE VIEW gone_v AS SELECT a FROM t;
CREATE TRIGGER gone_tr AFTER INSERT ON t BEGIN SELECT 1; END;
"""
# r is rebuilt; t_a changes; t_b, v1, v2 (declared before the view it reads) and a trigger on
# v2 are new; gone_* are no longer declared.
DEPENDENTS_AFTER = """
CREATE TABLE t (a, b);
CREATE TABLE r (x TEXT COLLATE NOCASE);
CREATE INDEX t_a ON t (a, b);
CREATE INDEX r_x ON r (x);
CREATE INDEX t_b ON t (b);
CREATE VIEW v2 AS SELECT * FROM v1;
CREATE VIEW v1 AS SELECT a FROM t;
CREATE TRIGGER v2_ins INSTEAD OF INSERT ON v2 BEGIN INSERT INTO t (a) VALUES (new.a); END;
"""


@pytest.mark.parametrize("opener", list(OPENERS))
def test_indexes_views_and_triggers_are_dropped_and_made_with_their_reasons(opener: str) -> None:
    """Every index, view and trigger that goes, changes, is new or sits on a rebuilt table has
    its step (what, on what, why, and its own SQL) and its change, in the planner's order:
    triggers, views, then indexes dropped; indexes, views (the one read first) and triggers
    made (kills ``_drop_dependents``' and ``_create_dependents``' reasons, kinds, names and
    actions given None or another text, and their order)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, DEPENDENTS_BEFORE)
    result = inline_sync.sync(db, DEPENDENTS_AFTER)
    gone, changed, rebuilt = "not in the definitions", "definition changed", "table r is rebuilt"
    assert [
        (s.action, s.kind, s.name, s.reason, s.sql)
        for s in result.plan.steps
        if s.kind in ("index", "view", "trigger")
    ] == [
        ("drop", "trigger", "gone_tr", gone, 'DROP TRIGGER main."gone_tr"'),
        ("drop", "view", "gone_v", gone, 'DROP VIEW main."gone_v"'),
        ("drop", "index", "t_a", changed, 'DROP INDEX main."t_a"'),
        ("drop", "index", "r_x", rebuilt, 'DROP INDEX main."r_x"'),
        ("drop", "index", "gone_ix", gone, 'DROP INDEX main."gone_ix"'),
        ("create", "index", "t_a", changed, "CREATE INDEX main.t_a ON t (a, b)"),
        ("create", "index", "r_x", rebuilt, "CREATE INDEX main.r_x ON r (x)"),
        ("create", "index", "t_b", "new index", "CREATE INDEX main.t_b ON t (b)"),
        ("create", "view", "v1", "new view", "CREATE VIEW main.v1 AS SELECT a FROM t"),
        ("create", "view", "v2", "new view", "CREATE VIEW main.v2 AS SELECT * FROM v1"),
        ("create", "trigger", "v2_ins", "new trigger",
         "CREATE TRIGGER main.v2_ins INSTEAD OF INSERT ON v2 BEGIN INSERT INTO t (a) "
         "VALUES (new.a); END"),
    ]  # fmt: skip
    assert list(result.plan.changes)[1:] == [
        Change("index", "t_a", "recreate", False, (changed,)),
        Change("index", "r_x", "recreate", False, (rebuilt,)),
        Change("index", "t_b", "create", False, ("new index",)),
        Change("index", "gone_ix", "drop", False, (gone,)),
        Change("view", "v1", "create", False, ("new view",)),
        Change("view", "v2", "create", False, ("new view",)),
        Change("view", "gone_v", "drop", False, (gone,)),
        Change("trigger", "v2_ins", "create", False, ("new trigger",)),
        Change("trigger", "gone_tr", "drop", False, (gone,)),
    ]
    conn.execute("INSERT INTO v2 (a) VALUES (7)")
    assert rows(conn, "SELECT a FROM t") == [(7,)]
    assert inline_sync.plan(db, DEPENDENTS_AFTER).steps == ()


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_view_on_a_rebuilt_table_is_made_again_after_a_changed_view(opener: str) -> None:
    """Two views: the first changes, the second reads a table that is rebuilt. Both go before
    the rebuild and come back after, each saying why (kills the search for views that depend
    on a changing table stopped at the first view already going, ``continue`` made
    ``break``)."""
    db, conn = OPENERS[opener]()
    schema = (
        "CREATE TABLE t (a TEXT{});\n"
        "CREATE VIEW first AS SELECT {} FROM t;\n"
        "CREATE VIEW second AS SELECT a FROM t;"
    )
    inline_sync.sync(db, schema.format("", "1"))
    conn.execute("INSERT INTO t VALUES ('x')")
    result = inline_sync.sync(db, schema.format(" COLLATE NOCASE", "2"))
    assert list(result.plan.changes)[1:] == [
        Change("view", "first", "recreate", False, ("definition changed",)),
        Change("view", "second", "recreate", False, ("depends on t, which changes",)),
    ]
    assert rows(conn, "SELECT * FROM second WHERE a = 'X'") == [("x",)]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_views_depending_on_a_rebuilt_table_through_a_later_view_are_all_made_again(
    opener: str,
) -> None:
    """``x`` reads ``y`` and was made before it (SQLite allows a view of a view not yet made),
    ``y`` reads ``t``, which is rebuilt: the search goes round until nothing more is found, so
    both go and come back, ``y`` first (kills ``grew = True`` made None or False: one pass
    never reached ``x``)."""
    db, conn = OPENERS[opener]()
    run(conn, "CREATE TABLE t (a TEXT);\nCREATE VIEW x AS SELECT a FROM y;\n"
              "CREATE VIEW y AS SELECT a FROM t;\nINSERT INTO t VALUES ('q')")  # fmt: skip
    after = (
        "CREATE TABLE t (a TEXT COLLATE NOCASE);\n"
        "CREATE VIEW x AS SELECT a FROM y;\nCREATE VIEW y AS SELECT a FROM t;"
    )
    result = inline_sync.sync(db, after)
    assert list(result.plan.changes)[1:] == [
        Change("view", "y", "recreate", False, ("depends on t, which changes",)),
        Change("view", "x", "recreate", False, ("depends on y, which changes",)),
    ]
    assert rows(conn, "SELECT * FROM x WHERE a = 'Q'") == [("q",)]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_trigger_writing_a_rebuilt_table_is_made_again(opener: str) -> None:
    """A trigger on ``u`` whose body writes ``t``: when ``t`` is rebuilt, the trigger goes
    before and comes back after, saying why, and still fires (kills the trigger's own table
    and the names it reads intersected instead of joined, ``t.names & {t.table}``)."""
    db, conn = OPENERS[opener]()
    schema = (
        "CREATE TABLE t (a TEXT{});\nCREATE TABLE u (b TEXT);\n"
        "CREATE TRIGGER u_copy AFTER INSERT ON u BEGIN INSERT INTO t VALUES (new.b); END;"
    )
    inline_sync.sync(db, schema.format(""))
    result = inline_sync.sync(db, schema.format(" COLLATE NOCASE"))
    assert list(result.plan.changes)[1:] == [
        Change("trigger", "u_copy", "recreate", False, ("depends on t, which changes",)),
    ]
    conn.execute("INSERT INTO u VALUES ('z')")
    assert rows(conn, "SELECT * FROM t WHERE a = 'Z'") == [("z",)]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_an_index_on_a_column_renamed_by_hint_is_left_to_sqlite(opener: str) -> None:
    """SQLite's RENAME COLUMN rewrites the index on that column: the plan is the one rename
    (kills the column renames keyed by None for a table that is not renamed, which read the
    index as changed and made it again)."""
    db, _ = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, old TEXT);\n"
                         "CREATE INDEX t_i ON t (old);")  # fmt: skip
    after = "CREATE TABLE t (id INTEGER PRIMARY KEY,\n  new TEXT -- @renamed from=old\n);\n"
    after += "CREATE INDEX t_i ON t (new);"
    result = inline_sync.sync(db, after)
    assert result.statements == ('ALTER TABLE main."t" RENAME COLUMN "old" TO "new"',)
    assert inline_sync.plan(db, after).steps == ()


@pytest.mark.parametrize("opener", list(OPENERS))
def test_an_index_goes_with_its_dropped_table_and_later_indexes_are_still_weighed(
    opener: str,
) -> None:
    """A dropped table's index goes with it (no DROP INDEX of its own), and the indexes after
    it are still compared: a changed one is made again (kills the dropped tables' test made
    ``and`` with the virtual tables', and the ``continue`` past such an index made
    ``break``)."""
    db, _ = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE a (x);\nCREATE INDEX a_x ON a (x);\n"
                         "CREATE TABLE b (y, z);\nCREATE INDEX b_i ON b (y);")  # fmt: skip
    result = inline_sync.sync(
        db, "CREATE TABLE b (y, z);\nCREATE INDEX b_i ON b (y, z);", allow_destructive=True
    )
    assert result.statements == (
        'DROP INDEX main."b_i"',
        'DROP TABLE main."a"',
        "CREATE INDEX main.b_i ON b (y, z)",
    )


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_table_renamed_and_rebuilt_keeps_its_index(opener: str) -> None:
    """A table renamed by hint and rebuilt: its index is dropped as on a rebuilt table (under
    the table's new name) and made again (kills the renamed table's new name looked up by
    ``o != ix.table``: the index was judged unchanged, went with the old table, and was
    missing afterwards)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE keep (k);\nCREATE TABLE people (id INTEGER PRIMARY KEY, "
                         "name TEXT);\nCREATE INDEX by_name ON people (name);")  # fmt: skip
    conn.execute("INSERT INTO people VALUES (1, 'x')")
    after = (
        "CREATE TABLE keep (k);\n"
        "CREATE TABLE users ( -- @renamed from=people\n"
        "  id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE);\n"
        "CREATE INDEX by_name ON users (name);"
    )
    result = inline_sync.sync(db, after)
    assert Change("index", "by_name", "recreate", False, ("table users is rebuilt",)) in (
        result.plan.changes
    )
    assert rows(conn, "SELECT name FROM sqlite_master WHERE type = 'index'") == [("by_name",)]
    assert rows(conn, "SELECT * FROM users") == [(1, "x")]
    assert inline_sync.plan(db, after).steps == ()


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_new_index_declared_after_one_in_place_is_made(opener: str) -> None:
    """An index already in place, then a new one: the new one is made (kills the
    ``continue`` past an object in place made ``break``)."""
    db, _ = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE t (a, b);\nCREATE INDEX t_a ON t (a);")
    result = inline_sync.sync(
        db, "CREATE TABLE t (a, b);\nCREATE INDEX t_a ON t (a);\nCREATE INDEX t_b ON t (b);"
    )
    assert result.statements == ("CREATE INDEX main.t_b ON t (b)",)


def test_plan_input_without_prefixed_names_the_definitions_own() -> None:
    """``PlanInput.prefixed`` left out means the definitions' own names, folded: the names
    the prefix strategy's copies write prefixed when the sync drops no live table (kills the
    default replaced by None)."""
    from inline_sync.capabilities import Capabilities
    from inline_sync.definitions import parse_definitions
    from inline_sync.names import ignore_filter
    from inline_sync.planner import PlanInput

    defs = parse_definitions('CREATE TABLE "Docs" (a);\nCREATE VIEW v AS SELECT 1', ignore_filter())
    inp = PlanInput(defs, Capabilities((3, 45, 0)), False, False, bool, lambda s, n: [], "prefix")
    assert inp.prefixed == frozenset({"docs", "v"})
