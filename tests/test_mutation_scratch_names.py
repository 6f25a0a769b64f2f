"""Tests written to kill surviving mutants of ``inline_sync/scratch.py`` (issue 14,
docs/mutation-testing.md), second measurement, whose name readers are now
``inline_sync/statement_names.py``: how the scratch copies read the names in a statement.
Which words of a CREATE TABLE are column types (``_type_words``), where a FROM clause lists
its tables (``_listed_tables``), which names of an index, trigger or view surely
name a table (``_table_edits``, behind ``rename_tables_in`` and ``tables_named_in``), which
``main.`` a view or trigger's copy in a scratch database must name the scratch database
instead (``_main_tails``), and which strings the prefix strategy rewrites (``_name_edits``).
Each names, in its docstring, the mutations it catches. The readers are called directly
(they only read text); where a mutant would turn bad input into a raw exception or make a
valid schema fail, the test syncs through every client the strategy applies to."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fake_d1 import FakeD1
from memory_clients import OPENERS

import inline_sync
from inline_sync.d1 import sync_async
from inline_sync.definitions import Definition, parse_definitions
from inline_sync.names import SCRATCH_DB, ignore_filter
from inline_sync.scratch import _main_tails
from inline_sync.statement_names import (
    _listed_tables,
    _type_words,
    rename_tables_in,
    rewrite_names,
    tables_named_in,
)
from inline_sync.tokenizer import COMMENT, tokenize

CLIENTS = [*OPENERS, "d1"]
# The clients whose scratch copies live in an attached database (the scratch-db strategy,
# where _main_tails applies): stdlib sqlite3 and apsw. Durable Objects and D1 refuse ATTACH.
SCRATCH_DB_CLIENTS = ["sqlite3", "apsw"]


def _definition(sql: str) -> Definition:
    (d,) = parse_definitions(sql, ignore_filter())
    return d


def _sync(client: str, schema: str, **options: Any) -> Any:
    if client == "d1":
        return asyncio.run(sync_async(FakeD1(), schema, **options))
    db, _ = OPENERS[client]()
    return inline_sync.sync(db, schema, **options)


# --- _type_words ---------------------------------------------------------------------------


def type_words(sql: str) -> list[str]:
    """The words ``_type_words`` reads as column types in ``sql``, in order."""
    d = _definition(sql)
    tokens = list(d.tokens)
    sig = [i for i, t in enumerate(tokens) if t.kind is not COMMENT]
    return [tokens[sig[n]].text for n in sorted(_type_words(tokens, sig, d.name_token))]


def test_type_words_are_the_words_after_each_columns_name() -> None:
    """A column's type is every word after its name up to its constraints, whatever their
    number, whatever the parentheses after them (``DECIMAL(10, 2)``, ``REFERENCES p (id)``),
    and a column named with a string has its type too (kills a ``)`` read as opening a
    level, or closing two; a part restarted after any ``)`` that brings the body back to
    its own level, such as the parent's column list of REFERENCES, whose ON DELETE CASCADE
    then read as a type; the string name read as the end of the part, or any string read
    as a name)."""
    sql = (
        "CREATE TABLE t ('a' TEXT, b DECIMAL(10, 2) NOT NULL, c UNSIGNED BIG INT,\n"
        "  d INT REFERENCES p (id) ON DELETE CASCADE, e 'x' DEFAULT 'y')"
    )
    assert type_words(sql) == ["TEXT", "DECIMAL", "UNSIGNED", "BIG", "INT", "INT"]


def test_table_constraints_have_no_type_words() -> None:
    """A table constraint starts with a reserved word (PRIMARY, CONSTRAINT…): nothing after it
    is a type, though a name follows (``KEY``, the constraint's name) (kills the constraint's
    first word taken for the column's name as a string is)."""
    sql = (
        "CREATE TABLE t (a INT, PRIMARY KEY (a), CONSTRAINT one UNIQUE (a),\n"
        "  FOREIGN KEY (a) REFERENCES p (id))"
    )
    assert type_words(sql) == ["INT"]


def test_a_virtual_tables_arguments_are_not_types() -> None:
    """A virtual table's arguments are its module's to read: ``b UNINDEXED`` declares no type
    (kills the VIRTUAL test spelt otherwise, or its ``or`` made ``and``); nor do an index's
    columns (``a DESC``)."""
    assert type_words("CREATE VIRTUAL TABLE v USING fts5(a, b UNINDEXED)") == []
    assert type_words("CREATE VIRTUAL TABLE v USING mod(a TEXT)") == []
    assert type_words("CREATE INDEX i ON t (a DESC, b COLLATE nocase)") == []


# --- _listed_tables ------------------------------------------------------------------------


def listed(sql: str) -> list[str]:
    """The tokens ``_listed_tables`` says a FROM clause lists after a comma, in order."""
    tokens = tokenize(sql)
    sig = [i for i, t in enumerate(tokens) if t.kind is not COMMENT]
    return [tokens[sig[n]].text for n in sorted(_listed_tables(tokens, sig))]


def test_listed_tables_whatever_the_case_of_from() -> None:
    """FROM and JOIN are keywords in any case (kills the word's text no longer upper-cased,
    or upper-cased only for tokens that are not words)."""
    assert listed("select x from a, b") == ["b"]
    assert listed("Select x From a join b, c") == ["c"]
    assert listed("select x from (a, b)") == ["a", "b"]


def test_listed_tables_in_a_parenthesized_join() -> None:
    """``FROM (a JOIN b, c)``: the parentheses group tables, so a table stands first in them
    and after each comma in them (tests/test_parenthesized_from.py has the rest)."""
    assert listed("SELECT * FROM (a JOIN b, c)") == ["a", "c"]


def test_a_comma_after_the_from_clause_lists_no_table() -> None:
    """Once a word ends the FROM clause (GROUP BY, ORDER BY, WHERE…) or a ``;`` ends the
    statement, a comma separates other things (kills the words no longer ending the clause,
    and the ``;`` of a trigger's body no longer ending it: the next statement's WITH list
    then read as tables)."""
    assert listed("SELECT a, b FROM t GROUP BY a, b ORDER BY a, b") == []
    body = (
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM a;\n"
        "  WITH x AS (SELECT 1), y AS (SELECT 2) INSERT INTO b SELECT * FROM x, y; END"
    )
    assert listed(body) == ["y"]
    assert [tok.text for tok in tokenize(body)].count("y") == 2  # the WITH's y is not listed


@pytest.mark.parametrize("client", CLIENTS)
def test_a_view_with_a_parenthesis_too_many_is_sqlites_to_refuse(client: str) -> None:
    """A ``)`` with no ``(`` before it: the scratch copies read the statement before SQLite
    has seen it, so it must reach SQLite, which names the view, rather than fail with a raw
    IndexError (kills the outermost level of ``_listed_tables`` popped)."""
    schema = "CREATE TABLE a (x);\nCREATE VIEW v AS SELECT x) FROM a, a AS b;"
    with pytest.raises(inline_sync.DefinitionError, match="SQLite refused the view 'v'"):
        _sync(client, schema)


# --- _table_edits (rename_tables_in, tables_named_in) ---------------------------------------


def test_tables_named_in_reads_the_statement_after_its_own_name() -> None:
    """An index, trigger or view named like a table does not name that table: its own name
    (the first word after INDEX, TRIGGER or VIEW, past a comment) is not read (kills the own
    name looked for from the statement's first token, from the word before the kind, or
    the reading started on the own name itself)."""
    assert tables_named_in("CREATE INDEX t ON u (a)", {"t", "u"}) == {"u"}
    assert tables_named_in("CREATE UNIQUE INDEX /* t */ t ON u (a)", {"t", "u"}) == {"u"}
    assert tables_named_in("CREATE TRIGGER t AFTER INSERT ON u BEGIN SELECT 1; END", {"t"}) == (
        set()
    )
    assert tables_named_in("CREATE VIEW t AS SELECT 1 AS x", {"t"}) == set()


def test_a_views_column_named_with_a_string_is_no_table() -> None:
    """``CREATE VIEW v('t')``: SQLite accepts a view's column named with a string, and keeps
    it so; it is not the table t, which the view reads (kills the reading started one token
    later, where that string then stood as the statement's own name, which is always
    renamed)."""
    sql = "CREATE VIEW v('t') AS SELECT a FROM t"
    assert tables_named_in(sql, {"t"}) == {"t"}
    assert rename_tables_in(sql, {"t": "u"}) == "CREATE VIEW v('t') AS SELECT a FROM \"u\""
    assert tables_named_in("CREATE VIEW v('t') AS SELECT 1 AS a", {"t"}) == set()


def test_tables_named_in_leaves_out_a_column_named_like_a_table() -> None:
    """Only where a table's name surely stands (FROM t, t.x, ON t) is it one: a column or a
    function of the same name is not (kills ``surely`` made false, None or left out: the
    column t then counted, and a view that reads only a column t of another table was
    refused when table t was dropped)."""
    view = "CREATE VIEW v AS SELECT t, count(t) FROM u WHERE t > 0"
    assert tables_named_in(view, {"t", "u"}) == {"u"}
    assert rename_tables_in(view, {"t": "x"}) == view
    trigger = "CREATE TRIGGER tr AFTER INSERT ON u BEGIN SELECT new.t, t.a FROM t; END"
    assert tables_named_in(trigger, {"t"}) == {"t"}


# --- _name_edits (the prefix strategy's rewrite) --------------------------------------------


def _rewritten(schema: str) -> list[str]:
    defs = parse_definitions(schema, ignore_filter())
    names = {d.key for d in defs}
    return [rewrite_names(d.sql, d.tokens, names, d.name_token) for d in defs]


def test_only_an_fts_content_option_names_a_table_among_strings() -> None:
    """The prefix strategy rewrites a string only where SQLite reads a name: fts's
    ``content='t'`` names a table, but ``tokenize='porter'`` names a tokenizer even where a
    table porter is declared, and a literal after a column named content is a literal
    (kills the content option's ``and`` made ``or``: every string of a virtual table's
    arguments, or every one after a token named content, was then prefixed)."""
    schema = (
        "CREATE TABLE porter (body);\n"
        "CREATE VIRTUAL TABLE docs USING fts5(body, content='porter', tokenize='porter');\n"
        "CREATE VIEW v AS SELECT content, 'porter' AS k FROM (SELECT 1 AS content);"
    )
    assert _rewritten(schema) == [
        "CREATE TABLE __sync_porter (body)",
        "CREATE VIRTUAL TABLE __sync_docs USING fts5(body, content='__sync_porter', "
        "tokenize='porter')",
        "CREATE VIEW __sync_v AS SELECT content, 'porter' AS k FROM (SELECT 1 AS content)",
    ]


@pytest.mark.parametrize("client", ["sqlite3", "durable-object", "d1"])
def test_an_fts_table_whose_tokenizer_is_named_like_a_table_syncs(client: str) -> None:
    """A table named like fts5's tokenizer (``porter``) beside an fts5 table that uses it:
    the prefix strategy's copy must keep ``tokenize='porter'`` (fts5 has no tokenizer
    ``__sync_porter``) (kills every string of a virtual table's arguments prefixed)."""
    schema = (
        "CREATE TABLE porter (body);\n"
        "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='porter');"
    )
    options = {"scratch_schema": "prefix"} if client == "sqlite3" else {}
    assert _sync(client, schema, **options).status == "synced"


# --- _main_tails (a view's or trigger's main. in the scratch database) ----------------------


def test_main_tails_only_for_a_view_or_trigger_naming_main_when_no_object_is_main() -> None:
    """A view's ``FROM main.t`` names the scratch database in its copy; not where an object
    named main is declared (``main.t`` may be its column t), nor in a table, whose CHECK may
    name ``main.t.a`` (kills the three tests of the early return joined by ``and``, and the
    declared name looked for in another spelling)."""
    view = _definition("CREATE VIEW v AS SELECT * FROM main.t")
    assert _main_tails(view, frozenset({"t", "v"})) == (
        f"v AS SELECT * FROM {SCRATCH_DB}.t",
        "v AS SELECT * FROM main.t",
    )
    assert _main_tails(view, frozenset({"main", "t", "v"})) is None
    table = _definition("CREATE TABLE t (a, CHECK (main.t.a > 0))")
    assert _main_tails(table, frozenset({"t"})) is None


@pytest.mark.parametrize(
    "view",
    [
        "CREATE VIEW v AS SELECT DISTINCT main.a FROM t AS main",
        "CREATE VIEW v AS SELECT a FROM t AS main WHERE main.a",
    ],
)
def test_main_tails_leaves_an_alias_named_main(view: str) -> None:
    """``main.a`` in an expression is column a of a table or alias named main: left as it is
    wherever it stands, the fourth token of the view or its last two (kills a view's head
    read at the fourth token, as a trigger's is after ON, and the look three tokens ahead
    made unbounded or bounded by ``<=``: an IndexError at the end)."""
    assert _main_tails(_definition(view), frozenset({"t", "v"})) is None


@pytest.mark.parametrize("client", SCRATCH_DB_CLIENTS)
def test_views_reading_an_alias_named_main_sync(client: str) -> None:
    """The same views, synced where the copies are in a scratch database: their copies read
    the alias, as the user's views do."""
    schema = (
        "CREATE TABLE t (a);\n"
        "CREATE VIEW v AS SELECT DISTINCT main.a FROM t AS main;\n"
        "CREATE VIEW w AS SELECT a FROM t AS main WHERE main.a;"
    )
    assert _sync(client, schema).status == "synced"


@pytest.mark.parametrize("client", SCRATCH_DB_CLIENTS)
@pytest.mark.parametrize(
    "trigger",
    [
        "CREATE TRIGGER main_log AFTER INSERT t BEGIN SELECT 1; END",
        "CREATE TRIGGER main_log AFTER INSERT ON",
        "CREATE TRIGGER main_log AFTER INSERT ON t",
    ],
)
def test_a_trigger_naming_main_without_a_table_is_sqlites_to_refuse(
    client: str, trigger: str
) -> None:
    """A trigger whose text holds ``main`` (here in its name) but no ON, or ON as its last
    word: reading its ``main.`` before SQLite has seen it must not fail with a raw
    StopIteration, TypeError or IndexError; SQLite refuses it, naming it (kills the default
    of the search for ON made None or dropped, and the bounds of the token after ON made
    ``<=``, unbounded, or read from ON's index minus one)."""
    with pytest.raises(inline_sync.DefinitionError, match="SQLite refused the trigger 'main_log'"):
        _sync(client, f"CREATE TABLE t (a);\n{trigger};")


@pytest.mark.parametrize("client", SCRATCH_DB_CLIENTS)
def test_a_trigger_without_on_is_refused_in_the_users_words(client: str) -> None:
    """``INSTEAD OF INSERT main.v`` (ON left out): SQLite's error quotes the word where it
    stopped, ``main``, as the user wrote it, not the scratch database (kills the search for ON
    defaulting to 2: the fourth token, main, was then read as the trigger's table and
    renamed, and the message quoted "scratch")."""
    schema = (
        "CREATE TABLE t (a);\nCREATE VIEW v AS SELECT a FROM t;\n"
        "CREATE TRIGGER tr INSTEAD OF INSERT main.v BEGIN SELECT 1; END;"
    )
    with pytest.raises(inline_sync.DefinitionError, match='near "main": syntax error'):
        _sync(client, schema)
