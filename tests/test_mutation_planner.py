"""Tests written to kill surviving mutants of ``inline_sync/planner.py`` (issue 14,
docs/mutation-testing.md). Each names, in its docstring, the mutations it catches. Through
stdlib sqlite3, apsw and the Durable Object stand-in (``tests/memory_clients.py``) where the
behaviour applies to them.

A plan's steps and changes, and its suggestions, are what users see of it (``SyncPlan.steps``,
``str(plan)``, progress reports, the refusal of a destructive change): what each step is, on
what, and why, not only its SQL."""

from __future__ import annotations

import pytest
from memory_clients import OPENERS, rows, run

import inline_sync
from inline_sync.plan import Step


def described(steps: tuple[Step, ...]) -> list[tuple[str, ...]]:
    """Each step without its SQL: (action, kind, name, reason)."""
    return [(s.action, s.kind, s.name, s.reason) for s in steps]


@pytest.mark.parametrize("opener", ["sqlite3", "apsw"])
def test_a_rename_under_legacy_alter_table_describes_both_settings(opener: str) -> None:
    """A connection with ``legacy_alter_table`` on gets it switched off around a table rename
    (so that SQLite rewrites the references) and back on after: two "setting" steps on a
    pragma, with no object name, each saying why (kills ``_setting``'s action, kind, name and
    reason given None or another text)."""
    db, conn = OPENERS[opener]()
    run(conn, "CREATE TABLE a (x);\nINSERT INTO a VALUES (1);\nPRAGMA legacy_alter_table = ON")
    result = inline_sync.sync(db, "CREATE TABLE b (x) -- @renamed from=a")
    assert described(result.plan.steps) == [
        ("setting", "pragma", "", "let RENAME update references"),
        ("rename", "table", "b", "@renamed hint: a -> b"),
        ("setting", "pragma", "", "restore the connection's setting"),
    ]
    assert rows(conn, "SELECT x FROM b") == [(1,)]
    assert rows(conn, "PRAGMA legacy_alter_table") == [(1,)]


def suggestions(opener: str, before: str, after: str) -> tuple[str, ...]:
    """The @renamed hints a plan from ``before`` to ``after`` suggests."""
    db, _ = OPENERS[opener]()
    inline_sync.sync(db, before)
    return inline_sync.plan(db, after).suggestions


TABLE_HINT = (
    "If table {old} was renamed to {new}, put -- @renamed from={hint} on the line of "
    "CREATE TABLE {new}."
)
TABLES_HINT = (
    "If table {old} was renamed to one of {new}, put -- @renamed from={hint} on the line of "
    "that create table."
)
COLUMN_HINT = (
    "If column t.{old} was renamed to {new}, put -- @renamed from={hint} on the line of "
    "column {new}."
)
COLUMNS_HINT = (
    "If column t.{old} was renamed to one of {new}, put -- @renamed from={hint} on the line of "
    "that column."
)


@pytest.mark.parametrize("opener", list(OPENERS))
@pytest.mark.parametrize(
    ("old", "hint"),
    [
        ("nick", "nick"),
        ("first_name", "first_name"),  # "_" is allowed bare
        ("a1", "a1"),  # a digit after the first character too
        ("1st", '"1st"'),  # not at the start
        ("a b", '"a b"'),
        ('say "hi"', '"say ""hi"""'),
    ],
)
def test_a_lost_column_beside_a_new_one_suggests_a_hint_that_works(
    opener: str, old: str, hint: str
) -> None:
    """The suggestion names the table and column as ``t.old``, and the new column; the hint's
    name is bare only where it is a plain identifier, and pasted where the suggestion says, it
    turns the loss into a RENAME COLUMN that keeps the values (kills, in ``_hint_line``: the
    separator after ``column t.`` given a space or another text, the test for a bare name made
    ``or``/always true, ``_`` not replaced, two first characters tested, ``quote(None)``, and
    ``to``/``where`` given None or the many-candidates text)."""
    quoted = '"' + old.replace('"', '""') + '"'
    before = f"CREATE TABLE t (id INTEGER PRIMARY KEY, {quoted} TEXT);"
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, before)
    conn.execute("INSERT INTO t VALUES (1, 'kept')")
    planned = inline_sync.plan(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, handle TEXT);")
    assert planned.suggestions == (COLUMN_HINT.format(old=old, new="handle", hint=hint),)
    assert planned.loss_report().endswith("\n" + planned.suggestions[0])
    hinted = f"CREATE TABLE t (id INTEGER PRIMARY KEY,\n  handle TEXT -- @renamed from={hint}\n);"
    result = inline_sync.sync(db, hinted)
    assert result.statements == (f'ALTER TABLE main."t" RENAME COLUMN {quoted} TO "handle"',)
    assert rows(conn, "SELECT * FROM t") == [(1, "kept")]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_lost_column_beside_several_new_ones_names_them_all(opener: str) -> None:
    """Two new columns: "one of handle, alias", and "that column" (kills ``len(candidates)
    == 1`` made ``!= 1``, ``== 2`` or always true/false, "one of " and ", " given another
    text, and "that column" upper-cased)."""
    got = suggestions(
        opener,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, nick TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, handle TEXT, alias TEXT);",
    )
    assert got == (COLUMNS_HINT.format(old="nick", new="handle, alias", hint="nick"),)


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_lost_table_beside_new_ones_suggests_a_hint(opener: str) -> None:
    """A table: "table people", a space after "table" (kills the separator's test made
    always true), "CREATE TABLE users" for one candidate, "that create table" for two."""
    keep = "CREATE TABLE keep (id INTEGER PRIMARY KEY);"
    before = "CREATE TABLE people (id INTEGER PRIMARY KEY);" + keep
    one = suggestions(opener, before, "CREATE TABLE users (id INTEGER PRIMARY KEY);" + keep)
    assert one == (TABLE_HINT.format(old="people", new="users", hint="people"),)
    two = suggestions(
        opener,
        before,
        "CREATE TABLE users (id INTEGER PRIMARY KEY); CREATE TABLE members (x);" + keep,
    )
    assert two == (TABLES_HINT.format(old="people", new="users, members", hint="people"),)
