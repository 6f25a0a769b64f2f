"""Tests written to kill mutants of the planning stages that the rest of the suite let live
(issue 14; see docs/mutation-testing.md). Each names, in its docstring, the mutation it catches.
They go through the clients that matter for the behaviour: stdlib sqlite3 and the Durable Object
stand-in (tests/fake_durable_object.py), whose drift detection reads ``sqlite_schema``."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from fake_durable_object import FakeStorage
from memory_clients import apsw_db, rows

import inline_sync
from inline_sync.ddl import parse_table
from inline_sync.diff import Capabilities, compare_table


def sqlite3_db() -> tuple[Any, sqlite3.Connection]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn, conn


def do_db() -> tuple[Any, sqlite3.Connection]:
    storage = FakeStorage()
    return storage, storage.conn


OPENERS = {"sqlite3": sqlite3_db, "durable-object": do_db}


def names(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}


# ------------------------------------------------- 1. drift detection in a Durable Object

NOTES = """
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, tag TEXT);
CREATE INDEX notes_by_tag ON notes (tag);
CREATE VIEW tagged AS SELECT id, tag FROM notes WHERE tag IS NOT NULL;
"""


def test_do_index_dropped_behind_our_back_is_restored_with_platform_tables_present() -> None:
    """Kills a ``sqlite_schema`` digest that covers only the ``_cf_`` tables (or nothing): the
    drop of an index must change the fingerprint even while ``_cf_KV`` exists."""
    storage = FakeStorage()
    # What storage.kv.put and the local runtime create; the stand-in refuses _cf_ in queries.
    storage.conn.execute("CREATE TABLE _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")
    storage.conn.execute("CREATE TABLE __miniflare_do_name (name TEXT)")
    assert inline_sync.sync(storage, NOTES).status == "synced"
    storage.conn.execute("DROP INDEX notes_by_tag")

    result = inline_sync.sync(storage, NOTES)
    assert result.status == "synced"
    assert result.statements == ("CREATE INDEX main.notes_by_tag ON notes (tag)",)
    assert "notes_by_tag" in names(storage.conn)
    again = inline_sync.sync(storage, NOTES)
    assert (again.status, again.plan.strategy) == ("up-to-date", "")  # the fast path


@pytest.mark.parametrize(
    "change",
    [
        "DROP VIEW tagged",
        "CREATE TABLE stray (x)",
        "ALTER TABLE notes ADD COLUMN extra TEXT",
    ],
)
def test_do_any_user_schema_change_is_drift(change: str) -> None:
    """Kills a digest that leaves out some of the user's objects (by type or by name)."""
    storage = FakeStorage()
    inline_sync.sync(storage, NOTES)
    storage.conn.execute(change)
    # Noticed: a full plan (plan() and dry runs always make one), which finds the change.
    if change.startswith("DROP"):
        assert inline_sync.sync(storage, NOTES).status == "synced"
    else:  # what was added behind our back would be dropped
        with pytest.raises(inline_sync.DestructiveChangeError):
            inline_sync.sync(storage, NOTES)


def test_do_platform_tables_appearing_are_not_drift() -> None:
    """Kills a digest that covers the ``_cf_`` tables or ``__miniflare_do_name``: the first
    ``kv.put`` after a sync must not cost the next start a full plan."""
    storage = FakeStorage()
    inline_sync.sync(storage, NOTES)
    storage.conn.execute("CREATE TABLE _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")
    storage.conn.execute("CREATE TABLE __miniflare_do_name (name TEXT)")
    storage.sql.log.clear()
    result = inline_sync.sync(storage, NOTES)
    assert (result.status, result.plan.strategy) == ("up-to-date", "")
    assert not [q for q in storage.sql.log if "__sync_" in q], storage.sql.log


# ------------------------------------------- 2. the prefix strategy with main.-qualified names

QUALIFIED = """
CREATE TABLE main.t (id INTEGER PRIMARY KEY, a TEXT);
CREATE TABLE main."order" (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id));
CREATE INDEX main.t_by_a ON t (a);
CREATE VIEW main.v AS SELECT a FROM main.t;
CREATE TRIGGER main.t_added AFTER INSERT ON t BEGIN INSERT INTO "order" (t_id)
    VALUES (new.id); END;
"""


