"""Tests written to kill surviving mutants of ``inline_sync/verify.py`` (issue 14,
docs/mutation-testing.md). Each names, in its docstring, the mutations it catches.

verify decides which foreign keys are counted before commit: one left out lets a violation
through, one too many scans a table for nothing (or fails on a reference already broken)."""

from __future__ import annotations

import sqlite3

import pytest
from memory_clients import everything, open_client, run, sync_on

import inline_sync

P = "CREATE TABLE p (id INTEGER PRIMARY KEY, n TEXT);\n"
C = "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p, note TEXT);\n"


def checks(before: str, after: str, data: str = "") -> list[tuple[object, ...]]:
    """The foreign key checks the plan from ``before`` (and ``data``) to ``after`` holds."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, definitions=before)
    run(conn, data)
    plan = inline_sync.plan(conn, definitions=after)
    return [(c.before, c.after, c.parents) for c in plan.fk_checks]


def test_a_parent_rebuilt_keeping_the_primary_key_a_reference_implies_scans_nothing() -> None:
    """``REFERENCES p`` names no column: p's PRIMARY KEY is the key, kept as it was (kills
    _key_columns finding no key, or the primary key's columns only when there is none)."""
    assert checks(P + C, P.replace("n TEXT", "n TEXT NOT NULL DEFAULT ''") + C) == []
    # Its type changed: the key's values may change.
    assert checks(P + C, P.replace("id INTEGER PRIMARY KEY", "id TEXT PRIMARY KEY") + C) == [
        ("c", "c", (("p", "p"),))
    ]


@pytest.mark.parametrize("default", ["", " DEFAULT NULL", " DEFAULT null"])
@pytest.mark.parametrize("rebuilt", [False, True])
def test_a_new_reference_column_null_in_every_row_is_not_counted(
    default: str, rebuilt: bool
) -> None:
    """A column added with REFERENCES and no default but NULL is NULL in every row: no row
    can violate it, added by ADD COLUMN or by a rebuild (kills the NULL default spelt
    otherwise, and a rebuilt table's new foreign key counted whatever it holds)."""
    after = C.replace("note TEXT", f"note TEXT, q_id INT REFERENCES p{default}")
    if rebuilt:
        after = after.replace("note TEXT", "note TEXT NOT NULL DEFAULT ''")
    assert checks(P + C, P + after) == []


def test_a_new_reference_over_values_is_counted() -> None:
    """A new foreign key over a column that holds values: one there before, or a new one with
    a default, generated, or made the rowid (kills the new foreign key taken for one that
    cannot break)."""
    two = "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT, note TEXT);\n"
    assert checks(P + two, P + C) == [(None, "c", (("p", "p"),))]
    with_default = C.replace("note TEXT", "note TEXT, q_id INT REFERENCES p DEFAULT 1")
    assert checks(P + C, P + with_default) == [("c", "c", (("p", "p"),))]
    generated = C.replace("note TEXT", "note TEXT, q_id INT AS (p_id + 1) REFERENCES p")
    assert checks(P + C, P + generated) == [("c", "c", (("p", "p"),))]
    # A new INTEGER PRIMARY KEY takes the rowids the rows had.
    no_alias = "CREATE TABLE c (p_id INT REFERENCES p, note TEXT);\n"
    alias = no_alias.replace("(p_id", "(k INTEGER PRIMARY KEY REFERENCES p, p_id")
    assert checks(P + no_alias, P + alias) == [("c", "c", (("p", "p"),))]


def test_a_dangling_reference_that_stays_is_not_counted_a_created_parent_is() -> None:
    """A reference to a table that exists on neither side stays exactly as broken as it was;
    one whose parent the plan creates breaks for every row (kills the two told apart the
    other way round)."""
    rebuilt = C.replace("note TEXT", "note TEXT NOT NULL DEFAULT ''")
    assert checks(C, rebuilt) == []
    assert checks(C, P + C) == [("c", "c", (("p", "p"),))]


def test_a_reference_to_no_key_is_not_counted_where_its_parent_stays() -> None:
    """``REFERENCES p(n)`` with n no key of p: SQLite reports a mismatch when it counts it.
    p unchanged, the child altered: nothing to count (kills a parent counted whatever)."""
    child = "CREATE TABLE c (id INTEGER PRIMARY KEY, p_n TEXT REFERENCES p(n));\n"
    after = P + child.replace("p(n)", "p(n), note TEXT")
    assert checks(P + child, after) == []
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, definitions=P + child)
    assert inline_sync.sync(conn, definitions=after).status == "synced"


def test_a_renamed_child_is_counted_under_its_old_name_before() -> None:
    """The child renamed by hint and its key column's type changed: counted before as c,
    after as d (kills the old name looked up by another key)."""
    after = "CREATE TABLE d ( -- @renamed from=c\n" + C.split("(", 1)[1].replace(
        "INT REF", "TEXT REF"
    )
    assert checks(P + C, P + after) == [("c", "d", (("p", "p"),))]


IGNORED_CHILD = "CREATE TABLE legacy_c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id));"


