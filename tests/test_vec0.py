"""vec0 virtual tables (sqlite-vec loaded into apsw): created, kept, recreated with rows."""

from __future__ import annotations

import pytest

import inline_sync

apsw = pytest.importorskip("apsw")
sqlite_vec = pytest.importorskip("sqlite_vec")

V1 = "CREATE VIRTUAL TABLE items_vec USING vec0(embedding float[4]);"
V2 = "CREATE VIRTUAL TABLE items_vec USING vec0(embedding float[4], +label text);"


@pytest.fixture
def conn() -> object:
    c = apsw.Connection(":memory:")
    c.enable_load_extension(True)
    c.load_extension(sqlite_vec.loadable_path())
    return c


def names(conn: object) -> list[str]:
    return sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))  # type: ignore[attr-defined]


@pytest.mark.parametrize("strategy", ["scratch-db", "prefix"])
def test_vec0_lifecycle(conn: object, strategy: str) -> None:
    assert inline_sync.sync(conn, V1, scratch_schema=strategy).status == "synced"
    conn.execute("INSERT INTO items_vec (rowid, embedding) VALUES (7, '[1,2,3,4]')")  # type: ignore[attr-defined]
    before = names(conn)
    unchanged = inline_sync.plan(conn, V1, scratch_schema=strategy)
    assert unchanged.status == "up-to-date"

    plan = inline_sync.plan(conn, V2, scratch_schema=strategy)
    assert [(c.kind, c.name, c.action) for c in plan.changes] == [
        ("virtual table", "items_vec", "recreate")
    ]
    assert not any("items_vec_" in s for s in plan.statements), "shadow tables were diffed"
    assert inline_sync.sync(conn, V2, scratch_schema=strategy).status == "synced"
    rows = list(conn.execute("SELECT rowid, vec_to_json(embedding), label FROM items_vec"))  # type: ignore[attr-defined]
    assert rows == [(7, "[1.000000,2.000000,3.000000,4.000000]", None)]
    assert inline_sync.plan(conn, V2, scratch_schema=strategy).status == "up-to-date"
    assert not any(n.startswith("__sync_") for n in names(conn))
    assert set(before) <= set(names(conn)) | {"sqlite_sequence"}

    with pytest.raises(inline_sync.DestructiveChangeError):
        inline_sync.sync(conn, "", scratch_schema=strategy)
    inline_sync.sync(conn, "", scratch_schema=strategy, allow_destructive=True)
    assert [n for n in names(conn) if n.startswith("items_vec")] == []
