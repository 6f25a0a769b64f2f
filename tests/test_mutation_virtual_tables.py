"""Tests written to kill surviving mutants of ``inline_sync/virtual_tables.py`` (issue 14,
docs/mutation-testing.md): the steps and reasons an FTS index over external content gets, and
the fts options read off its SQL. Each names, in its docstring, the mutations it catches."""

from __future__ import annotations

import sqlite3

import pytest

import inline_sync
from inline_sync.models import VirtualTable
from inline_sync.virtual_tables import fts_option, reads_content

DOCS = "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT);\n"
FTS = "CREATE VIRTUAL TABLE docs_fts USING fts5(body, content=docs, content_rowid=id);"


def plan_from(before: str, after: str) -> inline_sync.SyncPlan:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, definitions=before)
    conn.execute("INSERT INTO docs (body) VALUES ('hello')") if "docs" in before else None
    return inline_sync.plan(conn, definitions=after)


def test_a_new_index_over_a_table_with_rows_is_created_then_rebuilt() -> None:
    """The two steps, field by field (kills each field of both made None or altered)."""
    steps = [(s.action, s.kind, s.name, s.sql, s.reason) for s in plan_from(DOCS, DOCS + FTS).steps]
    assert steps[-2:] == [
        (
            "create",
            "virtual table",
            "docs_fts",
            FTS[:-1].replace("TABLE ", "TABLE main.", 1),
            "new virtual table",
        ),
        (
            "copy rows",
            "virtual table",
            "docs_fts",
            'INSERT INTO main."docs_fts" ("docs_fts") VALUES (\'rebuild\')',
            "rebuild the index from its external content table",
        ),
    ]


@pytest.mark.parametrize(
    ("module", "what"), [("fts5(body)", "text"), ("rtree(id, x0, x1)", "rows")]
)
def test_a_table_that_kept_its_own_rows_made_external_content_says_what_goes(
    module: str, what: str
) -> None:
    """An fts5 index with its own text, or an rtree, made an fts5 index over docs: the reason
    and the loss name what it held (kills the word chosen otherwise, and the reason replaced
    instead of added to)."""
    before = DOCS + f"CREATE VIRTUAL TABLE docs_fts USING {module};"
    plan = plan_from(before, DOCS + FTS)
    (change,) = [c for c in plan.changes if c.name == "docs_fts"]
    assert change.reasons[-1].endswith(
        f"; external content now: rebuilt from docs, its own {what} not kept"
    )
    assert not change.reasons[-1].startswith(";")
    mod = module.split("(")[0]
    assert change.lost == (
        f"the {what} of the {mod} table docs_fts (external content now: it is rebuilt from docs)",
    )


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (FTS, True),
        ("CREATE VIRTUAL TABLE f USING fts5(body)", False),
        ("CREATE VIRTUAL TABLE f USING fts4(body, content=docs)", False),  # (fts5 only)
        ("CREATE VIRTUAL TABLE f USING fts5(body, content='')", False),
        ("CREATE VIRTUAL TABLE f USING rtree(id, a, b)", False),
        ('CREATE VIRTUAL TABLE f USING FTS5(body, content="Docs")', True),
    ],
)
def test_reads_content_is_an_fts5_index_over_a_content_table(sql: str, expected: bool) -> None:
    """Only an fts5 index naming a content table reads one (kills the module test inverted or
    made unconditional, and the VirtualTable it asks built otherwise)."""
    assert reads_content(sql) is expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("a, languageid=lid", "lid"),
        ("a, languageid = 'l''x'", "l'x"),
        ("a, languageid=\"lang\", prefix='2'", "lang"),
        ("languageid=[x y], a", "x y"),
        ("a, tokenize=unicode61 remove_diacritics", None),  # (another option)
        ("a, b", None),
        # Parentheses in an argument, commas inside them: one argument (fts4 accepts them).
        ("a DECIMAL(5, 2), b INTEGER(5), languageid=lid", "lid"),
        ("a, tokenize=simple(x, y), languageid=(lid)", "(lid)"),
        ("a, tokenize=simple((x), y), languageid=lid", "lid"),  # (nested)
        ("a, languageid=", None),  # (SQLite accepts it: no value)
    ],
)
def test_fts_option_reads_the_value_unquoted(args: str, expected: str | None) -> None:
    """(kills the quotes cut wrongly, the doubled quote not undone, the arguments read from
    the wrong token, and an option without a value taken for one)."""
    vt = VirtualTable("f", f"CREATE VIRTUAL TABLE f USING fts4({args})", "fts4", "")
    assert fts_option(vt, "languageid") == expected
    assert (
        fts_option(
            VirtualTable("r", "CREATE VIRTUAL TABLE r USING rtree(a, b, c)", "rtree", ""),
            "languageid",
        )
        is None
    )


