"""Unit tests of inline_sync.rebuild: column mapping, the SQL of a rebuild, AUTOINCREMENT
counters and virtual-table recreation."""

from __future__ import annotations

import sqlite3

import pytest

from inline_sync.ddl import parse_table, parse_virtual_table
from inline_sync.diff import TableDiff
from inline_sync.plan import Step
from inline_sync.rebuild import column_mapping, rebuild_closure, rebuild_steps
from inline_sync.virtual_tables import fts_content, recreate_virtual_table


def dt(current: str, desired: str, renames: tuple[tuple[str, str], ...] = ()) -> TableDiff:
    return TableDiff(
        parse_table(current),
        parse_table(desired),
        column_renames=renames,
        rebuild=True,
        reasons=("why",),
    )


# --------------------------------------------------------------------------- column_mapping


@pytest.mark.parametrize(
    ("current", "desired", "renames", "expected"),
    [
        # No rowid alias: the rowid is carried over explicitly.
        (
            "CREATE TABLE t (a, b)",
            "CREATE TABLE t (a, b NOT NULL)",
            (),
            (["rowid", '"a"', '"b"'], ["rowid", '"a"', '"b"'], []),
        ),
        # An INTEGER PRIMARY KEY column carries the rowid itself.
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, b)",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, b NOT NULL)",
            (),
            (['"id"', '"b"'], ['"id"', '"b"'], []),
        ),
        # A column called rowid: the next free rowid name is used.
        (
            "CREATE TABLE t (rowid, b)",
            "CREATE TABLE t (rowid, b NOT NULL)",
            (),
            (["_rowid_", '"rowid"', '"b"'], ["_rowid_", '"rowid"', '"b"'], []),
        ),
        (
            "CREATE TABLE t (rowid, _rowid_, b)",
            "CREATE TABLE t (a, b NOT NULL)",
            (),
            (["rowid", '"b"'], ["oid", '"b"'], ["rowid", "_rowid_"]),
        ),
        # Every rowid name taken on both sides: the rowid cannot be named, so it is not copied.
        (
            "CREATE TABLE t (rowid, _rowid_, oid)",
            "CREATE TABLE t (rowid, _rowid_, oid, x)",
            (),
            (['"rowid"', '"_rowid_"', '"oid"'], ['"rowid"', '"_rowid_"', '"oid"'], []),
        ),
        # Generated columns are computed, never copied; a dropped column is lost.
        (
            "CREATE TABLE t (a, b, g AS (a + b))",
            "CREATE TABLE t (a, g AS (a * 2) STORED, c)",
            (),
            (["rowid", '"a"'], ["rowid", '"a"'], ["b"]),
        ),
        # A renamed column is read under its old name.
        (
            "CREATE TABLE t (a, new)",
            "CREATE TABLE t (a, new NOT NULL)",
            (("old", "new"),),
            (["rowid", '"a"', '"new"'], ["rowid", '"a"', '"old"'], []),
        ),
        # WITHOUT ROWID tables have no rowid to keep.
        (
            "CREATE TABLE t (a PRIMARY KEY, b) WITHOUT ROWID",
            "CREATE TABLE t (a PRIMARY KEY, b NOT NULL) WITHOUT ROWID",
            (),
            (['"a"', '"b"'], ['"a"', '"b"'], []),
        ),
        (
            "CREATE TABLE t (a PRIMARY KEY, b)",
            "CREATE TABLE t (a PRIMARY KEY, b) WITHOUT ROWID",
            (),
            (['"a"', '"b"'], ['"a"', '"b"'], []),
        ),
        # The alias column is new: the old rowids become its values.
        (
            "CREATE TABLE t (a)",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a)",
            (),
            (["rowid", '"a"'], ["rowid", '"a"'], []),
        ),
        # The old alias is dropped, the rowid stays.
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, b)",
            "CREATE TABLE t (x INTEGER PRIMARY KEY, b)",
            (),
            (["rowid", '"b"'], ["rowid", '"b"'], ["id"]),
        ),
        # Quoted and mixed-case names.
        (
            'CREATE TABLE t ("Odd ""Name""", b)',
            'CREATE TABLE t ("odd ""name""" TEXT, b)',
            (),
            (["rowid", '"odd ""name"""', '"b"'], ["rowid", '"Odd ""Name"""', '"b"'], []),
        ),
    ],
)
def test_column_mapping(
    current: str,
    desired: str,
    renames: tuple[tuple[str, str], ...],
    expected: tuple[list[str], list[str], list[str]],
) -> None:
    assert column_mapping(dt(current, desired, renames)) == expected


