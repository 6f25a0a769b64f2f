"""Schema files in the API (``inline_sync.read_schema``), logging, and the small defects of
issue 13 that are not about the command line."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import inline_sync
from inline_sync import testing
from inline_sync.apply import apply_plan
from inline_sync.clients import SQLite3Client
from inline_sync.plan import Step, SyncPlan


@pytest.fixture
def schema_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "schema"
    folder.mkdir()
    (folder / "01_users.sql").write_text(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n"
    )
    (folder / "02_posts.sql").write_text(
        "-- posts\n\nCREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n"
        "  author INTEGER REFERENCES users(id)\n);\n"
    )
    return folder


def test_read_schema_remembers_files(schema_dir: Path) -> None:
    files = inline_sync.read_schema(schema_dir)
    assert [Path(f.path).name for f in files] == ["01_users.sql", "02_posts.sql"]
    assert files[1].startswith("-- posts") and isinstance(files[1], str)
    conn = sqlite3.connect(":memory:")
    assert inline_sync.sync(conn, files).status == "synced"
    assert inline_sync.sync(conn, files).status == "up-to-date"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("CREATE TABLE a (x);\n\nINSERT INTO a VALUES (1);\n", 3, "only CREATE TABLE"),
        ("CREATE TABLE a (x);\n-- note\nCREATE TABLE a (y);\n", 3, "declared twice"),
        ("CREATE TABLE a (x);\nCREATE TABLE b (x REFERENCES);\n", 2, "SQLite refused"),
        ("CREATE TABLE a (x);\n\nCREATE VIEW v AS SELECT nope FROM a;\n", 3, "cannot be read"),
        ("CREATE TABLE a (x);\nCREATE TABLE b ('x);\n", 2, "unterminated"),
    ],
)
def test_every_entry_point_names_file_and_line(
    tmp_path: Path, schema_dir: Path, text: str, line: int, message: str
) -> None:
    bad = schema_dir / "03_bad.sql"
    bad.write_text(text)
    files = inline_sync.read_schema([schema_dir])
    calls = [
        lambda: inline_sync.sync(sqlite3.connect(":memory:"), files),
        lambda: inline_sync.plan(sqlite3.connect(":memory:"), files),
        lambda: inline_sync.sync(sqlite3.connect(":memory:"), files, scratch_schema="prefix"),
        lambda: testing.connect(testing.read_definitions(schema_dir)),
    ]
    for call in calls:
        with pytest.raises(inline_sync.DefinitionError) as info:
            call()
        assert (info.value.path, info.value.line) == (str(bad), line)
        assert f"{bad}:{line}" in str(info.value) and message in str(info.value)


def test_same_text_in_two_files_names_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("CREATE TABLE t (x REFERENCES);")
    (tmp_path / "b.sql").write_text("CREATE TABLE t (x REFERENCES);")
    for name in ("a.sql", "b.sql"):
        with pytest.raises(inline_sync.DefinitionError, match=f"{name}:1"):
            inline_sync.sync(sqlite3.connect(":memory:"), inline_sync.read_schema(tmp_path / name))


def test_plain_strings_still_say_statement_n() -> None:
    with pytest.raises(inline_sync.DefinitionError, match="in statement 2"):
        inline_sync.sync(sqlite3.connect(":memory:"), "CREATE TABLE a (x); DROP TABLE a;")


def test_read_schema_errors(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(inline_sync.SyncError, match="is a SQLite database, not a schema file"):
        inline_sync.read_schema(db)  # DB and SCHEMA swapped
    with pytest.raises(inline_sync.SyncError, match="no such schema file"):
        inline_sync.read_schema(tmp_path / "nope.sql")


def test_logging(caplog: pytest.LogCaptureFixture) -> None:
    conn = sqlite3.connect(":memory:")
    with caplog.at_level(logging.DEBUG, logger="inline_sync"):
        inline_sync.sync(conn, "CREATE TABLE t (id INTEGER PRIMARY KEY);")
        inline_sync.sync(conn, "CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT);")
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(info) == 2 and info[1].startswith(":memory:: synced in ")
    assert "alter table t" in info[1]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(m.endswith('ALTER TABLE main."t" ADD COLUMN b TEXT') and " ms  " in m for m in debug)
    assert not logging.getLogger("inline_sync").handlers  # never configured by the library


def test_not_null_without_default_hints_at_a_default() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);")
    conn.execute("INSERT INTO users (name) VALUES ('a')")
    with pytest.raises(inline_sync.ApplyError) as info:
        inline_sync.sync(
            conn, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INTEGER NOT NULL);"
        )
    assert "age" in str(info.value) and "DEFAULT" in str(info.value)
    assert conn.execute("SELECT * FROM users").fetchall() == [(1, "a")]
    # A column that existed and holds NULLs keeps the old hint.
    with pytest.raises(inline_sync.ApplyError, match="existing rows hold NULLs"):
        conn.execute("INSERT INTO users (name) VALUES (NULL)")
        inline_sync.sync(conn, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);")


def test_progress_reports_each_count_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import inline_sync.apply as apply

    monkeypatch.setattr(apply, "CHUNK_ROWS", 10)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE a (x)")
    conn.execute("CREATE TABLE b (x)")
    for total in (20, 25, 0):
        conn.execute("DELETE FROM a")
        conn.executemany("INSERT INTO a VALUES (?)", [(i,) for i in range(total)])
        step = Step("copy rows", "table", "b", "INSERT INTO b SELECT x FROM a", "", source="a")
        seen: list[int] = []
        apply_plan(
            SQLite3Client(conn), SyncPlan(steps=(step,)), lambda s, d, t, seen=seen: seen.append(d)
        )
        assert seen == sorted(set(seen)) and seen[-1] == total, seen


def test_connect_apsw_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "apsw", None)
    with pytest.raises(inline_sync.SyncError, match=r"pip install 'inline-sync\[apsw\]'"):
        testing.connect("CREATE TABLE t (x);", client="apsw")
    with pytest.raises(ModuleNotFoundError):  # still what callers may already catch
        testing.connect("CREATE TABLE t2 (x);", client="apsw")


def test_demo_leaves_no_temporary_folder(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    env = {"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, str(root / "demo.py")], check=True, env=env,
                   capture_output=True)  # fmt: skip
    assert list(tmp_path.iterdir()) == []


def _npm_setup(tmp_path: Path, ci: str) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "package-lock.json").write_text("{}")
    env = {"PATH": str(tmp_path / "bin"), "CI": ci}  # no npm on this PATH
    script = f"source {root / '.ci' / 'npm-setup'}; echo require=${{INLINE_SYNC_REQUIRE_WORKERD:-}}"
    return subprocess.run(["/bin/bash", "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True)  # fmt: skip


def test_ci_without_npm_skips_workerd_outside_ci(tmp_path: Path) -> None:
    out = _npm_setup(tmp_path, "")
    assert out.returncode == 0 and "npm not found" in out.stdout and "require=\n" in out.stdout
    out = _npm_setup(tmp_path, "true")
    assert out.returncode == 1 and "npm is required in CI" in out.stderr
