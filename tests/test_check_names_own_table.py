"""A CHECK constraint that names a column by its table's name (``CHECK (t.a > 0)``). SQLite
resolves ``t`` against whatever the table is called at the time, and a rebuild has the table
under another name for a while: the old copy renamed aside (``__sync_old_t``, sqlite3 and
apsw), or the new one made under a temporary name (``__sync_new_t``, where foreign keys stay
on). Before the fix such an old table could never be rebuilt on sqlite3 or apsw ("error in
table old_t after rename: no such column: t.a"), not even after the definitions dropped the
qualifier, and the refusals gave no cause. Now an old table written so is made anew under a
temporary name and renamed into place, that copy naming the column alone (the same check,
tests/test_self_qualified_checks.py)."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, open_client, rows, sync_on

QUALIFIED = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (t.a > 0), b TEXT);"
PLAIN = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (a > 0), b TEXT);"
# the same constraint, and a change that needs a rebuild
PLAIN_REBUILT = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (a > 0), b TEXT NOT NULL DEFAULT '');"
)
QUALIFIED_REBUILT = PLAIN_REBUILT.replace("CHECK (a > 0)", "CHECK (t.a > 0)")


def synced(kind: str, schema: str) -> tuple[Any, Any]:
    client, conn = open_client(kind)
    sync_on(kind, client, schema)
    conn.execute("INSERT INTO t (id, a, b) VALUES (7, 1, 'x')")
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
def test_an_old_table_naming_itself_is_rebuilt_under_a_temporary_name(kind: str) -> None:
    client, conn = synced(kind, QUALIFIED)
    result = sync_on(kind, client, PLAIN_REBUILT)
    assert [(c.action, c.name) for c in result.plan.changes] == [("rebuild", "t")]
    assert rows(conn, "SELECT id, a, b FROM t") == [(7, 1, "x")]
    with pytest.raises(Exception, match="CHECK constraint failed"):
        conn.execute("INSERT INTO t (a) VALUES (0)")
    assert not sync_on(kind, client, PLAIN_REBUILT, force=True).plan


@pytest.mark.parametrize("kind", KINDS)
def test_a_hinted_rename_of_a_table_naming_itself_then_rebuilt(kind: str) -> None:
    client, conn = synced(kind, QUALIFIED)
    renamed = PLAIN_REBUILT.replace("TABLE t (", "TABLE t2 ( -- @renamed from=t\n")
    result = sync_on(kind, client, renamed)
    assert ("rebuild", "t2") in [(c.action, c.name) for c in result.plan.changes]
    assert rows(conn, "SELECT id, a, b FROM t2") == [(7, 1, "x")]
    assert not sync_on(kind, client, renamed, force=True).plan


@pytest.mark.parametrize("kind", KINDS)
def test_definitions_naming_the_table_in_a_check_are_kept_when_no_rebuild_is_needed(
    kind: str,
) -> None:
    client, _ = synced(kind, QUALIFIED)
    added = QUALIFIED.replace("b TEXT", "b TEXT, c TEXT")
    result = sync_on(kind, client, added)
    assert [(c.action, c.name) for c in result.plan.changes] == [("alter", "t")]
    assert not sync_on(kind, client, added, force=True).plan


@pytest.mark.parametrize("kind", KINDS)
def test_a_rebuild_of_a_table_naming_itself_in_its_definitions(kind: str) -> None:
    """The new copy, made under a temporary name, names the column alone (``CHECK (a > 0)``,
    the same check): where foreign keys can be off, a later rebuild that renames the old
    copy aside writes the declared text again (tests/test_self_qualified_checks.py)."""
    for start in (QUALIFIED, PLAIN):
        client, conn = synced(kind, start)
        sync_on(kind, client, QUALIFIED_REBUILT)
        assert rows(conn, "SELECT id, a, b FROM t") == [(7, 1, "x")]
        with pytest.raises(Exception, match="CHECK constraint failed"):
            conn.execute("INSERT INTO t (a) VALUES (0)")
        assert not sync_on(kind, client, QUALIFIED_REBUILT, force=True).plan


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("renamed", [False, True])
def test_their_index_naming_the_table_in_its_where_does_not_stop_a_rebuild(
    kind: str, renamed: bool
) -> None:
    """An index that is not ours (ignored) stays on the old table while it is renamed aside;
    SQLite then checks its ``WHERE t.a > 0`` against the new name and refused the rebuild on
    sqlite3 and apsw ("error in index legacy_ix after rename"). The new table is made under a
    temporary name instead, and the index made again on it."""
    client, conn = open_client(kind)
    sync_on(kind, client, PLAIN, ignore=["legacy_*"])
    conn.execute("CREATE INDEX legacy_ix ON t (a) WHERE t.a > 0")
    conn.execute("INSERT INTO t (id, a, b) VALUES (7, 1, 'x')")
    schema = PLAIN_REBUILT
    if renamed:
        schema = schema.replace("TABLE t (", "TABLE t2 ( -- @renamed from=t\n")
    result = sync_on(kind, client, schema, ignore=["legacy_*"])
    table = "t2" if renamed else "t"
    assert ("recreate", "legacy_ix") in [(c.action, c.name) for c in result.plan.changes]
    assert rows(conn, f"SELECT id, a, b FROM {table}") == [(7, 1, "x")]
    assert rows(conn, "SELECT tbl_name FROM sqlite_master WHERE name = 'legacy_ix'") == [(table,)]
    assert not sync_on(kind, client, schema, ignore=["legacy_*"], force=True).plan
