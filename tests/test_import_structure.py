"""What a cold start loads: the import structure keeps the up-to-date path light.

These tests run fresh interpreters and look at ``sys.modules``; they assert which modules are
loaded, never how long anything takes (timings live in bench/).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Modules the up-to-date path must not need: the planning stages, the tokenizer and the heavy
# parts of the standard library they use.
HEAVY = (
    "typing",
    "re",
    "dataclasses",
    "inspect",
    "fnmatch",
    "inline_sync.tokenizer",
    "inline_sync.statements",
    "inline_sync.definitions",
    "inline_sync.clients",
    "inline_sync.planner",
    "inline_sync.scratch",
    "inline_sync.statement_names",
    "inline_sync.apply",
)


def loaded_after(code: str, watched: set[str] | tuple[str, ...] = HEAVY) -> set[str]:
    """The modules of ``watched`` loaded by ``code`` in a fresh interpreter without
    site-packages (whose .pth hooks may import re and more before we look)."""
    script = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
        f"before = set(sys.modules); {code}; new = sorted(set(sys.modules) - before); "
        f"import json; print(json.dumps(new))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    return set(json.loads(out.splitlines()[-1])) & set(watched)


def test_import_loads_nothing_heavy() -> None:
    assert loaded_after("import inline_sync") == set()


def test_cold_start_that_finds_nothing_to_do_loads_nothing_heavy(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    schema = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); CREATE INDEX t_name ON t(name);"
    setup = (
        f"import sqlite3, inline_sync; c = sqlite3.connect({str(path)!r}); "
        f"assert inline_sync.sync(c, {schema!r}).status == 'synced'"
    )
    assert "inline_sync.planner" in loaded_after(setup)  # the first sync plans
    again = (
        f"import sqlite3, inline_sync; c = sqlite3.connect({str(path)!r}); "
        f"assert inline_sync.sync(c, {schema!r}).status == 'up-to-date'"
    )
    assert loaded_after(again) == set()


def test_client_is_still_importable_from_the_package() -> None:
    import inline_sync
    from inline_sync.clients import Client

    assert inline_sync.Client is Client
    assert "Client" in inline_sync.__all__


def test_plan_that_finds_nothing_loads_no_planning_stages(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    schema = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE TABLE u (t_id REFERENCES t);"
        "CREATE VIEW v AS SELECT id FROM t;"  # views and triggers are checked in every plan
        "CREATE TRIGGER tr AFTER UPDATE OF a ON t BEGIN DELETE FROM u; END;"
    )
    connect = f"import sqlite3, inline_sync; c = sqlite3.connect({str(path)!r}); "
    stages = {
        "inline_sync.planner",
        "inline_sync.rebuild",
        "inline_sync.virtual_tables",
        "inline_sync.drop_order",
        "inline_sync.verify",
        "inline_sync.apply",
        "inline_sync.diff",
        "inline_sync.ddl",  # the DDL parser and the schema model: only when something differs
        "inline_sync.models",
    }
    assert loaded_after(connect + f"inline_sync.sync(c, {schema!r})", stages) == stages
    plan = connect + f"assert inline_sync.plan(c, {schema!r}).status == 'up-to-date'"
    assert loaded_after(plan, stages) == set()


def test_planning_loads_no_dataclasses_inspect_or_typing(tmp_path: Path) -> None:
    # The first plan() of a process pays for every module it loads: the plain data types are
    # written by hand, not made by dataclasses (which imports inspect and runs exec), and
    # annotations need typing only under TYPE_CHECKING.
    path = tmp_path / "app.db"
    schema = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT -- @renamed from=b\n); "
        "CREATE TABLE u (t_id REFERENCES t); CREATE VIEW v AS SELECT * FROM t; "
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u; END;"
    )
    code = (
        f"import sqlite3, inline_sync; c = sqlite3.connect({str(path)!r}); "
        "c.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT)'); "
        f"p = inline_sync.plan(c, {schema!r}); assert p.status == 'changes-needed'; "
        f"assert inline_sync.sync(c, {schema!r}).status == 'synced'"
    )
    watched = {"inline_sync.planner", "inline_sync.apply", "dataclasses", "inspect", "typing"}
    assert loaded_after(code, watched) == {"inline_sync.planner", "inline_sync.apply"}
