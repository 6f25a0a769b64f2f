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


def case_name(schema: str) -> str:
    """The constraint name a NAME_CHANGES schema declares (ck_new, uq_old …)."""
    return next(w for w in schema.replace("(", " ").split() if w[2:] in ("_old", "_new"))


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


NAME_CHANGES = {
    "check": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, CONSTRAINT ck_old CHECK (a > 0));",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, CONSTRAINT ck_new CHECK (a > 0));",
    ),
    "column check": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CONSTRAINT ck_old CHECK (a > 0));",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CONSTRAINT ck_new CHECK (a > 0));",
    ),
    "unique": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, CONSTRAINT uq_old UNIQUE (a));",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, CONSTRAINT uq_new UNIQUE (a));",
    ),
    "column unique": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CONSTRAINT uq_old UNIQUE);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CONSTRAINT uq_new UNIQUE);",
    ),
    "primary key": (
        "CREATE TABLE t (id INT, a INT, CONSTRAINT pk_old PRIMARY KEY (id));",
        "CREATE TABLE t (id INT, a INT, CONSTRAINT pk_new PRIMARY KEY (id));",
    ),
    "column primary key": (
        "CREATE TABLE t (id INTEGER CONSTRAINT pk_old PRIMARY KEY, a INT);",
        "CREATE TABLE t (id INTEGER CONSTRAINT pk_new PRIMARY KEY, a INT);",
    ),
    "foreign key": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT,"
        " CONSTRAINT fk_old FOREIGN KEY (a) REFERENCES t (id));",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT,"
        " CONSTRAINT fk_new FOREIGN KEY (a) REFERENCES t (id));",
    ),
    "column foreign key": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CONSTRAINT fk_old REFERENCES t (id));",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CONSTRAINT fk_new REFERENCES t (id));",
    ),
    "hinted unique": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, CONSTRAINT uq_old UNIQUE (a));",
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  a INT,\n"
        "  CONSTRAINT uq_new UNIQUE (a) -- @renamed from=uq_old\n);",
    ),
    "hinted check, block comment": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, CONSTRAINT ck_old CHECK (a > 0));",
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  a INT,\n"
        "  /* @renamed from=ck_old */ CONSTRAINT ck_new CHECK (a > 0)\n);",
    ),
}


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("case", sorted(NAME_CHANGES))
def test_a_change_of_only_a_constraint_name_is_applied(
    client: str, strategy: str, case: str
) -> None:
    before, after = NAME_CHANGES[case]
    conn = connect(client)
    inline_sync.sync(conn, before)
    conn.execute("INSERT INTO t (id, a) VALUES (1, 1), (2, 1)" if "unique" not in case else
                 "INSERT INTO t (id, a) VALUES (1, 1), (2, 2)")  # fmt: skip
    planned = inline_sync.plan(conn, after, scratch_schema=strategy)
    assert planned.statements, f"the rename of {case} was ignored"
    assert not planned.destructive
    assert any("constraint" in r.lower() for c in planned.changes for r in c.reasons), planned
    inline_sync.sync(conn, after, scratch_schema=strategy)
    stored = next(iter(conn.execute("SELECT sql FROM sqlite_master WHERE name = 't'")))[0]
    assert "CONSTRAINT " + case_name(after) in stored, stored
    assert "CONSTRAINT " + case_name(before) not in stored, stored
    assert_idempotent(conn, after)
    assert len(list(conn.execute("SELECT * FROM t"))) == 2


def test_a_hint_on_a_constraint_without_a_name_is_an_error() -> None:
    conn = connect("sqlite3")
    with pytest.raises(inline_sync.DefinitionError, match="CONSTRAINT"):
        inline_sync.plan(
            conn, "CREATE TABLE t (\n  a INT,\n  UNIQUE (a) -- @renamed from=uq_old\n);"
        )


def test_constraint_rename_in_a_durable_object_keeps_children() -> None:
    from fake_durable_object import FakeStorage

    storage = FakeStorage()
    child = "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT REFERENCES p (id) ON DELETE CASCADE);"
    inline_sync.sync(storage, "CREATE TABLE p (id INTEGER PRIMARY KEY, a INT, "
                     "CONSTRAINT uq_old UNIQUE (a));" + child)  # fmt: skip
    storage.conn.execute("INSERT INTO p VALUES (1, 1)")
    storage.conn.execute("INSERT INTO c VALUES (1, 1)")
    after = "CREATE TABLE p (id INTEGER PRIMARY KEY, a INT, CONSTRAINT uq_new UNIQUE (a));" + child
    assert inline_sync.sync(storage, after).status == "synced"
    assert inline_sync.plan(storage, after).statements == []
    assert storage.conn.execute("SELECT * FROM c").fetchall() == [(1, 1)]


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_dropping_a_column_drops_its_named_check_with_it(client: str, strategy: str) -> None:
    """A named column-level CHECK goes with its column's DROP COLUMN: no DROP CONSTRAINT after
    it (a bug found by tests/test_property.py on SQLite 3.53+: 'no such constraint')."""
    conn = connect(client)
    before = (
        'CREATE TABLE alpha (a INTEGER, "x y" TEXT CONSTRAINT "ck_x y" '
        'CHECK ("x y" IS NOT NULL OR 1), c INTEGER);'
    )
    after = "CREATE TABLE alpha (a INTEGER, c INTEGER);"
    inline_sync.sync(conn, before, scratch_schema=strategy)
    conn.execute("INSERT INTO alpha VALUES (1, 'x', 3)")
    result = inline_sync.sync(conn, after, scratch_schema=strategy, allow_destructive=True)
    assert not [s for s in result.statements if "DROP CONSTRAINT" in s]
    assert [tuple(r) for r in conn.execute("SELECT * FROM alpha")] == [(1, 3)]
    assert inline_sync.plan(conn, after, scratch_schema=strategy).status == "up-to-date"
