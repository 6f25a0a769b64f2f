"""A FROM clause may group its tables in parentheses: ``FROM (a, b)``, ``JOIN ("order", t)``,
``FROM (a JOIN b)`` (SQLite's grammar: a table list or a join between parentheses stands where
a table does). A table's name stands right after such a ``(`` and after each comma in it, as
it does after FROM and a listing comma; the name readers missed both:

* the prefix strategy (Durable Objects, D1) left a table named like a keyword there
  unprefixed, so the view's copy read the live table (or none): a valid schema refused;
* the scratch-db strategy left ``main.t`` there naming main, which SQLite refuses in the
  scratch database's copy: a valid schema refused;
* a view of theirs (ignored) naming there a table the sync drops was not seen, and the sync
  said "synced" leaving the view unable to run (and every later RENAME failing on it); a
  rename followed it nowhere there.

A subquery between parentheses (``FROM (SELECT …)``) is not a table list."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, everything, open_client, run, sync_on, syncs_twice

import inline_sync
from inline_sync.statement_names import _listed_tables, rename_tables_in, tables_named_in
from inline_sync.tokenizer import COMMENT, tokenize

GROUPED = [
    "SELECT * FROM (t, {o})",
    "SELECT * FROM ({o}, t)",
    "SELECT * FROM ({o} JOIN t)",
    "SELECT * FROM t, (t AS u, {o})",
    "SELECT * FROM t LEFT JOIN ({o}, t AS w) ON 1",
    "SELECT * FROM (({o}), t)",
    "SELECT * FROM (SELECT a FROM {o}) AS s, ({o} AS x, t)",
]


def listed(sql: str) -> list[str]:
    tokens = tokenize(sql)
    sig = [i for i, t in enumerate(tokens) if t.kind is not COMMENT]
    return [tokens[sig[n]].text for n in sorted(_listed_tables(tokens, sig))]


def test_a_table_stands_first_in_a_parenthesized_table_list_and_after_its_commas() -> None:
    assert listed("SELECT * FROM (a, b)") == ["a", "b"]
    assert listed("SELECT * FROM x JOIN (a JOIN b, c)") == ["a", "c"]
    assert listed("SELECT * FROM ((a), b)") == ["(", "a", "b"]
    # A subquery, a table-valued function's arguments, an expression: no table list.
    assert listed("SELECT * FROM (SELECT a, b FROM c) AS s") == []
    assert listed("SELECT * FROM (VALUES (1, 2)), json_each(x, '$')") == ["json_each"]
    assert listed("SELECT * FROM (WITH w AS (SELECT 1), z AS (SELECT 2) SELECT * FROM w)") == []
    assert listed("SELECT * FROM t JOIN u ON (t.a, t.b) = (u.a, u.b) WHERE x IN (a, b)") == []
    # Before any FROM, a comma lists no table (a trigger's UPDATE OF columns).
    assert listed("CREATE TRIGGER tr AFTER UPDATE OF a, b ON t BEGIN SELECT 1; END") == []


@pytest.mark.parametrize("select", GROUPED)
@pytest.mark.parametrize(
    ("kind", "strategy"), [("sqlite3", "prefix"), ("durable-object", "auto"), ("d1", "auto")]
)
def test_a_table_named_like_a_keyword_in_a_parenthesized_list_syncs(
    kind: str, strategy: str, select: str
) -> None:
    """The prefix strategy's copy of the view reads the copy of table "order" wherever the
    view lists it."""
    schema = (
        'CREATE TABLE "order" (a);\nCREATE TABLE t (b);\n'
        f"CREATE VIEW v AS {select.format(o=chr(34) + 'order' + chr(34))};"
    )
    syncs_twice(kind, strategy, schema)


@pytest.mark.parametrize("select", GROUPED)
@pytest.mark.parametrize("kind", ["sqlite3", "apsw"])
def test_main_qualified_tables_in_a_parenthesized_list_sync(kind: str, select: str) -> None:
    """In a scratch database the view's copy names the scratch database wherever the view
    names ``main.``."""
    schema = (
        "CREATE TABLE o (a);\nCREATE TABLE t (b);\n"
        f"CREATE VIEW v AS {select.format(o='main.o').replace(' t', ' main.t')};"
    )
    client, _ = open_client(kind)
    assert sync_on(kind, client, schema).status == "synced"
    assert sync_on(kind, client, schema).status == "up-to-date"


def test_the_name_readers_find_a_table_in_a_parenthesized_list() -> None:
    view = "CREATE VIEW v AS SELECT * FROM (a, t) JOIN (t AS x JOIN a) ON 1"
    assert tables_named_in(view, {"t"}) == {"t"}
    assert rename_tables_in(view, {"t": "u"}) == (
        'CREATE VIEW v AS SELECT * FROM (a, "u") JOIN ("u" AS x JOIN a) ON 1'
    )


@pytest.mark.parametrize("kind", KINDS)
def test_their_view_reading_a_dropped_table_in_a_parenthesized_list_is_refused(
    kind: str,
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE t (a);\nCREATE TABLE other (x);", ignore=["aud_*"])
    run(conn, "CREATE VIEW aud_v AS SELECT * FROM (other, t)")
    before = everything(conn)
    with pytest.raises(inline_sync.SyncError) as caught:
        sync_on(kind, client, "CREATE TABLE other (x);", ignore=["aud_*"], allow_destructive=True)
    assert str(caught.value).startswith("cannot drop table 't': view 'aud_v', which is ignored")
    assert everything(conn) == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_view_cut_short_after_from_and_a_parenthesis_is_sqlites_to_refuse(kind: str) -> None:
    """The names are read before SQLite has seen the statement: a view that ends right after
    ``FROM (`` must reach SQLite, which names it, not fail with a raw IndexError."""
    client, _ = open_client(kind)
    with pytest.raises(inline_sync.DefinitionError, match="SQLite refused the view 'v'"):
        sync_on(kind, client, "CREATE TABLE t (a);\nCREATE VIEW v AS SELECT * FROM (;")
