"""Smoke tests of the workerd harness: Python in a real Durable Object with real ctx.storage.

Needs `npm ci` (skipped otherwise, failed if INLINE_SYNC_REQUIRE_WORKERD is set).
Run: python -m pytest -m workerd tests/test_workerd_smoke.py -v
"""

from __future__ import annotations

import os
import socket
import statistics
import textwrap
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from workerd_harness import REPO, WorkerdHTTPError
from workerd_python import HARNESS_MODES, make_harness
from workerd_python import AnyHarness as WorkerdHarness

pytestmark = pytest.mark.workerd

SCHEMA_V1 = "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);"
SCHEMA_V2 = (
    "CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);\n"
    "CREATE TABLE tag (item_id INTEGER NOT NULL REFERENCES item(id), tag TEXT NOT NULL);\n"
    "CREATE INDEX tag_item ON tag(item_id);"
)


@pytest.fixture(params=HARNESS_MODES)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WorkerdHarness]:
    h = make_harness(request.param, tmp_path)
    try:
        yield h
    finally:
        h.stop()


def user_objects(h: WorkerdHarness) -> list[tuple[str, str]]:
    return h.sql(
        "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> '__miniflare_do_name' ORDER BY name"
    )


def report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(f"\n    [workerd] {text}", end="")


def test_rows_survive_restart_with_new_definitions(harness: WorkerdHarness) -> None:
    harness.build(schema_sql=SCHEMA_V1)
    harness.start()
    assert harness.startup_error() is None
    for i, name in enumerate(["alpha", "beta", "gamma"], start=1):
        harness.sql("INSERT INTO item (id, name, note) VALUES (?, ?, ?)", i, name, None)
    rows = harness.sql("SELECT id, name, note FROM item ORDER BY id")
    assert rows == [(1, "alpha", None), (2, "beta", None), (3, "gamma", None)]
    harness.stop()

    # Same --persist-to directory, rebuilt with other schema definitions.
    harness.build(schema_sql=SCHEMA_V2)
    harness.start()
    assert harness.startup_error() is None
    assert harness.sql("SELECT id, name, note FROM item ORDER BY id") == rows
    assert user_objects(harness) == [("table", "item"), ("table", "tag"), ("index", "tag_item")]
    harness.sql("INSERT INTO tag VALUES (?, ?)", 2, "b")
    with pytest.raises(WorkerdHTTPError) as exc:  # foreign keys are on in a Durable Object
        harness.sql("INSERT INTO tag VALUES (?, ?)", 99, "nope")
    assert "FOREIGN KEY constraint failed" in exc.value.data["error"]["message"]
    assert harness.sql("SELECT item_id, tag FROM tag") == [(2, "b")]


LONG_START_APP = """
from js import Date

SECONDS = 10.5  # workerd evicts an idle Durable Object after 10 s


def on_start(storage):
    # Count the constructions, then keep the isolate busy without yielding to the event loop,
    # as a slow Pyodide boot on a loaded machine does. Date.now() advances only with the
    # precise_timers compatibility flag (otherwise workerd's clocks stand still in a request).
    storage.kv.put("constructed", (storage.kv.get("constructed") or 0) + 1)
    start, spins = Date.now(), 0
    while Date.now() - start < SECONDS * 1000:
        spins += 1
        if spins == 50_000_000 and Date.now() == start:
            raise RuntimeError("the clock stands still: precise_timers is off")


def handle(storage, method, path, body):
    return {"constructed": storage.kv.get("constructed")}
"""


