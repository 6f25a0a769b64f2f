"""inline_sync.testing and the pytest plugin's fixture."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import inline_sync
from inline_sync.testing import connect, read_definitions

pytest_plugins = ["pytester"]

SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
CREATE TABLE posts (id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE);
CREATE VIEW post_count AS SELECT count(*) AS n FROM posts;
"""


def test_connect_gives_independent_synced_databases() -> None:
    a = connect(SCHEMA)
    b = connect(SCHEMA)
    a.execute("INSERT INTO users (email) VALUES ('a@x')")
    a.commit()
    assert b.execute("SELECT count(*) FROM users").fetchone() == (0,)
    assert inline_sync.plan(b, SCHEMA).status == "up-to-date"
    assert inline_sync.sync(b, SCHEMA).status == "up-to-date"
    with pytest.raises(sqlite3.IntegrityError):  # foreign keys are on
        b.execute("INSERT INTO posts (user_id) VALUES (42)")


def test_connect_with_apsw() -> None:
    apsw = pytest.importorskip("apsw")
    conn = connect(SCHEMA, client="apsw")
    assert isinstance(conn, apsw.Connection)
    conn.execute("INSERT INTO users (email) VALUES ('a@x')")
    assert conn.execute("SELECT n FROM post_count").fetchone() == (0,)
    assert connect(SCHEMA, client="apsw").execute("SELECT count(*) FROM users").fetchone() == (0,)


def test_bad_definitions_fail_like_sync_does() -> None:
    with pytest.raises(inline_sync.DefinitionError):
        connect("CREATE TABLE t (a,, b);")


def test_read_definitions_reads_a_directory_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.sql").write_text("CREATE TABLE b (x);")
    (tmp_path / "a.sql").write_text("CREATE TABLE a (x);")
    (tmp_path / "notes.txt").write_text("not sql")
    assert read_definitions(tmp_path) == ["CREATE TABLE a (x);", "CREATE TABLE b (x);"]


def test_pytest_fixture_hands_each_test_a_fresh_database(pytester: pytest.Pytester) -> None:
    pytester.makefile(".sql", schema=SCHEMA)
    pytester.makeini("[pytest]\ninline_sync_schema = schema.sql\n")
    pytester.makepyfile(
        """
        def test_one(inline_sync_db):
            inline_sync_db.execute("INSERT INTO users (email) VALUES ('a@x')")
            assert inline_sync_db.execute("SELECT count(*) FROM users").fetchone() == (1,)

        def test_two(inline_sync_db):
            assert inline_sync_db.execute("SELECT count(*) FROM users").fetchone() == (0,)
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_pytest_fixture_without_a_schema_says_what_to_do(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(inline_sync_db):\n    pass\n")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*inline_sync_schema*"])
    assert result.ret != 0
