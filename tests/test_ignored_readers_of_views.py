"""A view or trigger that is not ours (ignored) and reads a column of a view that is ours: a
plan that made our view again without that column (left out, renamed by an alias, or gone
from the table a ``SELECT *`` reads) left theirs unable to run ("no such column: b"), the
sync saying "synced", and every later ALTER TABLE … RENAME failing on it. It is now a
SyncError naming both, before anything changes, as for a column dropped from a table. A
column kept (in another case, too) is no reason; nor is a view of ours that nobody reads.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, everything, open_client, rows, sync_on

import inline_sync

TABLE = "CREATE TABLE t (a, b);\n"
BEFORE = TABLE + "CREATE VIEW v AS SELECT a, b FROM t;"
THEIRS = {
    "view": "CREATE VIEW ign_v AS SELECT b FROM v",
    "trigger": "CREATE TABLE ign_log (m);\n"
    "CREATE TRIGGER ign_tr AFTER INSERT ON ign_log BEGIN "
    "INSERT INTO ign_log SELECT b FROM v WHERE new.m IS NULL; END",
    # Made again with our view (SQLite drops it with the old one): its new.b is gone then.
    "instead of trigger": "CREATE TABLE ign_log (m);\n"
    "CREATE TRIGGER ign_io INSTEAD OF INSERT ON v BEGIN INSERT INTO ign_log VALUES (new.b); END",
}
NAMES = {"view": "ign_v", "trigger": "ign_tr", "instead of trigger": "ign_io"}
LOST = {
    "left out": (BEFORE, TABLE + "CREATE VIEW v AS SELECT a FROM t;"),
    "aliased": (BEFORE, TABLE + "CREATE VIEW v AS SELECT a, b AS c FROM t;"),
    "gone from its table": (
        TABLE + "CREATE VIEW v AS SELECT * FROM t;",
        "CREATE TABLE t (a);\nCREATE VIEW v AS SELECT * FROM t;",
    ),
    "renamed in its table": (
        TABLE + "CREATE VIEW v AS SELECT * FROM t;",
        "CREATE TABLE t (a, c -- @renamed from=b\n);\nCREATE VIEW v AS SELECT * FROM t;",
    ),
}


def _with_theirs(kind: str, before: str, what: str) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    conn.execute("INSERT INTO t VALUES (1, 2)")
    for statement in THEIRS[what].split(";\n"):
        conn.execute(statement)
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("what", list(THEIRS))
@pytest.mark.parametrize("case", LOST)
def test_a_view_made_again_without_a_column_they_read_is_refused(
    kind: str, what: str, case: str
) -> None:
    before, after = LOST[case]
    client, conn = _with_theirs(kind, before, what)
    kept = everything(conn)
    with pytest.raises(inline_sync.SyncError) as refused:
        sync_on(kind, client, after, ignore=["ign_*"], allow_destructive=True)
    name = NAMES[what]
    kind_of = "view" if what == "view" else "trigger"
    assert str(refused.value) == (
        f"cannot make view 'v' again without its column b: {kind_of} {name!r}, which is "
        "ignored (inline_sync leaves it alone), names it and could not run afterwards. Declare "
        f"{name!r}, change or drop it yourself first; nothing was changed"
    )
    assert everything(conn) == kept


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("what", ["view", "trigger"])  # (one on the view goes with it)
def test_a_reader_of_theirs_of_a_view_we_drop_is_refused(kind: str, what: str) -> None:
    client, conn = _with_theirs(kind, BEFORE, what)
    kept = everything(conn)
    with pytest.raises(inline_sync.SyncError) as refused:
        sync_on(kind, client, TABLE, ignore=["ign_*"], allow_destructive=True)
    assert str(refused.value).startswith("cannot drop view 'v': ")
    assert everything(conn) == kept


KEPT = {
    "in another case": TABLE + "CREATE VIEW v AS SELECT a, b AS B FROM t;",
    "with one more": TABLE + "CREATE VIEW v AS SELECT a, b, a + b AS s FROM t;",
    "through a new table": "CREATE TABLE t (a, b);\nCREATE TABLE u (x);\n"
    "CREATE VIEW v AS SELECT a, b, (SELECT count(*) FROM u) AS n FROM t;",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", KEPT)
def test_a_view_made_again_with_the_columns_they_read_is_no_reason(kind: str, case: str) -> None:
    client, conn = _with_theirs(kind, BEFORE, "view")
    assert sync_on(kind, client, KEPT[case], ignore=["ign_*"]).status == "synced"
    assert rows(conn, "SELECT * FROM ign_v") == [(2,)]


@pytest.mark.parametrize("kind", KINDS)
def test_a_view_nobody_reads_changes_freely(kind: str) -> None:
    client, conn = _with_theirs(kind, BEFORE, "view")
    conn.execute("CREATE VIEW w AS SELECT a, b FROM t")
    schema = BEFORE + "\nCREATE VIEW w AS SELECT a FROM t;"
    sync_on(kind, client, schema, ignore=["ign_*"])
    assert sync_on(kind, client, schema.replace("SELECT a FROM", "SELECT b FROM"),
                   ignore=["ign_*"]).status == "synced"  # fmt: skip
    assert rows(conn, "SELECT * FROM w") == [(2,)]


def test_the_live_columns_are_read_only_for_a_view_they_read() -> None:
    """The scratch round reads the columns of the declared views (its check of each view
    reads them) at no extra statement; a live view's are read, in a round of their own, only
    when the plan makes again a view that one of theirs names."""
    client, conn = _with_theirs("d1", BEFORE, "view")
    schema = BEFORE + "\nCREATE VIEW w AS SELECT a FROM t;"
    sync_on("d1", client, schema, ignore=["ign_*"])
    client.log.clear()  # type: ignore[attr-defined]
    sync_on("d1", client, schema.replace("SELECT a FROM", "SELECT b FROM"), ignore=["ign_*"])
    read = [s for s in client.log if "pragma_table_info" in s]  # type: ignore[attr-defined]
    assert read == ["SELECT name FROM pragma_table_info('__sync_v', 'main')",
                    "SELECT name FROM pragma_table_info('__sync_w', 'main')"]  # fmt: skip
    client.log.clear()  # type: ignore[attr-defined]
    sync_on("d1", client, KEPT["in another case"], ignore=["ign_*"])
    read = [s for s in client.log if "pragma_table_info" in s]  # type: ignore[attr-defined]
    assert "SELECT name FROM pragma_table_info('v', 'main')" in read
    assert rows(conn, "SELECT * FROM ign_v") == [(2,)]
    client.log.clear()  # type: ignore[attr-defined]
    assert sync_on("d1", client, KEPT["in another case"], ignore=["ign_*"]).status == "up-to-date"
    assert not [s for s in client.log if "pragma_table_info" in s]  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_a_view_of_ours_that_cannot_be_read_now_leaves_the_others_checked(kind: str) -> None:
    """Its columns cannot be read (nothing of theirs can read it now either): no obstacle;
    the round that read them all fails, so each is read alone, and another view still is."""
    client, conn = open_client(kind)
    conn.execute("CREATE TABLE ign_t (x)")
    broken = "CREATE VIEW v AS SELECT a, b, (SELECT count(*) FROM ign_t) AS n FROM t;\n"
    sync_on(kind, client, TABLE + broken + "CREATE VIEW w AS SELECT a, b FROM t;",
            ignore=["ign_*"])  # fmt: skip
    conn.execute("CREATE VIEW ign_v AS SELECT b FROM v")
    conn.execute("CREATE VIEW ign_w AS SELECT b FROM w")
    conn.execute("DROP TABLE ign_t")
    after = TABLE + "CREATE VIEW v AS SELECT a FROM t;\nCREATE VIEW w AS SELECT a FROM t;"
    with pytest.raises(inline_sync.SyncError) as refused:
        sync_on(kind, client, after, ignore=["ign_*"])
    assert str(refused.value).startswith("cannot make view 'w' again without its column b: ")
    assert sync_on(kind, client, after.replace("SELECT a FROM t;\nCREATE VIEW w AS SELECT a",
                                               "SELECT a FROM t;\nCREATE VIEW w AS SELECT b"),
                   ignore=["ign_*"]).status == "synced"  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("strategy", ["auto", "prefix"])
def test_a_column_named_like_a_declared_name_is_kept(kind: str, strategy: str) -> None:
    """The prefix strategy's copy prefixes a column named like a name it prefixes (``t`` of
    table ``t``, through ``SELECT *``): read back, the prefix comes off."""
    if strategy == "prefix" and kind != "sqlite3":
        pytest.skip("only sqlite3 is told which strategy")
    client, conn = open_client(kind)
    options = {"scratch_schema": strategy} if kind == "sqlite3" else {}
    sync_on(kind, client, "CREATE TABLE t (t, a);\nCREATE VIEW v AS SELECT * FROM t;", **options)
    conn.execute("INSERT INTO t VALUES (1, 2)")
    conn.execute("CREATE VIEW ign_v AS SELECT t FROM v")
    after = "CREATE TABLE t (t, a);\nCREATE VIEW v AS SELECT *, 1 AS one FROM t;"
    assert sync_on(kind, client, after, ignore=["ign_*"], **options).status == "synced"
    assert rows(conn, "SELECT * FROM ign_v") == [(1,)]


@pytest.mark.parametrize("kind", KINDS)
def test_a_view_of_ours_reading_an_ignored_table_is_checked_too(kind: str) -> None:
    """A scratch database cannot see the ignored table, so the scratch round leaves the
    view's check out; its columns are then read by making it in main (and dropping it), in
    the round that reads the live view's."""
    client, conn = open_client(kind)
    conn.execute("CREATE TABLE ign_t (x)")
    counted = ", (SELECT count(*) FROM ign_t) AS n FROM t;"
    sync_on(kind, client, TABLE + "CREATE VIEW v AS SELECT a, b" + counted, ignore=["ign_*"])
    conn.execute("INSERT INTO t VALUES (1, 2)")
    conn.execute("CREATE VIEW ign_v AS SELECT b FROM v")
    kept = everything(conn)
    with pytest.raises(inline_sync.SyncError) as refused:
        sync_on(kind, client, TABLE + "CREATE VIEW v AS SELECT a" + counted, ignore=["ign_*"])
    assert str(refused.value).startswith("cannot make view 'v' again without its column b: ")
    assert everything(conn) == kept
    assert sync_on(kind, client, TABLE + "CREATE VIEW v AS SELECT B, a" + counted,
                   ignore=["ign_*"]).status == "synced"  # fmt: skip
    assert rows(conn, "SELECT * FROM ign_v") == [(2,)]