def test_a_first_request_that_runs_over_ten_seconds_keeps_its_object(
    harness: WorkerdHarness, tmp_path: Path
) -> None:
    """workerd arms a Durable Object's 10 s inactivity eviction from its event loop's clock,
    which stands still while JavaScript runs. A first request that ran 10 s without yielding
    (a slow Pyodide boot under load) ended with the clock 10 s behind: the object was evicted
    at once, and the next request lost its connection to it (wrangler's proxy then answers a
    POST 503 "restarted mid-request" and parks a GET until another request comes). The
    harness workers let the event loop turn before an object's first request ends."""
    app = tmp_path / "long_start_app.py"
    app.write_text(LONG_START_APP)
    harness.compatibility_flags = ["precise_timers"]
    harness.build(app_module=app, on_start_timeout_ms=60_000)
    harness.start()
    assert harness.startup_error() is None  # constructs the object: boot, then on_start
    assert harness.request("POST", "/count") == {"constructed": 1}
    assert harness.restart_retries == 0


def test_on_start_error_is_reported_and_rolled_back(harness: WorkerdHarness) -> None:
    # The second statement fails: on_start raises inside transactionSync, so `first` is rolled
    # back too; the worker keeps the object alive and reports the error per request.
    harness.build(schema_sql="CREATE TABLE first (x);\nCREATE TABLE first (x);")
    harness.start()
    err = harness.startup_error()
    assert err is not None, harness.output()
    assert err["phase"] == "on_start"
    assert err["python"] is True
    assert err["type"] == "JsException"
    assert "table first already exists" in err["message"]
    assert "Traceback" in err["message"]  # the Python traceback reached the JS caller
    status, headers, _body = harness.raw_request("POST", "/sql", {"sql": "SELECT 1"})
    assert status == 200
    assert headers.get("x-harness-startup-error") == "on_start: JsException"
    assert user_objects(harness) == []
    assert harness.startup_error() == err  # not reset: the same object answers again
    harness.wait_for_output("on_start RAISED JsException")  # loud in wrangler's output


def test_kv_put_creates_cf_kv(harness: WorkerdHarness, capsys: pytest.CaptureFixture[str]) -> None:
    harness.build()
    harness.start()
    kv_query = "SELECT name FROM sqlite_schema WHERE name = '_cf_KV'"
    before = harness.sql(kv_query)
    try:
        answer = harness.request("POST", "/kv", {"key": "k", "value": "v"})
    except WorkerdHTTPError as e:  # pragma: no cover - depends on the pinned workerd
        pytest.fail(f"ctx.storage.kv is not usable in this workerd: {e}")
    assert answer == {"value": "v"}
    assert harness.sql(kv_query) == [("_cf_KV",)]
    report(capsys, f"_cf_KV before kv.put: {'present' if before else 'absent'}; after: present")
    with pytest.raises(WorkerdHTTPError) as exc:  # _cf_ names are off limits to SQL
        harness.sql("SELECT * FROM _cf_KV")
    assert "SQLITE_AUTH" in exc.value.data["error"]["message"]


def test_custom_async_app_from_a_directory(harness: WorkerdHarness, tmp_path: Path) -> None:
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "entry.py").write_text(
        textwrap.dedent(
            """
            import os
            from pyodide.ffi import JsException, create_proxy
            from helper import rows

            STARTS = []

            async def on_start(storage):
                with open(os.environ["HARNESS_SCHEMA_PATH"]) as f:
                    storage.sql.exec(f.read())
                await storage.sync()
                STARTS.append(1)

            def handle(storage, method, path, body):
                if path == "/rollback":
                    def fail():
                        storage.sql.exec("INSERT INTO t VALUES (?)", "lost")
                        raise ValueError("abort")
                    proxy = create_proxy(fail)
                    try:
                        storage.transactionSync(proxy)
                    except ValueError as e:
                        caught = str(e)
                    finally:
                        proxy.destroy()
                    return {"caught": caught, "rows": rows(storage.sql.exec("SELECT x FROM t"))}
                if path == "/created":
                    return (201, {"starts": len(STARTS)})
                return (404, "no such route")
            """
        )
    )
    (app_dir / "helper.py").write_text(
        "def rows(cursor):\n    return cursor.raw().toArray().to_py()\n"
    )
    harness.build(app_module=app_dir, module="entry", schema_sql="CREATE TABLE t (x TEXT)")
    harness.start()
    assert harness.startup_error() is None
    assert harness.request("POST", "/rollback") == {"caught": "abort", "rows": []}
    status, _headers, body = harness.raw_request("GET", "/created")
    assert (status, body) == (201, '{"starts":1}')
    with pytest.raises(WorkerdHTTPError) as exc:
        harness.request("GET", "/elsewhere")
    assert exc.value.status == 404


