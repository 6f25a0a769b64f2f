"""view_columns: the columns of our views that readers of theirs read, stated directly
(issue 14's mutation run of ``inline_sync/view_columns.py`` found each of these untested).

``read_columns`` is a sans-I/O generator: it is driven here by hand, the way ``rounds``
drives it, which states exactly which statements it asks for and how it maps the answers
back, including a round that fails (a live view of ours that cannot be read now)."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, everything, open_client, rows, sync_on

import inline_sync
from inline_sync.rounds import Round, RoundError
from inline_sync.view_columns import read_columns


def _drive(asks: Any, answers: list[Any]) -> tuple[list[Round], Any]:
    """Run ``read_columns(asks)``: each answer is the reply to the round it asks for, or a
    RoundError thrown into it. The rounds it asked for, and what it returned."""
    gen = read_columns(asks)
    asked = [next(gen)]
    try:
        for answer in answers:
            if isinstance(answer, RoundError):
                asked.append(gen.throw(answer))
            else:
                asked.append(gen.send(answer))
    except StopIteration as done:
        return asked, done.value
    raise AssertionError(f"read_columns asked for more rounds: {asked[-1]}")


LIVE_V = (("live", "v"), ("SELECT v",), 0)
LIVE_W = (("live", "w"), ("SELECT w",), 0)
# A declared view compiled in main: made, read, dropped (the answer is the second).
DESIRED_X = (("desired", "x"), ("CREATE x", "SELECT x", "DROP x"), 1)


def test_the_columns_are_read_in_one_round_named_for_them() -> None:
    asked, found = _drive((LIVE_V, DESIRED_X, LIVE_W),
                          [[[("a",), ("b",)], [], [("c",)], [], [("d",)]]])  # fmt: skip
    (round_,) = asked
    assert round_.purpose == "view columns"
    assert [sql for sql, _ in round_.statements] == [
        "SELECT v",
        "CREATE x",
        "SELECT x",
        "DROP x",
        "SELECT w",
    ]
    # Each answer is found after the statements of the asks before it: w's is the fifth.
    assert found == {("live", "v"): ["a", "b"], ("desired", "x"): ["c"], ("live", "w"): ["d"]}


def test_three_asks_of_one_statement_each_are_answered_in_order() -> None:
    w2 = (("live", "w2"), ("SELECT w2",), 0)
    _, found = _drive((LIVE_V, LIVE_W, w2), [[[("a",)], [("b",)], [("c",)]]])
    assert found == {("live", "v"): ["a"], ("live", "w"): ["b"], ("live", "w2"): ["c"]}


def test_one_ask_whose_round_fails_is_unknown() -> None:
    asked, found = _drive((LIVE_V,), [RoundError("no such table: gone")])
    assert len(asked) == 1  # (not asked again alone: it was alone)
    assert found == {("live", "v"): None}


def test_a_failed_round_of_several_is_asked_again_one_by_one() -> None:
    """Which one failed is not known: each is read alone; the others are still answered."""
    asked, found = _drive(
        (LIVE_V, LIVE_W),
        [RoundError("no such table: gone"), RoundError("no such table: gone"), [[("b",)]]],
    )
    assert [[sql for sql, _ in r.statements] for r in asked] == [
        ["SELECT v", "SELECT w"],
        ["SELECT v"],
        ["SELECT w"],
    ]
    assert all(r.purpose == "view columns" for r in asked)
    assert found == {("live", "v"): None, ("live", "w"): ["b"]}


@pytest.mark.parametrize("kind", KINDS)
def test_our_star_view_made_again_keeps_the_columns_its_text_does_not_name(kind: str) -> None:
    """A ``SELECT *`` view's columns are named nowhere in its text: they are its table's, as
    the scratch round read them (only a name the prefix strategy prefixed loses the prefix)."""
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE t (a, b);\nCREATE VIEW v AS SELECT * FROM t;")
    conn.execute("INSERT INTO t VALUES (1, 2)")
    conn.execute("CREATE VIEW ign_v AS SELECT a, b FROM v")
    after = "CREATE TABLE t (a, b);\nCREATE VIEW v AS SELECT * FROM t WHERE a > 0;"
    assert sync_on(kind, client, after, ignore=["ign_*"]).status == "synced"
    assert rows(conn, "SELECT * FROM ign_v") == [(1, 2)]


@pytest.mark.parametrize("kind", KINDS)
def test_a_column_of_ours_named_with_the_reserved_prefix_keeps_it(kind: str) -> None:
    """Only an object's name is reserved: a column alias may start with ``__sync_``, and the
    prefix of one the view's text writes so stays on."""
    client, conn = open_client(kind)
    view = 'CREATE VIEW v AS SELECT a AS "__sync_a", b FROM t'
    sync_on(kind, client, f"CREATE TABLE t (a, b);\n{view};")
    conn.execute("INSERT INTO t VALUES (1, 2)")
    conn.execute("CREATE VIEW ign_v AS SELECT __sync_a FROM v")
    after = f"CREATE TABLE t (a, b);\n{view} WHERE a > 0;"
    assert sync_on(kind, client, after, ignore=["ign_*"]).status == "synced"
    assert rows(conn, "SELECT * FROM ign_v") == [(1,)]


