"""inline_sync on Cloudflare D1: ``sync_async``/``plan_async`` through the D1 stand-in
(tests/fake_d1.py) and through real local D1 (miniflare's, tests/real_d1.py), the same tests
on both."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fake_d1 import FakeD1
from real_d1 import D1Bridge

import inline_sync
from inline_sync.d1 import plan_async, sync_async

PEERS = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE kid_cascade (id INTEGER PRIMARY KEY,
                          parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE);
CREATE TABLE kid_null (id INTEGER PRIMARY KEY,
                       parent_id INTEGER REFERENCES parent(id) ON DELETE SET NULL);
CREATE VIEW family AS SELECT p.name, c.id AS kid FROM parent p JOIN kid_cascade c
                      ON c.parent_id = p.id;
"""
ROWS = """
INSERT INTO parent VALUES (1, 'ada'), (2, 'bob');
INSERT INTO kid_cascade VALUES (10, 1), (11, 2);
INSERT INTO kid_null VALUES (20, 1), (21, 2);
"""
# The parent must be rebuilt: SQLite cannot change a column's collation in place.
PEERS_REBUILT = PEERS.replace("name TEXT", "name TEXT COLLATE NOCASE NOT NULL DEFAULT ''")

Database = Any  # FakeD1 | RealD1


@pytest.fixture(params=["fake", "real"])
def d1(request: pytest.FixtureRequest) -> Database:
    if request.param == "fake":
        return FakeD1()
    bridge = request.getfixturevalue("bridge")
    return bridge.database()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def user_objects(db: Database) -> list[tuple[Any, ...]]:
    return db.q("SELECT type, name, sql FROM sqlite_master ORDER BY name")


def everything(db: Database) -> tuple[list[tuple[Any, ...]], dict[str, list[tuple[Any, ...]]]]:
    """The schema and every row of every table."""
    schema = user_objects(db)
    tables = [r[1] for r in schema if r[0] == "table" and not r[1].startswith(("sqlite_", "_cf_"))]
    return schema, {t: db.q(f'SELECT * FROM "{t}" ORDER BY rowid') for t in tables}


def no_scratch_left(db: Database) -> None:
    assert [r for r in user_objects(db) if r[1].lower().startswith("__sync_")] == []


# --------------------------------------------------------------------------------------------


def test_first_sync_then_up_to_date_in_one_round_trip(d1: Database) -> None:
    first = run(sync_async(d1, PEERS))
    assert first.status == "synced"
    assert [c.name for c in first.plan.changes][:3] == ["parent", "kid_cascade", "kid_null"]
    no_scratch_left(d1)
    before = d1.batches
    again = run(sync_async(d1, PEERS))
    assert again.status == "up-to-date" and again.statements == ()
    assert d1.batches - before == 1


def test_rebuilding_a_parent_keeps_every_child_row_and_link(d1: Database) -> None:
    """The peers' data-loss case: on D1 foreign keys cannot be switched off, and dropping the
    old parent would delete the CASCADE children and null the SET NULL links."""
    run(sync_async(d1, PEERS))
    d1.script(ROWS)
    result = run(sync_async(d1, PEERS_REBUILT))
    assert result.status == "synced"
    actions = {(c.name, c.action) for c in result.plan.changes}
    assert {("parent", "rebuild"), ("kid_cascade", "rebuild"), ("kid_null", "rebuild")} <= actions
    assert d1.q("SELECT id, name FROM parent ORDER BY id") == [(1, "ada"), (2, "bob")]
    assert d1.q("SELECT id, parent_id FROM kid_cascade ORDER BY id") == [(10, 1), (11, 2)]
    assert d1.q("SELECT id, parent_id FROM kid_null ORDER BY id") == [(20, 1), (21, 2)]
    assert d1.q("SELECT * FROM family ORDER BY kid") == [("ada", 10), ("bob", 11)]
    assert d1.q("SELECT * FROM pragma_foreign_key_check") == []
    no_scratch_left(d1)
    # The rebuilt tables behave as declared: the links point at the new parent.
    d1.q("DELETE FROM parent WHERE id = 1")
    assert d1.q("SELECT id FROM kid_cascade ORDER BY id") == [(11,)]
    assert d1.q("SELECT id, parent_id FROM kid_null ORDER BY id") == [(20, None), (21, 2)]
    assert run(sync_async(d1, PEERS_REBUILT)).status == "up-to-date"


