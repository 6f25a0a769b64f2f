"""An index whose name moves to another table while its old table is dropped (or a trigger's,
or a view's name taken by an index). The old index went with its table, and the plan, seeing an
index of that name already there, did not create the new one: the sync said "synced", the
index was missing, and only the next sync created it."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

V1 = """CREATE TABLE old_t (id INTEGER PRIMARY KEY, a TEXT);
CREATE UNIQUE INDEX ix ON old_t (a);
CREATE TABLE keep (id INTEGER PRIMARY KEY, b TEXT);
CREATE INDEX keep_b ON keep (b);
"""
V2 = """CREATE TABLE new_t (id INTEGER PRIMARY KEY, a TEXT, c TEXT);
CREATE UNIQUE INDEX ix ON new_t (c) WHERE c IS NOT NULL;
CREATE TABLE keep (id INTEGER PRIMARY KEY, b TEXT);
CREATE INDEX keep_b ON keep (b);
"""


def indexes(conn: object) -> list[tuple[str, str]]:
    return rows(conn, "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' ORDER BY 1")


@pytest.mark.parametrize("kind", KINDS)
def test_an_index_name_moving_to_another_table_is_created_there(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, V1)
    conn.execute("INSERT INTO old_t (a) VALUES ('x')")
    result = sync_on(kind, client, V2, allow_destructive=True)
    assert ("index", "ix", "recreate") in {(c.kind, c.name, c.action) for c in result.plan.changes}
    assert indexes(conn) == [("ix", "new_t"), ("keep_b", "keep")]
    assert not sync_on(kind, client, V2, force=True).plan
