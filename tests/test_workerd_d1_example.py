"""``worker_examples/d1`` as users deploy it, in the real Python Workers runtime, on local D1.

The example is copied as is (``src/entry.py``, ``src/notes_app.py``, ``wrangler.toml`` with its
``[[d1_databases]]`` binding), ``inline_sync/`` is vendored into its ``src/`` as its README
says, and ``wrangler dev`` runs it on its own ``wrangler.toml`` with a local D1 database kept
under the harness's state directory across restarts; the harness adds only the runtime's extra
compatibility flags and the workerd binary. Readiness sends no request, so each start's first
request is the Worker's first: the one that syncs. Redeploys edit ``SCHEMA`` in the copy of
``notes_app.py``, as a user would. Everything goes over HTTP; the D1 database's SQLite file is
read with ``sqlite3`` only while wrangler is stopped.

The tests build on each other and run in order (one Worker, six starts). Needs ``npm ci`` and
workerd's sources (see workerd/README.md); skipped with the reason otherwise (failed if
INLINE_SYNC_REQUIRE_WORKERD is set).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from workerd_harness import WorkerdHTTPError
from workerd_python import ExampleHarness, next_step

pytestmark = pytest.mark.workerd

NOTES = "src/notes_app.py"
CREATED = "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))\n);"
INDEX = "CREATE INDEX notes_by_created ON notes (created_at);\n"
UNIQUE = "CREATE UNIQUE INDEX notes_unique_body ON notes (body);\n"
TAGS = "CREATE TABLE tags (name TEXT PRIMARY KEY);\n"
NOTE_TAGS = (
    "CREATE TABLE note_tags (note_id INTEGER NOT NULL REFERENCES notes (id) "
    "ON DELETE CASCADE, tag TEXT NOT NULL REFERENCES tags (name));\n"
)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    h = ExampleHarness(tmp_path_factory.mktemp("d1-example"), "d1")
    try:
        yield {"h": h}
    finally:
        h.stop()


def database(h: ExampleHarness) -> dict[str, Any]:
    """The Worker's one D1 database: schema and rows (wrangler stopped)."""
    databases = h.databases("d1")
    assert len(databases) == 1, sorted(databases)
    return next(iter(databases.values()))


def objects(db: dict[str, Any]) -> list[tuple[str, str]]:
    return [(kind, name) for kind, name, _ in db["schema"] if not name.startswith("_cf_")]


def notes(h: ExampleHarness) -> list[dict[str, Any]]:
    return h.request("GET", "/notes")["notes"]  # type: ignore[no-any-return]


def test_1_first_request_syncs_then_the_api_serves(example: dict[str, Any]) -> None:
    h: ExampleHarness = example["h"]
    h.deploy()
    h.start()
    assert "inline_sync:" not in h.output()  # nothing ran before the first request
    assert notes(h) == []  # the first request syncs the fresh database, then serves
    h.wait_for_output("inline_sync: synced (2 statements)")
    first = h.request("POST", "/notes", {"body": "hello"})
    assert first["id"] == 1 and first["body"] == "hello" and first["created_at"].endswith("Z")
    h.request("POST", "/notes", {"body": "world"})
    for bad in ({"body": ""}, {"nobody": 1}, ["x"], "x" * 10_001):
        with pytest.raises(WorkerdHTTPError) as exc:
            h.request("POST", "/notes", bad)
        assert exc.value.status == 400, exc.value
    status, _headers, _body = h.raw_request("POST", "/notes", None)
    assert status == 400  # an empty body is no note
    with pytest.raises(WorkerdHTTPError) as exc:
        h.request("GET", "/")
    assert exc.value.status == 404
    with pytest.raises(WorkerdHTTPError) as exc:
        h.request("DELETE", "/notes")
    assert exc.value.status == 405
    example["notes"] = notes(h)
    assert [n["body"] for n in example["notes"]] == ["hello", "world"]
    assert h.output().count("inline_sync:") == 1  # once per isolate: later requests skip it
    h.stop()
    db = database(h)
    assert objects(db) == [
        ("table", "_inline_sync_state"),
        ("table", "notes"),
        ("index", "notes_by_created"),
    ]
    assert [row[1] for row in db["rows"]["notes"]] == ["hello", "world"]
    example["state"] = db


def test_2_rows_survive_a_restart_and_an_up_to_date_sync_is_silent(
    example: dict[str, Any],
) -> None:
    h = next_step(example, "test_1")
    h.start()
    assert notes(h) == example["notes"]
    assert "inline_sync:" not in h.output()  # the new isolate's sync found nothing to do
    h.stop()
    assert database(h) == example["state"]


