"""Indexes and triggers that are not ours, on a table that is. An index or trigger whose name
``ignore`` (or the built-in list) matches is left alone, but when its table is rebuilt SQLite
drops it with the old copy: it is made again afterwards, with its own text (it was lost,
and the sync said nothing). On a table renamed as well, it follows the table's new name."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

V1 = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);\nCREATE INDEX t_a ON t (a);\n"
V2 = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT NOT NULL DEFAULT 0);\n"
RENAMED = (
    "CREATE TABLE u ( -- @renamed from=t\n"
    "  id INTEGER PRIMARY KEY, a TEXT, b INT NOT NULL DEFAULT 0);\n"
)
THEIRS = """CREATE TABLE legacy_log (what TEXT);
CREATE INDEX legacy_b ON t (b DESC) WHERE b > 0;
CREATE UNIQUE INDEX "legacy_a""s" ON t (a COLLATE NOCASE);
CREATE TRIGGER legacy_insert AFTER INSERT ON t BEGIN INSERT INTO legacy_log VALUES (new.a); END"""


def theirs(conn: object) -> list[tuple[str, str, str]]:
    return rows(
        conn,
        "SELECT type, name, lower(tbl_name) FROM sqlite_master WHERE name LIKE 'legacy%' "
        "ORDER BY type, name",
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("target", ["rebuilt", "renamed and rebuilt"])
def test_their_indexes_and_triggers_on_a_rebuilt_table_are_made_again(
    kind: str, target: str
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, V1, ignore=["legacy_*"])
    run(conn, THEIRS)
    conn.execute("INSERT INTO t (a, b) VALUES ('x', 1)")
    table = "u" if target.startswith("renamed") else "t"
    schema = RENAMED if table == "u" else V2
    expected = [(k, n, table if k != "table" else tb) for k, n, tb in theirs(conn)]

    result = sync_on(kind, client, schema, ignore=["legacy_*"], allow_destructive=True)
    assert ("rebuild", "table", table) in {(c.action, c.kind, c.name) for c in result.plan.changes}
    kept = {(c.action, c.kind, c.name) for c in result.plan.changes}
    assert {("recreate", "index", "legacy_b"), ("recreate", "trigger", "legacy_insert")} <= kept
    assert theirs(conn) == expected
    conn.execute(f"INSERT INTO {table} (a, b) VALUES ('y', 2)")
    assert rows(conn, "SELECT what FROM legacy_log") == [("x",), ("y",)]
    with pytest.raises(Exception, match="UNIQUE"):
        conn.execute(f"INSERT INTO {table} (a, b) VALUES ('Y', 3)")
    assert sync_on(kind, client, schema, ignore=["legacy_*"], force=True).status == "up-to-date"


@pytest.mark.parametrize("kind", KINDS)
def test_their_trigger_on_a_recreated_view_is_made_again(kind: str) -> None:
    client, conn = open_client(kind)
    view = "CREATE VIEW v AS SELECT id, a FROM t;\n"
    sync_on(kind, client, V1 + view, ignore=["legacy_*"])
    run(
        conn,
        "CREATE TRIGGER legacy_v INSTEAD OF INSERT ON v BEGIN "
        " INSERT INTO t (a) VALUES (new.a); END",
    )
    changed = V1 + "CREATE VIEW v AS SELECT id, a, b FROM t;\n"
    result = sync_on(kind, client, changed, ignore=["legacy_*"])
    assert ("recreate", "trigger", "legacy_v") in {
        (c.action, c.kind, c.name) for c in result.plan.changes
    }
    conn.execute("INSERT INTO v (id, a, b) VALUES (NULL, 'z', NULL)")
    assert rows(conn, "SELECT a FROM t") == [("z",)]
    assert sync_on(kind, client, changed, ignore=["legacy_*"], force=True).status == "up-to-date"
