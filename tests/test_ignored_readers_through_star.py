"""A reader that is not ours reaching a column of ours through a view of theirs that passes
it on by ``*`` (``CREATE VIEW ign_x AS SELECT * FROM t``; ``SELECT t.*``): the view itself
names no column and keeps working when the column goes (``*`` is expanded when it is read),
but a view or trigger of theirs reading ``b`` from it could not run afterwards. A plan that
dropped ``t.b`` in a rebuild, or made our view again without it, said "synced" and left it
so (by ALTER … DROP COLUMN SQLite itself refused, an ApplyError). It is now a SyncError
naming the reader, the view it reads through and our column, before anything changes. A
``*`` that is no result column (``count(*)``, ``a * 2``) passes nothing on.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, everything, open_client, rows, sync_on

import inline_sync

READERS = {
    "view": "CREATE VIEW ign_r AS SELECT b FROM ign_x",
    "trigger": "CREATE TABLE ign_log (m);\nCREATE TRIGGER ign_r AFTER INSERT ON ign_log BEGIN "
    "INSERT INTO ign_log SELECT b FROM ign_x WHERE new.m IS NULL; END",
}
#: (before, their view(s) passing columns on, after, what the refusal says the plan does)
CASES = {
    "rebuilt without it": ("CREATE TABLE t (a, b);", "CREATE VIEW ign_x AS SELECT * FROM t",
                           "CREATE TABLE t (a INTEGER);", "drop column t.b"),
    "altered without it": ("CREATE TABLE t (a, b);", "CREATE VIEW ign_x AS SELECT t.* FROM t",
                           "CREATE TABLE t (a);", "drop column t.b"),
    "renamed by the copy": (
        "CREATE TABLE t (a, b PRIMARY KEY, UNIQUE (b)) WITHOUT ROWID;",
        "CREATE VIEW ign_x AS SELECT DISTINCT * FROM t",
        "CREATE TABLE t (a, c PRIMARY KEY, -- @renamed from=b\n UNIQUE (c)) WITHOUT ROWID;",
        "rename column t.b in a rebuild of the table",
    ),
    "renamed before a rebuild": (
        "CREATE TABLE t (a, b);", "CREATE VIEW ign_x AS SELECT ALL * FROM t",
        "CREATE TABLE t (a INTEGER, c -- @renamed from=b\n);",
        None,  # (by RENAME COLUMN, whose own check of the schema refuses it)
    ),
    "our view made again without it": (
        "CREATE TABLE t (a, b);\nCREATE VIEW v AS SELECT a, b FROM t;",
        "CREATE VIEW ign_x AS SELECT 1 AS one, * FROM v",
        "CREATE TABLE t (a, b);\nCREATE VIEW v AS SELECT a FROM t;",
        "make view 'v' again without its column b",
    ),
    "through two views": (
        "CREATE TABLE t (a, b);",
        "CREATE VIEW ign_y AS SELECT * FROM t;\nCREATE VIEW ign_x AS SELECT * FROM ign_y",
        "CREATE TABLE t (a INTEGER);", "drop column t.b",
    ),
}  # fmt: skip


def _set_up(kind: str, before: str, passing: str, reader: str) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    conn.execute("INSERT INTO t (a, b) VALUES (1, 2)")
    for statement in (passing + ";\n" + READERS[reader]).split(";\n"):
        conn.execute(statement)
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("case", CASES)
def test_a_reader_of_a_column_passed_on_by_star_is_refused(
    kind: str, reader: str, case: str
) -> None:
    before, passing, after, does = CASES[case]
    client, conn = _set_up(kind, before, passing, reader)
    kept = everything(conn)
    with pytest.raises(inline_sync.SyncError) as refused:
        sync_on(kind, client, after, ignore=["ign_*"], allow_destructive=True)
    message = str(refused.value)
    if does is None:
        assert isinstance(refused.value, inline_sync.ApplyError), message
        assert f"error in {reader} ign_r after rename: no such column: b" in message, message
    else:
        assert message == (
            f"cannot {does}: {reader} 'ign_r', which is ignored (inline_sync leaves it alone), "
            "reads it through view 'ign_x' (its *) and could not run afterwards. Declare "
            "'ign_r', change or drop it yourself first; nothing was changed"
        )
    assert everything(conn) == kept


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("passing", "reader"),
    [  # (b as the reader's own name: no column b is passed on to it)
        ("SELECT a, count(*) AS n FROM t GROUP BY a", "SELECT n AS b FROM ign_x"),
        ("SELECT a, a * 2 AS n FROM t", "SELECT n AS b FROM ign_x"),
        ("SELECT * FROM t", "SELECT a FROM ign_x"),  # (only what stays)
    ],
)
def test_no_star_or_no_column_lost_is_no_reason(kind: str, passing: str, reader: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE t (a, b);")
    conn.execute("INSERT INTO t VALUES (1, 2)")
    conn.execute(f"CREATE VIEW ign_x AS {passing}")
    conn.execute(f"CREATE VIEW ign_r AS {reader}")
    sync_on(kind, client, "CREATE TABLE t (a INTEGER);", ignore=["ign_*"], allow_destructive=True)
    assert rows(conn, "SELECT count(*) FROM ign_r") == [(1,)]
