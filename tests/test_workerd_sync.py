"""inline_sync against real Durable Object SQLite: Python (Pyodide) in a Durable Object in local
workerd (``wrangler dev``), running the Durable Object example's own module,
``worker_examples/durable_object/src/notes_app.py``, through ``workerd/example_app.py``.

Two workers in all, to keep ``wrangler dev`` starts few (4 starts, well under a minute):

* ``redeploy``: one Durable Object restarted with new definitions on the same persisted state,
  the sync running in the constructor (inside ``blockConcurrencyWhile``): first start, a redeploy
  that adds a column and a unique index, a redeploy whose change fails. The tests of this group
  run in order and build on each other.
* ``live``: one worker; each test uses its own Durable Object (``?do=NAME``) and syncs during a
  request (``POST /__sync``), against the same storage API and in the same ``transactionSync``.

Every test runs in both harness modes (``workerd_python.HARNESS_MODES``): ``js``, a JavaScript
Durable Object hosting upstream Pyodide 0.28 (production's Pyodide line), and ``python``, the
real Python Workers runtime (a ``workers`` SDK Durable Object on workerd's own Pyodide loader).

Needs ``npm ci`` (skipped otherwise, failed if INLINE_SYNC_REQUIRE_WORKERD is set).
Run: python -m pytest -m workerd tests/test_workerd_sync.py -v
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from workerd_harness import REPO, WorkerdHTTPError
from workerd_python import HARNESS_MODES, make_harness
from workerd_python import AnyHarness as WorkerdHarness

sys.path.insert(0, str(REPO / "worker_examples" / "durable_object" / "src"))
import notes_app  # the example's module (imports inline_sync, not workers)

pytestmark = pytest.mark.workerd

APP = "workerd/example_app.py"
EXTRA = ["worker_examples/durable_object/src/notes_app.py", "workerd/harness_app.py"]
SCHEMA = notes_app.SCHEMA
NOT_USER = ("sqlite_", "_cf_", "__miniflare_do_name", "_inline_sync_")


# ---- helpers ---------------------------------------------------------------------------------


def at(path: str, do: str | None) -> str:
    return f"{path}?do={do}" if do else path


def sql(
    h: WorkerdHarness, query: str, *params: Any, do: str | None = None
) -> list[tuple[Any, ...]]:
    answer = h.request("POST", at("/sql", do), {"sql": query, "params": list(params)})
    return [tuple(row) for row in answer["rows"]]


def schema(h: WorkerdHarness, do: str | None = None) -> list[tuple[Any, ...]]:
    """Every row of sqlite_schema, the library's and the runtime's included."""
    return sql(h, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name", do=do)


def user_objects(h: WorkerdHarness, do: str | None = None) -> list[tuple[str, str]]:
    return [
        (row[0], row[1])
        for row in schema(h, do)
        if not str(row[1]).lower().startswith(tuple(p.lower() for p in NOT_USER))
    ]


def scratch_names(h: WorkerdHarness, do: str | None = None) -> list[str]:
    return [str(row[1]) for row in schema(h, do) if str(row[1]).lower().startswith("__sync_")]


def sync_now(h: WorkerdHarness, definitions: str, do: str, **options: Any) -> dict[str, Any]:
    return h.request("POST", at("/__sync", do), {"definitions": definitions, **options})  # type: ignore[no-any-return]


def sync_error(h: WorkerdHarness, definitions: str, do: str, **options: Any) -> dict[str, Any]:
    with pytest.raises(WorkerdHTTPError) as exc:
        sync_now(h, definitions, do, **options)
    assert exc.value.status == 409, exc.value.body
    return exc.value.data["error"]  # type: ignore[no-any-return]


def rows_of(h: WorkerdHarness, tables: list[str], do: str) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sql(h, f'SELECT rowid, * FROM "{t}" ORDER BY rowid', do=do) for t in tables}


def new_harness(request: pytest.FixtureRequest, name: str) -> WorkerdHarness:
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    return make_harness(request.param, factory.mktemp(f"{name}-{request.param}"))


# ---- redeploys: the sync in the constructor, restarts on the same persisted state ----------

V2 = SCHEMA.replace(
    "created_at TEXT NOT NULL",
    "tag        TEXT,\n    created_at TEXT NOT NULL",
)  # a column in the middle is a rebuild; add it at the end instead:
V2 = (
    SCHEMA.replace(
        "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))\n",
        "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),\n    tag TEXT\n",
    )
    + "CREATE UNIQUE INDEX notes_by_tag ON notes (tag);\n"
)
# Fails on the duplicate bodies added after V2; the new `pinned` column must be rolled back too.
V3 = V2.replace("    tag TEXT\n", "    tag TEXT,\n    pinned INTEGER NOT NULL DEFAULT 0\n") + (
    "CREATE UNIQUE INDEX notes_unique_body ON notes (body);\n"
)


@pytest.fixture(scope="module", params=HARNESS_MODES)
def redeploy(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    h = new_harness(request, "redeploy")
    state: dict[str, Any] = {"h": h}
    try:
        yield state
    finally:
        h.stop()


def restart(h: WorkerdHarness, definitions: str) -> None:
    h.stop()
    h.build(app_module=APP, extra=EXTRA, schema_sql=definitions)
    h.start()


def test_1_first_start_creates_the_schema(redeploy: dict[str, Any]) -> None:
    h: WorkerdHarness = redeploy["h"]
    restart(h, SCHEMA)
    assert h.startup_error() is None  # the first request constructs the object: on_start syncs
    result = h.request("GET", "/__sync")["last_synced"]
    assert result["status"] == "synced"
    assert result["strategy"] == "prefix"
    assert ["table", "notes", "create"] in result["changes"]
    assert user_objects(h) == [("index", "notes_by_created"), ("table", "notes")]
    assert scratch_names(h) == []
    assert not any(
        s.upper().startswith(("BEGIN", "SAVEPOINT", "ATTACH", "CREATE TEMP"))
        for s in result["executed"]
    )
    h.wait_for_output("inline_sync: schema synced")
    for body in ("first", "second", "third"):
        h.request("POST", "/notes", {"body": body})
    notes = h.request("GET", "/notes")["notes"]
    assert [n["body"] for n in notes] == ["first", "second", "third"]
    redeploy["notes"] = notes


def test_2_redeploy_adds_a_column_and_a_unique_index(redeploy: dict[str, Any]) -> None:
    h: WorkerdHarness = redeploy["h"]
    if "notes" not in redeploy:
        pytest.skip("needs test_1")
    restart(h, V2)
    assert h.startup_error() is None
    result = h.request("GET", "/__sync")["last_synced"]
    assert result["status"] == "synced"
    assert result["executed"] == [
        'ALTER TABLE main."notes" ADD COLUMN tag TEXT',
        "CREATE UNIQUE INDEX main.notes_by_tag ON notes (tag)",
    ], result
    assert h.request("GET", "/notes")["notes"] == redeploy["notes"]  # ids and timestamps too
    columns = [r[1] for r in sql(h, "PRAGMA table_info(notes)")]
    assert columns == ["id", "body", "created_at", "tag"]
    unique = {r[1]: r[2] for r in sql(h, "PRAGMA index_list(notes)")}
    assert unique["notes_by_tag"] == 1
    assert scratch_names(h) == []
    sql(h, "UPDATE notes SET tag = 'a' WHERE id = 1")
    with pytest.raises(WorkerdHTTPError, match=r"UNIQUE constraint failed: notes\.tag"):
        sql(h, "UPDATE notes SET tag = 'a' WHERE id = 2")
    for _ in range(2):  # duplicates for the next redeploy's unique index
        h.request("POST", "/notes", {"body": "dup"})
    redeploy["v2_schema"] = schema(h)
    redeploy["v2_rows"] = sql(h, "SELECT * FROM notes ORDER BY id")


def test_3_failing_redeploy_rolls_back_and_reports_sqlite_message(
    redeploy: dict[str, Any],
) -> None:
    h: WorkerdHarness = redeploy["h"]
    if "v2_rows" not in redeploy:
        pytest.skip("needs test_2")
    restart(h, V3)
    err = h.startup_error()
    assert err is not None, h.output()
    assert err["phase"] == "on_start"
    assert err["python"] is True
    assert err["type"] == "ApplyError"
    assert "UNIQUE constraint failed: notes.body" in err["message"]
    assert "Traceback" in err["message"]
    h.wait_for_output("on_start RAISED ApplyError")
    # Rolled back as a whole: no `pinned` column, no new index, the rows as they were.
    assert schema(h) == redeploy["v2_schema"]
    assert sql(h, "SELECT * FROM notes ORDER BY id") == redeploy["v2_rows"]
    assert scratch_names(h) == []
    # The object still answers; and the same sync during a request gives ApplyError's fields.
    assert len(h.request("GET", "/notes")["notes"]) == 5
    error = sync_error(h, V3, do="main")
    assert error["type"] == "ApplyError"
    assert "UNIQUE constraint failed: notes.body" in error["sqlite_message"]
    assert error["message"].startswith(
        "SQLite refused to create index notes_unique_body: UNIQUE constraint failed: notes.body"
    ), error["message"]
    assert "SQLITE_CONSTRAINT" not in error["message"]
    assert schema(h) == redeploy["v2_schema"]


def test_apply_error_sqlite_message_is_sqlites_own(live: WorkerdHarness) -> None:
    do = "apply-error"
    live.request("POST", at("/notes", do), {"body": "same"})
    live.request("POST", at("/notes", do), {"body": "same"})
    error = sync_error(live, SCHEMA + "CREATE UNIQUE INDEX b ON notes (body);", do)
    assert error["sqlite_message"] == "UNIQUE constraint failed: notes.body"


# ---- one live worker, one Durable Object per test ------------------------------------------


@pytest.fixture(scope="module", params=HARNESS_MODES)
def live(request: pytest.FixtureRequest) -> Iterator[WorkerdHarness]:
    h = new_harness(request, "live")
    try:
        h.build(app_module=APP, extra=EXTRA, schema_sql=SCHEMA)
        h.start()
        assert h.startup_error() is None
        yield h
    finally:
        h.stop()


FAMILY = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE cascade_child (id INTEGER PRIMARY KEY,
    pid INTEGER REFERENCES parent(id) ON DELETE CASCADE);
CREATE TABLE setnull_child (id INTEGER PRIMARY KEY,
    pid INTEGER REFERENCES parent(id) ON DELETE SET NULL);
CREATE TABLE grandchild (id INTEGER PRIMARY KEY,
    cid INTEGER NOT NULL REFERENCES cascade_child(id) ON DELETE CASCADE);
CREATE TABLE tree (id INTEGER PRIMARY KEY, up INTEGER REFERENCES tree(id) ON DELETE CASCADE,
    pid INTEGER REFERENCES parent(id) ON DELETE SET NULL);
CREATE INDEX cascade_child_pid ON cascade_child(pid);
"""
FAMILY_TABLES = ["parent", "cascade_child", "setnull_child", "grandchild", "tree"]


