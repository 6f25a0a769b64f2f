"""Unit tests of inline_sync.scratch name rewriting: rewrite_names / strip_prefix round trips
and unprefix_message."""

from __future__ import annotations

import sqlite3

import pytest

from inline_sync.definitions import parse_definitions
from inline_sync.names import ignore_filter
from inline_sync.scratch import shadow_names, strip_prefix, unprefix_message
from inline_sync.statement_names import rename_tables_in, rewrite_names

SCHEMA = """CREATE TABLE "order" (id INTEGER PRIMARY KEY, "group" TEXT, `values` INT,
  note TEXT DEFAULT 'order', total INT);
CREATE TABLE count (n INTEGER REFERENCES "order"(id), [note] TEXT);
CREATE TABLE replace (a);
CREATE TABLE 'strname' (a);
CREATE TABLE total (x);
CREATE VIEW v AS SELECT count(*) AS c, 'count' AS s FROM count JOIN "order" ON "order".id = count.n;
CREATE VIEW v2 AS SELECT replace(a, 'replace', 'y') AS r FROM replace;
CREATE VIEW v3 AS SELECT total(total) AS t, sum("order".total) AS s FROM main."order";
CREATE INDEX "ix" ON [order] (`group`);
CREATE TRIGGER tr AFTER INSERT ON count BEGIN INSERT INTO "order" (note) VALUES ('count'); END;
"""

EXPECTED = [
    'CREATE TABLE "__sync_order" (id INTEGER PRIMARY KEY, "group" TEXT, `values` INT,\n'
    "  note TEXT DEFAULT 'order', __sync_total INT)",
    'CREATE TABLE __sync_count (n INTEGER REFERENCES "__sync_order"(id), [note] TEXT)',
    "CREATE TABLE __sync_replace (a)",
    "CREATE TABLE '__sync_strname' (a)",
    "CREATE TABLE __sync_total (x)",
    "CREATE VIEW __sync_v AS SELECT count(*) AS c, 'count' AS s FROM __sync_count "
    'JOIN "__sync_order" ON "__sync_order".id = __sync_count.n',
    "CREATE VIEW __sync_v2 AS SELECT replace(a, 'replace', 'y') AS r FROM __sync_replace",
    'CREATE VIEW __sync_v3 AS SELECT total(__sync_total) AS t, sum("__sync_order".__sync_total) '
    'AS s FROM main."__sync_order"',
    'CREATE INDEX "__sync_ix" ON [__sync_order] (`group`)',
    'CREATE TRIGGER __sync_tr AFTER INSERT ON __sync_count BEGIN INSERT INTO "__sync_order" '
    "(note) VALUES ('count'); END",
]


def rewritten(text: str) -> list[str]:
    defs = parse_definitions(text, ignore_filter())
    names = {d.key for d in defs}
    return [rewrite_names(d.sql, d.tokens, names, d.name_token) for d in defs]


def test_rewrite_names_tricky_statements() -> None:
    assert rewritten(SCHEMA) == EXPECTED


def test_strip_prefix_round_trip() -> None:
    defs = parse_definitions(SCHEMA, ignore_filter())
    names = {d.key for d in defs}
    assert [strip_prefix(s, names) for s in EXPECTED] == [d.sql for d in defs]


def test_rewritten_statements_run_on_sqlite_next_to_the_originals() -> None:
    con = sqlite3.connect(":memory:")
    con.executescript(SCHEMA)
    for sql in EXPECTED:
        con.execute(sql)
    con.execute("INSERT INTO __sync_count (n) VALUES (1)")
    assert con.execute('SELECT id, note FROM "__sync_order"').fetchall() == [(1, "count")]
    assert con.execute('SELECT count(*) FROM "order"').fetchone() == (0,)
    assert con.execute("SELECT c, s FROM __sync_v").fetchall() == [(1, "count")]
    # What SQLite stores for the copies un-prefixes to exactly the user's statements.
    stored = con.execute(
        "SELECT sql FROM sqlite_schema WHERE name LIKE '\\_\\_sync\\_%' ESCAPE '\\' ORDER BY rowid"
    ).fetchall()
    defs = parse_definitions(SCHEMA, ignore_filter())
    assert [strip_prefix(s, {d.key for d in defs}) for (s,) in stored] == [d.sql for d in defs]


def test_keywords_used_as_names() -> None:
    text = (
        "CREATE TABLE key (a);\n"
        "CREATE TABLE action (a);\n"
        "CREATE VIEW v AS SELECT key.a, action.a AS b FROM key JOIN action ON key.a = action.a;\n"
        "CREATE TRIGGER tr AFTER UPDATE ON key BEGIN UPDATE action SET a = 1; END;"
    )
    assert rewritten(text) == [
        "CREATE TABLE __sync_key (a)",
        "CREATE TABLE __sync_action (a)",
        "CREATE VIEW __sync_v AS SELECT __sync_key.a, __sync_action.a AS b FROM __sync_key "
        "JOIN __sync_action ON __sync_key.a = __sync_action.a",
        "CREATE TRIGGER __sync_tr AFTER UPDATE ON __sync_key BEGIN UPDATE __sync_action "
        "SET a = 1; END",
    ]


def test_rewrite_with_offsets_from_a_larger_script() -> None:
    text = "CREATE TABLE a (x);\n\n  CREATE INDEX i ON a (x) -- c"
    defs = parse_definitions(text, ignore_filter())
    assert defs[1].tokens[0].start > 0
    assert rewrite_names(defs[1].sql, defs[1].tokens, {"a", "i"}, defs[1].name_token) == (
        "CREATE INDEX __sync_i ON __sync_a (x) -- c"
    )


