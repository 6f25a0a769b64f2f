"""Views and triggers that are not ours (ignored by name) reading what the sync changes.

SQLite's DROP TABLE checks no view or trigger, and a rebuild renames with legacy_alter_table
on, which checks none either: a sync that dropped a table, or a column by a rebuild, that one
of theirs reads said "synced" and left it unable to run, and every later ALTER TABLE … RENAME
(a hinted rename, a rebuild where foreign keys stay on) failed on it. Such a plan is refused
before anything changes, naming both. And an index or trigger of theirs on a rebuilt table is
made again from its text as it was: a column renamed by hint was missing from it (an index:
the valid sync refused; a trigger: made again unable to run)."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, everything, open_client, rows, run, sync_on

import inline_sync

V1 = """CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);
CREATE TABLE other (x);
CREATE VIEW ours AS SELECT a, b FROM t;
CREATE VIRTUAL TABLE docs USING fts5 (body);
"""
REBUILT_WITHOUT_A = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, b INT) STRICT;\nCREATE TABLE other (x);"
)
WITHOUT_T = "CREATE TABLE other (x);"
LOG = "CREATE TABLE aud_log (x);\n"

REFUSED = {
    # (theirs, the definitions to sync to, the refusal)
    "a view reading a dropped table": (
        "CREATE VIEW aud_v AS SELECT o.x, t.a FROM other AS o, t",
        WITHOUT_T,
        "cannot drop table 't': view 'aud_v', which is ignored (inline_sync leaves it "
        "alone), names it and could not run afterwards (nor could any later ALTER TABLE "
        "… RENAME, which checks every view and trigger). Declare 'aud_v', or change or "
        "drop it yourself first; nothing was changed",
    ),
    "a trigger writing a dropped table": (
        LOG + "CREATE TRIGGER aud_tr AFTER INSERT ON aud_log BEGIN "
        "INSERT INTO t (a) VALUES (new.x); END",
        WITHOUT_T,
        "cannot drop table 't': trigger 'aud_tr', which is ignored (inline_sync leaves "
        "it alone), names it and could not run afterwards (nor could any later ALTER "
        "TABLE … RENAME, which checks every view and trigger). Declare 'aud_tr', or "
        "change or drop it yourself first; nothing was changed",
    ),
    "a view reading a dropped view": (
        "CREATE VIEW aud_v AS SELECT a FROM ours",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);\nCREATE TABLE other (x);",
        "cannot drop view 'ours': view 'aud_v', which is ignored (inline_sync leaves it "
        "alone), names it and could not run afterwards (nor could any later ALTER TABLE "
        "… RENAME, which checks every view and trigger). Declare 'aud_v', or change or "
        "drop it yourself first; nothing was changed",
    ),
    "a view reading a dropped virtual table": (
        "CREATE VIEW aud_v AS SELECT body FROM docs",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);\nCREATE TABLE other (x);\n"
        "CREATE VIEW ours AS SELECT a, b FROM t;",
        "cannot drop virtual table 'docs': view 'aud_v', which is ignored (inline_sync "
        "leaves it alone), names it and could not run afterwards (nor could any later "
        "ALTER TABLE … RENAME, which checks every view and trigger). Declare 'aud_v', "
        "or change or drop it yourself first; nothing was changed",
    ),
    "a view reading a column a rebuild drops": (
        "CREATE VIEW aud_v AS SELECT a FROM t",
        REBUILT_WITHOUT_A,
        "cannot drop column t.a: view 'aud_v', which is ignored (inline_sync leaves it "
        "alone), names it and could not run afterwards. Declare 'aud_v', change or drop "
        "it yourself first; nothing was changed",
    ),
    "an index on a column a rebuild drops": (
        "CREATE INDEX aud_i ON t (b) WHERE a IS NOT NULL",
        REBUILT_WITHOUT_A,
        "cannot drop column t.a: index 'aud_i', which is ignored (inline_sync leaves it "
        "alone), names it and cannot outlive it. Declare 'aud_i', change or drop it "
        "yourself first; nothing was changed",
    ),
    "a trigger on the rebuilt table reading a column it drops": (
        LOG + "CREATE TRIGGER aud_tr AFTER INSERT ON t BEGIN "
        "INSERT INTO aud_log VALUES (new.a); END",
        REBUILT_WITHOUT_A,
        "cannot drop column t.a: trigger 'aud_tr', which is ignored (inline_sync leaves "
        "it alone), names it and could not run afterwards. Declare 'aud_tr', change or "
        "drop it yourself first; nothing was changed",
    ),
    "a trigger of another table writing a column DROP COLUMN drops": (
        LOG + "CREATE TRIGGER aud_tr AFTER INSERT ON aud_log BEGIN UPDATE t SET a = new.x; END",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, b INT);\nCREATE TABLE other (x);",
        "cannot drop column t.a: trigger 'aud_tr', which is ignored (inline_sync leaves "
        "it alone), names it and could not run afterwards. Declare 'aud_tr', change or "
        "drop it yourself first; nothing was changed",
    ),
    "a view reading the rowid of a table made WITHOUT ROWID": (
        "CREATE VIEW aud_v AS SELECT rowid, a FROM t",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT) WITHOUT ROWID;\n"
        "CREATE TABLE other (x);",
        "cannot make table 't' WITHOUT ROWID (its rowid): view 'aud_v', which is "
        "ignored (inline_sync leaves it alone), names it and could not run afterwards. "
        "Declare 'aud_v', change or drop it yourself first; nothing was changed",
    ),
    "a trigger on a table made WITHOUT ROWID reading new.oid": (
        LOG + "CREATE TRIGGER aud_tr AFTER INSERT ON t BEGIN "
        "INSERT INTO aud_log VALUES (new.oid); END",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT) WITHOUT ROWID;\n"
        "CREATE TABLE other (x);",
        "cannot make table 't' WITHOUT ROWID (its oid): trigger 'aud_tr', which is "
        "ignored (inline_sync leaves it alone), names it and could not run afterwards. "
        "Declare 'aud_tr', change or drop it yourself first; nothing was changed",
    ),
    "a trigger on the rebuilt table naming a column renamed by hint": (
        LOG + "CREATE TRIGGER aud_tr AFTER UPDATE OF a ON t BEGIN "
        "INSERT INTO aud_log VALUES (new.a); END",
        "CREATE TABLE t (id INTEGER PRIMARY KEY,\n  c TEXT, -- @renamed from=a\n  b INT) STRICT;\n"
        "CREATE TABLE other (x);",
        "cannot rename column t.a in a rebuild of the table: trigger 'aud_tr', which is "
        "ignored (inline_sync leaves it alone), names it and could not run afterwards. "
        "Declare 'aud_tr', change or drop it yourself first, or rename the column in a "
        "sync of its own; nothing was changed",
    ),
}


def v1_with(kind: str, theirs: str) -> tuple[Any, Any]:
    """A database of ``kind`` synced to V1, with ``theirs`` (ignored objects) made on it."""
    client, conn = open_client(kind)
    sync_on(kind, client, V1, ignore=["aud_*"])
    run(conn, theirs)
    return client, conn


@pytest.mark.parametrize("case", REFUSED)
@pytest.mark.parametrize("kind", KINDS)
def test_a_sync_that_would_break_theirs_is_refused(kind: str, case: str) -> None:
    theirs, definitions, refusal = REFUSED[case]
    client, conn = v1_with(kind, theirs)
    conn.execute("INSERT INTO t (a, b) VALUES ('x', 1)")
    before = everything(conn)
    with pytest.raises(inline_sync.SyncError) as caught:
        sync_on(kind, client, definitions, ignore=["aud_*"], allow_destructive=True)
    assert everything(conn) == before
    assert str(caught.value) == refusal
    with pytest.raises(inline_sync.SyncError):  # a dry run says so too
        sync_on(kind, client, definitions, ignore=["aud_*"], allow_destructive=True, dry_run=True)


@pytest.mark.parametrize("kind", KINDS)
def test_their_index_on_a_column_renamed_in_a_rebuild_follows_it(kind: str) -> None:
    client, conn = v1_with(
        kind, "CREATE INDEX aud_i ON t (b) WHERE a IS NOT NULL;\nCREATE INDEX aud_j ON t (lower(a))"
    )
    conn.execute("INSERT INTO t (a, b) VALUES ('x', 1)")
    definitions = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY,\n  c TEXT, -- @renamed from=a\n  b INT) STRICT;\n"
        "CREATE TABLE other (x);\nCREATE VIEW ours AS SELECT c AS a, b FROM t;\n"
        "CREATE VIRTUAL TABLE docs USING fts5 (body);"
    )
    sync_on(kind, client, definitions, ignore=["aud_*"])
    assert rows(conn, "SELECT name FROM pragma_index_xinfo('aud_j') WHERE cid = -2") == [(None,)]
    assert (
        '"c" IS NOT NULL' in rows(conn, "SELECT sql FROM sqlite_master WHERE name = 'aud_i'")[0][0]
    )
    assert rows(conn, "SELECT count(*) FROM t INDEXED BY aud_j WHERE lower(c) = 'x'") == [(1,)]
    assert not sync_on(kind, client, definitions, ignore=["aud_*"], force=True).plan


@pytest.mark.parametrize("kind", KINDS)
def test_theirs_reading_a_renamed_table_or_a_kept_column_are_left_working(kind: str) -> None:
    client, conn = v1_with(
        kind,
        LOG + "CREATE VIEW aud_v AS SELECT b, x FROM t, other;\n"
        "CREATE TRIGGER aud_tr AFTER INSERT ON t BEGIN INSERT INTO aud_log VALUES (new.b); END",
    )
    definitions = (
        "CREATE TABLE u ( -- @renamed from=t\n  id INTEGER PRIMARY KEY, b INT) STRICT;\n"
        "CREATE TABLE other (x);"
    )
    sync_on(kind, client, definitions, ignore=["aud_*"], allow_destructive=True)
    conn.execute("INSERT INTO u (b) VALUES (7)")
    assert rows(conn, "SELECT x FROM aud_log") == [(7,)]
    assert rows(conn, "SELECT count(*) FROM aud_v") == [(0,)]


@pytest.mark.parametrize("kind", KINDS)
def test_theirs_naming_a_dropped_table_only_as_an_alias_or_a_cte_do_not_stop_the_sync(
    kind: str,
) -> None:
    client, conn = v1_with(
        kind,
        "CREATE VIEW aud_alias AS SELECT t.x FROM other AS t;\n"
        "CREATE VIEW aud_cte AS WITH t(a) AS (SELECT x FROM other) SELECT a FROM t",
    )
    sync_on(kind, client, WITHOUT_T, ignore=["aud_*"], allow_destructive=True)
    assert rows(conn, "SELECT count(*) FROM aud_alias, aud_cte") == [(0,)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("table", ['"Select"', '"with"', "[values]"])
def test_a_dropped_table_named_like_a_keyword_of_the_view_is_still_named(
    kind: str, table: str
) -> None:
    """``CREATE VIEW v AS SELECT`` gives no name: the SELECT after AS is the keyword."""
    client, conn = open_client(kind)
    sync_on(kind, client, f"CREATE TABLE {table} (x);\nCREATE TABLE other (x);")
    run(conn, f"CREATE VIEW aud_v AS SELECT * FROM {table}")
    with pytest.raises(inline_sync.SyncError, match="view 'aud_v'"):
        sync_on(kind, client, WITHOUT_T, ignore=["aud_*"], allow_destructive=True)


@pytest.mark.parametrize("kind", KINDS)
def test_theirs_reading_a_column_renamed_before_a_rebuild_are_rewritten_and_work(
    kind: str,
) -> None:
    """RENAME COLUMN runs before the rebuild: SQLite rewrites their view and their trigger
    on another table, which keep working (only what is on the rebuilt table is made again
    from its old text: the refusal above)."""
    client, conn = v1_with(
        kind,
        LOG + "CREATE VIEW aud_v AS SELECT a FROM t;\n"
        "CREATE TRIGGER aud_tr AFTER INSERT ON aud_log BEGIN UPDATE t SET a = new.x; END",
    )
    conn.execute("INSERT INTO t (a, b) VALUES ('x', 1)")
    definitions = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY,\n  c TEXT, -- @renamed from=a\n  b INT) STRICT;\n"
        "CREATE TABLE other (x);\nCREATE VIEW ours AS SELECT c AS a, b FROM t;\n"
        "CREATE VIRTUAL TABLE docs USING fts5 (body);"
    )
    assert sync_on(kind, client, definitions, ignore=["aud_*"]).status == "synced"
    conn.execute("INSERT INTO aud_log VALUES ('y')")
    assert rows(conn, "SELECT c FROM aud_v") == [("y",)]


W = "CREATE TABLE w (k TEXT PRIMARY KEY, v INT, UNIQUE (k)) WITHOUT ROWID;\n"
W_RENAMED = (
    "CREATE TABLE w (k2 TEXT PRIMARY KEY, -- @renamed from=k\n  v INT, UNIQUE (k2)) WITHOUT ROWID;"
)


@pytest.mark.parametrize("kind", KINDS)
def test_theirs_reading_a_column_the_copy_renames_are_refused_their_index_follows(
    kind: str,
) -> None:
    """A WITHOUT ROWID key column that a UNIQUE also covers is renamed by the rebuild's copy
    (SQLite's RENAME COLUMN refuses it), which rewrites nothing of theirs: their view is
    refused (no "rename it in a sync of its own": that sync would copy too); their index alone
    is made again on the new name."""
    client, conn = open_client(kind)
    sync_on(kind, client, W, ignore=["aud_*"])
    run(conn, "CREATE INDEX aud_i ON w (v, k)")
    conn.execute("INSERT INTO w VALUES ('x', 1)")
    assert sync_on(kind, client, W_RENAMED, ignore=["aud_*"]).status == "synced"
    assert rows(conn, "SELECT name FROM pragma_index_info('aud_i')") == [("v",), ("k2",)]

    client, conn = open_client(kind)
    sync_on(kind, client, W, ignore=["aud_*"])
    run(conn, "CREATE VIEW aud_v AS SELECT k FROM w")
    before = everything(conn)
    with pytest.raises(inline_sync.SyncError) as caught:
        sync_on(kind, client, W_RENAMED, ignore=["aud_*"])
    assert str(caught.value) == (
        "cannot rename column w.k in a rebuild of the table: view 'aud_v', which is ignored "
        "(inline_sync leaves it alone), names it and could not run afterwards. Declare "
        "'aud_v', change or drop it yourself first; nothing was changed"
    )
    assert everything(conn) == before


@pytest.mark.parametrize("kind", KINDS)
def test_an_alias_the_table_gives_itself_or_a_cte_after_a_column_list_is_told_apart(
    kind: str,
) -> None:
    """``FROM t AS t`` reads the table t (refused when t goes); a view whose own column list
    comes before a CTE named t reads the CTE (kills the alias compared with the wrong token,
    and the column list searched from the statement's start)."""
    client, conn = v1_with(
        kind, "CREATE VIEW aud_cte(k) AS WITH t(a) AS (SELECT x FROM other) SELECT a FROM t"
    )
    sync_on(kind, client, WITHOUT_T, ignore=["aud_*"], allow_destructive=True)
    assert rows(conn, "SELECT count(*) FROM aud_cte") == [(0,)]

    client, conn = v1_with(kind, "CREATE VIEW aud_self AS SELECT t.a FROM t AS t")
    with pytest.raises(inline_sync.SyncError, match="cannot drop table 't': view 'aud_self'"):
        sync_on(kind, client, WITHOUT_T, ignore=["aud_*"], allow_destructive=True)


AS_VIEW = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);\n"
    "CREATE VIEW other AS SELECT 1 AS x;\nCREATE VIEW ours AS SELECT a, b FROM t;\n"
    "CREATE VIRTUAL TABLE docs USING fts5 (body);"
)


