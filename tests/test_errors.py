"""Bad inputs and refused changes: every error leaves the database exactly as it was.

Runs on the stdlib ``sqlite3`` client (``isolation_level=None`` and the default isolation level)
and on ``apsw``, on both scratch strategies, and where foreign keys matter also through the
"closure" path of a connection that cannot switch foreign keys off.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import Any

import apsw
import pytest
from client_kinds import CLIENTS, STRATEGIES, fk_locked
from client_kinds import DB as BaseDB

import inline_sync
from inline_sync import ApplyError, DefinitionError, DestructiveChangeError, SyncError


class DB(BaseDB):
    """The shared test database, with this module's extra operations."""

    def in_transaction(self) -> bool:
        if self.is_apsw:
            return not self.conn.getautocommit()
        return bool(self.conn.in_transaction)

    def total_changes(self) -> int:
        return int(self.conn.total_changes() if self.is_apsw else self.conn.total_changes)

    def target(self) -> Any:
        if not self.locked:
            return self.conn
        return fk_locked(self.conn)

    def sync(self, definitions: Any, **kw: Any) -> inline_sync.SyncResult:
        kw.setdefault("scratch_schema", self.strategy)
        return inline_sync.sync(self.target(), definitions, **kw)

    def plan(self, definitions: Any, **kw: Any) -> inline_sync.SyncPlan:
        kw.setdefault("scratch_schema", self.strategy)
        return inline_sync.plan(self.target(), definitions, **kw)

    def master(self) -> list[tuple[Any, ...]]:
        return sorted(self.q("SELECT type, name, tbl_name, sql FROM sqlite_master"), key=repr)

    def snapshot(self) -> tuple[Any, ...]:
        """Schema text, every row of every table (with rowids), and the schema cookie."""
        data = {}
        for (name,) in self.q("SELECT name FROM sqlite_master WHERE type = 'table'"):
            try:
                rows = self.q(f'SELECT rowid, * FROM "{name}" ORDER BY rowid')
            except (sqlite3.Error, apsw.Error):
                rows = sorted(self.q(f'SELECT * FROM "{name}"'), key=repr)
            data[name] = [tuple((type(v).__name__, v) for v in r) for r in rows]
        return (self.master(), data, self.q("PRAGMA schema_version"))

    def assert_untouched(self, snap: tuple[Any, ...]) -> None:
        assert self.snapshot() == snap
        assert not self.in_transaction()
        assert self.q("PRAGMA foreign_keys") == [(1,)]
        assert self.q("PRAGMA legacy_alter_table") == [(0,)]
        assert {r[1] for r in self.q("PRAGMA database_list")} <= {"main", "temp"}
        assert [r for r in self.master() if str(r[1]).lower().startswith("__sync_")] == []


SCHEMA = """
CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT, n INTEGER);
CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id), note TEXT);
CREATE INDEX u_t ON u(t_id);
CREATE VIEW tv AS SELECT id, a FROM t;
CREATE TRIGGER t_note AFTER INSERT ON t BEGIN INSERT INTO u (t_id, note) VALUES (new.id, 'auto');
END;
"""
SEED = """
INSERT INTO t (a, n) VALUES ('x', 1), ('x', NULL), ('y', -5), ('z', 7);
DELETE FROM u WHERE t_id = 4;
DELETE FROM t WHERE id = 4;
INSERT INTO u (id, t_id, note) VALUES (100, NULL, 'free');
"""