def test_a_failing_sync_leaves_the_database_exactly_as_it_was(d1: Database) -> None:
    run(sync_async(d1, PEERS))
    d1.script(ROWS + "INSERT INTO kid_null VALUES (22, 2);")
    before = everything(d1)
    # The rebuild of the parent goes through, then the unique index fails on kid_null.
    wanted = PEERS_REBUILT + "CREATE UNIQUE INDEX one_kid ON kid_null (parent_id);"
    with pytest.raises(inline_sync.ApplyError) as failed:
        run(sync_async(d1, wanted))
    assert "UNIQUE constraint failed" in str(failed.value)
    assert failed.value.step is not None and failed.value.step.name == "one_kid"
    assert everything(d1) == before
    run(sync_async(d1, PEERS))  # the state still says PEERS: nothing was recorded
    assert everything(d1) == before


def test_bad_definitions_name_the_statement_and_leave_nothing(d1: Database) -> None:
    run(sync_async(d1, PEERS))
    before = everything(d1)
    bad = PEERS + "CREATE VIEW broken AS SELECT nope FROM parent;"
    with pytest.raises(inline_sync.DefinitionError) as failed:
        run(sync_async(d1, bad))
    assert failed.value.name == "broken" and "nope" in str(failed.value)
    wide = "CREATE TABLE wide (" + ", ".join(f"c{i} INTEGER" for i in range(101)) + ");"
    with pytest.raises(inline_sync.DefinitionError) as too_wide:
        run(sync_async(d1, PEERS + wide))
    assert too_wide.value.name == "wide" and "too many columns" in str(too_wide.value)
    with pytest.raises(inline_sync.DefinitionError) as refused:
        run(sync_async(d1, PEERS + "CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1);"))
    assert refused.value.name == "boxes" and "not authorized" in str(refused.value)
    assert everything(d1) == before


def test_destructive_changes_need_consent(d1: Database) -> None:
    run(sync_async(d1, PEERS))
    d1.script(ROWS)
    smaller = PEERS.replace("CREATE TABLE kid_null", "CREATE TABLE other").replace(
        "parent_id INTEGER REFERENCES parent(id) ON DELETE SET NULL", "x TEXT"
    )
    before = everything(d1)
    with pytest.raises(inline_sync.DestructiveChangeError):
        run(sync_async(d1, smaller))
    assert everything(d1) == before
    result = run(sync_async(d1, smaller, allow_destructive=True))
    assert result.status == "synced"
    assert d1.q("SELECT name FROM sqlite_master WHERE name IN ('kid_null', 'other')") == [
        ("other",)
    ]
    assert d1.q("SELECT count(*) FROM kid_cascade") == [(2,)]


def test_plan_and_dry_run_change_nothing(d1: Database) -> None:
    run(sync_async(d1, PEERS))
    d1.script(ROWS)
    before = everything(d1)
    planned = run(plan_async(d1, PEERS_REBUILT))
    assert planned.status == "changes-needed" and planned.foreign_keys == "enforced"
    dry = run(sync_async(d1, PEERS_REBUILT, dry_run=True))
    assert dry.status == "changes-needed" and dry.statements == ()
    assert dry.plan.statements == planned.statements
    assert everything(d1) == before
    assert run(plan_async(d1, PEERS)).status == "up-to-date"


def test_d1_tables_are_left_alone(d1: Database) -> None:
    d1.script(
        "CREATE TABLE d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, "
        "applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);"
        "INSERT INTO d1_migrations (name) VALUES ('0001_init.sql');"
    )
    before = [r for r in user_objects(d1) if r[1] in ("d1_migrations", "_cf_METADATA")]
    assert run(sync_async(d1, PEERS)).status == "synced"
    after = run(sync_async(d1, PEERS_REBUILT))
    assert not {c.name for c in after.plan.changes} & {"d1_migrations", "_cf_METADATA"}
    assert [r for r in user_objects(d1) if r[1] in ("d1_migrations", "_cf_METADATA")] == before
    assert d1.q("SELECT name FROM d1_migrations") == [("0001_init.sql",)]


def test_two_syncs_at_once_apply_exactly_once(d1: Database) -> None:
    run(sync_async(d1, PEERS))
    d1.script(ROWS)

    async def both() -> list[Any]:
        return list(
            await asyncio.gather(sync_async(d1, PEERS_REBUILT), sync_async(d1, PEERS_REBUILT))
        )

    results = run(both())
    assert sorted(r.status for r in results) == ["synced", "synced-by-peer"]
    assert sum(bool(r.statements) for r in results) == 1
    assert d1.q("SELECT count(*) FROM kid_cascade") == [(2,)]
    assert d1.q("SELECT count(parent_id) FROM kid_null") == [(2,)]
    no_scratch_left(d1)
    assert run(sync_async(d1, PEERS_REBUILT)).status == "up-to-date"


