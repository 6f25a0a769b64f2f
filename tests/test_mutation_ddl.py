"""Tests written to kill surviving mutants of ``inline_sync/ddl.py`` (issue 14,
docs/mutation-testing.md). Each names, in its docstring, the mutations it catches.

The parser reads what SQLite stored, for both sides of a sync: what it gets wrong, the diff
gets wrong (a key's order, collation or conflict clause unseen is a change never made)."""

from __future__ import annotations

import pytest
from memory_clients import OPENERS

import inline_sync
from inline_sync.ddl import ParseError, parse_table, parse_virtual_table
from inline_sync.models import IndexedColumn


def test_a_primary_key_list_with_desc_and_autoincrement_keeps_its_order() -> None:
    """``PRIMARY KEY (id DESC AUTOINCREMENT)``: AUTOINCREMENT closes the list, and only it
    is cut off, so the column keeps its DESC (kills the cut made ``tokens[:+1]``, which kept
    the first token alone)."""
    table = parse_table("CREATE TABLE t (id INTEGER, PRIMARY KEY (id DESC AUTOINCREMENT))")
    assert table.primary_key is not None
    assert table.primary_key.columns == (IndexedColumn("id", "", True),)
    assert table.primary_key.autoincrement


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ("a COLLATE nocase DESC", IndexedColumn("a", "nocase", True)),
        ("a COLLATE nocase COLLATE rtrim", IndexedColumn("a", "rtrim", False)),
        ('"a b" COLLATE "NoCase" ASC', IndexedColumn("a b", "nocase", False)),
    ],
)
def test_a_unique_column_with_collate_and_order_is_read_apart(
    columns: str, expected: IndexedColumn
) -> None:
    """In ``UNIQUE (a COLLATE nocase DESC)`` the column's name ends at the first COLLATE or
    ASC/DESC, whichever comes first, and the last COLLATE is the one SQLite uses (kills each
    cut of the name made unconditional: the name then ran on to ``a COLLATE nocase``)."""
    table = parse_table(f'CREATE TABLE t (a, "a b", UNIQUE ({columns}))')
    assert table.uniques[0].columns == (expected,)


@pytest.mark.parametrize("client", list(OPENERS))
def test_a_unique_table_constraint_keeps_its_conflict_clause(client: str) -> None:
    """``UNIQUE (a) ON CONFLICT REPLACE`` as a table constraint: the clause is read (kills it
    left out of the constraint: the parser then stopped at ON), so changing it to IGNORE is
    a change the sync makes, and the rows stay."""
    db, conn = OPENERS[client]()
    before = "CREATE TABLE t (a, UNIQUE (a) ON CONFLICT REPLACE);"
    assert parse_table(before[:-1]).uniques[0].conflict == "REPLACE"
    inline_sync.sync(db, before)
    conn.execute("INSERT INTO t VALUES (1)")
    after = before.replace("REPLACE", "IGNORE")
    assert inline_sync.sync(db, after).status == "synced"
    assert inline_sync.plan(db, after).status == "up-to-date"
    assert "UNIQUE (a) ON CONFLICT IGNORE)" in inline_sync.inspect(db)
    assert [tuple(r) for r in conn.execute("SELECT a FROM t")] == [(1,)]


def test_a_default_named_conflict_after_a_constraint_is_a_default() -> None:
    """``NOT NULL DEFAULT conflict`` (SQLite takes a bare word as a string default): an ON
    CONFLICT clause starts with ON, and the word CONFLICT after another word is not one
    (kills ``_conflict``'s ``and`` made ``or``: DEFAULT conflict was read as a conflict
    clause and the column could not be parsed)."""
    table = parse_table("CREATE TABLE t (a NOT NULL DEFAULT conflict, b UNIQUE DEFAULT conflict)")
    a, b = table.columns
    assert (a.not_null, a.not_null_conflict, a.default) == (True, "", "'conflict'")
    assert (b.default, table.uniques[0].conflict) == ("'conflict'", "")


