"""Real local D1 databases for CPython tests: miniflare's D1 (SQLite inside workerd) behind a
small Node bridge (tests/d1/bridge.mjs), each wrapped to look like the ``env.DB`` binding a
Python Worker gets: ``prepare().bind()``, ``await all()``, ``await batch([...])``.

What it checks that the stand-in (tests/fake_d1.py) cannot: D1's own authorizer, its SQLite
version, its batch transaction and foreign-key enforcement. What it does not: the Pyodide FFI
between a Python Worker and the binding (see docs/d1.md).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from workerd_harness import REPO, require_workerd

from inline_sync.statements import split_statements

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


class D1Bridge:
    """One Node process serving many D1 databases; ``persist`` (a directory) keeps them."""

    def __init__(self, persist: Path | None = None) -> None:
        require_workerd()
        if shutil.which("node") is None:
            raise RuntimeError("node is not on PATH")
        self._names = (f"DB{i}" for i in itertools.count())
        self.proc = subprocess.Popen(
            ["node", str(BRIDGE), str(persist) if persist else ""],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        if not self.proc.stdout.readline():
            raise RuntimeError("the D1 bridge did not start (is `npm ci` done?)")

    def database(self, name: str | None = None) -> RealD1:
        """The database ``name`` ("DB0" … "DB399"), or a new one nobody used yet."""
        return RealD1(self, name or next(self._names))

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the D1 bridge exited")
        return json.loads(line)  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class RealD1:
    """``env.DB`` for one database of a :class:`D1Bridge`."""

    def __init__(self, bridge: D1Bridge, name: str) -> None:
        self.bridge = bridge
        self.name = name
        self.batches = 0  # round-trips made with batch()

    def prepare(self, sql: str) -> Statement:
        return Statement(self, sql)

    async def batch(self, statements: list[Statement]) -> list[_Results]:
        self.batches += 1
        return await self._call("batch", statements)

    async def _call(self, op: str, statements: list[Statement]) -> list[_Results]:
        await asyncio.sleep(0)  # let concurrent syncs interleave between round-trips
        request = {
            "db": self.name,
            "op": op,
            "statements": [[s.sql, list(s.params)] for s in statements],
        }
        answer = self.bridge.call(request)
        if not answer["ok"]:
            raise D1Error(answer["error"])
        return [_Results(rows) for rows in answer["results"]]

    # -- direct access for the tests (outside any sync) -------------------------------------
    def q(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of one statement."""
        answer = self.bridge.call({"db": self.name, "op": "all", "statements": [[sql, params]]})
        if not answer["ok"]:
            raise D1Error(answer["error"])
        return [tuple(r.values()) for r in answer["results"][0]]

    def script(self, sql: str) -> None:
        """Run several statements in one batch."""
        statements = [[s.text, []] for s in split_statements(sql)]
        if statements:
            answer = self.bridge.call({"db": self.name, "op": "batch", "statements": statements})
            if not answer["ok"]:
                raise D1Error(answer["error"])