@pytest.fixture(params=CLIENTS)
def db(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    d = DB(request.param, str(tmp_path / "test.db"))
    d.run(SCHEMA)
    d.run(SEED)
    yield d
    d.conn.close()


@pytest.fixture(params=STRATEGIES)
def sdb(request: pytest.FixtureRequest, db: DB) -> DB:
    db.strategy = request.param
    return db


@pytest.fixture(params=["fk-off", "fk-locked"])
def pdb(request: pytest.FixtureRequest, sdb: DB) -> DB:
    sdb.locked = request.param == "fk-locked"
    return sdb


# ------------------------------------------------------------------------ DefinitionError
def _definition_error(db: DB, definitions: Any, **kw: Any) -> DefinitionError:
    snap = db.snapshot()
    with pytest.raises(DefinitionError) as info:
        db.sync(definitions, **kw)
    db.assert_untouched(snap)
    with pytest.raises(DefinitionError):
        db.plan(definitions, **kw)
    db.assert_untouched(snap)
    return info.value


def test_syntax_error_names_the_statement(sdb: DB) -> None:
    bad = "CREATE TABLE b (y INTEGER,, z)"
    defs = SCHEMA + f"CREATE TABLE a (x);\n{bad};\nCREATE TABLE c (z);\n"
    err = _definition_error(sdb, defs)
    assert err.index == 7
    assert err.statement is not None and bad in err.statement
    assert bad in str(err)
    assert "statement 7" in str(err)


def test_syntax_error_in_a_list_of_statements(sdb: DB) -> None:
    defs = [
        "CREATE TABLE a (x)",
        "CREATE TABLE b (y INTEGER PRIMARY KEY KEY)",
        "CREATE TABLE c (z)",
    ]
    err = _definition_error(sdb, defs)
    assert err.index == 2
    assert err.statement is not None and "CREATE TABLE b" in err.statement
    assert "CREATE TABLE b (y INTEGER PRIMARY KEY KEY)" in str(err)


NOT_CREATE = [
    "INSERT INTO t (a) VALUES ('new')",
    "DROP TABLE u",
    "ATTACH 'other.db' AS other",
    "PRAGMA foreign_keys = OFF",
    "UPDATE t SET a = 'changed'",
    "SELECT * FROM t",
    "DELETE FROM t",
    "ALTER TABLE t ADD COLUMN z TEXT",
    "BEGIN",
    "WITH x AS (SELECT 1) SELECT * FROM x",
]


@pytest.mark.parametrize("statement", NOT_CREATE, ids=[s.split()[0] for s in NOT_CREATE])
def test_statements_that_are_not_create(sdb: DB, statement: str) -> None:
    defs = f"CREATE TABLE a (x);\n{statement};\nCREATE TABLE c (z);"
    err = _definition_error(sdb, defs)
    assert err.index == 2
    assert err.statement is not None and statement in err.statement
    assert statement in str(err)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TEMP TABLE tt (x)",
        "CREATE TEMPORARY TABLE tt (x)",
        "CREATE TEMP VIEW tv2 AS SELECT 1",
        "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
        "CREATE TABLE temp.tt (x)",
    ],
)
def test_temp_objects(sdb: DB, statement: str) -> None:
    err = _definition_error(sdb, SCHEMA + statement)
    assert err.index == 6
    assert statement.split("(")[0].strip() in str(err)


@pytest.mark.parametrize(
    "name",
    ["sqlite_x", "SQLITE_stat9", "__sync_x", "__SYNC_y", "_cf_x", "_cf_KV", "_inline_sync_x"],
)
@pytest.mark.parametrize("kind", ["table", "index", "view"])
def test_reserved_names(sdb: DB, name: str, kind: str) -> None:
    statement = {
        "table": f"CREATE TABLE {name} (x)",
        "index": f"CREATE INDEX {name} ON t(a)",
        "view": f"CREATE VIEW {name} AS SELECT 1 AS one",
    }[kind]
    err = _definition_error(sdb, SCHEMA + statement)
    assert err.name == name
    assert err.index == 6
    assert name in str(err)


@pytest.mark.parametrize(
    "name", ["d1_migrations", "alembic_version", "_prisma_migrations", "knex_migrations_lock"]
)
def test_migration_table_cannot_be_declared(sdb: DB, name: str) -> None:
    err = _definition_error(sdb, SCHEMA + f"CREATE TABLE {name} (id INTEGER PRIMARY KEY)")
    assert err.name == name
    assert name in str(err)


def test_ignored_name_cannot_be_declared(sdb: DB) -> None:
    err = _definition_error(
        sdb, SCHEMA + "CREATE TABLE legacy_users (id INTEGER)", ignore=["legacy_*"]
    )
    assert err.name == "legacy_users"
    assert "legacy_users" in str(err)


