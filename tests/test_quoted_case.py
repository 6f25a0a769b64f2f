"""The case of what SQLite does not case-fold is compared as it is.

A double-quoted word that names no column is a string literal to SQLite (``CHECK (a <> "X")``
compares with the text 'X'), and a view's result column is named as its alias is written
(``AS Total``). Both were compared case-folded, as names are: changing ``"X"`` to ``"x"`` in a
CHECK, a generated column, a partial index, a view or a trigger, or the case of a view's
alias, was reported up to date and never applied. What does not change the meaning still
costs nothing: the case of a quoted column name in a CHECK, and ``"X"`` written ``'X'``."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

from inline_sync.ddl import parse_table
from inline_sync.tokenizer import normalize, tokenize

# (before, after, object whose stored SQL must be the new one)
CHANGES = [
    (
        'CREATE TABLE t (a TEXT CHECK (a <> "X"));',
        'CREATE TABLE t (a TEXT CHECK (a <> "x"));',
        "t",
    ),
    (
        'CREATE TABLE t (a TEXT, CONSTRAINT c CHECK (a NOT IN ("Draft", "Gone")));',
        'CREATE TABLE t (a TEXT, CONSTRAINT c CHECK (a NOT IN ("draft", "Gone")));',
        "t",
    ),
    (
        'CREATE TABLE t (a TEXT, b TEXT GENERATED ALWAYS AS (a || "X"));',
        'CREATE TABLE t (a TEXT, b TEXT GENERATED ALWAYS AS (a || "x"));',
        "t",
    ),
    (
        'CREATE TABLE t (a TEXT);\nCREATE INDEX i ON t (a) WHERE a <> "X";',
        'CREATE TABLE t (a TEXT);\nCREATE INDEX i ON t (a) WHERE a <> "x";',
        "i",
    ),
    (
        'CREATE TABLE t (a TEXT);\nCREATE VIEW v AS SELECT a FROM t WHERE a = "Active";',
        'CREATE TABLE t (a TEXT);\nCREATE VIEW v AS SELECT a FROM t WHERE a = "active";',
        "v",
    ),
    (
        "CREATE TABLE t (a TEXT);\nCREATE VIEW v AS SELECT a AS Total FROM t;",
        "CREATE TABLE t (a TEXT);\nCREATE VIEW v AS SELECT a AS total FROM t;",
        "v",
    ),
    (
        'CREATE TABLE t (a TEXT);\nCREATE VIEW v AS SELECT a AS "userName" FROM t;',
        'CREATE TABLE t (a TEXT);\nCREATE VIEW v AS SELECT a AS "UserName" FROM t;',
        "v",
    ),
    (
        "CREATE TABLE t (a TEXT);\n"
        'CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = "X"; END;',
        "CREATE TABLE t (a TEXT);\n"
        'CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = "x"; END;',
        "tr",
    ),
]


def stored_sql(conn: Any, name: str) -> str:
    return str(rows(conn, f"SELECT sql FROM sqlite_master WHERE name = '{name}'")[0][0])


@pytest.mark.parametrize(("before", "after", "name"), CHANGES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_change_of_case_that_sqlite_keeps_is_applied(
    kind: str, before: str, after: str, name: str
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    result = sync_on(kind, client, after)
    assert result.status == "synced"
    # As written, but for the quotes a rebuild may put around the table's name.
    statement = next(s for s in after.split(";\n") if f" {name} " in s)
    exact = [normalize(tokenize(sql), exact=True) for sql in (stored_sql(conn, name), statement)]
    assert exact[0] == exact[1].rstrip(" ;")
    assert sync_on(kind, client, after).status == "up-to-date"
    # Planned afresh, not only matched by its hash: the live object reads as declared.
    assert sync_on(kind, client, after, force=True).status == "up-to-date"


@pytest.mark.parametrize("kind", KINDS)
def test_the_check_then_refuses_what_the_new_text_says(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, 'CREATE TABLE t (a TEXT CHECK (a <> "X"));')
    sync_on(kind, client, 'CREATE TABLE t (a TEXT CHECK (a <> "x"));')
    conn.execute("INSERT INTO t VALUES ('X')")  # allowed now
    with pytest.raises(Exception, match="CHECK"):
        conn.execute("INSERT INTO t VALUES ('x')")


@pytest.mark.parametrize("kind", KINDS)
def test_the_view_then_names_its_column_as_the_new_alias(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE t (a TEXT);\nCREATE VIEW v AS SELECT a AS Total FROM t;")
    sync_on(kind, client, "CREATE TABLE t (a TEXT);\nCREATE VIEW v AS SELECT a AS total FROM t;")
    assert [r[1] for r in rows(conn, "PRAGMA table_info(v)")] == ["total"]


# (before, after) bodies of CREATE TABLE t: the same meaning, written otherwise.
SAME = [
    # A quoted name of the table's own column, in another case: still the column.
    ('Amount INT CHECK ("Amount" > 0)', 'Amount INT CHECK ("amount" > 0)'),
    ('a INT, CHECK ("T".a > 0)', 'a INT, CHECK ("t".a > 0)'),
    ('a INT CHECK ("ROWID" > 0)', 'a INT CHECK ("rowid" > 0)'),
    # A double-quoted word that names no column is the string it spells.
    ('a TEXT CHECK (a <> "X")', "a TEXT CHECK (a <> 'X')"),
    ('a TEXT CHECK (a <> "it\'s")', "a TEXT CHECK (a <> 'it''s')"),
    # A function or a collation named in quotes is no string.
    ("a TEXT CHECK (\"LOWER\"(a) <> 'x')", "a TEXT CHECK (lower(a) <> 'x')"),
    ("a TEXT CHECK (a COLLATE \"NOCASE\" <> 'x')", "a TEXT CHECK (a COLLATE nocase <> 'x')"),
    # Case and quoting of names elsewhere, as ever.
    ("A INT CHECK (A > 0)", '"A" INT CHECK ("a" > 0)'),
]


@pytest.mark.parametrize(("before", "after"), SAME)
@pytest.mark.parametrize("kind", KINDS)
def test_a_rewording_with_the_same_meaning_costs_nothing(
    kind: str, before: str, after: str
) -> None:
    client, _ = open_client(kind)
    sync_on(kind, client, f"CREATE TABLE t ({before});")
    result = sync_on(kind, client, f"CREATE TABLE t ({after});")
    assert result.status == "up-to-date" or not result.statements, result


# (before, after) partial indexes on t (a TEXT): the same meaning, written otherwise.
SAME_INDEXES = [
    ('WHERE a <> "X"', "WHERE a <> 'X'"),  # names no column of t: the string 'X'
    ("WHERE \"A\" <> 'X'", "WHERE a <> 'X'"),  # names t's column, in another case
    ("WHERE \"T\".a <> 'X'", "WHERE t.a <> 'X'"),  # names t itself
]


@pytest.mark.parametrize(
    ("before", "after"), SAME_INDEXES + [(after, before) for before, after in SAME_INDEXES]
)
@pytest.mark.parametrize("kind", KINDS)
def test_a_partial_index_reworded_with_the_same_meaning_costs_nothing(
    kind: str, before: str, after: str
) -> None:
    """An index's double-quoted words are read against its own table's columns on both sides
    (kills the live index read without its table's columns, which then never matched)."""
    client, _ = open_client(kind)
    sync_on(kind, client, f"CREATE TABLE t (a TEXT);\nCREATE INDEX i ON t (a) {before};")
    result = sync_on(kind, client, f"CREATE TABLE t (a TEXT);\nCREATE INDEX i ON t (a) {after};")
    assert not result.statements, result.statements


def test_a_check_compares_a_quoted_word_by_what_it_means() -> None:
    table = parse_table('CREATE TABLE t (Col INT, CHECK (col <> "Other" AND "COL" > 0))')
    assert table.checks[0].expression == "col != 'Other' and col > 0"
    # Outside a table nothing says which words are columns: all keep their case there.
    assert normalize(tokenize('"Other" = Name'), exact=True) == "Other = Name"
