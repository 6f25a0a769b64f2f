"""Tests written to kill surviving mutants of ``inline_sync/scratch_round.py`` (issue 14,
docs/mutation-testing.md): reading the table an index is on, which live tables the sync
leaves in place, the round that reads whether the live tables hold rows, and a trigger on a
name no table of the definitions has. Each names, in its docstring, the mutations it
catches. The helpers are called directly on a :class:`ScratchRound` built from parsed
definitions (no database: nothing here runs a round)."""

from __future__ import annotations

import sqlite3

import pytest

import inline_sync
from inline_sync import definitions
from inline_sync.capabilities import Capabilities
from inline_sync.definitions import Definition, parse_definitions
from inline_sync.errors import SyncError
from inline_sync.names import NameFilter
from inline_sync.rounds import Round, RoundError, Started, _Again
from inline_sync.scratch_round import ScratchRound
from inline_sync.statement_names import index_table as _index_table


def index_of(text: str) -> Definition:
    """The index of the definitions ``text``."""
    return next(d for d in parse_definitions(text, NameFilter([])) if d.kind == "index")


def scratch_round(
    text: str, tables: dict[str, tuple[str, bool]], ignore: tuple[str, ...] = ()
) -> ScratchRound:
    """A scratch round of the definitions ``text`` against the live ``tables`` (folded name
    -> (name, virtual)), under the prefix strategy."""
    skip = NameFilter(ignore)
    return ScratchRound(parse_definitions(text, skip), skip, tables, Started(), "'fp'")


@pytest.mark.parametrize(
    ("text", "table"),
    [
        # A comment after the name or ON: the plain reading does not apply, the tokens are read.
        ("CREATE TABLE t (a);\nCREATE INDEX i /* c */ ON t (a);", "t"),
        ("CREATE TABLE t (a);\nCREATE INDEX i ON /* c */ t (a);", "t"),
        ("CREATE TABLE t (a);\nCREATE INDEX i /* c */ ON 't' (a);", "t"),  # a string: a name
        ("CREATE TABLE t (a);\nCREATE INDEX i /* c */ ON s.t (a);", None),  # qualified
        ("CREATE TABLE t (a);\nCREATE INDEX i /* c */ ON t", None),  # nothing after the name
        ("CREATE TABLE t (a);\nCREATE INDEX i /* c */ ON t (", "t"),  # three tokens
    ],
)
def test_the_table_of_an_index_is_read_from_its_tokens(text: str, table: str | None) -> None:
    """Where a comment stands after the index's name or its ON, its table is read from the
    tokens after the name (kills the tokens read from one before or two after the name: the
    second skips ON where the comment follows it; only the comments kept; the ON word or the
    name looked for elsewhere; a string not read as a name after ON; the test for a qualified
    name dropped or inverted; and the length test changed: an IndexError at two tokens,
    nothing read at three)."""
    assert _index_table(index_of(text)) == table