@pytest.mark.parametrize(
    "extra",
    [
        "CREATE TABLE t (id INTEGER PRIMARY KEY)",
        "CREATE TABLE T (id INTEGER PRIMARY KEY)",
        'CREATE TABLE "t" (id INTEGER PRIMARY KEY)',
        "CREATE INDEX t ON u(note)",
        "CREATE VIEW u_t AS SELECT 1 AS one",
        "CREATE TRIGGER t_note AFTER DELETE ON t BEGIN SELECT 1; END",
    ],
)
def test_duplicate_names(sdb: DB, extra: str) -> None:
    err = _definition_error(sdb, SCHEMA + extra)
    assert err.index == 6
    assert "twice" in str(err)


def test_create_table_as_select(sdb: DB) -> None:
    err = _definition_error(sdb, SCHEMA + "CREATE TABLE copy AS SELECT * FROM t")
    assert err.index == 6
    assert "CREATE TABLE copy AS SELECT" in str(err)


def test_index_on_a_missing_column(sdb: DB) -> None:
    err = _definition_error(sdb, SCHEMA + "CREATE INDEX t_nope ON t(nope);")
    assert err.index == 6
    assert err.name == "t_nope"
    assert "nope" in str(err)
    assert "CREATE INDEX t_nope ON t(nope)" in str(err)


def test_index_on_a_view_says_so(sdb: DB) -> None:
    """SQLite indexes tables only; its own words, with the view not made yet when the index
    is, would be "no such table: v" (or "main.v"), though v is declared."""
    definitions = SCHEMA + "CREATE INDEX tv_a ON tv (a);"
    err = _definition_error(sdb, definitions)
    assert err.name == "tv_a"
    assert str(err).startswith("the index 'tv_a' is on tv, a view: SQLite indexes tables only")
    assert "CREATE INDEX tv_a ON tv (a)" in str(err)


def test_view_on_a_missing_table(sdb: DB) -> None:
    err = _definition_error(sdb, SCHEMA + "CREATE VIEW ghost_view AS SELECT * FROM ghost;")
    assert err.name == "ghost_view"
    assert "ghost" in str(err)


def test_view_on_a_missing_column(sdb: DB) -> None:
    err = _definition_error(sdb, SCHEMA + "CREATE VIEW ghost_view AS SELECT nope FROM t;")
    assert err.name == "ghost_view"
    assert "nope" in str(err)


@pytest.mark.parametrize(
    "bad",
    [
        "CREATE TABLE a (x TEXT DEFAULT 'oops);",
        'CREATE TABLE a ("x TEXT);',
    ],
)
def test_unterminated_tokens(sdb: DB, bad: str) -> None:
    err = _definition_error(sdb, SCHEMA + bad)
    assert str(err)


def test_definitions_that_are_not_strings(sdb: DB) -> None:
    # A wrong type is the caller's programming error, not bad definitions (see
    # tests/test_odd_arguments.py for every entry point and type).
    snap = sdb.snapshot()
    with pytest.raises(TypeError, match="a list holding int"):
        sdb.sync(["CREATE TABLE a (x)", 42])
    sdb.assert_untouched(snap)


# ------------------------------------------------------------------ DestructiveChangeError
def test_dropped_table_needs_allow_destructive(sdb: DB) -> None:
    defs = SCHEMA.replace(
        "CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id), note TEXT);\n"
        "CREATE INDEX u_t ON u(t_id);\n",
        "",
    ).replace(
        "CREATE TRIGGER t_note AFTER INSERT ON t BEGIN INSERT INTO u (t_id, note) "
        "VALUES (new.id, 'auto');\nEND;\n",
        "",
    )
    assert "u (" not in defs
    snap = sdb.snapshot()
    with pytest.raises(DestructiveChangeError) as info:
        sdb.sync(defs)
    sdb.assert_untouched(snap)
    err = info.value
    assert isinstance(err, SyncError)
    assert err.plan.destructive
    assert any(c.name == "u" and c.action == "drop" and c.destructive for c in err.plan.changes)
    assert "u" in str(err)
    assert "allow_destructive" in str(err)
    assert "  - table u" in str(err) and "@renamed" not in str(err)  # nothing new: no hint


