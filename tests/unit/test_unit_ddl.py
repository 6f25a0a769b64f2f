"""Unit tests of inline_sync.ddl: CREATE statements parsed into the schema models."""

from __future__ import annotations

import sqlite3

import pytest

from inline_sync.ddl import (
    ParseError,
    parse_index,
    parse_table,
    parse_trigger,
    parse_view,
    parse_virtual_table,
)
from inline_sync.models import Check, Column, ForeignKey, IndexedColumn, KeyConstraint

BIG = """CREATE TABLE IF NOT EXISTS main."My T" (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  a VARCHAR(10) NOT NULL ON CONFLICT REPLACE DEFAULT 'x' COLLATE NoCase,
  b REAL DEFAULT -1.5 CHECK (b > 0),
  c INT DEFAULT +3,
  d TEXT DEFAULT (lower('A')),
  e DEFAULT CURRENT_TIMESTAMP,
  f INTEGER GENERATED ALWAYS AS (b * 2) STORED,
  g AS (a || 'z'),
  h INTEGER CONSTRAINT u_h UNIQUE ON CONFLICT IGNORE,
  i INTEGER REFERENCES p(id) ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED,
  j BLOB NULL DEFAULT x'aa',
  CONSTRAINT chk_a CHECK (length(a) < 5),
  UNIQUE (a COLLATE binary, b DESC),
  FOREIGN KEY (c, d) REFERENCES q (x, y) MATCH FULL ON DELETE NO ACTION NOT DEFERRABLE
)"""


def test_big_table_columns() -> None:
    t = parse_table(BIG)
    assert t.name == "My T"
    assert t.key == "my t"
    assert t.sql == BIG
    assert (t.strict, t.without_rowid) == (False, False)
    assert t.columns == (
        Column(
            "id", "integer", sql="id INTEGER PRIMARY KEY AUTOINCREMENT", has_key_constraint=True
        ),
        Column(
            "a",
            "varchar ( 10 )",
            True,
            "REPLACE",
            "'x'",
            "nocase",
            sql="a VARCHAR(10) NOT NULL ON CONFLICT REPLACE DEFAULT 'x' COLLATE NoCase",
        ),
        Column(
            "b", "real", default="- 1.5", sql="b REAL DEFAULT -1.5 CHECK (b > 0)", checks=("b > 0",)
        ),
        Column("c", "int", default="+ 3", sql="c INT DEFAULT +3"),
        Column("d", "text", default="( lower ( 'A' ) )", sql="d TEXT DEFAULT (lower('A'))"),
        Column("e", "", default="current_timestamp", sql="e DEFAULT CURRENT_TIMESTAMP"),
        Column(
            "f",
            "integer",
            generated="b * 2",
            stored=True,
            sql="f INTEGER GENERATED ALWAYS AS (b * 2) STORED",
        ),
        Column("g", "", generated="a || 'z'", sql="g AS (a || 'z')"),
        Column(
            "h",
            "integer",
            sql="h INTEGER CONSTRAINT u_h UNIQUE ON CONFLICT IGNORE",
            has_key_constraint=True,
        ),
        Column(
            "i",
            "integer",
            references=True,
            sql="i INTEGER REFERENCES p(id) ON DELETE CASCADE ON UPDATE SET NULL "
            "DEFERRABLE INITIALLY DEFERRED",
        ),
        Column("j", "blob", default="x'AA'", sql="j BLOB NULL DEFAULT x'aa'"),
    )


def test_big_table_constraints() -> None:
    t = parse_table(BIG)
    assert t.primary_key == KeyConstraint((IndexedColumn("id"),), "", True)
    assert t.autoincrement is True
    assert t.rowid_alias() == "id"
    assert t.uniques == (
        KeyConstraint((IndexedColumn("a", "binary"), IndexedColumn("b", "", True))),
        KeyConstraint((IndexedColumn("h"),), "IGNORE", name="u_h"),
    )
    assert t.checks == (
        Check("b > 0", "", "CHECK (b > 0)"),
        Check("length ( a ) < 5", "chk_a", "CONSTRAINT chk_a CHECK (length(a) < 5)"),
    )
    assert t.foreign_keys == (
        ForeignKey(("c", "d"), "q", ("x", "y"), "NO ACTION", "NO ACTION", "FULL", "NOT DEFERRABLE"),
        ForeignKey(
            ("i",), "p", ("id",), "CASCADE", "SET NULL", "", "DEFERRABLE INITIALLY DEFERRED"
        ),
    )
    assert t.column("A") is t.columns[1]
    assert t.column("nope") is None


