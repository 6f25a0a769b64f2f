"""A table inline_sync leaves alone (ignored) that references a declared table.

Where foreign keys stay on (Durable Objects, D1), a declared parent is rebuilt together with
the tables that reference it; an ignored child cannot be (it is not ours), so dropping the
parent's old copy fired the child's ON DELETE action: CASCADE deleted its rows, SET NULL
nulled them, and NO ACTION or RESTRICT failed the commit with a raw driver error. Dropping the
parent did the same. Such a plan is now refused before anything runs, naming both tables; where
foreign keys are switched off (sqlite3, apsw), nothing cascades and a rebuild goes ahead. A
drop of the parent is refused on every client: it would leave the ignored table failing every
later write wherever foreign keys are on ("no such table"; test_ignored_children_parent_keys).
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

import inline_sync

PARENT = "CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT);\n"
OTHER = "CREATE TABLE other (id INTEGER PRIMARY KEY);\n"
KEPT_ON = ("durable-object", "d1")  # foreign keys stay on during the sync
ACTIONS = ["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"]
CHANGES = {
    "rebuilt": PARENT.replace("v TEXT", "v BLOB") + OTHER,
    "dropped": OTHER,
    "renamed-and-rebuilt": "CREATE TABLE q ( -- @renamed from=p\n"
    " id INTEGER PRIMARY KEY, v BLOB);\n" + OTHER,
}


def _set_up(kind: str, action: str) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, PARENT + OTHER)
    run(
        conn,
        "CREATE TABLE legacy_c (id INTEGER PRIMARY KEY, pid INTEGER DEFAULT 0 "
        f"REFERENCES p ON DELETE {action});\n"
        "INSERT INTO p VALUES (1, 'a');\nINSERT INTO legacy_c VALUES (1, 1);\n"
        "INSERT INTO legacy_c VALUES (2, NULL)",
    )
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("change", CHANGES)
def test_an_ignored_child_keeps_its_rows_or_the_sync_is_refused(
    kind: str, action: str, change: str
) -> None:
    client, conn = _set_up(kind, action)
    schema = rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    if kind in KEPT_ON or change == "dropped":
        with pytest.raises(inline_sync.SyncError) as caught:
            sync_on(kind, client, CHANGES[change], ignore=["legacy_*"], allow_destructive=True)
        message = str(caught.value)
        assert "'p'" in message and "'legacy_c'" in message, message
        why = "foreign keys cannot be switched off" if kind in KEPT_ON else "no such table"
        assert "ignored" in message and why in message, message
        assert rows(conn, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == schema
        assert rows(conn, "SELECT * FROM p") == [(1, "a")]
    else:
        sync_on(kind, client, CHANGES[change], ignore=["legacy_*"], allow_destructive=True)
    assert rows(conn, "SELECT * FROM legacy_c ORDER BY id") == [(1, 1), (2, None)]


@pytest.mark.parametrize("kind", KINDS)
def test_an_ignored_child_of_an_unchanged_or_altered_parent_is_no_obstacle(kind: str) -> None:
    client, conn = _set_up(kind, "CASCADE")
    sync_on(kind, client, PARENT.replace("v TEXT", "v TEXT, w INT") + OTHER + "CREATE TABLE n (x);",
            ignore=["legacy_*"])  # fmt: skip
    assert rows(conn, "SELECT * FROM legacy_c ORDER BY id") == [(1, 1), (2, None)]
    assert rows(conn, "SELECT * FROM p") == [(1, "a", None)]