# --------------------------------------------------------------------------- rebuild_steps


def test_rebuild_steps_shape() -> None:
    d = dt("CREATE TABLE t (a, b)", "CREATE TABLE t (a, b NOT NULL)")
    steps, lost = rebuild_steps(d, "CREATE TABLE t (a, b NOT NULL)", legacy=False, max_columns=2000)
    assert steps == [
        Step(
            "setting",
            "pragma",
            "",
            "PRAGMA legacy_alter_table = ON",
            "rename aside without rewriting other objects",
        ),
        Step(
            "rebuild",
            "table",
            "t",
            'ALTER TABLE main."t" RENAME TO "__sync_old_t"',
            "rebuild (why): move the old table aside",
        ),
        Step(
            "rebuild",
            "table",
            "t",
            "CREATE TABLE t (a, b NOT NULL)",
            "rebuild (why): new definition",
        ),
        Step(
            "copy rows",
            "table",
            "t",
            'INSERT OR ABORT INTO main."t" (rowid, "a", "b") SELECT rowid, "a", "b" FROM'
            ' main."__sync_old_t"',
            "copy every row into the new table",
            source="__sync_old_t",
            target="t",
        ),
        Step("rebuild", "table", "t", 'DROP TABLE main."__sync_old_t"', "drop the old copy"),
        Step(
            "setting",
            "pragma",
            "",
            "PRAGMA legacy_alter_table = OFF",
            "restore the connection's setting",
        ),
    ]
    assert lost == []


def test_rebuild_steps_under_legacy_alter_table_have_no_settings() -> None:
    d = dt("CREATE TABLE t (a, b)", "CREATE TABLE t (a)")
    steps, lost = rebuild_steps(d, "CREATE TABLE t (a)", legacy=True, max_columns=2000)
    assert [s.sql for s in steps] == [
        'ALTER TABLE main."t" RENAME TO "__sync_old_t"',
        "CREATE TABLE t (a)",
        'INSERT OR ABORT INTO main."t" (rowid, "a") SELECT rowid, "a" FROM main."__sync_old_t"',
        'DROP TABLE main."__sync_old_t"',
    ]
    assert lost == ["b"]


def test_rebuild_steps_without_any_column_to_copy() -> None:
    d = dt(
        "CREATE TABLE t (a PRIMARY KEY) WITHOUT ROWID",
        "CREATE TABLE t (b PRIMARY KEY) WITHOUT ROWID",
    )
    steps, lost = rebuild_steps(
        d, "CREATE TABLE t (b PRIMARY KEY) WITHOUT ROWID", legacy=True, max_columns=2000
    )
    assert [s.action for s in steps] == ["rebuild", "rebuild", "rebuild"]
    assert lost == ["a"]


