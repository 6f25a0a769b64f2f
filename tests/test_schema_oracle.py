"""Self-tests of the schema oracle (tests/schema_oracle.py); they do not use inline_sync."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import apsw
import pytest
from schema_oracle import (
    assert_same_schema,
    describe,
    executescript,
    normalize_sql,
    parse_table_extras,
    rows,
    tokenize,
)


def _sqlite3() -> Any:
    return sqlite3.connect(":memory:", isolation_level=None)


def _apsw() -> Any:
    return apsw.Connection(":memory:")


CLIENTS: list[Any] = [
    pytest.param(_sqlite3, id="sqlite3"),
    pytest.param(_apsw, id="apsw"),
]

Factory = Callable[[], Any]


def _db(factory: Factory, ddl: str) -> Any:
    conn = factory()
    executescript(conn, ddl)
    return conn


def _diff(factory: Factory, ddl_a: str, ddl_b: str) -> str:
    with pytest.raises(AssertionError) as info:
        assert_same_schema(_db(factory, ddl_a), _db(factory, ddl_b))
    return str(info.value)


def test_tokenizer_handles_quotes_and_comments() -> None:
    sql = """CREATE TABLE "a b" ( -- comment 'x'
      [c] `d` 'it''s' x'AbC' /* block "y" */ 1.5e3 == "q""r"
    );"""
    assert tokenize(sql) == [
        ("word", "create"),
        ("word", "table"),
        ("ident", "a b"),
        ("op", "("),
        ("ident", "c"),
        ("ident", "d"),
        ("str", "'it''s'"),
        ("blob", "x'abc'"),
        ("num", "1.5e3"),
        ("op", "="),
        ("ident", 'q"r'),
        ("op", ")"),
        ("op", ";"),
    ]


def test_normalize_sql() -> None:
    assert normalize_sql('CREATE  VIEW "V" AS select  1 -- x\n') == "create view v as select 1"
    assert normalize_sql("create view if not exists v as select 'A'") == (
        "create view v as select 'A'"
    )
    assert normalize_sql('CREATE TABLE "user accounts"(a)') == 'create table "user accounts" ( a )'
    assert normalize_sql("select 'A'") != normalize_sql("select 'a'")


def test_parse_table_extras() -> None:
    extras = parse_table_extras(
        """CREATE TABLE t (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          a TEXT COLLATE nocase CHECK (a <> 'x' COLLATE binary),
          g INT GENERATED ALWAYS AS (id + 1) STORED,
          CONSTRAINT c1 CHECK (id > 0)
        )"""
    )
    assert extras == {
        "checks": ["a != 'x' collate binary", "id > 0"],
        "collations": {"a": "NOCASE"},
        "generated": {"g": "id + 1"},
        "autoincrement": True,
    }


@pytest.mark.parametrize("factory", CLIENTS)
@pytest.mark.parametrize(
    "ddl",
    [
        "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL DEFAULT 'x' UNIQUE);"
        "CREATE INDEX i ON t(b) WHERE b > 'a';"
        "CREATE VIEW v AS SELECT * FROM t;"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;",
        "CREATE TABLE p (id INTEGER PRIMARY KEY);"
        "CREATE TABLE c (x INTEGER REFERENCES p(id) ON DELETE CASCADE, y ANY) STRICT;"
        "CREATE TABLE w (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;",
    ],
)
def test_same_ddl_is_same_schema(factory: Factory, ddl: str) -> None:
    assert_same_schema(_db(factory, ddl), _db(factory, ddl))


@pytest.mark.parametrize("factory", CLIENTS)
def test_cosmetic_differences_are_ignored(factory: Factory) -> None:
    a = """CREATE TABLE "T" ("A" integer, b text CHECK (b != ''), UNIQUE (a), UNIQUE (b));
           CREATE INDEX "I" ON "T" ("A");
           CREATE VIEW v AS SELECT a FROM t;"""
    b = """create table t (
             a INTEGER UNIQUE,  -- a comment
             B TEXT UNIQUE,
             CHECK (b <> '')
           );
           CREATE INDEX IF NOT EXISTS i ON t(a);
           CREATE VIEW v AS
             SELECT a   FROM t;"""
    assert_same_schema(_db(factory, a), _db(factory, b))


@pytest.mark.parametrize("factory", CLIENTS)
def test_alter_add_column_equals_fresh(factory: Factory) -> None:
    altered = _db(
        factory, "CREATE TABLE t (a INTEGER); ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x';"
    )
    fresh = _db(factory, "CREATE TABLE t (a INTEGER, b TEXT DEFAULT 'x')")
    assert_same_schema(altered, fresh)


def test_set_not_null_appended_constraint_is_equivalent() -> None:
    altered = _apsw()
    executescript(altered, "CREATE TABLE t (a INTEGER DEFAULT 1 CHECK (a > 0))")
    try:
        executescript(altered, "ALTER TABLE t ALTER COLUMN a SET NOT NULL")
    except Exception:
        pytest.skip("this SQLite has no ALTER COLUMN SET NOT NULL")
    fresh = _db(_apsw, "CREATE TABLE t (a INTEGER NOT NULL DEFAULT 1, CHECK (a > 0))")
    assert_same_schema(altered, fresh)


@pytest.mark.parametrize("factory", CLIENTS)
@pytest.mark.parametrize(
    ("ddl_a", "ddl_b", "expected"),
    [
        ("CREATE TABLE t (a INTEGER)", "CREATE TABLE t (a TEXT)", "tables.t.columns[0].type"),
        ("CREATE TABLE t (a INTEGER)", "CREATE TABLE t (a INTEGER NOT NULL)", "columns[0].notnull"),
        ("CREATE TABLE t (a, b)", "CREATE TABLE t (b, a)", "tables.t.columns[0].name"),
        ("CREATE TABLE t (a DEFAULT 1)", "CREATE TABLE t (a DEFAULT 2)", "columns[0].default"),
        ("CREATE TABLE t (a CHECK (a > 0))", "CREATE TABLE t (a CHECK (a > 1))", "checks"),
        ("CREATE TABLE t (a TEXT)", "CREATE TABLE t (a TEXT COLLATE NOCASE)", "collations"),
        ("CREATE TABLE t (a UNIQUE)", "CREATE TABLE t (a)", "auto_indexes"),
        ("CREATE TABLE t (a INTEGER PRIMARY KEY)", "CREATE TABLE t (a INTEGER)", "columns"),
        (
            "CREATE TABLE t (a INTEGER PRIMARY KEY)",
            "CREATE TABLE t (a INTEGER PRIMARY KEY AUTOINCREMENT)",
            "autoincrement",
        ),
        (
            "CREATE TABLE t (a INT PRIMARY KEY) STRICT",
            "CREATE TABLE t (a INT PRIMARY KEY)",
            "strict",
        ),
        (
            "CREATE TABLE t (a INT PRIMARY KEY) WITHOUT ROWID",
            "CREATE TABLE t (a INT PRIMARY KEY)",
            "without_rowid",
        ),
        (
            "CREATE TABLE t (a, g AS (a + 1))",
            "CREATE TABLE t (a, g AS (a + 2))",
            "generated",
        ),
        (
            "CREATE TABLE t (a, g AS (a + 1) VIRTUAL)",
            "CREATE TABLE t (a, g AS (a + 1) STORED)",
            "columns[1].hidden",
        ),
        (
            "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (x REFERENCES p(id))",
            "CREATE TABLE p (id INTEGER PRIMARY KEY);"
            "CREATE TABLE c (x REFERENCES p(id) ON DELETE CASCADE)",
            "foreign_keys",
        ),
        (
            "CREATE TABLE t (a); CREATE INDEX i ON t(a)",
            "CREATE TABLE t (a)",
            "indexes.i: only in A",
        ),
        (
            "CREATE TABLE t (a); CREATE INDEX i ON t(a)",
            "CREATE TABLE t (a); CREATE UNIQUE INDEX i ON t(a)",
            "indexes.i",
        ),
        (
            "CREATE TABLE t (a); CREATE INDEX i ON t(a) WHERE a > 0",
            "CREATE TABLE t (a); CREATE INDEX i ON t(a) WHERE a > 1",
            "indexes.i.sql",
        ),
        (
            "CREATE TABLE t (a); CREATE VIEW v AS SELECT 'x' FROM t",
            "CREATE TABLE t (a); CREATE VIEW v AS SELECT 'X' FROM t",
            "views.v.sql",
        ),
        (
            "CREATE TABLE t (a); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
            "CREATE TABLE t (a); CREATE TRIGGER tr BEFORE INSERT ON t BEGIN SELECT 1; END",
            "triggers.tr.sql",
        ),
        ("CREATE TABLE t (a)", "CREATE TABLE u (a)", "tables.t: only in A"),
    ],
)
def test_differences_are_reported(factory: Factory, ddl_a: str, ddl_b: str, expected: str) -> None:
    message = _diff(factory, ddl_a, ddl_b)
    assert expected in message, message
    assert message.startswith("schemas differ")


@pytest.mark.parametrize("factory", CLIENTS)
def test_broken_view_is_reported(factory: Factory) -> None:
    broken = _db(factory, "CREATE TABLE t (a, b); CREATE VIEW v AS SELECT b FROM t")
    executescript(broken, "PRAGMA legacy_alter_table = ON; ALTER TABLE t RENAME TO u;")
    executescript(broken, "CREATE TABLE t (a)")
    good = _db(
        factory, "CREATE TABLE u (a, b); CREATE TABLE t (a, b); CREATE VIEW v AS SELECT b FROM t"
    )
    with pytest.raises(AssertionError, match=r"views\.v\.columns"):
        assert_same_schema(broken, good)


@pytest.mark.parametrize("factory", CLIENTS)
def test_shadow_and_internal_tables_are_ignored(factory: Factory) -> None:
    conn = _db(factory, "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a)")
    executescript(conn, "INSERT INTO t (a) VALUES (1); ANALYZE;")
    try:
        executescript(conn, "CREATE VIRTUAL TABLE f USING fts5(body)")
    except Exception:
        pytest.skip("no fts5 in this SQLite")
    names = {r[0] for r in rows(conn, "SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert {"sqlite_sequence", "sqlite_stat1", "f_data"} <= names
    described = describe(conn)
    assert set(described["tables"]) == {"t", "f"}
    assert described["tables"]["f"]["type"] == "virtual"