def test_first_request_timing(harness: WorkerdHarness, capsys: pytest.CaptureFixture[str]) -> None:
    harness.build(schema_sql="CREATE TABLE t (x);")
    ready = harness.start()

    t0 = time.perf_counter()
    assert harness.startup_error() is None  # first request to the DO: boots Pyodide
    first = time.perf_counter() - t0

    same: list[float] = []
    for i in range(20):
        t0 = time.perf_counter()
        harness.sql("INSERT INTO t VALUES (?)", i)
        same.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    harness.request("GET", "/startup-error?do=second")  # another DO in the warm isolate
    new_do = time.perf_counter() - t0

    report(
        capsys,
        f"wrangler ready {ready:.2f} s; first request (fresh isolate, Pyodide boot) {first:.2f} s; "
        f"same DO median {statistics.median(same) * 1000:.1f} ms (max {max(same) * 1000:.1f}); "
        f"new DO in warm isolate {new_do * 1000:.0f} ms",
    )
    assert first < 30, "the Durable Object would have been reset"


@pytest.mark.parametrize("taken", ["port", "inspector"])
def test_start_retries_on_other_ports_when_a_port_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, taken: str
) -> None:
    # A port found free can be taken by another process before workerd binds it (CI saw
    # "bind ... Address already in use" for the inspector port): start() must try new ports.
    import workerd_harness

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        busy_port = busy.getsockname()[1]
        real_free_port = workerd_harness.free_port
        calls: list[int] = []

        def racing_free_port(exclude: Sequence[int] = ()) -> int:
            calls.append(1)
            # calls 1 and 2 are the first launch's HTTP and inspector ports
            if len(calls) == (1 if taken == "port" else 2):
                return int(busy_port)
            return real_free_port(exclude)

        monkeypatch.setattr(workerd_harness, "free_port", racing_free_port)
        h = make_harness("js", tmp_path)
        try:
            h.build(schema_sql="CREATE TABLE t (x);")
            h.start()
            assert h.start_attempts == 2, h.output()
            assert h.port != busy_port
            assert h.sql("SELECT count(*) FROM t") == [(0,)]
        finally:
            h.stop()


def test_links_to_the_runtime_files_elsewhere_do_not_reload_the_worker(
    tmp_path: Path,
) -> None:
    # wrangler watches every file of the worker; Linux reports a change of a file's link count
    # as a change of the file. The build used to hard-link Pyodide's files from node_modules,
    # so any test (or pytest's clean-up of old temporary folders) linking or deleting those
    # inodes made a running wrangler reload the worker mid-test.
    h = make_harness("js", tmp_path / "h")
    try:
        h.build(schema_sql="CREATE TABLE t (x);")
        h.start()
        assert h.startup_error() is None
        h.sql("INSERT INTO t VALUES (1)")
        retries = h.restart_retries
        source = Path(h.build_info["out"] if h.build_info else "") / "workerd" / "src" / "gen"
        pyodide = REPO / "node_modules" / "pyodide"
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        for path in sorted(source.iterdir()):
            if (pyodide / path.name).exists():
                os.link(pyodide / path.name, elsewhere / path.name)
                (elsewhere / path.name).unlink()
        time.sleep(2)  # give the watcher time to react (it must not)
        assert h.sql("SELECT x FROM t") == [(1,)]
        assert h.restart_retries == retries, h.output()
    finally:
        h.stop()
