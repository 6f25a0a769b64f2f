"""In-memory databases of each client kind, as (what ``sync`` is handed, the connection to
look at), and the few helpers the mutation-survivor tests share."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import apsw
from fake_durable_object import FakeStorage


def sqlite3_db() -> tuple[Any, Any]:
    """stdlib sqlite3 in autocommit mode."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    return conn, conn


def apsw_db() -> tuple[Any, Any]:
    """apsw (its own, newer SQLite)."""
    conn = apsw.Connection(":memory:")
    return conn, conn


def do_db() -> tuple[Any, Any]:
    """The Durable Object stand-in and its underlying connection."""
    storage = FakeStorage()
    return storage, storage.conn


OPENERS: dict[str, Callable[[], tuple[Any, Any]]] = {
    "sqlite3": sqlite3_db,
    "apsw": apsw_db,
    "durable-object": do_db,
}


def run(conn: Any, script: str) -> None:
    """Run the statements of ``script`` (separated by ";\\n") one at a time."""
    for statement in script.split(";\n"):
        if statement.strip():
            conn.execute(statement)


def rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one query, as tuples."""
    return [tuple(r) for r in conn.execute(sql)]
