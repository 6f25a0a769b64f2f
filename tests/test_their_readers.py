"""Views and triggers that are not ours (ignored by name) reading what the sync changes.

SQLite's DROP TABLE checks no view or trigger, and a rebuild renames with legacy_alter_table
on, which checks none either: a sync that dropped a table, or a column by a rebuild, that one
of theirs reads said "synced" and left it unable to run, and every later ALTER TABLE … RENAME
(a hinted rename, a rebuild where foreign keys stay on) failed on it. Such a plan is refused
before anything changes, naming both. And an index or trigger of theirs on a rebuilt table is
made again from its text as it was: a column renamed by hint was missing from it (an index:
the valid sync refused; a trigger: made again unable to run)."""

from __future__ import annotations

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
    # (theirs, the definitions to sync to, what the message names)
    "a view reading a dropped table": (
        "CREATE VIEW aud_v AS SELECT o.x, t.a FROM other AS o, t",
        WITHOUT_T,
        ("view 'aud_v'", "table 't'"),
    ),
    "a trigger writing a dropped table": (
        LOG + "CREATE TRIGGER aud_tr AFTER INSERT ON aud_log BEGIN "
        "INSERT INTO t (a) VALUES (new.x); END",
        WITHOUT_T,
        ("trigger 'aud_tr'", "table 't'"),
    ),
    "a view reading a dropped view": (
        "CREATE VIEW aud_v AS SELECT a FROM ours",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);\nCREATE TABLE other (x);",
        ("view 'aud_v'", "view 'ours'"),
    ),
    "a view reading a dropped virtual table": (
        "CREATE VIEW aud_v AS SELECT body FROM docs",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);\nCREATE TABLE other (x);\n"
        "CREATE VIEW ours AS SELECT a, b FROM t;",
        ("view 'aud_v'", "virtual table 'docs'"),
    ),
    "a view reading a column a rebuild drops": (
        "CREATE VIEW aud_v AS SELECT a FROM t",
        REBUILT_WITHOUT_A,
        ("view 'aud_v'", "column t.a"),
    ),
    "an index on a column a rebuild drops": (
        "CREATE INDEX aud_i ON t (b) WHERE a IS NOT NULL",
        REBUILT_WITHOUT_A,
        ("index 'aud_i'", "column t.a"),
    ),
    "a trigger on the rebuilt table reading a column it drops": (
        LOG + "CREATE TRIGGER aud_tr AFTER INSERT ON t BEGIN "
        "INSERT INTO aud_log VALUES (new.a); END",
        REBUILT_WITHOUT_A,
        ("trigger 'aud_tr'", "column t.a"),
    ),
    "a trigger of another table writing a column DROP COLUMN drops": (
        LOG + "CREATE TRIGGER aud_tr AFTER INSERT ON aud_log BEGIN UPDATE t SET a = new.x; END",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, b INT);\nCREATE TABLE other (x);",
        ("trigger 'aud_tr'", "column t.a"),
    ),
    "a view reading the rowid of a table made WITHOUT ROWID": (
        "CREATE VIEW aud_v AS SELECT rowid, a FROM t",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT) WITHOUT ROWID;\n"
        "CREATE TABLE other (x);",
        ("view 'aud_v'", "make table 't' WITHOUT ROWID (its rowid)"),
    ),
    "a trigger on a table made WITHOUT ROWID reading new.oid": (
        LOG + "CREATE TRIGGER aud_tr AFTER INSERT ON t BEGIN "
        "INSERT INTO aud_log VALUES (new.oid); END",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT) WITHOUT ROWID;\n"
        "CREATE TABLE other (x);",
        ("trigger 'aud_tr'", "its oid"),
    ),
    "a trigger on the rebuilt table naming a column renamed by hint": (
        LOG + "CREATE TRIGGER aud_tr AFTER UPDATE OF a ON t BEGIN "
        "INSERT INTO aud_log VALUES (new.a); END",
        "CREATE TABLE t (id INTEGER PRIMARY KEY,\n  c TEXT, -- @renamed from=a\n  b INT) STRICT;\n"
        "CREATE TABLE other (x);",
        ("trigger 'aud_tr'", "column t.a"),
    ),
}


@pytest.mark.parametrize("case", REFUSED)
@pytest.mark.parametrize("kind", KINDS)
def test_a_sync_that_would_break_theirs_is_refused(kind: str, case: str) -> None:
    theirs, definitions, named = REFUSED[case]
    client, conn = open_client(kind)
    sync_on(kind, client, V1, ignore=["aud_*"])
    run(conn, theirs)
    conn.execute("INSERT INTO t (a, b) VALUES ('x', 1)")
    before = everything(conn)
    with pytest.raises(inline_sync.SyncError) as caught:
        sync_on(kind, client, definitions, ignore=["aud_*"], allow_destructive=True)
    assert everything(conn) == before
    message = str(caught.value)
    assert all(n in message for n in named), message
    assert "ignored" in message
    with pytest.raises(inline_sync.SyncError):  # a dry run says so too
        sync_on(kind, client, definitions, ignore=["aud_*"], allow_destructive=True, dry_run=True)


@pytest.mark.parametrize("kind", KINDS)
def test_their_index_on_a_column_renamed_in_a_rebuild_follows_it(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, V1, ignore=["aud_*"])
    run(
        conn, "CREATE INDEX aud_i ON t (b) WHERE a IS NOT NULL;\nCREATE INDEX aud_j ON t (lower(a))"
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
    client, conn = open_client(kind)
    sync_on(kind, client, V1, ignore=["aud_*"])
    run(
        conn,
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
    client, conn = open_client(kind)
    sync_on(kind, client, V1, ignore=["aud_*"])
    run(
        conn,
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
