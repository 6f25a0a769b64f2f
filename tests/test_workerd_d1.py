"""The D1 path under Pyodide: ``inline_sync.sync_async`` from Python running in workerd
(Pyodide hosted by the harness's Durable Object, see workerd/README.md) on a real local D1
binding, through the Pyodide FFI (``to_js`` of the statement list, ``results.to_py()``, JS
errors). Also the D1 example's own ``notes_app`` module. One wrangler start for the module.

Needs ``npm ci`` (skipped otherwise, failed if INLINE_SYNC_REQUIRE_WORKERD is set).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_d1 import PEERS, PEERS_REBUILT, ROWS
from workerd_harness import WorkerdHarness, WorkerdHTTPError

pytestmark = pytest.mark.workerd


@pytest.fixture(scope="module")
def h(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerdHarness]:
    harness = WorkerdHarness(tmp_path_factory.mktemp("d1"))
    harness.build(app_module="workerd/d1_app.py", extra=["worker_examples/d1/src/notes_app.py"])
    harness.start()
    try:
        yield harness
    finally:
        harness.stop()


def sql(h: WorkerdHarness, query: str, *params: Any) -> list[tuple[Any, ...]]:
    answer = h.request("POST", "/__d1/sql", {"sql": query, "params": list(params)})
    return [tuple(r) for r in answer["rows"]]


def sync(h: WorkerdHarness, definitions: str, **options: Any) -> dict[str, Any]:
    # The example's notes table shares the database: these syncs leave it alone.
    request = {"definitions": definitions, "ignore": ["notes*"], **options}
    return h.request("POST", "/__d1/sync", request)  # type: ignore[no-any-return]


def refused(h: WorkerdHarness, definitions: str, **options: Any) -> dict[str, Any]:
    with pytest.raises(WorkerdHTTPError) as failed:
        sync(h, definitions, **options)
    assert failed.value.status == 409, failed.value.body
    return failed.value.data["error"]  # type: ignore[no-any-return]


def test_the_example_syncs_on_its_first_request(h: WorkerdHarness) -> None:
    assert h.request("GET", "/notes") == {"notes": []}
    note = h.request("POST", "/notes", {"body": "hello"})
    assert note["body"] == "hello"
    assert [n["body"] for n in h.request("GET", "/notes")["notes"]] == ["hello"]
    h.wait_for_output("inline_sync: synced")


def test_sync_async_from_pyodide_keeps_every_child_row(h: WorkerdHarness) -> None:
    assert sync(h, PEERS)["status"] == "synced"
    h.request("POST", "/__d1/script", {"statements": [s for s in ROWS.split(";") if s.strip()]})
    assert sync(h, PEERS)["status"] == "up-to-date"
    assert h.request("POST", "/__d1/plan", {"definitions": PEERS_REBUILT})["foreign_keys"] == (
        "enforced"
    )
    result = sync(h, PEERS_REBUILT)
    assert result["status"] == "synced"
    assert ["table", "kid_cascade", "rebuild"] in result["changes"]
    assert sql(h, "SELECT id, parent_id FROM kid_cascade ORDER BY id") == [(10, 1), (11, 2)]
    assert sql(h, "SELECT id, parent_id FROM kid_null ORDER BY id") == [(20, 1), (21, 2)]
    assert sql(h, "SELECT name FROM sqlite_master WHERE name LIKE '\\_\\_sync%' ESCAPE '\\'") == []


def test_errors_from_pyodide_name_the_culprit_and_change_nothing(h: WorkerdHarness) -> None:
    sync(h, PEERS_REBUILT)
    schema = sql(h, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    error = refused(h, PEERS_REBUILT + "CREATE UNIQUE INDEX one ON kid_null (1);")
    assert error["type"] == "ApplyError" and error["step"] == "one"
    assert "UNIQUE constraint failed" in error["message"]
    error = refused(h, PEERS_REBUILT + "CREATE VIEW broken AS SELECT nope FROM parent;")
    assert error["type"] == "DefinitionError" and error["name"] == "broken"
    assert sql(h, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == schema
    assert sql(h, "SELECT count(*) FROM kid_cascade") == [(2,)]
