"""Words that look like a declared object's name but are not one: a column's type (a table
named ``text`` beside a STRICT table's ``TEXT`` column, ``integer`` beside ``INTEGER PRIMARY KEY
AUTOINCREMENT``), a collation (``COLLATE nocase`` beside a table ``nocase``), a trigger's
``new.x``/``old.x`` (beside a table ``new``), the rowid (beside a table ``"rowid"``).

The prefix strategy (Durable Objects, D1) builds its scratch copies by prefixing the declared
names in the SQL: it prefixed those words too, so valid definitions were refused there ("unknown
datatype", "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY", "no such collation
sequence", "no such column: new.a") while the stdlib client synced them.

Also tables named with a keyword (``"order"``, ``"key"``), read where a table is named
without a word before it that says so: the second table of ``FROM a, "order"``, ``x IN
"key"``, an index ``INDEXED BY "group"`` (the prefix strategy renames a keyword-named table only
where it surely names a table, and missed these: "no such table: main.order"); and tables
named like the columns fts5 and json_each give (``rank``, ``value``, ``type``, ``path``),
beside a view that reads those columns ("no such column: rank")."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

CASES = {
    "a table named like a type": (
        "CREATE TABLE text (id INTEGER PRIMARY KEY, a TEXT);\n"
        "CREATE TABLE integer (id INTEGER PRIMARY KEY, a TEXT);\n"
        "CREATE TABLE any (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE s (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT NOT NULL, b ANY) STRICT;\n"
        "CREATE TABLE w (k INTEGER, v Text, PRIMARY KEY (k)) WITHOUT ROWID;\n"
        "CREATE VIEW v AS SELECT CAST(a AS TEXT) AS text FROM s;",
        "INSERT INTO s (a, b) VALUES ('x', 1)",
        "SELECT text FROM v",
        [("x",)],
    ),
    "a table named like a collation": (
        "CREATE TABLE nocase (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE);\n"
        "CREATE TABLE binary (a TEXT COLLATE binary, b TEXT COLLATE rtrim);\n"
        "CREATE TABLE rtrim (a);\n"
        "CREATE INDEX nocase_a ON nocase (a COLLATE nocase);\n"
        "CREATE VIEW v AS SELECT a FROM nocase ORDER BY a COLLATE NOCASE;",
        "INSERT INTO nocase (a) VALUES ('x')",
        "SELECT a FROM v",
        [("x",)],
    ),
    "a table named new or old": (
        "CREATE TABLE new (id INTEGER PRIMARY KEY, a TEXT);\n"
        "CREATE TABLE old (id INTEGER PRIMARY KEY, a TEXT);\n"
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"
        "CREATE TRIGGER t_in AFTER INSERT ON t BEGIN INSERT INTO new (a) VALUES (new.a); END;\n"
        "CREATE TRIGGER new_in AFTER INSERT ON new BEGIN INSERT INTO old (a) VALUES (new.a); END;\n"
        "CREATE TRIGGER t_up AFTER UPDATE OF a ON t WHEN old.a <> new.a\n"
        "  BEGIN UPDATE old SET a = new.a WHERE a = old.a; END;",
        "INSERT INTO t (a) VALUES ('x'); UPDATE t SET a = 'y'",
        "SELECT (SELECT a FROM new), (SELECT a FROM old)",
        [("x", "y")],
    ),
    "a table new with a column new": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
        "  INSERT INTO new (new) VALUES (new.a); UPDATE new SET new = new || '!'; END;\n"
        "CREATE TABLE new (id INTEGER PRIMARY KEY, new TEXT);\n"
        "CREATE VIEW v AS SELECT new.new FROM new;",
        "INSERT INTO t (a) VALUES ('x')",
        "SELECT new FROM v",
        [("x!",)],
    ),
    "a table named rowid": (
        'CREATE TABLE "rowid" (id INTEGER PRIMARY KEY, a TEXT);\n'
        'CREATE TABLE "oid" (b);\n'
        "CREATE TABLE t (x TEXT);\n"
        "CREATE VIEW v AS SELECT rowid AS r, oid AS o, _rowid_ AS i, x FROM t;\n"
        'CREATE VIEW w AS SELECT "rowid".a FROM "rowid" JOIN t ON "rowid".id = t.rowid;',
        "INSERT INTO t (x) VALUES ('x'); INSERT INTO \"rowid\" (a) VALUES ('a')",
        "SELECT r, o, i, x, (SELECT a FROM w) FROM v",
        [(1, 1, 1, "x", "a")],
    ),
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
def test_words_that_are_not_the_declared_objects_stay_as_written(kind: str, case: str) -> None:
    schema, writes, query, expected = CASES[case]
    client, conn = open_client(kind)
    assert sync_on(kind, client, schema).status == "synced"
    assert sync_on(kind, client, schema, force=True).status == "up-to-date"
    for statement in writes.split("; "):
        conn.execute(statement)
    assert rows(conn, query) == expected
