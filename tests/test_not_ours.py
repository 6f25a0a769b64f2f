"""Never touch what is not ours: the caller's TEMP objects, live tables that happen to look like
scratch objects, and the real rowids of tables whose columns are named like rowid aliases.

Every statement inline_sync issues names its schema (``main.``), so a caller's TEMP table with
the name of a main table never receives what was meant for main, and a caller's TEMP trigger on a
rebuilt main table is there again afterwards.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from client_kinds import CLIENTS, DB, STRATEGIES, fk_locked
from hostile import assert_no_scratch, rows, temp_objects

import inline_sync

V1 = """
CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);
CREATE TABLE b (id INTEGER PRIMARY KEY, x TEXT, gone TEXT);
CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT);
CREATE TABLE d (id INTEGER PRIMARY KEY, x TEXT);
CREATE INDEX c_x ON c(x);
"""
V2 = """
CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT, added INTEGER NOT NULL DEFAULT 7);
CREATE TABLE b (id INTEGER PRIMARY KEY, x TEXT);
CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT COLLATE NOCASE, y TEXT);
CREATE INDEX a_added ON a(added);
CREATE INDEX c_x ON c(x, y);
CREATE VIEW bv AS SELECT id, x FROM b;
CREATE TRIGGER c_ins AFTER INSERT ON c BEGIN UPDATE c SET y = 'trig' WHERE id = new.id; END;
"""
SEED = """
INSERT INTO a (x) VALUES ('a1'), ('a2');
INSERT INTO b (x, gone) VALUES ('b1', 'g');
INSERT INTO c (id, x) VALUES (5, 'c5'), (9, 'c9');
INSERT INTO d (x) VALUES ('d1');
"""
# The caller's own TEMP objects, named like the main tables, with a view and triggers of theirs.
CALLER_TEMP = """
CREATE TEMP TABLE a (mine TEXT);
CREATE TEMP TABLE b (mine TEXT, gone TEXT);
CREATE TEMP TABLE c (mine TEXT);
CREATE TEMP TABLE d (mine TEXT);
INSERT INTO temp.a VALUES ('ta');
INSERT INTO temp.b VALUES ('tb', 'tg');
INSERT INTO temp.c VALUES ('tc');
INSERT INTO temp.d VALUES ('td');
CREATE TEMP TABLE log (what TEXT);
CREATE TEMP VIEW caller_view AS SELECT mine FROM temp.a;
CREATE TEMP TRIGGER on_temp_c AFTER INSERT ON temp.c BEGIN INSERT INTO log VALUES ('temp.c'); END;
"""


def _expected_master(tmp_path: Path, locked: bool) -> list[tuple[Any, ...]]:
    """What main looks like when V2 is synced into a database without TEMP objects."""
    path = str(tmp_path / "expected.db")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    inline_sync.sync(conn, V1)
    conn.executescript(SEED)
    inline_sync.sync(fk_locked(conn) if locked else conn, V2, allow_destructive=True)
    master = _user_master(conn)
    conn.close()
    return master


def _user_master(conn: Any) -> list[tuple[Any, ...]]:
    return sorted(
        r
        for r in rows(conn, "SELECT type, name, tbl_name, sql FROM main.sqlite_master")
        if not str(r[1]).startswith("_inline_sync")
    )


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("locked", [False, True], ids=["fk-off", "fk-locked"])
def test_temp_tables_named_like_main_tables_are_left_alone(
    kind: str, strategy: str, locked: bool, tmp_path: Path
) -> None:
    db = DB(kind, str(tmp_path / "t.db"))
    inline_sync.sync(db.conn, V1)
    db.run(SEED)
    db.run(CALLER_TEMP)
    temp_before = temp_objects(db.conn)
    target = fk_locked(db.conn) if locked else db.conn

    planned = inline_sync.plan(target, V2, scratch_schema=strategy)
    result = inline_sync.sync(target, V2, scratch_schema=strategy, allow_destructive=True)

    assert result.status == "synced"
    assert list(result.statements) == list(planned.statements)
    # The same objects as without the caller's TEMP tables. (Their text may differ in quoting:
    # SQLite's own check after ALTER TABLE … DROP COLUMN resolves an index's table TEMP first,
    # so with a TEMP table shadowing an indexed main table that form is refused, and the
    # column goes by a rebuild instead.)
    names = [r[:3] for r in _user_master(db.conn)]
    assert names == [r[:3] for r in _expected_master(tmp_path, locked)]
    assert inline_sync.sync(target, V2, scratch_schema=strategy, force=True).statements == ()
    assert db.q("SELECT id, x, added FROM main.a") == [(1, "a1", 7), (2, "a2", 7)]
    assert db.q("SELECT id, x, y FROM main.c") == [(5, "c5", None), (9, "c9", None)]
    assert temp_objects(db.conn) == temp_before
    assert_no_scratch(db.conn)
    assert inline_sync.sync(target, V2, scratch_schema=strategy).status == "up-to-date"


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("locked", [False, True], ids=["fk-off", "fk-locked"])
def test_caller_temp_trigger_on_a_rebuilt_main_table_is_kept(
    kind: str, strategy: str, locked: bool, tmp_path: Path
) -> None:
    db = DB(kind, str(tmp_path / "t.db"))
    inline_sync.sync(db.conn, V1)
    db.run(SEED)
    db.run(
        "CREATE TEMP TABLE log (what TEXT);"
        "CREATE TEMP TRIGGER watch_c AFTER INSERT ON main.c "
        "BEGIN INSERT INTO log VALUES ('c ' || new.x); END;"
        "CREATE TEMP TRIGGER watch_d AFTER INSERT ON d "
        "BEGIN INSERT INTO log VALUES ('d ' || new.x); END;"
    )
    temp_before = temp_objects(db.conn)
    target = fk_locked(db.conn) if locked else db.conn
    defs = V2 + "CREATE TABLE d (id INTEGER PRIMARY KEY, x TEXT NOT NULL);"
    inline_sync.sync(target, defs, scratch_schema=strategy, allow_destructive=True)

    assert temp_objects(db.conn) == temp_before  # same text, and nothing fired while copying
    db.run("INSERT INTO main.c (x) VALUES ('new'); INSERT INTO main.d (x) VALUES ('new')")
    assert db.q("SELECT what FROM temp.log ORDER BY what") == [("c new",), ("d new",)]
    assert_no_scratch(db.conn)


# ---------------------------------------------- a database the caller attached as the scratch
@pytest.mark.parametrize("client", ["sqlite3", "apsw"])
def test_a_database_the_caller_attached_under_the_scratch_name_is_left_attached(
    tmp_path: Path, client: str
) -> None:
    # The scratch database's name is taken: "auto" builds the scratch as prefixed objects in
    # main instead, "scratch-db" refuses naming it; the caller's attachment and rows stay.
    theirs = tmp_path / "theirs.db"
    with sqlite3.connect(theirs) as setup:
        setup.execute("CREATE TABLE kept (v TEXT)")
        setup.execute("INSERT INTO kept VALUES ('mine')")
    setup.close()
    if client == "sqlite3":
        conn: Any = sqlite3.connect(tmp_path / "app.db", isolation_level=None)
    else:
        apsw = pytest.importorskip("apsw")
        conn = apsw.Connection(str(tmp_path / "app.db"))
    conn.execute(f"ATTACH '{theirs}' AS __sync_scratch")

    def attached() -> list[tuple[Any, ...]]:
        return rows(conn, "SELECT v FROM __sync_scratch.kept")

    result = inline_sync.sync(conn, V1)
    assert result.status == "synced"
    assert result.plan.strategy == "prefix"
    assert attached() == [("mine",)]
    with pytest.raises(inline_sync.SyncError, match="__sync_scratch") as raised:
        inline_sync.sync(conn, V2, scratch_schema="scratch-db", allow_destructive=True)
    assert "nothing was changed" in str(raised.value)
    assert attached() == [("mine",)]
    assert inline_sync.plan(conn, V1).status == "up-to-date"
    names = [str(r[0]).lower() for r in rows(conn, "SELECT name FROM main.sqlite_master")]
    assert [n for n in names if n.startswith("__sync_")] == []


RENAMES = {
    # A column renamed by hint in a rebuilt table: RENAME COLUMN rewrote the caller's trigger,
    # which had been set aside before it ran and came back with its old text: every INSERT
    # into the table then failed ("no such column: new.x").
    "column renamed": (
        "c",
        "CREATE TABLE c (id INTEGER PRIMARY KEY,\n"
        "  y TEXT NOT NULL DEFAULT '' -- @renamed from=x\n);",
    ),
    # A table renamed by hint and rebuilt: the trigger followed the rename, was not set
    # aside (it was looked for under the new name only), and went with the old copy.
    "table renamed": (
        "e",
        "CREATE TABLE e ( -- @renamed from=c\n"
        "  id INTEGER PRIMARY KEY, x TEXT NOT NULL DEFAULT '');",
    ),
}


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("locked", [False, True], ids=["fk-off", "fk-locked"])
@pytest.mark.parametrize("change", list(RENAMES))
def test_caller_temp_trigger_follows_a_rename_in_a_rebuild(
    kind: str, locked: bool, change: str, tmp_path: Path
) -> None:
    db = DB(kind, str(tmp_path / "t.db"))
    inline_sync.sync(db.conn, "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT);")
    db.run(
        "INSERT INTO c (x) VALUES ('a');"
        "CREATE TEMP TABLE log (what TEXT);"
        "CREATE TEMP TRIGGER watch AFTER INSERT ON main.c "
        "BEGIN INSERT INTO log VALUES ('seen ' || new.id || coalesce(new.x, '')); END;"
    )
    table, defs = RENAMES[change]
    target = fk_locked(db.conn) if locked else db.conn
    inline_sync.sync(target, defs, allow_destructive=True)
    assert [r[1] for r in temp_objects(db.conn)[0] if r[0] == "trigger"] == ["watch"]
    db.run(f"INSERT INTO main.{table} (id) VALUES (7)")
    assert db.q("SELECT what FROM temp.log") == [("seen 7",)]