def test_4_parent_rebuild_keeps_every_child_row_and_link(live: WorkerdHarness) -> None:
    do = "fk"
    assert sync_now(live, SCHEMA + FAMILY, do)["status"] == "synced"
    inserts = [
        "INSERT INTO parent VALUES (1, 'a'), (2, 'b'), (3, 'c')",
        "INSERT INTO cascade_child VALUES (10, 1), (20, 2), (21, 2), (30, NULL)",
        "INSERT INTO setnull_child VALUES (1, 1), (2, 2), (3, 3)",
        "INSERT INTO grandchild VALUES (100, 10), (200, 20), (201, 21)",
        "INSERT INTO tree VALUES (1, NULL, 1), (2, 1, 2), (3, 2, NULL)",
    ]
    for statement in inserts:
        sql(live, statement, do=do)
    before = rows_of(live, FAMILY_TABLES, do)

    # A change SQLite cannot ALTER: the parent is rebuilt, and with it every table that
    # references it, transitively (foreign keys cannot be switched off in a Durable Object).
    desired = SCHEMA + FAMILY.replace(
        "parent (id INTEGER PRIMARY KEY, name TEXT)",
        "parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '' COLLATE NOCASE)",
    )
    result = sync_now(live, desired, do)
    assert result["status"] == "synced"
    rebuilt = {name for kind, name, action in result["changes"] if action == "rebuild"}
    assert "parent" in rebuilt
    assert rows_of(live, FAMILY_TABLES, do) == before
    assert sql(live, "PRAGMA foreign_key_check", do=do) == []
    assert sql(live, "PRAGMA foreign_keys", do=do) == [(1,)]
    for child in ("cascade_child", "setnull_child", "tree"):
        targets = {r[2] for r in sql(live, f"PRAGMA foreign_key_list({child})", do=do)}
        assert "parent" in targets, (child, targets)
    assert {r[2] for r in sql(live, "PRAGMA foreign_key_list(grandchild)", do=do)} == {
        "cascade_child"
    }
    assert (
        "COLLATE NOCASE"
        in sql(live, "SELECT sql FROM sqlite_schema WHERE name='parent'", do=do)[0][0]
    )
    assert scratch_names(live, do) == []
    assert sync_now(live, desired, do)["status"] == "up-to-date"

    # The links still act as declared.
    sql(live, "DELETE FROM parent WHERE id = 2", do=do)
    assert sql(live, "SELECT id FROM cascade_child ORDER BY id", do=do) == [(10,), (30,)]
    assert sql(live, "SELECT id FROM grandchild ORDER BY id", do=do) == [(100,)]
    assert sql(live, "SELECT id, pid FROM setnull_child ORDER BY id", do=do) == [
        (1, 1),
        (2, None),
        (3, 3),
    ]
    assert sql(live, "SELECT id, up, pid FROM tree ORDER BY id", do=do) == [
        (1, None, 1),
        (2, 1, None),
        (3, 2, None),
    ]


