"""A rebuilt AUTOINCREMENT table keeps its counter when it was made under its name in another
case (``CREATE TABLE Users`` then declared ``users``). ``sqlite_sequence`` keeps the name as
the table was made, and the rebuild looked its row up by the declared name, a comparison of
text that minds case: where the new copy is made under a temporary name (Durable Objects,
D1), or where the old table names itself and cannot be renamed aside, the counter was lost
(set to NULL), and the next row took an id that had been used before."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

BEFORE = "CREATE TABLE Users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT{check});"
# (A changed DEFAULT: a rebuild on every client.)
AFTER = "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT DEFAULT 'x'{check});"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "check",
    ["", ", CHECK (Users.name <> '')"],
    ids=["renamed aside", "new copy under a temporary name"],
)
@pytest.mark.parametrize("rows_left", [0, 1])
def test_the_counter_survives_a_rebuild_under_the_name_in_another_case(
    kind: str, check: str, rows_left: int
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE.format(check=check))
    conn.execute("INSERT INTO Users VALUES (1, 'a')")
    conn.execute("INSERT INTO Users VALUES (100, 'b')")
    conn.execute(f"DELETE FROM Users WHERE id > {rows_left}")
    after = AFTER.format(check=check.replace("Users.", "users."))
    assert sync_on(kind, client, after).status == "synced"
    assert rows(conn, "SELECT seq FROM sqlite_sequence") == [(100,)]
    conn.execute("INSERT INTO users (name) VALUES ('c')")
    assert rows(conn, "SELECT id FROM users WHERE name = 'c'") == [(101,)]


@pytest.mark.parametrize("kind", KINDS)
def test_a_counter_row_gone_is_not_made_null(kind: str) -> None:
    """Where the old table has no ``sqlite_sequence`` row (deleted by hand), the new copy
    keeps the counter its copied rows gave it: ``max(seq, NULL)`` made it NULL."""
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE.format(check="").replace("Users", "users"))
    conn.execute("INSERT INTO users VALUES (7, 'a')")
    conn.execute("DELETE FROM sqlite_sequence")
    sync_on(kind, client, AFTER.format(check=""))
    assert rows(conn, "SELECT seq FROM sqlite_sequence") == [(7,)]
