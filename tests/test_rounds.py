"""The round-based core (inline_sync.rounds) is I/O-free: the rounds D1 runs as batches run
unchanged on synchronous clients, one transaction per round. Same results everywhere."""

from __future__ import annotations

import sqlite3
from typing import Any

import apsw
import pytest
from fake_durable_object import FakeStorage
from test_d1 import PEERS, PEERS_REBUILT, ROWS

import inline_sync
from inline_sync.clients import Client, make_client
from inline_sync.d1 import run_rounds, sync_rounds_on
from inline_sync.rounds import Round, RoundError, _probe


def connect(kind: str) -> tuple[Any, Any]:
    """(what sync_rounds_on takes, an sqlite3/apsw connection to inspect it)."""
    if kind == "durable-object":
        storage = FakeStorage()
        return storage, storage.conn
    conn: Any = sqlite3.connect(":memory:", isolation_level=None) if kind == "sqlite3" else (
        apsw.Connection(":memory:")
    )  # fmt: skip
    conn.execute("PRAGMA foreign_keys = ON")
    return conn, conn


def q(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sql)]


@pytest.mark.parametrize("kind", ["sqlite3", "apsw", "durable-object"])
def test_the_d1_rounds_on_synchronous_clients(kind: str) -> None:
    client, conn = connect(kind)
    assert sync_rounds_on(client, PEERS).status == "synced"
    for statement in ROWS.strip().splitlines():
        conn.execute(statement)
    assert sync_rounds_on(client, PEERS).status == "up-to-date"
    outcome = sync_rounds_on(client, PEERS_REBUILT)
    assert outcome.status == "synced" and outcome.plan.foreign_keys == "enforced"
    assert q(conn, "SELECT id, parent_id FROM kid_cascade ORDER BY id") == [(10, 1), (11, 2)]
    assert q(conn, "SELECT id, parent_id FROM kid_null ORDER BY id") == [(20, 1), (21, 2)]
    assert q(conn, "SELECT name FROM sqlite_master WHERE name LIKE '\\_\\_sync%' ESCAPE '\\'") == []
    # The result is the schema sync() itself would have made: it finds nothing to do.
    assert inline_sync.plan(client, PEERS_REBUILT).status == "up-to-date"
    with pytest.raises(inline_sync.ApplyError) as failed:
        sync_rounds_on(client, PEERS_REBUILT + "CREATE UNIQUE INDEX u ON kid_null (1);")
    assert failed.value.step is not None and failed.value.step.name == "u"


class Counting(Client):
    """A client whose every round is counted; statements containing 'boom' fail."""

    def __init__(self) -> None:
        self.inner = make_client(sqlite3.connect(":memory:", isolation_level=None))
        self.rounds = 0

    def query(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        if "boom" in sql:
            raise sqlite3.OperationalError("boom refused")
        return self.inner.query(sql, params)

    def execute(self, sql: str, params: Any = ()) -> None:
        self.query(sql, params)

    def in_transaction(self) -> bool:
        return self.inner.in_transaction()

    def is_error(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.Error)

    def transaction(self, fn: Any, *, immediate: bool = False) -> Any:
        self.rounds += 1
        self.inner.execute("BEGIN")
        try:
            result = fn()
        except BaseException:
            self.inner.execute("ROLLBACK")
            raise
        self.inner.execute("COMMIT")
        return result


@pytest.mark.parametrize(("size", "bad"), [(1, 0), (7, 0), (7, 3), (7, 6), (40, 27), (5, None)])
def test_probing_finds_the_refused_statement_by_bisection(size: int, bad: int | None) -> None:
    """D1 does not say which statement of a batch failed: probe rounds, each failing on
    purpose at its end, find it in about log2(n) round-trips and change nothing."""
    statements = [(f"CREATE TABLE t{i} (x)", ()) for i in range(size)]
    if bad is not None:
        statements[bad] = ("SELECT boom", ())
    client = Counting()

    def probe() -> Any:
        return (yield from _probe(statements))

    assert run_rounds(client, probe()) == bad
    assert client.rounds <= size.bit_length() + 1
    assert client.query("SELECT name FROM sqlite_master") == []


def test_a_round_error_carries_the_index_when_the_driver_knows_it() -> None:
    def one() -> Any:
        try:
            yield Round("x", (("SELECT 1", ()), ("SELECT boom", ())))
        except RoundError as exc:
            return exc.index, exc.message
        return None

    assert run_rounds(Counting(), one()) == (1, "boom refused")


def test_a_local_plan_reads_rows_only_when_something_differs() -> None:
    # Whether a table holds rows decides ADD COLUMN or a rebuild. A local driver asks in a
    # round of its own, inside its transaction, once the two sides differ: a plan that finds
    # nothing to do never reads a table.
    schema = "CREATE TABLE t (a); CREATE TABLE u (a);"
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, schema)
    conn.execute("INSERT INTO t VALUES (1)")
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    for _ in range(2):  # the second plan builds its scratch from what the first prepared
        assert inline_sync.plan(conn, schema).status == "up-to-date"
        assert not [sql for sql in seen if "EXISTS" in sql]
    changed = (
        "CREATE TABLE t (a, b DEFAULT CURRENT_TIME); CREATE TABLE u (a, b DEFAULT CURRENT_TIME);"
    )
    p = inline_sync.plan(conn, changed)
    assert [(c.action, c.name) for c in p.changes] == [("alter", "u"), ("rebuild", "t")]
    (read,) = [sql for sql in seen if "EXISTS" in sql]
    assert 'main."t"' in read and 'main."u"' in read
    assert seen.index(read) > seen.index(next(s for s in seen if s.startswith("CREATE TABLE")))


def test_a_plan_leaves_out_of_its_comparison_only_what_is_not_compared(tmp_path: Any) -> None:
    # The scratch round compares both sides' rows whole first: the live rows beyond the
    # desired ones may only be what the comparison leaves out (the state table, ignored
    # objects and the indexes on them); anything else is a difference.
    conn = sqlite3.connect(str(tmp_path / "app.db"), isolation_level=None)
    schema = "CREATE TABLE t (a); CREATE INDEX ti ON t (a);"
    inline_sync.sync(conn, schema)  # the state table is live, not desired
    conn.execute("CREATE TABLE legacy_x (a)")
    conn.execute("CREATE INDEX legacy_i ON legacy_x (a)")
    conn.execute("CREATE INDEX x_on_legacy ON legacy_x (a)")
    assert inline_sync.plan(conn, schema, ignore=["legacy_*"]).status == "up-to-date"
    assert inline_sync.plan(conn, schema).status == "changes-needed"  # drops legacy_x
    conn.execute("CREATE TABLE u (a)")
    p = inline_sync.plan(conn, schema, ignore=["legacy_*"])
    assert [(c.action, c.name) for c in p.changes] == [("drop", "u")]
    conn.execute("DROP TABLE u")
    conn.execute("DROP INDEX ti")
    p = inline_sync.plan(conn, schema, ignore=["legacy_*"])
    assert [(c.action, c.name) for c in p.changes] == [("create", "ti")]