def test_big_table_is_valid_sqlite() -> None:
    con = sqlite3.connect(":memory:")
    con.execute(BIG)
    assert [r[1] for r in con.execute('PRAGMA table_xinfo("My T")')] == [
        c.name for c in parse_table(BIG).columns
    ]


@pytest.mark.parametrize(
    ("default_sql", "expected"),
    [
        ("DEFAULT 1", "1"),
        ("DEFAULT -1", "- 1"),
        ("DEFAULT - 1", "- 1"),
        ("DEFAULT +0.5", "+ 0.5"),
        ("DEFAULT 'a''b'", "'a''b'"),
        ("DEFAULT NULL", "null"),
        ("DEFAULT TRUE", "true"),
        ("DEFAULT CURRENT_DATE", "current_date"),
        ("DEFAULT (1 + 2)", "( 1 + 2 )"),
        ("DEFAULT ((strftime('%s','now')))", "( ( strftime ( '%s' , 'now' ) ) )"),
        ("DEFAULT X'0a'", "x'0A'"),
        ("DEFAULT 0x10", "0x10"),
        ("", None),
    ],
)
def test_default_forms(default_sql: str, expected: str | None) -> None:
    col = parse_table(f"CREATE TABLE t (a TEXT {default_sql} NOT NULL)").columns[0]
    assert col.default == expected
    assert col.not_null is True


def test_types_and_names() -> None:
    t = parse_table(
        'CREATE TABLE t ("Quoted Name" DOUBLE PRECISION, [b] DECIMAL(10, 2), `c` "TEXT", d,'
        " e UNSIGNED BIG INT)"
    )
    assert [(c.name, c.type) for c in t.columns] == [
        ("Quoted Name", "double precision"),
        ("b", "decimal ( 10 , 2 )"),
        ("c", "text"),
        ("d", ""),
        ("e", "unsigned big int"),
    ]
    assert t.columns[0].sql == '"Quoted Name" DOUBLE PRECISION'


def test_column_collate_and_not_null_conflicts() -> None:
    t = parse_table(
        'CREATE TABLE t (a NOT NULL, b NOT NULL ON CONFLICT ABORT, c COLLATE "NOCASE",'
        " d NULL ON CONFLICT FAIL)"
    )
    assert [(c.not_null, c.not_null_conflict, c.collate) for c in t.columns] == [
        (True, "", None),
        (True, "ABORT", None),
        (False, "", "nocase"),
        (False, "", None),
    ]


def test_generated_columns() -> None:
    t = parse_table(
        "CREATE TABLE t (a, b AS (a + 1) VIRTUAL, c GENERATED ALWAYS AS (a*2) STORED,"
        " d INT AS (abs(a)) NOT NULL)"
    )
    assert [(c.name, c.generated, c.stored, c.not_null) for c in t.columns] == [
        ("a", None, False, False),
        ("b", "a + 1", False, False),
        ("c", "a * 2", True, False),
        ("d", "abs ( a )", False, True),
    ]


def test_column_level_key_constraints() -> None:
    t = parse_table(
        "CREATE TABLE t (a TEXT PRIMARY KEY ON CONFLICT ROLLBACK, b UNIQUE, c CHECK (c <> ''),"
        " d CONSTRAINT named CHECK (d > 0) CHECK (d < 9))"
    )
    assert t.primary_key == KeyConstraint((IndexedColumn("a"),), "ROLLBACK")
    assert t.uniques == (KeyConstraint((IndexedColumn("b"),)),)
    assert [c.has_key_constraint for c in t.columns] == [True, True, False, False]
    assert t.column("c").checks == ("c != ''",)  # type: ignore[union-attr]
    assert t.column("d").checks == ("d > 0", "d < 9")  # type: ignore[union-attr]
    assert t.checks == (
        Check("c != ''", "", "CHECK (c <> '')"),
        Check("d < 9", "", "CHECK (d < 9)"),
        Check("d > 0", "named", "CONSTRAINT named CHECK (d > 0)"),
    )
    assert t.rowid_alias() is None  # TEXT primary key