def test_strip_prefix_leaves_other_text_alone() -> None:
    names = {"t", "c", "w", "x", "y", "z"}
    sql = "CREATE TABLE t (a DEFAULT 'x__sync_', b DEFAULT '__sync_t') -- __sync_c"
    assert strip_prefix(sql, names) == sql
    assert strip_prefix("SELECT \"__SYNC_x\", [__sync_y], `__sync_z`, '__sync_w'", names) == (
        "SELECT \"x\", [y], `z`, '__sync_w'"
    )
    # only names of scratch objects lose the prefix; a column "__sync_q" keeps it
    assert strip_prefix("CREATE TABLE '__sync_t' (\"__sync_q\")", names) == (
        "CREATE TABLE 't' (\"__sync_q\")"
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("no such table: __sync_scratch.__sync_t", "no such table: t"),
        ('no such column: "__sync_scratch".__SYNC_t.x', "no such column: t.x"),
        ("UNIQUE constraint failed: __sync_t.a", "UNIQUE constraint failed: t.a"),
        ("plain message", "plain message"),
    ],
)
def test_unprefix_message(message: str, expected: str) -> None:
    assert unprefix_message(message) == expected


def test_keyword_column_named_like_a_table_stays_consistent() -> None:
    text = 'CREATE TABLE key (a); CREATE TABLE t ("key" TEXT); CREATE VIEW v AS SELECT key FROM t;'
    con = sqlite3.connect(":memory:")
    for sql in rewritten(text):
        con.execute(sql)
    assert con.execute("SELECT * FROM __sync_v").fetchall() == []


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE t (a, b)",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '' COLLATE NOCASE, "
        "score REAL CHECK (score >= 0), UNIQUE (name, id))",
        "CREATE TABLE t (a INT, b INT AS (a + 1), c GENERATED ALWAYS AS (a * 2) STORED, d)",
        'CREATE TABLE main."t t" ("a b" DECIMAL(10, 2), [c] DEFAULT (CAST(1 AS TEXT)), `d`)',
        "CREATE TABLE t (a REFERENCES u (x) ON DELETE CASCADE, b, CONSTRAINT pk PRIMARY KEY (a))",
        "CREATE TABLE t (a, b, PRIMARY KEY (a) CHECK (b > 0) FOREIGN KEY (b) REFERENCES u)",
        "CREATE TABLE t (a -- a comment, with a comma\n, /* ( */ b PRIMARY KEY) WITHOUT ROWID",
        "CREATE TABLE t (key TEXT, value TEXT, rowid INT) STRICT",
    ],
)
def test_settable_columns_are_the_parsers_columns_that_are_not_generated(sql: str) -> None:
    # The trigger checks read a table's columns from its tokens (no DDL parser on a plan that
    # finds nothing to do): the same columns the parser reads.
    from inline_sync.ddl import parse_table
    from inline_sync.scratch import settable_columns

    sqlite3.connect(":memory:").execute(sql.replace("REFERENCES u", "REFERENCES t"))  # valid
    expected = [c.name for c in parse_table(sql).columns if c.generated is None]
    assert settable_columns(sql) == expected


def test_shadow_names_by_module() -> None:
    """SQLite's own modules: only their fixed suffixes (and what SQLite lists) are shadow
    tables; another module: any undeclared table named after its table."""
    rows = [
        ("table", "docs", "docs", "CREATE VIRTUAL TABLE docs USING FTS5(body)"),
        ("table", "docs_data", "docs_data", "CREATE TABLE 'docs_data'(id, block)"),
        ("table", "docs_meta", "docs_meta", "CREATE TABLE docs_meta (k)"),
        ("table", "Geo", "Geo", "CREATE VIRTUAL TABLE Geo USING rtree_i32(id, a, b)"),
        ("table", "geo_node", "geo_node", 'CREATE TABLE "geo_node"(nodeno, data)'),
        ("table", "v", "v", "CREATE VIRTUAL TABLE v USING vec0(e float[4])"),
        ("table", "v_chunks", "v_chunks", 'CREATE TABLE "v_chunks"(x)'),
        ("table", "v_mine", "v_mine", "CREATE TABLE v_mine (x)"),
    ]
    assert shadow_names(rows, {"v_mine"}, set()) == {"docs_data", "geo_node", "v_chunks"}
    assert shadow_names(rows, {"v_mine"}, {"docs_meta", "gone"}) == {
        "docs_data", "docs_meta", "geo_node", "v_chunks"
    }  # fmt: skip
    assert shadow_names(rows[:3], set(), set()) == {"docs_data"}
    assert shadow_names(rows[1:3], set(), set()) == set()


def test_rename_tables_in_renames_where_a_tables_name_stands_only() -> None:
    trigger = (
        "CREATE TRIGGER t AFTER UPDATE OF t ON t WHEN new.t > old.t BEGIN "
        "INSERT INTO log SELECT t, t.t, count(t), t(1) FROM 't', main.t AS x, t INDEXED BY ix "
        "WHERE x IN t; UPDATE t SET t = t.t + 1 WHERE t.rowid = new.rowid; END"
    )
    assert rename_tables_in(trigger, {"t": "u"}) == (
        'CREATE TRIGGER t AFTER UPDATE OF t ON "u" WHEN new.t > old.t BEGIN '
        'INSERT INTO log SELECT t, "u".t, count(t), t(1) FROM "u", main."u" AS x, "u" INDEXED '
        'BY ix WHERE x IN "u"; UPDATE "u" SET t = "u".t + 1 WHERE "u".rowid = new.rowid; END'
    )
    index = "CREATE UNIQUE INDEX /* t */ t ON [T] (t, t + 1) WHERE t > 0"
    assert rename_tables_in(index, {"t": "new name"}) == (
        'CREATE UNIQUE INDEX /* t */ t ON "new name" (t, t + 1) WHERE t > 0'
    )
