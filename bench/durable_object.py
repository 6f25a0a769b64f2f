"""inline_sync in a real Durable Object (local workerd via ``wrangler dev``), timed from outside,
in both harness modes side by side: ``js`` (a JavaScript Durable Object hosting Pyodide 0.28,
production's Pyodide line) and ``python`` (the real Python Workers runtime: a ``workers`` SDK
Durable Object on workerd's own Pyodide loader, Pyodide 314 / CPython 3.14).

    python bench/durable_object.py                 # both modes, a few minutes
    python bench/durable_object.py --quick         # fewer objects and repetitions
    python bench/durable_object.py --modes python  # one mode

Runs the Durable Object example's module (``worker_examples/durable_object/src/notes_app.py``)
through the test harness (``workerd/example_app.py``, see workerd/README.md); needs ``npm ci``
(and workerd's sources for the ``python`` mode).

1. Cold start: the first request to a Durable Object that is not in memory runs its constructor,
   and with it ``on_start``. Builds that differ only in ``on_start`` are compared on the same
   persisted objects: doing nothing vs. a no-op ``sync()`` of a 10-table schema (tables,
   indexes, a view, a trigger) that every object already has. Measured for a fresh isolate
   (the first request after ``wrangler dev`` starts: Pyodide boots too) and for a new object in
   a warm isolate (the constructor alone), medians over several objects and starts, the two
   builds alternating start by start.
2. A sync that rebuilds a 10,000-row table (a change SQLite cannot ALTER), alternating between
   two forms, against a hand-written create/copy/drop/rename in one ``sql.exec`` on the same
   table; round trips from outside minus the round trip of a trivial request, and
   ``time.perf_counter()`` inside Pyodide, which workerd advances only in whole milliseconds.
3. Where a no-op sync's time goes: each stage (``example_app._profile_steps``: one
   ``storage.sql.exec``, the fast path's state read (one ``sql.exec``, no client), the client
   wrapper, parsing and hashing the definitions, the whole ``sync()``) run ``repeat`` times in one
   request, minus the same request with ``repeat`` 0, divided by ``repeat``; medians of
   alternating runs. (workerd's clocks stand still while a request runs, so a profiler inside
   sees nothing.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from schemas import wide_schema
from workerd_python import HARNESS_MODES, make_harness
from workerd_python import AnyHarness as WorkerdHarness

APP = "workerd/example_app.py"
EXTRA = ["worker_examples/durable_object/src/notes_app.py", "workerd/harness_app.py"]
SCHEMA = wide_schema(10)
ROWS = 10_000
BIG_A = "CREATE TABLE big (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);\n"
BIG_B = BIG_A.replace("score REAL)", "score REAL CHECK (score >= 0))")
BIG_INDEX = "CREATE INDEX big_name ON big(name);\n"


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


ARMS = {"without": "", "with_sync": SCHEMA}  # on_start does nothing / a no-op sync


def cold_starts(h: WorkerdHarness, objects: int, rounds: int) -> dict[str, dict[str, Any]]:
    """First request of a fresh isolate, first requests to other objects, second requests;
    for each arm of ARMS, alternating arms round by round (ABBA...) on the same objects."""
    out: dict[str, dict[str, Any]] = {
        arm: {"isolate": [], "cold": [], "warm": [], "inside": []} for arm in ARMS
    }
    for r in range(rounds):
        for arm in list(ARMS) if r % 2 == 0 else list(reversed(ARMS)):
            h.build(app_module=APP, extra=EXTRA, schema_sql=ARMS[arm])
            h.start()
            got = out[arm]
            dt, err = timed(lambda: h.request("GET", "/startup-error?do=b0"))
            assert err is None, err
            got["isolate"].append(dt)
            for i in range(1, objects):
                dt, err = timed(lambda i=i: h.request("GET", f"/startup-error?do=b{i}"))
                assert err is None, err
                got["cold"].append(dt)
                last = h.request("GET", f"/__sync?do=b{i}").get("on_start")
                if last:
                    assert last["status"] == "up-to-date", last
                    got["inside"].append(last["duration"])
                dt, _ = timed(lambda i=i: h.request("GET", f"/startup-error?do=b{i}"))
                got["warm"].append(dt)
            h.stop()
    return out


def rebuilds(h: WorkerdHarness, repeat: int) -> dict[str, list[float]]:
    h.build(app_module=APP, extra=EXTRA, schema_sql="")
    h.start()
    do = "?do=rebuild"
    try:
        h.request("POST", f"/__sync{do}", {"definitions": BIG_A + BIG_INDEX})
        h.request(
            "POST",
            f"/sql{do}",
            {
                "sql": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                f"WHERE i < {ROWS}) INSERT INTO big SELECT i, 'name ' || i, i * 0.5 FROM n"
            },
        )
        trivial, sync, inside, hand = [], [], [], []
        for _ in range(20):
            trivial.append(timed(lambda: h.request("POST", f"/sql{do}", {"sql": "SELECT 1"}))[0])
        forms = [BIG_B, BIG_A]
        for i in range(repeat):
            definitions = forms[i % 2] + BIG_INDEX
            dt, result = timed(
                lambda d=definitions: h.request("POST", f"/__sync{do}", {"definitions": d})
            )
            assert result["status"] == "synced", result
            assert ["table", "big", "rebuild"] in result["changes"], result
            sync.append(dt)
            inside.append(result["duration"])
            # The same copy by hand, keeping the form just synced: create, copy, drop, rename.
            hand_sql = (
                f"{forms[i % 2].replace('big', 'big_new')}"
                "INSERT INTO big_new SELECT * FROM big; DROP TABLE big; "
                f"ALTER TABLE big_new RENAME TO big; {BIG_INDEX}"
            )
            dt, _ = timed(lambda q=hand_sql: h.request("POST", f"/sql{do}", {"sql": q}))
            hand.append(dt)
        count = h.request("POST", f"/sql{do}", {"sql": "SELECT count(*) FROM big"})["rows"]
        assert count == [[ROWS]], count
        return {"trivial": trivial, "sync": sync, "inside": inside, "hand": hand}
    finally:
        h.stop()


PROFILE_STEPS = ("sql_exec", "state_row", "make_client", "parse_and_hash", "sync")


def profile(h: WorkerdHarness, rounds: int, repeat: int = 50) -> dict[str, list[float]]:
    """Per-call cost (s) of each stage of a no-op sync, on one object that is up to date."""
    h.build(app_module=APP, extra=EXTRA, schema_sql=SCHEMA)
    h.start()
    do = "?do=profile"
    try:
        assert h.request("GET", f"/startup-error{do}") is None

        def run(step: str, n: int) -> float:
            body = {"definitions": SCHEMA, "step": step, "repeat": n}
            return timed(lambda: h.request("POST", f"/__profile{do}", body))[0]

        for step in PROFILE_STEPS:  # warm every code path once
            run(step, 1)
        costs: dict[str, list[float]] = {step: [] for step in PROFILE_STEPS}
        for _ in range(rounds):
            for step in PROFILE_STEPS:  # alternating: each step next to its own baseline
                base = run("nothing", repeat)
                costs[step].append(max(0.0, run(step, repeat) - base) / repeat)
        return costs
    finally:
        h.stop()


def measure(mode: str, tmp: Path, objects: int, rounds: int, repeat: int) -> dict[str, Any]:
    h = make_harness(mode, tmp / mode)
    try:
        # Create the objects and their schema once (the first sync of each creates it).
        h.build(app_module=APP, extra=EXTRA, schema_sql=SCHEMA)
        h.start()
        for i in range(objects):
            assert h.request("GET", f"/startup-error?do=b{i}") is None
        h.stop()
        starts = cold_starts(h, objects, rounds)
        rebuild = rebuilds(h, repeat)
        stages = profile(h, rounds=repeat)
    finally:
        h.stop()
    return {**starts, "rebuild": rebuild, "profile": stages}


def report(mode: str, m: dict[str, Any], objects: int, rounds: int) -> None:
    with_sync, without, rebuild = m["with_sync"], m["without"], m["rebuild"]
    print(f"\n== mode {mode}: {MODE_LABELS[mode]}")
    print(
        f"Durable Object, local workerd ({objects} objects x {rounds} starts per build, "
        "the two builds alternating)"
    )
    print("cold start, first request (ms, median)    nothing   no-op sync of 10 tables   ratio")
    for key, label in (
        ("isolate", "fresh isolate (Pyodide boots too)"),
        ("cold", "new object in a warm isolate"),
        ("warm", "second request, same object"),
    ):
        a, b = median_ms(without[key]), median_ms(with_sync[key])
        print(f"  {label:<38} {a:8.1f}   {b:8.1f} ({b - a:+6.1f})          {b / a:5.2f}x")
    if with_sync["inside"]:
        print(
            f"  no-op sync inside (perf_counter, ms steps): median "
            f"{median_ms(with_sync['inside']):.1f} ms, max {max(with_sync['inside']) * 1000:.1f}"
        )
    base = median_ms(rebuild["trivial"])
    sync_ms = median_ms(rebuild["sync"]) - base
    hand_ms = median_ms(rebuild["hand"]) - base
    print(f"rebuild of a {ROWS:,}-row table with an index ({len(rebuild['sync'])} runs, medians)")
    print(f"  trivial request round trip            {base:8.1f} ms")
    print(f"  sync (round trip minus trivial)       {sync_ms:8.1f} ms")
    print(f"  sync inside (perf_counter)            {median_ms(rebuild['inside']):8.1f} ms")
    print(f"  hand-written copy (minus trivial)     {hand_ms:8.1f} ms")
    print(f"  ratio sync / hand-written             {sync_ms / hand_ms:8.2f}x")
    print("no-op sync, where the time goes (ms per call, median of alternating runs)")
    for step in PROFILE_STEPS:
        print(f"  {step:<36} {median_ms(m['profile'][step]):8.2f} ms")


MODE_LABELS = {
    "js": "JavaScript Durable Object hosting Pyodide 0.28.3 (CPython 3.13), wrangler's workerd",
    "python": "real Python Workers runtime, workerd 1.20260822.1, Pyodide 314.0.5 (CPython 3.14)",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer objects and repetitions")
    ap.add_argument("--modes", default=",".join(HARNESS_MODES), help="js,python (default: both)")
    args = ap.parse_args()
    objects, rounds, repeat = (6, 2, 3) if args.quick else (16, 8, 7)
    modes = [m for m in args.modes.split(",") if m]
    results = {}
    with tempfile.TemporaryDirectory(prefix="inline-sync-do-bench-") as tmp:
        for mode in modes:
            results[mode] = measure(mode, Path(tmp), objects, rounds, repeat)
    for mode in modes:
        report(mode, results[mode], objects, rounds)
    if len(modes) > 1:
        print("\nno-op sync added to the first request of a new object in a warm isolate:")
        for mode in modes:
            a = median_ms(results[mode]["without"]["cold"])
            b = median_ms(results[mode]["with_sync"]["cold"])
            print(f"  {mode:<8} {a:6.1f} -> {b:6.1f} ms  ({b - a:+.1f} ms; goal <= 3 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