@pytest.mark.parametrize(
    ("current_autoinc", "desired_autoinc", "sequence_steps"),
    [(True, True, 2), (True, False, 0), (False, True, 0), (False, False, 0)],
)
def test_sequence_steps_only_when_both_sides_autoincrement(
    current_autoinc: bool, desired_autoinc: bool, sequence_steps: int
) -> None:
    def table(autoinc: bool, extra: str) -> str:
        return (
            f"CREATE TABLE t (id INTEGER PRIMARY KEY{' AUTOINCREMENT' if autoinc else ''}{extra})"
        )

    desired = table(desired_autoinc, ", b NOT NULL")
    steps, _ = rebuild_steps(
        dt(table(current_autoinc, ", b"), desired), desired, legacy=True, max_columns=2000
    )
    seq = [s for s in steps if s.action == "copy sequence"]
    assert len(seq) == sequence_steps
    if seq:
        assert [s.sql for s in seq] == [
            "UPDATE main.sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM "
            "main.sqlite_sequence WHERE name = '__sync_old_t' COLLATE NOCASE), seq)) "
            "WHERE name = 't' COLLATE NOCASE",
            "INSERT INTO main.sqlite_sequence (name, seq) SELECT 't', seq FROM"
            " main.sqlite_sequence "
            "WHERE name = '__sync_old_t' COLLATE NOCASE AND NOT EXISTS "
            "(SELECT 1 FROM main.sqlite_sequence WHERE name = 't' COLLATE NOCASE)",
        ]
        assert [s.action for s in steps].index("copy sequence") == 3  # right after the copy


def test_rebuild_steps_run_on_sqlite_keep_rows_rowids_and_counter() -> None:
    current = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, b)"
    desired = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, b NOT NULL DEFAULT 0)"
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.executescript(
        f"{current}; INSERT INTO t VALUES (5, 'x'), (9, 'y'); DELETE FROM t WHERE id = 9;"
    )
    steps, _ = rebuild_steps(dt(current, desired), desired, legacy=False, max_columns=2000)
    for s in steps:
        con.execute(s.sql)
    assert con.execute("SELECT * FROM t").fetchall() == [(5, "x")]
    assert con.execute("SELECT name, seq FROM main.sqlite_sequence").fetchall() == [("t", 9)]


def test_rebuild_keeps_rowids_without_alias_on_sqlite() -> None:
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.executescript(
        "CREATE TABLE t (rowid, b); INSERT INTO t (_rowid_, rowid, b) VALUES "
        "(10, 'r1', 1), (20, NULL, 2);"
    )
    desired = "CREATE TABLE t (rowid, b NOT NULL)"
    steps, _ = rebuild_steps(
        dt("CREATE TABLE t (rowid, b)", desired), desired, legacy=False, max_columns=2000
    )
    for s in steps:
        con.execute(s.sql)
    assert con.execute("SELECT _rowid_, rowid, b FROM t ORDER BY 1").fetchall() == [
        (10, "r1", 1),
        (20, None, 2),
    ]


# --------------------------------------------------------------------------- rebuild_closure


def test_rebuild_closure_retargets_references() -> None:
    parent = 'CREATE TABLE "P" (id INTEGER PRIMARY KEY, v TEXT)'
    child = (
        "CREATE TABLE IF NOT EXISTS c (id INTEGER PRIMARY KEY, pid REFERENCES p (id), "
        "oid REFERENCES other)"
    )
    items = [
        (dt('CREATE TABLE "P" (id INTEGER PRIMARY KEY, v)', parent), parent),
        (TableDiff(parse_table(child), parse_table(child)), child),
    ]
    steps, lost = rebuild_closure(items, legacy=True, max_columns=2000)
    assert [s.sql for s in steps] == [
        "PRAGMA defer_foreign_keys = ON",
        'CREATE TABLE "__sync_new_P" (id INTEGER PRIMARY KEY, v TEXT)',
        'CREATE TABLE IF NOT EXISTS "__sync_new_c" (id INTEGER PRIMARY KEY, '
        'pid REFERENCES "__sync_new_P" (id), oid REFERENCES other)',
        'INSERT OR ABORT INTO main."__sync_new_P" ("id", "v") SELECT "id", "v" FROM main."P"',
        'INSERT OR ABORT INTO main."__sync_new_c" ("id", "pid", "oid") SELECT "id", "pid", "oid"'
        ' FROM main."c"',
        'DROP TABLE main."c"',
        'DROP TABLE main."P"',
        'ALTER TABLE main."__sync_new_P" RENAME TO "P"',
        'ALTER TABLE main."__sync_new_c" RENAME TO "c"',
    ]
    assert lost == {"p": [], "c": []}


# --------------------------------------------------------------------------- virtual tables