def test_composite_primary_key_with_collate_and_desc() -> None:
    t = parse_table(
        'CREATE TABLE t (a, b, c, PRIMARY KEY (a COLLATE NOCASE, "B" DESC, c ASC) '
        "ON CONFLICT IGNORE)"
    )
    assert t.primary_key == KeyConstraint(
        (IndexedColumn("a", "nocase"), IndexedColumn("b", "", True), IndexedColumn("c")),
        "IGNORE",
    )
    assert t.rowid_alias() is None
    assert t.autoincrement is False


@pytest.mark.parametrize(
    ("fk_sql", "expected"),
    [
        ("REFERENCES p", ForeignKey(("x",), "p", ())),
        ('REFERENCES "P" ("Id")', ForeignKey(("x",), "p", ("id",))),
        (
            "REFERENCES p ON DELETE SET DEFAULT ON UPDATE RESTRICT",
            ForeignKey(("x",), "p", (), "SET DEFAULT", "RESTRICT"),
        ),
        (
            "REFERENCES p ON UPDATE NO ACTION ON DELETE SET NULL",
            ForeignKey(("x",), "p", (), "SET NULL", "NO ACTION"),
        ),
        ("REFERENCES p MATCH SIMPLE", ForeignKey(("x",), "p", (), match="SIMPLE")),
    ],
)
def test_foreign_key_forms(fk_sql: str, expected: ForeignKey) -> None:
    column_level = parse_table(f"CREATE TABLE t (x INTEGER {fk_sql} NOT NULL)")
    assert column_level.foreign_keys == (expected,)
    assert column_level.columns[0].references is True
    assert column_level.columns[0].not_null is True
    table_level = parse_table(f"CREATE TABLE t (x INTEGER NOT NULL, FOREIGN KEY (x) {fk_sql})")
    assert table_level.foreign_keys == (expected,)
    assert table_level.columns[0].references is False


DEFERRABLE_CASES = [
    (
        "REFERENCES p NOT DEFERRABLE INITIALLY IMMEDIATE",
        ForeignKey(("x",), "p", (), deferrable="NOT DEFERRABLE INITIALLY IMMEDIATE"),
    ),
    ("REFERENCES p DEFERRABLE", ForeignKey(("x",), "p", (), deferrable="DEFERRABLE")),
    (
        "REFERENCES p DEFERRABLE INITIALLY DEFERRED",
        ForeignKey(("x",), "p", (), deferrable="DEFERRABLE INITIALLY DEFERRED"),
    ),
]


@pytest.mark.parametrize(("fk_sql", "expected"), DEFERRABLE_CASES)
def test_foreign_key_deferrable(fk_sql: str, expected: ForeignKey) -> None:
    column_level = parse_table(f"CREATE TABLE t (x INTEGER {fk_sql}, y)")
    assert column_level.foreign_keys == (expected,)
    table_level = parse_table(f"CREATE TABLE t (x INTEGER NOT NULL, FOREIGN KEY (x) {fk_sql})")
    assert table_level.foreign_keys == (expected,)
    assert table_level.columns[0].not_null is True


@pytest.mark.parametrize(("fk_sql", "expected"), DEFERRABLE_CASES)
def test_foreign_key_deferrable_then_not_null(fk_sql: str, expected: ForeignKey) -> None:
    sql = f"CREATE TABLE t (x INTEGER {fk_sql} NOT NULL)"
    con = sqlite3.connect(":memory:")
    con.execute(sql)
    assert con.execute("PRAGMA table_info(t)").fetchone()[3] == 1  # SQLite: NOT NULL
    t = parse_table(sql)
    assert t.foreign_keys == (expected,)
    assert t.columns[0].not_null is True


