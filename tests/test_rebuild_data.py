"""Data preservation through every kind of table rebuild, and the cheap paths that avoid one.

Every test runs on the stdlib ``sqlite3`` client (``isolation_level=None`` and the default
isolation level) and on ``apsw``; most also on both scratch strategies, and where foreign keys
matter also through the "closure" path a Durable Object takes (foreign keys cannot be switched
off, so a parent is rebuilt together with every table that references it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import apsw
import pytest
from client_kinds import CLIENTS, STRATEGIES, fk_locked
from client_kinds import DB as BaseDB

import inline_sync

PATHS = ["fk-off", "fk-locked"]


class DB(BaseDB):
    """The shared test database, with this module's extra operations."""

    def q(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of one statement; a DML statement's implicit transaction is committed."""
        rows = super().q(sql, params)
        if not self.is_apsw and self.conn.in_transaction:
            self.conn.commit()
        return rows

    def q_with_names(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        if self.is_apsw:
            cur = self.conn.cursor()
            cur.execute(sql)
            names = [d[0] for d in cur.getdescription()]
            return names, [tuple(r) for r in cur]
        cur = self.conn.execute(sql)
        names = [d[0] for d in cur.description]
        return names, [tuple(r) for r in cur.fetchall()]

    def in_transaction(self) -> bool:
        if self.is_apsw:
            return not self.conn.getautocommit()
        return bool(self.conn.in_transaction)

    def target(self) -> Any:
        if not self.locked:
            return self.conn
        return fk_locked(self.conn)

    def sync(self, definitions: str, **kw: Any) -> inline_sync.SyncResult:
        kw.setdefault("scratch_schema", self.strategy)
        return inline_sync.sync(self.target(), definitions, **kw)

    def plan(self, definitions: str, **kw: Any) -> inline_sync.SyncPlan:
        kw.setdefault("scratch_schema", self.strategy)
        return inline_sync.plan(self.target(), definitions, **kw)

    def master(self) -> list[tuple[Any, ...]]:
        return sorted(self.q("SELECT type, name, tbl_name, sql FROM sqlite_master"), key=repr)

    def tables(self) -> list[str]:
        return [r[0] for r in self.q("SELECT name FROM sqlite_master WHERE type = 'table'")]


def typed(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


@dataclass
class Rows:
    rowid: bool
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def keyed(self, key: tuple[str, ...] | str) -> dict[Any, dict[str, tuple[str, Any]]]:
        out: dict[Any, dict[str, tuple[str, Any]]] = {}
        for row in self.rows:
            d = {c: typed(v) for c, v in zip(self.columns, row, strict=True)}
            k = d["__rid__"] if key == "rowid" else tuple(d[c] for c in key)
            assert k not in out, f"duplicate key {k!r}"
            out[k] = d
        return out


def table_rows(db: DB, table: str) -> Rows:
    try:
        names, rows = db.q_with_names(f'SELECT rowid AS "__rid__", * FROM "{table}" ORDER BY 1')
        return Rows(True, names, rows)
    except (sqlite3.Error, apsw.Error):
        names, rows = db.q_with_names(f'SELECT * FROM "{table}"')
        return Rows(False, names, sorted(rows, key=repr))


def assert_same_rows(
    before: Rows, after: Rows, key: tuple[str, ...] | str = ("id",), skip: tuple[str, ...] = ()
) -> None:
    b, a = before.keyed(key), after.keyed(key)
    assert sorted(b, key=repr) == sorted(a, key=repr), "the set of rows changed"
    common = [c for c in before.columns if c in after.columns and c not in skip]
    assert common, "no column to compare"
    for k in b:
        for col in common:
            assert b[k][col] == a[k][col], f"row {k!r}, column {col}: {b[k][col]} -> {a[k][col]}"


def assert_clean(db: DB, definitions: str, **kw: Any) -> None:
    """The invariants every successful sync must leave behind."""
    assert not db.in_transaction()
    assert db.q("PRAGMA foreign_key_check") == []
    assert db.q("PRAGMA integrity_check") == [("ok",)]
    assert db.q("PRAGMA foreign_keys") == [(1,)]
    assert db.q("PRAGMA legacy_alter_table") == [(0,)]
    leftovers = [r for r in db.master() if str(r[1]).lower().startswith("__sync_")]
    assert leftovers == []
    sql_mentions = [r for r in db.master() if r[3] and "__sync_" in r[3].lower()]
    assert sql_mentions == []
    assert {r[1] for r in db.q("PRAGMA database_list")} <= {"main", "temp"}
    seq = db.q("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
    if seq:
        assert [r for r in db.q("SELECT name FROM sqlite_sequence") if "__sync_" in r[0]] == []
    again = db.plan(definitions, **kw)
    assert again.status == "up-to-date", str(again)
    master = db.master()
    repeat = db.sync(definitions, **kw)
    assert repeat.status == "up-to-date", str(repeat)
    assert repeat.statements == ()
    assert db.master() == master


def actions(plan: inline_sync.SyncPlan, name: str) -> set[str]:
    return {c.action for c in plan.changes if c.name.lower() == name.lower()}


def all_actions(plan: inline_sync.SyncPlan) -> set[str]:
    return {c.action for c in plan.changes}


# --------------------------------------------------------------------------------- fixtures
@pytest.fixture(params=CLIENTS)
def db(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    d = DB(request.param, str(tmp_path / "test.db"))
    yield d
    d.conn.close()


@pytest.fixture(params=STRATEGIES)
def strategy(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sdb(db: DB, strategy: str, path: str) -> DB:
    """A database on one client, one strategy, one foreign-key path."""
    db.strategy = strategy
    db.locked = path == "fk-locked"
    return db


# ------------------------------------------------------------------ rebuild: one table
T = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, b BLOB)"
SEED = (
    "INSERT INTO t (id, a, n, b) VALUES (1, 'alpha', 10, x'00ff'), (2, 'Beta', -3, NULL), "
    "(5, 'gamma', 0, x''), (8, 'délta', 1099511627776, x'01'), (13, 'eps', NULL, NULL);"
)
PARENT = "CREATE TABLE p (id INTEGER PRIMARY KEY);"
PARENT_SEED = "INSERT INTO p (id) VALUES (10), (-3), (0), (1099511627776);"


def _fails(db: DB, sql: str) -> None:
    with pytest.raises((sqlite3.Error, apsw.Error)):
        db.run(sql)


def _check_default(db: DB) -> None:
    db.run("INSERT INTO t (id) VALUES (100)")
    assert db.q("SELECT a FROM t WHERE id = 100") == [("y",)]


def _check_collate(db: DB) -> None:
    assert db.q("SELECT id FROM t WHERE a = 'ALPHA'") == [(1,)]


def _check_check(db: DB) -> None:
    _fails(db, "INSERT INTO t (id, a, n) VALUES (100, 'z', -1000)")


def _check_no_check(db: DB) -> None:
    db.run("INSERT INTO t (id, a, n) VALUES (100, 'z', -1000)")


def _check_not_null(db: DB) -> None:
    _fails(db, "INSERT INTO t (id, a) VALUES (100, NULL)")


def _check_nullable(db: DB) -> None:
    db.run("INSERT INTO t (id, a) VALUES (100, NULL)")


def _check_unique(db: DB) -> None:
    _fails(db, "INSERT INTO t (id, a) VALUES (100, 'alpha')")


def _check_not_unique(db: DB) -> None:
    db.run("INSERT INTO t (id, a) VALUES (100, 'alpha')")


def _check_fk(db: DB) -> None:
    _fails(db, "INSERT INTO t (id, a, n) VALUES (100, 'z', 424242)")


def _check_no_fk(db: DB) -> None:
    db.run("INSERT INTO t (id, a, n) VALUES (100, 'z', 424242)")


def _check_gen(factor: int) -> Callable[[DB], None]:
    def check(db: DB) -> None:
        rows = db.q("SELECT n, g FROM t")
        assert rows and all(g == (None if n is None else n * factor) for n, g in rows)

    return check


def _check_middle(db: DB) -> None:
    assert {r[0] for r in db.q("SELECT x FROM t")} == {"new"}
    assert [r[1] for r in db.q("PRAGMA table_info(t)")] == ["id", "a", "x", "n", "b"]


def _check_reorder(db: DB) -> None:
    assert [r[1] for r in db.q("PRAGMA table_info(t)")] == ["id", "n", "a", "b"]


def _check_strict(db: DB) -> None:
    _fails(db, "INSERT INTO t (id, n) VALUES (100, 'not a number')")


def _check_not_strict(db: DB) -> None:
    db.run("INSERT INTO t (id, n) VALUES (100, 'not a number')")


def _check_without_rowid(db: DB) -> None:
    _fails(db, "SELECT rowid FROM t")


def _check_rowid(db: DB) -> None:
    assert db.q("SELECT count(rowid) FROM t") == [(5,)]


def _check_composite_pk(db: DB) -> None:
    db.run("INSERT INTO t (id, a) VALUES (1, 'other')")  # (1, 'other') is a new key
    assert db.q("SELECT count(*) FROM t WHERE id = 1") == [(2,)]


@dataclass
class Case:
    id: str
    before: str
    after: str
    seed: str = SEED
    key: tuple[str, ...] | str = ("id",)
    skip: tuple[str, ...] = ()
    check: Callable[[DB], None] | None = None
    # On SQLite 3.53+ (apsw) some changes are ALTERs: None = may be either, False = rebuild.
    apsw_alter: bool | None = False
    extra: dict[str, Any] = field(default_factory=dict)


def _gen(expr: str, kind: str) -> str:
    return (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, b BLOB, "
        f"g INTEGER GENERATED ALWAYS AS ({expr}) {kind})"
    )


CASES = [
    Case("type-change", T, "CREATE TABLE t (id INTEGER PRIMARY KEY, a VARCHAR(20), n NUMERIC, b)"),
    Case(
        "not-null-added",
        T,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, n INTEGER, b BLOB)",
        check=_check_not_null,
        apsw_alter=True,
    ),
    Case(
        "not-null-removed",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, n INTEGER, b BLOB)",
        T,
        check=_check_nullable,
        apsw_alter=True,
    ),
    Case(
        "not-null-on-conflict-added",
        T,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL ON CONFLICT ABORT, n INTEGER, "
        "b BLOB)",
        check=_check_not_null,
        apsw_alter=None,
    ),
    Case(
        "default-change",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'x', n INTEGER, b BLOB)",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'y', n INTEGER, b BLOB)",
        check=_check_default,
    ),
    Case(
        "collate-change",
        T,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, n INTEGER, b BLOB)",
        check=_check_collate,
    ),
    Case(
        "column-check-added",
        T,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER CHECK (n > -100), b BLOB)",
        check=_check_check,
        apsw_alter=None,
    ),
    Case(
        "named-table-check-added",
        T,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, b BLOB, "
        "CONSTRAINT n_range CHECK (n > -100))",
        check=_check_check,
        apsw_alter=None,
    ),
    Case(
        "column-check-removed",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER CHECK (n > -100), b BLOB)",
        T,
        check=_check_no_check,
        apsw_alter=None,
    ),
    Case(
        "named-table-check-removed",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, b BLOB, "
        "CONSTRAINT n_range CHECK (n > -100))",
        T,
        check=_check_no_check,
        apsw_alter=None,
    ),
    Case(
        "primary-key-change",
        T,
        "CREATE TABLE t (id INTEGER NOT NULL, a TEXT NOT NULL, n INTEGER, b BLOB, "
        "PRIMARY KEY (id, a))",
        check=_check_composite_pk,
    ),
    Case(
        "unique-added",
        T,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, n INTEGER, b BLOB)",
        check=_check_unique,
    ),
    Case(
        "unique-removed",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, b BLOB, UNIQUE (a))",
        T,
        check=_check_not_unique,
    ),
    Case(
        "foreign-key-added",
        PARENT + T,
        PARENT + "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER REFERENCES p(id), "
        "b BLOB)",
        seed=PARENT_SEED + SEED,
        check=_check_fk,
    ),
    Case(
        "foreign-key-removed",
        PARENT + "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER REFERENCES p(id), "
        "b BLOB)",
        PARENT + T,
        seed=PARENT_SEED + SEED,
        check=_check_no_fk,
    ),
    Case(
        "table-foreign-key-added",
        PARENT + T,
        PARENT + "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, b BLOB, "
        "FOREIGN KEY (n) REFERENCES p(id) ON DELETE CASCADE)",
        seed=PARENT_SEED + SEED,
        check=_check_fk,
    ),
    Case(
        "generated-virtual-changed",
        _gen("n * 2", "VIRTUAL"),
        _gen("n * 3", "VIRTUAL"),
        skip=("g",),
        check=_check_gen(3),
    ),
    Case(
        "generated-stored-changed",
        _gen("n * 2", "STORED"),
        _gen("n * 3", "STORED"),
        skip=("g",),
        check=_check_gen(3),
    ),
    Case(
        "generated-virtual-to-stored",
        _gen("n * 2", "VIRTUAL"),
        _gen("n * 2", "STORED"),
        check=_check_gen(2),
    ),
    Case(
        "column-reorder",
        T,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, a TEXT, b BLOB)",
        check=_check_reorder,
    ),
    Case(
        "new-column-in-the-middle",
        T,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, x TEXT DEFAULT 'new', n INTEGER, b BLOB)",
        check=_check_middle,
    ),
    Case("strict-on", T, T + " STRICT", check=_check_strict),
    Case("strict-off", T + " STRICT", T, check=_check_not_strict),
    Case("without-rowid-on", T, T + " WITHOUT ROWID", check=_check_without_rowid),
    Case("without-rowid-off", T + " WITHOUT ROWID", T, check=_check_rowid),
    Case(
        "without-rowid-text-key-on",
        "CREATE TABLE t (a TEXT PRIMARY KEY, id INTEGER, n INTEGER, b BLOB)",
        "CREATE TABLE t (a TEXT PRIMARY KEY, id INTEGER, n INTEGER, b BLOB) WITHOUT ROWID",
        key=("a",),
        check=_check_without_rowid,
    ),
    Case(
        "without-rowid-text-key-off",
        "CREATE TABLE t (a TEXT PRIMARY KEY, id INTEGER, n INTEGER, b BLOB) WITHOUT ROWID",
        "CREATE TABLE t (a TEXT PRIMARY KEY, id INTEGER, n INTEGER, b BLOB)",
        key=("a",),
        check=_check_rowid,
    ),
    Case(
        "rowid-table-without-integer-primary-key",
        "CREATE TABLE t (id INTEGER, a TEXT, n INTEGER, b BLOB)",
        "CREATE TABLE t (id INTEGER, a TEXT COLLATE NOCASE, n INTEGER, b BLOB)",
        seed=(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 12) "
            "INSERT INTO t (id, a, n) SELECT i, 'r' || i, i * 7 FROM s;"
            "DELETE FROM t WHERE id IN (2, 3, 7, 12);"
            "INSERT INTO t (rowid, id, a) VALUES (40, 40, 'far');"
            "INSERT INTO t (id, a) VALUES (41, 'next');"
            "DELETE FROM t WHERE id = 1;"
        ),
        key="rowid",
    ),
    Case(
        "text-primary-key-rowid-table",
        "CREATE TABLE t (a TEXT PRIMARY KEY, id INTEGER, n INTEGER, b BLOB)",
        "CREATE TABLE t (a TEXT PRIMARY KEY, id INTEGER, n NUMERIC, b BLOB)",
        seed=SEED + "DELETE FROM t WHERE id IN (2, 5);",
        key="rowid",
    ),
]


