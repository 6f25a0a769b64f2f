"""Renaming (by ``@renamed`` hint) a column or table named with a keyword that the same
statement also uses as a keyword: a column ``key`` beside ``PRIMARY KEY``, a column ``action``
beside ``ON DELETE NO ACTION``, a table ``key``. The planner works out what SQLite's RENAME
leaves behind by renaming every mention of the old name in the table's text; it renamed the
keywords too (``PRIMARY "kind"``) and the sync failed with a raw ``ParseError`` (not even a
SyncError), on every client."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

V1 = """CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE key (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL,
  action TEXT, p_id INTEGER REFERENCES p (id) ON DELETE NO ACTION ON UPDATE CASCADE,
  UNIQUE (key) ON CONFLICT REPLACE);
CREATE INDEX key_action ON key (action);
"""
V2 = """CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE settings ( -- @renamed from=key
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, -- @renamed from=key
  kind TEXT, -- @renamed from=action
  p_id INTEGER REFERENCES p (id) ON DELETE NO ACTION ON UPDATE CASCADE,
  UNIQUE (name) ON CONFLICT REPLACE);
CREATE INDEX key_action ON settings (kind);
"""


@pytest.mark.parametrize("kind", KINDS)
def test_renaming_a_column_or_table_named_like_a_keyword_it_also_uses(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, V1)
    conn.execute("INSERT INTO p VALUES (1)")
    conn.execute("INSERT INTO key (key, action, p_id) VALUES ('k', 'a', 1)")
    result = sync_on(kind, client, V2)
    assert not result.plan.destructive
    assert [c.action for c in result.plan.changes if c.kind == "table"] == ["alter"]
    assert rows(conn, "SELECT id, name, kind, p_id FROM settings") == [(1, "k", "a", 1)]
    assert not sync_on(kind, client, V2, force=True).plan


@pytest.mark.parametrize("kind", KINDS)
def test_renaming_a_column_named_like_the_parents_column_it_references(kind: str) -> None:
    """``posts.id`` renamed to ``post_id`` beside ``REFERENCES users (id)``: that ``id`` is the
    parent's column, which stays. It was renamed too, so the foreign key seemed to change and
    the cheap RENAME COLUMN became a rebuild ("foreign keys change")."""
    v1 = (
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users (id),\n"
        "  parent INTEGER REFERENCES posts (id));"
    )
    v2 = (
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE posts (post_id INTEGER PRIMARY KEY, -- @renamed from=id\n"
        "  author INTEGER REFERENCES users (id), parent INTEGER REFERENCES posts (post_id));"
    )
    client, conn = open_client(kind)
    sync_on(kind, client, v1)
    conn.execute("INSERT INTO users VALUES (1)")
    conn.execute("INSERT INTO posts VALUES (1, 1, NULL)")
    result = sync_on(kind, client, v2)
    assert result.statements == ('ALTER TABLE main."posts" RENAME COLUMN "id" TO "post_id"',)
    assert rows(conn, "SELECT post_id, author FROM posts") == [(1, 1)]
    assert not sync_on(kind, client, v2, force=True).plan
