"""The SQL that ``plan --sql`` prints (``SyncPlan.script()``) is safe to run as a script in the
``sqlite3`` shell, with foreign keys on or off: one transaction, a failure leaves the database
file byte for byte as it was, and success gives exactly what ``sync()`` gives."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

import inline_sync
from inline_sync.cli import main as cli_main

SHELL = shutil.which("sqlite3")
pytestmark = pytest.mark.skipif(
    SHELL is None, reason="the sqlite3 shell is not installed (Debian package sqlite3)"
)

START = """
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, body TEXT);
CREATE TABLE likes (post_id INTEGER REFERENCES posts(id) ON DELETE SET NULL, n INT);
CREATE TABLE tags (name TEXT);
CREATE TABLE wide (a INT, b TEXT);
CREATE VIEW user_posts AS SELECT users.name, posts.body FROM users
    JOIN posts ON posts.user_id = users.id;
CREATE TRIGGER posts_ins AFTER INSERT ON posts BEGIN
    UPDATE users SET name = name WHERE id = new.user_id;
END;
"""
ROWS = """
INSERT INTO users VALUES (1, 'a@x', 'Ann'), (2, 'b@x', 'Bob');
INSERT INTO posts VALUES (10, 1, 'hello'), (11, 2, 'world');
INSERT INTO likes VALUES (10, 1), (11, 2);
INSERT INTO tags VALUES ('x'), ('x'), ('y');
INSERT INTO wide (rowid, a, b) VALUES (7, 1, 'one'), (9, 2, 'two');
"""
# A parent rebuilt (type change and NOT NULL on users), a rowid table rebuilt, an added column,
# a new index and view: every kind of step.
TARGET = """
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    name TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, body TEXT, draft INT DEFAULT 0);
CREATE TABLE likes (post_id INTEGER REFERENCES posts(id) ON DELETE SET NULL, n INT);
CREATE TABLE tags (name TEXT);
CREATE TABLE wide (a INTEGER, b TEXT NOT NULL DEFAULT 'z');
CREATE INDEX users_by_email ON users(email);
CREATE VIEW user_posts AS SELECT users.name, posts.body FROM users
    JOIN posts ON posts.user_id = users.id;
CREATE TRIGGER posts_ins AFTER INSERT ON posts BEGIN
    UPDATE users SET name = name WHERE id = new.user_id;
END;
"""
FAILING = TARGET + "CREATE UNIQUE INDEX tags_unique ON tags(name);"


def make_db(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    inline_sync.sync(conn, START)
    conn.executescript(ROWS)
    conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(path: Path) -> tuple[object, ...]:
    """Schema and rows (with rowids) of every table but the state table."""
    conn = sqlite3.connect(path)
    schema = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE name NOT LIKE '\\_inline\\_sync%' ESCAPE '\\' ORDER BY type, name"
    ).fetchall()
    data = {
        name: conn.execute(f'SELECT rowid, * FROM "{name}" ORDER BY rowid').fetchall()
        for (_, name, _, _) in schema
        if _ == "table"
    }
    check = conn.execute("PRAGMA foreign_key_check").fetchall()
    conn.close()
    return schema, data, check


def script_for(path: Path, target: str, capsys: pytest.CaptureFixture[str], tmp: Path) -> str:
    schema = tmp / "schema.sql"
    schema.write_text(target, encoding="utf-8")
    capsys.readouterr()
    assert cli_main(["plan", str(path), str(schema), "--sql"]) == 0
    return capsys.readouterr().out


def run_shell(path: Path, script: str, fk: str, *extra: str) -> subprocess.CompletedProcess[str]:
    assert SHELL is not None
    return subprocess.run(
        [SHELL, *extra, "-cmd", f"PRAGMA foreign_keys={fk}", str(path)],
        input=script,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("fk", ["ON", "OFF"])
@pytest.mark.parametrize("bail", [False, True])
def test_the_script_gives_what_sync_gives(
    fk: str, bail: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    by_script, by_sync = tmp_path / "script.db", tmp_path / "sync.db"
    make_db(by_script)
    make_db(by_sync)
    script = script_for(by_script, TARGET, capsys, tmp_path)
    assert "RENAME TO" in script and "ADD COLUMN" in script  # a rebuild and an ALTER
    done = run_shell(by_script, script, fk, *(["-bail"] if bail else []))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    conn = sqlite3.connect(by_sync, isolation_level=None)
    inline_sync.sync(conn, TARGET)
    conn.close()
    assert dump(by_script) == dump(by_sync)
    conn = sqlite3.connect(by_script, isolation_level=None)
    assert inline_sync.plan(conn, TARGET).statements == []
    conn.close()


@pytest.mark.parametrize("fk", ["ON", "OFF"])
@pytest.mark.parametrize("bail", [False, True])
def test_a_failing_script_changes_nothing(
    fk: str, bail: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "app.db"
    make_db(db)
    script = script_for(db, FAILING, capsys, tmp_path)
    # the failing step comes after a parent rebuild: a half-applied script would show
    assert script.index("RENAME TO") < script.index("CREATE UNIQUE INDEX main.tags_unique")
    before = digest(db)
    done = run_shell(db, script, fk, *(["-bail"] if bail else []))
    assert done.returncode != 0
    assert "UNIQUE constraint failed: tags.name" in done.stderr
    assert digest(db) == before
    names = [r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")]
    assert not [n for n in names if n.startswith("__sync")]


def test_the_script_refuses_to_run_inside_a_transaction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Inside an open transaction PRAGMA foreign_keys does nothing: with foreign keys on, the
    rename-aside rebuild would rewrite the children. The guard sees it and rolls back."""
    db = tmp_path / "app.db"
    make_db(db)
    script = script_for(db, TARGET, capsys, tmp_path)
    before = digest(db)
    done = run_shell(db, "BEGIN;\n" + script + "COMMIT;\n", "ON")
    assert "PRAGMA foreign_keys could not be set" in done.stderr
    assert digest(db) == before
