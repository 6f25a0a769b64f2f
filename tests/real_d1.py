"""A real local D1 database for CPython tests: miniflare's D1 (SQLite inside workerd) behind a
small Node bridge (tests/d1/bridge.mjs), wrapped to look like the ``env.DB`` binding a Python
Worker gets: ``prepare().bind()``, ``await all()``, ``await batch([...])``.

What it checks that the stand-in (tests/fake_d1.py) cannot: D1's own authorizer, its SQLite
version, its batch transaction and foreign-key enforcement. What it does not: the Pyodide FFI
between a Python Worker and the binding (see docs/d1.md).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

from workerd_harness import REPO, require_workerd

BRIDGE = REPO / "tests" / "d1" / "bridge.mjs"


class D1Error(RuntimeError):
    """A refusal from D1 (plays pyodide's JsException, as the client takes RuntimeError off
    Pyodide); the text is D1's, e.g. ``D1_ERROR: no such table: t: SQLITE_ERROR``."""


class _Results:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.results = rows


class Statement:
    """A prepared (and maybe bound) statement of :class:`RealD1`."""

    def __init__(self, db: RealD1, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.db, self.sql, self.params = db, sql, params

    def bind(self, *params: Any) -> Statement:
        return Statement(self.db, self.sql, params)

    async def all(self) -> _Results:
        return (await self.db._call("all", [self]))[0]


class RealD1:
    """``env.DB`` backed by miniflare's D1; ``persist`` (a directory) survives restarts."""

    def __init__(self, persist: Path | None = None) -> None:
        require_workerd()
        self.batches = 0
        self.proc = subprocess.Popen(
            ["node", str(BRIDGE), str(persist) if persist else ""],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        ready = self.proc.stdout.readline()
        if not ready:
            raise RuntimeError("the D1 bridge did not start (is `npm ci` done?)")

    def prepare(self, sql: str) -> Statement:
        return Statement(self, sql)

    async def batch(self, statements: list[Statement]) -> list[_Results]:
        self.batches += 1
        return await self._call("batch", statements)

    async def _call(self, op: str, statements: list[Statement]) -> list[_Results]:
        await asyncio.sleep(0)  # let concurrent syncs interleave between round-trips
        assert self.proc.stdin is not None and self.proc.stdout is not None
        request = {"op": op, "statements": [[s.sql, list(s.params)] for s in statements]}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if not answer["ok"]:
            raise D1Error(answer["error"])
        return [_Results(rows) for rows in answer["results"]]

    def q(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of one query, run outside any sync."""
        rows = asyncio.run(self.prepare(sql).bind(*params).all()).results
        return [tuple(r.values()) for r in rows]

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
