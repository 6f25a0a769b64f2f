"""Tests written to kill surviving mutants of ``inline_sync/rebuild.py`` (issue 14,
docs/mutation-testing.md). Each names, in its docstring, the mutations it catches.

A plan's steps are what users see of it (``SyncPlan.steps``, progress reports, the debug log,
``plan --sql`` scripts): what each step is, on what, and why, not only its SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from memory_clients import KINDS, OPENERS, do_db, open_client, rows, run, sync_on

import inline_sync
from inline_sync.ddl import parse_virtual_table
from inline_sync.plan import Step
from inline_sync.virtual_tables import recreate_virtual_table


def described(steps: list[Step]) -> list[tuple[str, ...]]:
    """Each step without its SQL: (action, kind, name, reason, source, target)."""
    return [(s.action, s.kind, s.name, s.reason, s.source, s.target) for s in steps]


def recreate(old: str, new: str, cur_cols: list[str], des_cols: list[str]) -> Any:
    cur, des = parse_virtual_table(old), parse_virtual_table(new)
    columns = {("current", cur.name): cur_cols, ("desired", des.name): des_cols}
    return recreate_virtual_table(cur, des, new, lambda side, name: columns[(side, name)])


CHANGED = "definition changed"
# An fts5 index made again keeps its settings: held aside before its drop, set again after its
# create (kills each step's action, kind, name and reason given None or another text).
KEEP_SETTINGS = [
    ("keep settings", "virtual table", "ft", "hold its settings", "", ""),
    ("keep settings", "virtual table", "ft", "set its settings again", "", ""),
    ("drop", "table", "__sync_settings_ft", "drop the holding table", "", ""),
]


def test_an_external_content_fts5_index_is_rebuilt_in_three_described_steps() -> None:
    """Kills the action, kind, name and reason of the three steps given None or another
    text."""
    steps, reason, lost = recreate(
        "CREATE VIRTUAL TABLE ft USING fts5(a, b, content='docs')",
        "CREATE VIRTUAL TABLE ft USING fts5(a, content='docs')",
        [],
        [],
    )
    assert described(steps) == [
        KEEP_SETTINGS[0],
        ("drop", "virtual table", "ft", CHANGED, "", ""),
        ("create", "virtual table", "ft", CHANGED, "", ""),
        *KEEP_SETTINGS[1:],
        ("copy rows", "virtual table", "ft",
         "rebuild the index from its external content table", "", ""),
    ]  # fmt: skip
    assert (reason, lost) == (CHANGED, ())


def test_a_virtual_table_copied_through_a_holding_table_describes_each_step() -> None:
    """Its rows go to a holding table and back: the copy back names where the rows come from
    and go (progress reports, script guards), and the reason lists every dropped column
    (kills each step's action, kind, name, reason, source and target given None or another
    text, and the ", " of the dropped columns)."""
    steps, reason, lost = recreate(
        "CREATE VIRTUAL TABLE ft USING fts5(a, b, c)",
        "CREATE VIRTUAL TABLE ft USING fts5(a)",
        ["a", "b", "c"],
        ["a"],
    )
    hold = "__sync_copy_ft"
    gone = f"{CHANGED}; columns dropped: b, c"
    assert described(steps) == [
        ("copy rows", "virtual table", "ft", "hold the rows while recreating", "", ""),
        KEEP_SETTINGS[0],
        ("drop", "virtual table", "ft", CHANGED, "", ""),
        ("create", "virtual table", "ft", CHANGED, "", ""),
        *KEEP_SETTINGS[1:],
        ("copy rows", "virtual table", "ft", "copy the rows back", hold, "ft"),
        ("drop", "table", hold, "drop the holding table", "", ""),
    ]
    assert (reason, lost) == (gone, ("column ft.b", "column ft.c"))


@pytest.mark.parametrize("module", ["rtree", "rtree_i32", "geopoly"])
def test_rtree_kinds_are_copied_without_a_separate_rowid(module: str) -> None:
    """An R*Tree's (and geopoly's) rowid is its first column: copying it as a separate rowid
    column too would name it twice (kills the module names of that test given another
    text)."""
    steps, _, _ = recreate(
        f"CREATE VIRTUAL TABLE r USING {module}(id, x0, x1)",
        f"CREATE VIRTUAL TABLE r USING {module}(id, x0, x1, y0, y1)",
        ["id", "x0", "x1"],
        ["id", "x0", "x1", "y0", "y1"],
    )
    assert (
        steps[0].sql == 'CREATE TABLE main."__sync_copy_r" AS SELECT "id", "x0", "x1" FROM main."r"'
    )


def test_a_read_only_virtual_table_is_made_again_in_two_described_steps() -> None:
    """fts5vocab (like fts4aux and dbstat) computes its rows: a drop and a create, each
    described, the drop naming the table as it is (kills each step's action, kind, name and
    reason given None or another text, and the drop's name taken from the definition)."""
    steps, reason, lost = recreate(
        "CREATE VIRTUAL TABLE V USING fts5vocab(d, row)",
        "CREATE VIRTUAL TABLE v USING fts5vocab(d, col)",
        [],
        [],
    )
    assert described(steps) == [
        ("drop", "virtual table", "v", CHANGED, "", ""),
        ("create", "virtual table", "v", CHANGED, "", ""),
    ]
    assert [s.sql for s in steps] == [
        'DROP TABLE main."V"',
        "CREATE VIRTUAL TABLE v USING fts5vocab(d, col)",
    ]
    assert (reason, lost) == (CHANGED, ())


def test_an_index_made_contentless_is_copied_and_says_what_it_loses() -> None:
    """The rows are held and copied back (the index is built again from the text), the reason
    says why the change is destructive, and the loss names the module and table (kills the
    reason and loss texts given another text, and the copy left out)."""
    steps, reason, lost = recreate(
        "CREATE VIRTUAL TABLE ft USING fts4(a, b)",
        "CREATE VIRTUAL TABLE ft USING fts4(a, b, content='')",
        ["a", "b"],
        ["a", "b"],
    )
    why = f"{CHANGED}; contentless now: the text is indexed, no longer stored"
    assert [(s.action, s.reason) for s in steps] == [
        ("copy rows", "hold the rows while recreating"),
        ("drop", why),
        ("create", why),
        ("copy rows", "copy the rows back"),
        ("drop", "drop the holding table"),
    ]
    assert steps[3].sql == (
        'INSERT INTO main."ft" (rowid, "a", "b") SELECT "__sync_rowid", "a", "b" FROM '
        'main."__sync_copy_ft"'
    )
    assert (reason, lost) == (
        why,
        ("the text of the fts4 table ft (contentless now: only its index is kept)",),
    )


def test_a_contentless_fts4_index_changed_copies_nothing_and_names_its_module() -> None:
    """A contentless index keeps no text: no copy steps, and the reason and the loss name the
    module of the table as it is (kills them naming the desired module or another text)."""
    steps, reason, lost = recreate(
        'CREATE VIRTUAL TABLE ft USING fts4(a, content="")',
        "CREATE VIRTUAL TABLE ft USING fts5(a, b)",
        ["a"],
        ["a", "b"],
    )
    why = f"{CHANGED}; a contentless fts4 index cannot be copied, it starts empty"
    assert [(s.action, s.reason) for s in steps] == [("drop", why), ("create", why)]
    assert (reason, lost) == (why, ("the rows of the contentless fts4 table ft",))


@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_a_table_declared_if_not_exists_in_main_is_rebuilt_with_its_children(
    case: Callable[[str], str],
) -> None:
    """Where foreign keys stay on (a Durable Object), a parent and its child are rebuilt
    together under temporary names: the new copy of ``CREATE TABLE IF NOT EXISTS main.p``
    must get its temporary name too, past ``EXISTS main.`` (kills ``"EXISTS"`` given another
    text in ``_retarget``'s test for the qualifier: the copy was made as ``p`` itself, which
    exists, so IF NOT EXISTS made nothing and the copy failed). The child's column is named
    like its parent: only the name after REFERENCES is the parent's (kills ``prev_sig ==
    "REFERENCES" and …`` made ``or``, which renamed the column too). Keywords in either case
    (kills the keyword not upper-cased before the comparison)."""
    create, references = case("CREATE TABLE IF NOT EXISTS"), case("REFERENCES")
    schema = (
        f"{create} main.p (id INTEGER PRIMARY KEY, name TEXT{{}});\n"
        f"CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER {references} p(id));"
    )
    db, conn = do_db()
    inline_sync.sync(db, schema.format(""))
    conn.execute("INSERT INTO p VALUES (1, 'a')")
    conn.execute("INSERT INTO c VALUES (1, 1)")
    result = inline_sync.sync(db, schema.format(" COLLATE NOCASE"))
    assert result.plan.steps[1].sql.startswith(f'{create} main."__sync_new_p" (')
    assert rows(conn, "SELECT * FROM p") == [(1, "a")]
    assert rows(conn, "SELECT * FROM c") == [(1, 1)]
    assert inline_sync.plan(db, schema.format(" COLLATE NOCASE")).steps == ()


FAMILY = (
    "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT{});\n"
    "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));"
)
OLD_P, NEW_P = "__sync_old_p", "__sync_new_p"
SEQ = (
    "UPDATE main.sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM "
    "main.sqlite_sequence WHERE name = '{src}' COLLATE NOCASE), seq)) "
    "WHERE name = '{to}' COLLATE NOCASE"
)
SEQ_ROW = (
    "INSERT INTO main.sqlite_sequence (name, seq) SELECT '{to}', seq FROM main.sqlite_sequence "
    "WHERE name = '{src}' COLLATE NOCASE AND NOT EXISTS (SELECT 1 FROM main.sqlite_sequence "
    "WHERE name = '{to}' COLLATE NOCASE)"
)
WHY = "rebuild (column name: COLLATE None -> nocase)"
KEEP_SEQ = "keep the AUTOINCREMENT counter"
COPY = "copy every row into the new table"
# Where the connection may turn foreign keys off: the old table is moved aside.
ASIDE = [
    ("setting", "pragma", "", "rename aside without rewriting other objects", "", "",
     "PRAGMA legacy_alter_table = ON"),
    ("rebuild", "table", "p", f"{WHY}: move the old table aside", "", "",
     f'ALTER TABLE main."p" RENAME TO "{OLD_P}"'),
    ("rebuild", "table", "p", f"{WHY}: new definition", "", "",
     "CREATE TABLE main.p (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT COLLATE NOCASE)"),
    ("copy rows", "table", "p", COPY, OLD_P, "p",
     f'INSERT OR ABORT INTO main."p" ("id", "name") SELECT "id", "name" FROM main."{OLD_P}"'),
    ("copy sequence", "table", "p", KEEP_SEQ, "", "",
     SEQ.format(to="p", src=OLD_P)),
    ("copy sequence", "table", "p", KEEP_SEQ, "", "", SEQ_ROW.format(to="p", src=OLD_P)),
    ("rebuild", "table", "p", "drop the old copy", "", "", f'DROP TABLE main."{OLD_P}"'),
    ("setting", "pragma", "", "restore the connection's setting", "", "",
     "PRAGMA legacy_alter_table = OFF"),
]  # fmt: skip
# Where foreign keys stay on (a Durable Object): parent and child are copied together.
TOGETHER = [
    ("setting", "pragma", "", "check foreign keys at commit, after the old tables are gone", "",
     "", "PRAGMA defer_foreign_keys = ON"),
    ("rebuild", "table", "p", "new copy under a temporary name", "", "",
     f'CREATE TABLE main."{NEW_P}" (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT COLLATE '
     "NOCASE)"),
    ("rebuild", "table", "c", "new copy under a temporary name", "", "",
     'CREATE TABLE main."__sync_new_c" (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES '
     f'"{NEW_P}"(id))'),
    ("copy rows", "table", "p", COPY, "p", NEW_P,
     f'INSERT OR ABORT INTO main."{NEW_P}" ("id", "name") SELECT "id", "name" FROM main."p"'),
    ("copy sequence", "table", "p", KEEP_SEQ, "", "",
     SEQ.format(to=NEW_P, src="p")),
    ("copy sequence", "table", "p", KEEP_SEQ, "", "", SEQ_ROW.format(to=NEW_P, src="p")),
    ("copy rows", "table", "c", COPY, "c", "__sync_new_c",
     'INSERT OR ABORT INTO main."__sync_new_c" ("id", "p_id") SELECT "id", "p_id" FROM main."c"'),
    ("rebuild", "table", "c", "drop the old table (nothing references it any more)", "", "",
     'DROP TABLE main."c"'),
    ("rebuild", "table", "p", "drop the old table (nothing references it any more)", "", "",
     'DROP TABLE main."p"'),
    ("setting", "pragma", "", "rename without re-checking views and triggers", "", "",
     "PRAGMA legacy_alter_table = ON"),
    ("rebuild", "table", "p", "move the new table into place", "", "",
     f'ALTER TABLE main."{NEW_P}" RENAME TO "p"'),
    ("rebuild", "table", "c", "move the new table into place", "", "",
     'ALTER TABLE main."__sync_new_c" RENAME TO "c"'),
    ("setting", "pragma", "", "restore the connection's setting", "", "",
     "PRAGMA legacy_alter_table = OFF"),
]  # fmt: skip


@pytest.mark.parametrize(("opener", "expected"), [("sqlite3", ASIDE), ("durable-object", TOGETHER)])
def test_a_rebuild_describes_each_step_and_keeps_rows_and_counter(
    opener: str, expected: list[tuple[str, ...]]
) -> None:
    """Both ways of rebuilding a table, step by step as users see them in ``plan.steps``
    (progress, the debug log, ``plan --sql``): what, on what, why, from where to where, and the
    SQL; then the rows and the AUTOINCREMENT counter are kept (kills the texts, names and
    sources of ``rebuild_steps``, ``rebuild_closure``, ``_copy`` and ``_sequence_steps`` given
    None or another text)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, FAMILY.format(""))
    conn.execute("INSERT INTO p (name) VALUES ('a'), ('b')")
    conn.execute("DELETE FROM p WHERE id = 2")
    conn.execute("INSERT INTO c VALUES (1, 1)")
    planned = inline_sync.plan(db, FAMILY.format(" COLLATE NOCASE"))
    assert [(*described([s])[0], s.sql) for s in planned.steps] == expected
    inline_sync.sync(db, FAMILY.format(" COLLATE NOCASE"))
    assert rows(conn, "SELECT * FROM c") == [(1, 1)]
    conn.execute("INSERT INTO p (name) VALUES ('c')")
    assert rows(conn, "SELECT * FROM p") == [(1, "a"), (3, "c")]


def test_a_rebuild_for_two_reasons_gives_both() -> None:
    """Each step of a rebuild says every reason for it, separated by "; " (kills the
    separator given another text)."""
    db, _ = OPENERS["sqlite3"]()
    inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);")
    planned = inline_sync.plan(
        db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT COLLATE NOCASE) STRICT;"
    )
    assert planned.steps[1].reason == (
        "rebuild (column a: COLLATE None -> nocase; STRICT added): move the old table aside"
    )


@pytest.mark.parametrize(
    ("arguments", "content"),
    [("fts4", None), ("fts5(a, x((b), c), content='')", ""), ("fts4(a, x(y(z)), content=d)", "d")],
)
def test_fts_content_of_no_arguments_and_of_nested_parentheses(
    arguments: str, content: str | None
) -> None:
    """An fts4 table declared with no arguments keeps its text in itself; an argument with
    parentheses two deep does not hide the content= option after it (kills the bounds of the
    argument list read as ``or`` or ``<=``: an IndexError, and the depth set to 1 instead of
    raised: the list then ended early)."""
    from inline_sync.virtual_tables import fts_content

    vt = parse_virtual_table(f"CREATE VIRTUAL TABLE d USING {arguments}")
    assert fts_content(vt) == content


def hidden_rowid() -> tuple[Any, Any, str]:
    """(client, connection, definitions) of a table whose columns rowid, oid and _rowid_ hide
    its rowid, with one row ('r', 'o', 'u', 'b') at rowid 2."""
    db, conn = OPENERS["sqlite3"]()
    before = "CREATE TABLE t (rowid TEXT, oid TEXT, _rowid_ TEXT, b TEXT);"
    inline_sync.sync(db, before)
    conn.execute("INSERT INTO t VALUES ('gone', 'o', 'u', 'b'), ('r', 'o', 'u', 'b')")
    conn.execute("DELETE FROM t WHERE \"rowid\" = 'gone'")
    return db, conn, before


def test_the_rowid_is_kept_aside_by_described_steps_when_columns_hide_it() -> None:
    """Columns named rowid, oid and _rowid_ hide the real rowid of both tables: the column
    rowid is renamed aside on each (SQLite 3.40 allows it) and back on the new one, each step
    described (kills ``_free_rowid``'s actions, kinds, names and reasons given None or
    another text, the aside name changed, and the alias test made ``or``)."""
    db, conn, before = hidden_rowid()
    result = inline_sync.sync(db, before.replace("b TEXT", "b TEXT NOT NULL DEFAULT ''"))
    why = "keep the rowids (columns named rowid, oid and _rowid_ hide them)"
    assert [
        (s.action, s.kind, s.name, s.sql, s.reason)
        for s in result.plan.steps
        if s.action == "copy rowids"
    ] == [
        ("copy rowids", "table", "t",
         'ALTER TABLE main."__sync_old_t" RENAME COLUMN "rowid" TO "__sync_rowid"', why),
        ("copy rowids", "table", "t",
         'ALTER TABLE main."t" RENAME COLUMN "rowid" TO "__sync_rowid"', why),
        ("copy rowids", "table", "t",
         'ALTER TABLE main."t" RENAME COLUMN "__sync_rowid" TO "rowid"', why),
    ]  # fmt: skip
    copy = next(s.sql for s in result.plan.steps if s.action == "copy rows")
    assert copy == (
        'INSERT OR ABORT INTO main."t" (rowid, "__sync_rowid", "oid", "_rowid_", "b") '
        'SELECT rowid, "__sync_rowid", "oid", "_rowid_", "b" FROM main."__sync_old_t"'
    )
    conn.execute('ALTER TABLE t RENAME COLUMN "rowid" TO r')  # to read the real rowid
    assert rows(conn, "SELECT rowid, * FROM t") == [(2, "r", "o", "u", "b")]


def test_a_rowid_alias_copied_by_name_needs_no_step_of_its_own() -> None:
    """A table whose INTEGER PRIMARY KEY is the rowid copies it as that column: no rowid
    steps even when columns are named rowid, oid and _rowid_; a new INTEGER PRIMARY KEY
    takes the old rowids, through the steps (kills the alias test made ``or``)."""
    db, conn = OPENERS["sqlite3"]()
    before = "CREATE TABLE t (id INTEGER PRIMARY KEY, rowid TEXT, oid TEXT, _rowid_ TEXT, b);"
    inline_sync.sync(db, before)
    result = inline_sync.sync(db, before.replace(" b)", " b NOT NULL DEFAULT 0)"))
    assert [s for s in result.plan.steps if s.action == "copy rowids"] == []
    db, conn, before = hidden_rowid()
    result = inline_sync.sync(db, before.replace("(rowid", "(id INTEGER PRIMARY KEY, rowid"))
    assert [s.action for s in result.plan.steps].count("copy rowids") == 3
    assert rows(conn, "SELECT * FROM t") == [(2, "r", "o", "u", "b")]


def test_a_unique_index_a_foreign_key_names_is_copied_aside_by_described_steps() -> None:
    """Where foreign keys stay on, the new parent copy gets the UNIQUE index its child's
    foreign key names under a temporary name, made before any row is copied and dropped
    once the tables are in place (kills ``_parent_key_copy``'s name and offset and
    ``rebuild_closure``'s steps given None or another text)."""
    db, _ = do_db()
    before = (
        "CREATE TABLE p (a INTEGER, code TEXT);\n"
        "CREATE UNIQUE INDEX p_code ON p (code COLLATE BINARY DESC);\n"
        "CREATE TABLE c (code TEXT REFERENCES p (code));\n"
    )
    inline_sync.sync(db, before)
    result = inline_sync.sync(db, before.replace("(a INTEGER,", "(a INTEGER NOT NULL DEFAULT 0,"))
    steps = [(s.action, s.kind, s.name, s.sql, s.reason) for s in result.plan.steps]
    made = (
        "rebuild", "table", "p",
        'CREATE UNIQUE INDEX main."__sync_new_p_code" ON "__sync_new_p" (code COLLATE BINARY DESC)',
        "index p_code on the new copy: a foreign key names it",
    )  # fmt: skip
    dropped = (
        "rebuild", "index", "__sync_new_p_code", 'DROP INDEX main."__sync_new_p_code"',
        "the temporary copy goes; the index is made under its own name",
    )  # fmt: skip
    assert made in steps and dropped in steps
    assert steps.index(made) < min(i for i, s in enumerate(steps) if s[0] == "copy rows")
    assert steps.index(dropped) > max(i for i, s in enumerate(steps) if "RENAME TO" in s[3])


def test_a_copy_one_column_over_the_hosts_limit_is_split_in_described_steps() -> None:
    """With one column more than the host allows in a statement (the rowid makes it so),
    the copy goes by columns in rowid order, then gives the rowids back through a table of
    positions; at the limit itself, one plain copy (kills ``_copy_rows``' bound made ``<``,
    the rowid read from another column, and each step's action, kind, name, SQL, reason,
    source and target changed)."""
    from inline_sync.ddl import parse_table
    from inline_sync.diff import TableDiff
    from inline_sync.rebuild import _copy_rows, _shift

    table = parse_table("CREATE TABLE w (a, b)")
    dt = TableDiff(table, table)
    targets, sources = ["rowid", '"a"', '"b"'], ["rowid", '"a"', '"b"']
    plain = _copy_rows("new_w", "w", dt, list(targets), list(sources), 3)
    assert [(s.action, s.sql, s.source, s.target) for s in plain] == [
        ("copy rows", 'INSERT OR ABORT INTO main."new_w" (rowid, "a", "b") SELECT rowid, "a", "b" '
         'FROM main."w"', "w", "new_w"),
    ]  # fmt: skip
    split = _copy_rows("new_w", "w", dt, list(targets), list(sources), 2)
    ids = 'main."__sync_rowids"'
    shift = _shift(ids)  # its three cases: tests/test_extreme_rowids.py
    keep = "keep the rowids (the host's column limit leaves no room for them in the copy)"
    assert [(s.action, s.kind, s.name, s.sql, s.reason, s.source, s.target) for s in split] == [
        ("copy columns", "table", "w",
         'INSERT OR ABORT INTO main."new_w" ("a", "b") SELECT "a", "b" FROM main."w" '
         "ORDER BY rowid",
         "copy every row into the new table", "w", "new_w"),
        ("copy rowids", "table", "w", f"CREATE TABLE {ids} (n INTEGER PRIMARY KEY, r INTEGER)",
         keep, "", ""),
        ("copy rowids", "table", "w",
         f'INSERT INTO {ids} (r) SELECT rowid FROM main."w" ORDER BY rowid', keep, "w",
         "__sync_rowids"),
        ("copy rowids", "table", "w", f'UPDATE main."new_w" SET rowid = rowid + {shift}', keep,
         "", "new_w"),
        ("copy rowids", "table", "w",
         f'UPDATE main."new_w" SET rowid = (SELECT r FROM {ids} WHERE n = main."new_w".rowid'
         f" - {shift})", keep, "", "new_w"),
        ("copy rowids", "table", "w", f"DROP TABLE {ids}", keep, "", ""),
    ]  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite3", "durable-object"])
def test_a_rebuild_keeps_rowids_when_only_the_new_table_hides_them(kind: str) -> None:
    """The new table adds a column rowid beside oid and _rowid_, which hides its rowid; the
    old one still has the name rowid for it: the copy sets the new column aside (kills
    ``column_mapping``'s test of both names made ``or``)."""
    db, conn = OPENERS["sqlite3"]() if kind == "sqlite3" else do_db()
    inline_sync.sync(db, "CREATE TABLE t (oid TEXT, _rowid_ TEXT, b TEXT);")
    conn.execute("INSERT INTO t VALUES ('gone', 'u', 'b'), ('o', 'u', 'b')")
    conn.execute("DELETE FROM t WHERE oid = 'gone'")  # the row left keeps rowid 2
    after = "CREATE TABLE t (oid TEXT, _rowid_ TEXT, b TEXT NOT NULL DEFAULT '', rowid TEXT);"
    result = inline_sync.sync(db, after)
    assert "rebuild" in [c.action for c in result.plan.changes]
    conn.execute('ALTER TABLE t RENAME COLUMN "rowid" TO r')  # to read the real rowid
    assert rows(conn, "SELECT rowid, * FROM t") == [(2, "o", "u", "b", None)]


# A table whose CHECK names a column by the table's name cannot be renamed aside (SQLite checks
# that text against the new name): the new table is made under a temporary name instead, and
# its own REFERENCES to itself stay as they are, since it takes the old name in the end.
NAMES_ITSELF = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, up INTEGER REFERENCES t(id), "
    "a INTEGER CHECK (t.a > 0){});"
)
WHY_ITSELF = "rebuild (column a: COLLATE None -> nocase)"
INTO_NEW = [
    ("setting", "pragma", "", "rename aside without rewriting other objects", "", "",
     "PRAGMA legacy_alter_table = ON"),
    ("rebuild", "table", "t", f"{WHY_ITSELF}: new definition, under a temporary name", "", "",
     'CREATE TABLE main."__sync_new_t" (id INTEGER PRIMARY KEY, up INTEGER REFERENCES t(id), '
     "a INTEGER CHECK (a > 0) COLLATE NOCASE)"),
    ("copy rows", "table", "t", COPY, "t", "__sync_new_t",
     'INSERT OR ABORT INTO main."__sync_new_t" ("id", "up", "a") SELECT "id", "up", "a" '
     'FROM main."t"'),
    ("rebuild", "table", "t", "drop the old copy", "", "", 'DROP TABLE main."t"'),
    ("rebuild", "table", "t", "move the new table into place", "", "",
     'ALTER TABLE main."__sync_new_t" RENAME TO "t"'),
    ("setting", "pragma", "", "restore the connection's setting", "", "",
     "PRAGMA legacy_alter_table = OFF"),
]  # fmt: skip


def test_a_table_that_names_itself_is_rebuilt_into_a_new_one_by_described_steps() -> None:
    """The rebuild of a table whose CHECK says ``t.a``, step by step: made under
    ``__sync_new_t`` with its REFERENCES to itself left alone, filled, the old one dropped, the
    new one renamed into place; then the rows and the self-reference still hold (kills
    ``rebuild_steps``' temporary name, the REFERENCES rewritten, and the action, kind and
    reason of its three steps given None or another text)."""
    db, conn = OPENERS["sqlite3"]()
    inline_sync.sync(db, NAMES_ITSELF.format(""))
    conn.execute("INSERT INTO t VALUES (1, NULL, 5), (2, 1, 6)")
    planned = inline_sync.plan(db, NAMES_ITSELF.format(" COLLATE NOCASE"))
    assert [(*described([s])[0], s.sql) for s in planned.steps] == INTO_NEW
    inline_sync.sync(db, NAMES_ITSELF.format(" COLLATE NOCASE"))
    assert rows(conn, "SELECT * FROM t") == [(1, None, 5), (2, 1, 6)]
    assert rows(conn, "SELECT * FROM pragma_foreign_key_list('t')")[0][2] == "t"


@pytest.mark.parametrize("kind", KINDS)
def test_their_index_on_a_column_named_like_its_table_follows_the_column_s_rename(
    kind: str,
) -> None:
    """An index that is not ours, on a rebuilt table's column named like the table (``t``),
    renamed by hint: made again on the column's new name and still on the table ``t``, saying
    why (kills ``theirs_again`` renaming names in every place, the table's after ON among them,
    and its reason given None)."""
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE t (id INTEGER PRIMARY KEY, t TEXT);", ignore=["legacy_*"])
    run(conn, "CREATE INDEX legacy_t ON t (t)")
    conn.execute("INSERT INTO t (t) VALUES ('x')")
    renamed = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY,\n"
        "  v TEXT NOT NULL DEFAULT '' -- @renamed from=t\n);"
    )
    result = sync_on(kind, client, renamed, ignore=["legacy_*"])
    assert ("recreate", "index", "legacy_t") in {
        (c.action, c.kind, c.name) for c in result.plan.changes
    }
    assert [(s.action, s.reason) for s in result.plan.steps if s.name == "legacy_t"] == [
        ("create", "not ours (ignored), on table t, which is made again")
    ]
    assert rows(conn, "SELECT lower(tbl_name), sql FROM sqlite_master WHERE name = 'legacy_t'") == [
        ("t", 'CREATE INDEX legacy_t ON t ("v")')
    ]
    assert rows(conn, "SELECT * FROM t") == [(1, "x")]