def test_the_table_of_a_plainly_written_index_is_read_without_tokenizing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An index written plainly (ON, its table, then white space or "(") has its table read
    from the text after its name: the whole statement is never tokenized (an index already
    in place costs nothing to recognize). Kills the offset into the text lost, shifted by
    the statement's start instead of taken from it, or measured from the second token, and
    the plain reading dropped: each falls back to tokenizing the statement whole."""
    d = index_of("CREATE TABLE plain_t (a);\nCREATE INDEX plain_i ON plain_t (a);")
    read: list[str] = []
    real = definitions.tokenize
    monkeypatch.setattr(definitions, "tokenize", lambda sql, *a: read.append(sql) or real(sql, *a))
    assert d.head[0].start > 0  # not the first statement: its offset counts
    assert _index_table(d) == "plain_t"
    assert read == []


def test_a_shadow_table_of_a_declared_virtual_table_stays() -> None:
    """A live shadow table (``v_data``) of a virtual table the definitions declare is left in
    place though not declared itself, and is live only: a view or trigger of the definitions
    may read it (kills the "_" after the virtual table's name altered, and the declared test
    made to require the ignore list too, or inverted)."""
    rnd = scratch_round(
        "CREATE VIRTUAL TABLE v USING fts5(a);",
        {"v": ("v", True), "v_data": ("v_data", False), "old": ("old", False)},
    )
    assert rnd._stays("v_data")
    assert not rnd._stays("old")
    assert rnd._live_only("v_data")
    assert rnd._gone() == frozenset({"old"})


def test_an_ignored_table_whose_name_has_white_space_or_an_x_at_its_ends_is_live_only() -> None:
    """A live ignored table is live only whatever its name: white space or the letter x at
    either end of it stays part of it (kills white space stripped from the name instead of
    quotes, and the letters X stripped with the quotes)."""
    tables = {" pad ": (" pad ", False), "x_ign_x": ("x_ign_x", False)}
    rnd = scratch_round("CREATE TABLE t (a);", tables, ignore=(" pad ", "x_ign_x"))
    assert rnd._live_only(" pad ")
    assert rnd._live_only("x_ign_x")
    assert rnd._live_only("X_IGN_X")  # names compare case-insensitively


def read_rows_failing(message: str) -> BaseException:
    """What the round that reads whether the live tables hold rows raises when SQLite
    refuses it with ``message``."""
    rnd = scratch_round("CREATE TABLE t (a);", {"t": ("t", False), "u": ("u", False)})
    rnd.round()
    steps = rnd._read_rows()
    request = next(steps)
    assert isinstance(request, Round)
    with pytest.raises((SyncError, _Again)) as caught:
        steps.throw(RoundError(message, 0))
    return caught.value


def test_a_table_that_vanished_before_its_rows_were_read_means_plan_again() -> None:
    """A table gone by the time its rows are read: the schema moved, so plan again (kills
    the "no such table" test's text altered or inverted)."""
    assert isinstance(read_rows_failing("no such table: main.u"), _Again)


def test_another_failure_reading_the_rows_names_what_failed() -> None:
    """Any other refusal reading the rows is a SyncError that says what failed and quotes
    SQLite (kills the message dropped, and the "no such table" test inverted)."""
    exc = read_rows_failing("disk I/O error")
    assert isinstance(exc, SyncError) and not isinstance(exc, _Again)
    assert str(exc) == "reading the live tables failed: disk I/O error"


def test_a_trigger_named_as_its_undeclared_table_is_refused_by_sqlite() -> None:
    """A trigger on ``x`` where the definitions declare no table ``x`` but the trigger is
    itself named ``x``: the check of targets takes the name as declared, and the scratch
    copy of the trigger is refused by SQLite, a DefinitionError naming it, not a raw
    AttributeError while the statement that fires it is written (kills the test for a table
    without a definition made to need no table read as well)."""
    conn = sqlite3.connect(":memory:")
    with pytest.raises(inline_sync.DefinitionError, match="'x'"):
        inline_sync.sync(conn, "CREATE TRIGGER x AFTER INSERT ON x BEGIN SELECT 1; END;")


def test_a_trigger_on_a_table_with_an_empty_name_is_fired_in_the_check() -> None:
    """SQLite accepts a table named ``""``; a trigger on it is fired in the scratch round like
    any other, so a body that cannot run is refused before the sync (kills the empty name,
    which is false, looked up as another name: the trigger's table not found, its check
    left out)."""
    conn = sqlite3.connect(":memory:")
    with pytest.raises(inline_sync.DefinitionError, match="cannot run: no such function"):
        inline_sync.sync(
            conn,
            'CREATE TABLE "" (a);\n'
            'CREATE TRIGGER tr AFTER INSERT ON "" BEGIN SELECT no_such_function(1); END;',
        )
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []


@pytest.mark.parametrize(
    ("row", "left_out"),
    [
        (("index", "ix", "ign_t", "CREATE INDEX ix ON ign_t (a)"), True),  # on an ignored table
        (("trigger", "tr", "ign_t", "CREATE TRIGGER tr ..."), True),
        (("index", "ign_ix", "t", "CREATE INDEX ign_ix ON t (a)"), True),  # ignored by name
        (("table", "__sync_x", "__sync_x", "CREATE TABLE __sync_x (a)"), True),  # not ours
        (("index", "ix", "t", "CREATE INDEX ix ON t (a)"), False),
        (("table", "ign_t_copy", "ign_t", "CREATE TABLE ign_t_copy (a)"), False),
        (("view", "v", "ign_t", "CREATE VIEW v AS SELECT * FROM ign_t"), False),
    ],
)
def test_the_comparison_leaves_out_ignored_and_foreign_objects(
    row: tuple[str, str, str, str], left_out: bool
) -> None:
    """An object is left out of the comparison when its name is ignored, when it is an
    index or trigger on an ignored table (its tbl_name), or when it is a ``__sync_`` object
    in main; a table or view is never left out for its tbl_name (kills the kind, name or
    table read from the wrong column, the ``__sync_`` test joined by "and", the "or"
    between the name and the table made "and", and the index/trigger test inverted or
    spelled otherwise)."""
    rnd = scratch_round("CREATE TABLE t (a);", {}, ignore=("ign_t", "ign_ix"))
    assert rnd._left_out(row) is left_out


@pytest.mark.parametrize("one_transaction", [False, True])
def test_an_up_to_date_plan_says_the_sqlite_version_and_the_fingerprint(
    one_transaction: bool,
) -> None:
    """When both sides hold the same objects the plan is empty but still names the SQLite
    version it was made with, and comes with the fingerprint the round read, or none (an
    empty string) where one transaction holds the sync (kills the version text dropped,
    joined otherwise or left out of the plan, and the missing fingerprint made a text)."""
    rnd = ScratchRound(
        parse_definitions("CREATE TABLE t (a);", NameFilter([])),
        NameFilter([]),
        {},
        Started(one_transaction=one_transaction),
        "'fp'",
    )
    rnd.round()
    reply: list[list[tuple[object, ...]]] = [[] for _ in rnd.statements]
    if not one_transaction:
        reply[rnd.at["fingerprint"]] = [("fp",)]
    plan, fingerprint = rnd.plan(reply, Capabilities((3, 45, 1)))
    assert plan.sqlite_version == "3.45.1"
    assert fingerprint == ("" if one_transaction else "fp")


def test_an_up_to_date_scratch_database_is_recognized_from_the_rows_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In a scratch database, with no virtual table on either side, the objects as SQLite
    lists them settle an up-to-date database: the text comparison (``same_text``) is never
    reached, whether the state table is there yet or not (kills the shortcut taken only with
    shadow tables, the live rows required to be more than the desired ones, a live row
    matched by its name or its table instead of its kind and name, and the desired rows
    required to hold one left out)."""
    from inline_sync import introspect

    compared: list[int] = []
    real = introspect.same_text
    monkeypatch.setattr(introspect, "same_text", lambda *a: compared.append(1) or real(*a))
    schema = "CREATE TABLE t (a, b);\nCREATE INDEX t_b ON t (b);"
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema)  # made by hand: no state table, the same rows on both sides
    plan = inline_sync.plan(conn, schema, scratch_schema="scratch-db")
    assert not plan.steps
    inline_sync.sync(conn, schema, scratch_schema="scratch-db", force=True)
    assert compared == []
    conn.execute("CREATE TABLE extra (c)")  # the slow way still decides when a row differs
    assert inline_sync.plan(conn, schema, scratch_schema="scratch-db").steps
    assert compared == [1]


def diagnose(
    rnd: ScratchRound, index: int | None, message: str, views: list[tuple[str]] | None = None
) -> tuple[BaseException | None, list[Round]]:
    """Run ``_diagnose`` for SQLite's refusal ``message`` of statement ``index`` of the round
    (answering a "live views" round with ``views``): what it raised (None: it returned, the
    check is left out) and the rounds it asked for."""
    asked: list[Round] = []
    steps = rnd._diagnose(RoundError(message, index), index)
    try:
        request = next(steps)
        while True:
            asked.append(request)
            request = steps.send([views or []])
    except StopIteration:
        return None, asked
    except (SyncError, _Again) as exc:
        return exc, asked


def check_of(rnd: ScratchRound, name: str) -> int:
    """The position in the round of the check that reads the view ``name``."""
    rnd.round()
    return next(
        i
        for i, (sql, _) in enumerate(rnd.statements)
        if sql.startswith("SELECT name FROM pragma_table_info(") and name in sql
    )


VIEW_OF_GONE = "CREATE TABLE t (a);\nCREATE VIEW v AS SELECT * FROM gone;"


def test_a_view_reading_a_missing_table_is_refused_without_a_note() -> None:
    """Under the prefix strategy a view whose check reads a table that is nowhere is refused
    in a DefinitionError quoting SQLite, with no note that the table is in the database, and
    no round asked for (kills the live views looked up outside a scratch database, for any
    name, or for a name the definitions declare; the view found made ""; and the note added
    for any missed name)."""
    rnd = scratch_round(VIEW_OF_GONE, {"t": ("t", False)})
    exc, asked = diagnose(rnd, check_of(rnd, "v"), "no such table: main.gone")
    assert asked == []
    assert isinstance(exc, inline_sync.DefinitionError)
    assert "the view 'v' cannot be read: no such table: main.gone" in str(exc)
    assert "is in the database now" not in str(exc)


def test_a_view_failing_otherwise_is_not_taken_for_one_missing_a_table() -> None:
    """A check refused for another reason than a missing table names no table: a live table
    the sync drops, whatever its name, gets no note (kills the name read from a message
    without "no such table" made a text)."""
    rnd = scratch_round(VIEW_OF_GONE, {"t": ("t", False), "xxxx": ("XXXX", False)})
    exc, _ = diagnose(rnd, check_of(rnd, "v"), "no such column: zz")
    assert isinstance(exc, inline_sync.DefinitionError)
    assert "is in the database now" not in str(exc)


@pytest.mark.parametrize("ignored", [" pad ", "X_ign_X"])
def test_a_check_reading_an_ignored_live_table_is_left_out(ignored: str) -> None:
    """A view reading a live table on the ignore list is for the live database to decide:
    its check is left out, whatever white space or x the table's name has at its ends (kills
    white space stripped from the missed name instead of quotes, and x stripped with them)."""
    tables = {"t": ("t", False), ignored.lower(): (ignored, False)}
    rnd = scratch_round(VIEW_OF_GONE, tables, ignore=(ignored,))
    index = check_of(rnd, "v")
    exc, asked = diagnose(rnd, index, f"no such table: main.{ignored}")
    assert (exc, asked) == (None, [])
    assert rnd.statements[index][0] in rnd.exempt


def test_a_scratch_database_asks_for_the_live_views_in_a_round_named_so() -> None:
    """In a scratch database a check missing a name that is neither a live table nor
    declared asks, in a round of its own named "live views", whether a live view has that
    name (kills the round's purpose dropped or spelled otherwise)."""
    skip = NameFilter([])
    rnd = ScratchRound(
        parse_definitions(VIEW_OF_GONE, skip), skip, {"t": ("t", False)},
        Started(strategy="scratch-db"), "'fp'",
    )  # fmt: skip
    exc, asked = diagnose(rnd, check_of(rnd, "v"), "no such table: gone", views=[("gone",)])
    assert [r.purpose for r in asked] == ["live views"]
    assert isinstance(exc, inline_sync.DefinitionError)
    assert "(gone is in the database now, but the definitions do not declare it" in str(exc)


def test_a_failure_of_the_engine_s_own_statement_names_the_scratch_schema() -> None:
    """A refusal of a statement no definition owns (or of an unknown one) is a SyncError
    saying building the scratch schema failed, quoting SQLite (kills the owner looked up
    without a position, the "or" made "and", and the message dropped)."""
    rnd = scratch_round("CREATE TABLE t (a);", {"t": ("t", False)})
    rnd.round()
    for index in (None, rnd.at["objects"]):
        exc, _ = diagnose(rnd, index, "disk I/O error")
        assert isinstance(exc, SyncError) and not isinstance(exc, _Again)
        assert str(exc) == "building the scratch schema failed: disk I/O error"
    exc, _ = diagnose(rnd, None, "no such table: main.t")
    assert str(exc) == "building the scratch schema failed: no such table: main.t"


def test_the_first_drop_of_a_copy_failing_says_why() -> None:
    """The first DROP of a scratch copy refused for a missing table (an ON DELETE action
    reaching a copy dropped before it) says which copy and why (kills the first drop taken
    for a table vanished meanwhile, and the explanation altered)."""
    rnd = scratch_round(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p REFERENCES p ON DELETE CASCADE);",
        {},
    )
    rnd.round()
    exc, _ = diagnose(rnd, rnd.first_drop, "no such table: main.__sync_c")
    copy = rnd.statements[rnd.first_drop][0].split("__sync_")[-1].strip('"; ')
    assert str(exc) == (
        f"the scratch copy of table {copy!r} cannot be dropped with foreign keys on "
        "(no such table: main.c): the ON DELETE actions of the tables that reference it "
        "reach a table dropped before it, and tables that reference each other so cannot "
        "all be dropped where foreign keys stay on; nothing was changed"
    )


