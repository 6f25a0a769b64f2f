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
