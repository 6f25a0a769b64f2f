"""A table that is not ours (ignored) whose FOREIGN KEY names a table of ours.

Where foreign keys are switched off during the sync (sqlite3, apsw), a plan that dropped the
parent table, dropped the referenced column, dropped the UNIQUE or PRIMARY KEY that made it a
key, or renamed it by a rebuild's copy (which rewrites no REFERENCES) said "synced" and left
their table failing every later write wherever foreign keys are on ("foreign key mismatch",
"no such table: main.t"); the Durable Object and D1 refused it only where the parent was
rebuilt or dropped (not for a UNIQUE index dropped). Every client now refuses it before
anything changes, naming their table and our parent key. A rename SQLite follows (ALTER …
RENAME COLUMN / RENAME TO) and a rebuild that keeps the key are no reason.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, everything, open_client, rows, sync_on

import inline_sync

KEPT_ON = ("durable-object", "d1")  # foreign keys stay on during the sync
UNIQUE_K = "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v);"
UNIQUE_INDEX = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);\nCREATE UNIQUE INDEX t_k ON t (k);"
)
KEPT_BY_COPY = "CREATE TABLE t (k TEXT PRIMARY KEY, v, UNIQUE (k)) WITHOUT ROWID;"
#: (before, after, their foreign key, the words the refusal must hold)
LOST = {
    "column dropped": (UNIQUE_K, "CREATE TABLE t (id INTEGER PRIMARY KEY, v);", "t(k)",
                       "drop column t.k"),
    "unique dropped": (UNIQUE_K, "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);", "t(k)",
                       "t(k)"),
    "renamed by the copy": (
        KEPT_BY_COPY,
        "CREATE TABLE t (kk TEXT PRIMARY KEY, -- @renamed from=k\n v, UNIQUE (kk)) WITHOUT ROWID;",
        "t(k)",
        "rename column t.k",
    ),
    "primary key dropped": (UNIQUE_K, "CREATE TABLE t (id INTEGER, k TEXT UNIQUE, v);", "t",
                            "t(id)"),
    "table dropped": (UNIQUE_K, "CREATE TABLE other (x);", "t(k)", "drop table 't'"),
    "unique index dropped": (UNIQUE_INDEX, "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v);",
                             "t(k)", "t(k)"),
}  # fmt: skip
KEPT = {
    "renamed by ALTER": (
        "CREATE TABLE t (k TEXT PRIMARY KEY, v);",
        "CREATE TABLE t (kk TEXT PRIMARY KEY, -- @renamed from=k\n v);",
    ),
    "table renamed": (UNIQUE_K, "CREATE TABLE u ( -- @renamed from=t\n"
                      " id INTEGER PRIMARY KEY, k TEXT UNIQUE, v);"),
    "other column dropped": (UNIQUE_K, "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE);"),
    "unique made a primary key": (UNIQUE_K, "CREATE TABLE t (id INTEGER, k TEXT PRIMARY KEY, v);"),
    "unique index made a constraint": (UNIQUE_INDEX, UNIQUE_K),
}  # fmt: skip


def _with_child(kind: str, before: str, reference: str) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    conn.execute("INSERT INTO t (id, k, v) VALUES (1, 'a', 1)" if "id" in before
                 else "INSERT INTO t (k, v) VALUES ('a', 1)")  # fmt: skip
    conn.execute(f"CREATE TABLE ign_c (x REFERENCES {reference})")
    conn.execute("INSERT INTO ign_c VALUES ('a')" if "(" in reference else
                 "INSERT INTO ign_c VALUES (1)")  # fmt: skip
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", LOST)
def test_a_plan_that_takes_their_parent_key_away_is_refused(kind: str, case: str) -> None:
    before, after, reference, words = LOST[case]
    client, conn = _with_child(kind, before, reference)
    kept = everything(conn)
    with pytest.raises(inline_sync.SyncError) as refused:
        sync_on(kind, client, after, ignore=["ign_*"], allow_destructive=True)
    message = str(refused.value)
    assert "'ign_c', which is ignored" in message, message
    if kind in KEPT_ON and "index" not in case:
        # Where foreign keys stay on, any rebuild or drop of their parent is refused first
        # (test_fk_outside_tables): its old copy's rows would be deleted under their table.
        assert "table 't'" in message and "foreign keys cannot be switched off" in message
    else:
        assert words in message, message
        assert ("no such table" if case == "table dropped" else "foreign key mismatch") in message
        assert message.endswith("nothing was changed"), message
    assert everything(conn) == kept


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", KEPT)
def test_a_parent_key_sqlite_follows_is_no_reason(kind: str, case: str) -> None:
    before, after = KEPT[case]
    client, conn = _with_child(kind, before, "t(k)")
    try:
        result = sync_on(kind, client, after, ignore=["ign_*"], allow_destructive=True)
    except inline_sync.SyncError as exc:
        # Where foreign keys stay on, a rebuilt parent is refused for another reason (its old
        # copy's rows would be deleted under their table): not this one.
        assert kind in KEPT_ON, exc
        assert "foreign keys cannot be switched off" in str(exc), exc
        return
    assert result.status == "synced"
    if kind in ("sqlite3", "apsw"):
        conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("INSERT INTO ign_c VALUES ('a')")  # no "foreign key mismatch"
    assert rows(conn, "SELECT count(*) FROM ign_c") == [(2,)]