def test_a_create_refused_for_a_missing_table_is_never_left_out() -> None:
    """Only a check (a statement that reads) is left out when it misses a live table that
    stays: a CREATE refused for a missing one is the definition's fault, named as SQLite
    refusing it (kills the missed name read from a CREATE's refusal too)."""
    rnd = scratch_round(VIEW_OF_GONE, {"t": ("t", False), "ign": ("ign", False)}, ("ign",))
    rnd.round()
    index = next(i for i, (sql, _) in enumerate(rnd.statements) if sql.startswith("CREATE VIEW"))
    exc, _ = diagnose(rnd, index, "no such table: main.ign")
    assert isinstance(exc, inline_sync.DefinitionError)
    assert "SQLite refused the view 'v': no such table: main.ign" in str(exc)
    assert not rnd.exempt


@pytest.mark.parametrize("scratch_schema", ["prefix", "scratch-db"])
def test_an_up_to_date_virtual_table_is_recognized_without_planning(
    monkeypatch: pytest.MonkeyPatch, scratch_schema: str
) -> None:
    """An fts5 table whose shadow tables are on both sides: the text comparison leaves the
    shadow tables out of each side, so the database is up to date without the planner being
    asked (kills either side's shadow tables not passed to the comparison)."""
    from inline_sync import planner

    planned: list[int] = []
    real = planner.build_plan
    monkeypatch.setattr(planner, "build_plan", lambda *a: planned.append(1) or real(*a))
    schema = "CREATE TABLE t (a);\nCREATE VIRTUAL TABLE docs USING fts5(body);"
    conn = sqlite3.connect(":memory:")
    inline_sync.sync(conn, schema, scratch_schema=scratch_schema)
    planned.clear()
    inline_sync.sync(conn, schema, scratch_schema=scratch_schema, force=True)
    assert planned == []


def test_a_table_the_listing_missed_is_assumed_to_hold_rows() -> None:
    """A live table that appeared after the tables were listed (none was listed here) is
    assumed to hold rows, the safe answer, and that answer is recorded as asked (D1's apply
    round checks it): a NOT NULL column without a default is added by a rebuild (kills the
    default made None or False, or dropped)."""
    skip = NameFilter([])
    defs = parse_definitions("CREATE TABLE t (a, b INTEGER NOT NULL);", skip)
    rnd = ScratchRound(defs, skip, {}, Started(one_transaction=True), "'fp'")
    rnd.round()
    reply: list[list[tuple[object, ...]]] = [[] for _ in rnd.statements]
    reply[rnd.at["legacy"]] = [(0,)]
    reply[rnd.at["foreign keys"]] = [(0,)]
    reply[rnd.at["objects"]] = [
        ("table", "t", "t", "CREATE TABLE t (a)"),
        ("table", "__sync_t", "__sync_t", "CREATE TABLE main.__sync_t (a, b INTEGER NOT NULL)"),
    ]
    rnd.compared = rnd._compare(reply)
    plan, _ = rnd.plan(reply, Capabilities((3, 45, 1)))
    assert rnd.asked == {"t": True}
    assert "rebuild" in str(plan)
