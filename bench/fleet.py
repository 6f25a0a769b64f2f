"""Benchmark of many databases at once (issue 13): ``sync_many`` over tenant databases.

    python bench/fleet.py [DATABASES [FOLDER]]   # default 1,000, in a temporary folder
    python bench/fleet.py 1000 /dev/shm          # in memory: no fsync, the CPU cost shows
    python bench/fleet.py 1000 /dev/shm --runs 21

``python bench/run.py`` runs it too (300 databases in its temporary folder; ``--only fleet``).

1,000 tenant databases (files) with a 20-table schema, synced to a schema with one added column
and one new table. The floor is running the same statements by hand on each database in turn:
connect, BEGIN IMMEDIATE, the statements, COMMIT, close. Measured against it on fresh copies of
the databases, each figure the median of at least 11 runs taken in turn with the others
(``schemas.alternate``, as every benchmark here):

- ``sync_many(jobs=1)``: goal <= 1.5x the floor. Paired database by database: as each database
  of ``sync_many`` finishes, its ``progress`` callback runs the floor on a copy of its own, timed
  apart and subtracted. Most of both is waiting for fsync, which other processes' writes slow
  down by 2x and more for seconds at a time; samples a second apart caught different spells
  (one run's ratios went from 0.6x to 2x), samples a database apart catch the same one;
- ``sync()`` called on each database in turn (what one would write without sync_many);
- ``sync_many(jobs=N)`` for N = 2 .. the number of cores: scaling;
- ``sync_many`` when every database is already up to date: goal < 0.5 s for 1,000 (shown with
  what opening each database and reading one row costs, which no check can avoid).
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from schemas import MIN_RUNS, alternate, machine, timed

import inline_sync
from inline_sync.fleet import sync_many

TABLES = 20


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


def paired(paths: list[str], floor_paths: list[str], statements: list[str]) -> tuple[float, float]:
    """Seconds of ``sync_many(jobs=1)`` over ``paths`` and of the floor over ``floor_paths``,
    one database of the floor right after each of ``sync_many``'s (in its progress callback,
    whose time is subtracted), so that both meet the disk in the same state."""
    floor = 0.0

    def progress(result: object, done: int, total: int) -> None:
        nonlocal floor
        start = time.perf_counter()
        by_hand([floor_paths[done - 1]], statements)
        floor += time.perf_counter() - start

    start = time.perf_counter()
    result = sync_many(paths, V2, progress=progress)
    took = time.perf_counter() - start - floor
    assert result.ok and result.count("synced") == len(paths), result.summary()
    return took, floor


def measure(count: int, folder: str | None = None, runs: int = MIN_RUNS) -> dict[str, float]:
    """Medians in seconds, keyed ``floor`` and ``sync_many`` (paired), ``sync each``,
    ``sync_many jobs=N`` (N = 2 .. cores), ``up to date`` and ``opening``, over ``count``
    databases in a new folder under ``folder``; ``statements`` (as a float) is how many
    statements the change takes."""
    cores = os.cpu_count() or 1
    root = Path(tempfile.mkdtemp(prefix="inline_sync_fleet_", dir=folder))
    try:
        source = template(root)
        probe = sqlite3.connect(source, isolation_level=None)
        statements = inline_sync.plan(probe, V2).statements
        probe.close()
        work = root / "tenants"
        floors: list[float] = []  # the floor's side of each paired sample

        def sync_many_paired() -> float:
            paths = copies(source, work, count)  # fresh copies of the template, not timed
            took, floor = paired(paths, copies(source, root / "floor", count), statements)
            floors.append(floor)
            return took

        variants: dict[str, Callable[[list[str]], object]] = {
            "sync each": one_by_one,
        }
        for jobs in range(2, max(2, cores) + 1):
            variants[f"sync_many jobs={jobs}"] = lambda paths, j=jobs: fleet(paths, j)

        def fresh(run: Callable[[list[str]], object]) -> Callable[[], float]:
            def sample() -> float:
                paths = copies(source, work, count)  # fresh copies of the template, not timed
                return timed(lambda: run(paths))()

            return sample

        samples = {name: fresh(run) for name, run in variants.items()}
        samples["sync_many"] = sync_many_paired
        medians = alternate(samples, runs)
        medians["floor"] = statistics.median(floors)
        paths = copies(source, work, count)
        fleet(paths, 1)
        medians.update(
            alternate(
                {
                    "up to date": timed(lambda: sync_many(paths, V2)),
                    "opening": timed(lambda: open_each(paths)),
                },
                runs,
            )
        )
        medians["statements"] = float(len(statements))
        return medians
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("databases", nargs="?", type=int, default=1000)
    parser.add_argument("folder", nargs="?", default=None, help="where (e.g. /dev/shm)")
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help="runs per median (>= 11)")
    args = parser.parse_args()
    count = args.databases
    print(f"Machine: {machine()}")
    m = measure(count, args.folder, max(args.runs, MIN_RUNS))
    floor = m["floor"]
    print(f"{count:,} tenant databases, {TABLES} tables, {int(m['statements'])} statement(s) "
          f"to apply; medians of {max(args.runs, MIN_RUNS)} alternating runs")  # fmt: skip
    print(f"floor (same statements by hand, in turn; paired with sync_many): {floor:.3f} s "
          f"({floor / count * 1000:.2f} ms a database)")  # fmt: skip
    for name, median in m.items():
        if name in ("floor", "up to date", "opening", "statements"):
            continue
        goal = " (goal <= 1.5x)" if name == "sync_many" else ""
        print(f"{name}: {median:.3f} s ({median / count * 1000:.2f} ms a database) -> "
              f"{median / floor:.2f}x the floor{goal}")  # fmt: skip
    print(f"sync_many, all {count:,} up to date: {m['up to date']:.3f} s (goal < 0.5 s for "
          f"1,000); opening each database and reading one row: {m['opening']:.3f} s")  # fmt: skip
    print(f"Machine after the run: {machine()}")


if __name__ == "__main__":
    main()
