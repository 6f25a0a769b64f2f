"""Schemas and the measuring discipline shared by the benchmarks.

Every figure is the median of at least 11 runs, and a measurement and its baseline run in
turn (ours, baseline, ours, baseline, …), so that load from other processes falls on both
alike. Best-of-a-few figures swing with the machine's load; medians of alternating runs do not
swing much, and a ratio of two medians from the same run means the same on any machine.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable

#: The fewest runs any median is taken over.
MIN_RUNS = 11


def timed(fn: Callable[[], object]) -> Callable[[], float]:
    """A sample function that times one call of ``fn`` (in seconds)."""

    def sample() -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    return sample


def batched(fn: Callable[[], object], number: int) -> Callable[[], float]:
    """A sample function that times ``number`` calls of ``fn`` and returns seconds per call
    (for operations of a few microseconds, below the timer's useful resolution alone)."""

    def sample() -> float:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - start) / number

    return sample


def alternate(samples: dict[str, Callable[[], float]], runs: int = MIN_RUNS) -> dict[str, float]:
    """Median seconds of each sample function, taking one sample of each in turn per round.

    A sample function returns the seconds it measured, so that setting up and resetting (a
    database to rebuild again, a subprocess to start) stay outside the figure.
    """
    runs = max(runs, MIN_RUNS)
    got: dict[str, list[float]] = {name: [] for name in samples}
    for round_ in range(runs):
        order = list(samples.items())
        if round_ % 2:
            order.reverse()  # neither side always runs first (caches, page cache, CPU clock)
        for name, sample in order:
            got[name].append(sample())
    return {name: statistics.median(values) for name, values in got.items()}


def machine() -> str:
    """One line naming the machine, the versions and the load."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            ]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores{load}; Python {sys.version.split()[0]}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def wide_schema(tables: int = 100) -> str:
    """``tables`` tables, each with an index; every tenth with a view and a trigger."""
    parts = []
    for i in range(tables):
        ref = f" REFERENCES t{i - 1}(id) ON DELETE CASCADE" if i else ""
        parts.append(
            f"CREATE TABLE t{i} (\n"
            f"    id INTEGER PRIMARY KEY,\n"
            f"    parent_id INTEGER{ref},\n"
            f"    name TEXT NOT NULL DEFAULT '' COLLATE NOCASE,\n"
            f"    score REAL CHECK (score >= 0),\n"
            f"    created TEXT DEFAULT CURRENT_TIMESTAMP,\n"
            f"    UNIQUE (name, parent_id)\n"
            f");\n"
            f"CREATE INDEX t{i}_score ON t{i}(score DESC) WHERE score IS NOT NULL;\n"
        )
        if i % 10 == 0:
            parts.append(
                f"CREATE VIEW v{i} AS SELECT id, name FROM t{i} WHERE score > 1;\n"
                f"CREATE TRIGGER tr{i} AFTER INSERT ON t{i} BEGIN\n"
                f"    UPDATE t{i} SET score = coalesce(new.score, 0) WHERE id = new.id;\n"
                f"END;\n"
            )
    return "".join(parts)
