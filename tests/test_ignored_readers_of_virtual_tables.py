"""A view or trigger that is not ours (ignored) and names a column of a virtual table that is:
a plan that made the virtual table again without that column left it unable to run ("no such
column: tags"), the sync saying "synced", and every later ALTER TABLE … RENAME failing on it.
It is now a SyncError naming both, before anything changes, as for a column dropped from a
table. A column kept (in another case, too) is no reason."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, everything, open_client, rows, sync_on

import inline_sync

BEFORE = "CREATE VIRTUAL TABLE f USING fts5(body, tags);"
THEIRS = {
    "view": "CREATE VIEW ign_v AS SELECT tags FROM f",
    "trigger": "CREATE TABLE ign_log (m TEXT);\n"
    "CREATE TRIGGER ign_tr AFTER INSERT ON ign_log BEGIN "
    "INSERT INTO f (body, tags) VALUES (new.m, 'log'); END",
}


def with_theirs(kind: str, what: str) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    conn.execute("INSERT INTO f VALUES ('hello', 'x')")
    for statement in THEIRS[what].split(";\n"):
        conn.execute(statement)
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("what", list(THEIRS))
@pytest.mark.parametrize("renamed", [False, True], ids=["", "renamed"])
def test_a_virtual_table_made_again_without_a_column_they_name_is_refused(
    kind: str, what: str, renamed: bool
) -> None:
    client, conn = with_theirs(kind, what)
    before = everything(conn)
    after = "CREATE VIRTUAL TABLE f USING fts5(body);"
    if renamed:  # (RENAME TO rewrites theirs to the new name: then the column goes)
        after = "CREATE VIRTUAL TABLE g USING fts5(body); -- @renamed from=f"
    with pytest.raises(inline_sync.SyncError) as refused:
        sync_on(kind, client, after, ignore=["ign_*"], allow_destructive=True)
    message = str(refused.value)
    name = "ign_v" if what == "view" else "ign_tr"
    assert message == (
        f"cannot drop column f.tags: {what} {name!r}, which is ignored (inline_sync leaves it "
        "alone), names it and could not run afterwards. Declare "
        f"{name!r}, change or drop it yourself first; nothing was changed"
    )
    assert everything(conn) == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_column_kept_is_no_reason(kind: str) -> None:
    client, conn = with_theirs(kind, "view")
    after = "CREATE VIRTUAL TABLE f USING fts5(Body, Tags, extra);"
    assert sync_on(kind, client, after, ignore=["ign_*"]).status == "synced"
    assert rows(conn, "SELECT * FROM ign_v") == [("x",)]
