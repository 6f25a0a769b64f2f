"""A parent moved aside by an ``@renamed`` hint while a new table takes its name, and children
whose definitions keep naming that name.

``ALTER TABLE users RENAME TO users_archive`` rewrites the children's REFERENCES to follow the
moved table. A child whose text was the same before and after (``REFERENCES users``) was taken
as unchanged, so it was left pointing at ``users_archive``: not the schema a fresh sync makes,
and the next plan rebuilt it. Now such a child is compared with what RENAME leaves behind, and
rebuilt to point at the new ``users``.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on
from schema_oracle import assert_same_schema

BEFORE = """
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, uid INT REFERENCES users ON DELETE CASCADE);
"""
AFTER = """
CREATE TABLE users_archive ( -- @renamed from=users
  id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, uid INT REFERENCES users ON DELETE CASCADE);
"""


@pytest.mark.parametrize("kind", KINDS)
def test_a_child_keeps_naming_the_new_table(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, "INSERT INTO users VALUES (1, 'a');\nINSERT INTO posts VALUES (5, NULL)")
    sync_on(kind, client, AFTER)
    assert rows(conn, "SELECT * FROM users_archive") == [(1, "a")]
    assert rows(conn, "SELECT * FROM posts") == [(5, None)]
    assert rows(conn, "SELECT \"table\" FROM pragma_foreign_key_list('posts')") == [("users",)]
    fresh_kind = "apsw" if kind == "apsw" else "sqlite3"
    fresh, fresh_conn = open_client(fresh_kind)
    sync_on(fresh_kind, fresh, AFTER)
    assert_same_schema(conn, fresh_conn)
    assert not sync_on(kind, client, AFTER, force=True).plan.statements