@pytest.mark.parametrize("opener", list(OPENERS))
def test_prefix_strategy_with_main_qualified_names(opener: str) -> None:
    """Kills a prefix rewrite that skips names after ``main.``: the scratch step would create
    the real objects, and the plan would miss them or drop them."""
    client, conn = OPENERS[opener]()
    planned = inline_sync.plan(client, QUALIFIED, scratch_schema="prefix")
    assert planned.strategy == "prefix"
    assert [(c.action, c.kind, c.name) for c in planned.changes] == [
        ("create", "table", "t"),
        ("create", "table", "order"),
        ("create", "index", "t_by_a"),
        ("create", "view", "v"),
        ("create", "trigger", "t_added"),
    ]
    assert names(conn) == set()  # plan() built its scratch copies and left nothing

    inline_sync.sync(client, QUALIFIED, scratch_schema="prefix")
    user = {n for n in names(conn) if not n.startswith(("_inline_sync", "sqlite_"))}
    assert user == {"t", "order", "t_by_a", "v", "t_added"}
    conn.execute("INSERT INTO t (a) VALUES ('x')")
    assert conn.execute('SELECT t_id FROM "order"').fetchall() == [(1,)]
    again = inline_sync.plan(client, QUALIFIED, scratch_schema="prefix")
    assert again.status == "up-to-date"
    widened = QUALIFIED.replace("a TEXT)", "a TEXT, b TEXT)")
    changed = inline_sync.plan(client, widened, scratch_schema="prefix")
    assert list(changed.statements) == ['ALTER TABLE main."t" ADD COLUMN b TEXT']


# ----------------------------------- 3. a declared table named like a virtual table's shadow

SEARCH = """
CREATE VIRTUAL TABLE docs USING fts5(title, body);
CREATE TABLE docs_meta (id INTEGER PRIMARY KEY, owner TEXT);
"""


@pytest.mark.parametrize("strategy", ["scratch-db", "prefix"])
@pytest.mark.parametrize("opener", list(OPENERS))
def test_declared_table_named_like_a_shadow_table_is_created_and_diffed(
    opener: str, strategy: str
) -> None:
    """Kills a shadow-table rule that ignores the declared names: ``docs_meta`` would be taken
    for a shadow table of ``docs``, never created, and the plan would say nothing to do."""
    if opener == "durable-object" and strategy == "scratch-db":
        pytest.skip("a Durable Object cannot ATTACH")
    client, conn = OPENERS[opener]()
    planned = inline_sync.plan(client, SEARCH, scratch_schema=strategy)
    assert {(c.action, c.name) for c in planned.changes} == {
        ("create", "docs"),
        ("create", "docs_meta"),
    }
    inline_sync.sync(client, SEARCH, scratch_schema=strategy)
    assert {"docs", "docs_meta", "docs_data"} <= names(conn)
    assert inline_sync.plan(client, SEARCH, scratch_schema=strategy).status == "up-to-date"
    grown = SEARCH.replace("owner TEXT)", "owner TEXT, title TEXT)")
    result = inline_sync.sync(client, grown, scratch_schema=strategy)
    assert result.statements == ('ALTER TABLE main."docs_meta" ADD COLUMN title TEXT',)
    # The real shadow tables stay out of every plan.
    assert not [
        c for c in result.plan.changes if c.name.startswith("docs_") and c.name != ("docs_meta")
    ]


# --------------------------- 4. a column @renamed hint that cannot apply, on a referenced parent

