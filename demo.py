"""A demo of inline_sync: create a database from a v1 schema, add rows, sync it to v2.

Run it from the repository root with nothing installed:  python3 demo.py
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import inline_sync

V1 = """
CREATE TABLE users (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    name  TEXT NOT NULL,
    email TEXT
);
CREATE TABLE posts (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title   TEXT NOT NULL
);
CREATE INDEX posts_by_user ON posts(user_id);
"""

V2 = """
CREATE TABLE users (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL COLLATE NOCASE,           -- changed: needs a rebuild
    email    TEXT,
    joined   TEXT NOT NULL DEFAULT '2026-01-01'      -- new: a cheap ADD COLUMN
);
CREATE TABLE posts (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    headline TEXT NOT NULL,                          -- @renamed from=title
    body     TEXT
);
CREATE INDEX posts_by_user ON posts(user_id);
CREATE UNIQUE INDEX users_by_email ON users(email);
CREATE VIEW post_authors AS
    SELECT p.headline, u.name FROM posts p JOIN users u ON u.id = p.user_id;
"""


def main() -> None:
    """Run the demo against a database file in a temporary folder (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="inline_sync_demo_") as folder:
        path = os.path.join(folder, "demo.db")
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            run(conn, path)
        finally:
            conn.close()


def run(conn: sqlite3.Connection, path: str) -> None:
    """Sync ``conn`` to v1, add rows, show the plan to v2, sync to v2, and again."""
    conn.execute("PRAGMA foreign_keys = ON")
    print(f"database: {path}\n")
    first = inline_sync.sync(conn, V1)
    print(f"v1: {first.status} ({len(first.statements)} statements)")
    conn.execute("INSERT INTO users (name, email) VALUES ('Ada', 'ada@example.com')")
    conn.execute("INSERT INTO users (name, email) VALUES ('Linus', 'linus@example.com')")
    conn.execute("INSERT INTO posts (user_id, title) VALUES (1, 'Notes on the engine')")
    conn.execute("INSERT INTO posts (user_id, title) VALUES (2, 'Just a hobby')")

    print("\n--- plan from v1 to v2 ---")
    print(inline_sync.plan(conn, V2))

    result = inline_sync.sync(conn, V2)
    print(f"\n--- result: {result.status} in {result.duration * 1000:.1f} ms ---")
    for row in conn.execute("SELECT headline, name FROM post_authors ORDER BY headline"):
        print("  ", row)
    print("   users:", conn.execute("SELECT id, name, joined FROM users").fetchall())

    again = inline_sync.sync(conn, V2)
    print(f"\nsecond sync: {again.status}")


if __name__ == "__main__":
    main()