@pytest.mark.parametrize("client", list(OPENERS))
def test_a_column_is_added_beside_one_whose_default_is_named_conflict(client: str) -> None:
    """The same through a sync that compares the table (kills the same mutation)."""
    db, conn = OPENERS[client]()
    before = "CREATE TABLE t (a NOT NULL DEFAULT conflict);"
    inline_sync.sync(db, before)
    conn.execute("INSERT INTO t DEFAULT VALUES")
    after = "CREATE TABLE t (a NOT NULL DEFAULT conflict, b);"
    assert inline_sync.sync(db, after).status == "synced"
    assert [tuple(r) for r in conn.execute("SELECT a, b FROM t")] == [("conflict", None)]


@pytest.mark.parametrize(
    ("declared", "type_"),
    [("DECIMAL(10, -2)", "decimal ( 10 , - 2 )"), ("TEXT ( +1 )", "text ( + 1 )")],
)
def test_a_type_with_its_size_in_parentheses(declared: str, type_: str) -> None:
    """A type's parentheses hold only signed numbers (SQLite's grammar): read token by token
    as part of the type (normalized), up to the first constraint."""
    assert parse_table(f"CREATE TABLE t (a {declared} NOT NULL)").columns[0].type == type_


def test_a_constraint_name_alone_is_no_column() -> None:
    """``CONSTRAINT x`` with nothing after it: SQLite accepts and ignores it (even spelt
    ``constraint int``), and it is no column (kills the two-token part not taken for a table
    constraint: it was read as a column named CONSTRAINT)."""
    for body in ("a, CONSTRAINT x", "a, constraint int", "a, CONSTRAINT x CONSTRAINT y"):
        assert [c.name for c in parse_table(f"CREATE TABLE t ({body})").columns] == ["a"]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("CREATE TABLE t (a REFERENCES p ON x)", "expected DELETE or UPDATE or INSERT, found 'x'"),
        ("CREATE TABLE t )", "expected '(', found ')'"),
    ],
)
def test_what_the_parser_cannot_read_it_says(sql: str, message: str) -> None:
    """A ParseError says what was expected and what was found (kills the words joined
    otherwise, and ``expect_op`` accepting another operator)."""
    with pytest.raises(ParseError) as caught:
        parse_table(sql)
    assert str(caught.value) == message


def test_names_written_as_strings_are_read_without_their_quotes() -> None:
    """SQLite accepts a name written as a string (``CREATE TABLE 'it''s'``, ``REFERENCES
    'p'``) and stores it so: the name is the string's text, its doubled quotes undone
    (kills the string case of ``_Cursor.name`` never taken, or cutting one character too
    many or too few, or undoing the quotes otherwise)."""
    table = parse_table("CREATE TABLE 'it''s' (a REFERENCES 'p''q' (b))")
    assert table.name == "it's"
    assert table.foreign_keys[0].table == "p'q"
    assert parse_table("CREATE TABLE 'x' (a)").name == "x"


@pytest.mark.parametrize(
    ("clauses", "on_delete", "on_update"),
    [
        ("ON INSERT CASCADE", "NO ACTION", "NO ACTION"),
        ("ON INSERT SET NULL ON DELETE CASCADE", "CASCADE", "NO ACTION"),
        ("ON UPDATE SET DEFAULT ON INSERT NO ACTION", "NO ACTION", "SET DEFAULT"),
        ("MATCH FULL ON UPDATE RESTRICT ON DELETE SET NULL", "SET NULL", "RESTRICT"),
    ],
)
def test_an_on_insert_clause_is_read_and_ignored_as_sqlite_does(
    clauses: str, on_delete: str, on_update: str
) -> None:
    """SQLite parses ``ON INSERT action`` in a foreign key and ignores it; the actions around
    it are read (it was refused: "expected DELETE or UPDATE", and the sync with it)."""
    (fk,) = parse_table(f"CREATE TABLE t (a REFERENCES p {clauses})").foreign_keys
    assert (fk.on_delete, fk.on_update) == (on_delete, on_update)


