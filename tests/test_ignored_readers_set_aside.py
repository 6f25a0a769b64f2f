"""A view or trigger that is not ours (ignored) and reads a view of ours that the plan makes
again. The plan drops our view first and creates it at the end; an ALTER TABLE that checks
the whole schema in between (RENAME COLUMN, DROP COLUMN, RENAME TO) then found theirs
unable to run and failed: an ApplyError ("error in view ign_v: no such table: main.v") for
a valid change, whatever the ALTER was for (even another table's rename). Theirs are now
set aside (dropped) before our view is, and made again from their own text after it; one
that also names a table or column the plan renames (its text would be stale) is a
SyncError naming it, before anything changes.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, everything, open_client, rows, sync_on

import inline_sync

TABLES = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b TEXT, c INT);\n"
    "CREATE TABLE o (x);\nCREATE TABLE q (z);\n"
)
VIEW = "CREATE VIEW v AS SELECT a, b FROM t;"
BEFORE = TABLES + VIEW
THEIRS = {
    "view": ("CREATE VIEW ign_v AS SELECT b FROM v", "SELECT * FROM ign_v"),
    "trigger": (
        "CREATE TABLE ign_log (m);\n"
        "CREATE TRIGGER ign_tr AFTER INSERT ON ign_log WHEN new.m IS NULL BEGIN "
        "INSERT INTO ign_log SELECT b FROM v; END",
        "INSERT INTO ign_log VALUES (NULL)",
    ),
    "trigger on our table": (
        "CREATE TABLE ign_log (m);\n"
        "CREATE TRIGGER ign_tr AFTER INSERT ON o BEGIN INSERT INTO ign_log SELECT b FROM v; END",
        "INSERT INTO o VALUES (1)",
    ),
    # A view of theirs on theirs, with an INSTEAD OF trigger (SQLite drops it with the view).
    "chain": (
        "CREATE VIEW ign_v AS SELECT b FROM v;\n"
        "CREATE VIEW ign_w AS SELECT b AS bb FROM ign_v;\n"
        "CREATE TABLE ign_log (m);\n"
        "CREATE TRIGGER ign_io INSTEAD OF INSERT ON ign_w BEGIN "
        "INSERT INTO ign_log VALUES (new.bb); END",
        "INSERT INTO ign_w VALUES ('q')",
    ),
}
PLANS = {
    "drop another column": TABLES.replace(", c INT", "") + VIEW,
    "rename another column": TABLES.replace("c INT", "d INT -- @renamed from=c\n") + VIEW,
    "rename the table": TABLES.replace("TABLE t (", "TABLE u ( -- @renamed from=t\n")
    + VIEW.replace("FROM t", "FROM u"),
    "view changed, another table renamed": TABLES.replace(
        "TABLE q (z)", "TABLE p (z) -- @renamed from=q\n"
    )
    + VIEW.replace("FROM t", "FROM t WHERE a > 0"),
    "view changed, a column dropped elsewhere": TABLES.replace("TABLE q (z)", "TABLE q (y)")
    + VIEW.replace("FROM t", "FROM t WHERE a > 0"),
}


def _with_theirs(kind: str, what: str) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    conn.execute("INSERT INTO t VALUES (1, 2, 'x', 3)")
    conn.execute("INSERT INTO o VALUES (0)")
    for statement in THEIRS[what][0].split(";\n"):
        conn.execute(statement)
    return client, conn


def _theirs(conn: object) -> list[tuple[object, ...]]:
    return rows(conn, "SELECT type, name, tbl_name, sql FROM sqlite_master "
                      "WHERE name LIKE 'ign%' ORDER BY name")  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("what", list(THEIRS))
@pytest.mark.parametrize("case", list(PLANS))
def test_readers_of_a_view_made_again_outlive_a_schema_checking_alter(
    kind: str, what: str, case: str
) -> None:
    client, conn = _with_theirs(kind, what)
    kept = _theirs(conn)
    options = {"ignore": ["ign_*"], "allow_destructive": True}
    result = sync_on(kind, client, PLANS[case], **options)
    assert result.status == "synced"
    assert _theirs(conn) == kept  # made again with their own text, on the same tables
    conn.execute(THEIRS[what][1])  # and they run
    remade = {c.name for c in result.plan.changes if c.action == "recreate"}
    assert {n for _, n, _, _ in kept if n != "ign_log"} <= remade
    assert sync_on(kind, client, PLANS[case], force=True, **options).status == "up-to-date"


@pytest.mark.parametrize("kind", KINDS)
def test_a_reader_untouched_by_any_schema_check_stays_in_place(kind: str) -> None:
    """Our view made again with no ALTER that checks the schema: theirs are not touched."""
    client, conn = _with_theirs(kind, "view")
    result = sync_on(kind, client, TABLES + VIEW.replace("FROM t", "FROM t WHERE 1"),
                     ignore=["ign_*"])  # fmt: skip
    assert [s.name for s in result.plan.steps if s.name.startswith("ign")] == []
    assert rows(conn, "SELECT * FROM ign_v") == [("x",)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "after",
    [
        TABLES.replace("TABLE t (", "TABLE u ( -- @renamed from=t\n")
        + VIEW.replace("FROM t", "FROM u"),
        TABLES.replace("a INT", "z INT -- @renamed from=a\n") + VIEW.replace("a, b", "z AS a, b"),
    ],
    ids=["table", "column"],
)
def test_a_reader_that_names_what_the_plan_renames_is_refused(kind: str, after: str) -> None:
    """Set aside, its text would miss the rename SQLite gives it in place: refused, clearly."""
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    conn.execute("INSERT INTO t VALUES (1, 2, 'x', 3)")
    conn.execute("CREATE VIEW ign_v AS SELECT v.b, t.a FROM v JOIN t USING (a)")
    before = everything(conn)
    with pytest.raises(inline_sync.SyncError) as refused:
        sync_on(kind, client, after, ignore=["ign_*"])
    assert type(refused.value) is inline_sync.SyncError
    message = str(refused.value)
    assert "'ign_v'" in message and "view 'v'" in message and "nothing was changed" in message
    assert everything(conn) == before


# The caller's TEMP views and triggers (sqlite3, apsw) that read a view of ours in main, by
# ``main.v``: SQLite's schema check reads them too, and failed the same way.
TEMP_READERS = {
    "view": ("CREATE TEMP VIEW tv AS SELECT b FROM main.v", "SELECT * FROM temp.tv"),
    "trigger": (
        "CREATE TEMP TABLE tlog (m);\n"
        "CREATE TEMP TRIGGER ttr AFTER INSERT ON main.o BEGIN "
        "INSERT INTO tlog SELECT b FROM main.v; END",
        "INSERT INTO main.o VALUES (5)",
    ),
}


@pytest.mark.parametrize("kind", ["sqlite3", "apsw"])
@pytest.mark.parametrize("what", list(TEMP_READERS))
@pytest.mark.parametrize(
    "case", ["drop another column", "rename another column", "view changed, another table renamed"]
)
def test_the_callers_temp_readers_outlive_a_schema_checking_alter(
    kind: str, what: str, case: str
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    conn.execute("INSERT INTO t VALUES (1, 2, 'x', 3)")
    for statement in TEMP_READERS[what][0].split(";\n"):
        conn.execute(statement)
    kept = rows(conn, "SELECT type, name, tbl_name, sql FROM temp.sqlite_master ORDER BY name")
    result = sync_on(kind, client, PLANS[case], allow_destructive=True)
    assert result.status == "synced"
    assert (
        rows(conn, "SELECT type, name, tbl_name, sql FROM temp.sqlite_master ORDER BY name") == kept
    )
    conn.execute(TEMP_READERS[what][1])
    assert sync_on(kind, client, PLANS[case], force=True).status == "up-to-date"


@pytest.mark.parametrize("kind", KINDS)
def test_a_view_of_ours_reading_a_reader_set_aside_is_set_aside_too(kind: str) -> None:
    """Ours ``w`` reads theirs ``ign_v``, which reads ours ``v``: with ``ign_v`` set aside,
    ``w`` (unchanged, so not made again) failed the ALTER's check in its turn."""
    client, conn = _with_theirs(kind, "view")
    ours = "CREATE VIEW w AS SELECT b AS bb FROM ign_v;"
    sync_on(kind, client, BEFORE + ours, ignore=["ign_*"])
    after = PLANS["drop another column"] + ours
    result = sync_on(kind, client, after, ignore=["ign_*"], allow_destructive=True)
    assert result.status == "synced"
    assert rows(conn, "SELECT * FROM w") == [("x",)]
    assert sync_on(kind, client, after, ignore=["ign_*"], force=True).status == "up-to-date"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "new_s",
    ["CREATE TABLE s2 (a, b);\nCREATE VIEW s AS SELECT a, b FROM s2;",
     "CREATE VIRTUAL TABLE s USING fts5(a, b);"],
    ids=["view", "virtual table"],
)  # fmt: skip
def test_a_reader_of_a_name_that_changes_kind_is_set_aside(kind: str, new_s: str) -> None:
    """Our table ``s`` made a view (or a virtual table) of the same name: theirs reading
    ``s`` is set aside around the change too, when the plan also runs a schema check."""
    if kind == "d1" and "VIRTUAL" in new_s:
        pytest.skip("D1's stand-in refuses fts5 in the scratch space")
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE q (z, y);\nCREATE TABLE s (a, b);")
    conn.execute("CREATE VIEW ign_r AS SELECT a FROM s")
    after = "CREATE TABLE q (z, w -- @renamed from=y\n);\n" + new_s
    options = {"ignore": ["ign_*"], "allow_destructive": True}
    assert sync_on(kind, client, after, **options).status == "synced"
    assert rows(conn, "SELECT * FROM ign_r") == []
    assert sync_on(kind, client, after, force=True, **options).status == "up-to-date"


@pytest.mark.parametrize("kind", ["sqlite3", "apsw"])
@pytest.mark.parametrize(
    "case",
    ["view changed, another table renamed", "rename another column"],
)
def test_a_temp_reader_that_names_what_the_plan_renames_is_refused(kind: str, case: str) -> None:
    """Set aside, the caller's TEMP view would come back with the old name and could not run
    (the sync said synced): refused, everything as it was, the TEMP view too."""
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    conn.execute("INSERT INTO t VALUES (1, 2, 'x', 3)")
    conn.execute("CREATE TEMP VIEW tv AS SELECT v.b, q.z, t.c FROM main.v, main.q, main.t")
    before = everything(conn)
    temp = rows(conn, "SELECT sql FROM temp.sqlite_master")
    with pytest.raises(inline_sync.ApplyError) as refused:
        sync_on(kind, client, PLANS[case])
    message = str(refused.value)
    assert "view 'tv', one of the connection's own TEMP objects" in message
    assert "rolled back" in message
    assert everything(conn) == before
    assert rows(conn, "SELECT sql FROM temp.sqlite_master") == temp
    rows(conn, "SELECT * FROM temp.tv")
