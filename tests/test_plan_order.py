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


@pytest.mark.parametrize("kind", sorted(OPENERS))
def test_a_renamed_table_that_references_itself_is_only_renamed(kind: str) -> None:
    planned = plan_of(
        kind,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, up INTEGER REFERENCES t(id));",
        "CREATE TABLE u ( -- @renamed from=t\n"
        "  id INTEGER PRIMARY KEY, up INTEGER REFERENCES u(id)\n);",
    )
    assert planned.statements == ['ALTER TABLE main."t" RENAME TO "u"']
    assert [(c.action, c.name, c.reasons) for c in planned.changes] == [
        ("rename", "u", ("@renamed hint: t -> u",))
    ]


@pytest.mark.parametrize("kind", sorted(OPENERS))
def test_a_renamed_table_whose_check_names_it_is_only_renamed(kind: str) -> None:
    """SQLite's RENAME rewrites the table's name where its own CHECK qualifies a column."""
    planned = plan_of(
        kind,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (t.a > 0));",
        "CREATE TABLE u ( -- @renamed from=t\n  id INTEGER PRIMARY KEY, a INT CHECK (u.a > 0)\n);",
    )
    assert planned.statements == ['ALTER TABLE main."t" RENAME TO "u"']