@pytest.mark.parametrize("kind", ["durable-object", "d1"])
@pytest.mark.parametrize(
    ("change", "verb"),
    [("n TEXT NOT NULL DEFAULT ''", "rebuild"), (None, "drop")],
)
@pytest.mark.parametrize("action", ["", "RESTRICT", "CASCADE", "SET NULL"])
def test_an_ignored_table_referencing_a_table_to_rebuild_or_drop_is_refused(
    kind: str, change: str | None, verb: str, action: str
) -> None:
    """Where foreign keys stay on: refused whole, saying what would happen, even after an
    index and a virtual table of theirs (kills the verb spelt otherwise, and the first
    object that is not a table, or not readable as one, ending the search)."""
    client, conn = open_client(kind)
    sync_on(kind, client, P)
    run(
        conn,
        "CREATE INDEX legacy_ix ON p (n);\n"
        "CREATE VIRTUAL TABLE legacy_fts USING fts5(references_note);\n"
        + IGNORED_CHILD.replace("(id)", f"(id) ON DELETE {action}" if action else "(id)"),
    )
    before = everything(conn)
    after = P.replace("n TEXT", change) if change else "CREATE TABLE other (x);"
    with pytest.raises(inline_sync.SyncError) as raised:
        sync_on(kind, client, after, ignore=["legacy_*"], allow_destructive=True)
    # NO ACTION and RESTRICT run nothing: the rows left without their parent fail.
    what = (
        f"would run the ON DELETE {action} of 'legacy_c' on its rows"
        if action in ("CASCADE", "SET NULL")
        else f"would fail on the rows of 'legacy_c' that reference it (ON DELETE "
        f"{action or 'NO ACTION'})"
    )
    assert str(raised.value) == (
        f"cannot {verb} table 'p': table 'legacy_c', which is ignored (inline_sync leaves it "
        "alone), references it, and foreign keys cannot be switched off here: dropping the "
        f"old copy {what}. Declare 'legacy_c', or change it yourself first"
    )
    assert everything(conn) == before


SWAP_COLUMNS = (
    "CREATE TABLE {name} ( -- {hint}\n"
    "  b TEXT, -- @renamed from=a\n"
    "  a TEXT -- @renamed from=b\n);\n"
)


@pytest.mark.parametrize("renamed", [False, True])
def test_column_hints_in_a_cycle_are_refused_naming_them(renamed: bool) -> None:
    """Two columns swapped by hints, in the second table, the table also renamed by a hint
    or not (kills the table's hint not followed to its columns, the first table without
    column hints ending the search, and the names in the message joined otherwise)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    first = "CREATE TABLE first (x);\n"
    inline_sync.sync(conn, definitions=first + "CREATE TABLE t (a TEXT, b TEXT);")
    name, hint = ("u", "@renamed from=t") if renamed else ("t", "two columns swapped")
    after = first + SWAP_COLUMNS.format(name=name, hint=hint)
    with pytest.raises(inline_sync.DefinitionError) as raised:
        inline_sync.sync(conn, definitions=after)
    assert (
        str(raised.value)
        .splitlines()[0]
        .endswith(
            f"the @renamed hints of columns b and a of table {name} form a cycle, which "
            "inline_sync cannot tell from one already made: swap in two syncs, through a name of "
            "your own"
        )
    )


def test_table_hints_in_a_cycle_name_the_first_table_of_the_cycle() -> None:
    """The statement named is the first of the cycle, as hint_cycles gives it (kills another
    table of the cycle named)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, definitions="CREATE TABLE a (x);\nCREATE TABLE b (y);")
    swapped = (
        "CREATE TABLE b ( -- @renamed from=a\n  x);\nCREATE TABLE a ( -- @renamed from=b\n  y);\n"
    )
    with pytest.raises(inline_sync.DefinitionError) as raised:
        inline_sync.sync(conn, definitions=swapped)
    message = str(raised.value)
    assert "the @renamed hints of tables " in message
    cycle_first = message.split("the @renamed hints of tables ")[1].split(" and ")[0]
    assert raised.value.statement is not None
    assert raised.value.statement.startswith(f"CREATE TABLE {cycle_first} (")


@pytest.mark.parametrize("kind", ["sqlite3", "apsw", "durable-object", "d1"])
def test_a_reference_on_a_column_renamed_by_hint_is_no_new_column(kind: str) -> None:
    """The column renamed by a hint keeps its values: a foreign key put on it in the same sync
    is counted, and a value without parent refuses the sync, the database as it was."""
    client, conn = open_client(kind)
    sync_on(kind, client, P + "CREATE TABLE c (id INTEGER PRIMARY KEY, a INT);")
    run(
        conn,
        "INSERT INTO p VALUES (1, 'x');\nINSERT INTO c VALUES (1, 1);\nINSERT INTO c VALUES (2, 7)",
    )
    after = (
        P + "CREATE TABLE c (id INTEGER PRIMARY KEY,\n  b INT REFERENCES p -- @renamed from=a\n);"
    )
    assert checks(P + "CREATE TABLE c (id INTEGER PRIMARY KEY, a INT);", after) == [
        (None, "c", (("p", "p"),))
    ]
    before = everything(conn)
    with pytest.raises(inline_sync.ApplyError):
        sync_on(kind, client, after)
    assert everything(conn) == before


def test_a_reference_to_the_primary_key_of_a_parent_without_one_is_counted() -> None:
    """``REFERENCES p`` where p has no PRIMARY KEY names no key (SQLite reports a mismatch
    when it counts it): p rebuilt, the reference can be no stable key, and is counted (kills
    the primary key's columns read where there is none)."""
    keyless = "CREATE TABLE p (n TEXT, m TEXT);\n"
    child = "CREATE TABLE c (id INTEGER PRIMARY KEY, p_n TEXT REFERENCES p);\n"
    assert checks(
        keyless + child, keyless.replace("m TEXT", "m TEXT NOT NULL DEFAULT ''") + child
    ) == [("c", "c", (("p", "p"),))]
