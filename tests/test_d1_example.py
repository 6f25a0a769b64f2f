"""worker_examples/d1: the example's own module (src/notes_app.py) against the D1 stand-in and
real local D1, as a Worker would call it: one ``handle`` per request."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import pytest
from fake_d1 import FakeD1
from workerd_harness import REPO

sys.path.insert(0, str(REPO / "worker_examples" / "d1" / "src"))
import notes_app  # the example's module (imports inline_sync, not workers)


@pytest.fixture(params=["fake", "real"])
def db(request: pytest.FixtureRequest) -> Any:
    notes_app._synced.clear()  # a new isolate
    if request.param == "fake":
        return FakeD1()
    return request.getfixturevalue("bridge").database()


def call(db: Any, method: str, body: Any = None, definitions: str = notes_app.SCHEMA) -> Any:
    text = json.dumps(body) if body is not None else ""
    return asyncio.run(notes_app.handle(db, method, "/notes", text, definitions))


def test_first_request_syncs_then_serves(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert call(db, "GET") == (200, {"notes": []})
    assert "inline_sync: synced" in capsys.readouterr().out
    status, note = call(db, "POST", {"body": "hello"})
    assert status == 201 and note["body"] == "hello" and note["id"] == 1
    before = db.batches
    assert call(db, "GET")[1]["notes"][0]["body"] == "hello"
    assert db.batches == before  # synced once per isolate: no more batches
    assert call(db, "POST", {"body": ""})[0] == 400


def test_a_new_isolate_costs_one_round_trip(db: Any) -> None:
    call(db, "GET")
    notes_app._synced.clear()
    before = db.batches
    call(db, "GET")
    assert db.batches - before == 1


def test_a_redeploy_adds_a_column_and_keeps_the_notes(db: Any) -> None:
    call(db, "POST", {"body": "kept"})
    notes_app._synced.clear()
    pinned = notes_app.SCHEMA.replace(
        "created_at TEXT", "pinned INTEGER NOT NULL DEFAULT 0,\n    created_at TEXT"
    )
    status, value = call(db, "GET", definitions=pinned)
    # A column added before others is a rebuild; the note survives it.
    assert status == 200 and [n["body"] for n in value["notes"]] == ["kept"]
    assert db.q("SELECT pinned FROM notes") == [(0,)]


def test_a_failing_redeploy_answers_500_and_changes_nothing(db: Any) -> None:
    call(db, "POST", {"body": "same"})
    call(db, "POST", {"body": "same"})
    schema = db.q("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    notes_app._synced.clear()
    unique = notes_app.SCHEMA + "CREATE UNIQUE INDEX one_body ON notes (body);"
    status, value = call(db, "GET", definitions=unique)
    assert status == 500 and "UNIQUE constraint failed" in value["error"]
    assert db.q("SELECT type, name, sql FROM sqlite_master ORDER BY name") == schema
    assert db.q("SELECT count(*) FROM notes") == [(2,)]
    assert call(db, "GET")[0] == 200  # the old definitions still work


def test_isolates_starting_together_sync_once(db: Any) -> None:
    async def two_isolates() -> list[Any]:
        first = await asyncio.gather(
            notes_app.inline_sync.sync_async(db, notes_app.SCHEMA),
            notes_app.inline_sync.sync_async(db, notes_app.SCHEMA),
        )
        return list(first)

    results = asyncio.run(two_isolates())
    assert sorted(r.status for r in results) == ["synced", "synced-by-peer"]