class ChangesBeforeApply:
    """A binding that lets someone else change the schema just before the apply batch."""

    def __init__(self, db: Database, ddl: str) -> None:
        self.db, self.ddl = db, ddl
        self.applies = 0

    def prepare(self, sql: str) -> Any:
        return self.db.prepare(sql)

    async def batch(self, statements: list[Any]) -> Any:
        if self.ddl and "__sync_guard" in statements[0].sql:
            self.db.script(self.ddl)
            self.ddl = ""
        return await self.db.batch(statements)


def test_the_apply_batch_checks_the_schema_it_was_planned_against(d1: Database) -> None:
    run(sync_async(d1, PEERS))
    d1.script(ROWS)
    racing = ChangesBeforeApply(d1, "CREATE INDEX by_name ON parent (name);")
    result = run(sync_async(racing, PEERS_REBUILT))
    # The first plan did not know about by_name: its batch was refused, a second plan drops it.
    assert result.status == "synced"
    assert any(c.name == "by_name" and c.action == "drop" for c in result.plan.changes)
    assert d1.q("SELECT name FROM sqlite_master WHERE name = 'by_name'") == []
    assert d1.q("SELECT count(*) FROM kid_cascade") == [(2,)]


KID = "CREATE TABLE kid (id INTEGER PRIMARY KEY, parent_id INTEGER);"


def test_a_violated_foreign_key_fails_the_batch(d1: Database) -> None:
    loose = "CREATE TABLE parent (id INTEGER PRIMARY KEY);" + KID
    run(sync_async(d1, loose))
    d1.script("INSERT INTO parent VALUES (1); INSERT INTO kid VALUES (1, 1), (2, 99);")
    before = everything(d1)
    with pytest.raises(inline_sync.ApplyError) as failed:
        run(
            sync_async(
                d1, loose.replace("parent_id INTEGER", "parent_id INTEGER REFERENCES parent")
            )
        )
    assert "FOREIGN KEY constraint failed" in str(failed.value)
    assert everything(d1) == before


def test_progress_and_ignore(d1: Database) -> None:
    run(sync_async(d1, PEERS))
    d1.script(ROWS + "CREATE TABLE legacy_audit (x); INSERT INTO legacy_audit VALUES (1);")
    seen: list[tuple[str, int, int]] = []
    result = run(
        sync_async(
            d1,
            PEERS_REBUILT,
            ignore=["legacy_*"],
            progress=lambda s, n, t: seen.append((s.name, n, t)),
        )
    )
    assert result.status == "synced"
    assert ("parent", 2, 2) in seen and ("kid_cascade", 2, 2) in seen
    assert d1.q("SELECT x FROM legacy_audit") == [(1,)]


def test_scratch_db_is_refused_on_d1(d1: Database) -> None:
    with pytest.raises(inline_sync.SyncError, match="ATTACH"):
        run(sync_async(d1, PEERS, scratch_schema="scratch-db"))


def test_restart_keeps_rows_and_state(tmp_path: Path) -> None:
    bridge = D1Bridge(persist=tmp_path)
    try:
        db = bridge.database("DB0")
        run(sync_async(db, PEERS))
        db.script(ROWS)
    finally:
        bridge.close()
    bridge = D1Bridge(persist=tmp_path)
    try:
        db = bridge.database("DB0")
        assert run(sync_async(db, PEERS)).status == "up-to-date" and db.batches == 1
        assert run(sync_async(db, PEERS_REBUILT)).status == "synced"
        assert db.q("SELECT count(*) FROM kid_cascade") == [(2,)]
    finally:
        bridge.close()


def test_other_clients_are_handed_to_sync() -> None:
    conn = sqlite3.connect(":memory:")
    assert run(sync_async(conn, PEERS)).status == "synced"
    assert run(plan_async(conn, PEERS)).status == "up-to-date"