def _no_prefix_mentions(plan: inline_sync.SyncPlan) -> None:
    assert all(s.name == "" or not s.name.lower().startswith("__sync_") for s in plan.steps)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rebuild_keeps_every_row(sdb: DB, case: Case) -> None:
    sdb.run(case.before)
    sdb.run(case.seed)
    before = table_rows(sdb, "t")
    others = {name: table_rows(sdb, name) for name in sdb.tables() if name != "t"}
    result = sdb.sync(case.after)
    assert result.status == "synced", str(result)
    assert result.statements == tuple(result.plan.statements)
    got = actions(result.plan, "t")
    if sdb.is_apsw and case.apsw_alter:
        assert got == {"alter"}, str(result.plan)
    elif not sdb.is_apsw or case.apsw_alter is False:
        assert got == {"rebuild"}, str(result.plan)
    else:
        assert got & {"alter", "rebuild"}, str(result.plan)
    assert not result.plan.destructive
    _no_prefix_mentions(result.plan)
    after = table_rows(sdb, "t")
    assert_same_rows(before, after, case.key, case.skip)
    for name, rows in others.items():
        if name != "sqlite_sequence":
            assert_same_rows(rows, table_rows(sdb, name), "rowid")
    assert_clean(sdb, case.after)
    if case.check is not None:
        case.check(sdb)


