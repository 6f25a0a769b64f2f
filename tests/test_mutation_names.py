"""Tests written to kill surviving mutants of ``inline_sync/names.py`` (issue 14,
docs/mutation-testing.md). Each names, in its docstring, the mutations it catches."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from memory_clients import open_client, rows, run, sync_on

from inline_sync import names
from inline_sync.names import NameFilter


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("ab", "a*b*b"),  # the middle part may not reach into the last one
        ("aXa", "a*a*a"),  # nor be found before the first one ends
        ("xb", "*b*b*"),  # each middle part after the one before it
        ("xbb", "*b*b*"),
        ("legacy_x_old", "legacy_*_old"),
        ("legacy__old", "legacy_*_*old"),
        ("legacy_old", "legacy_*_*old"),
        ("a", "a*a"),  # first and last part overlap in the name: no match
        ("ab", "ab*b"),
    ],
)
def test_star_globs_match_as_fnmatch_does(name: str, pattern: str) -> None:
    """``*``-only globs take their own path: it agrees with fnmatch on each part's place
    (kills the last part's end moved, a middle part searched from the start, and the next
    search starting anywhere but after the part found)."""
    assert NameFilter([pattern])(name) is fnmatchcase(name, pattern)


@settings(max_examples=400, deadline=None)
@given(name=st.text("ab", max_size=6), pattern=st.text("ab*", min_size=1, max_size=6))
def test_star_globs_agree_with_fnmatch_everywhere(name: str, pattern: str) -> None:
    """The same over every small name and ``*`` glob (kills the overlap test answered the
    other way round, and any other disagreement with fnmatch)."""
    assert NameFilter([pattern])(name) is fnmatchcase(name, pattern)


def test_a_name_seen_before_is_answered_from_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The filter runs on every name at every start: a name seen before is not matched
    again (kills the memo not read, read under another key, or holding no answer)."""
    calls: list[str] = []
    real = names._star_match

    def counting(name: str, parts: list[str]) -> bool:
        calls.append(name)
        return real(name, parts)

    monkeypatch.setattr(names, "_star_match", counting)
    keep = NameFilter(["a*b*c"])
    assert [keep("aXbYc"), keep("aXbYc"), keep("nope"), keep("nope")] == [True, True, False, False]
    assert calls == ["axbyc", "nope"]


def test_the_memo_stops_growing_at_ten_thousand_names() -> None:
    """A process that meets endless new names keeps at most 10,000 answers (kills the bound
    moved by one)."""
    keep = NameFilter(["x*"])
    for i in range(10_005):
        keep(f"n{i}")
    assert len(keep._seen) == 10_000
    assert keep("n10004") is False  # (answered all the same)


PARENTS_V1 = """
CREATE TABLE p1 (k TEXT PRIMARY KEY, UNIQUE (k)) WITHOUT ROWID;
CREATE TABLE p2 (id INTEGER PRIMARY KEY, a TEXT UNIQUE);
CREATE TABLE c (id INTEGER PRIMARY KEY, r TEXT REFERENCES p2 (a));
"""
PARENTS_V2 = """
CREATE TABLE p1 (
    k2 TEXT PRIMARY KEY,  -- @renamed from=k
    UNIQUE (k2)
) WITHOUT ROWID;
CREATE TABLE p2 (
    id INTEGER PRIMARY KEY,
    b TEXT UNIQUE  -- @renamed from=a
);
CREATE TABLE c (id INTEGER PRIMARY KEY, r TEXT REFERENCES p2 (b));
"""


@pytest.mark.parametrize("kind", ["sqlite3", "apsw", "durable-object", "d1"])
def test_a_column_rename_alter_cannot_make_does_not_hide_the_next_tables(kind: str) -> None:
    """A hinted rename that RENAME COLUMN cannot make (a WITHOUT ROWID key a UNIQUE covers: the
    copy renames) comes first; the next table's rename is made by ALTER, and SQLite rewrites
    its child's REFERENCES, so the child is left as it is (kills ``continue`` made ``break``
    after the first table, which rebuilt the child for nothing)."""
    client, conn = open_client(kind)
    sync_on(kind, client, PARENTS_V1)
    run(conn, "INSERT INTO p2 (a) VALUES ('x');\nINSERT INTO c (r) VALUES ('x')")
    result = sync_on(kind, client, PARENTS_V2)
    assert sorted((ch.action, ch.name) for ch in result.plan.changes) == [
        ("alter", "p2"),
        ("rebuild", "p1"),
    ]
    assert rows(conn, "SELECT r FROM c") == [("x",)]
    assert sync_on(kind, client, PARENTS_V2, force=True).status == "up-to-date"


MOVED_V1 = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE);
CREATE TABLE p (id INTEGER PRIMARY KEY, x TEXT UNIQUE);
CREATE TABLE c (id INTEGER PRIMARY KEY, r TEXT REFERENCES t (a));
CREATE TABLE d (id INTEGER PRIMARY KEY, s TEXT REFERENCES p (x));
"""
MOVED_V2 = """
CREATE TABLE u (  -- @renamed from=t
    id INTEGER PRIMARY KEY, a TEXT UNIQUE
);
CREATE TABLE t (
    id INTEGER PRIMARY KEY,
    b TEXT  -- @renamed from=a
);
CREATE TABLE p (
    id INTEGER PRIMARY KEY,
    y TEXT UNIQUE  -- @renamed from=x
);
CREATE TABLE c (id INTEGER PRIMARY KEY, r TEXT REFERENCES u (a));
CREATE TABLE d (id INTEGER PRIMARY KEY, s TEXT REFERENCES p (y));
"""


@pytest.mark.parametrize("kind", ["sqlite3", "apsw", "durable-object", "d1"])
def test_a_new_table_under_a_name_renamed_away_renames_no_columns_of_the_old(kind: str) -> None:
    """``t`` is renamed to ``u`` and a new ``t`` declared with a column hint (left from another
    rename): that hint is not a rename of the old ``t``'s columns, so ``c``, which follows
    ``t`` to ``u``, keeps ``REFERENCES u (a)``; and the tables after the new ``t`` still have
    their renames followed (``d`` follows ``p.x`` to ``p.y``). Neither child changes (kills the
    new-table test inverted, which moved the old ``t``'s column too, and ``continue`` made
    ``break``, which left ``p``'s rename unfollowed: both rebuilt a child for nothing)."""
    client, conn = open_client(kind)
    sync_on(kind, client, MOVED_V1)
    run(
        conn,
        "INSERT INTO t (a) VALUES ('k');\nINSERT INTO p (x) VALUES ('m');\n"
        "INSERT INTO c (r) VALUES ('k');\nINSERT INTO d (s) VALUES ('m')",
    )
    result = sync_on(kind, client, MOVED_V2)
    assert sorted((ch.action, ch.name) for ch in result.plan.changes) == [
        ("alter", "p"),
        ("create", "t"),
        ("rename", "u"),
    ]
    assert rows(conn, "SELECT r FROM c") == [("k",)]
    assert rows(conn, "SELECT s FROM d") == [("m",)]
    assert sync_on(kind, client, MOVED_V2, force=True).status == "up-to-date"