def test_3_schema_change_applied_on_restart(example: dict[str, Any]) -> None:
    h = next_step(example, "test_2")
    h.edit(NOTES, CREATED, "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),\n    tag TEXT\n);")
    h.edit(NOTES, INDEX, INDEX + TAGS)
    h.start()
    assert notes(h) == example["notes"]  # ids, bodies and timestamps kept
    h.wait_for_output("inline_sync: synced (2 statements)")  # ADD COLUMN, CREATE TABLE
    for _ in range(2):  # duplicates for test_4's unique index
        h.request("POST", "/notes", {"body": "dup"})
    h.stop()
    db = database(h)
    notes_sql = next(sql for _, name, sql in db["schema"] if name == "notes")
    assert "tag TEXT" in notes_sql
    assert ("table", "tags") in objects(db)
    assert [row[1] for row in db["rows"]["notes"]] == ["hello", "world", "dup", "dup"]
    assert all(row[3] is None for row in db["rows"]["notes"])  # the new column, NULL
    assert [row[:3] for row in db["rows"]["notes"][:2]] == [
        tuple(n.values()) for n in example["notes"]
    ]
    example["state"] = db


def test_3b_a_rebuild_keeps_every_row_and_the_cascade_children(example: dict[str, Any]) -> None:
    """A change SQLite cannot ALTER (a CHECK) rebuilds ``notes``; D1 enforces foreign keys,
    so dropping the old ``notes`` would delete its ON DELETE CASCADE children unless the
    sync rebuilds them too (the peers' data-loss case), in the one batch."""
    h = next_step(example, "test_3")
    h.edit(NOTES, TAGS, TAGS + NOTE_TAGS)
    h.start()
    notes(h)
    h.wait_for_output("inline_sync: synced (1 statements)")
    h.stop()
    (path,) = [p for p in (h.persist_dir / "v3" / "d1").glob("*/*.sqlite") if len(p.stem) == 64]
    db = sqlite3.connect(path)  # rows the app would have written (it has no route for them)
    with db:
        db.executemany("INSERT INTO tags VALUES (?)", [("a",), ("b",)])
        db.executemany("INSERT INTO note_tags VALUES (?, ?)", [(1, "a"), (2, "b"), (2, "a")])
    db.close()
    before = database(h)
    h.edit(NOTES, "BETWEEN 1 AND 10000", "BETWEEN 1 AND 20000")
    h.start()
    assert notes(h) == [
        dict(zip(("id", "body", "created_at"), r[:3], strict=True)) for r in before["rows"]["notes"]
    ]
    out = h.wait_for_output("inline_sync: synced")
    h.stop()
    after = database(h)
    assert "BETWEEN 1 AND 20000" in next(s for _, n, s in after["schema"] if n == "notes"), out
    for table in ("notes", "tags", "note_tags"):  # every row kept, the children too
        assert after["rows"][table] == before["rows"][table], table
    assert objects(after) == objects(before)  # no scratch table left behind
    example["state"] = after


def test_4_failing_sync_leaves_d1_unchanged_and_the_next_request_retries(
    example: dict[str, Any],
) -> None:
    h = next_step(example, "test_3")
    # A unique index over the two "dup" rows, and a column in the same change: SQLite refuses
    # the index, and the column must not be added either (one batch, all or nothing).
    h.edit(NOTES, INDEX, INDEX + UNIQUE)
    h.edit(NOTES, "tag TEXT\n", "tag TEXT,\n    pinned INTEGER\n")
    h.start()
    for _attempt in range(2):  # not synced: every request of the isolate tries again
        status, _headers, body = h.raw_request("GET", "/notes")
        assert status == 500, body
        assert "could not be synced" in body and "notes_unique_body" in body, body
    out = h.wait_for_output("inline_sync: ApplyError", count=2)
    assert out.count("UNIQUE constraint failed: notes.body") == 2, out
    assert "inline_sync: synced" not in out
    h.stop()
    assert database(h) == example["state"]  # exactly as before: no column, no index, no scratch

    # Fixed definitions (a plain index instead): the next start syncs and the request succeeds.
    h.edit(NOTES, UNIQUE, UNIQUE.replace("UNIQUE ", ""))
    h.start()
    assert [n["body"] for n in notes(h)] == ["hello", "world", "dup", "dup"]
    h.wait_for_output("inline_sync: synced (2 statements)")
    h.stop()
    db = database(h)
    assert ("index", "notes_unique_body") in objects(db)
    assert "pinned INTEGER" in next(sql for _, name, sql in db["schema"] if name == "notes")
    example["state"] = db


def test_5_destructive_change_is_refused(example: dict[str, Any]) -> None:
    h = next_step(example, "test_4")
    h.edit(NOTES, NOTE_TAGS, "")  # drops a table that holds rows
    h.start()
    status, _headers, body = h.raw_request("GET", "/notes")
    assert status == 500
    assert "note_tags" in body, body
    h.wait_for_output(re.compile(r"DestructiveChangeError: .*\n.*note_tags"))  # names it
    h.stop()
    assert database(h) == example["state"]


def test_the_example_runs_as_shipped(example: dict[str, Any]) -> None:
    h: ExampleHarness = example["h"]
    if not h.out.exists():
        h.deploy()
    for name in ("src/entry.py", "wrangler.toml", "pyproject.toml"):
        assert (h.out / name).read_bytes() == (h.example / name).read_bytes(), name
    assert "[[d1_databases]]" in (h.out / "wrangler.toml").read_text()
    vendored = sorted(p.name for p in (h.out / "src" / "inline_sync").glob("*.py"))
    assert "__init__.py" in vendored and "d1.py" in vendored
