"""Trigger bodies are checked before anything is applied: a statement that fires each created
or recreated trigger is compiled in the scratch space, and a body SQLite cannot compile is a
DefinitionError naming the trigger, with SQLite's message."""

from __future__ import annotations

import sqlite3
from typing import Any

import apsw
import pytest
from fake_durable_object import FakeStorage

import inline_sync

TABLES = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT, g INT GENERATED ALWAYS AS (b + 1));
CREATE TABLE log (id INTEGER PRIMARY KEY, x TEXT);
CREATE VIEW v AS SELECT id, a FROM t;
"""

BAD = {
    "insert into a missing column": (
        "CREATE TRIGGER bad AFTER INSERT ON t BEGIN INSERT INTO log (nope) VALUES (new.a); END;",
        "table log has no column named nope",
    ),
    "update of, missing NEW column": (
        "CREATE TRIGGER bad AFTER UPDATE OF b ON t BEGIN INSERT INTO log (x) VALUES (new.zz); END;",
        "no such column: new.zz",
    ),
    "update, missing table": (
        "CREATE TRIGGER bad BEFORE UPDATE ON t BEGIN DELETE FROM gone; END;",
        "no such table",
    ),
    "delete, bad WHEN": (
        "CREATE TRIGGER bad AFTER DELETE ON t WHEN old.q > 1 BEGIN SELECT 1; END;",
        "no such column: old.q",
    ),
    "instead of insert on a view": (
        "CREATE TRIGGER bad INSTEAD OF INSERT ON v BEGIN INSERT INTO log (y) VALUES (1); END;",
        "table log has no column named y",
    ),
    "unknown function": (
        "CREATE TRIGGER bad AFTER INSERT ON t BEGIN SELECT no_such_fn(new.a); END;",
        "no such function: no_such_fn",
    ),
}

GOOD = """
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log (x) VALUES (new.a); END;
CREATE TRIGGER t_upd AFTER UPDATE OF a, b ON t BEGIN INSERT INTO log (x) VALUES (old.a); END;
CREATE TRIGGER t_del BEFORE DELETE ON t WHEN old.b > 0 BEGIN DELETE FROM log; END;
CREATE TRIGGER v_ins INSTEAD OF INSERT ON v BEGIN INSERT INTO t (a) VALUES (new.a); END;
CREATE TRIGGER v_upd INSTEAD OF UPDATE ON v BEGIN UPDATE t SET a = new.a WHERE id = old.id; END;
CREATE TRIGGER v_del INSTEAD OF DELETE ON v BEGIN DELETE FROM t WHERE id = old.id; END;
CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN INSERT INTO legacy_audit VALUES (new.id); END;
"""

KINDS = ["sqlite3", "apsw", "durable-object"]


def _open(kind: str) -> tuple[Any, Any]:
    """(what to pass to sync, a raw connection to look at the database with)."""
    if kind == "durable-object":
        storage = FakeStorage()
        return storage, storage.conn
    conn: Any = (
        apsw.Connection(":memory:")
        if kind == "apsw"
        else sqlite3.connect(":memory:", isolation_level=None)
    )
    return conn, conn


def _schema(conn: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute("SELECT type, name, sql FROM sqlite_master")]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("strategy", ["auto", "prefix"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_a_trigger_that_cannot_compile_is_a_definition_error(
    kind: str, strategy: str, case: str
) -> None:
    trigger, message = BAD[case]
    client, conn = _open(kind)
    inline_sync.sync(client, TABLES, scratch_schema=strategy)
    before = _schema(conn)
    with pytest.raises(inline_sync.DefinitionError) as raised:
        inline_sync.sync(client, TABLES + trigger, scratch_schema=strategy)
    assert raised.value.name == "bad"
    assert "trigger 'bad'" in str(raised.value) and message in str(raised.value)
    assert "__sync" not in str(raised.value)
    assert _schema(conn) == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("strategy", ["auto", "prefix"])
def test_good_triggers_pass_and_work(kind: str, strategy: str) -> None:
    client, conn = _open(kind)
    conn.execute("CREATE TABLE legacy_audit (id INTEGER)")  # ignored, exists only in main
    result = inline_sync.sync(client, TABLES + GOOD, scratch_schema=strategy, ignore=["legacy_*"])
    assert result.status == "synced"
    conn.execute("INSERT INTO v (a) VALUES ('x')")
    conn.execute("UPDATE t SET b = 2")
    assert [r[0] for r in conn.execute("SELECT x FROM log ORDER BY id")] == ["x", "x"]
    assert list(conn.execute("SELECT id FROM legacy_audit")) == [(1,)]
