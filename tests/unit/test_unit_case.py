"""What each comparison keeps the case of (tokenizer.normalize's ``columns`` and ``exact``,
ddl.quotable_names, diff.compare_table's renames to another case), stated branch by branch."""

from __future__ import annotations

import pytest

from inline_sync.ddl import parse_index, parse_table, parse_trigger, parse_view, quotable_names
from inline_sync.diff import renamed_index
from inline_sync.tokenizer import normalize, tokenize


def norm(sql: str, columns: frozenset[str] | None = frozenset({"col"})) -> str:
    return normalize(tokenize(sql), columns=columns)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ('"Other" = 1', "'Other' = 1"),  # names no column: text
        ('"it\'s"', "'it''s'"),  # its quote doubled, as a literal's
        ('"COL" = 1', "col = 1"),  # a column, in any case
        ("[Other] = `Other`", "other = other"),  # only double quotes can make text
        ('"ROWID" + "Oid" + "_RowId_"', "rowid + oid + _rowid_"),  # the rowid's names
        ('"Fn"(col)', "fn ( col )"),  # a function called
        ('"T".col', "t . col"),  # a table before the dot
        ('t."Col"', "t . col"),  # a column after it
        ('col COLLATE "NoCase"', "col collate nocase"),  # a collation
        ('"Other"', "'Other'"),  # (the last token: nothing after it)
    ],
)
def test_a_double_quoted_word_is_text_unless_it_can_be_a_name(sql: str, expected: str) -> None:
    assert norm(sql) == expected


def test_without_columns_a_double_quoted_word_is_a_name() -> None:
    assert norm('"Other" = 1', None) == "other = 1"
    assert norm('"Other" = 1', frozenset({"other"})) == "other = 1"


def test_exact_keeps_every_words_case_and_drops_only_quotes() -> None:
    sql = 'SELECT "Name", [Total], `X`, Count(*) AS Total FROM T -- note'
    assert normalize(tokenize(sql), exact=True) == (
        "SELECT Name , Total , X , Count ( * ) AS Total FROM T"
    )
    assert normalize(tokenize(sql)) == "select name , total , x , count ( * ) as total from t"


def test_a_table_reads_its_expressions_against_all_its_columns() -> None:
    # A column declared after the CHECK that names it, and the table's own name.
    t = parse_table('CREATE TABLE "Tab" (a CHECK ("B" > "Tab".a AND a <> "B2"), B INT)')
    assert t.checks[0].expression == "b > a and a != 'B2'"  # (its own name qualifies: bare)
    g = parse_table('CREATE TABLE t (a, b AS (a || "X"), CONSTRAINT c CHECK (a <> "Y"))')
    assert g.columns[1].generated == "a || 'X'"
    assert g.checks[0].expression == "a != 'Y'"


def test_an_index_reads_double_quoted_words_against_its_table() -> None:
    sql = 'CREATE INDEX i ON "T" ("A") WHERE "A" <> "X"'
    names = quotable_names(parse_table("CREATE TABLE T (A)"))
    assert names == frozenset({"t", "a"})
    assert parse_index(sql, names).definition == "on t ( a ) where a != 'X'"
    assert parse_index(sql).definition == "on t ( a ) where a != x"  # table not known
    assert quotable_names(None) is None


def test_a_renamed_index_is_read_against_the_names_given() -> None:
    index = parse_index('CREATE INDEX i ON t (a) WHERE a <> "X"')
    assert renamed_index(index, {}, {}) is index  # nothing renamed, nothing to read again
    names = frozenset({"t", "a"})
    assert renamed_index(index, {}, {}, names).definition == "on t ( a ) where a != 'X'"
    moved = renamed_index(index, {"t": "U"}, {"a": "B"}, frozenset({"u", "b"}))
    assert moved.definition == "on u ( b ) where b != 'X'"


def test_views_and_triggers_keep_their_words_case() -> None:
    assert parse_view("CREATE VIEW v AS SELECT a AS Total FROM t").definition == (
        "AS SELECT a AS Total FROM t"
    )
    trigger = parse_trigger('CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT "X"; END')
    assert trigger.definition == "AFTER INSERT ON t BEGIN SELECT X ; END"
