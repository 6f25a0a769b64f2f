"""Tests written to kill surviving mutants of ``inline_sync/scratch.py`` (issue 14,
docs/mutation-testing.md): taking the scratch prefix off stored text, reading a database's
objects and its virtual tables' shadow tables. Each names, in its docstring, the mutations it
catches. ``inspect()`` goes through stdlib sqlite3, apsw and the Durable Object stand-in; the
helpers that only read text are tested directly."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from fake_d1 import FakeD1
from memory_clients import OPENERS, PREFIXED, run

import inline_sync
from inline_sync.clients import SQLite3Client
from inline_sync.d1 import sync_async
from inline_sync.scratch import read_objects, read_shadow_tables, strip_prefix
from inline_sync.statement_names import rewrite_names
from inline_sync.tokenizer import tokenize


@pytest.mark.parametrize(
    ("user", "stored"),
    [
        ("CREATE UNIQUE INDEX 'i' ON t (a)", "CREATE UNIQUE INDEX '__sync_i' ON __sync_t (a)"),
        ("CREATE VIRTUAL TABLE 'v' USING fts5(a)", "CREATE VIRTUAL TABLE '__sync_v' USING fts5(a)"),
        ("CREATE TABLE 's' (a)", "CREATE TABLE '__sync_s' (a)"),
    ],
)
def test_strip_prefix_finds_a_string_name_after_unique_or_virtual(user: str, stored: str) -> None:
    """SQLite accepts an object's name written as a string (``CREATE UNIQUE INDEX 'i'``) and
    stores it so; the prefix comes off it only there, where the name stands after ``CREATE
    [UNIQUE|VIRTUAL] <kind>``, or where SQLite reads a string as a name (after FROM, ON,
    JOIN…: ``_stored_name_index`` was folded into ``Token.names_object``). A string
    elsewhere is a literal and keeps its text."""
    names = {"i", "t", "v", "s"}
    assert strip_prefix(stored, names) == user
    assert strip_prefix("CREATE VIEW w AS SELECT '__sync_i' AS x", names) == (
        "CREATE VIEW w AS SELECT '__sync_i' AS x"
    )


def test_strip_prefix_takes_it_off_a_string_where_sqlite_reads_a_name() -> None:
    """``FROM '__sync_t'`` names the table, ``= '__sync_t'`` is a literal: the prefix comes
    off the first only, and off a string only when the word just before it says so (kills
    the word before looked up two tokens back, or not at all)."""
    stored = (
        "CREATE VIEW __sync_w AS SELECT a FROM '__sync_t' JOIN '__sync_u' "
        "WHERE b = '__sync_t' AND c IN ('__sync_u')"
    )
    assert strip_prefix(stored, {"t", "u", "w"}) == (
        "CREATE VIEW w AS SELECT a FROM 't' JOIN 'u' WHERE b = '__sync_t' AND c IN ('__sync_u')"
    )


def test_strip_prefix_takes_off_one_prefix_from_a_name_that_holds_it_twice() -> None:
    """A quoted name may hold the prefix itself after a quote character (the table
    ``a"__sync_b``): the scratch copy adds one prefix, and exactly one comes off (kills the
    ``count=1`` of the prefix substitution dropped or made 2)."""
    user = 'CREATE TABLE "a""__sync_b" (x)'
    tokens = tokenize(user)
    names = {'a"__sync_b'}
    scratch = rewrite_names(user, tokens, names, 2)
    assert scratch == 'CREATE TABLE "__sync_a""__sync_b" (x)'
    assert strip_prefix(scratch, names) == user


def test_rewrite_names_of_an_empty_statement() -> None:
    """No tokens, nothing to rewrite (kills reading the first token's offset of no tokens)."""
    assert rewrite_names("", (), {"t"}, 0) == ""


def _fts5_rows(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    conn.executescript("CREATE VIRTUAL TABLE docs USING fts5(body); CREATE TABLE docs_meta (k);")
    return read_objects(SQLite3Client(conn), "main")


def test_shadow_tables_listed_by_sqlite_count_even_when_named_like_a_declared_table() -> None:
    """For a module other than SQLite's own (sqlite-vec's vec0), a table SQLite lists as a
    shadow table (``PRAGMA table_list``) is one even where the name rule would not say so
    because the definitions declare that name (kills the pragma's query altered or given no
    schema, the shadow type spelt otherwise, and the names read as None)."""
    import apsw
    import sqlite_vec

    from inline_sync.clients import APSWClient

    conn = apsw.Connection(":memory:")
    conn.enable_load_extension(True)
    conn.load_extension(sqlite_vec.loadable_path())
    conn.execute("CREATE VIRTUAL TABLE v USING vec0(e float[2])")
    client = APSWClient(conn)
    rows = read_objects(client, "main")
    shadow = read_shadow_tables(client, "main", rows, frozenset({"v_info"}))
    assert {"v_info", "v_chunks", "v_rowids"} <= shadow


class _BeforeTableList(SQLite3Client):
    """SQLite before 3.37: no ``pragma_table_list``."""

    def query(self, sql: str, params: Any = ()) -> list[Any]:
        if "pragma_table_list" in sql:
            raise sqlite3.OperationalError("no such table: pragma_table_list")
        return super().query(sql, params)


def test_shadow_tables_by_name_alone_where_sqlite_cannot_list_them() -> None:
    """Before SQLite 3.37 ``pragma_table_list`` does not exist: that error is SQLite's, and
    the name rule alone decides (kills the SQLite error re-raised, the check asked about
    another exception, and ``listed`` left None for the name rule)."""
    conn = sqlite3.connect(":memory:")
    rows = _fts5_rows(conn)
    shadow = read_shadow_tables(_BeforeTableList(conn), "main", rows, frozenset({"docs_meta"}))
    assert shadow == {"docs_config", "docs_content", "docs_data", "docs_docsize", "docs_idx"}


@pytest.mark.parametrize("opener", list(OPENERS))
def test_inspect_leaves_out_the_index_and_trigger_of_an_ignored_table(opener: str) -> None:
    """``inspect(ignore=...)`` leaves out an ignored table with its index and trigger, whose
    own names the pattern does not match: they are known by the table they are on (kills
    ``read_objects`` reading no ``tbl_name``)."""
    db, conn = OPENERS[opener]()
    run(
        conn,
        "CREATE TABLE legacy_t (x);\n"
        "CREATE INDEX by_x ON legacy_t (x);\n"
        "CREATE TRIGGER stamp AFTER INSERT ON legacy_t BEGIN SELECT 1; END;\n"
        "CREATE TABLE t (a);\n"
        "CREATE INDEX t_a ON t (a)",
    )
    assert inline_sync.inspect(db, ignore=["legacy_*"]) == (
        "CREATE TABLE t (a);\n\nCREATE INDEX t_a ON t (a);\n"
    )


CLIENTS = [*OPENERS, "d1"]


def _sync(client: str, schema: str) -> Any:
    if client == "d1":
        return asyncio.run(sync_async(FakeD1(), schema))
    db, _ = OPENERS[client]()
    return inline_sync.sync(db, schema)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_trigger_with_no_on_is_refused_naming_it(client: str) -> None:
    """A trigger whose table cannot be read (``ON`` left out) is SQLite's to refuse, with a
    DefinitionError naming it (kills ``trigger_table`` reading the table of no event: a raw
    TypeError while the scratch round is built)."""
    schema = "CREATE TABLE t (a);\nCREATE TRIGGER tr AFTER INSERT t BEGIN SELECT 1; END;"
    with pytest.raises(inline_sync.DefinitionError, match="SQLite refused the trigger 'tr'"):
        _sync(client, schema)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_delete_trigger_on_a_view_and_an_update_trigger_without_rowid_are_fired_right(
    client: str,
) -> None:
    """Each trigger is fired by a statement of its own event: DELETE for an INSTEAD OF DELETE
    trigger on a view (an UPDATE of a view with no UPDATE trigger is refused), and on a WITHOUT
    ROWID table an UPDATE of its first column (it has no rowid) (kills the view's UPDATE
    statement chosen for every view trigger, or for every UPDATE trigger)."""
    schema = (
        "CREATE TABLE t (a);\n"
        "CREATE VIEW v AS SELECT a FROM t;\n"
        "CREATE TRIGGER v_del INSTEAD OF DELETE ON v BEGIN DELETE FROM t WHERE a = old.a; END;\n"
        "CREATE TABLE w (k TEXT PRIMARY KEY, n INT) WITHOUT ROWID;\n"
        "CREATE TRIGGER w_upd AFTER UPDATE ON w BEGIN INSERT INTO t VALUES (new.n); END;"
    )
    assert _sync(client, schema).status == "synced"


@pytest.mark.parametrize("client", CLIENTS)
def test_an_update_trigger_on_a_view_whose_body_cannot_run_is_refused(client: str) -> None:
    """An INSTEAD OF UPDATE trigger on a view is fired too (an UPDATE of the view), so a body
    SQLite cannot compile is refused before anything changes (kills the view's UPDATE
    statement made for every other event instead: this one then went unchecked)."""
    schema = (
        "CREATE TABLE t (a);\n"
        "CREATE VIEW v AS SELECT a FROM t;\n"
        "CREATE TRIGGER v_upd INSTEAD OF UPDATE ON v BEGIN UPDATE t SET nosuch = 1; END;"
    )
    with pytest.raises(inline_sync.DefinitionError, match="the trigger 'v_upd' cannot run"):
        _sync(client, schema)


@pytest.mark.parametrize("client", CLIENTS)
def test_an_update_of_two_columns_trigger_on_a_view_is_accepted(client: str) -> None:
    """A view's INSTEAD OF UPDATE OF a, b trigger is fired by one UPDATE setting both columns,
    a valid statement (kills the separator of the SET list altered)."""
    schema = (
        "CREATE TABLE t (a, b);\n"
        "CREATE VIEW v AS SELECT a, b FROM t;\n"
        "CREATE TRIGGER v_upd INSTEAD OF UPDATE OF a, b ON v BEGIN UPDATE t SET a = new.a; END;"
    )
    assert _sync(client, schema).status == "synced"


# Where the scratch copies are __sync_-prefixed (a column named like a table is prefixed too).


@pytest.mark.parametrize(("client", "strategy"), PREFIXED)
def test_an_update_of_trigger_on_a_column_named_like_a_table_is_checked(
    client: str, strategy: str
) -> None:
    """``AFTER UPDATE OF u`` where ``u`` is a column and also a table: the scratch copy names
    the column ``__sync_u``, and the check must SET that column, or SQLite does not compile
    the trigger at all and a body that cannot run goes through (kills the prefixed column
    mapped under another name, or to None)."""
    schema = (
        "CREATE TABLE u (x);\n"
        "CREATE TABLE t (id INTEGER PRIMARY KEY, u TEXT);\n"
        "CREATE TRIGGER t_u AFTER UPDATE OF u ON t BEGIN UPDATE u SET nosuch = 1; END;"
    )
    with pytest.raises(inline_sync.DefinitionError, match="the trigger 't_u' cannot run"):
        if client == "d1":
            asyncio.run(sync_async(FakeD1(), schema))
        else:
            db, _ = OPENERS[client]()
            inline_sync.sync(db, schema, scratch_schema=strategy)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("event", ["DELETE", "INSERT", "UPDATE", "UPDATE OF a"])
def test_a_trigger_without_before_or_after_is_checked_too(client: str, event: str) -> None:
    """BEFORE/AFTER may be left out (it means BEFORE): the event is then the first word after
    the trigger's name, and the trigger is fired all the same, so a body SQLite cannot run is
    refused before anything changes (kills the event read one token further on)."""
    schema = (
        f"CREATE TABLE t (a);\nCREATE TRIGGER tr {event} ON t BEGIN UPDATE t SET nosuch = 1; END;"
    )
    with pytest.raises(inline_sync.DefinitionError, match="the trigger 'tr' cannot run"):
        _sync(client, schema)
    assert _sync(client, schema.replace("nosuch", "a")).status == "synced"


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    "trigger",
    [
        "CREATE TRIGGER tr AFTER UPDATE",
        "CREATE TRIGGER tr AFTER UPDATE OF",
        "CREATE TRIGGER tr AFTER UPDATE OF a",
        "CREATE TRIGGER tr UPDATE OF a,",
    ],
)
def test_a_trigger_cut_short_after_its_event_is_sqlites_to_refuse(
    client: str, trigger: str
) -> None:
    """The trigger checks read a trigger's event before SQLite has seen the statement, so a
    definition that ends right after ``UPDATE``, ``OF``, an OF column or its comma must reach
    SQLite, which names the trigger, rather than fail with a raw IndexError (kills each bound
    of ``_trigger_event``'s OF list made ``<=``/``>`` and the loop's ``and`` made ``or``)."""
    with pytest.raises(inline_sync.DefinitionError, match="SQLite refused the trigger 'tr'"):
        _sync(client, f"CREATE TABLE t (a);\n{trigger};")


# SQLite's own modules, each in the forms whose shadow tables differ (contentless, no docsize),
# and the module name as SQLite also accepts it (any case, quoted).
_BUILTIN_VTABS = [
    "fts3(a)",
    "fts4(a)",
    "fts4(a, content='')",
    "fts4(a, content='x')",
    "fts5(a)",
    "fts5(a, content='', columnsize=0)",
    "rtree(id, x0, x1)",
    "rtree_i32(id, x0, x1)",
    "geopoly(a)",
    "FTS5(a)",
    '"Fts4"(a)',
    "[rtree](id, x0, x1)",
]
# Every suffix a builtin module uses, and one none does.
_SUFFIXES = ["content", "segments", "segdir", "docsize", "stat", "data", "idx", "config"]
_SUFFIXES += ["node", "parent", "rowid", "meta"]


@pytest.mark.parametrize("vtab", _BUILTIN_VTABS)
def test_shadow_tables_of_sqlites_own_modules_are_the_ones_sqlite_lists(vtab: str) -> None:
    """For SQLite's own modules the library knows the shadow tables by name, without asking
    SQLite (which cannot tell before 3.37): beside a virtual table ``Docs``, a table
    ``docs_<suffix>`` for every suffix any builtin module uses (the module's own, and
    ordinary tables for the rest, undeclared) must come out exactly as ``PRAGMA table_list``
    types them (kills any suffix of ``_BUILTIN_SHADOWS`` left out or misspelt, a module's name
    misspelt, the module name read case-sensitively or without its quotes, and the
    ``<table>_<suffix>`` name built otherwise; each checked by hand, the constants being out of
    mutmut's reach)."""
    import apsw  # it has geopoly, which the stdlib's SQLite here may not

    from inline_sync.clients import APSWClient
    from inline_sync.scratch import shadow_names

    conn = apsw.Connection(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE Docs USING {vtab}")
    tables = conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
    made = {str(r[0]).lower() for r in tables}
    for suffix in _SUFFIXES:
        if f"docs_{suffix}" not in made:
            conn.execute(f"CREATE TABLE docs_{suffix} (x)")
    listed = {
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'"
        )
    }
    assert {n.lower() for n in listed} >= {n for n in made if n != "docs"}
    rows = read_objects(APSWClient(conn), "main")
    assert shadow_names(rows, set(), set()) == listed


# Tables named like SQL words, beside statements that use the word as SQL, a column or a
# function: the prefixed copies rename the table only where the word names it.
_LOOKALIKES = [
    # the header: IF NOT EXISTS and a schema qualifier are never a table's name
    'CREATE TABLE "if" (a);\nCREATE TABLE IF NOT EXISTS t (b);',
    'CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON "if" BEGIN SELECT 1; END;\n'
    'CREATE TABLE "if" (a);',
    "CREATE TABLE main (a);\nCREATE TABLE main.t (b);\nCREATE INDEX main.i ON t (b);",
    # every statement starts with the table's name
    'CREATE TABLE "create" (a);\nCREATE TABLE t (b REFERENCES "create" (a));',
    # a keyword (ORDER), a function (max), a column after a column named main, a column
    # after "t."
    'CREATE TABLE "order" (a);\nCREATE TABLE t (b);\nCREATE VIEW v AS SELECT b FROM t ORDER BY b;',
    "CREATE TABLE max (a);\nCREATE TABLE t (b);\nCREATE VIEW v AS SELECT (max(b)) AS m FROM t;",
    'CREATE TABLE "key" (a);\nCREATE TABLE t (main, x, key);\n'
    "CREATE VIEW v AS SELECT main, key FROM t;\nCREATE VIEW w AS SELECT t.key FROM t;",
    # an object named by a string
    "CREATE TABLE t (a);\nCREATE INDEX 'i' ON t (a);",
]


@pytest.mark.parametrize("schema", _LOOKALIKES)
@pytest.mark.parametrize(("client", "strategy"), [*PREFIXED, ("sqlite3", "auto")])
def test_a_table_named_like_an_sql_word_is_renamed_only_where_it_names_the_table(
    client: str, strategy: str, schema: str
) -> None:
    """Where the scratch copies are prefixed, a table named ``if``, ``main``, ``create``,
    ``order``, ``max`` or ``key`` is renamed where the word names it and nowhere else: not
    the IF of ``IF NOT EXISTS`` nor the ``main.`` before an object's name (both were
    prefixed: a syntax error and "unknown database main" on Durable Objects and D1, while
    the same definitions synced on sqlite3), not the first word CREATE, not ``max(``, not a
    column ``key`` after ``main,`` or ``t.``; and an index named by a string still has its
    table prefixed. Kills, in ``_name_edits``: the string name's ``continue`` made ``break``;
    the previous token read of the first token (``prev`` unguarded, ``prev_word`` or
    ``after_dot`` read off None); ``after_dot`` true after any operator; the keyword test made
    lower-case; ``after_main`` without its dot or its ``main``. Each definition must sync,
    and a second plan find nothing to do."""
    if client == "d1":
        assert asyncio.run(sync_async(FakeD1(), schema)).status == "synced"
        return
    db, _ = OPENERS[client]()
    assert inline_sync.sync(db, schema, scratch_schema=strategy).status == "synced"
    assert inline_sync.plan(db, schema, scratch_schema=strategy).status == "up-to-date"


@pytest.mark.parametrize("client", CLIENTS)
def test_an_update_of_three_columns_trigger_is_checked(client: str) -> None:
    """``AFTER UPDATE OF a, b, c``: the whole OF list is read up to ON, so the trigger is
    fired and a body SQLite cannot run is refused before anything changes (kills the comma
    misspelt, the step over it made ``= 1`` or ``+= 2``: the event then ends on a comma, is
    not read, and the trigger goes unchecked)."""
    schema = (
        "CREATE TABLE t (a, b, c);\n"
        "CREATE TRIGGER tr AFTER UPDATE OF a, b, c ON t BEGIN UPDATE t SET nosuch = 1; END;"
    )
    with pytest.raises(inline_sync.DefinitionError, match="the trigger 'tr' cannot run"):
        _sync(client, schema)
    assert _sync(client, schema.replace("nosuch", "a")).status == "synced"


@pytest.mark.parametrize(("client", "strategy"), [*PREFIXED, ("sqlite3", "auto"), ("apsw", "auto")])
def test_a_trigger_on_a_schema_qualified_table_is_checked(client: str, strategy: str) -> None:
    """``ON main.t`` (SQLite accepts the table qualified) names the table after the dot: the
    trigger is fired on its scratch table, so a body SQLite cannot run is refused, and a
    good one syncs, after which nothing is left to do (kills the qualified form never taken,
    the table read at ``j - 3`` or ``j + 4``, and the dot looked for elsewhere or misspelt:
    the trigger was then taken to be on a table "main" and went unchecked). Under a scratch
    database the copy's ``main.`` must name the scratch database, and the text read back
    must be the user's (the trigger is found by its folded name): SQLite refused the copy
    there ("trigger tr cannot reference objects in database main") though it accepts the
    definition in a real database."""
    schema = (
        "CREATE TABLE t (a);\n"
        "CREATE TRIGGER Tr AFTER INSERT ON main.t BEGIN UPDATE t SET nosuch = 1; END;"
    )
    if client == "d1":
        with pytest.raises(inline_sync.DefinitionError, match="the trigger 'Tr' cannot run"):
            asyncio.run(sync_async(FakeD1(), schema))
        assert asyncio.run(sync_async(FakeD1(), schema.replace("nosuch", "a"))).status == "synced"
        return
    db, conn = OPENERS[client]()
    with pytest.raises(inline_sync.DefinitionError, match="the trigger 'Tr' cannot run"):
        inline_sync.sync(db, schema, scratch_schema=strategy)
    good = schema.replace("nosuch", "a")
    assert inline_sync.sync(db, good, scratch_schema=strategy).status == "synced"
    assert inline_sync.plan(db, good, scratch_schema=strategy).status == "up-to-date"
    conn.execute("INSERT INTO t VALUES (1)")
    assert inline_sync.inspect(db).endswith("ON main.t BEGIN UPDATE t SET a = 1; END;\n")


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("trigger", "error"),
    [
        ("CREATE TRIGGER tr AFTER INSERT ON t", "SQLite refused the trigger 'tr'"),
        ("CREATE TRIGGER tr AFTER INSERT ON main.", "SQLite refused the trigger 'tr'"),
        ("CREATE TRIGGER tr AFTER INSERT ON main", "the trigger 'tr' is on main, which the"),
        ("CREATE TRIGGER tr AFTER INSERT ON nosuch", "the trigger 'tr' is on nosuch, which the"),
    ],
)
def test_a_trigger_cut_short_after_on_is_refused_naming_it(
    client: str, trigger: str, error: str
) -> None:
    """A trigger cut short after ``ON t``, ``ON main.`` or ``ON main`` is refused with a
    DefinitionError naming it, never a raw IndexError: SQLite's "incomplete input", or,
    where the table it names is not declared, that (kills the qualified form's bound made
    ``j - 2`` or ``<=``, the final bound dropped or made ``<=``, and the table read one token
    too soon: ``main`` of ``ON main.`` taken for the table)."""
    with pytest.raises(inline_sync.DefinitionError, match=error):
        _sync(client, f"CREATE TABLE t (a);\n{trigger};")


def test_shadow_tables_of_a_virtual_table_whose_module_follows_a_comment() -> None:
    """SQLite accepts a comment between USING and the module's name (``USING/**/fts5``) and
    stores it so; the module is then not recognised by name, and the rule for other modules
    applies: every undeclared ``docs_…`` table is a shadow table, which for fts5 is exactly
    its five (kills the module's match used unchecked: a raw TypeError)."""
    from inline_sync.scratch import shadow_names

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE docs USING/* the index */fts5(body)")
    rows = read_objects(SQLite3Client(conn), "main")
    assert shadow_names(rows, {"docs"}, set()) == {
        "docs_config", "docs_content", "docs_data", "docs_docsize", "docs_idx"
    }  # fmt: skip