def test_rowids_without_integer_primary_key_are_kept(sdb: DB) -> None:
    """A rowid table without an INTEGER PRIMARY KEY: rowids with gaps survive exactly."""
    sdb.run("CREATE TABLE r (a TEXT, n INTEGER)")
    sdb.run(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20) "
        "INSERT INTO r (a, n) SELECT 'row ' || i, i * i FROM s;"
        "DELETE FROM r WHERE rowid IN (1, 4, 5, 9, 20);"
        "INSERT INTO r (rowid, a, n) VALUES (1000, 'far away', -1);"
    )
    before = sdb.q("SELECT rowid, a, n FROM r ORDER BY rowid")
    assert [r[0] for r in before][:3] == [2, 3, 6]
    defs = "CREATE TABLE r (a TEXT COLLATE NOCASE, n INTEGER)"
    result = sdb.sync(defs)
    assert actions(result.plan, "r") == {"rebuild"}
    assert sdb.q("SELECT rowid, a, n FROM r ORDER BY rowid") == before
    assert_clean(sdb, defs)
    sdb.run("INSERT INTO r (a) VALUES ('new')")
    assert sdb.q("SELECT max(rowid) FROM r") == [(1001,)]


# ------------------------------------------------------------------------ AUTOINCREMENT
def _five_then_delete_two(db: DB) -> None:
    db.run(
        "INSERT INTO t (a) VALUES ('one'), ('two'), ('three'), ('four'), ('five');"
        "DELETE FROM t WHERE id IN (4, 5);"
    )