def test_dropped_column_needs_allow_destructive(sdb: DB) -> None:
    defs = SCHEMA.replace("a TEXT, n INTEGER", "a TEXT")
    snap = sdb.snapshot()
    with pytest.raises(DestructiveChangeError) as info:
        sdb.sync(defs)
    sdb.assert_untouched(snap)
    err = info.value
    assert err.plan.destructive
    assert any(c.name == "t" and c.destructive for c in err.plan.changes)
    assert "n" in str(err)
    assert "  - column t.n" in str(err) and "@renamed" not in str(err)  # no new column
    # The plan is the one sync would apply, and allow_destructive applies it.
    assert err.plan.statements == sdb.plan(defs).statements
    result = sdb.sync(defs, allow_destructive=True)
    assert result.status == "synced"
    assert [r[1] for r in sdb.q("PRAGMA table_info(t)")] == ["id", "a"]


def test_dry_run_reports_destructive_without_raising(sdb: DB) -> None:
    defs = SCHEMA.replace("a TEXT, n INTEGER", "a TEXT")
    snap = sdb.snapshot()
    result = sdb.sync(defs, dry_run=True)
    assert result.status == "changes-needed"
    assert result.plan.destructive
    assert result.statements == ()
    sdb.assert_untouched(snap)


# ------------------------------------------------------------------------------ ApplyError
def _apply_error(db: DB, definitions: str, sqlite_text: str) -> ApplyError:
    snap = db.snapshot()
    with pytest.raises(ApplyError) as info:
        db.sync(definitions)
    db.assert_untouched(snap)
    err = info.value
    assert isinstance(err, SyncError)
    assert sqlite_text in str(err), str(err)
    assert err.sqlite_message, "the SQLite message is kept"
    # SQLite's words, with the rebuild's names ("__sync_new_t" where foreign keys stay on,
    # "__sync_" copies) turned back into the user's.
    assert err.sqlite_message.replace("__sync_new_", "").replace("__sync_", "") in str(err)
    assert "rolled back" in str(err)
    # Nothing was applied: the same plan is still pending.
    assert db.plan(definitions).status == "changes-needed"
    return err


def test_duplicates_under_a_new_unique_index(pdb: DB) -> None:
    defs = SCHEMA + "CREATE TABLE brand_new (x);\nCREATE UNIQUE INDEX t_a ON t(a);"
    err = _apply_error(pdb, defs, "UNIQUE constraint failed")
    assert err.step is not None
    assert err.step.sql in str(err)
    assert "brand_new" not in {r[1] for r in pdb.master()}


def test_duplicates_under_a_new_unique_column(pdb: DB) -> None:
    defs = SCHEMA.replace("a TEXT, n INTEGER", "a TEXT UNIQUE, n INTEGER")
    _apply_error(pdb, defs, "UNIQUE constraint failed")


def test_nulls_under_a_new_not_null(pdb: DB) -> None:
    defs = SCHEMA.replace("a TEXT, n INTEGER", "a TEXT, n INTEGER NOT NULL")
    # On SQLite 3.53+ ALTER COLUMN … SET NOT NULL says only "constraint failed".
    expected = "constraint failed" if pdb.is_apsw else "NOT NULL constraint failed"
    err = _apply_error(pdb, defs, expected)
    assert err.step is not None
    if pdb.is_apsw:
        assert err.step.action == "set not null"
        assert "ALTER COLUMN" in err.step.sql.upper()


def test_nulls_under_a_new_not_null_by_rebuild(pdb: DB) -> None:
    defs = SCHEMA.replace("a TEXT, n INTEGER", "a TEXT COLLATE NOCASE, n INTEGER NOT NULL")
    plan = pdb.plan(defs)
    assert "rebuild" in {c.action for c in plan.changes}
    _apply_error(pdb, defs, "NOT NULL constraint failed")