def test_fts_option_joins_a_value_of_several_words() -> None:
    vt = VirtualTable("f", "CREATE VIRTUAL TABLE f USING fts4(a, tokenize=unicode61 x)", "fts4", "")
    assert fts_option(vt, "tokenize") == "unicode61x"


CONTENT = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, prefix TEXT, tokenize TEXT, b TEXT);"
THEIR_FTS = (
    "CREATE VIRTUAL TABLE legacy_f5 USING fts5(a, content='t', content_rowid='id', prefix='2');"
    'CREATE VIRTUAL TABLE legacy_f4 USING fts4(a, content="t", tokenize porter);'
)


@pytest.mark.parametrize(
    ("dropped", "refused"),
    [("prefix", False), ("tokenize", False), ("b", False), ("a", True), ("id", True)],
)
def test_their_fts_index_stops_a_drop_of_only_the_columns_it_reads(
    dropped: str, refused: bool
) -> None:
    """An external content FTS index that is not ours reads its own columns and the rowid (or
    ``content_rowid``) from the content table, not its options' names: a column named like
    an option (``prefix``, fts4's ``tokenize porter``) may be dropped, one it reads may not
    (kills ``fts_reads`` taking options' names or fts4's tokenize for columns)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, definitions=CONTENT, ignore=["legacy_*"])
    conn.executescript(THEIR_FTS)
    columns = ", ".join(
        c
        for c in ("id INTEGER PRIMARY KEY", "a TEXT", "prefix TEXT", "tokenize TEXT", "b TEXT")
        if c.split()[0] != dropped
    )
    after = f"CREATE TABLE t ({columns});"
    if refused:
        with pytest.raises(inline_sync.SyncError, match="legacy_f"):
            inline_sync.sync(conn, definitions=after, ignore=["legacy_*"], allow_destructive=True)
    else:
        result = inline_sync.sync(
            conn, definitions=after, ignore=["legacy_*"], allow_destructive=True
        )
        assert result.status == "synced"


def test_a_virtual_table_renamed_away_and_a_new_one_of_its_old_name() -> None:
    """An fts5 index renamed by hint keeps its rows under the new name, and a new one declared
    under the old name, with other columns, is made anew and empty: it is not the old one made
    again (kills ``changed_virtual_tables`` comparing the new one with the one renamed away)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, definitions="CREATE VIRTUAL TABLE docs USING fts5(body);")
    conn.execute("INSERT INTO docs (body) VALUES ('hello')")
    after = (
        "CREATE VIRTUAL TABLE archive USING fts5(body); -- @renamed from=docs\n"
        "CREATE VIRTUAL TABLE docs USING fts5(title, body);"
    )
    result = inline_sync.sync(conn, definitions=after)
    assert sorted((c.action, c.name) for c in result.plan.changes) == [
        ("create", "docs"),
        ("rename", "archive"),
    ]
    assert conn.execute("SELECT body FROM archive").fetchall() == [("hello",)]
    assert conn.execute("SELECT * FROM docs").fetchall() == []
