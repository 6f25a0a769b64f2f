"""Tests written to kill surviving mutants of ``inline_sync/rebuild.py`` (issue 14,
docs/mutation-testing.md), second run: the steps of hinted renames as users see them, the
drops that must wait for the tables they would cascade into, and the parent keys a closure
rebuild copies or leaves alone."""

from __future__ import annotations

import sqlite3

import pytest
from memory_clients import KINDS, OPENERS, open_client, rows, run, sync_on

import inline_sync
from inline_sync.clients import SQLite3Client
from inline_sync.introspect import build_schema
from inline_sync.models import Schema
from inline_sync.names import ignore_filter
from inline_sync.rebuild import closure_parent_keys
from inline_sync.scratch import read_objects


def test_hinted_renames_of_a_rebuilt_table_are_steps_of_their_own_with_their_reasons() -> None:
    """The table's and the column's RENAME come first, each with its kind, name and reason;
    the rebuild then gives every reason, the rename's included (kills ``rename_tables`` and
    ``rename_columns`` given None or other texts, and ``renames_first`` dropping the reasons)."""
    db, _ = OPENERS["sqlite3"]()
    inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);")
    planned = inline_sync.plan(
        db,
        "CREATE TABLE t2 ( -- @renamed from=t\n"
        " id INTEGER PRIMARY KEY, b TEXT COLLATE NOCASE -- @renamed from=a\n);",
    )
    why = "rebuild (rename column a -> b; column b: COLLATE None -> nocase)"
    assert [(s.action, s.kind, s.name, s.reason, s.sql) for s in planned.steps[:5]] == [
        ("rename", "table", "t2", "@renamed hint: t -> t2", 'ALTER TABLE main."t" RENAME TO "t2"'),
        ("rename column", "table", "t2", "@renamed hint on column b",
         'ALTER TABLE main."t2" RENAME COLUMN "a" TO "b"'),
        ("setting", "pragma", "", "rename aside without rewriting other objects",
         "PRAGMA legacy_alter_table = ON"),
        ("rebuild", "table", "t2", f"{why}: move the old table aside",
         'ALTER TABLE main."t2" RENAME TO "__sync_old_t2"'),
        ("rebuild", "table", "t2", f"{why}: new definition",
         "CREATE TABLE main.t2 ( -- @renamed from=t\n"
         " id INTEGER PRIMARY KEY, b TEXT COLLATE NOCASE -- @renamed from=a\n)"),
    ]  # fmt: skip
    (change,) = planned.changes
    assert change.reasons == (
        "renamed from t", "rename column a -> b", "column b: COLLATE None -> nocase"
    )  # fmt: skip


CHAIN = """CREATE TABLE d3 (id INTEGER PRIMARY KEY);
CREATE TABLE d2 (id INTEGER PRIMARY KEY, d3 INTEGER REFERENCES d3 ON DELETE CASCADE);
CREATE TABLE d1 (id INTEGER PRIMARY KEY, d2 INTEGER REFERENCES d2 ON DELETE CASCADE);
CREATE TABLE k (id INTEGER PRIMARY KEY, d1 INTEGER REFERENCES d1 ON DELETE CASCADE);
"""


@pytest.mark.parametrize("kind", KINDS)
def test_a_chain_of_dropped_parents_waits_until_the_kept_child_lets_go(kind: str) -> None:
    """k stays, without its reference to d1; d1, d2 and d3 go. Where foreign keys stay on,
    d3's DROP deletes its rows first, which cascades through d2 and d1 into k: d3 must wait as
    d1 does, though k names only d1 (kills ``late_drops`` following two steps only)."""
    client, conn = open_client(kind)
    sync_on(kind, client, CHAIN)
    run(
        conn,
        "INSERT INTO d3 VALUES (1);\nINSERT INTO d2 VALUES (1, 1);\n"
        "INSERT INTO d1 VALUES (1, 1);\nINSERT INTO k VALUES (1, 1)",
    )
    sync_on(kind, client, "CREATE TABLE k (id INTEGER PRIMARY KEY, d1 INTEGER);",
            allow_destructive=True)  # fmt: skip
    assert rows(conn, "SELECT * FROM k") == [(1, 1)]


def schema_of(script: str) -> Schema:
    conn = sqlite3.connect(":memory:")
    conn.executescript(script)
    return build_schema(read_objects(SQLite3Client(conn), "main"), ignore_filter(), set())


def test_the_parent_keys_of_a_group_are_full_unique_indexes_on_the_tables_they_name() -> None:
    """Only a UNIQUE index on the referenced table, without WHERE, holding the referenced
    columns (exactly them included) is a parent key (kills the WHERE test given other texts,
    ``and`` made ``or`` and ``<=`` made ``<``)."""
    desired = schema_of(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT, kind TEXT);\n"
        "CREATE TABLE q (code TEXT, kind TEXT);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p (code));\n"
        "CREATE UNIQUE INDEX p_code ON p (code);\n"
        "CREATE UNIQUE INDEX p_code_some ON p (code) WHERE kind IS NOT NULL;\n"
        "CREATE UNIQUE INDEX q_code ON q (code, kind);\n"
        "CREATE INDEX p_code_plain ON p (code);\n"
    )
    assert {k: [ix.name for ix in v] for k, v in closure_parent_keys(desired, ["c"]).items()} == {}
    outside = closure_parent_keys(desired, ["c"], inside=False)
    assert {k: [ix.name for ix in v] for k, v in outside.items()} == {"p": ["p_code"]}
    assert closure_parent_keys(desired, ["c", "p"]).keys() == {"p"}


@pytest.mark.parametrize("kind", ["durable-object", "d1"])
def test_a_parent_key_index_already_there_is_not_made_again(kind: str) -> None:
    """The child is rebuilt, its parent is not, and the parent's key is a UNIQUE index that
    is already there: nothing to make before the copy (kills the name given to ``there`` as
    None, which made it again: "index p_code already exists")."""
    parent = "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);\n"
    parent += "CREATE UNIQUE INDEX p_code ON p (code);\n"
    child = "CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p (code){});\n"
    client, conn = open_client(kind)
    sync_on(kind, client, parent + child.format(""))
    run(conn, "INSERT INTO p VALUES (1, 'a');\nINSERT INTO c VALUES (1, 'a')")
    result = sync_on(kind, client, parent + child.format(" COLLATE NOCASE"))
    assert [(c.action, c.kind, c.name) for c in result.plan.changes] == [("rebuild", "table", "c")]
    assert rows(conn, "SELECT * FROM c") == [(1, "a")]
