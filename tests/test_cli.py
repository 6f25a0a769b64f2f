"""The ``inline-sync`` command line, run as real subprocesses: exit codes, output formats,
prompts answered through a pseudo-terminal, colour and progress on a terminal."""

from __future__ import annotations

import json
import os
import re
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pty = pytest.importorskip("pty")  # POSIX only

CLI = [sys.executable, "-m", "inline_sync"]
SCRIPT = Path(sys.executable).parent / ("inline-sync.exe" if os.name == "nt" else "inline-sync")

V1 = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n"
V2 = (
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT,\n"
    "    joined TEXT NOT NULL DEFAULT '2026-01-01');\n"
    "CREATE INDEX users_by_email ON users(email);\n"
)
DROPS_NAME = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(extra)
    return env


def run(
    *args: object, cmd: list[str] | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the CLI with stdin, stdout and stderr on pipes (not a terminal)."""
    return subprocess.run(
        [*(cmd or CLI), *map(str, args)],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(**env),
    )


def run_pty(*args: object, answer: str | None = None, **env: str) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal; answer the prompt with ``answer``. Returns the exit
    code and everything written to the terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*CLI, *map(str, args)], stdin=slave, stdout=slave, stderr=slave, env=_env(**env)
    )
    os.close(slave)
    out, answered, deadline = b"", False, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if not select.select([master], [], [], 0.1)[0]:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            out += chunk
            if answer is not None and not answered and b"[y/N]" in out:
                os.write(master, answer.encode() + b"\n")
                answered = True
        return proc.wait(timeout=10), out.decode()
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()


def tables(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        return [r[0] for r in rows if not r[0].startswith("_inline_sync")]
    finally:
        conn.close()


def columns(db: Path, table: str) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    finally:
        conn.close()


@pytest.fixture
def schema(tmp_path: Path) -> Path:
    path = tmp_path / "schema.sql"
    path.write_text(V1)
    return path


def test_plan_of_a_missing_database_creates_nothing(tmp_path: Path, schema: Path) -> None:
    db = tmp_path / "app.db"
    out = run("plan", db, schema)
    assert out.returncode == 0, out.stderr
    assert "does not exist yet" in out.stdout
    assert "create   table   users: new table" in out.stdout
    assert "CREATE TABLE main.users" in out.stdout
    assert "\x1b[" not in out.stdout  # no colour off a terminal
    assert not db.exists()
    assert run("plan", db, schema, "--check").returncode == 1
    assert run("sync", db, schema, "--check").returncode == 1
    assert not db.exists()


def test_sync_and_check_exit_codes(tmp_path: Path, schema: Path) -> None:
    db = tmp_path / "app.db"
    out = run("sync", db, schema, "--yes")
    assert out.returncode == 0, out.stderr
    assert "synced" in out.stdout and out.stderr == ""  # no progress off a terminal
    assert tables(db) == ["users"]
    again = run("sync", db, schema, "--yes")
    assert (again.returncode, again.stdout.strip()) == (0, f"{db}: up to date")
    assert run("plan", db, schema, "--check").returncode == 0
    assert run("sync", db, schema, "--yes", "--force").returncode == 0

    schema.write_text(V2)  # pending, not destructive
    assert run("plan", db, schema, "--check").returncode == 1
    assert run("sync", db, schema, "--check").returncode == 1
    assert "joined" not in columns(db, "users")  # sync --check is a dry run
    assert run("sync", db, schema, "-y").returncode == 0
    assert "joined" in columns(db, "users")

    schema.write_text(DROPS_NAME)  # destructive
    assert run("plan", db, schema, "--check").returncode == 2
    assert run("sync", db, schema, "--check", "--allow-destructive").returncode == 2
    refused = run("sync", db, schema, "--yes")
    assert refused.returncode == 3
    assert refused.stderr.count("\n") == 1 and "--allow-destructive" in refused.stderr
    assert "drop column name" in refused.stderr
    assert "name" in columns(db, "users")
    assert run("sync", db, schema, "--yes", "--allow-destructive").returncode == 0
    assert columns(db, "users") == ["id", "email"]


def test_sync_off_a_terminal_needs_yes(tmp_path: Path, schema: Path) -> None:
    db = tmp_path / "app.db"
    out = run("sync", db, schema)
    assert out.returncode == 2
    assert out.stderr.startswith("inline-sync: error: ") and "--yes" in out.stderr
    assert not db.exists()
    assert run("sync", db, schema, "--yes").returncode == 0
    nothing = run("sync", db, schema)  # nothing to do: no confirmation needed
    assert (nothing.returncode, nothing.stdout.strip()) == (0, f"{db}: up to date")


def test_json_output(tmp_path: Path, schema: Path) -> None:
    db = tmp_path / "app.db"
    run("sync", db, schema, "--yes")
    schema.write_text(DROPS_NAME)
    planned = json.loads(run("plan", db, schema, "--json").stdout)
    assert planned == {
        "database": str(db),
        "status": "changes-needed",
        "strategy": "scratch-db",
        "sqlite_version": planned["sqlite_version"],
        "destructive": True,
        "changes": [
            {
                "kind": "table",
                "name": "users",
                "action": "alter",
                "destructive": True,
                "reasons": ["drop column name"],
            }
        ],
        "statements": ['ALTER TABLE main."users" DROP COLUMN "name"'],
    }
    out = run("sync", db, schema, "--yes", "--allow-destructive", "--json")
    synced = json.loads(out.stdout)
    assert synced["status"] == "synced"
    assert synced["executed"] == synced["statements"] == planned["statements"]
    assert isinstance(synced["duration_ms"], float)
    idle = json.loads(run("sync", db, schema, "--yes", "--json").stdout)
    assert (idle["status"], idle["changes"], idle["executed"]) == ("up-to-date", [], [])


def test_sql_output_runs(tmp_path: Path, schema: Path) -> None:
    db = tmp_path / "app.db"
    run("sync", db, schema, "--yes")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("INSERT INTO users (email, name) VALUES ('a@x', 'A'), ('b@x', 'B')")
    schema.write_text(V2.replace("name TEXT,", "name TEXT COLLATE NOCASE,"))  # a rebuild
    out = run("plan", db, schema, "--sql")
    assert out.returncode == 0
    assert out.stdout.count(";\n") >= 4 and out.stdout.endswith(";\n")
    assert "\n\n" not in out.stdout and "rebuild" not in out.stdout  # SQL only
    conn.executescript(out.stdout)
    conn.close()
    assert run("plan", db, schema, "--check").returncode == 0
    assert run("sync", db, schema, "--yes", "--sql").stdout == ""  # nothing executed


def test_directory_read_in_name_order(tmp_path: Path) -> None:
    folder = tmp_path / "schema"
    (folder / "sub").mkdir(parents=True)
    (folder / "10_b.sql").write_text("CREATE TABLE b (x);")
    (folder / "2_a.sql").write_text("CREATE TABLE a (x);\nCREATE VIEW va AS SELECT x FROM a;")
    (folder / "notes.txt").write_text("not SQL at all")
    (folder / "sub" / "0.sql").write_text("not SQL either")
    out = run("plan", tmp_path / "app.db", folder, "--sql")
    assert out.returncode == 0, out.stderr
    creates = [
        line
        for line in out.stdout.split("\n")
        if line.startswith(("CREATE TABLE main.b", "CREATE TABLE main.a", "CREATE VIEW"))
    ]
    assert creates[:3] == [
        "CREATE TABLE main.b (x);",
        "CREATE TABLE main.a (x);",
        "CREATE VIEW main.va AS SELECT x FROM a;",
    ]
    (folder / "3_again.sql").write_text("-- oops\n\nCREATE TABLE b (y);")
    dup = run("plan", tmp_path / "app.db", folder)
    assert dup.returncode == 4
    assert f"{folder / '3_again.sql'}:3: 'b' is declared twice" in dup.stderr


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("missing schema", 4, "no such schema file"),
        ("empty folder", 4, "no .sql files"),
        ("bad SQL", 4, "bad.sql:2: SQLite refused the table 'broken'"),
        ("not SQL", 4, "only CREATE TABLE"),
        ("not a database", 5, "file is not a database"),
        ("duplicates", 5, "UNIQUE constraint failed: users.email"),
    ],
)
def test_errors_are_one_line(tmp_path: Path, case: str, code: int, message: str) -> None:
    db, schema = tmp_path / "app.db", tmp_path / "bad.sql"
    schema.write_text(V1)
    if case == "missing schema":
        schema = tmp_path / "nope.sql"
    elif case == "empty folder":
        schema = tmp_path / "empty"
        schema.mkdir()
    elif case == "bad SQL":
        schema.write_text(V1 + "CREATE TABLE broken (x,\n")
    elif case == "not SQL":
        schema.write_text(V1 + "INSERT INTO users VALUES (1, 'a', 'b');")
    elif case == "not a database":
        db.write_text("this is a text file, not a database " * 50)
    else:
        run("sync", db, schema, "--yes")
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("INSERT INTO users (email) VALUES ('a@x'), ('a@x')")
        conn.close()
        schema.write_text(V1 + "CREATE UNIQUE INDEX users_email ON users(email);")
    out = run("sync", db, schema, "--yes")
    assert out.returncode == code, out.stderr
    assert out.stderr.startswith("inline-sync: error: ") and out.stderr.count("\n") == 1
    assert message in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    if case != "not a database" and case != "duplicates":
        assert not db.exists()  # a failed first sync leaves no empty file


def test_locked_database(tmp_path: Path, schema: Path) -> None:
    db = tmp_path / "app.db"
    run("sync", db, schema, "--yes")
    schema.write_text(V2)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # readers welcome, writers wait
        out = run("sync", db, schema, "--yes", "--wait-timeout", "0.2")
        assert out.returncode == 5 and "locked" in out.stderr and out.stderr.count("\n") == 1
        holder.execute("COMMIT")
        holder.execute("BEGIN EXCLUSIVE")  # nobody may even read
        out = run("plan", db, schema, "--wait-timeout", "0.2")
        assert out.returncode == 5 and "locked" in out.stderr and out.stderr.count("\n") == 1
    finally:
        holder.close()
    assert "joined" not in columns(db, "users")


def test_usage_errors_and_options(tmp_path: Path, schema: Path) -> None:
    assert run("sync").returncode == 2
    assert run("plan", "x.db", schema, "--json", "--sql").returncode == 2
    assert run("plan", "x.db", schema, "--scratch-schema", "nope").returncode == 2
    db = tmp_path / "app.db"
    run("sync", db, schema, "--yes")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("CREATE TABLE legacy_audit (x)")
    before = conn.execute("SELECT * FROM sqlite_master ORDER BY name").fetchall()
    conn.close()
    assert run("plan", db, schema, "--check").returncode == 2  # would drop legacy_audit
    assert run("plan", db, schema, "--check", "--ignore", "legacy_*").returncode == 0
    schema.write_text(V2)
    assert run("plan", db, schema, "--ignore", "legacy_*", "--check", "--scratch-schema",
               "prefix").returncode == 1  # fmt: skip
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT * FROM sqlite_master ORDER BY name").fetchall() == before
    conn.close()


def test_console_script(tmp_path: Path, schema: Path) -> None:
    assert SCRIPT.exists(), "pip install -e . makes the inline-sync script"
    assert run("--version", cmd=[str(SCRIPT)]).stdout.startswith("inline-sync ")
    out = run("sync", tmp_path / "app.db", schema, "--yes", cmd=[str(SCRIPT)])
    assert out.returncode == 0 and tables(tmp_path / "app.db") == ["users"]


def test_prompt_on_a_terminal(tmp_path: Path, schema: Path) -> None:
    db = tmp_path / "app.db"
    code, out = run_pty("sync", db, schema, answer="n")
    assert code == 1
    assert "create   table   users" in out.replace("\x1b[32m", "").replace("\x1b[0m", "")
    assert "Apply these changes? [y/N]" in out and "nothing was changed" in out
    assert not db.exists()
    code, out = run_pty("sync", db, schema, answer="y")
    assert code == 0 and "synced" in out
    assert tables(db) == ["users"]
    schema.write_text(DROPS_NAME)
    code, out = run_pty("sync", db, schema, answer="y")  # refused before asking
    assert code == 3 and "[y/N]" not in out and "[DESTRUCTIVE]" in out


def test_colour_on_a_terminal_unless_no_color(tmp_path: Path, schema: Path) -> None:
    code, out = run_pty("plan", tmp_path / "app.db", schema)
    assert code == 0 and "\x1b[32mcreate" in out
    code, out = run_pty("plan", tmp_path / "app.db", schema, NO_COLOR="")
    assert code == 0 and "create" in out and "\x1b[" not in out


def test_progress_on_a_terminal(tmp_path: Path, schema: Path) -> None:
    db = tmp_path / "app.db"
    run("sync", db, schema, "--yes")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120000) "
        "INSERT INTO users (email, name) SELECT 'u' || i || '@x', 'n' || i FROM n"
    )
    conn.close()
    schema.write_text(V1.replace("email TEXT NOT NULL", "email TEXT NOT NULL COLLATE NOCASE"))
    code, out = run_pty("sync", db, schema, "--yes")
    assert code == 0, out
    steps = re.findall(r"\r  copying rows of users: ([\d,]+) of 120,000 \(\d+%\)", out)
    assert len(steps) >= 3 and steps[-1] == "120,000"  # 0, at least one chunk, all
    assert "120,000 of 120,000 (100%)\r\n" in out  # one final newline (the pty adds \r)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM users").fetchone() == (120000,)
    conn.close()