def test_5_cf_kv_and_miniflare_tables_are_left_alone(live: WorkerdHarness) -> None:
    do = "kv"
    assert live.request("POST", at("/kv", do), {"key": "greeting", "value": "hello"}) == {
        "value": "hello"
    }
    runtime = [r for r in schema(live, do) if str(r[1]) in ("_cf_KV", "__miniflare_do_name")]
    # miniflare records an object's name in __miniflare_do_name by wrapping its class, which it
    # does for JavaScript classes only; a Python Durable Object has just the runtime's _cf_KV.
    expected = {"_cf_KV", "__miniflare_do_name"} if live.mode == "js" else {"_cf_KV"}
    assert {r[1] for r in runtime} == expected
    name_query = "SELECT * FROM __miniflare_do_name" if live.mode == "js" else "SELECT 1"
    do_name = sql(live, name_query, do=do)

    more = SCHEMA + "CREATE TABLE extra (id INTEGER PRIMARY KEY, v TEXT);\n"
    plan = live.request("POST", at("/__plan", do), {"definitions": more})
    assert plan["changes"] == [["table", "extra", "create"]]
    assert sync_now(live, more, do)["status"] == "synced"
    # Even a sync allowed to drop everything undeclared leaves the runtime's tables alone.
    result = sync_now(live, "CREATE TABLE other (x);", do, allow_destructive=True)
    assert result["status"] == "synced"
    touched = {name for _kind, name, _action in result["changes"]}
    assert {"notes", "extra", "other"} <= touched, result
    assert not any(n.lower().startswith(("_cf_", "__miniflare")) for n in touched)
    assert not any("_cf_" in s or "miniflare" in s for s in result["executed"])
    assert [r for r in schema(live, do) if str(r[1]) in ("_cf_KV", "__miniflare_do_name")] == (
        runtime
    )
    assert sql(live, name_query, do=do) == do_name
    assert live.request("POST", at("/__kv_get", do), {"key": "greeting"}) == {"value": "hello"}
    assert user_objects(live, do) == [("table", "other")]