def columns(mapping: dict[tuple[str, str], list[str]]):  # type: ignore[no-untyped-def]
    return lambda side, name: mapping[(side, name)]


def vt_sql(steps: list[Step]) -> list[str]:
    return [s.sql for s in steps]


# What every fts5 index made again runs around its drop and create: its settings held aside,
# then set again before its rows go back (virtual_tables._keep_settings).
KEYS = "'automerge', 'crisismerge', 'deletemerge', 'hashsize', 'insttoken', 'pgsz', 'rank', "
HOLD_SETTINGS = (
    'CREATE TABLE main."__sync_settings_ft" AS SELECT k, v FROM main."ft_config" WHERE k IN '
    f"({KEYS}'secure-delete', 'usermerge')"
)
SET_SETTINGS = 'INSERT INTO main."ft" ("ft", rank) SELECT k, v FROM main."__sync_settings_ft"'
DROP_SETTINGS = 'DROP TABLE main."__sync_settings_ft"'


@pytest.mark.parametrize("content", ["'docs'", "docs"])
def test_fts5_external_content_uses_rebuild_command(content: str) -> None:
    cur = parse_virtual_table(f"CREATE VIRTUAL TABLE ft USING fts5(a, b, content={content})")
    des = parse_virtual_table(f"CREATE VIRTUAL TABLE ft USING fts5(a, content={content})")
    steps, reason, lost = recreate_virtual_table(cur, des, "NEW SQL", columns({}))
    assert vt_sql(steps) == [
        HOLD_SETTINGS,
        'DROP TABLE main."ft"',
        "NEW SQL",
        SET_SETTINGS,
        DROP_SETTINGS,
        'INSERT INTO main."ft" ("ft") VALUES (\'rebuild\')',
    ]
    assert (reason, lost) == ("definition changed", ())


def test_contentless_fts5_is_destructive_and_copies_nothing() -> None:
    cur = parse_virtual_table("CREATE VIRTUAL TABLE ft USING fts5(a, content='')")
    des = parse_virtual_table("CREATE VIRTUAL TABLE ft USING fts5(a, b, content='')")
    cols = columns({("current", "ft"): ["a"], ("desired", "ft"): ["a", "b"]})
    steps, reason, lost = recreate_virtual_table(cur, des, "NEW SQL", cols)
    assert vt_sql(steps) == [HOLD_SETTINGS, 'DROP TABLE main."ft"', "NEW SQL", SET_SETTINGS,
                             DROP_SETTINGS]  # fmt: skip
    assert lost == ("the rows of the contentless fts5 table ft",)
    assert reason == (
        "definition changed; a contentless fts5 index cannot be copied, it starts empty"
    )


def test_fts5_with_own_content_copies_through_holding_table() -> None:
    cur = parse_virtual_table("CREATE VIRTUAL TABLE ft USING fts5(a, b)")
    des = parse_virtual_table("CREATE VIRTUAL TABLE ft USING fts5(a, b, c)")
    cols = columns({("current", "ft"): ["a", "b"], ("desired", "ft"): ["a", "b", "c"]})
    steps, reason, lost = recreate_virtual_table(cur, des, "NEW SQL", cols)
    assert vt_sql(steps) == [
        'CREATE TABLE main."__sync_copy_ft" AS SELECT rowid AS "__sync_rowid", "a", "b" FROM'
        ' main."ft"',
        HOLD_SETTINGS,
        'DROP TABLE main."ft"',
        "NEW SQL",
        SET_SETTINGS,
        DROP_SETTINGS,
        'INSERT INTO main."ft" (rowid, "a", "b") SELECT "__sync_rowid", "a", "b" FROM'
        ' main."__sync_copy_ft"',
        'DROP TABLE main."__sync_copy_ft"',
    ]
    assert (reason, lost) == ("definition changed", ())


