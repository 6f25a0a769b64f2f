"""Where a statement names a table with no word of :data:`NAME_AFTER` right before it, the
name readers must still know it for a table: after ``UPDATE OR <conflict>`` (``UPDATE OR
IGNORE "order" SET …``), and as an fts table's ``content=`` option written as a quoted
identifier (``content="order"``, ``content=[order]``) or a string. For a table named like a
keyword (renamed only where it surely names a table), they missed both:

* the prefix strategy (Durable Objects, D1) left the name unprefixed in the copy: the
  trigger's body, or fts5's content table, named the live table, which a first sync does not
  have yet: a valid schema refused ("no such table: main.order");
* a trigger of theirs (ignored) writing, by ``UPDATE OR REPLACE``, a table the sync drops
  was not seen (synced, leaving it unable to run), and a rename did not follow it there."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, PREFIXED, everything, open_client, run, sync_on, syncs_twice

import inline_sync
from inline_sync.statement_names import rename_tables_in, tables_named_in

CONFLICTS = ["ROLLBACK", "ABORT", "REPLACE", "FAIL", "IGNORE"]


def _sync_twice(kind: str, strategy: str, schema: str) -> None:
    syncs_twice(kind, strategy, schema)


@pytest.mark.parametrize("conflict", CONFLICTS)
@pytest.mark.parametrize(("kind", "strategy"), PREFIXED)
def test_a_trigger_updating_a_keyword_named_table_or_conflict_syncs(
    kind: str, strategy: str, conflict: str
) -> None:
    schema = (
        'CREATE TABLE "order" (a);\nCREATE TABLE t (a);\n'
        f'CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE OR {conflict} "order" SET a = 1; END;'
    )
    _sync_twice(kind, strategy, schema)


@pytest.mark.parametrize("content", ['"order"', "'order'", "[order]", "`order`"])
@pytest.mark.parametrize(("kind", "strategy"), PREFIXED)
def test_an_fts5_table_over_a_keyword_named_content_table_syncs(
    kind: str, strategy: str, content: str
) -> None:
    schema = (
        f'CREATE TABLE "order" (a);\nCREATE VIRTUAL TABLE docs USING fts5(a, content={content});'
    )
    _sync_twice(kind, strategy, schema)


def test_the_name_readers_find_the_table_after_update_or() -> None:
    trigger = "CREATE TRIGGER tr AFTER INSERT ON u BEGIN UPDATE OR ABORT t SET t = 1; END"
    assert tables_named_in(trigger, {"t"}) == {"t"}
    assert rename_tables_in(trigger, {"t": "x"}) == (
        'CREATE TRIGGER tr AFTER INSERT ON u BEGIN UPDATE OR ABORT "x" SET t = 1; END'
    )
    # Not after UPDATE OR <conflict>: a column (ignore) and its alias, a column after SET.
    for text in [
        "CREATE VIEW v AS SELECT ignore t, a OR ignore t FROM u",
        "CREATE TRIGGER tr AFTER INSERT ON u BEGIN UPDATE u SET t = 1; END",
    ]:
        assert tables_named_in(text, {"t", "u"}) == {"u"}


@pytest.mark.parametrize("kind", KINDS)
def test_their_trigger_updating_a_dropped_table_or_replace_is_refused(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE t (a);\nCREATE TABLE other (x);", ignore=["aud_*"])
    run(
        conn,
        "CREATE TRIGGER aud_tr AFTER INSERT ON other BEGIN UPDATE OR REPLACE t SET a = 1; END",
    )
    before = everything(conn)
    with pytest.raises(inline_sync.SyncError) as caught:
        sync_on(kind, client, "CREATE TABLE other (x);", ignore=["aud_*"], allow_destructive=True)
    assert str(caught.value).startswith("cannot drop table 't': trigger 'aud_tr', which is ignored")
    assert everything(conn) == before