@pytest.mark.parametrize(
    "theirs",
    [
        "",  # the column named like its table, unqualified: nothing names the table
        "CREATE INDEX legacy_u ON u (a) WHERE u.a > 0",  # on another table, naming that one
        "CREATE TRIGGER legacy_tr AFTER INSERT ON t BEGIN DELETE FROM u; END",  # not an index
    ],
)
def test_a_table_that_does_not_name_itself_is_moved_aside(theirs: str) -> None:
    """The old copy is renamed aside (the cheaper, usual way) unless the table's text, or that
    of an index of theirs on it, names a column by the table's name: not for a column named
    like the table, nor for an index on another table, nor for a trigger (kills
    ``_names_itself`` taking any mention of the name, and ``their_indexes`` taking what is not
    an index on the rebuilt table)."""
    before = "CREATE TABLE t (id INTEGER PRIMARY KEY, t INT CHECK (t > 0));\nCREATE TABLE u (a);"
    db, conn = OPENERS["sqlite3"]()
    inline_sync.sync(db, before, ignore=["legacy_*"])
    if theirs:
        run(conn, theirs)
    planned = inline_sync.plan(db, before.replace("t INT", "t TEXT"), ignore=["legacy_*"])
    assert planned.steps[1].sql == 'ALTER TABLE main."t" RENAME TO "__sync_old_t"'


def test_a_column_renamed_to_a_new_case_or_by_hint_says_which() -> None:
    """A RENAME COLUMN step says why: the declared case of the same column, or the hint
    (kills ``rename_columns`` giving every rename the hint's reason)."""
    db, _ = OPENERS["sqlite3"]()
    inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b INT);")
    planned = inline_sync.plan(
        db, "CREATE TABLE t (id INTEGER PRIMARY KEY, A INT,\n  c INT -- @renamed from=b\n);"
    )
    assert [(s.action, s.sql, s.reason) for s in planned.steps] == [
        (
            "rename column",
            'ALTER TABLE main."t" RENAME COLUMN "b" TO "c"',
            "@renamed hint on column c",
        ),
        (
            "rename column",
            'ALTER TABLE main."t" RENAME COLUMN "a" TO "A"',
            "column a declared as A",
        ),
    ]