def test_autoincrement_counter_survives_rebuild(sdb: DB) -> None:
    sdb.run("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT)")
    _five_then_delete_two(sdb)
    assert sdb.q("SELECT seq FROM sqlite_sequence WHERE name = 't'") == [(5,)]
    before = table_rows(sdb, "t")
    defs = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT COLLATE NOCASE)"
    result = sdb.sync(defs)
    assert actions(result.plan, "t") == {"rebuild"}
    assert_same_rows(before, table_rows(sdb, "t"))
    assert_clean(sdb, defs)
    sdb.run("INSERT INTO t (a) VALUES ('six')")
    assert sdb.q("SELECT id FROM t WHERE a = 'six'") == [(6,)]
    assert sdb.q("SELECT name, seq FROM sqlite_sequence") == [("t", 6)]


def test_autoincrement_added_becomes_active(sdb: DB) -> None:
    sdb.run("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)")
    _five_then_delete_two(sdb)
    before = table_rows(sdb, "t")
    defs = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT)"
    result = sdb.sync(defs)
    assert actions(result.plan, "t") == {"rebuild"}
    assert_same_rows(before, table_rows(sdb, "t"))
    assert_clean(sdb, defs)
    sdb.run("INSERT INTO t (a) VALUES ('x')")
    (first,) = sdb.q("SELECT id FROM t WHERE a = 'x'")[0]
    assert first >= 4
    sdb.run(f"DELETE FROM t WHERE id = {first}; INSERT INTO t (a) VALUES ('y');")
    assert sdb.q("SELECT id FROM t WHERE a = 'y'") == [(first + 1,)]  # never reused now
    assert sdb.q("SELECT name FROM sqlite_sequence") == [("t",)]


def test_autoincrement_counter_above_max_rowid_survives(sdb: DB) -> None:
    sdb.run("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT, n INTEGER)")
    _five_then_delete_two(sdb)
    sdb.run("UPDATE sqlite_sequence SET seq = 500 WHERE name = 't'")
    defs = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER, a TEXT)"
    sdb.sync(defs)
    assert_clean(sdb, defs)
    sdb.run("INSERT INTO t (a) VALUES ('next')")
    assert sdb.q("SELECT id FROM t WHERE a = 'next'") == [(501,)]


def test_rename_column_hint_during_a_rebuild(sdb: DB) -> None:
    sdb.run(T)
    sdb.run(SEED)
    before = sdb.q("SELECT rowid, id, a, n, b FROM t ORDER BY id")
    defs = (
        "CREATE TABLE t (\n"
        "    id INTEGER PRIMARY KEY,\n"
        "    label TEXT COLLATE NOCASE, -- @renamed from=a\n"
        "    n INTEGER,\n"
        "    b BLOB\n"
        ")"
    )
    result = sdb.sync(defs)
    assert actions(result.plan, "t") == {"rebuild"}
    assert not result.plan.destructive
    assert sdb.q("SELECT rowid, id, label, n, b FROM t ORDER BY id") == before
    assert_clean(sdb, defs)


def test_rebuild_dropping_a_unique_column_keeps_the_rest(sdb: DB) -> None:
    sdb.run("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, b BLOB, code TEXT UNIQUE)")
    sdb.run(SEED + "UPDATE t SET code = 'c' || id;")
    before = table_rows(sdb, "t")
    with pytest.raises(inline_sync.DestructiveChangeError):
        sdb.sync(T)
    result = sdb.sync(T, allow_destructive=True)
    assert actions(result.plan, "t") == {"rebuild"}
    assert result.plan.destructive
    assert_same_rows(before, table_rows(sdb, "t"))
    assert_clean(sdb, T)


def test_rebuild_keeps_the_connections_legacy_alter_table_setting(sdb: DB) -> None:
    sdb.run(VT_SCHEMA)
    sdb.run("INSERT INTO t (id, a, n) VALUES (1, 'x', 1), (2, 'y', 2)")
    sdb.run("PRAGMA legacy_alter_table = ON")
    defs = VT_SCHEMA.replace("a TEXT, n INTEGER", "a TEXT COLLATE NOCASE, n INTEGER")
    result = sdb.sync(defs)
    assert actions(result.plan, "t") == {"rebuild"}
    assert sdb.q("PRAGMA legacy_alter_table") == [(1,)]
    sdb.run("PRAGMA legacy_alter_table = OFF")
    assert_clean(sdb, defs)
    assert sdb.q("SELECT ua FROM v ORDER BY id") == [("X",), ("Y",)]


