"""Column ``@renamed`` hints whose new name a current column has, planned in full again
afterwards (``force=True``): a chain made is not made again, and a hint already applied stays
ignored when its old name is used by a new column (see also tests/test_rename_permutations.py).
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

BEFORE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);"
DATA = "INSERT INTO t VALUES (1, 'x', 2);\nINSERT INTO t VALUES (2, NULL, NULL)"


def _synced(kind: str) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    run(conn, DATA)
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
def test_a_chain_of_renames(kind: str) -> None:
    after = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY,\n b TEXT, -- @renamed from=a\n"
        " c INTEGER -- @renamed from=b\n);"
    )
    client, conn = _synced(kind)
    result = sync_on(kind, client, after)
    assert not result.plan.destructive
    assert rows(conn, "SELECT id, b, c FROM t ORDER BY id") == [(1, "x", 2), (2, None, None)]
    assert not sync_on(kind, client, after, force=True).plan.statements  # stale hints now


@pytest.mark.parametrize("kind", KINDS)
def test_an_applied_hint_stays_ignored_when_its_old_name_is_taken_again(kind: str) -> None:
    client, conn = _synced(kind)
    renamed = "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT, -- @renamed from=a\n b INTEGER);"
    sync_on(kind, client, renamed)
    again = renamed.replace("b INTEGER", "b INTEGER, a REAL")  # a new column named a
    result = sync_on(kind, client, again)
    assert [c.reasons for c in result.plan.changes] == [("add column a",)]
    assert rows(conn, "SELECT id, c, b, a FROM t ORDER BY id") == [
        (1, "x", 2, None),
        (2, None, None, None),
    ]
    # and the other way round: the old name is back, the new one still there
    chain = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT, -- @renamed from=a\n b INTEGER, a REAL);"
    )
    assert not sync_on(kind, client, chain).plan.statements
