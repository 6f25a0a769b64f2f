"""Tests written to kill surviving mutants of ``inline_sync/verify.py`` (issue 14,
docs/mutation-testing.md). Each names, in its docstring, the mutations it catches.

verify decides which foreign keys are counted before commit: one left out lets a violation
through, one too many scans a table for nothing (or fails on a reference already broken)."""

from __future__ import annotations

import sqlite3

import pytest
from memory_clients import KINDS, everything, open_client, run, sync_on

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


# refuse_lost_parent_keys: a table that is not ours (ignored) with a foreign key to ours. On
# sqlite3 foreign keys are off during the sync: no other refusal comes first.
T_K = "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v);\n"


def _refusal(before: str, theirs: str, after: str, kind: str = "sqlite3") -> str | None:
    """The SyncError a sync from ``before`` (and ``theirs``, ignored) to ``after`` raises,
    checking that it changed nothing; None when it synced."""
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    run(conn, theirs)
    kept = everything(conn)
    try:
        sync_on(kind, client, after, ignore=["ign_*"], allow_destructive=True)
    except inline_sync.SyncError as exc:
        assert everything(conn) == kept
        return str(exc)
    return None


#: (before, theirs, after, the words the refusal must hold)
LOST_KEYS = {
    # After a view and a virtual table of theirs (kills `continue` -> `break` for an object that
    # is not a table, and for a table that does not parse: a virtual table's).
    "after their view and virtual table": (
        T_K,
        "CREATE VIEW ign_a AS SELECT 1;\nCREATE VIRTUAL TABLE ign_b USING fts5(x, content='');\n"
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v);",
        "cannot drop column t.k:",
    ),
    # Their first foreign key names a table that is not ours (no parent: kills the parent's key
    # looked up regardless, None.primary_key), the second ours (kills `continue` -> `break`).
    "after a reference to no table of ours": (
        T_K,
        "CREATE TABLE ign_c (x REFERENCES nowhere, y REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v);",
        "cannot drop column t.k:",
    ),
    # Their first foreign key names a column that is no key (kills `continue` -> `break`).
    "after a reference to no key": (
        T_K,
        "CREATE TABLE ign_c (x REFERENCES t(v), y REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v);",
        "cannot drop column t.k:",
    ),
    # The key of two columns, written as the table writes them (kills the separator altered,
    # and the folded names taken for the table's).
    "a key of two columns": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, A TEXT, B TEXT, v, UNIQUE (A, B));",
        "CREATE TABLE ign_c (x, y, FOREIGN KEY (x, y) REFERENCES t(a, b))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, A TEXT, B TEXT, v);",
        "makes t(A, B) a key:",
    ),
    # The parent renamed (by hint) and its key taken away: its diff is under the new name
    # (kills the desired name looked up under None).
    "the parent renamed": (
        T_K,
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE u ( -- @renamed from=t\n id INTEGER PRIMARY KEY, k TEXT, v);",
        "makes t(k) a key:",
    ),
    # A hint to rename another table onto the parent's name, which the parent keeps: its
    # columns are compared with the new definition (the hint is not followed).
    "the parent's name given to another": (
        T_K + "CREATE TABLE s (id INTEGER PRIMARY KEY, z);",
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t ( -- @renamed from=s\n id INTEGER PRIMARY KEY, z);",
        "cannot drop column t.k:",
    ),
    # A key column dropped by a rebuild that renames another column by its copy: a drop, not a
    # rename (kills `and not by_alter` -> `or not by_alter`).
    "dropped where the copy renames another": (
        "CREATE TABLE t (k TEXT PRIMARY KEY, u TEXT UNIQUE, v, UNIQUE (k)) WITHOUT ROWID;",
        "CREATE TABLE ign_c (x REFERENCES t(u))",
        "CREATE TABLE t (kk TEXT PRIMARY KEY, -- @renamed from=k\n v, UNIQUE (kk)) WITHOUT ROWID;",
        "cannot drop column t.u:",
    ),
    # A UNIQUE index on the column, in ascending order spelled out, dropped (kills "asc"
    # altered, which took the term for an expression).
    "an ascending unique index dropped": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);\n"
        "CREATE UNIQUE INDEX t_k ON t (k ASC);",
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);",
        "makes t(k) a key:",
    ),
    # A UNIQUE index on the column, in descending order, dropped (kills the index's column
    # with ASC or DESC taken for no column).
    "a descending unique index dropped": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);\n"
        "CREATE UNIQUE INDEX t_k ON t (k DESC);",
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);",
        "makes t(k) a key:",
    ),
    # A UNIQUE index on the two columns of their foreign key, dropped (kills the index's
    # columns misread).
    "a unique index on two columns dropped": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a, b, v);\nCREATE UNIQUE INDEX t_ab ON t (b, a);",
        "CREATE TABLE ign_c (x, y, FOREIGN KEY (x, y) REFERENCES t(a, b))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a, b, v);",
        "makes t(a, b) a key:",
    ),
    # The primary key widened: a reference naming no column no longer matches it (kills the
    # key's length test dropped), even with a UNIQUE index on the table (kills the empty key
    # taken for one: `not columns or` -> `and`).
    "the primary key widened": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v);\nCREATE UNIQUE INDEX t_v ON t (v);",
        "CREATE TABLE ign_c (x REFERENCES t)",
        "CREATE TABLE t (id INTEGER, v, PRIMARY KEY (id, v));\nCREATE UNIQUE INDEX t_v ON t (v);",
        "makes t(id) a key:",
    ),
}