# ------------------------------------------------------------- NOT NULL column, no default
def _snapshot(db: DB) -> tuple[Any, ...]:
    data = {}
    for name in sorted(db.tables()):
        r = table_rows(db, name)
        data[name] = (r.columns, r.rows)
    return (db.master(), data)


def test_not_null_column_without_default_on_non_empty_table_fails_cleanly(sdb: DB) -> None:
    sdb.run(T)
    sdb.run(SEED)
    snap = _snapshot(sdb)
    defs = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, b BLOB, c TEXT NOT NULL)"
    with pytest.raises(inline_sync.ApplyError) as info:
        sdb.sync(defs)
    assert "NOT NULL" in str(info.value)
    assert _snapshot(sdb) == snap
    assert not sdb.in_transaction()
    assert sdb.q("PRAGMA foreign_keys") == [(1,)]
    assert {r[1] for r in sdb.q("PRAGMA database_list")} <= {"main", "temp"}
    assert sdb.plan(T).status == "up-to-date"


def test_not_null_column_with_default_is_one_add_column(sdb: DB) -> None:
    sdb.run(T)
    sdb.run(SEED)
    before = table_rows(sdb, "t")
    defs = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, b BLOB, "
        "c TEXT NOT NULL DEFAULT 'd')"
    )
    result = sdb.sync(defs)
    assert len(result.statements) == 1
    assert "ADD COLUMN" in result.statements[0].upper()
    assert_same_rows(before, table_rows(sdb, "t"))
    assert {r[0] for r in sdb.q("SELECT c FROM t")} == {"d"}
    assert_clean(sdb, defs)


def test_not_null_column_without_default_on_empty_table(sdb: DB) -> None:
    sdb.run(T)
    defs = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, b BLOB, c TEXT NOT NULL)"
    result = sdb.sync(defs)
    assert result.status == "synced"
    assert "rebuild" not in all_actions(result.plan)
    assert_clean(sdb, defs)
    _fails(sdb, "INSERT INTO t (id) VALUES (1)")


# ---------------------------------------------------------------------------- foreign keys
FK_SCHEMA = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE child_c (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE,
    v TEXT
);
CREATE TABLE child_n (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES parent(id) ON DELETE SET NULL,
    v TEXT
);
CREATE TABLE grandchild (
    id INTEGER PRIMARY KEY,
    child_id INTEGER REFERENCES child_c(id) ON DELETE CASCADE,
    w TEXT
);
CREATE TABLE node (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES node(id) ON DELETE CASCADE,
    label TEXT
);
CREATE INDEX child_c_parent ON child_c(parent_id);
"""

FK_SEED = """
INSERT INTO parent (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three');
INSERT INTO child_c (id, parent_id, v) VALUES (10, 1, 'a'), (11, 1, 'b'), (12, 2, 'c'),
    (13, NULL, 'orphan');
INSERT INTO child_n (id, parent_id, v) VALUES (20, 1, 'x'), (21, 3, 'y'), (22, 2, 'z');
INSERT INTO grandchild (id, child_id, w) VALUES (100, 10, 'g1'), (101, 11, 'g2'),
    (102, 12, 'g3'), (103, 10, 'g4');
INSERT INTO node (id, parent_id, label) VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 1, 'b'),
    (4, 2, 'a.a'), (5, 4, 'a.a.a');
"""

FK_TABLES = ["parent", "child_c", "child_n", "grandchild", "node"]


FK_CHANGES = {
    "parent": ("name TEXT)", "name TEXT COLLATE NOCASE)"),
    "child": (
        "    v TEXT\n);\nCREATE TABLE child_n",
        "    v TEXT COLLATE NOCASE\n);\nCREATE TABLE child_n",
    ),
    "self": ("    label TEXT\n", "    label TEXT COLLATE NOCASE\n"),
    "parent-pk": (
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT, extra TEXT, UNIQUE (name));",
    ),
}


def _fk_links(db: DB) -> dict[str, list[tuple[Any, ...]]]:
    return {t: db.q(f"SELECT * FROM pragma_foreign_key_list('{t}')") for t in FK_TABLES}


@pytest.mark.parametrize("change", list(FK_CHANGES))
def test_foreign_key_families_survive(sdb: DB, change: str) -> None:
    sdb.run(FK_SCHEMA)
    sdb.run(FK_SEED)
    before = {t: table_rows(sdb, t) for t in FK_TABLES}
    links = _fk_links(sdb)
    old, new = FK_CHANGES[change]
    defs = FK_SCHEMA.replace(old, new)
    assert defs != FK_SCHEMA
    result = sdb.sync(defs)
    assert result.status == "synced"
    assert "rebuild" in all_actions(result.plan), str(result.plan)
    if sdb.locked:
        assert result.plan.foreign_keys == "enforced"
    for t in FK_TABLES:
        assert_same_rows(before[t], table_rows(sdb, t))
    assert _fk_links(sdb) == links
    assert_clean(sdb, defs)
    # The links are live: cascades and SET NULL reach the right tables.
    sdb.run("DELETE FROM parent WHERE id = 1")
    assert sdb.q("SELECT id FROM child_c ORDER BY id") == [(12,), (13,)]
    assert sdb.q("SELECT id, parent_id FROM child_n ORDER BY id") == [(20, None), (21, 3), (22, 2)]
    assert sdb.q("SELECT id FROM grandchild ORDER BY id") == [(102,)]
    sdb.run("DELETE FROM node WHERE id = 2")
    assert sdb.q("SELECT id FROM node ORDER BY id") == [(1,), (3,)]
    _fails(sdb, "INSERT INTO child_c (id, parent_id, v) VALUES (99, 999, 'bad')")
    _fails(sdb, "INSERT INTO node (id, parent_id, label) VALUES (99, 999, 'bad')")


def test_closure_rebuild_includes_referencing_tables(db: DB) -> None:
    db.locked = True
    db.run(FK_SCHEMA)
    db.run(FK_SEED)
    defs = FK_SCHEMA.replace(*FK_CHANGES["parent"])
    plan = db.plan(defs)
    rebuilt = {c.name for c in plan.changes if c.action == "rebuild"}
    assert {"parent", "child_c", "child_n", "grandchild"} <= rebuilt
    assert "node" not in rebuilt
    db.locked = False
    plan = db.plan(defs)
    assert {c.name for c in plan.changes if c.action == "rebuild"} == {"parent"}


# ------------------------------------------------------------------- views and triggers
VT_SCHEMA = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER);
CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);
CREATE TABLE src (id INTEGER PRIMARY KEY, a TEXT);
CREATE INDEX t_n ON t(n);
CREATE VIEW v AS SELECT id, upper(a) AS ua, n FROM t;
CREATE VIEW v2 AS SELECT count(*) AS c, sum(n) AS s FROM v;
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log (msg) VALUES ('t:' || new.a); END;
CREATE TRIGGER src_ins AFTER INSERT ON src BEGIN
    INSERT INTO t (a, n) VALUES (new.a, 99);
END;
"""