def test_a_key_column_in_parentheses_is_the_column() -> None:
    """``UNIQUE (((a)) COLLATE NOCASE, (b) DESC)`` is a key on a and b for SQLite (an
    expression is refused there): the parser reads the names through the parentheses (kills
    the first token taken for the name; it was read as "( ( a ) )")."""
    (key,) = parse_table("CREATE TABLE t (a, b, UNIQUE (((a)) COLLATE NOCASE, (b) DESC))").uniques
    assert key.columns == (IndexedColumn("a", "nocase", False), IndexedColumn("b", "", True))
    assert parse_table("CREATE TABLE t (id INTEGER, PRIMARY KEY ((id)))").rowid_alias() == "id"


@pytest.mark.parametrize("client", list(OPENERS))
def test_a_key_written_with_parentheses_is_the_same_key(client: str) -> None:
    """The same UNIQUE and PRIMARY KEY written with and without parentheses around their
    columns: nothing to change (it was a rebuild, "UNIQUE constraints change")."""
    db, conn = OPENERS[client]()
    plain = "CREATE TABLE t (id INTEGER, a TEXT, PRIMARY KEY (id), UNIQUE (a COLLATE NOCASE));"
    inline_sync.sync(db, plain)
    conn.execute("INSERT INTO t VALUES (5, 'x')")
    wrapped = plain.replace("(id)", "((id))").replace("(a COLLATE", "(((a)) COLLATE")
    assert inline_sync.plan(db, wrapped).status == "up-to-date"
    assert inline_sync.sync(db, wrapped, force=True).status == "up-to-date"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("UNIQUE (desc)", IndexedColumn("desc", "", False)),
        ("UNIQUE (asc DESC)", IndexedColumn("asc", "", True)),
        ("UNIQUE (desc ASC)", IndexedColumn("desc", "", False)),
        ("UNIQUE (asc COLLATE nocase)", IndexedColumn("asc", "nocase", False)),
    ],
)
def test_a_key_column_named_asc_or_desc_is_a_name_before_the_order(
    key: str, expected: IndexedColumn
) -> None:
    """SQLite takes ASC and DESC as column names where nothing follows the name: only the
    last of several words is the order (``UNIQUE (desc)`` crashed the parser)."""
    (unique,) = parse_table(f"CREATE TABLE t (asc, desc, {key})").uniques
    assert unique.columns == (expected,)


@pytest.mark.parametrize("client", list(OPENERS))
def test_a_table_keyed_on_a_column_named_desc_syncs_and_stays_up_to_date(client: str) -> None:
    db, conn = OPENERS[client]()
    schema = "CREATE TABLE t (desc TEXT, asc INT, UNIQUE (desc), PRIMARY KEY (asc DESC));"
    assert inline_sync.sync(db, schema).status == "synced"
    conn.execute("INSERT INTO t VALUES ('x', 1)")
    assert inline_sync.plan(db, schema).status == "up-to-date"
    assert inline_sync.sync(db, schema, force=True).status == "up-to-date"


@pytest.mark.parametrize("check", ["CHECK (t.a > 0)", "CHECK (main.t.a > 0)", "CHECK (a > 0)"])
def test_a_table_check_reads_a_column_qualified_by_its_table_as_the_column(check: str) -> None:
    """A table constraint's CHECK, like a column's, compares ``t.a`` and ``main.t.a`` as
    ``a`` (kills the table constraint's ``own`` left out)."""
    (found,) = parse_table(f"CREATE TABLE t (a, {check})").checks
    assert found.expression == "a > 0"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        # A column after an option keeps its case as one before it does.
        ('fts4(content="", a, Body)', "content =  , a , Body"),
        # An option with an empty value is an option: folded.
        ("fts5(A, CONTENT=, B)", "A , content = , B"),
        # No argument at all, or an empty one: nothing to read.
        ("fts4()", ""),
        ("fts4(a,)", "a ,"),
    ],
)
def test_a_virtual_tables_columns_keep_their_case_wherever_they_are(
    arguments: str, expected: str
) -> None:
    """Of a column module's arguments, the columns keep their case (SQLite names the result
    columns so) and options are folded, in any order (FTS4 takes ``content=""`` first), an
    option with no value too (kills ``continue`` made ``break``, the length test of
    ``x =`` made ``> at + 2``, and ``<= at`` made ``< at``, which read past an empty one)."""
    sql = f"CREATE VIRTUAL TABLE d USING {arguments}"
    assert parse_virtual_table(sql).arguments == expected
