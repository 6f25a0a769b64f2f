"""An index or trigger that is not ours, on a table that a hint renames and the plan rebuilds,
is made again on the new name (tests/test_ignored_dependents.py). Its text follows the
rename the way SQLite's RENAME TO rewrites it: where the table's name stands, never where a
column, a trigger's ``new.x`` or a function of the same name does. Before the fix every token
spelled like the table was renamed: with a column named like its table, ``new.t`` became
``new."t2"``, and every later insert into the table failed ("no such column: new.t2")."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

V1 = "CREATE TABLE t (id INTEGER PRIMARY KEY, t TEXT);\nCREATE TABLE log (x, y);\n"
V2 = (
    "CREATE TABLE t2 (id INTEGER PRIMARY KEY, t TEXT NOT NULL DEFAULT ''); -- @renamed from=t\n"
    "CREATE TABLE log (x, y);\n"
)
THEIRS = """CREATE INDEX legacy_t ON t (t, lower(t)) WHERE t IS NOT NULL AND t <> 't';
CREATE TRIGGER legacy_insert AFTER INSERT ON t WHEN new.t IS NOT NULL BEGIN
  INSERT INTO log VALUES (new.t, (SELECT count(t) FROM t WHERE t.id <= new.id));
  UPDATE log SET y = t.t FROM t WHERE t.id = new.id AND log.x = new.t;
END"""


@pytest.mark.parametrize("kind", KINDS)
def test_their_trigger_on_a_renamed_table_keeps_its_columns_named_like_the_table(
    kind: str,
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, V1, ignore=["legacy_*"])
    for statement in THEIRS.split(";\n", 1):
        conn.execute(statement)
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    result = sync_on(kind, client, V2, ignore=["legacy_*"])
    assert ("rebuild", "table", "t2") in {(c.action, c.kind, c.name) for c in result.plan.changes}
    stored = dict(rows(conn, "SELECT name, sql FROM sqlite_master WHERE name LIKE 'legacy%'"))
    assert stored["legacy_t"] == (
        "CREATE INDEX legacy_t ON \"t2\" (t, lower(t)) WHERE t IS NOT NULL AND t <> 't'"
    )
    assert stored["legacy_insert"] == THEIRS.split(";\n", 1)[1].replace(
        "ON t WHEN", 'ON "t2" WHEN'
    ).replace("FROM t ", 'FROM "t2" ').replace("t.", '"t2".').replace('new."t2".', "new.t")
    conn.execute("INSERT INTO t2 VALUES (2, 'b')")
    assert rows(conn, "SELECT x, y FROM log ORDER BY x") == [("a", "a"), ("b", "b")]
    assert not sync_on(kind, client, V2, ignore=["legacy_*"], force=True).plan