def test_views_and_triggers_follow_a_rebuilt_table(sdb: DB) -> None:
    sdb.run(VT_SCHEMA)
    sdb.run("INSERT INTO t (id, a, n) VALUES (1, 'x', 1), (2, 'y', 2), (3, 'z', 3)")
    assert sdb.q("SELECT count(*) FROM log") == [(3,)]
    before = table_rows(sdb, "t")
    log_before = sdb.q("SELECT * FROM log")
    defs = VT_SCHEMA.replace("a TEXT, n INTEGER", "a TEXT COLLATE NOCASE, n INTEGER")
    result = sdb.sync(defs)
    assert actions(result.plan, "t") == {"rebuild"}
    assert_same_rows(before, table_rows(sdb, "t"))
    assert sdb.q("SELECT * FROM log") == log_before  # the copy fired no trigger
    assert_clean(sdb, defs)
    names = {r[1] for r in sdb.master()}
    assert {"t_n", "v", "v2", "t_ins", "src_ins"} <= names
    assert sdb.q("SELECT ua FROM v ORDER BY id") == [("X",), ("Y",), ("Z",)]
    assert sdb.q("SELECT c, s FROM v2") == [(3, 6)]
    sdb.run("INSERT INTO t (a, n) VALUES ('w', 4)")
    assert sdb.q("SELECT msg FROM log ORDER BY id DESC LIMIT 1") == [("t:w",)]
    sdb.run("INSERT INTO src (a) VALUES ('from src')")
    assert sdb.q("SELECT n FROM t WHERE a = 'FROM SRC'") == [(99,)]
    assert sdb.q("SELECT msg FROM log ORDER BY id DESC LIMIT 1") == [("t:from src",)]
    assert sdb.q("SELECT c FROM v2") == [(5,)]
    assert "t_n" in {r[1] for r in sdb.q("PRAGMA index_list(t)")}


# ------------------------------------------------------------------------- cheap paths
BASE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER);"
BASE_SEED = "INSERT INTO t (id, a, n) VALUES (1, 'x', 1), (4, 'y', NULL), (9, 'z', 3);"


def test_add_column_is_one_alter(sdb: DB) -> None:
    sdb.run(BASE)
    sdb.run(BASE_SEED)
    before = table_rows(sdb, "t")
    defs = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER, c TEXT DEFAULT 'z');"
    result = sdb.sync(defs)
    assert len(result.statements) == 1, result.statements
    assert result.statements[0].upper().startswith("ALTER TABLE")
    assert "ADD COLUMN" in result.statements[0].upper()
    assert "rebuild" not in all_actions(result.plan)
    assert_same_rows(before, table_rows(sdb, "t"))
    assert_clean(sdb, defs)


def test_drop_column_is_alter(sdb: DB) -> None:
    sdb.run(BASE)
    sdb.run(BASE_SEED)
    before = table_rows(sdb, "t")
    defs = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"
    result = sdb.sync(defs, allow_destructive=True)
    assert "rebuild" not in all_actions(result.plan)
    assert len(result.statements) == 1
    assert "DROP COLUMN" in result.statements[0].upper()
    assert_same_rows(before, table_rows(sdb, "t"))
    assert_clean(sdb, defs)


def test_rename_column_by_hint_is_alter(sdb: DB) -> None:
    sdb.run(BASE)
    sdb.run(BASE_SEED)
    before = sdb.q("SELECT id, a, n FROM t ORDER BY id")
    defs = (
        "CREATE TABLE t (\n"
        "    id INTEGER PRIMARY KEY,\n"
        "    label TEXT, -- @renamed from=a\n"
        "    n INTEGER\n"
        ");"
    )
    result = sdb.sync(defs)
    assert "rebuild" not in all_actions(result.plan)
    assert all("RENAME COLUMN" in s.upper() for s in result.statements)
    assert sdb.q("SELECT id, label, n FROM t ORDER BY id") == before
    assert_clean(sdb, defs)


