"""In-memory databases of each client kind, as (what ``sync`` is handed, the connection to
look at), and the few helpers the mutation-survivor tests share."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any

import apsw
from fake_d1 import FakeD1
from fake_durable_object import FakeStorage

import inline_sync
from inline_sync.d1 import sync_async


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


#: Every client kind, D1's stand-in (async) included: for ``open_client`` and ``sync_on``.
KINDS = [*OPENERS, "d1"]


def open_client(kind: str) -> tuple[Any, Any]:
    """(what to sync, the connection to look at) for one of ``KINDS``."""
    if kind == "d1":
        db = FakeD1()
        return db, db.conn
    return OPENERS[kind]()


def sync_on(kind: str, client: Any, schema: str, **options: Any) -> inline_sync.SyncResult:
    """``sync()``, or D1's ``sync_async()`` run to completion, as ``kind`` calls for."""
    if kind == "d1":
        return asyncio.run(sync_async(client, schema, **options))
    return inline_sync.sync(client, schema, **options)


#: The clients that build the scratch copies under the prefix strategy, with the option that
#: asks for it (sqlite3 must be told; Durable Objects and D1 cannot attach a database).
PREFIXED = [("sqlite3", "prefix"), ("durable-object", "auto"), ("d1", "auto")]


def syncs_twice(kind: str, strategy: str, schema: str) -> None:
    """A fresh ``kind`` database syncs to ``schema`` under ``strategy`` (sqlite3 only), and
    the next sync finds it up to date."""
    client, _ = open_client(kind)
    options = {"scratch_schema": strategy} if kind == "sqlite3" else {}
    assert sync_on(kind, client, schema, **options).status == "synced"
    assert sync_on(kind, client, schema, **options).status == "up-to-date"


def run(conn: Any, script: str) -> None:
    """Run the statements of ``script`` (separated by ";\\n") one at a time."""
    for statement in script.split(";\n"):
        if statement.strip():
            conn.execute(statement)


def rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one query, as tuples."""
    return [tuple(r) for r in conn.execute(sql)]


def user_objects(conn: Any) -> list[tuple[Any, ...]]:
    """(type, name, table) of each object but SQLite's and inline_sync's own, in order: what
    a synced database and a fresh one built from the same definitions must agree on (the
    stored text may differ in quoting where SQLite rewrote it)."""
    return rows(
        conn,
        "SELECT type, name, tbl_name FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite%' AND name NOT LIKE '\\_inline\\_sync%' ESCAPE '\\' "
        "ORDER BY type, name",
    )


def everything(conn: Any) -> tuple[Any, ...]:
    """The schema, every row of every table (with its rowid where it has one; each value as
    its storage class and its bytes) and ``user_version``: what a failed sync must leave
    exactly as it was."""
    schema = rows(conn, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    tables = []
    for kind, name, _, sql in schema:
        if kind != "table" or "VIRTUAL" in (sql or "").upper():
            continue
        columns = [str(r[1]) for r in rows(conn, f'PRAGMA main.table_xinfo("{name}")')]
        # One result column: a host's column limit counts result columns too.
        values = " || ',' || ".join(f"""typeof("{c}") || ':' || hex("{c}")""" for c in columns)
        rowid = rows(conn, f"SELECT count(*) FROM pragma_table_list WHERE name = '{name}' AND wr")
        order = "1" if rowid == [(1,)] else "_rowid_"
        select = values if rowid == [(1,)] else f"_rowid_, {values}"
        tables.append((name, sorted(rows(conn, f'SELECT {select} FROM "{name}" ORDER BY {order}'))))
    return schema, tables, rows(conn, "PRAGMA user_version")


def refused(kind: str, client: Any, conn: Any, definitions: str) -> inline_sync.ApplyError:
    """The ApplyError of syncing ``definitions``, after checking that the database is exactly
    as it was (``everything``)."""
    import pytest

    before = everything(conn)
    with pytest.raises(inline_sync.ApplyError) as caught:
        sync_on(kind, client, definitions)
    assert everything(conn) == before
    return caught.value
