"""Benchmark of many databases at once (issue 13): ``sync_many`` over tenant databases.

    python bench/fleet.py [DATABASES [FOLDER]]   # default 1,000, in a temporary folder
    python bench/fleet.py 1000 /dev/shm          # in memory: no fsync, the CPU cost shows
    FLEET_ROUNDS=3 python bench/fleet.py         # fewer rounds (default 5)

1,000 tenant databases (files) with a 20-table schema, synced to a schema with one added column
and one new table. The floor is running the same statements by hand on each database in turn:
connect, BEGIN IMMEDIATE, the statements, COMMIT, close. Measured against it, in alternating
rounds on fresh copies of the databases (medians):

- ``sync_many(jobs=1)``: goal <= 1.5x the floor;
- ``sync()`` called on each database in turn (what one would write without sync_many);
- ``sync_many(jobs=N)`` for N = 2 .. the number of cores: scaling;
- ``sync_many`` when every database is already up to date: goal < 0.5 s for 1,000 (shown with
  what opening each database and reading one row costs, which no check can avoid).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import inline_sync
from inline_sync.fleet import sync_many

TABLES = 20
ROUNDS = int(os.environ.get("FLEET_ROUNDS", "5"))


def schema(version: int) -> str:
    """20 tables (a chain of foreign keys, an index each); version 2 adds a column and a table."""
    parts = []
    for i in range(TABLES):
        parent = f", parent_id INTEGER REFERENCES t{i - 1}(id)" if i else ""
        extra = ", archived INTEGER NOT NULL DEFAULT 0" if version == 2 and i == 7 else ""
        parts.append(
            f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            f"created TEXT DEFAULT CURRENT_TIMESTAMP, score REAL{parent}{extra});\n"
            f"CREATE INDEX t{i}_by_name ON t{i}(name);\n"
        )
    if version == 2:
        parts.append("CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT, what TEXT NOT NULL);\n")
    return "".join(parts)


V1, V2 = schema(1), schema(2)


def template(folder: Path) -> Path:
    """One tenant database synced to V1 by inline_sync, with a few rows in every table."""
    path = folder / "template.db"
    conn = sqlite3.connect(path, isolation_level=None)
    inline_sync.sync(conn, V1)
    for i in range(TABLES):
        parent = ", parent_id" if i else ""
        value = ", 1" if i else ""
        for n in range(5):
            conn.execute(f"INSERT INTO t{i} (name, score{parent}) VALUES ('n{n}', {n}{value})")
    conn.close()
    return path


def copies(source: Path, folder: Path, count: int) -> list[str]:
    """Fresh copies of the template: every measured run starts from the same databases."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    paths = [str(folder / f"tenant{i:04d}.db") for i in range(count)]
    for path in paths:
        shutil.copyfile(source, path)
    return paths


def by_hand(paths: list[str], statements: list[str]) -> None:
    """The floor: the same statements in one transaction on each database, in turn."""
    for path in paths:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        for sql in statements:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.close()


def open_each(paths: list[str]) -> None:
    """What any up-to-date check costs at least: open, read one row (SQLite loads the schema),
    close."""
    for path in paths:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
        conn.close()


def one_by_one(paths: list[str]) -> None:
    """``sync()`` on each database in turn."""
    for path in paths:
        conn = sqlite3.connect(path, isolation_level=None)
        assert inline_sync.sync(conn, V2).status == "synced"
        conn.close()


def fleet(paths: list[str], jobs: int) -> None:
    """``sync_many`` over all of them."""
    result = sync_many(paths, V2, jobs=jobs)
    assert result.ok and result.count("synced") == len(paths), result.summary()


def timed(fn: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    cores = os.cpu_count() or 1
    where = sys.argv[2] if len(sys.argv) > 2 else None
    root = Path(tempfile.mkdtemp(prefix="inline_sync_fleet_", dir=where))
    try:
        source = template(root)
        probe = sqlite3.connect(source, isolation_level=None)
        statements = inline_sync.plan(probe, V2).statements
        probe.close()
        print(f"{count:,} tenant databases, {TABLES} tables; the change: {len(statements)} "
              f"statement(s): {'; '.join(s[:60] for s in statements)}")  # fmt: skip
        work = root / "tenants"
        variants: dict[str, Callable[[list[str]], object]] = {
            "floor": lambda paths: by_hand(paths, statements),
            "sync_many": lambda paths: fleet(paths, 1),
            "sync each": one_by_one,
        }
        for jobs in range(2, max(2, cores) + 1):
            variants[f"sync_many jobs={jobs}"] = lambda paths, j=jobs: fleet(paths, j)
        runs: dict[str, list[float]] = {name: [] for name in variants}
        order = list(variants)
        for round_ in range(ROUNDS):
            # Each round runs every variant once, in a rotated order, so that a busy moment of
            # the machine does not always hit the same one; ratios are taken within a round.
            for name in order[round_ % len(order) :] + order[: round_ % len(order)]:
                paths = copies(source, work, count)
                runs[name].append(timed(variants[name], paths))
        up_to_date, opening = [], []
        for _ in range(ROUNDS):
            up_to_date.append(timed(sync_many, paths, V2))
            opening.append(timed(open_each, paths))
        floor = statistics.median(runs["floor"])
        print(f"floor (same statements by hand, in turn): {floor:.3f} s "
              f"({floor / count * 1000:.2f} ms a database)")  # fmt: skip
        for name, values in runs.items():
            if name == "floor":
                continue
            ratio = statistics.median(v / f for v, f in zip(values, runs["floor"], strict=True))
            goal = " (goal <= 1.5x)" if name == "sync_many" else ""
            median = statistics.median(values)
            print(f"{name}: {median:.3f} s ({median / count * 1000:.2f} ms a database) -> "
                  f"{ratio:.2f}x the floor{goal}")  # fmt: skip
        print(f"sync_many, all {count:,} up to date: {statistics.median(up_to_date):.3f} s "
              "(goal < 0.5 s for 1,000); opening each database and reading one row: "
              f"{statistics.median(opening):.3f} s")  # fmt: skip
        print(f"({cores} core(s); medians of {ROUNDS} rounds; ratios within each round)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
