"""Unit tests of the planner: dependency_order, step ordering, Change entries, and the closure
rebuild used when foreign keys stay enforced."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

import inline_sync
from inline_sync.clients import SQLite3Client
from inline_sync.definitions import parse_definitions
from inline_sync.diff import Capabilities
from inline_sync.errors import SyncError
from inline_sync.introspect import build_schema
from inline_sync.models import Schema, dependency_order
from inline_sync.names import ignore_filter
from inline_sync.plan import Change, ForeignKeyCheck, SyncPlan
from inline_sync.planner import PlanInput, build_plan
from inline_sync.scratch import read_objects


class FKLocked(SQLite3Client):
    """A client that cannot switch foreign keys off (like a Durable Object)."""

    def can_toggle_foreign_keys(self) -> bool:
        return False


# --------------------------------------------------------------------------- dependency_order


def graph(edges: dict[str, set[str]]) -> Any:
    return lambda n: edges.get(n, set())


def test_dependency_order_puts_dependencies_first() -> None:
    deps = graph({"v3": {"v2", "t"}, "v2": {"v1"}, "v1": {"t"}})
    assert dependency_order(["v3", "v1", "v2"], deps) == ["v1", "v2", "v3"]


def test_dependency_order_ignores_names_outside_the_pool_and_self_references() -> None:
    deps = graph({"d": {"c", "outside"}, "s": {"s"}})
    assert dependency_order(["d", "s", "c"], deps) == ["c", "d", "s"]


def test_dependency_order_keeps_independent_names_in_input_order() -> None:
    assert dependency_order(["z", "a", "m"], graph({})) == ["z", "a", "m"]


def test_dependency_order_cycle_terminates_with_every_name_once() -> None:
    deps = graph({"a": {"b"}, "b": {"c"}, "c": {"a"}})
    assert dependency_order(["a", "b", "c"], deps) == ["c", "b", "a"]
    deps = graph({"a": {"b"}, "b": {"a"}, "d": {"c"}})
    assert dependency_order(["d", "a", "b", "c"], deps) == ["c", "d", "b", "a"]


def test_dependency_order_frozenset_deps() -> None:
    assert dependency_order(["b", "a"], lambda n: frozenset({"a"} if n == "b" else ())) == [
        "a",
        "b",
    ]


# --------------------------------------------------------------------------- helpers


def db(script: str = "", fk: bool = False) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.executescript(script)
    if fk:
        con.execute("PRAGMA foreign_keys = ON")
    return con


def steps(p: SyncPlan) -> list[tuple[str, str, str]]:
    return [(s.action, s.kind, s.name) for s in p.steps]


def changes(p: SyncPlan) -> list[tuple[str, str, str, bool]]:
    return [(c.action, c.kind, c.name, c.destructive) for c in p.changes]


CURRENT = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id), x);
CREATE TABLE gone (a);
CREATE VIEW v1 AS SELECT name FROM parent;
CREATE VIEW v2 AS SELECT * FROM v1;
CREATE TRIGGER tr AFTER INSERT ON parent BEGIN SELECT 1; END;
CREATE INDEX ix ON child(x);
INSERT INTO parent VALUES (1, 'p');
INSERT INTO child VALUES (1, 1, 'c');
"""

