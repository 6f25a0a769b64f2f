"""The commands of issue 13: ``inspect``, ``diff``, ``-`` for stdin, ``[tool.inline-sync]``,
``--json`` errors, many databases at once, and the command-line defects it lists."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import CLI, V1, V2, _env, columns, tables

import inline_sync
from inline_sync import cli


def run(
    *args: object, stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], input=stdin, capture_output=True, text=True,
                          timeout=120, env=_env(), cwd=cwd)  # fmt: skip


SCHEMA = V2 + "CREATE VIEW emails AS SELECT email FROM users;\n"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    inline_sync.sync(conn, SCHEMA)
    conn.execute("CREATE TABLE alembic_version (v TEXT)")
    conn.execute("INSERT INTO users (email) VALUES ('a@x')")
    conn.commit()
    conn.close()
    return path


def test_inspect_to_stdout_file_and_directory(tmp_path: Path, db: Path) -> None:
    out = run("inspect", db)
    assert out.returncode == 0, out.stderr
    assert out.stdout.index("CREATE TABLE users") < out.stdout.index("CREATE INDEX")
    assert "alembic_version" not in out.stdout and "_inline_sync" not in out.stdout
    assert run("plan", db, "-", "--check", stdin=out.stdout).returncode == 0
    assert run("inspect", db, "-o", tmp_path / "schema.sql").returncode == 0
    assert (tmp_path / "schema.sql").read_text() == out.stdout
    folder = tmp_path / "exported"
    made = run("inspect", db, "-o", f"{folder}/")
    assert made.returncode == 0 and "written to 2 file(s)" in made.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["01_users.sql", "02_emails.sql"]
    assert run("plan", db, folder, "--check").returncode == 0
    again = run("inspect", db, "-o", folder)
    assert again.returncode == 2 and "already holds .sql files" in again.stderr
    missing = run("inspect", tmp_path / "nope.db")
    assert missing.returncode == 5 and "no such database" in missing.stderr
    assert not (tmp_path / "nope.db").exists()


def test_diff_between_schemas_and_databases(tmp_path: Path, db: Path) -> None:
    v1 = tmp_path / "v1.sql"
    v1.write_text(V1)
    v2 = tmp_path / "v2.sql"
    v2.write_text(SCHEMA)
    out = run("diff", v1, v2)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"{v1} -> {v2}: 3 change(s)")
    assert "ADD COLUMN joined" in out.stdout
    assert run("diff", v1, v2, "--check").returncode == 1
    assert run("diff", v2, v1, "--check").returncode == 2  # dropping a column
    assert run("diff", db, v2, "--check").returncode == 0
    assert run("diff", v2, db, "--check").returncode == 0
    assert run("diff", db, "-", "--check", stdin=SCHEMA).returncode == 0
    data = json.loads(run("diff", db, "-", "--json", stdin=V1).stdout)
    assert data["status"] == "changes-needed" and data["destructive"] is True
    sql = run("diff", "-", db, "--sql", stdin=V1).stdout
    assert '\nALTER TABLE main."users" ADD COLUMN joined' in sql  # inside the safe script
    bad = run("diff", "-", "-")
    assert bad.returncode == 2 and "only one of FROM and TO" in bad.stderr


def test_stdin_schema_for_plan_and_sync(tmp_path: Path) -> None:
    target = tmp_path / "app.db"
    assert run("plan", target, "-", "--check", stdin=V1).returncode == 1
    refused = run("sync", target, "-", stdin=V1)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert run("sync", target, "-", "--yes", stdin=V1).returncode == 0
    assert tables(target) == ["users"]
    bad = run("plan", target, "-", stdin="CREATE TABLE t (x,\n")
    assert bad.returncode == 4 and "<stdin>:1:" in bad.stderr


def test_config_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "01.sql").write_text(V2)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.inline-sync]\ndatabase = "data/app.db"\n'
        'schema = ["schema/"]\nignore = ["legacy_*"]\nscratch-schema = "scratch-db"\n'
    )
    (tmp_path / "data").mkdir()
    sub = tmp_path / "data"  # run from a sub-directory: paths stay relative to pyproject.toml
    assert run("plan", "--check", cwd=sub).returncode == 1
    assert run("sync", "--yes", cwd=sub).returncode == 0
    assert columns(sub / "app.db", "users")[-1] == "joined"
    conn = sqlite3.connect(sub / "app.db")
    conn.execute("CREATE TABLE legacy_x (a)")
    conn.close()
    assert run("plan", "--check", cwd=sub).returncode == 0  # ignore from the config
    assert run("plan", "--check", "--ignore", "other", cwd=sub).returncode == 2  # overridden
    other = tmp_path / "v1.sql"
    other.write_text(V1)  # would drop the column joined
    assert run("plan", "app.db", other, "--check", cwd=sub).returncode == 2  # arguments win
    assert run("inspect", cwd=sub).stdout.count("CREATE TABLE") == 1
    (tmp_path / "pyproject.toml").write_text('[tool.inline-sync]\nschemas = ["x"]\n')
    out = run("plan", "--json", cwd=sub)
    assert out.returncode == 2 and "unknown setting 'schemas'" in out.stderr
    assert json.loads(out.stdout)["error"]["type"] == "ConfigError"
    assert run("plan", "app.db", other, "--no-config", "--check", cwd=sub).returncode == 2
    (tmp_path / "pyproject.toml").write_text("[tool.inline-sync]\n")
    out = run("plan", cwd=sub)
    assert out.returncode == 2 and "DB and SCHEMA missing" in out.stderr


def test_config_needs_tomllib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from inline_sync.config import ConfigError, load_config

    (tmp_path / "pyproject.toml").write_text('[tool.inline-sync]\ndatabase = "a.db"\n')
    assert Path(load_config(tmp_path).database or "").resolve() == (tmp_path / "a.db").resolve()
    monkeypatch.setitem(sys.modules, "tomllib", None)  # as on Python 3.10
    with pytest.raises(ConfigError, match=r"needs Python 3.11 or newer.*--no-config"):
        load_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config(tmp_path).path is None  # no table: nothing to read, no error


@pytest.mark.parametrize(
    ("args", "code", "kind"),
    [
        (("plan", "{db}", "{tmp}/nope.sql"), 4, "SchemaSourceError"),
        (("plan", "{db}", "{tmp}/bad.sql"), 4, "DefinitionError"),
        (("sync", "{db}", "{tmp}/drop.sql", "--yes"), 3, "DestructiveChangeError"),
        (("plan", "{db}", "{tmp}/bad.sql", "--scratch-schema", "nope"), 2, "UsageError"),
        (("plan", "{tmp}/bad.sql", "{db}"), 4, "SchemaSourceError"),
    ],
)
def test_json_errors(tmp_path: Path, db: Path, args: tuple[str, ...], code: int, kind: str) -> None:
    (tmp_path / "bad.sql").write_text(V1 + "\nCREATE TABLE broken (x,\n")
    (tmp_path / "drop.sql").write_text(V1)
    argv = [a.format(db=db, tmp=tmp_path) for a in args]
    plain = run(*argv)
    out = run(*argv, "--json")
    assert plain.returncode == out.returncode == code
    error = json.loads(out.stdout)["error"]
    assert error["type"] == kind and error["exit_code"] == code
    assert f"inline-sync: error: {error['message']}\n" == out.stderr
    if kind == "DefinitionError":
        assert (error["file"], error["line"]) == (str(tmp_path / "bad.sql"), 3)


def test_memory_database_is_not_missing(tmp_path: Path) -> None:
    schema = tmp_path / "s.sql"
    schema.write_text(V1)
    out = run("plan", ":memory:", schema)
    assert out.returncode == 0 and "does not exist yet" not in out.stdout
    assert out.stdout.startswith(":memory:: 1 change(s)")
    assert run("sync", ":memory:", schema, "--yes").returncode == 0
    assert not (tmp_path / ":memory:").exists() and not Path(":memory:").exists()


def test_wrong_order_hints(tmp_path: Path, db: Path) -> None:
    schema = tmp_path / "s.sql"
    schema.write_text(V1)
    out = run("plan", schema, db)
    assert out.returncode == 4 and "SQLite database, not a schema file" in out.stderr
    out = run("plan", schema, schema)
    assert out.returncode == 5 and "looks like a schema file" in out.stderr


def test_read_only_database_is_named(
    tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "s.sql"
    schema.write_text(SCHEMA + "CREATE TABLE more (x);")
    opened = cli.open_database

    def read_only(path: str, **kwargs: object) -> sqlite3.Connection:
        conn = opened(path, **{**kwargs, "writable": False})  # type: ignore[arg-type]
        return conn

    monkeypatch.setattr(cli, "open_database", read_only)  # root may write any file
    assert cli.main(["sync", str(db), str(schema), "--yes"]) == 5
    err = capsys.readouterr().err
    assert err.startswith(f"inline-sync: error: {db}: ") and "readonly" in err
    assert "more" not in tables(db)


def _tenants(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "tenants"
    folder.mkdir()
    for i in range(count):
        conn = sqlite3.connect(folder / f"t{i:02}.db")
        inline_sync.sync(conn, V1)
        conn.execute("INSERT INTO users (email) VALUES ('a@x')")
        conn.commit()
        conn.close()
    return folder


@pytest.mark.parametrize("jobs", [1, 2])
def test_sync_many_api(tmp_path: Path, jobs: int, caplog: pytest.LogCaptureFixture) -> None:
    from inline_sync.fleet import sync_many

    folder = _tenants(tmp_path, 6)
    odd = sqlite3.connect(folder / "t01.db")  # another current schema
    odd.execute("CREATE INDEX users_by_name ON users(name)")
    odd.close()
    broken = sqlite3.connect(folder / "t02.db")  # this one cannot take the new UNIQUE index
    broken.execute("INSERT INTO users (email) VALUES ('a@x')")
    broken.commit()
    broken.close()
    target = V2 + "CREATE UNIQUE INDEX users_email ON users(email);"
    dbs = sorted(folder.glob("*.db"))
    seen: list[int] = []
    with caplog.at_level(logging.INFO, logger="inline_sync"):
        result = sync_many(dbs, target, jobs=jobs, progress=lambda r, d, t: seen.append(d),
                           ignore=["users_by_name"])  # fmt: skip
    if jobs == 1:  # one INFO line per database synced, reused plan or not
        assert len([r for r in caplog.records if "synced in" in r.getMessage()]) == 5
    assert seen == list(range(1, 7))
    assert [r.status for r in result.results] == ["synced"] * 2 + ["failed"] + ["synced"] * 3
    assert "UNIQUE constraint failed" in result.results[2].error
    assert "joined" not in columns(folder / "t02.db", "users")  # all or nothing
    if jobs == 1:
        assert result.plans == 2  # one per distinct schema (t00/t03.. share one)
        assert [r.reused for r in result.results] == [False, False, False, True, True, True]
    for path in dbs:
        conn = sqlite3.connect(path)
        assert inline_sync.plan(conn, target, ignore=["users_by_name"]).statements == [] or (
            path.name == "t02.db"
        )
        conn.close()
    again = sync_many(dbs, target, ignore=["users_by_name"])
    assert [r.status for r in again.results].count("up-to-date") == 5
    assert not again.ok and again.summary().endswith("0 synced, 5 up to date, 1 failed")


def test_plan_is_reused_only_for_the_same_rows_answers(tmp_path: Path) -> None:
    from inline_sync.fleet import sync_many

    folder = _tenants(tmp_path, 2)
    conn = sqlite3.connect(folder / "t01.db")
    conn.execute("DELETE FROM users")  # an empty table may take ADD COLUMN ... NOT NULL
    conn.commit()
    conn.close()
    target = V1.replace("name TEXT", "name TEXT, age INTEGER NOT NULL")
    result = sync_many(sorted(folder.glob("*.db")), target)
    assert [r.status for r in result.results] == ["failed", "synced"]
    assert "DEFAULT" in result.results[0].error
    assert result.plans == 1 and not result.results[1].reused


def test_sync_many_command(tmp_path: Path) -> None:
    folder = _tenants(tmp_path, 4)
    schema = tmp_path / "s.sql"
    schema.write_text(V2)
    glob = f"{folder}/*.db"
    refused = run("sync", glob, schema)
    assert refused.returncode == 2 and "needs --yes" in refused.stderr
    out = run("sync", glob, schema, "--yes", "--jobs", "2")
    assert out.returncode == 0, out.stderr
    assert "4 database(s): 4 synced, 0 up to date, 0 failed" in out.stdout
    data = json.loads(run("sync", glob, schema, "--yes", "--json").stdout)
    assert (data["databases"], data["up_to_date"], data["failed"]) == (4, 4, 0)
    (folder / "t03.db").write_text("not a database " * 100)
    schema.write_text(V2 + "CREATE TABLE more (x);")
    out = run("sync", glob, schema, "--yes")
    assert out.returncode == 5
    assert f"{folder / 't03.db'}: failed: " in out.stdout and "3 synced" in out.stdout
    assert run("sync", f"{tmp_path}/none-*.db", schema, "--yes").returncode == 5
    assert os.path.exists(folder / "t00.db")


pytest_plugins = ["pytester"]


def test_pytest_fixture_reads_the_project_config(pytester: pytest.Pytester) -> None:
    pytester.mkdir("schema")
    (pytester.path / "schema" / "01.sql").write_text(V1 + "\nCREATE TABLE t (x,\n")
    pytester.makepyprojecttoml('[tool.inline-sync]\nschema = ["schema"]\nignore = ["x_*"]\n')
    pytester.makepyfile("def test_x(inline_sync_db):\n    pass\n")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*schema/01.sql:3*"])  # errors name the file and line
    (pytester.path / "schema" / "01.sql").write_text(V1)
    pytester.makepyfile(
        "def test_x(inline_sync_db):\n"
        "    assert inline_sync_db.execute('SELECT count(*) FROM users').fetchone() == (0,)\n"
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_plan_many_command(tmp_path: Path) -> None:
    folder = _tenants(tmp_path, 5)
    odd = sqlite3.connect(folder / "t04.db")
    odd.execute("ALTER TABLE users ADD COLUMN joined TEXT NOT NULL DEFAULT '2026-01-01'")
    odd.close()
    schema = tmp_path / "s.sql"
    schema.write_text(V2)
    glob = f"{folder}/*.db"
    before = {p: p.read_bytes() for p in folder.iterdir()}
    out = run("plan", glob, schema)
    assert out.returncode == 0, out.stderr
    assert "5 database(s): 5 to change (2 distinct plan(s)), 0 up to date, 0 failed" in out.stdout
    assert "4 database(s) (" in out.stdout and ", ...): 2 change(s)" in out.stdout
    assert run("sync", glob, schema, "--check").returncode == 1
    assert run("plan", glob, schema, "--sql").returncode == 2  # two plans: which one?
    data = json.loads(run("plan", glob, schema, "--json").stdout)
    assert [len(p["databases"]) for p in data["plans"]] == [4, 1]
    assert {p: p.read_bytes() for p in folder.iterdir()} == before  # nothing written
    assert run("sync", glob, schema, "--yes").returncode == 0
    out = run("plan", glob, schema, "--check")
    assert out.returncode == 0 and "0 to change (0 distinct plan(s)), 5 up to date" in out.stdout


def test_sync_many_reuses_a_rebuild(tmp_path: Path) -> None:
    from inline_sync.fleet import sync_many

    folder = _tenants(tmp_path, 3)
    target = V1.replace("email TEXT NOT NULL", "email TEXT NOT NULL COLLATE NOCASE")
    result = sync_many(sorted(folder.glob("*.db")), target)
    assert [r.reused for r in result.results] == [False, True, True] and result.plans == 1
    assert result.results[1].statements == result.results[0].statements
    assert any("RENAME" in s for s in result.results[2].statements)
    for path in folder.glob("*.db"):
        conn = sqlite3.connect(path)
        assert conn.execute("SELECT email FROM users").fetchall() == [("a@x",)]
        assert inline_sync.plan(conn, target).statements == []
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.close()


def test_plan_many_sql_is_the_safe_script(tmp_path: Path) -> None:
    folder = _tenants(tmp_path, 2)
    schema = tmp_path / "s.sql"
    schema.write_text(V2)
    out = run("plan", f"{folder}/*.db", schema, "--sql")
    assert out.returncode == 0, out.stderr
    conn = sqlite3.connect(folder / "t00.db")
    assert out.stdout == inline_sync.plan(conn, V2).script()
    conn.close()
