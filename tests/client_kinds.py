"""The client kinds the integration tests run against, shared by several test modules."""

from __future__ import annotations

import sqlite3
from typing import Any

import apsw

from inline_sync.clients import APSWClient, Client, SQLite3Client

#: stdlib sqlite3 in autocommit mode, sqlite3 with its default isolation_level, and apsw.
CLIENTS = ["sqlite3-autocommit", "sqlite3-default", "apsw"]
STRATEGIES = ["scratch-db", "prefix"]


class FKLockedSQLite3(SQLite3Client):
    """sqlite3 acting like a Durable Object: foreign keys cannot be switched off."""

    def can_toggle_foreign_keys(self) -> bool:
        return False


class FKLockedAPSW(APSWClient):
    """apsw acting like a Durable Object: foreign keys cannot be switched off."""

    def can_toggle_foreign_keys(self) -> bool:
        return False


def open_connection(kind: str, path: str) -> Any:
    """A connection of ``kind`` (one of CLIENTS) to the database at ``path``."""
    if kind == "apsw":
        return apsw.Connection(path)
    if kind == "sqlite3-autocommit":
        return sqlite3.connect(path, isolation_level=None)
    return sqlite3.connect(path)


def fk_locked(conn: Any) -> Client:
    """The same connection behind a client that keeps foreign keys on."""
    return FKLockedAPSW(conn) if isinstance(conn, apsw.Connection) else FKLockedSQLite3(conn)


class DB:
    """A connection of one client kind plus the few operations the tests need."""

    def __init__(self, kind: str, path: str) -> None:
        self.kind = kind
        self.path = path
        self.conn: Any = open_connection(kind, path)
        self.run("PRAGMA foreign_keys = ON")
        self.strategy = "auto"
        self.locked = False

    @property
    def is_apsw(self) -> bool:
        return self.kind == "apsw"

    def run(self, script: str) -> None:
        """Run any number of statements and leave no transaction open."""
        if self.is_apsw:
            self.conn.execute(script)
        else:
            self.conn.executescript(script)
            if self.conn.in_transaction:
                self.conn.commit()

    def q(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of one statement."""
        if self.is_apsw:
            return [tuple(r) for r in self.conn.execute(sql, params)]
        return [tuple(r) for r in self.conn.execute(sql, params).fetchall()]
