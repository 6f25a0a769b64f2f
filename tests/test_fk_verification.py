"""Foreign-key verification before commit: only what a change can break is checked, and every
new violation is still refused (through every client, foreign keys switchable or not).

These tests assert which tables are scanned, never how long it takes (see bench/run.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from client_kinds import fk_locked, open_connection
from fake_d1 import FakeD1
from fake_durable_object import FakeStorage

import inline_sync
from inline_sync import apply

KINDS = ["sqlite3", "apsw", "sqlite3-fk-locked", "apsw-fk-locked", "durable-object", "d1"]

PARENT = "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT COLLATE NOCASE UNIQUE, name TEXT);"
CHILDREN = "".join(
    f"CREATE TABLE c{i} (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id), note TEXT);"
    for i in range(3)
)
BY_CODE = "CREATE TABLE k (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));"


class Target:
    """One database behind one client kind: run SQL on it, sync it, watch the checks."""

    def __init__(self, kind: str, path: str) -> None:
        self.kind = kind
        if kind == "durable-object":
            self.storage = FakeStorage()
            self.conn: Any = self.storage.conn
            self.client: Any = self.storage
        elif kind == "d1":  # checked by the D1 core's own SQL, not by apply.fk_violations
            self.d1 = FakeD1()
            self.conn = self.d1.conn
            self.client = self.d1
        else:
            self.conn = open_connection(kind.split("-")[0], path)
            if kind.startswith("sqlite3"):
                self.conn.isolation_level = None
            self.client = fk_locked(self.conn) if kind.endswith("fk-locked") else self.conn
        self.run("PRAGMA foreign_keys = ON")
        self.scanned: list[str] = []

    @property
    def switchable(self) -> bool:
        return self.kind in ("sqlite3", "apsw")

    def run(self, sql: str) -> None:
        if self.kind.startswith("apsw"):
            self.conn.execute(sql)
        else:
            self.conn.executescript(sql)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(sql)]

    @property
    def watched(self) -> bool:
        """True when the checks run through apply.fk_violations (all but D1)."""
        return self.kind != "d1"

    def sync(self, definitions: str, **kw: Any) -> inline_sync.SyncResult:
        if self.kind == "d1":
            result: inline_sync.SyncResult = asyncio.run(
                inline_sync.sync_async(self.client, definitions, **kw)
            )
            return result
        return inline_sync.sync(self.client, definitions, **kw)


@pytest.fixture(params=KINDS)
def db(
    request: pytest.FixtureRequest, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Target]:
    target = Target(request.param, str(tmp_path / "app.db"))
    real = apply.fk_violations

    def watched(client: Any, tables: list[str]) -> Any:
        target.scanned.extend(tables)
        return real(client, tables)

    monkeypatch.setattr(apply, "fk_violations", watched)
    target.sync(PARENT + CHILDREN + BY_CODE)
    target.run(
        "INSERT INTO p (id, code, name) VALUES (1, 'A', 'one'), (2, 'B', 'two');"
        + "".join(f"INSERT INTO c{i} (p_id, note) VALUES (1, 'x'), (2, 'y');" for i in range(3))
        + "INSERT INTO k (code) VALUES ('a'), ('B');"  # 'a' finds 'A' under NOCASE
    )
    yield target
    target.conn.close()


def test_parent_rebuilt_with_its_keys_unchanged_scans_nothing(db: Target) -> None:
    defs = PARENT.replace("name TEXT", "name TEXT NOT NULL DEFAULT ''") + CHILDREN + BY_CODE
    result = db.sync(defs)
    assert "rebuild" in {c.action for c in result.plan.changes}
    assert result.plan.fk_checks == ()
    assert db.scanned == []
    assert db.rows("SELECT count(*) FROM c0 JOIN p ON p.id = c0.p_id") == [(2,)]
    assert db.rows("PRAGMA foreign_key_check") == []


def test_parent_key_losing_its_collation_is_checked_and_refused(db: Target) -> None:
    before = db.rows("SELECT * FROM k ORDER BY id")
    defs = PARENT.replace("COLLATE NOCASE ", "").replace("name TEXT", "name TEXT DEFAULT ''")
    with pytest.raises(inline_sync.ApplyError, match="FOREIGN KEY constraint failed"):
        db.sync(defs + CHILDREN + BY_CODE)
    assert set(db.scanned) == ({"k"} if db.watched else set())  # not the children by id
    assert db.rows("SELECT * FROM k ORDER BY id") == before
    assert db.rows("SELECT sql FROM sqlite_master WHERE name = 'p'")[0][0].count("NOCASE") == 1


def test_violations_already_there_under_another_parent_do_not_count(db: Target) -> None:
    db.run("CREATE TABLE q (id INTEGER PRIMARY KEY);")
    defs = PARENT + CHILDREN + "CREATE TABLE q (id INTEGER PRIMARY KEY);"
    two = BY_CODE.replace("REFERENCES p(code))", "REFERENCES p(code), q_id INTEGER REFERENCES q)")
    db.run("DROP TABLE k;" + two + "INSERT INTO k (code, q_id) VALUES ('a', NULL);")
    db.run("PRAGMA foreign_keys = OFF; INSERT INTO k (code, q_id) VALUES (NULL, 99);")
    db.run("PRAGMA foreign_keys = ON")  # a dangling q_id, there before the sync
    # Losing NOCASE breaks k -> p ('a' no longer finds 'A'): refused although k -> q had one
    # violation before that the change does not touch.
    with pytest.raises(inline_sync.ApplyError, match=r"of k without their"):
        db.sync(defs.replace("COLLATE NOCASE ", "") + two)
    # The same change with k's code fixed first goes through, the old violation left alone.
    db.run("UPDATE k SET code = 'A' WHERE code = 'a'")
    assert db.sync(defs.replace("COLLATE NOCASE ", "") + two).status == "synced"
    assert db.rows("PRAGMA foreign_key_check(k)") == [("k", 2, "q", 0)]


def test_new_foreign_key_by_rebuild_is_checked(db: Target) -> None:
    db.run("CREATE TABLE o (id INTEGER PRIMARY KEY, p_id INTEGER); INSERT INTO o VALUES (1, 5);")
    defs = PARENT + CHILDREN + BY_CODE
    db.sync(defs + "CREATE TABLE o (id INTEGER PRIMARY KEY, p_id INTEGER);")
    db.scanned.clear()
    with pytest.raises(inline_sync.ApplyError, match="FOREIGN KEY constraint failed"):
        db.sync(defs + "CREATE TABLE o (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));")
    assert db.scanned == (["o"] if db.watched else [])  # after only: no reference to p before


def test_dropped_parent_still_referenced_is_refused(db: Target) -> None:
    if not db.switchable:
        pytest.skip("refused while planning where foreign keys stay on")
    with pytest.raises(inline_sync.ApplyError, match="FOREIGN KEY constraint failed"):
        db.sync(CHILDREN.replace("REFERENCES p(id)", "REFERENCES p(id)"), allow_destructive=True)
    assert db.rows("SELECT count(*) FROM p") == [(2,)]


def test_added_reference_column_with_a_default_is_checked(db: Target) -> None:
    if not db.switchable:
        pytest.skip("SQLite refuses a REFERENCES column with a non-NULL default when enforced")
    defs = PARENT + CHILDREN + BY_CODE
    db.run("CREATE TABLE m (id INTEGER PRIMARY KEY); INSERT INTO m VALUES (1);")
    db.sync(defs + "CREATE TABLE m (id INTEGER PRIMARY KEY);")
    with pytest.raises(inline_sync.ApplyError, match="FOREIGN KEY constraint failed"):
        db.sync(
            defs + "CREATE TABLE m (id INTEGER PRIMARY KEY, p_id INTEGER DEFAULT 9 REFERENCES p);"
        )
    ok = "CREATE TABLE m (id INTEGER PRIMARY KEY, p_id INTEGER DEFAULT 1 REFERENCES p);"
    assert db.sync(defs + ok).status == "synced"
