"""A column or table named with a reserved word (quoted: "default", "check", "order") renamed
by an @renamed hint, where the same word also stands bare in the statement as the keyword
(DEFAULT -1, CHECK (...), ORDER BY in nothing here but the word itself).

A reserved word is never a name unless quoted, so its bare occurrences are the keyword and
must stay. Found by random schema-evolution fuzzing: the rename also rewrote the keyword
(`"c21" INTEGER "c21" -1`) and every client failed with a raw ParseError (not a SyncError).
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

from inline_sync.diff import rename_names

T = "CREATE TABLE t (id INTEGER PRIMARY KEY, "
CASES = [
    (
        T + '"default" INTEGER NOT NULL DEFAULT -1);',
        T + "d INTEGER NOT NULL DEFAULT -1 -- @renamed from=default\n);",
        "d",
    ),
    (
        T + '"check" INTEGER CHECK ("check" >= 0));',
        T + "c INTEGER CHECK (c >= 0) -- @renamed from=check\n);",
        "c",
    ),
    (
        T + '"unique" TEXT UNIQUE, "order" INT NOT NULL DEFAULT 0);',
        T + 'u TEXT UNIQUE, -- @renamed from=unique\n  "order" INT NOT NULL DEFAULT 0);',
        "u",
    ),
]


@pytest.mark.parametrize(("before", "after", "column"), CASES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_reserved_word_column_is_renamed_keeping_its_keyword(
    kind: str, before: str, after: str, column: str
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    conn.execute("INSERT INTO t (id) VALUES (1)")
    old = rows(conn, "SELECT * FROM t")

    result = sync_on(kind, client, after)

    assert result.status == "synced"
    assert rows(conn, f"SELECT id, {column} FROM t") == [old[0][:2]]
    assert sync_on(kind, client, after, force=True, dry_run=True).plan.statements == []


def test_rename_names_leaves_bare_reserved_words_alone() -> None:
    sql = 'CREATE TABLE t ("default" INT DEFAULT 1, "check" INT CHECK (1), "null" INT NOT NULL)'
    renamed = rename_names(sql, {"default": "a", "check": "b", "null": "c"})
    assert renamed == 'CREATE TABLE t ("a" INT DEFAULT 1, "b" INT CHECK (1), "c" INT NOT NULL)'
