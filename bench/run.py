"""inline_sync's benchmarks: every figure a ratio against a baseline measured in the same run,
each side the median of at least 11 runs taken in turn with the other.

    python bench/run.py                  # everything (a few minutes on 2 cores)
    python bench/run.py --check          # the same; exit 1 when a figure misses its goal
    python bench/run.py --quick          # smaller tables: a smoke run (goals not meaningful)
    python bench/run.py --only parent    # the benchmarks whose key contains "parent"
    python bench/run.py --runs 21        # more runs per median (at least 11)

Timing is noisy on a shared machine, which is why nothing here is part of the test suite, and
why ``--check`` is for running by hand. The Durable Object figures come from
``bench/durable_object.py`` (local workerd); ``bench/fleet.py`` also runs alone (1,000
databases, or in ``/dev/shm``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fleet as fleet_bench
import rebuilds
import startup
from schemas import MIN_RUNS, alternate, batched, machine, timed, wide_schema

import inline_sync
from inline_sync import definitions as definitions_module
from inline_sync import state
from inline_sync.names import ignore_filter


@dataclass
class Figure:
    """One row of the report: our median, the baseline's, and the goal on their ratio (or,
    for absolute figures, on ours in milliseconds)."""

    what: str
    ours: float
    base: float | None
    goal: str
    ok: Callable[[float], bool] | None  # None: reported, no goal
    baseline: str = ""

    @property
    def value(self) -> float:
        return self.ours / self.base if self.base else self.ours * 1000

    @property
    def shown(self) -> str:
        if self.base is None:
            return _ms(self.ours)
        return f"{_ms(self.ours)} vs {_ms(self.base)}: **{self.ours / self.base:.2f}x**"

    @property
    def passed(self) -> bool:
        return self.ok is None or self.ok(self.value)


def _ms(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def _at_most(limit: float) -> Callable[[float], bool]:
    return lambda value: value <= limit


# ---------------------------------------------------------------------------- in-process
def warm_plan(runs: int) -> Figure:
    schema = wide_schema(100)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(schema)
    assert inline_sync.plan(conn, schema).status == "up-to-date"

    def execute() -> None:
        fresh = sqlite3.connect(":memory:")
        fresh.executescript(schema)
        fresh.close()

    m = alternate({"ours": timed(lambda: inline_sync.plan(conn, schema)), "base": timed(execute)},
                  runs)  # fmt: skip
    return Figure("no-op `plan()`, 100 tables with indexes, views, triggers, warm process",
                  m["ours"], m["base"], "≤ 1.5x", _at_most(1.5),
                  "executing the definitions into `:memory:`")  # fmt: skip


def parse_scaling(runs: int) -> Figure:
    small, large = wide_schema(100), wide_schema(3000)
    skip = ignore_filter()

    def per_table(text: str, tables: int) -> Callable[[], float]:
        def sample() -> float:
            definitions_module._CACHE.clear()
            return timed(lambda: definitions_module.parse_definitions(text, skip))() / tables

        return sample

    m = alternate({"ours": per_table(large, 3000), "base": per_table(small, 100)}, runs)
    return Figure("parsing the definitions, time per table: 3,000 tables", m["ours"], m["base"],
                  "≤ 1.5x", _at_most(1.5), "the same for 100 tables")  # fmt: skip


def fast_path(runs: int, folder: str) -> list[Figure]:
    """The no-op ``sync()`` of a start-up, against a one-row SELECT (what a caller compares it
    with) and against the two reads it cannot do without, run by hand (its own overhead)."""
    schema = wide_schema(100)
    conn = sqlite3.connect(os.path.join(folder, "fast.db"), isolation_level=None)
    assert inline_sync.sync(conn, schema).status == "synced"
    conn.execute("INSERT INTO t0 (id, name) VALUES (1, 'row')")
    assert inline_sync.sync(conn, schema).status == "up-to-date"
    select = "SELECT * FROM t0 WHERE id = 1"

    def reads() -> None:
        # The floor: the caller's busy timeout (to bound the wait by wait_timeout) and the
        # state row compared with the schema cookie (drift), on a cursor of its own.
        cursor = conn.cursor(sqlite3.Cursor)
        cursor.execute("PRAGMA busy_timeout").fetchone()
        cursor.execute(state.STATE_QUERY).fetchone()
        cursor.close()

    m = alternate(
        {
            "ours": batched(lambda: inline_sync.sync(conn, schema), 2000),
            "select": batched(lambda: conn.execute(select).fetchone(), 2000),
            "reads": batched(reads, 2000),
        },
        runs,
    )
    conn.close()
    what = "no-op `sync()` on the fast path (100 tables)"
    return [
        Figure(what, m["ours"], m["select"], "≤ 2x", _at_most(2.0),
               "a single-row SELECT by primary key"),
        Figure(what + ": its own overhead", m["ours"], m["reads"], "≤ 1.3x", _at_most(1.3),
               "its two reads by hand: `PRAGMA busy_timeout`, the state row with the schema "
               "cookie"),
    ]  # fmt: skip


def text_hashing(runs: int) -> Figure:
    text = wide_schema(100)
    while len(text.encode()) < 20_000:
        text += text
    text = text.encode()[:20_000].decode(errors="ignore")
    texts, skip, data = (text,), ignore_filter(), text.encode()

    def ours() -> float:
        state._TEXT_HASHES.clear()
        return timed(lambda: state.text_hash(texts, skip))()

    m = alternate({"ours": ours, "base": batched(lambda: hashlib.blake2b(data).digest(), 100)},
                  runs)  # fmt: skip
    return Figure("recognising 20 KB of unchanged definitions in a fresh process (FNV-1a, "
                  "pure Python)", m["ours"], m["base"], "reported: once per process", None,
                  "`hashlib.blake2b` of the same bytes")  # fmt: skip


def testing_connect(runs: int) -> Figure:
    from inline_sync.testing import connect

    schema = wide_schema(100)

    def execute() -> None:
        conn = sqlite3.connect(":memory:")
        conn.executescript(schema)
        conn.close()

    connect(schema).close()  # the template is built once per process
    m = alternate({"ours": batched(lambda: connect(schema).close(), 20),
                   "base": batched(execute, 20)}, runs)  # fmt: skip
    return Figure("`testing.connect()`, 100 tables", m["ours"], m["base"], "≤ 0.2x (5x faster)",
                  _at_most(0.2), "executing the definitions into `:memory:`")  # fmt: skip


# ----------------------------------------------------------------------------- the report
def collect(args: argparse.Namespace, folder: str) -> list[tuple[str, Callable[[], Figure]]]:
    rows = 10_000 if args.quick else 100_000
    big = 100_000 if args.quick else 1_000_000
    n = args.runs

    def parent(switchable: bool) -> Figure:
        m = rebuilds.parent_rebuild(folder, rows, n, switchable)
        if switchable:
            return Figure(f"rebuild of a parent with 10 children of {rows:,} rows each, key values "
                          "unchanged, foreign keys switchable", m["ours"], m["base"], "≤ 1.5x",
                          _at_most(1.5), "a hand-written rebuild of the parent alone")  # fmt: skip
        return Figure("the same where foreign keys cannot be switched off (Durable Objects, D1, "
                      "`autocommit=False`)", m["ours"], m["base"], "≤ 1.2x", _at_most(1.2),
                      "the same closure rebuild written by hand")  # fmt: skip

    def imports() -> list[Figure]:
        m = startup.import_time(n)
        return [
            Figure("`import inline_sync` (cumulative, `-X importtime`), with bytecode",
                   m["bytecode"], None, "≤ 15 ms", _at_most(15)),
            Figure("the same without bytecode", m["source"], None, "≤ 25 ms", _at_most(25)),
        ]  # fmt: skip

    def cold() -> Figure:
        m = startup.cold_start(n)
        return Figure("cold start that finds nothing to do: whole process `import inline_sync, "
                      "sqlite3; connect; sync` (100 tables)", m["ours"], m["base"], "≤ 2x",
                      _at_most(2), "whole process `import sqlite3; connect; SELECT`")  # fmt: skip

    def first() -> Figure:
        m = startup.first_plan(n)
        return Figure("first `plan()` in a fresh process (100 tables; planning modules' import "
                      "included)", m["ours"], m["base"], "≤ 3x", _at_most(3),
                      "executing the definitions into `:memory:` in a fresh process")  # fmt: skip

    def table() -> Figure:
        m = rebuilds.table_rebuild(folder, big, n)
        extra = ""
        if "sqlite_utils" in m:
            extra = f"; sqlite-utils `transform()` {_ms(m['sqlite_utils'])}"
        return Figure(f"rebuild of a {big:,}-row table", m["ours"], m["base"], "≤ 1.1x",
                      _at_most(1.1), "a hand-written create/copy/drop/rename" + extra)  # fmt: skip

    def add() -> Figure:
        m = rebuilds.add_column(folder, big, n)
        return Figure(f"ADD COLUMN on {big:,} rows", m["big"], m["small"], "≈ 1x (≤ 1.3x)",
                      _at_most(1.3), "the same on 1,000 rows")  # fmt: skip

    def fleet() -> list[Figure]:
        count = 50 if args.quick else 300
        m = fleet_bench.measure(count, folder, n)
        jobs = [k for k in m if k.startswith("sync_many jobs=")]
        scaling = ", ".join(f"{k[len('sync_many '):]}: {m['sync_many'] / m[k]:.1f}x faster"
                            for k in jobs)  # fmt: skip
        return [
            Figure(f"`fleet.sync_many` over {count} tenant database files (20 tables; one added "
                   "column, one new table)", m["sync_many"], m["floor"], "≤ 1.5x",
                   _at_most(1.5), "the same statements by hand in a transaction on each, in "
                   f"turn; `sync()` on each: {m['sync each'] / m['floor']:.2f}x; "
                   f"{scaling or 'one core'}"),
            Figure("`fleet.sync_many` when all are up to date, a database", m["up to date"] /
                   count, None, "< 0.5 ms (0.5 s for 1,000)", _at_most(0.5),
                   f"opening each and reading one row: {_ms(m['opening'] / count)}"),
        ]  # fmt: skip

    return [
        ("parent-switchable", lambda: parent(True)),
        ("parent-closure", lambda: parent(False)),
        ("import", imports),  # type: ignore[list-item]
        ("cold-start", cold),
        ("first-plan", first),
        ("warm-plan", lambda: warm_plan(n)),
        ("parse-scaling", lambda: parse_scaling(n)),
        ("table-rebuild", table),
        ("add-column", add),
        ("fast-path", lambda: fast_path(n, folder)),
        ("text-hash", lambda: text_hashing(n)),
        ("testing-connect", lambda: testing_connect(n)),
        ("fleet", fleet),  # type: ignore[list-item]
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--quick", action="store_true", help="smaller tables (smoke run)")
    parser.add_argument("--only", default="", help="run the benchmarks whose key contains this")
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help="runs per median (>= 11)")
    args = parser.parse_args()
    args.runs = max(args.runs, MIN_RUNS)
    folder = tempfile.mkdtemp(prefix="inline_sync_bench_")
    print(f"Machine: {machine()}")
    print(f"Medians of {args.runs} alternating runs{' (--quick)' if args.quick else ''}.\n")
    print("| benchmark | result | baseline | goal | met |")
    print("|---|---|---|---|---|")
    figures: list[Figure] = []
    try:
        for key, run in collect(args, folder):
            if args.only and args.only not in key:
                continue
            got = run()
            for figure in got if isinstance(got, list) else [got]:
                figures.append(figure)
                met = "—" if figure.ok is None else ("yes" if figure.passed else "**no**")
                print(f"| {figure.what} | {figure.shown} | {figure.baseline} | {figure.goal} "
                      f"| {met} |", flush=True)  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nMachine after the run: {machine()}")
    missed = [f for f in figures if not f.passed]
    if args.check and missed:
        print(f"\n{len(missed)} figure(s) missed their goal: " + "; ".join(f.what for f in missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
