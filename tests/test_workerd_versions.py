"""Durable Object storage on each workerd the project pins: the SQLite inside differs, and so
does what its authorizer lets through; the sync must work on all of them.

The 3.53 ALTER forms are ``ALTER COLUMN ... SET/DROP NOT NULL`` and ``ADD/DROP CONSTRAINT``:

| binary | SQLite | the 3.53 forms |
|---|---|---|
| ``wrangler`` (1.20260426.1) | 3.47 | do not exist (syntax error) |
| ``pinned`` (1.20260822.1) | 3.53 | parse, refused by the authorizer |
| ``next`` (1.20261117.1, newest npm release) | 3.54 | parse, refused by the authorizer |

The JS-hosted harness runs on every binary (``MINIFLARE_WORKERD_PATH``); the real Python
Workers runtime on ``pinned``, and on ``next`` only where workerd's sources at that binary's tag
are at hand (``../shared/vendor/workerd-v<version>``): its Pyodide bundle must be built from
the binary's own sources (one built from 1.20260822.1's does not load on 1.20261117.1), so
without them those tests skip and say why. Whether
a form is usable must come from what the connection accepts, not from a version number: these
tests fail if a sync ever sends a refused form, and the probe test says when a binary starts
accepting one (then the capability detection should use it there).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from workerd_harness import WorkerdHarness, WorkerdHTTPError
from workerd_python import AnyHarness, PythonWorkerHarness

pytestmark = pytest.mark.workerd

APP = "workerd/example_app.py"
EXTRA = ["worker_examples/durable_object/src/notes_app.py", "workerd/harness_app.py"]
# ("python", "next") skips unless workerd's sources at the next binary's tag are at hand
RUNTIMES = [
    ("js", "wrangler"),
    ("js", "pinned"),
    ("js", "next"),
    ("python", "pinned"),
    ("python", "next"),
]
NEW_FORMS = ("ALTER COLUMN", "ADD CONSTRAINT", "DROP CONSTRAINT")

ITEM = "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, price INTEGER);\n"
CHILD = "CREATE TABLE part (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES item(id));\n"


@pytest.fixture(scope="module", params=RUNTIMES, ids=lambda r: f"{r[0]}-{r[1]}")
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AnyHarness]:
    mode, workerd = request.param
    tmp = tmp_path_factory.mktemp(f"versions-{mode}-{workerd}")
    h: AnyHarness
    if mode == "js":
        h = WorkerdHarness(tmp, workerd=workerd)
    else:
        h = PythonWorkerHarness(tmp, workerd=workerd)
    try:
        h.build(app_module=APP, extra=EXTRA, schema_sql="")
        h.start()
        assert h.startup_error() is None
        yield h
    finally:
        h.stop()


def sync(h: AnyHarness, definitions: str, do: str, **options: Any) -> dict[str, Any]:
    return h.request("POST", f"/__sync?do={do}", {"definitions": definitions, **options})  # type: ignore[no-any-return]


def sql(h: AnyHarness, query: str, do: str) -> list[list[Any]]:
    return h.request("POST", f"/sql?do={do}", {"sql": query})["rows"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE probe ALTER COLUMN x SET NOT NULL",
        "ALTER TABLE probe ALTER COLUMN y DROP NOT NULL",
        "ALTER TABLE probe ADD CONSTRAINT c CHECK (x > 0)",
        "ALTER TABLE probe DROP CONSTRAINT named",
    ],
)
def test_the_353_alter_forms_are_refused(live: AnyHarness, statement: str) -> None:
    do = "probe-" + "".join(ch for ch in statement.lower() if ch.isalnum())[-24:]
    sql(live, "CREATE TABLE IF NOT EXISTS probe (x INTEGER, y INTEGER NOT NULL, "
        "CONSTRAINT named CHECK (y > 0))", do)  # fmt: skip
    with pytest.raises(WorkerdHTTPError) as exc:
        sql(live, statement, do)
    message = exc.value.data["error"]["message"]
    assert "not authorized" in message or "syntax error" in message, message
    # The refusal leaves the table as it was.
    assert sql(live, "SELECT sql FROM sqlite_schema WHERE name = 'probe'", do)[0][0].endswith(
        "CONSTRAINT named CHECK (y > 0))"
    )


def test_not_null_and_check_changes_never_send_a_refused_form(live: AnyHarness) -> None:
    do = "changes"
    assert sync(live, ITEM + CHILD, do)["status"] == "synced"
    sql(live, "INSERT INTO item VALUES (1, 'pen', 2), (2, 'ink', 5)", do)
    sql(live, "INSERT INTO part VALUES (10, 1), (20, 2)", do)
    steps = [
        ITEM.replace("name TEXT", "name TEXT NOT NULL"),  # SET NOT NULL
        ITEM.replace("price INTEGER", "price INTEGER CHECK (price >= 0)"),  # add a CHECK
        ITEM.replace("price INTEGER", "price INTEGER CONSTRAINT positive CHECK (price > 0)"),
        ITEM,  # drop the named CHECK, and NOT NULL
    ]
    for definitions in steps:
        result = sync(live, definitions + CHILD, do)
        assert result["status"] == "synced", result
        sent = " ".join(result["executed"]).upper()
        assert not any(form in sent for form in NEW_FORMS), result["executed"]
        assert sql(live, "SELECT * FROM item ORDER BY id", do) == [[1, "pen", 2], [2, "ink", 5]]
        assert sql(live, "SELECT * FROM part ORDER BY id", do) == [[10, 1], [20, 2]]
        assert sync(live, definitions + CHILD, do)["status"] == "up-to-date"
    with pytest.raises(WorkerdHTTPError, match="CHECK constraint failed"):
        sync(live, steps[2] + CHILD, do)  # back to price > 0 ...
        sql(live, "INSERT INTO item VALUES (3, 'cup', 0)", do)  # ... which refuses 0
