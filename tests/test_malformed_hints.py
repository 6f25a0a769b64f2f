"""An ``@renamed from=`` hint that cannot be read is a DefinitionError naming the statement.
Such a hint was ignored without a word: the sync then planned a drop and a create, and only
the DestructiveChangeError (or, with ``allow_destructive``, the lost rows) told that the
rename had not been read. Comments that mention ``@renamed`` without ``from`` are prose."""

from __future__ import annotations

import sqlite3

import pytest

import inline_sync

BAD = {
    "nothing after from=": "CREATE TABLE b ( -- @renamed from=\n  x);",
    "an unclosed quote": 'CREATE TABLE b ( -- @renamed from="a\n  x);',
    "a schema": "CREATE TABLE b ( -- @renamed from=main.a\n  x);",
    "two names": "CREATE TABLE b ( -- @renamed from=a,b\n  x);",
    "FROM in capitals": "CREATE TABLE b ( -- @renamed FROM=a\n  x);",
    "on a column": "CREATE TABLE b (\n  y, -- @renamed from=\n  x);",
    "after the semicolon": "CREATE VIRTUAL TABLE b USING fts5(x); -- @renamed from=a.b",
}
GOOD = {
    "bare": "CREATE TABLE b ( -- @renamed from=a\n  x);",
    "double quotes": 'CREATE TABLE b ( -- @renamed from="a"\n  x);',
    "brackets": "CREATE TABLE b ( -- @renamed from=[a]\n  x);",
    "backticks": "CREATE TABLE b ( -- @renamed from=`a`\n  x);",
    "single quotes": "CREATE TABLE b ( -- @renamed from='a'\n  x);",
    "spaces around =": "CREATE TABLE b ( -- @renamed from = a\n  x);",
    "a comment after it": "CREATE TABLE b ( -- @renamed from=a -- was a\n  x);",
}


def database() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, "CREATE TABLE a (x);")
    conn.execute("INSERT INTO a VALUES (1)")
    return conn


@pytest.mark.parametrize("case", list(BAD))
def test_a_hint_that_cannot_be_read_names_its_statement(case: str) -> None:
    conn = database()
    with pytest.raises(inline_sync.DefinitionError) as refused:
        inline_sync.sync(conn, BAD[case], allow_destructive=True)
    assert "@renamed" in str(refused.value)
    assert refused.value.index == 1
    assert conn.execute("SELECT * FROM a").fetchall() == [(1,)]


@pytest.mark.parametrize("case", list(GOOD))
def test_a_hint_read_renames(case: str) -> None:
    conn = database()
    assert inline_sync.sync(conn, GOOD[case]).statements == ('ALTER TABLE main."a" RENAME TO "b"',)


def test_a_comment_that_mentions_the_hint_is_prose() -> None:
    conn = database()
    schema = "CREATE TABLE a ( -- see the @renamed hints in the README\n  x);"
    assert inline_sync.sync(conn, schema).status == "up-to-date"
