"""``inline_sync.inspect()``: a database's schema written out as definitions.

The guarantee, over every case of the conformance corpus (both sides of each): a database built
from the case has ``plan(db, inspect(db))`` empty, and a fresh database synced to
``inspect(db)`` has the same schema (tests/schema_oracle.py). Also after inline_sync itself
synced one side to the other (its stored SQL then carries ``@renamed`` hints).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import apsw
import pytest
import yaml
from fake_durable_object import FakeStorage
from schema_oracle import assert_same_schema, executescript

import inline_sync
from inline_sync.export import file_names, inspect_objects

CASES_DIR = Path(__file__).parent / "conformance" / "sqldef"
CASES = [
    pytest.param(case, id=f"{path.name}::{name}")
    for path in sorted(CASES_DIR.glob("*.yml"))
    for name, case in yaml.safe_load(path.read_text(encoding="utf-8")).items()
]


def _connect(client: str) -> Any:
    conn: Any = (
        sqlite3.connect(":memory:", isolation_level=None)
        if client == "sqlite3"
        else apsw.Connection(":memory:")
    )
    executescript(conn, "PRAGMA foreign_keys = ON")
    return conn


def _round_trip(conn: Any, client: str) -> None:
    text = inline_sync.inspect(conn)
    planned = inline_sync.plan(conn, text)
    assert planned.statements == [], f"inspect() gave:\n{text}\nplan:\n{planned}"
    fresh = _connect(client)
    inline_sync.sync(fresh, text)
    assert_same_schema(conn, fresh, "database", "synced to inspect()")


def test_the_corpus_is_all_there() -> None:
    assert len(CASES) == 65


@pytest.mark.parametrize("client", ["sqlite3", "apsw"])
@pytest.mark.parametrize("case", CASES)
def test_inspect_round_trip_over_the_corpus(case: dict[str, Any], client: str) -> None:
    for side in ("current", "desired"):
        conn = _connect(client)
        executescript(conn, case.get(side) or "")
        _round_trip(conn, client)


@pytest.mark.parametrize("case", CASES)
def test_inspect_after_inline_sync_synced(case: dict[str, Any]) -> None:
    conn = _connect("sqlite3")
    executescript(conn, case.get("current") or "")
    inline_sync.sync(conn, case.get("desired") or "", allow_destructive=True)
    _round_trip(conn, "sqlite3")


SCHEMA = """
CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users(id), body TEXT);
CREATE VIEW recent AS SELECT * FROM post_list WHERE id > 10;
CREATE VIEW post_list AS SELECT p.id, u.name FROM posts p JOIN users u ON u.id = p.author;
CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN UPDATE users SET n = n + 1; END;
CREATE INDEX posts_by_author ON posts(author);
CREATE TABLE users (  -- @renamed from=people
    id INTEGER PRIMARY KEY, name TEXT, n INTEGER DEFAULT 0);
CREATE VIRTUAL TABLE search USING fts5(body);
"""


def test_dependency_order_and_what_is_left_out() -> None:
    conn = _connect("sqlite3")
    inline_sync.sync(conn, SCHEMA)
    executescript(conn, "CREATE TABLE legacy_log (x); CREATE TABLE alembic_version (v TEXT);")
    objects = inspect_objects(conn, ignore=["legacy_*"])
    assert [(o.kind, o.name) for o in objects] == [
        ("table", "users"),
        ("table", "posts"),
        ("index", "posts_by_author"),
        ("virtual table", "search"),
        ("view", "post_list"),
        ("view", "recent"),
        ("trigger", "posts_ai"),
    ]
    text = inline_sync.inspect(conn, ignore=["legacy_*"])
    assert "@renamed" not in text and "-- \n" not in text
    assert "search_data" not in text and "_inline_sync" not in text
    assert text.count(";\n") == 7
    assert inline_sync.plan(conn, text, ignore=["legacy_*"]).statements == []
    groups = file_names(objects)
    assert list(groups) == [
        "01_users.sql", "02_posts.sql", "03_search.sql", "04_post_list.sql", "05_recent.sql"
    ]  # fmt: skip
    assert [o.name for o in groups["02_posts.sql"]] == ["posts", "posts_by_author", "posts_ai"]


def test_inspect_a_durable_object() -> None:
    storage = FakeStorage()
    inline_sync.sync(storage, SCHEMA)
    text = inline_sync.inspect(storage)
    assert inline_sync.plan(storage, text).statements == []


@pytest.mark.parametrize("client", ["sqlite3", "apsw"])
@pytest.mark.parametrize(
    "vtab",
    [
        "CREATE VIRTUAL TABLE docs USING fts5(body)",
        "CREATE VIRTUAL TABLE docs USING fts4(body)",
        "CREATE VIRTUAL TABLE docs USING rtree(id, x0, x1)",
    ],
)
def test_a_table_named_like_a_shadow_table_of_a_builtin_module_is_exported(
    client: str, vtab: str
) -> None:
    """SQLite's own modules (FTS3/4, FTS5, R*Tree) name their shadow tables with fixed
    suffixes: a user's table ``docs_meta`` beside ``docs`` is not one of them, so inspect()
    writes it out, and the text plans nothing on that database (it used to be left out,
    taken for a shadow table by its name alone)."""
    conn = _connect(client)
    executescript(conn, f"{vtab}; CREATE TABLE docs_meta (k TEXT, v TEXT);")
    objects = [(o.kind, o.name) for o in inspect_objects(conn)]
    assert ("table", "docs_meta") in objects
    assert not [n for k, n in objects if n.startswith("docs_") and n != "docs_meta"]
    _round_trip(conn, client)


def test_an_undeclared_table_named_like_a_shadow_table_is_the_callers_to_drop() -> None:
    """In sync() the same table, when the definitions leave it out, is an undeclared table
    like any other: dropping it is destructive (refused unless allowed), not skipped."""
    conn = _connect("sqlite3")
    executescript(
        conn,
        "CREATE VIRTUAL TABLE docs USING fts5(body); CREATE TABLE docs_meta (k);"
        "INSERT INTO docs_meta VALUES (1);",
    )
    planned = inline_sync.plan(conn, "CREATE VIRTUAL TABLE docs USING fts5(body);")
    assert [s for s in planned.statements if "docs_meta" in s] == ['DROP TABLE main."docs_meta"']
    with pytest.raises(inline_sync.DestructiveChangeError):
        inline_sync.sync(conn, "CREATE VIRTUAL TABLE docs USING fts5(body);")
    assert conn.execute("SELECT k FROM docs_meta").fetchall() == [(1,)]
