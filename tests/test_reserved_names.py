"""inline_sync never drops (or alters) an object it did not create in the current transaction,
even one whose name starts with its reserved ``__sync_`` prefix.

Everything inline_sync makes under that prefix (the prefix strategy's scratch copies, rebuild
copies, probe and guard tables) lives only inside its own transaction, so an ``__sync_*``
object found in ``main`` is never its own. Such an object is left alone; when a sync needs its
very name, the sync stops with a SyncError that names it, and nothing is changed.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import apsw
import pytest
from fake_d1 import FakeD1
from fake_durable_object import FakeStorage
from hostile import digest, rows

import inline_sync
from inline_sync import DefinitionError, SyncError
from inline_sync.d1 import plan_async, sync_async

V1 = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);
CREATE INDEX t_a ON t(a);
CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
CREATE VIEW tv AS SELECT id, a FROM t;
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN UPDATE p SET name = new.a WHERE id = 1; END;
"""
# t is rebuilt (a COLLATE change), p gains a column.
V2 = V1.replace("a TEXT)", "a TEXT COLLATE NOCASE)").replace("name TEXT)", "name TEXT, n INT)")

# The caller's own objects under the reserved prefix, none of them a name a sync needs.
THEIRS = """
CREATE TABLE __sync_keep (id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO __sync_keep (v) VALUES ('one'), ('two');
CREATE INDEX __sync_keep_v ON __sync_keep(v);
CREATE VIEW __sync_keep_view AS SELECT v FROM __sync_keep;
CREATE TRIGGER __sync_keep_trigger AFTER INSERT ON __sync_keep BEGIN SELECT 1; END;
CREATE TABLE "__SYNC_Upper" (x);
INSERT INTO "__SYNC_Upper" VALUES (1);
"""

KINDS = ["sqlite3", "apsw", "durable-object", "d1"]


def _make(path: Path, extra: str = THEIRS) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    inline_sync.sync(conn, V1)
    conn.executescript("INSERT INTO t (a) VALUES ('x'), ('y'); INSERT INTO p VALUES (1, 'z');")
    conn.executescript(extra)
    conn.close()


def _theirs(path: Path) -> list[Any]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        master = sorted(
            conn.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE lower(name) LIKE '\\_\\_sync\\_%' "
                "ESCAPE '\\'"
            ).fetchall()
        )
        data = [
            (name, conn.execute(f'SELECT rowid, * FROM "{name}" ORDER BY rowid').fetchall())
            for kind, name, _ in master
            if kind == "table"
        ]
        return [master, data]
    finally:
        conn.close()


class Target:
    """One database file reached through one kind of client."""

    def __init__(self, kind: str, path: Path) -> None:
        self.kind = kind
        self.path = path
        if kind == "apsw":
            self.conn: Any = apsw.Connection(str(path))
        elif kind == "d1":
            self.conn = FakeD1(str(path))
        else:
            self.conn = sqlite3.connect(path, isolation_level=None)
        self.client: Any = FakeStorage(self.conn) if kind == "durable-object" else self.conn

    def sync(self, definitions: str, **kw: Any) -> Any:
        if self.kind == "d1":
            kw.pop("scratch_schema", None)
            return asyncio.run(sync_async(self.client, definitions, **kw))
        return inline_sync.sync(self.client, definitions, **kw)

    def plan(self, definitions: str, **kw: Any) -> Any:
        if self.kind == "d1":
            kw.pop("scratch_schema", None)
            return asyncio.run(plan_async(self.client, definitions, **kw))
        return inline_sync.plan(self.client, definitions, **kw)

    def close(self) -> None:
        (self.conn.conn if self.kind == "d1" else self.conn).close()


def _strategies(kind: str) -> list[str]:
    return ["scratch-db", "prefix"] if kind in ("sqlite3", "apsw") else ["prefix"]


