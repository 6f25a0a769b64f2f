"""``worker_examples/durable_object`` as users deploy it, in the real Python Workers runtime.

The example is copied as is (``src/entry.py``, ``src/notes_app.py``, ``wrangler.toml``),
``inline_sync/`` is vendored into its ``src/`` as its README says, and ``wrangler dev`` runs it
on its own ``wrangler.toml``; the harness adds only the runtime's extra compatibility flags (on
the command line) and the workerd binary (``MINIFLARE_WORKERD_PATH``). Redeploys edit
``SCHEMA`` in the copy of ``notes_app.py``, as a user would, and restart on the same storage.
Everything goes over HTTP through the example's own routes; the Durable Objects' SQLite files
are read with ``sqlite3`` only while wrangler is stopped.

The tests build on each other and run in order (one worker, five starts).
Needs ``npm ci`` and workerd's sources (see workerd/README.md); skipped with the reason otherwise
(failed if INLINE_SYNC_REQUIRE_WORKERD is set).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from workerd_harness import WorkerdHTTPError
from workerd_python import ExampleHarness, next_step

pytestmark = pytest.mark.workerd

NOTES = "src/notes_app.py"
CREATED = "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))\n);"
INDEX = "CREATE INDEX notes_by_created ON notes (created_at);\n"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    h = ExampleHarness(tmp_path_factory.mktemp("example"), "durable_object")
    try:
        yield {"h": h}
    finally:
        h.stop()


def notes(h: ExampleHarness, room: str) -> list[dict[str, Any]]:
    return h.request("GET", f"/notes?room={room}")["notes"]  # type: ignore[no-any-return]


def test_1_constructor_sync_and_notes_api(example: dict[str, Any]) -> None:
    h: ExampleHarness = example["h"]
    h.deploy()
    h.start()
    assert notes(h, "a") == []  # the first request constructs the object: its sync runs first
    h.wait_for_output("inline_sync: schema synced (2 statements)")
    first = h.request("POST", "/notes?room=a", {"body": "hello"})
    assert first["id"] == 1 and first["body"] == "hello" and first["created_at"].endswith("Z")
    h.request("POST", "/notes?room=a", {"body": "world"})
    for bad in ({"body": ""}, {"nobody": 1}, ["x"]):
        with pytest.raises(WorkerdHTTPError) as exc:
            h.request("POST", "/notes?room=a", bad)
        assert exc.value.status == 400
    assert notes(h, "b") == []  # another room is another Durable Object
    with pytest.raises(WorkerdHTTPError) as exc:
        h.request("GET", "/")
    assert exc.value.status == 404
    with pytest.raises(WorkerdHTTPError) as exc:
        h.request("DELETE", "/notes?room=a")
    assert exc.value.status == 405
    assert h.output().count("inline_sync: schema synced") == 2  # rooms a and b
    example["notes"] = notes(h, "a")
    assert [n["body"] for n in example["notes"]] == ["hello", "world"]
    h.stop()
    state = h.databases("do")
    assert len(state) == 2
    for db in state.values():
        assert [(k, n) for k, n, _ in db["schema"] if not n.startswith(("_cf_", "sqlite_"))] == [
            ("table", "_inline_sync_state"),
            ("table", "notes"),
            ("index", "notes_by_created"),
        ]
    example["state"] = state


def test_2_rows_survive_a_restart(example: dict[str, Any]) -> None:
    h = next_step(example, "test_1")
    h.start()
    assert notes(h, "a") == example["notes"]
    assert notes(h, "b") == []
    assert "schema synced" not in h.output()  # up to date: the constructor's sync did nothing
    h.stop()
    assert h.databases("do") == example["state"]


def test_3_schema_change_applied_on_restart(example: dict[str, Any]) -> None:
    h = next_step(example, "test_2")
    h.edit(NOTES, CREATED, "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),\n    tag TEXT\n);")
    h.edit(NOTES, INDEX, INDEX + "CREATE TABLE tags (name TEXT PRIMARY KEY);\n")
    h.start()
    assert notes(h, "a") == example["notes"]  # ids, bodies and timestamps kept
    h.wait_for_output("inline_sync: schema synced (2 statements)")
    for _ in range(2):  # duplicates for test_4's unique index
        h.request("POST", "/notes?room=a", {"body": "dup"})
    h.stop()
    state = h.databases("do")
    a = next(db for db in state.values() if len(db["rows"]["notes"]) == 4)
    notes_sql = next(sql for _, name, sql in a["schema"] if name == "notes")
    assert "tag TEXT" in notes_sql
    assert ("table", "tags") in {(k, n) for k, n, _ in a["schema"]}
    assert [row[1] for row in a["rows"]["notes"]] == ["hello", "world", "dup", "dup"]
    assert all(row[3] is None for row in a["rows"]["notes"])  # the new column, NULL
    example["state"] = state


def test_4_failing_constructor_sync_changes_nothing_and_is_retried(
    example: dict[str, Any],
) -> None:
    h = next_step(example, "test_3")
    unique = "CREATE UNIQUE INDEX notes_unique_body ON notes (body);\n"
    h.edit(NOTES, INDEX, INDEX + unique)  # over the two "dup" rows: SQLite refuses it
    h.start()
    for _attempt in range(2):  # the object is reset after the failure: each request retries
        status, _headers, _body = h.raw_request("GET", "/notes?room=a")
        assert status == 500
    out = h.wait_for_output("ApplyError", count=2)  # each request's output may come late
    assert "UNIQUE constraint failed: notes.body" in out, out
    assert "schema synced" not in out
    assert notes(h, "b") == []  # room b has no duplicates: its sync succeeds
    h.stop()
    state = h.databases("do")
    a_name = next(name for name, db in state.items() if len(db["rows"]["notes"]) == 4)
    assert state[a_name] == example["state"][a_name]  # room a exactly as before the sync

    # Fixed definitions (a plain index instead): the next start syncs and the request succeeds.
    h.edit(NOTES, unique, unique.replace("UNIQUE ", ""))
    h.start()
    assert [n["body"] for n in notes(h, "a")] == ["hello", "world", "dup", "dup"]
    h.wait_for_output("inline_sync: schema synced (1 statements)")
    h.stop()
    indexes = {n for k, n, _ in h.databases("do")[a_name]["schema"] if k == "index"}
    assert "notes_unique_body" in indexes
    example["state"] = h.databases("do")


def test_5_destructive_change_is_refused(example: dict[str, Any]) -> None:
    h = next_step(example, "test_4")
    h.edit(NOTES, "CREATE TABLE tags (name TEXT PRIMARY KEY);\n", "")  # drops a table
    h.start()
    status, _headers, _body = h.raw_request("GET", "/notes?room=a")
    assert status == 500
    h.wait_for_output(re.compile(r"DestructiveChangeError: [^\[]*tags"))  # names the table
    h.stop()
    assert h.databases("do") == example["state"]


def test_vendored_library_is_the_working_tree(example: dict[str, Any]) -> None:
    h: ExampleHarness = example["h"]
    project: Path = h.out
    assert (project / "src" / "entry.py").read_bytes() == (
        h.example / "src" / "entry.py"
    ).read_bytes()
    assert (project / "wrangler.toml").read_bytes() == (h.example / "wrangler.toml").read_bytes()
    vendored = sorted(p.name for p in (project / "src" / "inline_sync").glob("*.py"))
    assert "__init__.py" in vendored and "engine.py" in vendored