def test_5b_drift_in_real_storage_is_noticed_and_platform_tables_are_not_drift(
    live: WorkerdHarness,
) -> None:
    """The sqlite_schema digest in a real Durable Object: an index dropped behind the library's
    back is restored; the runtime's _cf_KV appearing is not drift (no full plan)."""
    do = "drift"
    # The object's constructor has synced SCHEMA already.
    assert sync_now(live, SCHEMA, do)["status"] == "up-to-date"
    live.request("POST", at("/kv", do), {"key": "k", "value": "v"})  # creates _cf_KV
    quiet = sync_now(live, SCHEMA, do)
    assert (quiet["status"], quiet["strategy"]) == ("up-to-date", ""), quiet
    sql(live, "DROP INDEX notes_by_created", do=do)
    result = sync_now(live, SCHEMA, do)
    assert result["status"] == "synced"
    created = "CREATE INDEX main.notes_by_created ON notes (created_at)"
    assert result["executed"] == [created], result
    assert ("index", "notes_by_created") in user_objects(live, do)
    again = sync_now(live, SCHEMA, do)
    assert (again["status"], again["strategy"]) == ("up-to-date", ""), again


VIEWED = """
CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER);
CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT NOT NULL);
CREATE VIEW priced AS SELECT id, name, price FROM item WHERE price IS NOT NULL;
CREATE TRIGGER item_added AFTER INSERT ON item BEGIN
    INSERT INTO audit (what) VALUES ('added ' || new.name);
END;
"""


