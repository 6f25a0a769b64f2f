"""Tables that reference each other in a cycle, some with ON DELETE actions, dropped while
foreign keys stay on (Durable Objects, D1).

``DROP TABLE x`` with foreign keys on compiles the ON DELETE actions of the tables that
reference x, and the rows such an action changes are checked against their own parents: it
fails ("no such table: main.p") when one of those parents was dropped before x. Found by
random schema-evolution fuzzing: a rebuild of such a cycle was refused on Durable Objects and
D1 (the old tables were dropped children-first, which a cycle does not allow), and building
the declared schema in the prefix strategy's scratch copies failed at their drop, which was
taken for a table vanishing meanwhile ("the schema kept changing ... another process").
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

import inline_sync

# t16 references t9 and t11; t11 and t9 reference t16; t16's reference to t11 sets NULL.
CYCLE = """
CREATE TABLE t9 (a INTEGER PRIMARY KEY REFERENCES t16(c));
CREATE TABLE t11 (b TEXT UNIQUE REFERENCES t16(c));
CREATE TABLE t16 (c TEXT PRIMARY KEY REFERENCES t9(a),
                  FOREIGN KEY (c) REFERENCES t11(b) ON DELETE SET NULL);
"""

# The same, without t16's reference to t9: t16 is rebuilt, and t9 and t11 with it.
CYCLE_CUT = CYCLE.replace(" REFERENCES t9(a)", "")


@pytest.mark.parametrize("kind", KINDS)
def test_a_cycle_with_set_null_is_rebuilt_keeping_its_rows(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, CYCLE)
    for sql in (
        "BEGIN",
        "PRAGMA defer_foreign_keys = ON",  # (a cycle: each row's parent comes later)
        "INSERT INTO t9 VALUES (1)",
        "INSERT INTO t11 VALUES ('1')",
        "INSERT INTO t16 VALUES ('1')",
        "COMMIT",
    ):
        conn.execute(sql)
    before = [rows(conn, f"SELECT rowid, * FROM {t}") for t in ("t9", "t11", "t16")]

    result = sync_on(kind, client, CYCLE_CUT)

    assert result.status == "synced"
    assert [rows(conn, f"SELECT rowid, * FROM {t}") for t in ("t9", "t11", "t16")] == before
    assert rows(conn, "PRAGMA foreign_key_check") == []
    assert "t9" not in rows(conn, "SELECT sql FROM sqlite_master WHERE name = 't16'")[0][0]
    assert sync_on(kind, client, CYCLE_CUT, force=True, dry_run=True).plan.statements == []


# t1's composite self reference sets NULL in c, which also references t14: dropping t1 after
# t14 cannot compile. The scratch copies are dropped in an order that avoids it.
SELF_AND_CYCLE = """
CREATE TABLE t14 (x INTEGER PRIMARY KEY REFERENCES t11(y));
CREATE TABLE t11 (y INTEGER PRIMARY KEY, z INT REFERENCES t1(c));
CREATE TABLE t1 (a INT, b INT, c INT UNIQUE REFERENCES t14(x), UNIQUE (a, c),
                 FOREIGN KEY (b, c) REFERENCES t1(a, c) ON DELETE SET NULL);
"""


@pytest.mark.parametrize("kind", KINDS)
def test_declared_cycle_with_a_self_reference_is_created_and_dropped(kind: str) -> None:
    client, conn = open_client(kind)

    assert sync_on(kind, client, SELF_AND_CYCLE).status == "synced"
    assert sync_on(kind, client, SELF_AND_CYCLE, force=True).status == "up-to-date"

    # Dropped again, all three at once (t1 must go before t14).
    result = sync_on(kind, client, "CREATE TABLE other (x);", allow_destructive=True)
    assert result.status == "synced"
    names = [r[0] for r in rows(conn, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert not {"t1", "t11", "t14"} & set(names)


# Each table cascades into itself and into the other: whichever goes first, the other's DROP
# then reaches a table that is gone. No order exists where foreign keys stay on.
MUTUAL = """
CREATE TABLE a (x INTEGER PRIMARY KEY, y INT REFERENCES a ON DELETE CASCADE,
                z INT REFERENCES b(x) ON DELETE CASCADE);