def test_rename_table_by_hint_is_alter(sdb: DB) -> None:
    sdb.run("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);")
    sdb.run("INSERT INTO users VALUES (1, 'ann'), (2, 'bob'), (7, 'cy');")
    before = table_rows(sdb, "users")
    defs = "CREATE TABLE people ( -- @renamed from=users\n    id INTEGER PRIMARY KEY, name TEXT);\n"
    result = sdb.sync(defs)
    assert result.statements == ('ALTER TABLE main."users" RENAME TO "people"',)
    assert "rebuild" not in all_actions(result.plan)
    assert not result.plan.destructive
    # The plan's summary says what happens to the table.
    assert actions(result.plan, "people") == {"rename"}, str(result.plan)
    assert_same_rows(before, table_rows(sdb, "people"))
    assert "users" not in sdb.tables()
    assert_clean(sdb, defs)


def test_rename_parent_table_by_hint_does_not_rebuild_children(sdb: DB) -> None:
    """ALTER TABLE … RENAME TO rewrites the children's REFERENCES itself: no rebuild needed."""
    sdb.run(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, "
        "user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, body TEXT);"
    )
    sdb.run(
        "INSERT INTO users VALUES (1, 'ann'), (2, 'bob');"
        "INSERT INTO posts VALUES (10, 1, 'hi'), (11, 2, 'yo'), (12, 1, 'again');"
    )
    users = sdb.q("SELECT * FROM users ORDER BY id")
    posts = sdb.q("SELECT * FROM posts ORDER BY id")
    defs = (
        "CREATE TABLE people ( -- @renamed from=users\n"
        "    id INTEGER PRIMARY KEY, name TEXT);\n"
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, "
        "user_id INTEGER REFERENCES people(id) ON DELETE CASCADE, body TEXT);"
    )
    plan = sdb.plan(defs)
    assert "rebuild" not in all_actions(plan), str(plan)
    result = sdb.sync(defs)
    assert not result.plan.destructive
    assert any("RENAME TO" in s.upper() for s in result.statements)
    assert sdb.q("SELECT * FROM people ORDER BY id") == users
    assert sdb.q("SELECT * FROM posts ORDER BY id") == posts
    assert "users" not in sdb.tables()
    assert_clean(sdb, defs)
    sdb.run("DELETE FROM people WHERE id = 1")
    assert sdb.q("SELECT id FROM posts") == [(11,)]


def test_rename_parent_table_keeps_data_even_when_rebuilding(sdb: DB) -> None:
    """Whatever the plan, renaming a parent keeps every child row and link."""
    sdb.run(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, "
        "user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, body TEXT);"
    )
    sdb.run(
        "INSERT INTO users VALUES (1, 'ann'), (2, 'bob');"
        "INSERT INTO posts VALUES (10, 1, 'hi'), (11, 2, 'yo'), (12, 1, 'again');"
    )
    posts = table_rows(sdb, "posts")
    defs = (
        "CREATE TABLE people ( -- @renamed from=users\n"
        "    id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE);\n"
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, "
        "user_id INTEGER REFERENCES people(id) ON DELETE CASCADE, body TEXT);"
    )
    sdb.sync(defs)
    assert_same_rows(posts, table_rows(sdb, "posts"))
    assert sdb.q("SELECT id, name FROM people ORDER BY id") == [(1, "ann"), (2, "bob")]
    assert_clean(sdb, defs)
    sdb.run("DELETE FROM people WHERE id = 1")
    assert sdb.q("SELECT id FROM posts") == [(11,)]


@pytest.mark.parametrize("direction", ["set", "drop"])
def test_apsw_not_null_uses_alter(db: DB, strategy: str, path: str, direction: str) -> None:
    if not db.is_apsw:
        pytest.skip("ALTER COLUMN … NOT NULL needs SQLite 3.53+ (apsw here)")
    db.strategy = strategy
    db.locked = path == "fk-locked"
    nullable = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INTEGER);"
    not_null = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, n INTEGER);"
    before_defs, defs = (nullable, not_null) if direction == "set" else (not_null, nullable)
    db.run(before_defs)
    db.run(BASE_SEED)
    before = table_rows(db, "t")
    result = db.sync(defs)
    assert "rebuild" not in all_actions(result.plan), str(result.plan)
    assert len(result.statements) == 1
    assert "ALTER COLUMN" in result.statements[0].upper()
    assert f"{direction.upper()} NOT NULL" in result.statements[0].upper()
    assert_same_rows(before, table_rows(db, "t"))
    assert_clean(db, defs)


# ----------------------------------------------------------------------- virtual tables
FTS = "CREATE VIRTUAL TABLE docs USING fts5(title, body);"
FTS_SEED = (
    "INSERT INTO docs (rowid, title, body) VALUES (3, 'apple pie', 'sweet crust'), "
    "(7, 'banana bread', 'moist loaf'), (20, 'cherry tart', 'sour apple filling');"
)
SHADOW = ("docs_data", "docs_idx", "docs_content", "docs_docsize", "docs_config")


def _mentions_shadow(plan: inline_sync.SyncPlan) -> bool:
    """Whether the plan acts on a shadow table as an object of its own (a changed fts5 index
    does read its _config table's settings, in its own steps)."""
    text = " ".join([c.name.lower() for c in plan.changes] + [s.name.lower() for s in plan.steps])
    return any(s in text for s in SHADOW)