@pytest.mark.parametrize(
    "replacement",
    [
        "a TEXT, n INTEGER CHECK (n > 0)",
        "a TEXT, n INTEGER, CONSTRAINT positive CHECK (n > 0)",
        "a TEXT COLLATE NOCASE, n INTEGER CHECK (n > 0)",
    ],
    ids=["column-check", "named-check", "check-by-rebuild"],
)
def test_check_violated_by_existing_rows(pdb: DB, replacement: str) -> None:
    defs = SCHEMA.replace("a TEXT, n INTEGER", replacement)
    by_alter = pdb.is_apsw and "COLLATE" not in replacement
    # On SQLite 3.53+ ALTER TABLE … ADD CHECK says only "constraint failed".
    err = _apply_error(pdb, defs, "constraint failed" if by_alter else "CHECK constraint failed")
    assert err.step is not None
    if by_alter:
        assert err.step.action == "add check"


def test_new_foreign_key_violated_by_existing_rows(pdb: DB) -> None:
    pdb.run("INSERT INTO u (id, t_id, note) VALUES (101, 3, 'ok')")
    pdb.run("PRAGMA foreign_keys = OFF; INSERT INTO t (id, a) VALUES (50, 'dangling');")
    pdb.run("PRAGMA foreign_keys = ON")
    pdb.run("CREATE TABLE owner (id INTEGER PRIMARY KEY); INSERT INTO owner VALUES (1);")
    pdb.run("ALTER TABLE t ADD COLUMN owner_id INTEGER; UPDATE t SET owner_id = 1;")
    pdb.run("UPDATE t SET owner_id = 999 WHERE id = 50")
    schema = "CREATE TABLE owner (id INTEGER PRIMARY KEY);\n" + SCHEMA.replace(
        "a TEXT, n INTEGER", "a TEXT, n INTEGER, owner_id INTEGER"
    )
    assert pdb.plan(schema).status == "up-to-date"
    defs = schema.replace("owner_id INTEGER", "owner_id INTEGER REFERENCES owner(id)")
    _apply_error(pdb, defs, "FOREIGN KEY constraint failed")


# ------------------------------------------------------------------- transactions, clients
def test_open_transaction_is_refused_and_left_alone(sdb: DB) -> None:
    defs = SCHEMA + "CREATE TABLE brand_new (x);"
    if sdb.kind == "sqlite3-default":
        sdb.conn.execute("INSERT INTO u (id, note) VALUES (500, 'pending')")  # implicit BEGIN
    else:
        sdb.conn.execute("BEGIN")
        sdb.conn.execute("INSERT INTO u (id, note) VALUES (500, 'pending')")
    assert sdb.in_transaction()
    with pytest.raises(SyncError) as info:
        sdb.sync(defs)
    assert "transaction" in str(info.value)
    assert sdb.in_transaction()
    assert sdb.q("SELECT note FROM u WHERE id = 500") == [("pending",)]
    assert "brand_new" not in {r[1] for r in sdb.master()}
    assert sdb.q("PRAGMA foreign_keys") == [(1,)]
    assert {r[1] for r in sdb.q("PRAGMA database_list")} <= {"main", "temp"}
    sdb.conn.execute("ROLLBACK")
    assert not sdb.in_transaction()
    assert sdb.q("SELECT note FROM u WHERE id = 500") == []
    assert sdb.sync(defs).status == "synced"


def test_sqlite3_explicit_begin_under_default_isolation(tmp_path: Any) -> None:
    conn = sqlite3.connect(tmp_path / "x.db")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.execute("BEGIN")
    conn.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(SyncError):
        inline_sync.sync(conn, "CREATE TABLE t (x); CREATE TABLE v (y);")
    assert conn.in_transaction
    assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]
    conn.commit()
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
    conn.close()


@pytest.mark.parametrize(
    "thing",
    [object(), None, "test.db", 42, {"exec": 1}],
    ids=["object", "None", "path", "int", "dict"],
)
def test_not_a_connection(thing: Any) -> None:
    with pytest.raises(SyncError):
        inline_sync.sync(thing, "CREATE TABLE t (x)")
    with pytest.raises(SyncError):
        inline_sync.plan(thing, "CREATE TABLE t (x)")


