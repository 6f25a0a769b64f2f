"""Benchmarks of a fresh process: import time, a cold start that finds nothing to do, and the
first ``plan()``. Each sample is a new interpreter (``-I -S``: no site-packages, whose ``.pth``
hooks would import ``re`` and more before us and hide their cost), started from this one."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from schemas import alternate, wide_schema

import inline_sync

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = [sys.executable, "-I", "-S"]


def _run(code: str) -> str:
    out = subprocess.run([*PYTHON, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout + out.stderr


def _import_sample(root: str, *flags: str) -> Callable[[], float]:
    code = f"import sys; sys.path.insert(0, {root!r}); import inline_sync"

    def sample() -> float:
        out = subprocess.run(
            [*PYTHON, *flags, "-X", "importtime", "-c", code],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        line = next(x for x in reversed(out.splitlines()) if x.endswith("| inline_sync"))
        return int(line.split("|")[1]) / 1e6  # cumulative microseconds

    return sample


def import_time(runs: int) -> dict[str, float]:
    """``import inline_sync``, cumulative, with bytecode and without (a copy of the package
    without ``__pycache__``, run with ``-B`` so that none is written)."""
    _run(f"import sys; sys.path.insert(0, {ROOT!r}); import inline_sync")  # bytecode exists
    folder = tempfile.mkdtemp(prefix="inline_sync_nopyc_")
    shutil.copytree(
        os.path.join(ROOT, "inline_sync"),
        os.path.join(folder, "inline_sync"),
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    try:
        return alternate(
            {
                "bytecode": _import_sample(ROOT),
                "source": _import_sample(folder, "-B"),
            },
            runs,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wall(code: str) -> Callable[[], float]:
    def sample() -> float:
        start = time.perf_counter()
        subprocess.run([*PYTHON, "-c", code], check=True)
        return time.perf_counter() - start

    return sample


def _inner(code: str) -> Callable[[], float]:
    """A sample timed inside the child, which prints its seconds."""
    return lambda: float(_run(code).split()[-1])


def _synced_database(folder: str, schema: str) -> str:
    path = os.path.join(folder, "app.db")
    conn = sqlite3.connect(path, isolation_level=None)
    assert inline_sync.sync(conn, schema).status == "synced"
    conn.close()
    with open(os.path.join(folder, "schema.sql"), "w", encoding="utf-8") as f:
        f.write(schema)
    return path


def _pair(ours: str, base: str, sample: Callable[[str], Callable[[], float]], runs: int,
          tables: int) -> dict[str, float]:  # fmt: skip
    """Medians of two child programs, given the synced database's path as ``{db}`` and the
    definitions' file as ``{schema}``; one warm-up run of ours first (bytecode, page cache)."""
    folder = tempfile.mkdtemp(prefix="inline_sync_process_")
    try:
        path = _synced_database(folder, wide_schema(tables))
        where = {"db": repr(path), "schema": repr(os.path.join(folder, "schema.sql"))}
        ours, base = ours.format(**where), base.format(**where)
        sample(ours)()
        return alternate({"ours": sample(ours), "base": sample(base)}, runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def cold_start(runs: int, tables: int = 100) -> dict[str, float]:
    """Whole processes: ``import inline_sync, sqlite3; connect; sync`` finding nothing to do
    vs ``import sqlite3; connect; SELECT`` (wall time, interpreter start-up included)."""
    ours = (
        f"import sys; sys.path.insert(0, {ROOT!r}); import inline_sync, sqlite3; "
        "schema = open({schema}).read(); c = sqlite3.connect({db}); "
        "assert inline_sync.sync(c, schema).status == 'up-to-date'"
    )
    base = "import sqlite3; c = sqlite3.connect({db}); c.execute('SELECT * FROM t0 WHERE id = 1')"
    return _pair(ours, base, _wall, runs, tables)


def first_plan(runs: int, tables: int = 100) -> dict[str, float]:
    """The first ``plan()`` in a fresh process (the planning modules' import included) vs
    executing the definitions into ``:memory:`` in a fresh process, both timed inside."""
    ours = (
        f"import sys, time; sys.path.insert(0, {ROOT!r}); import inline_sync, sqlite3; "
        "schema = open({schema}).read(); c = sqlite3.connect({db}); "
        "t = time.perf_counter(); p = inline_sync.plan(c, schema); "
        "e = time.perf_counter() - t; assert p.status == 'up-to-date'; print(e)"
    )
    base = (
        "import sqlite3, time; schema = open({schema}).read(); "
        "t = time.perf_counter(); c = sqlite3.connect(':memory:'); c.executescript(schema); "
        "print(time.perf_counter() - t)"
    )
    return _pair(ours, base, _inner, runs, tables)