def test_strict_and_without_rowid() -> None:
    t = parse_table("CREATE TABLE t (a INT PRIMARY KEY) STRICT, WITHOUT ROWID")
    assert (t.strict, t.without_rowid) == (True, True)
    t = parse_table("CREATE TABLE t (a INTEGER PRIMARY KEY) without rowid")
    assert (t.strict, t.without_rowid) == (False, True)
    assert t.rowid_alias() is None
    t = parse_table("create table t (a) strict")
    assert (t.strict, t.without_rowid) == (True, False)


# --------------------------------------------------------------------------- rowid alias


ROWID_CASES = [
    ("CREATE TABLE t (id INTEGER PRIMARY KEY, v)", "id"),
    ("CREATE TABLE t (id integer primary key asc, v)", "id"),
    ("CREATE TABLE t (id INTEGER PRIMARY KEY DESC, v)", None),
    ("CREATE TABLE t (id INTEGER, v, PRIMARY KEY (id DESC))", "id"),
    ("CREATE TABLE t (id INTEGER, v, PRIMARY KEY (id))", "id"),
    ("CREATE TABLE t (id INT PRIMARY KEY, v)", None),
    ("CREATE TABLE t (id INTEGER(8) PRIMARY KEY, v)", None),
    ('CREATE TABLE t ("ID" "INTEGER" PRIMARY KEY, v)', "id"),
    ("CREATE TABLE t (id INTEGER PRIMARY KEY ON CONFLICT REPLACE, v)", "id"),
    ("CREATE TABLE t (id INTEGER, v, PRIMARY KEY (id, v))", None),
    ("CREATE TABLE t (id, v)", None),
]


@pytest.mark.parametrize(("sql", "alias"), ROWID_CASES)
def test_rowid_alias(sql: str, alias: str | None) -> None:
    assert parse_table(sql).rowid_alias() == alias


@pytest.mark.parametrize(("sql", "alias"), ROWID_CASES)
def test_rowid_alias_agrees_with_sqlite(sql: str, alias: str | None) -> None:
    con = sqlite3.connect(":memory:")
    con.execute(sql)
    con.execute("INSERT INTO t (id, v) VALUES (7, 1)")
    rowid, id_ = con.execute("SELECT rowid, id FROM t").fetchone()
    assert (rowid == id_) == (alias is not None)


def test_table_level_autoincrement() -> None:
    sql = "CREATE TABLE t (id INTEGER, v, PRIMARY KEY (id AUTOINCREMENT))"
    con = sqlite3.connect(":memory:")
    con.execute(sql)  # SQLite accepts it and creates sqlite_sequence
    assert con.execute(
        "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_sequence'"
    ).fetchone() == (1,)
    t = parse_table(sql)
    assert t.primary_key == KeyConstraint((IndexedColumn("id"),), "", True)
    assert t.autoincrement is True
    assert t.rowid_alias() == "id"


# --------------------------------------------------------------------------- equivalences


def test_column_unique_equals_table_unique() -> None:
    a = parse_table("CREATE TABLE t (a UNIQUE, b)")
    b = parse_table('CREATE TABLE t (a, b, UNIQUE ("A"))')
    assert a.uniques == b.uniques
    assert a.table_signature() == b.table_signature()


def test_column_pk_equals_table_pk() -> None:
    a = parse_table("CREATE TABLE t (a INTEGER PRIMARY KEY, b)")
    b = parse_table("CREATE TABLE t (a INTEGER, b, PRIMARY KEY (a))")
    assert a.primary_key == b.primary_key
    assert a.table_signature() == b.table_signature()


def test_column_check_equals_table_check_expression() -> None:
    a = parse_table("CREATE TABLE t (a CHECK (a>0), b)")
    b = parse_table("CREATE TABLE t (a, b, CHECK ( a > 0 ))")
    assert [(c.expression, c.name) for c in a.checks] == [(c.expression, c.name) for c in b.checks]
    assert [(c.expression, c.name) for c in a.checks] == [("a > 0", "")]