def test_a_sqlite3_cursor_is_not_a_connection(tmp_path: Any) -> None:
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    with pytest.raises(SyncError):
        inline_sync.sync(conn.cursor(), "CREATE TABLE t (x)")
    conn.close()


def test_an_apsw_cursor_is_not_a_connection(tmp_path: Any) -> None:
    conn = apsw.Connection(str(tmp_path / "x.db"))
    with pytest.raises(SyncError):
        inline_sync.sync(conn.cursor(), "CREATE TABLE t (x)")
    conn.close()


def test_unknown_strategy_is_refused(sdb: DB) -> None:
    snap = sdb.snapshot()
    with pytest.raises(ValueError):
        sdb.sync(SCHEMA, scratch_schema="nope")
    sdb.assert_untouched(snap)


# -------------------------------------------------------------------- ignored tables
def test_ignore_keeps_an_undeclared_table(sdb: DB) -> None:
    sdb.run(
        "CREATE TABLE legacy_users (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE INDEX legacy_users_name ON legacy_users(name);"
        "INSERT INTO legacy_users VALUES (1, 'old'), (2, 'older');"
    )
    before = sdb.snapshot()[1]["legacy_users"]
    defs = SCHEMA + "CREATE TABLE fresh (x);"
    with pytest.raises(DestructiveChangeError):
        sdb.sync(defs)
    result = sdb.sync(defs, ignore=["legacy_*"])
    assert result.status == "synced"
    assert all("legacy" not in c.name for c in result.plan.changes)
    assert sdb.snapshot()[1]["legacy_users"] == before
    assert "legacy_users_name" in {r[1] for r in sdb.master()}
    assert sdb.plan(defs, ignore=["legacy_*"]).status == "up-to-date"
    assert sdb.plan(defs, ignore="legacy_*").status == "up-to-date"


MIGRATION_TABLES = """
CREATE TABLE d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, applied_at TEXT);
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
CREATE TABLE _prisma_migrations (id TEXT PRIMARY KEY, checksum TEXT NOT NULL);
CREATE TABLE knex_migrations_lock (idx INTEGER PRIMARY KEY, is_locked INTEGER);
INSERT INTO d1_migrations (name, applied_at) VALUES ('0001_init.sql', '2024-01-01');
INSERT INTO alembic_version VALUES ('abc123');
INSERT INTO _prisma_migrations VALUES ('m1', 'deadbeef');
INSERT INTO knex_migrations_lock VALUES (1, 0);
"""


def test_migration_bookkeeping_tables_are_left_alone(sdb: DB) -> None:
    sdb.run(MIGRATION_TABLES)
    names = ("d1_migrations", "alembic_version", "_prisma_migrations", "knex_migrations_lock")
    snap = sdb.snapshot()
    kept = {n: snap[1][n] for n in names}
    kept_sql = [r for r in snap[0] if r[2] in names]
    assert sdb.plan(SCHEMA).status == "up-to-date"
    defs = SCHEMA.replace("a TEXT, n INTEGER", "a TEXT COLLATE NOCASE, n INTEGER")
    result = sdb.sync(defs)
    assert result.status == "synced"
    assert not any(n in s for n in names for s in result.statements)
    after = sdb.snapshot()
    assert {n: after[1][n] for n in names} == kept
    assert [r for r in after[0] if r[2] in names] == kept_sql
    assert sdb.plan(defs).status == "up-to-date"


# ------------------------------------------------------------- plan() and dry runs: no trace
NEXT = (
    SCHEMA.replace("a TEXT, n INTEGER", "a TEXT COLLATE NOCASE, n INTEGER, extra TEXT")
    + "CREATE TABLE brand_new (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id));\n"
    + "CREATE INDEX t_n ON t(n);\n"
    + "CREATE VIEW tv2 AS SELECT a FROM tv;\n"
    + "CREATE TRIGGER bn AFTER INSERT ON brand_new BEGIN UPDATE t SET n = 0; END;\n"
)


