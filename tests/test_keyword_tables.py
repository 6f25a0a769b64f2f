"""Tables named with a keyword (``"order"``, ``"key"``), read where a table is named without a
word before it that says so: the second table of ``FROM a, "order"``, ``x IN "key"``, an index
named ``INDEXED BY "group"``. And tables named like the columns that table-valued functions
and FTS5 give (``rank``, json_each's ``value``, ``type``, ``path``), beside a view that reads
those columns.

The prefix strategy (Durable Objects, D1) renames such a name only where it surely names a
table: these places were missed (the copy read ``main.order``: "no such table", or the live
table), and the hidden columns were renamed as if they were the tables ("no such column:
rank"), so valid definitions were refused there while the stdlib client synced them."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

CASES = {
    "a keyword table after a comma": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"
        'CREATE TABLE "order" (id INTEGER PRIMARY KEY, total INTEGER);\n'
        'CREATE VIEW v AS SELECT t.a, "order".total FROM t, "order" WHERE "order".id = t.id;\n'
        "CREATE VIEW w AS SELECT total FROM (SELECT 1 AS one) AS s, [order] "
        "LEFT JOIN t ON t.id = [order].id, t AS u WHERE u.id = [order].id;",
        "INSERT INTO t (a) VALUES ('x'); INSERT INTO \"order\" (total) VALUES (5)",
        "SELECT a, total, (SELECT total FROM w) FROM v",
        [("x", 5, 5)],
    ),
    "a keyword table after IN": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"
        'CREATE TABLE "key" (a TEXT);\n'
        'CREATE VIEW v AS SELECT id FROM t WHERE a IN "key" AND a NOT IN (SELECT 1);',
        "INSERT INTO t (a) VALUES ('x'); INSERT INTO key (a) VALUES ('x')",
        "SELECT id FROM v",
        [(1,)],
    ),
    "a keyword index after INDEXED BY": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"
        'CREATE INDEX "group" ON t (a);\n'
        "CREATE VIEW v AS SELECT id FROM t INDEXED BY \"group\" WHERE a = 'x';",
        "INSERT INTO t (a) VALUES ('x')",
        "SELECT id FROM v",
        [(1,)],
    ),
    "tables named like hidden columns": (
        "CREATE TABLE rank (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE value (value TEXT);\n"
        "CREATE TABLE type (id INTEGER PRIMARY KEY, path TEXT);\n"
        "CREATE TABLE path (x);\n"
        "CREATE VIRTUAL TABLE f USING fts5(body);\n"
        "CREATE VIEW hits AS SELECT body, rank FROM f WHERE f MATCH 'x' ORDER BY rank;\n"
        "CREATE VIEW items AS SELECT j.value, j.type, j.path, value.value AS mine\n"
        "  FROM value, json_each('[1]') AS j;",
        "INSERT INTO f (body) VALUES ('x'); INSERT INTO value VALUES ('v')",
        "SELECT (SELECT body FROM hits), value, type, path, mine FROM items",
        [("x", 1, "integer", "$", "v")],
    ),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_tables_named_like_keywords_or_hidden_columns(kind: str, case: str) -> None:
    schema, writes, query, expected = CASES[case]
    client, conn = open_client(kind)
    assert sync_on(kind, client, schema).status == "synced"
    assert sync_on(kind, client, schema, force=True).status == "up-to-date"
    for statement in writes.split("; "):
        conn.execute(statement)
    assert rows(conn, query) == expected