@pytest.mark.parametrize("kind", KINDS)
def test_a_qualified_view_of_ours_reading_an_ignored_table_is_checked_too(kind: str) -> None:
    """As tests/test_ignored_readers_of_views.py's unqualified one: the view, written
    ``main.v``, is compiled in main under a name of ours (``main."__sync_columns"``, not
    ``main.main…``), so the column it loses is found."""
    client, conn = open_client(kind)
    conn.execute("CREATE TABLE ign_t (x)")
    table = "CREATE TABLE t (a, b);\n"
    counted = ", (SELECT count(*) FROM ign_t) AS n FROM t;"
    sync_on(kind, client, table + "CREATE VIEW main.v AS SELECT a, b" + counted,
            ignore=["ign_*"])  # fmt: skip
    conn.execute("INSERT INTO t VALUES (1, 2)")
    conn.execute("CREATE VIEW ign_v AS SELECT b FROM v")
    kept = everything(conn)
    with pytest.raises(inline_sync.SyncError) as refused:
        sync_on(kind, client, table + "CREATE VIEW main.v AS SELECT a" + counted,
                ignore=["ign_*"])  # fmt: skip
    assert str(refused.value).startswith("cannot make view 'v' again without its column b: ")
    assert everything(conn) == kept


def test_a_view_of_ours_that_is_dropped_has_no_columns_read() -> None:
    """Its columns are lost whole (the refusal says so): reading them would be a round for
    nothing."""
    client, conn = open_client("d1")
    sync_on("d1", client, "CREATE TABLE t (a, b);\nCREATE VIEW v AS SELECT a, b FROM t;")
    conn.execute("CREATE VIEW ign_v AS SELECT b FROM v")
    client.log.clear()
    with pytest.raises(inline_sync.SyncError, match=r"^cannot drop view 'v': "):
        sync_on("d1", client, "CREATE TABLE t (a, b);", ignore=["ign_*"], allow_destructive=True)
    assert not [s for s in client.log if "pragma_table_info('v'" in s]


@pytest.mark.parametrize("kind", ["sqlite3", "d1"])
@pytest.mark.parametrize("select", ["SELECT ALL *", "SELECT all t.*"])
def test_select_all_star_passes_the_columns_on(kind: str, select: str) -> None:
    """``ALL`` (the default of ``DISTINCT``) before ``*`` makes it a result column too."""
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE t (a, b);")
    conn.execute("INSERT INTO t VALUES (1, 2)")
    conn.execute(f"CREATE VIEW ign_x AS {select} FROM t")
    conn.execute("CREATE VIEW ign_r AS SELECT b FROM ign_x")
    kept = everything(conn)
    with pytest.raises(inline_sync.SyncError, match="reads it through view 'ign_x' \\(its \\*\\)"):
        sync_on(kind, client, "CREATE TABLE t (a INTEGER);", ignore=["ign_*"],
                allow_destructive=True)  # fmt: skip
    assert everything(conn) == kept


@pytest.mark.parametrize("kind", ["sqlite3", "d1"])
def test_a_chain_listed_outer_view_first_is_followed_to_the_end(kind: str) -> None:
    """The outer view (``ign_a``, reading ``ign_m`` by ``*``, which reads ``ign_z`` so, which
    reads ``t``) comes before the ones it reads: what ``ign_z`` passes on reaches ``ign_m``
    on one pass over their views and ``ign_a`` on another."""
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE t (a, b);")
    conn.execute("INSERT INTO t VALUES (1, 2)")
    # Made outer first too (SQLite compiles a view when it is read), so that neither name
    # nor schema order lists the inner one first.
    conn.execute("CREATE VIEW ign_a AS SELECT * FROM ign_m")
    conn.execute("CREATE VIEW ign_m AS SELECT * FROM ign_z")
    conn.execute("CREATE VIEW ign_z AS SELECT * FROM t")
    conn.execute("CREATE VIEW ign_r AS SELECT b FROM ign_a")
    kept = everything(conn)
    with pytest.raises(inline_sync.SyncError, match="reads it through view 'ign_a' \\(its \\*\\)"):
        sync_on(kind, client, "CREATE TABLE t (a INTEGER);", ignore=["ign_*"],
                allow_destructive=True)  # fmt: skip
    assert everything(conn) == kept