@pytest.mark.parametrize("kind", KINDS)
def test_what_the_sync_keeps_working_is_not_refused(kind: str) -> None:
    """Not refused: a table that becomes a view of its name (the name stays), a column
    renamed without a rebuild (SQLite rewrites their trigger on the table), a rebuilt table
    that keeps its rowid, a column named by theirs only as another table's alias; and the
    text of theirs is not read at all when the plan drops nothing."""
    client, conn = v1_with(
        kind,
        LOG + "CREATE VIEW aud_v AS SELECT x FROM other;\n"
        "CREATE VIEW aud_rowid AS SELECT rowid, b FROM t;\n"
        "CREATE VIEW aud_alias AS SELECT x AS a FROM aud_log;\n"
        "CREATE TRIGGER aud_tr AFTER INSERT ON t BEGIN INSERT INTO aud_log VALUES (new.a); END",
    )
    conn.execute("INSERT INTO t (a, b) VALUES ('x', 1)")
    assert sync_on(kind, client, AS_VIEW, ignore=["aud_*"], allow_destructive=True).status == (
        "synced"
    )
    assert rows(conn, "SELECT x FROM aud_v") == [(1,)]
    renamed = AS_VIEW.replace("a TEXT,", "c TEXT, -- @renamed from=a\n ").replace(
        "SELECT a, b", "SELECT c AS a, b"
    )
    assert sync_on(kind, client, renamed, ignore=["aud_*"]).status == "synced"
    conn.execute("INSERT INTO t (c, b) VALUES ('y', 2)")
    assert rows(conn, "SELECT x FROM aud_log") == [("x",), ("y",)]
    strict = renamed.replace("b INT);", "b INT) STRICT;").replace(
        "TEXT, -- @renamed from=a", "TEXT,"
    )
    assert sync_on(kind, client, strict, ignore=["aud_*"]).status == "synced"
    assert rows(conn, "SELECT count(*) FROM aud_rowid") == [(2,)]