@pytest.mark.parametrize("kind", KINDS)
def test_objects_of_the_callers_under_the_prefix_survive_every_sync(
    kind: str, tmp_path: Path
) -> None:
    for strategy in _strategies(kind):
        path = tmp_path / f"{strategy}.db"
        _make(path)
        theirs = _theirs(path)
        db = Target(kind, path)
        try:
            assert db.sync(V1, scratch_schema=strategy, force=True).status == "up-to-date"
            assert db.plan(V2, scratch_schema=strategy).status == "changes-needed"
            assert db.sync(V2, scratch_schema=strategy, dry_run=True).status == "changes-needed"
            assert db.sync(V2, scratch_schema=strategy).status == "synced"
            assert db.sync(V1, scratch_schema=strategy, allow_destructive=True).status == "synced"
        finally:
            db.close()
        assert _theirs(path) == theirs, strategy
        check = sqlite3.connect(path)
        assert rows(check, "SELECT a FROM t ORDER BY id") == [("x",), ("y",)]
        check.close()


# The names a sync needs: the prefix strategy's copy of a declared object (__sync_<name>), and
# the copies a rebuild of t makes.
SCRATCH_COPY = {
    "table": "CREATE TABLE __sync_t (mine TEXT); INSERT INTO __sync_t VALUES ('mine');",
    "index": "CREATE TABLE mine (v); CREATE INDEX __sync_t_a ON mine(v);",
    "view": "CREATE VIEW __sync_tv AS SELECT 'mine' AS v;",
    "trigger": "CREATE TABLE mine (v); CREATE TRIGGER __sync_t_ins AFTER INSERT ON mine "
    "BEGIN SELECT 1; END;",
    "name taken by another kind": "CREATE TABLE mine (v); CREATE INDEX __sync_p ON mine(v);",
}
REBUILD_COPY = {
    "old copy": "CREATE TABLE __sync_old_t (mine TEXT); INSERT INTO __sync_old_t VALUES (1);",
    "new copy": 'CREATE TABLE "__sync_new_t" (mine); CREATE TABLE __sync_old_t (mine);',
}


def _assert_refused(db: Target, path: Path, before: str, *names: str, **kw: Any) -> None:
    with pytest.raises(SyncError) as info:
        db.sync(V2, **kw)
    assert not isinstance(info.value, DefinitionError)
    message = str(info.value)
    assert any(f'"{name}"' in message for name in names), message
    assert "did not create" in message and "nothing was changed" in message
    assert digest(str(path)) == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("taken", list(SCRATCH_COPY))
def test_a_scratch_name_already_taken_is_refused_by_name(
    kind: str, taken: str, tmp_path: Path
) -> None:
    path = tmp_path / "t.db"
    _make(path, SCRATCH_COPY[taken])
    name = {"table": "__sync_t", "index": "__sync_t_a", "view": "__sync_tv",
            "trigger": "__sync_t_ins", "name taken by another kind": "__sync_p"}[taken]  # fmt: skip
    db = Target(kind, path)
    before = digest(str(path))  # (the D1 stand-in adds its _cf_METADATA table when opened)
    try:
        _assert_refused(db, path, before, name, scratch_schema="prefix")
        if kind in ("sqlite3", "apsw"):  # the scratch database needs no name in main
            result = db.sync(V2, scratch_schema="scratch-db", ignore=["mine"])
            assert result.status == "synced"
    finally:
        db.close()
    if kind in ("sqlite3", "apsw"):
        assert [r for r in _theirs(path)[0] if r[1] == name] != []


@pytest.mark.parametrize("kind", ["sqlite3", "apsw", "durable-object"])
@pytest.mark.parametrize("taken", list(REBUILD_COPY))
def test_a_rebuild_copy_name_already_taken_is_refused_by_name(
    kind: str, taken: str, tmp_path: Path
) -> None:
    for strategy in _strategies(kind):
        path = tmp_path / f"{strategy}.db"
        _make(path, REBUILD_COPY[taken])
        db = Target(kind, path)
        before = digest(str(path))
        try:
            if kind == "durable-object" and taken == "old copy":
                # Foreign keys cannot be switched off there: t is rebuilt as a new copy that
                # takes t's place, and __sync_old_t is not a name that rebuild needs.
                assert db.sync(V2, scratch_schema=strategy).status == "synced"
                assert [r[1] for r in _theirs(path)[0]] == ["__sync_old_t"]
                continue
            names = ("__sync_old_t", "__sync_new_t") if taken == "new copy" else ("__sync_old_t",)
            _assert_refused(db, path, before, *names, scratch_schema=strategy)
        finally:
            db.close()