CREATE TABLE b (x INTEGER PRIMARY KEY, y INT REFERENCES b ON DELETE CASCADE,
                z INT REFERENCES a(x) ON DELETE CASCADE);
"""


@pytest.mark.parametrize("kind", KINDS)
def test_tables_no_order_can_drop_are_refused_by_name_where_foreign_keys_stay_on(
    kind: str,
) -> None:
    client, conn = open_client(kind)
    if kind in ("sqlite3", "apsw"):  # foreign keys switched off: nothing to compile
        assert sync_on(kind, client, MUTUAL).status == "synced"
        return
    with pytest.raises(inline_sync.SyncError) as info:
        sync_on(kind, client, MUTUAL)
    message = str(info.value)
    assert "the scratch copy of table 'b' cannot be dropped with foreign keys on" in message
    assert "no such table: main.a" in message
    assert "another process" not in message  # (it was taken for a table vanishing meanwhile)
    assert rows(conn, "SELECT name FROM sqlite_master WHERE name IN ('a', 'b')") == []


# Every clause SQLite accepts around an ON DELETE action: a MATCH, or an ON INSERT (parsed,
# ignored), before it must not hide it from the order of the scratch copies' drops.
@pytest.mark.parametrize(
    "action",
    [
        "MATCH SIMPLE ON DELETE SET NULL",
        "ON INSERT CASCADE ON DELETE SET NULL",
        "ON UPDATE NO ACTION MATCH FULL ON DELETE SET NULL",
        "ON UPDATE SET DEFAULT ON INSERT SET NULL ON DELETE SET NULL",
    ],
)
@pytest.mark.parametrize("kind", KINDS)
def test_the_action_after_a_match_or_on_insert_clause_orders_the_drops(
    kind: str, action: str
) -> None:
    client, conn = open_client(kind)
    schema = SELF_AND_CYCLE.replace("ON DELETE SET NULL", action)

    assert sync_on(kind, client, schema).status == "synced"
    assert sync_on(kind, client, schema, force=True).status == "up-to-date"
    result = sync_on(kind, client, "CREATE TABLE other (x);", allow_destructive=True)
    assert result.status == "synced"
    names = [r[0] for r in rows(conn, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert "other" in names
    assert not {"t1", "t11", "t14"} & set(names)


@pytest.mark.parametrize("kind", KINDS)
def test_a_cycle_rebuilt_with_a_table_renamed_by_hint_keeps_its_rows(kind: str) -> None:
    """The same rebuild with t16 renamed t17 by a hint: the old tables' references name t16,
    which the order of their drops must follow to t17's place in the group."""
    client, conn = open_client(kind)
    sync_on(kind, client, CYCLE)
    for sql in (
        "BEGIN",
        "PRAGMA defer_foreign_keys = ON",
        "INSERT INTO t9 VALUES (1)",
        "INSERT INTO t11 VALUES ('1')",
        "INSERT INTO t16 VALUES ('1')",
        "COMMIT",
    ):
        conn.execute(sql)
    renamed = CYCLE_CUT.replace("TABLE t16 (", "TABLE t17 ( -- @renamed from=t16\n").replace(
        "REFERENCES t16", "REFERENCES t17"
    )

    result = sync_on(kind, client, renamed)

    assert result.status == "synced"
    assert [rows(conn, f"SELECT rowid, * FROM {t}") for t in ("t9", "t11", "t17")] == [
        [(1, 1)],
        [(1, "1")],
        [(1, "1")],
    ]
    assert rows(conn, "PRAGMA foreign_key_check") == []
