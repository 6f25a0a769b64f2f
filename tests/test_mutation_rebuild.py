"""Tests written to kill surviving mutants of ``inline_sync/rebuild.py`` (issue 14,
docs/mutation-testing.md). Each names, in its docstring, the mutations it catches.

A plan's steps are what users see of it (``SyncPlan.steps``, progress reports, the debug log,
``plan --sql`` scripts): what each step is, on what, and why, not only its SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from memory_clients import do_db, rows

import inline_sync
from inline_sync.ddl import parse_virtual_table
from inline_sync.plan import Step
from inline_sync.rebuild import recreate_virtual_table


def described(steps: list[Step]) -> list[tuple[str, ...]]:
    """Each step without its SQL: (action, kind, name, reason, source, target)."""
    return [(s.action, s.kind, s.name, s.reason, s.source, s.target) for s in steps]


def recreate(old: str, new: str, cur_cols: list[str], des_cols: list[str]) -> Any:
    cur, des = parse_virtual_table(old), parse_virtual_table(new)
    columns = {("current", cur.name): cur_cols, ("desired", des.name): des_cols}
    return recreate_virtual_table(
        cur, des, new, lambda side, name: columns[(side, name)], legacy=False
    )


CHANGED = "definition changed"


def test_an_external_content_fts5_index_is_rebuilt_in_three_described_steps() -> None:
    """Kills the action, kind, name and reason of the three steps given None or another
    text."""
    steps, destructive, reason = recreate(
        "CREATE VIRTUAL TABLE ft USING fts5(a, b, content='docs')",
        "CREATE VIRTUAL TABLE ft USING fts5(a, content='docs')",
        [],
        [],
    )
    assert described(steps) == [
        ("drop", "virtual table", "ft", CHANGED, "", ""),
        ("create", "virtual table", "ft", CHANGED, "", ""),
        ("copy rows", "virtual table", "ft",
         "rebuild the index from its external content table", "", ""),
    ]  # fmt: skip
    assert (destructive, reason) == (False, CHANGED)


def test_a_virtual_table_copied_through_a_holding_table_describes_each_step() -> None:
    """Its rows go to a holding table and back: the copy back names where the rows come from
    and go (progress reports, script guards), and the reason lists every dropped column
    (kills each step's action, kind, name, reason, source and target given None or another
    text, and the ", " of the dropped columns)."""
    steps, destructive, reason = recreate(
        "CREATE VIRTUAL TABLE ft USING fts5(a, b, c)",
        "CREATE VIRTUAL TABLE ft USING fts5(a)",
        ["a", "b", "c"],
        ["a"],
    )
    hold = "__sync_copy_ft"
    gone = f"{CHANGED}; columns dropped: b, c"
    assert described(steps) == [
        ("copy rows", "virtual table", "ft", "hold the rows while recreating", "", ""),
        ("drop", "virtual table", "ft", CHANGED, "", ""),
        ("create", "virtual table", "ft", CHANGED, "", ""),
        ("copy rows", "virtual table", "ft", "copy the rows back", hold, "ft"),
        ("drop", "table", hold, "drop the holding table", "", ""),
    ]
    assert (destructive, reason) == (True, gone)


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
