"""A table alias named ``main``: in an expression, ``main.a`` is column a of the table or alias
named main, not the schema. The scratch-database strategy names its own database where a view
or trigger names ``main.`` (SQLite refuses a copy there that reads main); it did so for the
alias's columns too, so sqlite3 and apsw refused valid views ("no such column: a")."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

SCHEMA = """CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);
CREATE TABLE log (x TEXT);
CREATE VIEW v AS SELECT main.a FROM main.t AS main WHERE main.id IN main.t2;
CREATE VIEW w AS SELECT main.a, l.x FROM t main LEFT JOIN main.log AS l ON main.a = l.x, main.t2;
CREATE TABLE t2 (id INTEGER);
CREATE TRIGGER tr AFTER INSERT ON main.t BEGIN
  INSERT INTO log SELECT main.a FROM main.t AS main WHERE main.id = new.id;
END;
"""


@pytest.mark.parametrize("kind", KINDS)
def test_an_alias_named_main_is_no_schema(kind: str) -> None:
    client, conn = open_client(kind)
    assert sync_on(kind, client, SCHEMA).status == "synced"
    assert sync_on(kind, client, SCHEMA, force=True).status == "up-to-date"
    conn.execute("INSERT INTO t2 VALUES (1)")
    conn.execute("INSERT INTO t (a) VALUES ('x')")
    assert rows(conn, "SELECT a FROM v") == [("x",)]
    assert rows(conn, "SELECT a, x FROM w") == [("x", "x")]
