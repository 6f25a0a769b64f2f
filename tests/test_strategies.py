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


# Schemas whose literals, comments and quoted identifiers contain the scratch prefix, or a
# declared name behind the prefix: only names of scratch objects may ever be rewritten.
PREFIX_TEXT_SCHEMAS = [
    # a literal naming a declared table behind the prefix, in DEFAULT, CHECK, index, view, trigger
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT '__sync_a' CHECK (a <> '__sync_t'),"
    " \"__sync_q\" TEXT, b BLOB DEFAULT x'5f5f73796e635f74'); -- __sync_t\n"
    "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT DEFAULT '__SYNC_t' /* __sync_a */);\n"
    "CREATE INDEX t_a ON t (a) WHERE a <> '__sync_t';\n"
    "CREATE VIEW v AS SELECT \"__sync_q\", '__sync_t' AS lit, '__sync_a' || a AS x FROM t;\n"
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
    "  INSERT INTO a (v) VALUES ('__sync_t'); -- __sync_a\n"
    "END;",
    # the same literal in a column added later (ADD COLUMN copies the column's text)
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT '__sync_a' CHECK (a <> '__sync_t'),"
    " \"__sync_q\" TEXT, b BLOB DEFAULT x'5f5f73796e635f74', c TEXT DEFAULT '__sync_t');\n"
    "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT DEFAULT '__SYNC_t');",
]


@pytest.mark.parametrize("client", ["sqlite3", "apsw"])
@pytest.mark.parametrize("strategy", ["scratch-db", "prefix"])
@pytest.mark.parametrize("step", range(len(PREFIX_TEXT_SCHEMAS)))
def test_prefix_inside_literals_comments_and_quoted_names(
    client: str, strategy: str, step: int
) -> None:
    conn = _connect(client)
    conn.execute("PRAGMA foreign_keys = ON")
    for schema in PREFIX_TEXT_SCHEMAS[: step + 1]:
        before = {
            o: inline_sync.plan(conn, schema, scratch_schema=o) for o in ("scratch-db", "prefix")
        }
        assert _summary(before["scratch-db"]) == _summary(before["prefix"])
        inline_sync.sync(conn, schema, scratch_schema=strategy, allow_destructive=True)
        for other in ("scratch-db", "prefix"):
            again = inline_sync.plan(conn, schema, scratch_schema=other)
            assert again.statements == [], (other, again.statements)
    stored = {
        n: s for n, s in conn.execute("SELECT name, sql FROM sqlite_master WHERE sql NOT NULL")
    }
    assert "DEFAULT '__sync_a'" in stored["t"]
    assert "'__sync_t'" in stored["t"] and '"__sync_q"' in stored["t"]
    conn.execute("INSERT INTO t (id) VALUES (1)")
    assert list(conn.execute("SELECT a, b FROM t")) == [("__sync_a", b"__sync_t")]
    if step == 1:
        assert list(conn.execute("SELECT c FROM t")) == [("__sync_t",)]


@pytest.mark.parametrize("client", ["sqlite3", "apsw"])
def test_a_virtual_table_column_named_like_a_table(client: str) -> None:
    """The prefix strategy renames a column named like a declared table inside its scratch
    copy; the columns read back from it must be the user's, or a recreated fts5 table would
    lose that column."""
    before = "CREATE TABLE body (x); CREATE VIRTUAL TABLE docs USING fts5(body, title);"
    after = "CREATE TABLE body (x); CREATE VIRTUAL TABLE docs USING fts5(body, title, extra);"
    conn = _connect(client)
    inline_sync.sync(conn, before)
    conn.execute("INSERT INTO docs (body, title) VALUES ('b', 't')")
    plans = {s: inline_sync.plan(conn, after, scratch_schema=s) for s in ("scratch-db", "prefix")}
    assert _summary(plans["scratch-db"]) == _summary(plans["prefix"])
    assert not plans["prefix"].destructive
    inline_sync.sync(conn, after, scratch_schema="prefix")
    assert list(conn.execute("SELECT body, title, extra FROM docs")) == [("b", "t", None)]
