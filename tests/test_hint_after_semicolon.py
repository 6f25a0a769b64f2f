"""An ``@renamed`` hint written after the statement's ``;`` on the same line
(``CREATE TABLE users (…); -- @renamed from=people``) is that statement's. The splitter gave
such a comment to the next statement: the next table was renamed from ``people`` and took its
rows, silently, while ``users`` was created empty; after the last statement the hint was lost
(a DestructiveChangeError that suggested writing the hint exactly where it was)."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

V1 = "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);\n"
TAILS = {
    "before another table": "\nCREATE TABLE audit (id INTEGER PRIMARY KEY, name TEXT);\n",
    "before a comment and a table on the next line": "\n/* x */ CREATE TABLE audit (id);\n",
    "last": "\n",
    "last, no newline": "",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("tail", sorted(TAILS))
def test_a_hint_after_the_semicolon_renames_its_own_table(kind: str, tail: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, V1)
    conn.execute("INSERT INTO people (name) VALUES ('ann')")
    v2 = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); -- @renamed from=people"
    result = sync_on(kind, client, v2 + TAILS[tail])
    assert result.statements[0] == 'ALTER TABLE main."people" RENAME TO "users"'
    assert rows(conn, "SELECT name FROM users") == [("ann",)]
    if "audit" in TAILS[tail]:
        assert rows(conn, "SELECT count(*) FROM audit") == [(0,)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "between",
    [
        # A comment on a line of its own, above CREATE TABLE, is not on the line of the
        # statement before: it is still the next table's hint, as it always was.
        "\n-- @renamed from=people\n",
        # Nor is a block comment that the next statement follows on the same line.
        " /* @renamed from=people */ ",
    ],
)
def test_a_hint_before_a_table_stays_that_tables(kind: str, between: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, V1)
    conn.execute("INSERT INTO people (name) VALUES ('ann')")
    v2 = (
        "CREATE TABLE audit (id INTEGER PRIMARY KEY);"
        + between
        + "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
    )
    sync_on(kind, client, v2)
    assert rows(conn, "SELECT name FROM users") == [("ann",)]