def test_virtual_table_dropped_column_is_destructive() -> None:
    cur = parse_virtual_table("CREATE VIRTUAL TABLE ft USING fts5(a, b)")
    des = parse_virtual_table("CREATE VIRTUAL TABLE ft USING fts5(A)")
    cols = columns({("current", "ft"): ["a", "b"], ("desired", "ft"): ["A"]})
    steps, reason, lost = recreate_virtual_table(cur, des, "NEW SQL", cols)
    assert vt_sql(steps)[6] == (
        'INSERT INTO main."ft" (rowid, "A") SELECT "__sync_rowid", "a" FROM main."__sync_copy_ft"'
    )
    assert (reason, lost) == ("definition changed; columns dropped: b", ("column ft.b",))


def test_rtree_copies_no_rowid_column() -> None:
    cur = parse_virtual_table("CREATE VIRTUAL TABLE r USING rtree(id, x0, x1)")
    des = parse_virtual_table("CREATE VIRTUAL TABLE r USING rtree(id, x0, x1, y0, y1)")
    cols = columns(
        {("current", "r"): ["id", "x0", "x1"], ("desired", "r"): ["id", "x0", "x1", "y0", "y1"]}
    )
    steps, reason, lost = recreate_virtual_table(cur, des, "NEW SQL", cols)
    assert vt_sql(steps) == [
        'CREATE TABLE main."__sync_copy_r" AS SELECT "id", "x0", "x1" FROM main."r"',
        'DROP TABLE main."r"',
        "NEW SQL",
        'INSERT INTO main."r" ("id", "x0", "x1") SELECT "id", "x0", "x1" FROM main."__sync_copy_r"',
        'DROP TABLE main."__sync_copy_r"',
    ]
    assert (reason, lost) == ("definition changed", ())


def test_fts5_recreate_runs_on_sqlite() -> None:
    con = sqlite3.connect(":memory:", isolation_level=None)
    old = "CREATE VIRTUAL TABLE ft USING fts5(a, b)"
    new = "CREATE VIRTUAL TABLE ft USING fts5(a, b, tokenize = 'porter')"
    con.executescript(f"{old}; INSERT INTO ft (rowid, a, b) VALUES (7, 'running', 'x');")
    cols = columns({("current", "ft"): ["a", "b"], ("desired", "ft"): ["a", "b"]})
    steps, _, _ = recreate_virtual_table(
        parse_virtual_table(old), parse_virtual_table(new), new, cols
    )
    for s in steps:
        con.execute(s.sql)
    assert con.execute("SELECT rowid, a, b FROM ft WHERE ft MATCH 'run'").fetchall() == [
        (7, "running", "x")
    ]


@pytest.mark.parametrize(
    ("arguments", "content"),
    [
        ("fts5(a, b)", None),
        ("fts5(a, content='')", ""),
        ('fts5(a, content="")', ""),
        ("fts5(a, content=[])", ""),
        ("fts5(a, CONTENT=``)", ""),
        ("fts5(a, content = '', content_rowid = id)", ""),
        ("fts5(a, content=docs)", "docs"),
        ("fts5(a, content='it''s')", "it's"),
        ('fts4(a, content="my docs")', "my docs"),
        ("fts4(content='x', a)", "x"),
        ("fts4(a, content=x y)", "xy"),  # several tokens: a table of some name, not none
        ("fts4(content, a)", None),  # a column named content
        ("fts5(a, tokenize = 'porter ascii', prefix = '2 3')", None),
        ("fts5(a, x(b, content=''), c)", None),  # not an argument of the module's own
        ("fts5(a, x(b), content='')", ""),
        ("fts3(a, content='')", None),  # fts3 takes no options: a column "content"
        ("rtree(id, content, x)", None),
        ("fts5vocab(d, row)", None),
    ],
)
def test_fts_content_reads_the_content_option(arguments: str, content: str | None) -> None:
    """Where an FTS table keeps its text: in itself (None), nowhere ("", contentless, however
    the empty name is quoted), or in the named external content table; only fts4 and fts5
    take the option, and only as an argument of their own (top level, ``content`` ``=``)."""
    vt = parse_virtual_table(f"CREATE VIRTUAL TABLE IF NOT EXISTS main.d USING {arguments}")
    assert fts_content(vt) == content
