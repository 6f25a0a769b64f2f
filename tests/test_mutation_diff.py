"""Tests written to kill surviving mutants of ``inline_sync/diff.py`` (issue 14,
docs/mutation-testing.md). Each names, in its docstring, the mutations it catches. Through
stdlib sqlite3, apsw and the Durable Object stand-in (``tests/memory_clients.py``)."""

from __future__ import annotations

import sqlite3

import pytest
from memory_clients import OPENERS, rows, run

import inline_sync
from inline_sync.apply import apply_plan
from inline_sync.clients import SQLite3Client
from inline_sync.definitions import parse_definitions
from inline_sync.diff import Capabilities
from inline_sync.introspect import build_schema
from inline_sync.models import Schema
from inline_sync.names import ignore_filter
from inline_sync.plan import SyncPlan
from inline_sync.planner import PlanInput, build_plan
from inline_sync.scratch import read_objects

# par's column code is renamed by a hint; c references par twice: by its primary key with no
# column list (followed by a column of c's own that is also called code), and through a
# two-column key of which only one column is renamed.
PARENT_BEFORE = """
CREATE TABLE par (id INTEGER PRIMARY KEY, code TEXT, kind TEXT, UNIQUE (kind, code));
CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES par, code TEXT,
                k TEXT, cd TEXT, FOREIGN KEY (k, cd) REFERENCES par(kind, code));
"""
PARENT_AFTER = """
CREATE TABLE par (id INTEGER PRIMARY KEY, ref TEXT -- @renamed from=code
    , kind TEXT, UNIQUE (kind, ref));
CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES par, code TEXT,
                k TEXT, cd TEXT, FOREIGN KEY (k, cd) REFERENCES par(kind, ref));
"""


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_parent_column_renamed_by_hint_is_followed_only_in_the_childs_references(
    opener: str,
) -> None:
    """SQLite's RENAME COLUMN rewrites the child's ``REFERENCES par(kind, code)``; the planner
    must expect exactly that, so the plan is the one RENAME COLUMN and the child keeps its
    rows. Kills, in ``rename_references``: the column list entered after a REFERENCES without
    one (``moved or …``: the child's own column ``code`` read as the parent's), and every name
    of the list edited (``is_name or …``: ``kind`` is not renamed)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, PARENT_BEFORE)
    conn.execute("INSERT INTO par VALUES (1, 'x', 'a')")
    conn.execute("INSERT INTO c VALUES (1, 1, 'keep', 'a', 'x')")
    result = inline_sync.sync(db, PARENT_AFTER)
    assert result.statements == ('ALTER TABLE main."par" RENAME COLUMN "code" TO "ref"',)
    assert rows(conn, "SELECT * FROM c") == [(1, 1, "keep", "a", "x")]
    assert inline_sync.plan(db, PARENT_AFTER).statements == []


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_renamed_parent_column_is_followed_only_inside_the_references_list(opener: str) -> None:
    """A column-level ``REFERENCES p(a)`` followed by a column of the child's own also called
    ``a``: only the name inside the parentheses follows the parent's rename (kills, in
    ``rename_references``, the list's ")" altered: the walk went on past it, renamed the
    child's own column in the expected text, and the plan dropped it, losing its values)."""
    db, conn = OPENERS[opener]()
    before = (
        "CREATE TABLE p (id INTEGER PRIMARY KEY, a TEXT UNIQUE);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, pa TEXT REFERENCES p(a), a TEXT);\n"
    )
    inline_sync.sync(db, before)
    run(conn, "INSERT INTO p VALUES (1, 'x');\nINSERT INTO c VALUES (1, 'x', 'own')")
    after = before.replace("a TEXT UNIQUE", "a2 TEXT UNIQUE -- @renamed from=a\n").replace(
        "p(a)", "p(a2)"
    )
    result = inline_sync.sync(db, after)
    assert result.statements == ('ALTER TABLE main."p" RENAME COLUMN "a" TO "a2"',)
    assert rows(conn, "SELECT * FROM c") == [(1, "x", "own")]
    assert inline_sync.plan(db, after).statements == []


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_column_renamed_by_hint_in_a_table_rebuilt_for_its_check_keeps_its_values(
    opener: str,
) -> None:
    """A column renamed by a hint in a table rebuilt for another reason (an unnamed CHECK
    changes): the copy moves the old column's values to the new name (kills the rebuild's
    ``column_renames`` left out in ``compare_table``'s last rebuild: the copy read "b" from a
    table without it, which SQLite took for the string 'b', or refused)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, n INT, CHECK (n > 0));")
    conn.execute("INSERT INTO t VALUES (1, 'keep', 5)")
    after = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY,\n b TEXT, -- @renamed from=a\n"
        " n INT, CHECK (n > 1));"
    )
    result = inline_sync.sync(db, after)
    ((action, reasons),) = [(c.action, c.reasons) for c in result.plan.changes]
    assert (action, reasons[0]) == ("rebuild", "rename column a -> b")  # and the CHECK's
    assert rows(conn, "SELECT id, b, n FROM t") == [(1, "keep", 5)]


NAMED = "CREATE TABLE t (id INTEGER, a INT, p INT, {});"


@pytest.mark.parametrize("opener", list(OPENERS))
@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        ("CONSTRAINT uq_old UNIQUE (a)", "CONSTRAINT uq_new UNIQUE (a)",
         "UNIQUE constraint name uq_old -> uq_new"),
        ("UNIQUE (a)", "CONSTRAINT uq_new UNIQUE (a)", "UNIQUE constraint name (none) -> uq_new"),
        ("CONSTRAINT uq_old UNIQUE (a)", "UNIQUE (a)", "UNIQUE constraint name uq_old -> (none)"),
        ("CONSTRAINT pk_old PRIMARY KEY (id)", "CONSTRAINT pk_new PRIMARY KEY (id)",
         "PRIMARY KEY constraint name pk_old -> pk_new"),
        ("CONSTRAINT fk_old FOREIGN KEY (p) REFERENCES t (id)",
         "CONSTRAINT fk_new FOREIGN KEY (p) REFERENCES t (id)",
         "FOREIGN KEY constraint name fk_old -> fk_new"),
    ],
)  # fmt: skip
def test_a_constraint_name_given_changed_or_taken_away_is_reported_as_such(
    opener: str, before: str, after: str, reason: str
) -> None:
    """A change of only a constraint's name is planned (a rebuild) with the reason saying
    what kind of constraint, which name it had and which it gets, ``(none)`` for no name
    (kills ``_renamed``'s ``old or '(none)'`` and ``c.name or '(none)'`` made ``and`` or
    given another text, and ``compare_table`` handing it another kind)."""
    db, _ = OPENERS[opener]()
    inline_sync.sync(db, NAMED.format(before))
    planned = inline_sync.plan(db, NAMED.format(after))
    assert [(c.name, c.action, c.reasons) for c in planned.changes] == [("t", "rebuild", (reason,))]


def schema_of(conn: sqlite3.Connection) -> Schema:
    return build_schema(read_objects(SQLite3Client(conn), "main"), ignore_filter(), set())


def plan_as_on(version: tuple[int, ...], conn: sqlite3.Connection, desired: str) -> SyncPlan:
    """The plan for ``conn`` as the planner makes it where SQLite is at ``version`` (the
    connection's own SQLite then runs it: what the old release would run)."""
    scratch = sqlite3.connect(":memory:")
    scratch.executescript(desired)
    inp = PlanInput(
        parse_definitions(desired, ignore_filter()), Capabilities(version), False, False,
        lambda name: True, lambda side, name: [], "scratch-db",
    )  # fmt: skip
    return build_plan(schema_of(conn), schema_of(scratch), inp)


def test_a_column_renamed_by_hint_before_sqlite_3_25_is_rebuilt_with_its_values() -> None:
    """Before 3.25 (no RENAME COLUMN) a hinted rename is a rebuild that copies the old
    column's values into the new one (kills ``compare_table`` handing None for the current
    table: the rebuild reads the old columns from it)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT);")
    conn.execute("INSERT INTO t VALUES (1, 'x')")
    desired = "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT -- @renamed from=b\n);"
    planned = plan_as_on((3, 24, 0), conn, desired)
    assert [(c.action, c.reasons) for c in planned.changes] == [
        ("rebuild", ("rename columns (by rebuild: SQLite < 3.25)",))
    ]
    conn.execute("BEGIN")
    apply_plan(SQLite3Client(conn), planned)
    conn.execute("COMMIT")
    assert rows(conn, "SELECT * FROM t") == [(1, "x")]
    assert rows(conn, "SELECT name FROM pragma_table_info('t')") == [("id",), ("c",)]


@pytest.mark.parametrize("opener", list(OPENERS))
@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        ("", " STRICT", "STRICT added"),
        (" STRICT", "", "STRICT removed"),
        ("", " WITHOUT ROWID", "WITHOUT ROWID added"),
        (" WITHOUT ROWID", "", "WITHOUT ROWID removed"),
    ],
)
def test_a_table_option_added_or_removed_is_reported_as_such(
    opener: str, before: str, after: str, reason: str
) -> None:
    """STRICT and WITHOUT ROWID need a rebuild, and the reason says which option and which
    way (kills the ``added``/``removed`` choice forced or given another text), and the rows
    are kept."""
    db, conn = OPENERS[opener]()
    table = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT){};"
    inline_sync.sync(db, table.format(before))
    run(conn, "INSERT INTO t VALUES (1, 'x')")
    result = inline_sync.sync(db, table.format(after))
    assert [(c.name, c.action, c.reasons) for c in result.plan.changes] == [
        ("t", "rebuild", (reason,))
    ]
    assert rows(conn, "SELECT * FROM t") == [(1, "x")]


TWO = (
    "CREATE TABLE par (id INTEGER PRIMARY KEY);\nCREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT{});"
)


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_new_not_null_column_defaulting_to_null_on_rows_is_refused_with_the_hint(
    opener: str,
) -> None:
    """``NOT NULL DEFAULT NULL`` is no default: on a table with rows the new column needs a
    rebuild, whose copy fails with the hint saying what to do, not ALTER's bare refusal
    (kills the ``"null"`` of that test given another text)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, TWO.format(""))
    conn.execute("INSERT INTO t VALUES (1, 'x')")
    with pytest.raises(inline_sync.ApplyError) as failed:
        inline_sync.sync(db, TWO.format(", b TEXT NOT NULL DEFAULT NULL"))
    assert "(the new column b is NOT NULL without a DEFAULT" in str(failed.value)
    assert rows(conn, "SELECT * FROM t") == [(1, "x")]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_new_column_with_references_and_default_null_is_added_in_place(opener: str) -> None:
    """A new column with REFERENCES may be added by ALTER when its default is NULL (SQLite
    refuses only a non-NULL default), so no rebuild (kills that ``"null"`` given another
    text)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, TWO.format(""))
    conn.execute("INSERT INTO t VALUES (1, 'x')")
    result = inline_sync.sync(db, TWO.format(", p INTEGER REFERENCES par DEFAULT NULL"))
    assert result.statements == (
        'ALTER TABLE main."t" ADD COLUMN p INTEGER REFERENCES par DEFAULT NULL',
    )
    assert rows(conn, "SELECT * FROM t") == [(1, "x", None)]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_new_column_under_a_table_level_foreign_key_gets_that_key(opener: str) -> None:
    """A new column whose foreign key is a table constraint (``FOREIGN KEY (p) REFERENCES
    par``), not a REFERENCES on the column, cannot come with ADD COLUMN: the table is rebuilt
    and has the key afterwards (kills ``fk_of_added``'s ``col is not None and col.references``
    made ``or``: the key was left out and never made)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, TWO.format(""))
    conn.execute("INSERT INTO par VALUES (7)")
    conn.execute("INSERT INTO t VALUES (1, 'x')")
    result = inline_sync.sync(db, TWO.format(", p INTEGER, FOREIGN KEY (p) REFERENCES par"))
    assert [(c.action, c.reasons) for c in result.plan.changes] == [
        ("rebuild", ("add column p", "foreign keys change"))
    ]
    assert rows(conn, 'SELECT "from", "table" FROM pragma_foreign_key_list(\'t\')') == [
        ("p", "par")
    ]
    assert rows(conn, "SELECT * FROM t") == [(1, "x", None)]
    assert (
        inline_sync.plan(db, TWO.format(", p INTEGER, FOREIGN KEY (p) REFERENCES par")).steps == ()
    )


