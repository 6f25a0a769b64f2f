"""A common table expression named like a declared table, with a column list
(``WITH r(x) AS (…)``): its name followed by ``(`` was read as a function call and left as
written, while its uses (``FROM r``, ``r.x``) were prefixed like the table's: the prefix
strategy's copy (Durable Objects, D1) of the view or trigger read the table's copy instead of
the CTE (the valid schema refused, "no such column: r.x", or checked against the wrong
columns). The CTE's name is renamed with its uses, as it is without a column list. A
function call followed by ``AS`` and an alias (``count(x) AS n``) is still a call."""

from __future__ import annotations

import pytest
from memory_clients import PREFIXED, open_client, sync_on, syncs_twice

from inline_sync.definitions import parse_definitions
from inline_sync.names import ignore_filter
from inline_sync.statement_names import rewrite_names, tables_named_in

CTES = [
    "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r LIMIT 3) SELECT r.x FROM r",
    "WITH a AS (SELECT 1 AS y), r(x) AS MATERIALIZED (SELECT y FROM a) SELECT r.x FROM r",
    "WITH r(x) AS NOT MATERIALIZED (SELECT 2) SELECT count(x) AS r FROM r",
]


@pytest.mark.parametrize("cte", CTES)
@pytest.mark.parametrize(("kind", "strategy"), PREFIXED)
def test_a_view_with_a_cte_named_like_a_table_syncs(kind: str, strategy: str, cte: str) -> None:
    schema = f"CREATE TABLE r (zz);\nCREATE VIEW v AS {cte};"
    syncs_twice(kind, strategy, schema)


@pytest.mark.parametrize(("kind", "strategy"), PREFIXED)
def test_a_trigger_with_a_cte_named_like_a_table_syncs(kind: str, strategy: str) -> None:
    schema = (
        "CREATE TABLE r (zz);\nCREATE TABLE t (a);\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
        "  INSERT INTO r WITH r(x) AS (SELECT new.a) SELECT x FROM r; END;"
    )
    client, _ = open_client(kind)
    options = {"scratch_schema": strategy} if kind == "sqlite3" else {}
    assert sync_on(kind, client, schema, **options).status == "synced"


def test_the_cte_is_renamed_with_its_uses_and_is_no_table() -> None:
    defs = parse_definitions(f"CREATE TABLE r (zz);\nCREATE VIEW v AS {CTES[2]};", ignore_filter())
    v = defs[1]
    assert rewrite_names(v.sql, v.tokens, {"r", "v", "count"}, v.name_token) == (
        "CREATE VIEW __sync_v AS WITH __sync_r(x) AS NOT MATERIALIZED (SELECT 2) "
        "SELECT count(x) AS __sync_r FROM __sync_r"
    )
    assert tables_named_in("CREATE VIEW v AS WITH r(x) AS (SELECT 1) SELECT 1", {"r"}) == set()


KEYWORD_CTES = [
    'WITH "order" AS (SELECT 1 AS x) SELECT x FROM "order"',
    "WITH [order] AS MATERIALIZED (SELECT 1 AS x) SELECT [order].x FROM [order]",
    'WITH a AS (SELECT 1 AS y), "order"(x) AS (SELECT y FROM a) SELECT x FROM "order"',
    'WITH RECURSIVE "order" AS (SELECT 1 AS x) SELECT x FROM main."order", "order"',
    'WITH "order" AS NOT MATERIALIZED (SELECT 1 AS x) SELECT x FROM "order"',
    # A window named so is no CTE: neither its name nor OVER's is the table's.
    'SELECT count(*) OVER "order" AS x FROM "order" WINDOW "order" AS (ORDER BY zz)',
]


@pytest.mark.parametrize("cte", KEYWORD_CTES)
@pytest.mark.parametrize(("kind", "strategy"), PREFIXED)
def test_a_cte_named_like_a_keyword_table_syncs(kind: str, strategy: str, cte: str) -> None:
    """A keyword is renamed only where it surely names a table, and FROM "order" does: so
    must the CTE's own name be, or the copy of the view reads the table's copy (the valid
    schema refused: "no such column: x")."""
    syncs_twice(kind, strategy, f'CREATE TABLE "order" (zz);\nCREATE VIEW v AS {cte};')
