"""sqldef's SQLite conformance cases through D1: every case on the D1 stand-in, a sample on real
local D1. As in tests/test_conformance.py: rows in every table, sync to ``desired`` and back,
each time the schema must equal a fresh database built from the target, a second plan must be
empty, and the rows must survive; here with foreign keys always on and D1's refusals."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from fake_d1 import FakeD1
from real_d1 import D1Bridge, RealD1
from schema_oracle import assert_same_schema, describe, diff_descriptions, rows
from test_conformance import CASES_DIR, check_data, fresh_db, populate, snapshot

import inline_sync
from inline_sync.d1 import plan_async, sync_async
from inline_sync.statements import split_statements

CASES = [
    pytest.param(case, id=f"{path.name}::{name}")
    for path in sorted(CASES_DIR.glob("*.yml"))
    for name, case in yaml.safe_load(path.read_text(encoding="utf-8")).items()
]
REAL_SAMPLE = CASES[::4]  # every fourth case: real D1 answers over a pipe, one call at a time


class D1Connection:
    """Lets the conformance helpers (which take an apsw-like connection) read and write a real
    D1 database directly, outside any sync."""

    def __init__(self, db: RealD1) -> None:
        self.db = db

    def cursor(self) -> D1Connection:
        return self

    def execute(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        if len(split_statements(sql)) > 1:
            self.db.script(sql)
            return []
        return self.db.q(sql, *params)

    def close(self) -> None:
        pass


def one_way(binding: Any, conn: Any, target: str) -> None:
    populate(conn)
    before_rows = snapshot(conn)
    before_schema = describe(conn)
    fresh = fresh_db("sqlite3", target)
    differs = bool(diff_descriptions(before_schema, describe(fresh)))

    planned = asyncio.run(plan_async(binding, target))
    assert not diff_descriptions(before_schema, describe(conn)), "plan changed the schema"
    assert snapshot(conn) == before_rows, "plan changed the data"
    if differs:
        assert planned.status == "changes-needed"
    if planned.destructive:
        with pytest.raises(inline_sync.DestructiveChangeError):
            asyncio.run(sync_async(binding, target))
        assert snapshot(conn) == before_rows, "a refused sync changed the data"

    result = asyncio.run(sync_async(binding, target, allow_destructive=True))
    applied = "\n".join(result.statements)
    assert result.status == ("synced" if differs else result.status), result.status
    assert rows(conn, "PRAGMA foreign_key_check") == []
    assert rows(conn, "PRAGMA quick_check") == [("ok",)]
    assert [r for r in rows(conn, "SELECT name FROM sqlite_master")
            if r[0].lower().startswith("__sync_")] == []  # fmt: skip
    try:
        assert_same_schema(conn, fresh, "synced D1 database", "fresh database from the target")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nstatements applied:\n{applied}") from None
    again = asyncio.run(plan_async(binding, target))
    assert again.status == "up-to-date", "\n".join(again.statements)
    assert asyncio.run(sync_async(binding, target)).status == "up-to-date"
    problems, lost = check_data(before_rows, snapshot(conn), target)
    assert not problems, "\n".join(problems) + f"\nstatements applied:\n{applied}"
    if lost:
        assert planned.destructive, f"plan not marked destructive, yet it lost: {lost}"


def both_ways(binding: Any, conn: Any, case: dict[str, Any]) -> None:
    current, desired = case.get("current") or "", case.get("desired") or ""
    if current.strip():
        binding.script(current)
    one_way(binding, conn, desired)
    one_way(binding, conn, current)


@pytest.mark.parametrize("case", CASES)
def test_case_on_the_stand_in(case: dict[str, Any]) -> None:
    db = FakeD1()
    both_ways(db, db.conn, case)


@pytest.mark.parametrize("case", REAL_SAMPLE)
def test_case_on_real_d1(case: dict[str, Any], bridge: D1Bridge) -> None:
    db = bridge.database()
    both_ways(db, D1Connection(db), case)
