"""Capabilities come from what the connection accepts, not from a version number.

A Durable Object on new workerd runs SQLite 3.54 whose authorizer refuses the 3.53 ALTER forms
(``ALTER COLUMN … SET/DROP NOT NULL``, ``ADD/DROP CONSTRAINT``); a plain apsw connection may
have an authorizer of its own. The stand-in Durable Object over apsw plays that authorizer.
"""

from __future__ import annotations

from typing import Any

import apsw
import pytest
from fake_durable_object import REFUSED_FUNCTIONS, FakeStorage

import inline_sync
from inline_sync.clients import APSWClient, DurableObjectClient

BEFORE = "CREATE TABLE p (id INTEGER PRIMARY KEY, price INT, note TEXT NOT NULL DEFAULT '');"
AFTER = (
    "CREATE TABLE p (id INTEGER PRIMARY KEY, price INT NOT NULL"
    " CONSTRAINT positive CHECK (price > 0), note TEXT DEFAULT '');"
)
NEW_FORMS = ("ALTER COLUMN", "ADD CONSTRAINT", "DROP CONSTRAINT", "ADD CHECK")


def _refusing(op: int, name: str | None, arg: str | None, *_: Any) -> int:
    if op == apsw.SQLITE_FUNCTION and arg in REFUSED_FUNCTIONS:
        return apsw.SQLITE_DENY
    return apsw.SQLITE_OK


def _client(kind: str) -> tuple[Any, apsw.Connection]:
    conn = apsw.Connection(":memory:")
    if kind == "apsw-with-authorizer":
        conn.authorizer = _refusing
        return APSWClient(conn), conn
    storage = FakeStorage(conn, authorizer=kind != "do-accepting")
    # The version is what a new workerd embeds; it must not decide anything.
    return DurableObjectClient(storage, sqlite_version=(3, 54, 1)), conn


def _run(kind: str) -> list[str]:
    client, conn = _client(kind)
    inline_sync.sync(client, BEFORE)
    conn.execute("INSERT INTO p (price, note) VALUES (5, 'x')")
    result = inline_sync.sync(client, AFTER)
    assert result.status == "synced"
    assert list(conn.execute("SELECT id, price, note FROM p")) == [(1, 5, "x")]
    for strategy in ("auto", "prefix"):
        if isinstance(client, APSWClient) or strategy == "prefix":
            assert inline_sync.plan(client, AFTER, scratch_schema=strategy).statements == []
    with pytest.raises(apsw.ConstraintError, match="positive"):
        conn.execute("INSERT INTO p (price) VALUES (-1)")
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    assert not [n for n in names if n.startswith("__sync_")]
    return list(result.statements)


@pytest.mark.parametrize("kind", ["apsw-with-authorizer", "do-refusing"])
def test_refused_alter_forms_are_rebuilds(kind: str) -> None:
    statements = _run(kind)
    assert not [s for s in statements if any(f in s for f in NEW_FORMS)], statements


def test_accepted_alter_forms_are_used_whatever_the_version_says() -> None:
    statements = _run("do-accepting")
    assert any("ALTER COLUMN" in s for s in statements), statements
    assert any("ADD CONSTRAINT" in s for s in statements), statements
    assert not any("RENAME TO" in s for s in statements), statements


def test_plain_apsw_uses_the_new_forms() -> None:
    conn = apsw.Connection(":memory:")
    inline_sync.sync(conn, BEFORE)
    statements = inline_sync.sync(conn, AFTER).statements
    assert any("ALTER COLUMN" in s for s in statements), statements