HINT_BEFORE = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE, ref TEXT UNIQUE);
CREATE TABLE child (id INTEGER PRIMARY KEY, pcode TEXT REFERENCES parent(code));
"""
HINT_AFTER = """
CREATE TABLE parent (id INTEGER PRIMARY KEY,
    ref TEXT UNIQUE  -- @renamed from=code
);
CREATE TABLE child (id INTEGER PRIMARY KEY, pcode TEXT REFERENCES parent(ref));
"""


@pytest.mark.parametrize("opener", list(OPENERS))
def test_column_hint_that_cannot_apply_on_a_referenced_parent(opener: str) -> None:
    """Kills ``_hinted_column_renames`` forgetting that the new name already exists: the
    child's reference would be taken as followed by a RENAME COLUMN that never runs, and the
    sync would fail with a raw "foreign key mismatch". The hint is ignored (``ref`` exists),
    so ``code`` is dropped: refused without allow_destructive, naming the column."""
    client, conn = OPENERS[opener]()
    inline_sync.sync(client, HINT_BEFORE)
    conn.execute("INSERT INTO parent VALUES (1, 'x', 'x'), (2, 'y', 'y')")
    conn.execute("INSERT INTO child VALUES (10, 'x'), (20, 'y')")

    with pytest.raises(inline_sync.DestructiveChangeError, match=r"column parent\.code"):
        inline_sync.sync(client, HINT_AFTER)
    planned = inline_sync.plan(client, HINT_AFTER)
    by_name = {c.name: c for c in planned.changes}
    assert (by_name["child"].action, by_name["parent"].action) == ("rebuild", "rebuild")
    assert not [s for s in planned.statements if "RENAME COLUMN" in s]

    inline_sync.sync(client, HINT_AFTER, allow_destructive=True)
    assert conn.execute("SELECT * FROM parent ORDER BY id").fetchall() == [(1, "x"), (2, "y")]
    assert conn.execute("SELECT * FROM child ORDER BY id").fetchall() == [(10, "x"), (20, "y")]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    fks = conn.execute('SELECT "table", "from", "to" FROM pragma_foreign_key_list(\'child\')')
    assert fks.fetchall() == [("parent", "pcode", "ref")]
    assert inline_sync.plan(client, HINT_AFTER).status == "up-to-date"


# ------------------------------------------------- 5. the DROP COLUMN boundary, rename + rebuild


@pytest.mark.parametrize(
    ("version", "by_alter"),
    [((3, 34, 1), False), ((3, 35), True), ((3, 35, 0), True), ((3, 35, 5), True)],
)
def test_drop_column_version_boundary(version: tuple[int, ...], by_alter: bool) -> None:
    """Kills an off-by-one in the DROP COLUMN capability: 3.35.0 is the first release."""
    assert Capabilities(version).drop_column is by_alter
    d = compare_table(
        parse_table("CREATE TABLE t (a, b)"),
        parse_table("CREATE TABLE t (a)"),
        {},
        Capabilities(version),
        lambda: True,
    )
    assert (d.rebuild, d.dropped) == ((False, ("b",)) if by_alter else (True, ()))


@pytest.mark.parametrize(
    ("version", "by_alter"), [((3, 24, 0), False), ((3, 25, 0), True), ((3, 52, 9), True)]
)
def test_rename_column_and_alter_constraint_boundaries(
    version: tuple[int, ...], by_alter: bool
) -> None:
    """Kills off-by-ones in the other two capabilities (3.25.0 and 3.53.0)."""
    assert Capabilities(version).rename_column is by_alter
    assert Capabilities(version).alter_constraints is False
    assert Capabilities((3, 53, 0)).alter_constraints is True


PEOPLE = """
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES people(id));
CREATE INDEX people_by_name ON people (name);
"""
USERS = """
CREATE TABLE users (  -- @renamed from=people
    id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '' COLLATE NOCASE);
CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES users(id));
CREATE INDEX people_by_name ON users (name);
"""
REBUILD_REASONS = (
    "column name: NOT NULL False -> True",
    "column name: DEFAULT None -> ''",
    "column name: COLLATE None -> nocase",
)


@pytest.mark.parametrize("opener", list(OPENERS))
def test_table_renamed_by_hint_and_rebuilt_reports_exactly_that(opener: str) -> None:
    """Kills a planner that also reports a separate "rename" change for a rebuilt table, or
    leaves "renamed from" out of its reasons (it did, when foreign keys stay enforced and the
    table is rebuilt together with the tables that reference it)."""
    client, conn = OPENERS[opener]()
    inline_sync.sync(client, PEOPLE)
    conn.execute("INSERT INTO people VALUES (1, 'ada'), (2, 'Bob')")
    conn.execute("INSERT INTO pets VALUES (7, 1)")
    planned = inline_sync.plan(client, USERS)
    table_changes = [
        (c.kind, c.name, c.action, c.destructive, c.reasons)
        for c in planned.changes
        if c.kind == "table"
    ]
    users = ("table", "users", "rebuild", False, ("renamed from people", *REBUILD_REASONS))
    if opener == "sqlite3":  # foreign keys switched off: pets only follows the rename
        assert table_changes == [users]
    else:  # foreign keys stay on: pets is rebuilt with its parent
        pets_reason = (
            "references a rebuilt table (foreign keys stay enforced here, so referencing "
            "tables are rebuilt together)",
        )
        assert table_changes == [users, ("table", "pets", "rebuild", False, pets_reason)]
    assert [(c.kind, c.name, c.action) for c in planned.changes if c.kind == "index"] == [
        ("index", "people_by_name", "recreate")
    ]
    assert 'ALTER TABLE main."people" RENAME TO "users"' in planned.statements
    inline_sync.sync(client, USERS)
    assert conn.execute("SELECT * FROM users ORDER BY id").fetchall() == [(1, "ada"), (2, "Bob")]
    assert conn.execute("SELECT * FROM pets").fetchall() == [(7, 1)]
    assert inline_sync.plan(client, USERS).status == "up-to-date"


def test_renamed_table_pulled_into_a_closure_rebuild_says_it_was_renamed() -> None:
    """A table renamed by a hint that is rebuilt only because its parent is (foreign keys
    enforced) still reports the rename."""
    storage = FakeStorage()
    inline_sync.sync(storage, PEOPLE)
    desired = USERS.replace("TABLE pets (", "TABLE animals (  -- @renamed from=pets\n    ")
    planned = inline_sync.plan(storage, desired)
    animals = next(c for c in planned.changes if c.name == "animals")
    assert (animals.action, animals.reasons[0]) == ("rebuild", "renamed from pets")
    assert not [c for c in planned.changes if c.action == "rename"]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_child_and_parent_both_renamed_is_two_renames_not_a_rebuild(opener: str) -> None:
    """SQLite rewrites the child's REFERENCES when its parent is renamed, and then renames the
    child: the planner must follow both, not see "foreign keys change" (it rebuilt the child)."""
    client, conn = OPENERS[opener]()
    inline_sync.sync(client, PEOPLE)
    conn.execute("INSERT INTO people VALUES (1, 'ada')")
    conn.execute("INSERT INTO pets VALUES (7, 1)")
    desired = USERS.replace("NOT NULL DEFAULT '' COLLATE NOCASE", "").replace(
        "TABLE pets (", "TABLE animals (  -- @renamed from=pets\n    "
    )
    planned = inline_sync.plan(client, desired)
    assert [(c.kind, c.name, c.action) for c in planned.changes if c.kind == "table"] == [
        ("table", "users", "rename"),
        ("table", "animals", "rename"),
    ]
    result = inline_sync.sync(client, desired)
    assert [s for s in result.statements if not s.startswith("PRAGMA")] == [
        'ALTER TABLE main."people" RENAME TO "users"',
        'ALTER TABLE main."pets" RENAME TO "animals"',
    ]
    assert conn.execute("SELECT * FROM animals").fetchall() == [(7, 1)]
    assert inline_sync.plan(client, desired).status == "up-to-date"


# ------------------------------------------------------------------ state: hash, cache, stamp


def test_definitions_hash_is_fnv1a_of_version_ignores_and_tokens() -> None:
    """Pins the documented scheme (README, "Start-up"): FNV-1a 64 over the planner's version,
    the sorted ignore patterns and the normalized statements, NUL-separated. Kills a changed
    separator or a part left out (a stored state would then match other definitions)."""
    from inline_sync.definitions import parse_definitions
    from inline_sync.names import ignore_filter
    from inline_sync.state import PLANNER_VERSION, definitions_hash, fnv1a_64
    from inline_sync.tokenizer import normalize

    sql = "CREATE TABLE t (a TEXT DEFAULT 'x');\nCREATE INDEX t_a ON t (a);"
    skip = ignore_filter(("legacy_*", "audit"))
    defs = parse_definitions(sql, skip)
    parts = [f"inline_sync planner {PLANNER_VERSION}", *sorted(skip.exact), *sorted(skip.globs)]
    parts += [normalize(d.tokens, exact=True) for d in defs]
    expected = f"{fnv1a_64(chr(0).join(parts).encode('utf-8')):016x}"
    assert definitions_hash((sql,), defs, skip) == expected


def test_definitions_hash_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-process cache keeps at most 64 entries, dropping the oldest (kills an
    off-by-one in the bound and a broken eviction)."""
    from inline_sync import state
    from inline_sync.definitions import parse_definitions
    from inline_sync.names import ignore_filter

    monkeypatch.setattr(state, "_HASHES", {})
    skip = ignore_filter()
    texts = [f"CREATE TABLE t{i} (a);" for i in range(70)]
    for sql in texts:
        state.definitions_hash((sql,), parse_definitions(sql, skip), skip)
        assert len(state._HASHES) <= 64
    assert len(state._HASHES) == 64
    assert ((texts[5],), skip) not in state._HASHES
    assert ((texts[6],), skip) in state._HASHES and ((texts[-1],), skip) in state._HASHES


