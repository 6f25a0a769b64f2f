"""Both scratch strategies give identical plans: every conformance case, both directions."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import apsw
import pytest
import yaml

import inline_sync

CASES_DIR = Path(__file__).parent / "conformance" / "sqldef"


def _pairs() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yml")):
        for name, case in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            current, desired = case.get("current") or "", case.get("desired") or ""
            for direction, (a, b) in {"up": (current, desired), "down": (desired, current)}.items():
                for client in ("sqlite3", "apsw"):
                    params.append(pytest.param(a, b, client, id=f"{name}-{direction}-{client}"))
    return params


def _connect(client: str) -> Any:
    if client == "apsw":
        return apsw.Connection(":memory:")
    return sqlite3.connect(":memory:", isolation_level=None)


def _summary(plan: inline_sync.SyncPlan) -> tuple[Any, ...]:
    return (
        plan.status,
        plan.statements,
        [(c.kind, c.name, c.action, c.destructive, c.reasons) for c in plan.changes],
    )


@pytest.mark.parametrize(("start", "target", "client"), _pairs())
def test_scratch_db_and_prefix_plan_the_same(start: str, target: str, client: str) -> None:
    conn = _connect(client)
    conn.execute("PRAGMA foreign_keys = ON")
    if start.strip():
        inline_sync.sync(conn, start, allow_destructive=True)
    by_db = inline_sync.plan(conn, target, scratch_schema="scratch-db")
    by_prefix = inline_sync.plan(conn, target, scratch_schema="prefix")
    assert _summary(by_db) == _summary(by_prefix)
    assert by_db.strategy == "scratch-db" and by_prefix.strategy == "prefix"