def test_6_view_and_trigger_over_a_rebuilt_table_keep_working(live: WorkerdHarness) -> None:
    do = "views"
    assert sync_now(live, SCHEMA + VIEWED, do)["status"] == "synced"
    sql(live, "INSERT INTO item (name, price) VALUES ('pen', 2), ('cup', NULL), ('ink', 5)", do=do)
    assert len(sql(live, "SELECT * FROM audit", do=do)) == 3

    desired = SCHEMA + VIEWED.replace("price INTEGER)", "price INTEGER CHECK (price >= 0))")
    result = sync_now(live, desired, do)
    assert ["table", "item", "rebuild"] in result["changes"], result
    assert sql(live, "SELECT id, name, price FROM priced ORDER BY id", do=do) == [
        (1, "pen", 2),
        (3, "ink", 5),
    ]
    sql(live, "INSERT INTO item (name, price) VALUES ('pad', 3)", do=do)
    assert sql(live, "SELECT what FROM audit ORDER BY id", do=do) == [
        ("added pen",),
        ("added cup",),
        ("added ink",),
        ("added pad",),
    ]
    with pytest.raises(WorkerdHTTPError, match="CHECK constraint failed"):
        sql(live, "INSERT INTO item (name, price) VALUES ('bad', -1)", do=do)
    kinds = {(r[0], r[1]) for r in schema(live, do)}
    assert {("view", "priced"), ("trigger", "item_added")} <= kinds
    assert scratch_names(live, do) == []
    assert live.request("POST", at("/__plan", do), {"definitions": desired})["status"] == (
        "up-to-date"
    )


SEARCH = """
CREATE TABLE doc (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL);
CREATE VIRTUAL TABLE doc_search USING fts5(title, body, content='doc', content_rowid='id');
CREATE VIRTUAL TABLE scratchpad USING fts5(words);
"""