@pytest.mark.parametrize("kind", KINDS)
def test_their_view_after_a_table_of_theirs_reading_a_table_renamed_and_losing_a_column(
    kind: str,
) -> None:
    """The refusal looks past a table of theirs (one that references ours) to the view after
    it, and finds the column under the table's old name when the table is renamed by hint in
    the same sync."""
    client, conn = v1_with(
        kind, "CREATE TABLE aud_ref (y REFERENCES other (x));\nCREATE VIEW aud_v AS SELECT a FROM t"
    )
    before = everything(conn)
    renamed = (
        "CREATE TABLE u ( -- @renamed from=t\n  id INTEGER PRIMARY KEY, b INT) STRICT;\n"
        "CREATE TABLE other (x);"
    )
    with pytest.raises(inline_sync.SyncError) as caught:
        sync_on(kind, client, renamed, ignore=["aud_*"], allow_destructive=True)
    assert str(caught.value).startswith("cannot drop column t.a: view 'aud_v', which is ignored")
    assert everything(conn) == before


def test_the_text_of_theirs_is_read_only_when_the_plan_drops_something(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from inline_sync import statement_names

    read: list[str] = []
    real = statement_names.tables_named_in
    monkeypatch.setattr(
        statement_names, "tables_named_in", lambda sql, names: read.append(sql) or real(sql, names)
    )
    client, _conn = v1_with("sqlite3", "CREATE VIEW aud_v AS SELECT a FROM t")
    added = V1.replace("b INT)", "b INT, c INT)")
    assert sync_on("sqlite3", client, added, ignore=["aud_*"]).status == "synced"
    assert read == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_dropped_column_named_by_theirs_only_on_another_table_is_not_refused(kind: str) -> None:
    """aud_alias names "a" as the alias of aud_log's column, and never names t: dropping t.a
    leaves it working (kills every table losing a column looked at, named or not)."""
    client, conn = v1_with(kind, LOG + "CREATE VIEW aud_alias AS SELECT x AS a FROM aud_log")
    assert (
        sync_on(kind, client, REBUILT_WITHOUT_A, ignore=["aud_*"], allow_destructive=True).status
        == "synced"
    )
    assert rows(conn, "SELECT count(*) FROM aud_alias") == [(0,)]