SAME_CHECK = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT{}, CHECK (a > 0));"


@pytest.mark.parametrize("opener", list(OPENERS))
@pytest.mark.parametrize(
    ("before", "after", "statement"),
    [
        ("", ", b INT CHECK (b > 0)", 'ALTER TABLE main."t" ADD COLUMN b INT CHECK (b > 0)'),
        ("", ", b INT CHECK (a > 0)", 'ALTER TABLE main."t" ADD COLUMN b INT CHECK (a > 0)'),
        (", b INT CHECK (a > 0)", "", 'ALTER TABLE main."t" DROP COLUMN "b"'),
    ],
)
def test_a_column_check_comes_and_goes_with_its_column(
    opener: str, before: str, after: str, statement: str
) -> None:
    """A column's own CHECK comes with ADD COLUMN and goes with DROP COLUMN, also when the
    table has a table-level CHECK of the same expression, which stays: one statement, no
    rebuild, no other CHECK change (kills the counting of column CHECKs of added and dropped
    columns: the counter not filled, or decremented by 2, incremented, or set to 1, which
    took the table's own CHECK for the column's)."""
    db, conn = OPENERS[opener]()
    inline_sync.sync(db, SAME_CHECK.format(before))
    conn.execute("INSERT INTO t (id, a) VALUES (1, 5)")
    result = inline_sync.sync(db, SAME_CHECK.format(after), allow_destructive=True)
    assert result.statements == (statement,)
    assert inline_sync.plan(db, SAME_CHECK.format(after)).steps == ()