@pytest.mark.parametrize("case", LOST_KEYS)
def test_a_parent_key_of_theirs_taken_away_is_refused_naming_it(case: str) -> None:
    """Each of ``LOST_KEYS``: refused, naming the reason and the key as the table writes it,
    and what SQLite would say (kills the two messages altered)."""
    before, theirs, after, words = LOST_KEYS[case]
    message = _refusal(before, theirs, after)
    assert message is not None and words in message, message
    said = (
        "(no such table)." if words.startswith("cannot drop table") else "(foreign key mismatch)."
    )
    assert said in message, message


def test_a_parent_dropped_is_refused_saying_no_such_table() -> None:
    """The parent table dropped: SQLite would say "no such table" (kills it altered)."""
    message = _refusal(T_K, "CREATE TABLE ign_c (x REFERENCES t(k))", "CREATE TABLE o (x);")
    assert message is not None and "cannot drop table 't':" in message, message
    assert "(no such table)." in message, message


#: (before, theirs, after): no refusal
NO_KEY_BEFORE = {
    # A reference of one column to a primary key of two: a mismatch before the plan (kills
    # `parent is None or` -> `and` on the length test).
    "one column to a key of two": (
        "CREATE TABLE t (a, b, v, PRIMARY KEY (a, b));",
        "CREATE TABLE ign_c (x REFERENCES t)",
        "CREATE TABLE t (a, b, PRIMARY KEY (a, b));",
    ),
    # An index that is not UNIQUE makes no key (kills the index's tests joined by `or`).
    "an index not unique": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);\nCREATE INDEX t_k ON t (k);",
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT);",
    ),
    # A UNIQUE index on another table (kills `ix.table == table.key or ...`).
    "a unique index on another table": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);\nCREATE TABLE o (k);\n"
        "CREATE UNIQUE INDEX o_k ON o (k);",
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT);\nCREATE TABLE o (k);",
    ),
    # A partial UNIQUE index makes no key (kills " where " altered).
    "a partial unique index": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);\n"
        "CREATE UNIQUE INDEX t_k ON t (k) WHERE k > '';",
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT);",
    ),
    # A UNIQUE index on more columns than the reference names makes no key for it: SQLite's
    # parent key is exactly an index's columns (was a false refusal).
    "a unique index on more columns": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);\n"
        "CREATE UNIQUE INDEX t_kv ON t (k, v);",
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT);",
    ),
    # Nor one with a collation other than the column's (SQLite: mismatch).
    "a unique index with another collation": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);\n"
        "CREATE UNIQUE INDEX t_k ON t (k COLLATE nocase);",
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT);",
    ),
    # Nor a partial one whose WHERE ends in the column in brackets (kills the column list
    # read after the last bracket, which found "k" there).
    "a partial unique index ending in (k)": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);\n"
        "CREATE UNIQUE INDEX t_k ON t (k) WHERE length(k);",
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT);",
    ),
    # Nor one on an expression of two words, the column and an operator (kills the
    # two-word test made a three-word one, which took "k isnull" for k).
    "a unique index on k ISNULL": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);\n"
        "CREATE UNIQUE INDEX t_k ON t (k ISNULL);",
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT);",
    ),
    # A UNIQUE index on an expression of the column makes no key either.
    "a unique index on an expression": (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);\n"
        "CREATE UNIQUE INDEX t_k ON t (lower(k));",
        "CREATE TABLE ign_c (x REFERENCES t(k))",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT);",
    ),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", NO_KEY_BEFORE)
def test_a_reference_that_was_no_key_before_the_plan_is_no_reason(case: str, kind: str) -> None:
    """Each of ``NO_KEY_BEFORE``: their foreign key matched no key before the plan (SQLite's
    "foreign key mismatch" already), so the plan taking the index or a column away is not
    refused for it (a UNIQUE index on more columns, or on an expression, was taken for a key:
    refused falsely, every client)."""
    before, theirs, after = NO_KEY_BEFORE[case]
    message = _refusal(before, theirs, after, kind)
    # Where foreign keys stay on, a rebuilt parent is refused for another reason (its old
    # copy's rows would be deleted under their table): not this one.
    assert message is None or (
        kind in ("durable-object", "d1") and "foreign keys cannot be switched off" in message
    ), message


def test_a_primary_key_a_reference_implies_kept_by_a_rebuild_is_no_reason() -> None:
    """``REFERENCES t`` (no column): t's primary key, the same after the plan drops another
    column (kills the desired key's length test negated or made false)."""
    assert _refusal(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v);",
        "CREATE TABLE ign_c (x REFERENCES t)",
        "CREATE TABLE t (id INTEGER PRIMARY KEY);",
    ) is None  # fmt: skip


# refuse_broken_readers, reached from refuse_breaking_theirs.


def test_a_view_of_theirs_reading_a_column_our_virtual_table_loses_is_refused() -> None:
    """Our virtual table made again without a column a view of theirs reads: refused, naming
    the column (kills refuse_breaking_theirs passing None for the virtual tables' lost
    columns, and _does looking our virtual table up under None)."""
    message = _refusal(
        "CREATE VIRTUAL TABLE f USING fts5(a, b);",
        "CREATE VIEW ign_v AS SELECT b FROM f",
        "CREATE VIRTUAL TABLE f USING fts5(a);",
    )
    assert message is not None and "cannot drop column f.b:" in message, message


def test_a_reader_of_the_rowid_of_a_table_made_without_rowid_is_refused_saying_so() -> None:
    """Our table made WITHOUT ROWID under a view of theirs reading its rowid: the refusal says
    so (kills the "rowid" key of _does' messages altered)."""
    message = _refusal(
        "CREATE TABLE t (k TEXT PRIMARY KEY, v);",
        "CREATE VIEW ign_v AS SELECT rowid FROM t",
        "CREATE TABLE t (k TEXT PRIMARY KEY, v) WITHOUT ROWID;",
    )
    assert message is not None and "cannot make table 't' WITHOUT ROWID (its rowid):" in message