def test_7_fts5_created_kept_and_shadow_tables_never_diffed(live: WorkerdHarness) -> None:
    do = "fts"
    result = sync_now(live, SCHEMA + SEARCH, do)
    assert ["virtual table", "doc_search", "create"] in result["changes"], result
    sql(
        live,
        "INSERT INTO doc VALUES (1, 'sqlite', 'schema sync'), (2, 'workers', 'durable')",
        do=do,
    )
    sql(live, "INSERT INTO doc_search (rowid, title, body) SELECT id, title, body FROM doc", do=do)
    sql(live, "INSERT INTO scratchpad (words) VALUES ('alpha beta'), ('gamma')", do=do)
    shadows = [
        str(r[1]) for r in schema(live, do) if str(r[1]).startswith(("doc_search_", "scratchpad_"))
    ]
    assert "doc_search_data" in shadows and "scratchpad_content" in shadows
    before = {t: sql(live, f'SELECT * FROM "{t}" ORDER BY 1', do=do) for t in shadows}

    # Unchanged: the full comparison (plan() always compares) says up to date, shadow tables
    # included; a sync that adds a table leaves both virtual tables and their shadows alone.
    assert live.request("POST", at("/__plan", do), {"definitions": SCHEMA + SEARCH}) == {
        "status": "up-to-date",
        "statements": [],
        "strategy": "prefix",
        "changes": [],
    }
    more = SCHEMA + SEARCH + "CREATE TABLE tagged (doc_id INTEGER REFERENCES doc(id));\n"
    result = sync_now(live, more, do)
    assert result["changes"] == [["table", "tagged", "create"]], result
    assert not any("doc_search" in s or "scratchpad" in s for s in result["executed"])
    assert {t: sql(live, f'SELECT * FROM "{t}" ORDER BY 1', do=do) for t in shadows} == before
    assert sql(live, "SELECT rowid FROM doc_search WHERE doc_search MATCH 'durable'", do=do) == [
        (2,)
    ]
    assert sql(live, "SELECT words FROM scratchpad WHERE scratchpad MATCH 'gamma'", do=do) == [
        ("gamma",)
    ]
    assert scratch_names(live, do) == []

    # Changed: recreated with its rows copied, and its settings (its _config shadow table).
    sql(live, "INSERT INTO scratchpad (scratchpad, rank) VALUES ('pgsz', 2000)", do=do)
    changed = more.replace("fts5(words)", "fts5(words, tokenize='porter')")
    result = sync_now(live, changed, do)
    assert [c for c in result["changes"] if c[1] == "scratchpad"], result
    assert sql(live, "SELECT words FROM scratchpad ORDER BY rowid", do=do) == [
        ("alpha beta",),
        ("gamma",),
    ]
    assert sql(live, "SELECT v FROM scratchpad_config WHERE k = 'pgsz'", do=do) == [(2000,)]


def test_plan_and_dry_run_write_nothing_that_survives(live: WorkerdHarness) -> None:
    do = "dry"
    live.request("POST", at("/notes", do), {"body": "kept"})
    before = (schema(live, do), sql(live, "SELECT * FROM notes", do=do))
    changed = SCHEMA.replace("body       TEXT NOT NULL", "body       TEXT NOT NULL UNIQUE")
    changed += "CREATE TABLE more (x); CREATE VIEW v AS SELECT x FROM more;\n"
    plan = live.request("POST", at("/__plan", do), {"definitions": changed})
    assert plan["status"] == "changes-needed"
    assert ["table", "notes", "rebuild"] in plan["changes"]
    result = sync_now(live, changed, do, dry_run=True)
    assert result["status"] == "changes-needed"
    assert result["executed"] == []
    assert result["statements"] == plan["statements"]
    assert (schema(live, do), sql(live, "SELECT * FROM notes", do=do)) == before
    assert scratch_names(live, do) == []


def test_constructor_pattern_and_storage_sql_alone(live: WorkerdHarness) -> None:
    # `ctor-*` objects run notes_app.start(ctx, ...) from the harness's constructor, as the
    # example's entry.py does: Python calls ctx.blockConcurrencyWhile with an async function.
    assert live.request("GET", at("/notes", "ctor-one")) == {"notes": []}
    state = live.request("GET", "/__sync")
    assert state["constructed"] == "ctor-one"
    # on_start runs after the constructor's blockConcurrencyWhile has finished: already synced.
    assert state["on_start"]["status"] == "up-to-date"
    assert user_objects(live, "ctor-one") == [("index", "notes_by_created"), ("table", "notes")]

    error = sync_error(live, SCHEMA, do="ctor-one", pass_sql=True)
    assert error["type"] == "SyncError"
    assert "pass ctx.storage" in error["message"]
