"""Constraint names: a named CHECK keeps its name whichever way it is added, a change of only a
constraint's name is applied, and ``@renamed`` hints are accepted on constraint lines."""

from __future__ import annotations

import sqlite3
from typing import Any

import apsw
import pytest

import inline_sync

CLIENTS = ["sqlite3", "apsw"]
STRATEGIES = ["scratch-db", "prefix"]


def connect(client: str) -> Any:
    if client == "apsw":
        conn: Any = apsw.Connection(":memory:")
    else:
        conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def error_of(conn: Any, sql: str) -> str:
    try:
        conn.execute(sql)
    except (sqlite3.Error, apsw.Error) as exc:
        return str(exc)
    raise AssertionError(f"no error from {sql}")


def assert_idempotent(conn: Any, schema: str) -> None:
    for strategy in STRATEGIES:
        again = inline_sync.plan(conn, schema, scratch_schema=strategy)
        assert again.statements == [], (strategy, again.statements)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(
    "check",
    [
        "price INT CONSTRAINT price_positive CHECK (price > 0)",
        "price INT, CONSTRAINT price_positive CHECK (price > 0)",
    ],
)
def test_named_check_added_keeps_its_name(client: str, strategy: str, check: str) -> None:
    conn = connect(client)
    inline_sync.sync(conn, "CREATE TABLE p (id INTEGER PRIMARY KEY, price INT);")
    conn.execute("INSERT INTO p (price) VALUES (5)")
    schema = f"CREATE TABLE p (id INTEGER PRIMARY KEY, {check});"
    inline_sync.sync(conn, schema, scratch_schema=strategy)
    assert_idempotent(conn, schema)
    assert "price_positive" in error_of(conn, "INSERT INTO p (price) VALUES (-1)")
    assert list(conn.execute("SELECT price FROM p")) == [(5,)]
