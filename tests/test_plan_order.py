"""Exact plans for table changes the planner weighs together: each table of the definitions is
compared whatever comes before it, and a table renamed by a hint is compared under its new name
(so what SQLite's RENAME rewrites, a reference to the table itself, is no change)."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import OPENERS

import inline_sync


def plan_of(kind: str, before: str, after: str) -> inline_sync.SyncPlan:
    client: Any
    client, _ = OPENERS[kind]()
    inline_sync.sync(client, before)
    return inline_sync.plan(client, after)


@pytest.mark.parametrize("kind", sorted(OPENERS))
def test_a_new_table_declared_first_does_not_hide_a_change_after_it(kind: str) -> None:
    planned = plan_of(
        kind,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        "CREATE TABLE a_new (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);",
    )
    assert planned.statements == [
        "CREATE TABLE main.a_new (id INTEGER PRIMARY KEY)",
        'ALTER TABLE main."t" ADD COLUMN b TEXT',
    ]
    assert [(c.action, c.name, c.reasons) for c in planned.changes] == [
        ("create", "a_new", ("new table",)),
        ("alter", "t", ("add column b",)),
    ]


# What SQLite's RENAME rewrites inside the table itself: a reference to it, a column its own
# CHECK qualifies with its name.
SELF_NAMED = {
    "references itself": ("up INTEGER REFERENCES t(id)", "up INTEGER REFERENCES u(id)"),
    "its CHECK names it": ("a INT CHECK (t.a > 0)", "a INT CHECK (u.a > 0)"),
}


@pytest.mark.parametrize("kind", sorted(OPENERS))
@pytest.mark.parametrize("case", sorted(SELF_NAMED))
def test_a_renamed_table_that_names_itself_is_only_renamed(kind: str, case: str) -> None:
    old, new = SELF_NAMED[case]
    planned = plan_of(
        kind,
        f"CREATE TABLE t (id INTEGER PRIMARY KEY, {old});",
        f"CREATE TABLE u ( -- @renamed from=t\n  id INTEGER PRIMARY KEY, {new}\n);",
    )
    assert planned.statements == ['ALTER TABLE main."t" RENAME TO "u"']
    assert [(c.action, c.name, c.reasons) for c in planned.changes] == [
        ("rename", "u", ("@renamed hint: t -> u",))
    ]