def test_unique_and_check_order_does_not_matter() -> None:
    a = parse_table("CREATE TABLE t (a, b, UNIQUE (a), UNIQUE (b), CHECK (a > 0), CHECK (b > 0))")
    b = parse_table("CREATE TABLE t (a, b, CHECK (b > 0), UNIQUE (b), CHECK (a > 0), UNIQUE (a))")
    assert a.uniques == b.uniques
    assert [c.expression for c in a.checks] == [c.expression for c in b.checks]


def test_cosmetic_differences_keep_column_signature() -> None:
    a = parse_table("CREATE TABLE t (A VARCHAR(10) DEFAULT 'x' COLLATE nocase)").columns[0]
    b = parse_table("CREATE TABLE t (\"a\" varchar ( 10 )  default 'x' collate NOCASE)").columns[0]
    assert a.signature() == b.signature()
    assert a.sql != b.sql


def test_signature_without_not_null() -> None:
    a = parse_table("CREATE TABLE t (a INT NOT NULL DEFAULT 1)").columns[0]
    b = parse_table("CREATE TABLE t (a INT DEFAULT 1)").columns[0]
    assert a.signature() != b.signature()
    assert a.signature_without_not_null() == b.signature_without_not_null()
    assert a.signature_without_not_null() == ("a", "int", "1", None, None, False)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "CREATE TABLE t AS SELECT 1",
            "CREATE TABLE … AS SELECT is not supported: declare the columns",
        ),
        ("CREATE TABLE t (a,, b)", "empty column definition"),
        (
            "CREATE TABLE t (a PRIMARY KEY, b PRIMARY KEY)",
            "table 't' has more than one primary key",
        ),
        ("CREATE TABLE t (a PRIMARY)", "expected KEY, found ')'"),
        ("CREATE TABLE t (a PRIMARY, b)", "expected KEY, found ','"),
        ("CREATE TABLE t (a TEXT NOT NULL foo)", "unexpected 'foo' in column 'a'"),
        ("CREATE TABLE t (a) WITHOUT x", "expected ROWID, found 'x'"),
        ("CREATE TABLE t", "unexpected end of statement"),
        ("CREATE TABLE t a", "expected '(', found 'a'"),
        ("CREATE TABLE (a)", "expected a name, found '('"),
        ("CREATE TABLE t (a NOT 1)", "expected NULL, found '1'"),
    ],
)
def test_parse_errors(sql: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_table(sql)
    assert str(info.value) == message


# --------------------------------------------------------------------------- other kinds


def test_parse_index() -> None:
    ix = parse_index(
        'CREATE UNIQUE INDEX IF NOT EXISTS main."Ix" ON "T" (a COLLATE nocase, b DESC) WHERE a > 0'
    )
    assert ix.name == "Ix"
    assert ix.table == "t"
    assert ix.definition == "unique on t ( a collate nocase , b desc ) where a > 0"
    assert ix.names == frozenset({"on", "t", "a", "collate", "nocase", "b", "desc", "where"})
    plain = parse_index("create index ix on t(a)")
    assert (plain.table, plain.definition) == ("t", "on t ( a )")


def test_parse_index_expression() -> None:
    ix = parse_index("CREATE INDEX ix ON t (lower(name), a + 1)")
    assert ix.definition == "on t ( lower ( name ) , a + 1 )"


def test_parse_view() -> None:
    v = parse_view("CREATE VIEW IF NOT EXISTS \"V\" AS SELECT a, 'Lit' FROM t JOIN u USING (id)")
    assert v.name == "V"
    # A view's words keep their case: a result column is named as its expression is written.
    assert v.definition == "AS SELECT a , 'Lit' FROM t JOIN u USING ( id )"
    assert v.names == frozenset({"as", "select", "a", "from", "t", "join", "u", "using", "id"})


def test_parse_trigger() -> None:
    tr = parse_trigger(
        'CREATE TRIGGER tr AFTER UPDATE OF a ON "Items" WHEN new.a > 0 BEGIN '
        "INSERT INTO log VALUES (new.a); END"
    )
    assert tr.name == "tr"
    assert tr.table == "items"
    assert tr.definition == (
        "AFTER UPDATE OF a ON Items WHEN new . a > 0 BEGIN INSERT INTO log VALUES ( new . a ) ; END"
    )
    assert {"items", "log", "new", "a"} <= tr.names


def test_parse_trigger_qualified_table() -> None:
    tr = parse_trigger("CREATE TRIGGER tr INSTEAD OF INSERT ON main.v BEGIN SELECT 1; END")
    assert tr.table == "v"


def test_parse_virtual_table() -> None:
    vt = parse_virtual_table(
        "CREATE VIRTUAL TABLE IF NOT EXISTS main.Ft USING FTS5(a, \"B\", content = 'X')"
    )
    # A column's name keeps its case (it names the result column); an option's is folded.
    assert (vt.name, vt.module, vt.arguments) == ("Ft", "fts5", "a , B , content = 'X'")
    loud = parse_virtual_table("CREATE VIRTUAL TABLE f USING fts5(Body, CONTENT=Docs)")
    assert loud.arguments == "Body , content = docs"
    rtree = parse_virtual_table("CREATE VIRTUAL TABLE r USING rtree(ID, minX, +Aux TEXT)")
    assert rtree.arguments == "ID , minX , + Aux text"
    fts3 = parse_virtual_table("CREATE VIRTUAL TABLE f USING fts3(Body, TOKENIZE Porter)")
    assert fts3.arguments == "Body , tokenize porter"
    other = parse_virtual_table("CREATE VIRTUAL TABLE s USING dbstat(MAIN)")
    assert other.arguments == "main"
    bare = parse_virtual_table("CREATE VIRTUAL TABLE x USING mod")
    assert (bare.name, bare.module, bare.arguments) == ("x", "mod", "")


def test_parse_virtual_table_requires_using() -> None:
    with pytest.raises(ParseError) as info:
        parse_virtual_table("CREATE VIRTUAL TABLE x (a)")
    assert str(info.value) == "expected USING, found '('"


@pytest.mark.parametrize(
    ("body", "with_commas"),
    [
        ("a, b, UNIQUE (a) UNIQUE (b)", "a, b, UNIQUE (a), UNIQUE (b)"),
        ("a, b, UNIQUE (a) CHECK (b > 0)", "a, b, UNIQUE (a), CHECK (b > 0)"),
        ("a, b, CHECK (b > 0) UNIQUE (a)", "a, b, CHECK (b > 0), UNIQUE (a)"),
        (
            "a, b, PRIMARY KEY (a) FOREIGN KEY (b) REFERENCES t (a) UNIQUE (b)",
            "a, b, PRIMARY KEY (a), FOREIGN KEY (b) REFERENCES t (a), UNIQUE (b)",
        ),
        ("a, b, CONSTRAINT dangling", "a, b"),
        (
            "a, b, CONSTRAINT first CONSTRAINT second UNIQUE (a)",
            "a, b, CONSTRAINT second UNIQUE (a)",
        ),
        ("a, b, UNIQUE (a) CONSTRAINT dangling", "a, b, UNIQUE (a)"),
    ],
)
def test_table_constraints_without_commas_between_them(body: str, with_commas: str) -> None:
    """SQLite's grammar lets table constraints follow one another without a comma, and
    accepts a constraint name with no constraint after it (then ignored): a table SQLite
    created this way must be readable, parsed as if the commas were there."""
    sql = f"CREATE TABLE t ({body})"
    sqlite3.connect(":memory:").execute(sql)  # SQLite accepts it
    got, expected = parse_table(sql), parse_table(f"CREATE TABLE t ({with_commas})")
    assert (got.primary_key, got.uniques, got.foreign_keys) == (
        expected.primary_key,
        expected.uniques,
        expected.foreign_keys,
    )
    assert [(c.expression, c.name) for c in got.checks] == [
        (c.expression, c.name) for c in expected.checks
    ]


def test_table_constraint_with_nothing_readable_is_refused() -> None:
    with pytest.raises(ParseError, match="in table constraint"):
        parse_table("CREATE TABLE t (a, UNIQUE (a) NONSENSE)")
