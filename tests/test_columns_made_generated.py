"""A stored column redeclared as a generated one: its values are replaced by computed ones.

Found by random schema-evolution fuzzing: the sync went ahead without ``allow_destructive``
and reported nothing lost, though every value the column held was gone. Like a dropped
column, it is destructive and named in ``lost`` ("column t.b"), with a reason that says what
happens rather than "drop column". The other way round (a generated column made an ordinary
one) keeps the values it showed and loses nothing.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

import inline_sync

BEFORE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER);"


def _with_rows(kind: str, schema: str) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, schema)
    conn.execute("INSERT INTO t (id, a, b) VALUES (1, 2, 10), (2, 5, 20)")
    return client, conn


@pytest.mark.parametrize("how", ["STORED", "VIRTUAL"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_column_made_generated_is_destructive(kind: str, how: str) -> None:
    after = f"CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER AS (a * 2) {how});"
    client, conn = _with_rows(kind, BEFORE)

    with pytest.raises(inline_sync.DestructiveChangeError) as info:
        sync_on(kind, client, after)
    assert "column t.b" in str(info.value)
    assert rows(conn, "SELECT id, a, b FROM t ORDER BY id") == [(1, 2, 10), (2, 5, 20)]

    result = sync_on(kind, client, after, allow_destructive=True)
    (change,) = [c for c in result.plan.changes if c.kind == "table"]
    assert (change.destructive, change.lost) == (True, ("column t.b",))
    assert "column b becomes generated: its stored values are replaced" in change.reasons
    assert not any(r.startswith("drop column") for r in change.reasons)
    assert rows(conn, "SELECT id, a, b FROM t ORDER BY id") == [(1, 2, 4), (2, 5, 10)]
    assert result.plan.suggestions == ()


@pytest.mark.parametrize("kind", KINDS)
def test_a_generated_column_made_ordinary_keeps_its_values(kind: str) -> None:
    generated = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER AS (a * 2));"
    client, conn = open_client(kind)
    sync_on(kind, client, generated)
    conn.execute("INSERT INTO t (id, a) VALUES (1, 2), (2, 5)")

    result = sync_on(kind, client, BEFORE)

    assert not result.plan.destructive
    assert rows(conn, "SELECT id, a, b FROM t ORDER BY id") == [(1, 2, 4), (2, 5, 10)]