def test_the_package_exports_the_async_entry_points() -> None:
    assert inline_sync.sync_async is sync_async and inline_sync.plan_async is plan_async
    assert {"sync_async", "plan_async"} <= set(inline_sync.__all__)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("ATTACH ':memory:' AS x", "not authorized"),
        ("BEGIN", "To execute a transaction"),
        ("SAVEPOINT s", "To execute a transaction"),
        ("CREATE TEMP TABLE t (a)", "not authorized"),
        ("PRAGMA schema_version", "not authorized"),
        ("SELECT * FROM pragma_schema_version", "not authorized"),
        ("PRAGMA user_version = 3", "not authorized"),
        ("PRAGMA database_list", "not authorized"),
        ("SELECT sqlite_version()", "not authorized to use function: sqlite_version"),
        ("CREATE TABLE _cf_mine (a)", "not authorized"),
        ("CREATE VIRTUAL TABLE r USING rtree(id, a, b)", "not authorized"),
        ("SELECT " + ", ".join("?" for _ in range(101)), "too many SQL variables"),
        ("SELECT '" + "x" * 100_000 + "'", "too long"),
    ],
)
def test_the_stand_in_refuses_what_d1_refuses(d1: Database, sql: str, message: str) -> None:
    """Checked against real local D1 on every run, so the stand-in cannot drift from it."""
    params = tuple(range(101)) if "?" in sql else ()
    statement = d1.prepare(sql).bind(*params) if params else d1.prepare(sql)
    with pytest.raises(RuntimeError, match=message):
        run(d1.batch([statement]))


def test_foreign_keys_cannot_be_switched_off(d1: Database) -> None:
    run(d1.batch([d1.prepare("PRAGMA foreign_keys = OFF")]))
    assert d1.q("PRAGMA foreign_keys") == [(1,)]


def test_a_trigger_body_that_cannot_run_is_a_definition_error(d1: Database) -> None:
    run(sync_async(d1, PEERS))
    before = everything(d1)
    good = (
        "CREATE TRIGGER stamp AFTER INSERT ON kid_null BEGIN "
        "UPDATE parent SET name = 'x' WHERE id = new.parent_id; END;"
    )
    bad = good.replace("stamp", "broken").replace("name = 'x'", "nope = 'x'")
    with pytest.raises(inline_sync.DefinitionError) as failed:
        run(sync_async(d1, PEERS + good + bad))
    assert failed.value.name == "broken" and "cannot run" in str(failed.value)
    assert "nope" in str(failed.value)
    assert everything(d1) == before
    assert run(sync_async(d1, PEERS + good)).status == "synced"


def test_a_table_at_the_column_limit_is_rebuilt_with_its_rows(d1: Database) -> None:
    """100 columns is D1's limit, also for a result: the copy cannot add the rowid."""
    columns = ", ".join(f"c{i} INTEGER" for i in range(99))
    wide = f"CREATE TABLE wide (id INTEGER PRIMARY KEY, {columns});"
    run(sync_async(d1, wide))
    d1.script("INSERT INTO wide (id, c0, c98) VALUES (1, 10, 980), (2, 20, 981);")
    changed = wide.replace("c98 INTEGER", "c98 TEXT")
    assert run(sync_async(d1, changed)).status == "synced"
    assert d1.q("SELECT id, c0, c98 FROM wide ORDER BY id") == [(1, 10, "980"), (2, 20, "981")]


def test_alter_forms_are_tried_once_then_known(d1: Database) -> None:
    """What D1 can ALTER is found by trying each form the plan needs (in a batch that fails on
    purpose), not from a version number; the answer is kept for later syncs."""
    from inline_sync import d1 as d1_module
    from inline_sync.diff import PROBES

    d1_module._ACCEPTED.clear()
    run(sync_async(d1, PEERS))
    d1.script(ROWS)
    not_null = PEERS.replace("name TEXT", "name TEXT NOT NULL, note TEXT")
    result = run(sync_async(d1, not_null))
    assert ("parent", "rebuild") in {(c.name, c.action) for c in result.plan.changes}
    assert dict(d1_module._ACCEPTED) == {PROBES["alter_not_null"][1]: False}
    dropped = not_null.replace(", note TEXT", "")
    before = d1.batches
    result = run(sync_async(d1, dropped, allow_destructive=True))
    assert 'ALTER TABLE main."parent" DROP COLUMN "note"' in result.statements
    assert d1_module._ACCEPTED[PROBES["drop_column"][1]] is True
    assert d1.batches - before == 4  # state, scratch, the DROP COLUMN form, apply
    assert d1.q("SELECT count(*) FROM kid_cascade") == [(2,)]
