"""An INSTEAD OF UPDATE OF trigger on a view whose OF column is named like a declared table
(``CREATE VIEW v AS SELECT a AS size FROM t`` beside a table ``size``): the prefix strategy's
copies (Durable Objects, D1) name that column ``__sync_size`` in the view and in the trigger,
and the statement that fires the trigger to check its body set ``size``, which fires nothing
on the copy: the valid schema refused ("cannot modify v because it is a view"). The check now
sets the OF columns as the trigger's copy names them, so a body that cannot run is still
refused."""

from __future__ import annotations

import pytest
from memory_clients import open_client, sync_on

import inline_sync

CLIENTS = [("sqlite3", "prefix"), ("durable-object", "auto"), ("d1", "auto"), ("sqlite3", "auto")]
SCHEMA = (
    "CREATE TABLE size (x);\nCREATE TABLE t (a, b);\n"
    "CREATE VIEW v AS SELECT a AS size, b FROM t;\n"
    "CREATE TRIGGER tr INSTEAD OF UPDATE OF b, size ON v BEGIN {body}; END;"
)


def _sync(kind: str, strategy: str, schema: str) -> inline_sync.SyncResult:
    client, _ = open_client(kind)
    options = {"scratch_schema": strategy} if kind == "sqlite3" else {}
    return sync_on(kind, client, schema, **options)


@pytest.mark.parametrize(("kind", "strategy"), CLIENTS)
def test_a_view_trigger_of_a_column_named_like_a_table_syncs(kind: str, strategy: str) -> None:
    schema = SCHEMA.format(body="UPDATE t SET a = new.size WHERE b = old.b")
    assert _sync(kind, strategy, schema).status == "synced"


@pytest.mark.parametrize(("kind", "strategy"), CLIENTS)
def test_its_body_is_still_checked(kind: str, strategy: str) -> None:
    schema = SCHEMA.format(body="UPDATE t SET nosuch = 1")
    with pytest.raises(inline_sync.DefinitionError, match="the trigger 'tr' cannot run"):
        _sync(kind, strategy, schema)