def test_state_row_records_the_sync_time_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """``synced_at`` is the UTC time of the sync as ISO 8601 (kills a changed format and a
    stamp taken in local time)."""
    import time as real_time

    from inline_sync import state

    class Clock:
        strftime = staticmethod(real_time.strftime)

        @staticmethod
        def gmtime() -> real_time.struct_time:
            return real_time.struct_time((2001, 2, 3, 4, 5, 6, 5, 34, 0))

    monkeypatch.setattr(state, "time", Clock)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, "CREATE TABLE t (a);")
    stamp = conn.execute(f"SELECT synced_at FROM {state.STATE_TABLE}").fetchone()
    assert stamp == ("2001-02-03T04:05:06Z",)


# ------------------------------------------------------------------- diff: non-constant defaults


@pytest.mark.parametrize("default", ["CURRENT_TIME", "CURRENT_DATE", "current_timestamp"])
def test_every_time_keyword_default_is_non_constant(default: str) -> None:
    """ADD COLUMN refuses all three time keywords on a non-empty table, not only
    CURRENT_TIMESTAMP (kills a mutated keyword in ``_is_constant_default``)."""
    d = compare_table(
        parse_table("CREATE TABLE t (a)"),
        parse_table(f"CREATE TABLE t (a, b DEFAULT {default})"),
        {},
        Capabilities((3, 45, 0)),
        lambda: True,
    )
    assert d.rebuild is True
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, "CREATE TABLE t (a);")
    conn.execute("INSERT INTO t VALUES (1)")
    inline_sync.sync(conn, f"CREATE TABLE t (a, b DEFAULT {default});")
    assert conn.execute("SELECT count(*) FROM t WHERE b IS NOT NULL").fetchone() == (1,)


# --------------------------------------------- state: a row deleted, a TEMP table of its name


STATE_CLIENTS = {**OPENERS, "apsw": apsw_db}


@pytest.mark.parametrize("opener", list(STATE_CLIENTS))
def test_state_row_deleted_by_hand_means_a_full_plan(opener: str) -> None:
    """A state table without its row (deleted by hand) is no state: the next sync plans in
    full and writes the row again (killed ``if rows`` made always true in the former
    ``state.read_state``, which read ``rows[0]`` of nothing; the engine's ``rounds.Stored``
    has the same test)."""
    client, conn = STATE_CLIENTS[opener]()
    schema = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"
    inline_sync.sync(client, schema)
    rows(conn, "DELETE FROM _inline_sync_state")

    result = inline_sync.sync(client, schema)
    assert result.status == "up-to-date" and result.plan.strategy != ""  # planned in full
    assert len(rows(conn, "SELECT * FROM _inline_sync_state")) == 1
    again = inline_sync.sync(client, schema)
    assert (again.status, again.plan.strategy) == ("up-to-date", "")  # the fast path


@pytest.mark.parametrize("opener", ["sqlite3", "apsw"])
def test_state_goes_to_main_beside_a_temp_table_of_its_name(opener: str) -> None:
    """A TEMP table named ``_inline_sync_state`` on the connection is not ours: the state row
    goes to ``main``, the TEMP table keeps its row, and the next sync takes the fast path.
    (This is also why a mutant that drops ``main.`` from the state table's CREATE TABLE is
    judged equivalent: SQLite creates an unqualified table in ``main``, even beside a TEMP
    table of the same name.)"""
    client, conn = STATE_CLIENTS[opener]()
    rows(conn, "CREATE TEMP TABLE _inline_sync_state (x)")
    rows(conn, "INSERT INTO temp._inline_sync_state VALUES ('theirs')")
    schema = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"

    assert inline_sync.sync(client, schema).status == "synced"
    assert len(rows(conn, "SELECT * FROM main._inline_sync_state")) == 1
    assert rows(conn, "SELECT * FROM temp._inline_sync_state") == [("theirs",)]
    again = inline_sync.sync(client, schema)
    assert (again.status, again.plan.strategy) == ("up-to-date", "")  # the fast path
    assert rows(conn, "SELECT * FROM temp._inline_sync_state") == [("theirs",)]