@pytest.mark.parametrize("defs", [SCHEMA, NEXT], ids=["up-to-date", "changes"])
def test_plan_and_dry_run_leave_no_trace(pdb: DB, defs: str) -> None:
    snap = pdb.snapshot()
    changes = pdb.total_changes()
    plan = pdb.plan(defs)
    assert plan.status == ("up-to-date" if defs == SCHEMA else "changes-needed")
    pdb.assert_untouched(snap)
    assert pdb.total_changes() == changes
    result = pdb.sync(defs, dry_run=True)
    assert result.status == plan.status
    assert result.statements == ()
    assert result.plan.statements == plan.statements
    pdb.assert_untouched(snap)
    assert pdb.total_changes() == changes
    assert str(plan) == str(result.plan)


@pytest.mark.parametrize("client", ["sqlite3", "apsw"])
@pytest.mark.parametrize("scratch_schema", STRATEGIES)
def test_plan_and_dry_run_write_nothing_to_the_file(
    tmp_path: Any, client: str, scratch_schema: str
) -> None:
    # A plan ends its transaction with a commit where only the attached scratch database was
    # written (scratch-db), a rollback otherwise: either way the file stays byte for byte.
    path = tmp_path / "app.db"
    conn: Any = sqlite3.connect(path, isolation_level=None) if client == "sqlite3" else None
    conn = conn or apsw.Connection(str(path))
    inline_sync.sync(conn, SCHEMA)
    before = path.read_bytes()
    for defs in (SCHEMA, NEXT):
        plan = inline_sync.plan(conn, defs, scratch_schema=scratch_schema)
        assert plan.status == ("up-to-date" if defs == SCHEMA else "changes-needed")
        dry = inline_sync.sync(conn, defs, scratch_schema=scratch_schema, dry_run=True)
        assert dry.plan.statements == plan.statements
        assert path.read_bytes() == before
    databases = conn.execute("PRAGMA database_list").fetchall()
    assert [row[1] for row in databases] == ["main"]  # the scratch database is gone
    assert inline_sync.sync(conn, NEXT).status == "synced"


def test_plan_with_virtual_tables_leaves_no_trace(sdb: DB) -> None:
    sdb.run("CREATE VIRTUAL TABLE docs USING fts5(title, body);")
    sdb.run("INSERT INTO docs VALUES ('a', 'b'), ('c', 'd');")
    snap = sdb.snapshot()
    defs = SCHEMA + (
        "CREATE VIRTUAL TABLE docs USING fts5(title, body, tags);\n"
        "CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1);\n"
    )
    plan = sdb.plan(defs)
    assert plan.status == "changes-needed"
    sdb.assert_untouched(snap)
    sdb.sync(defs, dry_run=True)
    sdb.assert_untouched(snap)


# ------------------------------------------------------------ Python 3.12 autocommit=False
@pytest.mark.skipif(sys.version_info < (3, 12), reason="sqlite3 autocommit needs Python 3.12")
@pytest.mark.parametrize("finish", ["commit", "rollback"])
def test_pep249_autocommit_false_leaves_the_commit_to_the_caller(
    tmp_path: Any, finish: str
) -> None:
    path = tmp_path / "x.db"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.executescript(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); INSERT INTO t VALUES (1, 'x');"
    )
    setup.close()
    conn = sqlite3.connect(path, autocommit=False)  # type: ignore[call-arg]
    defs = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE); CREATE TABLE v (y);"
    result = inline_sync.sync(conn, defs)
    assert result.status == "synced"
    assert conn.in_transaction
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "v" in names
    getattr(conn, finish)()
    conn.close()
    check = sqlite3.connect(path, isolation_level=None)
    names = {r[0] for r in check.execute("SELECT name FROM sqlite_master")}
    rows = check.execute("SELECT * FROM t").fetchall()
    assert rows == [(1, "x")]
    if finish == "commit":
        assert "v" in names
        assert inline_sync.plan(check, defs).status == "up-to-date"
    else:
        assert "v" not in names
        assert inline_sync.plan(check, defs).status == "changes-needed"
    assert not any(n.lower().startswith("__sync_") for n in names)
    check.close()
