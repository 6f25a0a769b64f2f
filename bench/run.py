"""Benchmarks for the core engine. Prints ratios against baselines measured in the same run.

    python bench/run.py            # all benchmarks (about a minute)
    python bench/run.py --quick    # smaller tables, for a smoke run

Goals (issue 2): no-op plan <= 3x executing the definitions once into :memory:; a rebuild of a
1,000,000-row table <= 1.1x a hand-written create/copy/drop/rename; ADD COLUMN time independent
of row count.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from schemas import wide_schema

import inline_sync


def best(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by other load)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_noop_plan(repeat: int) -> tuple[float, float]:
    schema = wide_schema(100)

    def baseline() -> None:
        conn = sqlite3.connect(":memory:")
        conn.executescript(schema)
        conn.close()

    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(schema)
    assert inline_sync.plan(conn, schema).status == "up-to-date"
    return best(lambda: inline_sync.plan(conn, schema), repeat), best(baseline, repeat)


def clear_caches() -> None:
    """Forget parsed definitions and schema objects: the cost of a process's first call."""
    from inline_sync import ddl, definitions

    definitions._CACHE.clear()
    for fn in (ddl.parse_table, ddl.parse_index, ddl.parse_view, ddl.parse_trigger):
        fn.cache_clear()


def bench_noop_plan_cold(repeat: int) -> float:
    schema = wide_schema(100)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(schema)

    def cold() -> None:
        clear_caches()
        inline_sync.plan(conn, schema)

    return best(cold, repeat)


BIG_V1 = "CREATE TABLE big (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c REAL);"
BIG_V2 = "CREATE TABLE big (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE, b INTEGER, c REAL);"


def fill(path: str, rows: int) -> sqlite3.Connection:
    if os.path.exists(path):
        os.remove(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(BIG_V1)
    conn.execute(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) "
        "INSERT INTO big (id, a, b, c) SELECT x, 'row ' || x, x * 7, x / 3.0 FROM n",
        (rows,),
    )
    return conn


def hand_rebuild(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN")
    conn.execute(BIG_V2.replace("TABLE big", "TABLE big_new"))
    conn.execute("INSERT INTO big_new (id, a, b, c) SELECT id, a, b, c FROM big")
    conn.execute("DROP TABLE big")
    conn.execute("ALTER TABLE big_new RENAME TO big")
    conn.execute("COMMIT")


def bench_rebuild(folder: str, rows: int) -> dict[str, float]:
    out: dict[str, float] = {}
    path = os.path.join(folder, "rebuild.db")
    runs: dict[str, list[float]] = {"hand": [], "inline_sync": [], "sqlite_utils": []}
    for _ in range(2):
        conn = fill(path, rows)
        start = time.perf_counter()
        hand_rebuild(conn)
        runs["hand"].append(time.perf_counter() - start)
        conn.close()

        conn = fill(path, rows)
        start = time.perf_counter()
        result = inline_sync.sync(conn, BIG_V2)
        runs["inline_sync"].append(time.perf_counter() - start)
        assert result.status == "synced"
        assert conn.execute("SELECT count(*) FROM big").fetchone() == (rows,)
        conn.close()

        try:
            import sqlite_utils
        except ImportError:
            continue
        conn = fill(path, rows)
        db = sqlite_utils.Database(conn)
        start = time.perf_counter()
        db["big"].transform(collate={"a": "NOCASE"}) if _has_collate(db) else db["big"].transform(
            types={"c": float}
        )
        runs["sqlite_utils"].append(time.perf_counter() - start)
        conn.close()
    for key, values in runs.items():
        if values:
            out[key] = min(values)
    return out


def _has_collate(db: object) -> bool:
    import inspect

    return "collate" in inspect.signature(db["big"].transform).parameters  # type: ignore[index]


def bench_add_column(folder: str, big: int) -> tuple[float, float]:
    times = {}
    for rows in (1_000, big):
        path = os.path.join(folder, f"add_{rows}.db")
        samples = []
        for _ in range(3):
            conn = fill(path, rows)
            start = time.perf_counter()
            inline_sync.sync(conn, BIG_V1.replace("c REAL", "c REAL, d TEXT DEFAULT 'x'"))
            samples.append(time.perf_counter() - start)
            conn.close()
        times[rows] = statistics.median(samples)
    return times[big], times[1_000]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows = 100_000 if args.quick else 1_000_000
    import tempfile

    folder = tempfile.mkdtemp(prefix="inline_sync_bench_")
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}")

    plan_time, base = bench_noop_plan(5 if args.quick else 20)
    print(
        f"no-op plan, 100 tables:      {plan_time * 1000:7.2f} ms vs executing the definitions "
        f"{base * 1000:7.2f} ms -> ratio {plan_time / base:.2f}x (goal <= 3x)"
    )

    cold = bench_noop_plan_cold(5 if args.quick else 20)
    print(
        f"  same, first call in process: {cold * 1000:7.2f} ms -> ratio {cold / base:.2f}x "
        "(definitions parsed from scratch)"
    )

    r = bench_rebuild(folder, rows)
    line = (
        f"rebuild {rows:,} rows:       inline_sync {r['inline_sync']:.2f} s vs hand-written "
        f"{r['hand']:.2f} s -> ratio {r['inline_sync'] / r['hand']:.2f}x (goal <= 1.1x)"
    )
    print(line)
    if "sqlite_utils" in r:
        print(
            f"                             sqlite-utils transform() {r['sqlite_utils']:.2f} s -> "
            f"inline_sync/sqlite-utils {r['inline_sync'] / r['sqlite_utils']:.2f}x"
        )

    big, small = bench_add_column(folder, rows)
    print(
        f"ADD COLUMN:                  {rows:,} rows {big * 1000:.2f} ms vs 1,000 rows "
        f"{small * 1000:.2f} ms -> ratio {big / small:.2f}x (goal: about 1x)"
    )


if __name__ == "__main__":
    main()
