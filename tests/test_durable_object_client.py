"""The Durable Object client on CPython, against a stand-in storage that refuses what a real
Durable Object refuses (the real runtime is exercised by the workerd tests)."""

from __future__ import annotations

import pytest
from fake_durable_object import FakeStorage

import inline_sync
from inline_sync.clients import DurableObjectClient, make_client

PARENTS = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE cascade_child (id INTEGER PRIMARY KEY,
    pid INTEGER REFERENCES parent(id) ON DELETE CASCADE);
CREATE TABLE setnull_child (id INTEGER PRIMARY KEY,
    pid INTEGER REFERENCES parent(id) ON DELETE SET NULL);
CREATE TABLE grandchild (id INTEGER PRIMARY KEY,
    cid INTEGER REFERENCES cascade_child(id) ON DELETE CASCADE);
CREATE TABLE tree (id INTEGER PRIMARY KEY, up INTEGER REFERENCES tree(id) ON DELETE CASCADE,
    pid INTEGER REFERENCES parent(id));
CREATE VIEW parent_names AS SELECT name FROM parent;
CREATE TRIGGER child_added AFTER INSERT ON cascade_child BEGIN
    UPDATE parent SET name = name || '+' WHERE id = new.pid;
END;
"""


def table_rows(storage: FakeStorage) -> dict[str, list[tuple[object, ...]]]:
    names = [
        r[0]
        for r in storage.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite%' AND name NOT LIKE '_inline_sync%'"
        )
    ]
    return {n: storage.conn.execute(f'SELECT * FROM "{n}" ORDER BY 1').fetchall() for n in names}


def test_make_client_recognises_storage_and_rejects_sql_alone() -> None:
    storage = FakeStorage()
    assert isinstance(make_client(storage), DurableObjectClient)

    class Wrapper:  # the shape of an SDK wrapper holding the JS object
        def __init__(self, inner: object) -> None:
            self.js_object = inner

    assert isinstance(make_client(Wrapper(storage)), DurableObjectClient)
    with pytest.raises(inline_sync.SyncError, match=r"pass ctx\.storage"):
        inline_sync.sync(storage.sql, "CREATE TABLE t (a);")


def test_first_sync_uses_prefix_strategy_and_leaves_nothing_behind() -> None:
    storage = FakeStorage()
    result = inline_sync.sync(storage, PARENTS)
    assert result.status == "synced"
    assert result.plan.strategy == "prefix"
    names = [r[0] for r in storage.conn.execute("SELECT name FROM sqlite_master")]
    assert not [n for n in names if n.startswith("__sync_")]
    assert not any(q.upper().startswith(("BEGIN", "SAVEPOINT", "ATTACH")) for q in storage.sql.log)
    assert inline_sync.plan(storage, PARENTS).status == "up-to-date"


def test_parent_rebuild_keeps_every_child_row_and_link() -> None:
    storage = FakeStorage()
    inline_sync.sync(storage, PARENTS)
    c = storage.conn
    c.execute("INSERT INTO parent VALUES (1, 'a'), (2, 'b')")
    c.execute("INSERT INTO cascade_child VALUES (10, 1), (20, 2)")
    c.execute("INSERT INTO setnull_child VALUES (1, 1), (2, 2)")
    c.execute("INSERT INTO grandchild VALUES (100, 10)")
    c.execute("INSERT INTO tree VALUES (1, NULL, 1), (2, 1, NULL), (3, 2, NULL)")
    before = table_rows(storage)

    desired = PARENTS.replace("name TEXT)", "name TEXT NOT NULL DEFAULT '' COLLATE NOCASE)")
    plan = inline_sync.plan(storage, desired)
    assert plan.foreign_keys == "enforced"
    rebuilt = {ch.name for ch in plan.changes if ch.action == "rebuild"}
    assert {"parent", "cascade_child", "setnull_child", "grandchild", "tree"} <= rebuilt

    assert inline_sync.sync(storage, desired).status == "synced"
    assert table_rows(storage) == before
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    assert inline_sync.plan(storage, desired).status == "up-to-date"
    # The links still work as declared: CASCADE and SET NULL act on a later delete.
    c.execute("INSERT INTO cascade_child VALUES (30, 1)")
    assert c.execute("SELECT name FROM parent WHERE id = 1").fetchone() == ("a++",)
    c.execute("DELETE FROM parent WHERE id = 2")
    assert c.execute("SELECT id FROM cascade_child ORDER BY id").fetchall() == [(10,), (30,)]
    assert c.execute("SELECT pid FROM setnull_child WHERE id = 2").fetchone() == (None,)
    assert c.execute("SELECT count(*) FROM parent_names").fetchone() == (1,)


def test_failed_change_rolls_back_and_reports_sqlite_message() -> None:
    storage = FakeStorage()
    inline_sync.sync(storage, "CREATE TABLE t (email TEXT);")
    storage.conn.execute("INSERT INTO t VALUES ('x'), ('x')")
    before = storage.conn.execute("SELECT sql FROM sqlite_master").fetchall()
    with pytest.raises(inline_sync.ApplyError, match=r"UNIQUE constraint failed: t\.email"):
        inline_sync.sync(
            storage, "CREATE TABLE t (email TEXT); CREATE UNIQUE INDEX t_email ON t(email);"
        )
    assert storage.conn.execute("SELECT sql FROM sqlite_master").fetchall() == before
    assert storage.conn.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_platform_tables_are_left_alone() -> None:
    storage = FakeStorage()
    storage.conn.execute("CREATE TABLE _cf_KV (key TEXT PRIMARY KEY, value BLOB)")
    storage.conn.execute("CREATE TABLE __miniflare_do_name (name TEXT)")
    result = inline_sync.sync(storage, "CREATE TABLE t (a);")
    assert all("_cf_" not in s and "miniflare" not in s for s in result.statements)
    names = {r[0] for r in storage.conn.execute("SELECT name FROM sqlite_master")}
    assert {"_cf_KV", "__miniflare_do_name", "t"} <= names


def test_binding_refuses_values_javascript_would_corrupt() -> None:
    client = DurableObjectClient(FakeStorage())
    with pytest.raises(TypeError):
        client.query("SELECT ?", (True,))
    with pytest.raises(TypeError):
        client.query("SELECT ?", (2**60,))
    assert client.query("SELECT ?, ?", ("a", None)) == [("a", None)]


def test_error_message_drops_the_javascript_decoration() -> None:
    client = DurableObjectClient(FakeStorage())
    from fake_durable_object import FakeJsError

    exc = FakeJsError("Error: no such table: x: SQLITE_ERROR")
    assert client.error_message(exc) == "no such table: x"


def test_dropping_a_table_that_is_still_referenced_is_refused_not_cascaded() -> None:
    storage = FakeStorage()
    inline_sync.sync(storage, PARENTS)
    storage.conn.execute("INSERT INTO parent VALUES (1, 'a')")
    storage.conn.execute("INSERT INTO cascade_child VALUES (10, 1)")
    without_parent = "\n".join(
        line for line in PARENTS.splitlines() if not line.startswith("CREATE TABLE parent")
    ).replace("CREATE VIEW parent_names AS SELECT name FROM parent;", "")
    # (the trigger writes to parent: left in, it is refused first, as one that cannot run)
    without_parent = without_parent[: without_parent.index("CREATE TRIGGER child_added")]
    before = table_rows(storage)
    with pytest.raises(inline_sync.SyncError, match="still references it"):
        inline_sync.sync(storage, without_parent, allow_destructive=True)
    assert table_rows(storage) == before