def test_renamed_index_renames_columns_only_where_columns_stand() -> None:
    """An index on a column named like its table: RENAME COLUMN t -> u renames the column,
    not the table it is on (kills the column renames made at every place)."""
    from inline_sync.ddl import parse_index
    from inline_sync.diff import renamed_index

    index = parse_index('CREATE INDEX i ON t (t, "T" COLLATE nocase)')
    moved = renamed_index(index, {}, {"t": "u"})
    assert moved.sql == 'CREATE INDEX i ON t ("u", "u" COLLATE nocase)'
    assert renamed_index(index, {}, {}) is index


@pytest.mark.parametrize(
    ("table", "renames", "expected"),
    [
        # A WITHOUT ROWID key column that a UNIQUE also covers: RENAME COLUMN refuses it.
        ("k TEXT PRIMARY KEY, v INT, UNIQUE (k)) WITHOUT ROWID", (("k", "k2"),), True),
        # A UNIQUE over another column, or a rowid table: it renames.
        ("k TEXT PRIMARY KEY, v INT, UNIQUE (v)) WITHOUT ROWID", (("k", "k2"),), False),
        ("k TEXT PRIMARY KEY, v INT, UNIQUE (k))", (("k", "k2"),), False),
        # The renamed column is another than the key.
        ("k TEXT PRIMARY KEY, v INT, UNIQUE (k)) WITHOUT ROWID", (("v", "w"),), False),
        # A rowid table without a PRIMARY KEY.
        ("k TEXT, v INT, UNIQUE (k))", (("k", "k2"),), False),
    ],
)
def test_a_key_column_in_a_unique_is_renamed_by_the_copy_only_where_sqlite_refuses(
    table: str, renames: tuple[tuple[str, str], ...], expected: bool
) -> None:
    """(kills _key_in_unique's tests joined otherwise and its sets united instead of met)."""
    from inline_sync.ddl import parse_table
    from inline_sync.diff import _key_in_unique

    assert _key_in_unique(parse_table(f"CREATE TABLE w ({table}"), renames) is expected


def test_a_key_column_renamed_by_the_copy_says_why() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    before = "CREATE TABLE w (k TEXT PRIMARY KEY, v INT, UNIQUE (k)) WITHOUT ROWID;"
    inline_sync.sync(conn, definitions=before)
    after = (
        "CREATE TABLE w (k2 TEXT PRIMARY KEY, -- @renamed from=k\n  v INT, UNIQUE (k2)) "
        "WITHOUT ROWID;"
    )
    (change,) = inline_sync.plan(conn, definitions=after).changes
    assert "renamed by the copy (SQLite refuses to rename this key column)" in change.reasons