def test_fts5_created_and_then_left_alone(sdb: DB) -> None:
    sdb.run(BASE)
    defs = BASE + FTS
    result = sdb.sync(defs)
    assert result.status == "synced"
    assert actions(result.plan, "docs") == {"create"}
    assert not _mentions_shadow(result.plan)
    sdb.run(FTS_SEED)
    assert sdb.q("SELECT rowid FROM docs WHERE docs MATCH 'apple' ORDER BY rowid") == [(3,), (20,)]
    assert_clean(sdb, defs)
    again = sdb.plan(defs)
    assert again.status == "up-to-date"
    assert again.steps == () and again.changes == ()
    # Another change elsewhere: the fts5 table and its shadow tables stay out of the plan.
    more = defs + "CREATE TABLE other (x INTEGER);"
    plan = sdb.plan(more)
    assert {c.name for c in plan.changes} == {"other"}
    assert not _mentions_shadow(plan)
    sdb.sync(more)
    assert_clean(sdb, more)
    assert sdb.q("SELECT rowid FROM docs WHERE docs MATCH 'apple' ORDER BY rowid") == [(3,), (20,)]


def test_fts5_columns_changed_recreates_with_rows(sdb: DB) -> None:
    sdb.run(FTS)
    sdb.run(FTS_SEED)
    before = sdb.q("SELECT rowid, title, body FROM docs ORDER BY rowid")
    defs = "CREATE VIRTUAL TABLE docs USING fts5(title, body, tags);"
    result = sdb.sync(defs)
    assert actions(result.plan, "docs") == {"recreate"}
    assert not result.plan.destructive
    assert not _mentions_shadow(result.plan)
    assert sdb.q("SELECT rowid, title, body FROM docs ORDER BY rowid") == before
    assert sdb.q("SELECT rowid FROM docs WHERE docs MATCH 'apple' ORDER BY rowid") == [(3,), (20,)]
    assert sdb.q("SELECT rowid FROM docs WHERE docs MATCH 'loaf'") == [(7,)]
    assert sdb.q("SELECT count(*) FROM docs WHERE tags IS NULL") == [(3,)]
    assert_clean(sdb, defs)
    sdb.run("INSERT INTO docs (title, body, tags) VALUES ('date', 'apple', 'new')")
    assert len(sdb.q("SELECT rowid FROM docs WHERE docs MATCH 'apple'")) == 3


RTREE = "CREATE VIRTUAL TABLE boxes USING rtree(id, minx, maxx, miny, maxy);"
RTREE_SEED = "INSERT INTO boxes VALUES (1, 0, 10, 0, 10), (2, 5, 15, 5, 15), (9, 20, 30, -5, 0.5);"


def test_rtree_created_unchanged_and_recreated(sdb: DB) -> None:
    result = sdb.sync(RTREE)
    assert actions(result.plan, "boxes") == {"create"}
    sdb.run(RTREE_SEED)
    assert_clean(sdb, RTREE)
    assert sdb.plan(RTREE).changes == ()
    before = sdb.q("SELECT id, minx, maxx, miny, maxy FROM boxes ORDER BY id")
    defs = "CREATE VIRTUAL TABLE boxes USING rtree(id, minx, maxx, miny, maxy, +label);"
    result = sdb.sync(defs)
    assert actions(result.plan, "boxes") == {"recreate"}
    assert not result.plan.destructive
    plan_text = str(result.plan).lower()
    assert not any(f"boxes_{s}" in plan_text for s in ("node", "parent", "rowid"))
    assert sdb.q("SELECT id, minx, maxx, miny, maxy FROM boxes ORDER BY id") == before
    assert sdb.q("SELECT id FROM boxes WHERE minx >= 4 AND maxx <= 16 ORDER BY id") == [(2,)]
    assert sdb.q("SELECT count(*) FROM boxes WHERE label IS NULL") == [(3,)]
    assert_clean(sdb, defs)


def test_progress_reports_rows_copied_and_keeps_every_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sqlite3

    from inline_sync import apply

    monkeypatch.setattr(apply, "CHUNK_ROWS", 7)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(i * 3, f"r{i}") for i in range(30)])
    conn.execute("DELETE FROM t WHERE id = 9")
    before = conn.execute("SELECT * FROM t ORDER BY id").fetchall()
    seen: list[tuple[int, int]] = []
    result = inline_sync.sync(
        conn,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE);",
        progress=lambda step, done, total: seen.append((done, total)),
    )
    assert result.status == "synced"
    assert seen[0] == (0, 29) and seen[-1] == (29, 29)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert conn.execute("SELECT * FROM t ORDER BY id").fetchall() == before


@pytest.mark.parametrize("locked", [False, True], ids=["fk-off", "fk-locked"])
def test_renaming_a_referenced_column_by_hint_leaves_children_alone(locked: bool) -> None:
    import sqlite3

    from client_kinds import fk_locked

    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    v1 = (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);"
        "CREATE TABLE ch (id INTEGER PRIMARY KEY, pcode TEXT REFERENCES p(code),"
        " FOREIGN KEY (pcode) REFERENCES p (code) ON DELETE CASCADE);"
    )
    v2 = (
        "CREATE TABLE p (id INTEGER PRIMARY KEY,\n ref TEXT UNIQUE -- @renamed from=code\n);"
        "CREATE TABLE ch (id INTEGER PRIMARY KEY, pcode TEXT REFERENCES p(ref),"
        " FOREIGN KEY (pcode) REFERENCES p (ref) ON DELETE CASCADE);"
    )
    client = fk_locked(conn) if locked else conn
    inline_sync.sync(client, v1)
    conn.execute("INSERT INTO p VALUES (1, 'a')")
    conn.execute("INSERT INTO ch VALUES (1, 'a')")
    result = inline_sync.sync(client, v2)
    assert result.statements == ('ALTER TABLE main."p" RENAME COLUMN "code" TO "ref"',)
    assert inline_sync.plan(client, v2).status == "up-to-date"
    assert conn.execute("SELECT * FROM ch").fetchall() == [(1, "a")]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
