"""Dropping a generated column: its values are computed from other columns, so nothing is lost.

The rebuild already said so (no loss, no DestructiveChangeError) but said nothing at all about
the column going; ``DROP COLUMN`` said the opposite (destructive, "column t.g" lost) for the
very same change. Both now drop it without ``allow_destructive`` and list it in the reasons.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

BASE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT{g});"
GENERATED = [", g INTEGER AS (a * 2) VIRTUAL", ", g INTEGER GENERATED ALWAYS AS (a * 2) STORED"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("column", GENERATED, ids=["virtual", "stored"])
@pytest.mark.parametrize("rebuilt", [False, True], ids=["alter", "rebuild"])
def test_dropping_a_generated_column_loses_nothing(kind: str, column: str, rebuilt: bool) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BASE.format(g=column))
    run(conn, "INSERT INTO t (id, a, b) VALUES (1, 3, 'x');\nINSERT INTO t (id) VALUES (2)")
    after = BASE.format(g="")
    if rebuilt:
        after = after.replace("b TEXT", "b BLOB")
    result = sync_on(kind, client, after)  # no allow_destructive
    assert not result.plan.destructive
    (change,) = result.plan.changes
    assert (change.action, change.destructive, change.lost) == (
        "rebuild" if rebuilt else "alter",
        False,
        (),
    )
    assert "drop generated column g" in change.reasons
    assert rows(conn, "SELECT * FROM t ORDER BY id") == [(1, 3, "x"), (2, None, None)]
    assert not sync_on(kind, client, after).plan.statements


@pytest.mark.parametrize("kind", KINDS)
def test_a_plain_column_dropped_beside_it_is_still_a_loss(kind: str) -> None:
    client, _conn = open_client(kind)
    sync_on(kind, client, BASE.format(g=GENERATED[0]))
    result = sync_on(
        kind, client, "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);", allow_destructive=True
    )
    (change,) = result.plan.changes
    assert change.destructive and change.lost == ("column t.b",)
    assert "drop generated column g" in change.reasons