DESIRED = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id), x);
CREATE TABLE grand (id INTEGER PRIMARY KEY, cid INTEGER REFERENCES child2(id));
CREATE TABLE child2 (id INTEGER PRIMARY KEY);
CREATE VIEW v2 AS SELECT * FROM v1;
CREATE VIEW v1 AS SELECT name FROM parent;
CREATE TRIGGER tr AFTER INSERT ON parent BEGIN SELECT 1; END;
CREATE INDEX ix ON child(x);
"""


# --------------------------------------------------------------------------- via inline_sync.plan


def test_plan_step_order_with_foreign_keys_off() -> None:
    p = inline_sync.plan(db(CURRENT), DESIRED)
    assert steps(p) == [
        ("drop", "trigger", "tr"),
        ("drop", "view", "v2"),
        ("drop", "view", "v1"),
        ("drop", "table", "gone"),
        ("create", "table", "child2"),  # parent before the child that references it
        ("create", "table", "grand"),
        ("setting", "pragma", ""),
        ("rebuild", "table", "parent"),
        ("rebuild", "table", "parent"),
        ("copy rows", "table", "parent"),
        ("rebuild", "table", "parent"),
        ("setting", "pragma", ""),
        ("create", "view", "v1"),  # before v2, which reads it, although declared after
        ("create", "view", "v2"),
        ("create", "trigger", "tr"),
    ]
    assert p.statements[6:12] == [
        "PRAGMA legacy_alter_table = ON",
        'ALTER TABLE main."parent" RENAME TO "__sync_old_parent"',
        "CREATE TABLE main.parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
        'INSERT OR ABORT INTO main."parent" ("id", "name") SELECT "id", "name" FROM'
        ' main."__sync_old_parent"',
        'DROP TABLE main."__sync_old_parent"',
        "PRAGMA legacy_alter_table = OFF",
    ]
    assert p.foreign_keys == "off"
    assert p.fk_checks == ()  # the parent's key (id) is copied unchanged: nothing can break
    assert p.status == "changes-needed"
    assert p.destructive is True


def test_plan_changes_with_foreign_keys_off() -> None:
    p = inline_sync.plan(db(CURRENT), DESIRED)
    assert list(p.changes) == [
        Change("table", "gone", "drop", True, ("not in the definitions",), ("table gone",)),
        Change("table", "child2", "create", False, ("new table",)),
        Change("table", "grand", "create", False, ("new table",)),
        Change("table", "parent", "rebuild", False, ("column name: NOT NULL False -> True",)),
        Change("view", "v1", "recreate", False, ("depends on parent, which changes",)),
        Change("view", "v2", "recreate", False, ("depends on v1, which changes",)),
        Change("trigger", "tr", "recreate", False, ("depends on parent, which changes",)),
    ]


def test_closure_rebuild_when_foreign_keys_are_enforced() -> None:
    con = db(CURRENT, fk=True)
    p = inline_sync.plan(FKLocked(con), DESIRED)
    assert p.foreign_keys == "enforced"
    rebuild = [s.sql for s in p.steps if s.kind in ("pragma", "table") and s.action != "create"]
    assert rebuild == [
        'DROP TABLE main."gone"',
        "PRAGMA defer_foreign_keys = ON",
        'CREATE TABLE main."__sync_new_parent" (id INTEGER PRIMARY KEY, name TEXT NOT NULL)',
        'CREATE TABLE main."__sync_new_child" (id INTEGER PRIMARY KEY, '
        'pid INTEGER REFERENCES "__sync_new_parent"(id), x)',
        'INSERT OR ABORT INTO main."__sync_new_parent" ("id", "name") SELECT "id", "name" FROM'
        ' main."parent"',
        'INSERT OR ABORT INTO main."__sync_new_child" ("id", "pid", "x") SELECT "id", "pid", "x"'
        ' FROM main."child"',
        'DROP TABLE main."child"',
        'DROP TABLE main."parent"',
        "PRAGMA legacy_alter_table = ON",
        'ALTER TABLE main."__sync_new_parent" RENAME TO "parent"',
        'ALTER TABLE main."__sync_new_child" RENAME TO "child"',
        "PRAGMA legacy_alter_table = OFF",
    ]
    # The index on the child is dropped before and recreated after.
    assert ("drop", "index", "ix") in steps(p)
    assert steps(p).index(("drop", "index", "ix")) < steps(p).index(("drop", "table", "gone"))
    assert steps(p)[-4] == ("create", "index", "ix")
    assert (
        Change(
            "table",
            "child",
            "rebuild",
            False,
            (
                "references a rebuilt table (foreign keys stay enforced here, so referencing "
                "tables are rebuilt together)",
            ),
        )
        in p.changes
    )
    assert Change("index", "ix", "recreate", False, ("table child is rebuilt",)) in p.changes


def test_closure_rebuild_applies_and_keeps_rows() -> None:
    con = db(CURRENT, fk=True)
    result = inline_sync.sync(FKLocked(con), DESIRED, allow_destructive=True)
    assert result.status == "synced"
    assert con.execute("SELECT * FROM parent").fetchall() == [(1, "p")]
    assert con.execute("SELECT * FROM child").fetchall() == [(1, 1, "c")]
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []


def test_no_closure_when_foreign_keys_are_off_even_if_client_is_locked() -> None:
    p = inline_sync.plan(FKLocked(db(CURRENT)), DESIRED)
    assert p.foreign_keys == "off"
    assert [c.name for c in p.changes if c.action == "rebuild"] == ["parent"]


def test_up_to_date_plan() -> None:
    con = db(DESIRED)
    p = inline_sync.plan(con, DESIRED)
    assert (p.steps, p.changes, p.status, bool(p)) == ((), (), "up-to-date", False)
    assert str(p) == "Schema is up to date."


def test_rename_table_and_column() -> None:
    con = db(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, fullname TEXT);"
        "CREATE INDEX people_name ON people (fullname);"
    )
    desired = (
        "CREATE TABLE users (  -- @renamed from=people\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  name TEXT  -- @renamed from=fullname\n"
        ");\n"
        "CREATE INDEX people_name ON users (name);"
    )
    p = inline_sync.plan(con, desired)
    assert p.statements == [
        'ALTER TABLE main."people" RENAME TO "users"',
        'ALTER TABLE main."users" RENAME COLUMN "fullname" TO "name"',
    ]
    assert list(p.changes) == [
        Change(
            "table",
            "users",
            "alter",
            False,
            ("renamed from people", "rename column fullname -> name"),
        ),
    ]


def test_rename_table_only_is_a_rename_change() -> None:
    con = db("CREATE TABLE a (x)")
    p = inline_sync.plan(con, "CREATE TABLE b (x) -- @renamed from=a")
    assert p.statements == ['ALTER TABLE main."a" RENAME TO "b"']
    assert list(p.changes) == [Change("table", "b", "rename", False, ("@renamed hint: a -> b",))]


def test_rename_under_legacy_alter_table_switches_it_off_and_back() -> None:
    con = db("CREATE TABLE a (x)")
    con.execute("PRAGMA legacy_alter_table = ON")
    p = inline_sync.plan(con, "CREATE TABLE b (x) -- @renamed from=a")
    assert p.statements == [
        "PRAGMA legacy_alter_table = OFF",
        'ALTER TABLE main."a" RENAME TO "b"',
        "PRAGMA legacy_alter_table = ON",
    ]


def test_drop_tables_children_before_parents() -> None:
    con = db(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);"
        "CREATE TABLE c (pid REFERENCES p(id));"
        "CREATE TABLE keep (a);"
    )
    p = inline_sync.plan(con, "CREATE TABLE keep (a)")
    assert p.statements == ['DROP TABLE main."c"', 'DROP TABLE main."p"']
    assert changes(p) == [("drop", "table", "c", True), ("drop", "table", "p", True)]


def test_alter_steps_and_destructive_flag() -> None:
    con = db("CREATE TABLE t (a, b, c)")
    p = inline_sync.plan(con, "CREATE TABLE t (a, b, d TEXT DEFAULT 'x')")
    assert p.statements == [
        'ALTER TABLE main."t" DROP COLUMN "c"',
        "ALTER TABLE main.\"t\" ADD COLUMN d TEXT DEFAULT 'x'",
    ]
    assert list(p.changes) == [
        Change("table", "t", "alter", True, ("drop column c", "add column d"), ("column t.c",))
    ]
    assert p.destructive is True
    assert "[DESTRUCTIVE]" in str(p.changes[0])


def test_only_adding_columns_keeps_views_and_triggers() -> None:
    con = db(
        "CREATE TABLE t (a); CREATE VIEW v AS SELECT a FROM t;"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;"
    )
    desired = (
        "CREATE TABLE t (a, b); CREATE VIEW v AS SELECT a FROM t;"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;"
    )
    p = inline_sync.plan(con, desired)
    assert p.statements == ['ALTER TABLE main."t" ADD COLUMN b']
    assert changes(p) == [("alter", "table", "t", False)]


def test_changed_index_view_and_trigger_are_recreated_and_removed_ones_dropped() -> None:
    con = db(
        "CREATE TABLE t (a, b); CREATE INDEX i1 ON t (a); CREATE INDEX i2 ON t (b);"
        "CREATE VIEW v AS SELECT a FROM t; CREATE VIEW old_v AS SELECT 1;"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;"
    )
    desired = (
        "CREATE TABLE t (a, b); CREATE INDEX i1 ON t (a, b);"
        "CREATE VIEW v AS SELECT b FROM t;"
        "CREATE TRIGGER tr AFTER DELETE ON t BEGIN SELECT 1; END;"
    )
    p = inline_sync.plan(con, desired)
    assert steps(p) == [
        ("drop", "trigger", "tr"),
        ("drop", "view", "old_v"),
        ("drop", "view", "v"),
        ("drop", "index", "i1"),
        ("drop", "index", "i2"),
        ("create", "index", "i1"),
        ("create", "view", "v"),
        ("create", "trigger", "tr"),
    ]
    assert list(p.changes) == [
        Change("index", "i1", "recreate", False, ("definition changed",)),
        Change("index", "i2", "drop", False, ("not in the definitions",)),
        Change("view", "v", "recreate", False, ("definition changed",)),
        Change("view", "old_v", "drop", False, ("not in the definitions",)),
        Change("trigger", "tr", "recreate", False, ("definition changed",)),
    ]
    assert p.destructive is False


def test_cosmetic_index_change_is_not_a_change() -> None:
    con = db("CREATE TABLE t (a); CREATE INDEX i ON t (a)")
    p = inline_sync.plan(con, 'create table t (a); create index "i" on T ( A )')
    assert p.steps == ()


# --------------------------------------------------------------------------- build_plan directly


def schema_of(script: str) -> Schema:
    con = db(script)
    return build_schema(read_objects(SQLite3Client(con), "main"), ignore_filter(), set())


def direct_plan(
    current: str,
    desired: str,
    *,
    fk_enforced: bool = False,
    has_rows: bool = True,
    caps: tuple[int, ...] = (3, 45, 0),
) -> SyncPlan:
    defs = parse_definitions(desired, ignore_filter())
    asked: list[str] = []

    def rows(name: str) -> bool:
        asked.append(name)
        return has_rows

    inp = PlanInput(
        defs, Capabilities(caps), fk_enforced, False, rows, lambda side, name: [], "scratch-db"
    )
    p = build_plan(schema_of(current), schema_of(desired), inp)
    direct_plan.asked = asked  # type: ignore[attr-defined]
    return p


def test_build_plan_metadata() -> None:
    p = direct_plan("CREATE TABLE t (a)", "CREATE TABLE t (a, b)")
    assert (p.strategy, p.sqlite_version, p.foreign_keys) == ("scratch-db", "3.45.0", "off")
    assert p.fk_checks == ()


@pytest.mark.parametrize(("has_rows", "action"), [(False, "alter"), (True, "rebuild")])
def test_build_plan_asks_has_rows_with_the_current_table_name(has_rows: bool, action: str) -> None:
    p = direct_plan('CREATE TABLE "T" (a)', 'CREATE TABLE "T" (a, b NOT NULL)', has_rows=has_rows)
    assert direct_plan.asked == ["T"]  # type: ignore[attr-defined]
    assert changes(p) == [(action, "table", "T", False)]


def test_build_plan_closure_includes_grandchildren_parents_first() -> None:
    current = (
        "CREATE TABLE a (id INTEGER PRIMARY KEY, v);"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, bid REFERENCES b(id));"
        "CREATE TABLE b (id INTEGER PRIMARY KEY, aid REFERENCES a(id));"
        "CREATE TABLE other (x);"
    )
    desired = current.replace("(id INTEGER PRIMARY KEY, v)", "(id INTEGER PRIMARY KEY, v TEXT)")
    p = direct_plan(current, desired, fk_enforced=True)
    assert changes(p) == [
        ("rebuild", "table", "a", False),
        ("rebuild", "table", "b", False),
        ("rebuild", "table", "c", False),
    ]
    renames = [s.sql for s in p.steps if s.sql.startswith("ALTER TABLE")]
    assert renames == [
        'ALTER TABLE main."__sync_new_a" RENAME TO "a"',
        'ALTER TABLE main."__sync_new_b" RENAME TO "b"',
        'ALTER TABLE main."__sync_new_c" RENAME TO "c"',
    ]
    drops = [s.sql for s in p.steps if s.sql.startswith("DROP TABLE")]
    assert drops == ['DROP TABLE main."c"', 'DROP TABLE main."b"', 'DROP TABLE main."a"']
    assert p.fk_checks == ()  # every key column copied unchanged


def test_build_plan_new_column_with_references_is_checked() -> None:
    p = direct_plan(
        "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE t (a)",
        "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE t (a, pid REFERENCES p)",
    )
    assert p.statements == ['ALTER TABLE main."t" ADD COLUMN pid REFERENCES p']
    assert p.fk_checks == ()  # the new column is NULL in every row: nothing to violate
    p = direct_plan(
        "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE t (a)",
        "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE t (a, pid REFERENCES p DEFAULT 7)",
    )
    assert p.fk_checks == (ForeignKeyCheck(None, "t", (("p", "p"),)),)


def test_enforced_foreign_keys_refuse_dropping_a_referenced_table() -> None:
    current = (
        "CREATE TABLE p (id INTEGER PRIMARY KEY);"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, pid REFERENCES p(id));"
    )
    desired = "CREATE TABLE c (id INTEGER PRIMARY KEY, pid REFERENCES p(id));"
    with pytest.raises(SyncError) as info:
        direct_plan(current, desired, fk_enforced=True)
    assert str(info.value) == (
        "cannot drop table 'p': table 'c' still references it, and foreign keys cannot be "
        "switched off here (dropping it would cascade into that table); remove the reference first"
    )
    p = direct_plan(current, desired, fk_enforced=False)
    assert p.statements == ['DROP TABLE main."p"']
