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
from memory_clients import KINDS, open_client, refused, rows, run, sync_on
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


#: A parent's referenced column moved aside by a hint while a new column takes its name.
COLUMN_BEFORE = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE);
CREATE TABLE c (x TEXT REFERENCES t (a));
"""
COLUMN_AFTER = """
CREATE TABLE t (id INTEGER PRIMARY KEY,
  old_a TEXT UNIQUE, -- @renamed from=a
  a TEXT UNIQUE);
CREATE TABLE c (x TEXT REFERENCES t (a));
"""


@pytest.mark.parametrize("kind", KINDS)
def test_a_child_keeps_naming_the_new_column(kind: str) -> None:
    """The child is rebuilt to name the new ``a``, after the parent's RENAME COLUMN (which
    rewrites every REFERENCES to the column): rebuilt before it, on a connection where foreign
    keys can be switched off, its fresh text was rewritten to ``t("old_a")``, the sync said
    "synced" and the next one rebuilt it again."""
    client, conn = open_client(kind)
    sync_on(kind, client, COLUMN_BEFORE)
    # (A row naming 'k' would have no parent in the new, empty column.)
    run(conn, "INSERT INTO t VALUES (1, 'k');\nINSERT INTO c VALUES (NULL)")
    sync_on(kind, client, COLUMN_AFTER)
    assert rows(conn, "SELECT * FROM t") == [(1, "k", None)]
    assert rows(conn, "SELECT rowid, x FROM c") == [(1, None)]
    assert rows(conn, "SELECT \"to\" FROM pragma_foreign_key_list('c')") == [("a",)]
    assert not sync_on(kind, client, COLUMN_AFTER, force=True).plan.statements


@pytest.mark.parametrize("kind", KINDS)
def test_a_child_row_left_without_its_parent_value_is_refused(kind: str) -> None:
    """The moved values stay in ``old_a``: a child row naming one has no parent in the new
    ``a``. Every client refuses it (sqlite3 and apsw let it through, checking it against
    ``old_a``)."""
    client, conn = open_client(kind)
    sync_on(kind, client, COLUMN_BEFORE)
    run(conn, "INSERT INTO t VALUES (1, 'k');\nINSERT INTO c VALUES ('k')")
    error = refused(kind, client, conn, COLUMN_AFTER)
    assert "FOREIGN KEY constraint failed" in str(error)
