"""Tests written to kill surviving mutants of the engine's rounds (``inline_sync/rounds.py``,
``scratch_round.py``, ``apply_round.py``; issue 14, docs/mutation-testing.md). Each names, in
its docstring, the mutations it catches."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from fake_d1 import FakeD1
from fake_durable_object import FakeStorage
from memory_clients import OPENERS, open_client, rows, sync_on

import inline_sync
from inline_sync import planner
from inline_sync.apply_round import ApplyRound
from inline_sync.d1 import D1Driver, plan_async, sync_async
from inline_sync.local import LocalDriver
from inline_sync.plan import ForeignKeyCheck, Step, SyncPlan
from inline_sync.rounds import RoundError

BEFORE = (
    "CREATE TABLE p1 (id INTEGER PRIMARY KEY);\n"
    "CREATE TABLE p2 (id INTEGER PRIMARY KEY);\n"
    "CREATE TABLE c (id INTEGER PRIMARY KEY, p1_id INTEGER REFERENCES p1(id));"
)
AFTER = BEFORE.replace(
    "REFERENCES p1(id));", "REFERENCES p1(id), p2_id INTEGER DEFAULT 1 REFERENCES p2(id));"
)


@pytest.mark.parametrize("client", [*OPENERS, "d1"])
def test_a_new_reference_is_checked_against_its_own_parent_only(client: str) -> None:
    """A child gains a reference to a second parent (a rebuild: REFERENCES with a default)
    while it already holds a row whose first parent is missing (left by whoever turned
    foreign keys off). Only the new parent's references are counted after the change, so that
    old violation neither fails the sync nor is repaired (kills ``apply_round._only``'s test
    inverted: the count after then covered every parent, and D1's sync failed with "FOREIGN KEY
    constraint failed")."""
    db, conn = open_client(client)

    def sync(schema: str) -> Any:
        return sync_on(client, db, schema)

    sync(BEFORE)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO p2 VALUES (1)")
    conn.execute("INSERT INTO c VALUES (1, 99)")  # p1 99 does not exist
    conn.execute("PRAGMA foreign_keys = ON")
    assert sync(AFTER).status == "synced"
    assert rows(conn, "SELECT id, p1_id, p2_id FROM c") == [(1, 99, 1)]
    assert rows(conn, "SELECT \"table\", parent FROM pragma_foreign_key_check('c')") == [
        ("c", "p1")
    ]


# --------------------------------------------------------------------------- the apply round


class Recorder:
    """A D1 sync whose rounds are recorded as the driver is asked to run them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.db = FakeD1()
        self.rounds: list[Any] = []
        run = D1Driver.run

        async def recording(driver: D1Driver, request: Any) -> Any:
            self.rounds.append(request)
            return await run(driver, request)

        monkeypatch.setattr(D1Driver, "run", recording)

    def sync(self, schema: str, **kw: Any) -> Any:
        self.rounds.clear()
        return asyncio.run(sync_async(self.db, schema, **kw))

    @property
    def purposes(self) -> list[str]:
        return [getattr(r, "purpose", type(r).__name__) for r in self.rounds]

    def statements(self, purpose: str) -> list[str]:
        (found,) = [r for r in self.rounds if getattr(r, "purpose", "") == purpose]
        return [sql for sql, _ in found.statements]

    def objects(self) -> list[str]:
        names = self.db.q("SELECT name FROM sqlite_schema ORDER BY name")
        return [n for (n,) in names if not n.startswith("_cf_")]  # D1's own


PARENT = "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT COLLATE NOCASE UNIQUE);\n"
CHILD = "CREATE TABLE k (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));\n"


def test_a_d1_sync_names_each_round_it_asks_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """A driver is asked for rounds named by what they do (docs/engine.md: ``Round(purpose,
    statements)``; a driver may log or trace them), as many as docs/d1.md counts: the first
    sync four batches, a change three, an up-to-date database one (kills the apply round's
    purpose made None or altered in ``ApplyRound.round``)."""
    d1 = Recorder(monkeypatch)
    d1.sync(PARENT)
    assert d1.purposes == ["read state", "read state", "Begin", "scratch", "apply"]
    d1.sync(PARENT + CHILD)
    assert d1.purposes == ["read state", "Begin", "scratch", "apply"]
    d1.sync(PARENT + CHILD)
    assert d1.purposes == ["read state"]


def test_d1_leaves_a_violation_under_a_renamed_parent_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A parent renamed by a hint and rebuilt (its key loses NOCASE) is checked; the child
    already held a row whose parent was missing. That violation was counted before the change
    under the parent's old name, so it does not fail the sync, and nothing the check made is
    left behind (kills ``_only(c, 1)`` for the count before: it looked for the new name, found
    nothing, and the sync failed; and the count table named None or altered, or dropped under
    another name: a table ``None`` or ``__sync_XXfk_beforeXX`` stayed in the database)."""
    d1 = Recorder(monkeypatch)
    d1.sync(PARENT + CHILD)
    d1.db.script(
        "INSERT INTO p VALUES (1, 'A'); INSERT INTO k (code) VALUES ('a'); "
        "PRAGMA foreign_keys = OFF; INSERT INTO k (code) VALUES ('zz'); PRAGMA foreign_keys = ON;"
    )
    renamed = (
        "CREATE TABLE p2 (  -- @renamed from=p\n id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n"
        + CHILD.replace("p(code)", "p2(code)")
    )
    with pytest.raises(inline_sync.ApplyError, match="rows of k without their p2 row"):
        d1.sync(renamed)  # 'a' found 'A' under NOCASE only: a new violation
    d1.db.script("UPDATE k SET code = 'A' WHERE code = 'a'")
    result = d1.sync(renamed)
    assert result.plan.fk_checks == (ForeignKeyCheck("k", "k", (("p", "p2"),)),)
    assert result.status == "synced"
    assert d1.db.q("SELECT id, code FROM k") == [(1, "A"), (2, "zz")]
    assert d1.db.q("PRAGMA foreign_key_check") == [("k", 2, "p2", 0)]
    assert d1.objects() == ["_inline_sync_state", "k", "p2", "sqlite_autoindex_p2_1"]


def test_the_apply_round_counts_copied_rows_only_for_progress(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rows a rebuild copies are counted, in the apply round, only when ``progress`` is
    there to be told: on D1 a count reads every row of the table, and D1 bills rows read (kills
    ``progress is not None and step.action == "copy rows" or step.source``: every rebuild
    counted its rows)."""
    d1 = Recorder(monkeypatch)
    wider = PARENT.replace("UNIQUE)", "UNIQUE, n INTEGER NOT NULL DEFAULT 0)")
    d1.sync(wider + CHILD)
    d1.db.script("INSERT INTO p (id, code) VALUES (1, 'A'), (2, 'B')")
    rebuilt = d1.sync(wider.replace("DEFAULT 0", "DEFAULT 1") + CHILD)  # a new default
    assert [s.action for s in rebuilt.plan.steps].count("copy rows") == 2
    assert [s for s in d1.statements("apply") if "count(*)" in s and "pragma" not in s] == []
    told: list[tuple[str, int, int]] = []
    result = d1.sync(
        wider + CHILD, progress=lambda s, done, total: told.append((s.name, done, total))
    )
    counts = [s for s in d1.statements("apply") if "count(*)" in s and "pragma" not in s]
    assert counts == ['SELECT count(*) FROM main."p"', 'SELECT count(*) FROM main."k"']
    assert told == [("p", 2, 2), ("k", 0, 0)]  # (its child rebuilt with it on D1)
    assert [s.action for s in result.plan.steps].count("copy rows") == 2


@pytest.mark.parametrize(
    "table", ["line items", "inline_sync: foreign keys of x are violated, so are y's"]
)
def test_d1_names_the_table_whose_foreign_keys_break_in_one_round(
    monkeypatch: pytest.MonkeyPatch, table: str
) -> None:
    """A change that leaves a child's rows without their parent fails the apply round on the
    check's constraint, whose name SQLite's message carries: the error names the table from
    it, without probing rounds to find the statement (kills ``sqlite_message`` made None,
    dropped or altered in ``ApplyRound.diagnose``; the table is read from the message since
    the statement's index is not needed, which D1 does not give; a name holding the words
    around it in the message is read whole: kills partition and rpartition swapped)."""
    d1 = Recorder(monkeypatch)
    quoted = '"' + table.replace('"', '""') + '"'
    child = CHILD.replace("TABLE k", f"TABLE {quoted}")
    d1.sync(PARENT + child)
    d1.db.script(f"INSERT INTO p VALUES (1, 'A'); INSERT INTO {quoted} (code) VALUES ('a')")
    with pytest.raises(inline_sync.ApplyError) as info:
        d1.sync(PARENT.replace(" COLLATE NOCASE", "") + child)
    assert str(info.value) == (
        f"FOREIGN KEY constraint failed: the change leaves rows of {table} without their "
        "p row; nothing was changed (rolled back)"
    )
    assert info.value.sqlite_message == "FOREIGN KEY constraint failed"
    assert d1.purposes == ["read state", "Begin", "scratch", "apply"]
    assert d1.db.q(f"SELECT code FROM {quoted}") == [("a",)]
    assert "NOCASE" in d1.db.q("SELECT sql FROM sqlite_schema WHERE name = 'p'")[0][0]


def test_d1_keeps_violations_under_two_renamed_parents(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child of two parents, both renamed by hints and rebuilt: the check counts both
    parents, under their old names before the change and their new ones after, so the
    violations already there do not fail the sync (kills the separators of
    ``apply_round._only``'s list and ``_parent_after``'s CASE altered: SQL that SQLite
    refuses once there are two parents)."""
    d1 = Recorder(monkeypatch)
    q = PARENT.replace("TABLE p ", "TABLE q ")
    two = "CREATE TABLE k (id INTEGER PRIMARY KEY, pc TEXT REFERENCES p(code), qc TEXT REFERENCES q(code));\n"  # noqa: E501
    d1.sync(PARENT + q + two)
    d1.db.script(
        "INSERT INTO p VALUES (1, 'A'); INSERT INTO q VALUES (1, 'B');"
        "PRAGMA foreign_keys = OFF; INSERT INTO k VALUES (1, 'zz', 'B'), (2, 'A', 'yy');"
        "PRAGMA foreign_keys = ON;"
    )
    renamed = (
        "CREATE TABLE p2 (  -- @renamed from=p\n id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n"
        "CREATE TABLE q2 (  -- @renamed from=q\n id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n"
        + two.replace("p(code)", "p2(code)").replace("q(code)", "q2(code)")
    )
    result = d1.sync(renamed)
    assert result.plan.fk_checks == (ForeignKeyCheck("k", "k", (("p", "p2"), ("q", "q2"))),)
    assert d1.db.q('SELECT rowid, parent FROM pragma_foreign_key_check("k")') == [
        (1, "p2"),
        (2, "q2"),
    ]


def test_a_check_without_parents_counts_every_parent() -> None:
    """A plan is plain data: a ForeignKeyCheck without parent pairs counts the references to
    every parent (as the local executor, ``apply.apply_plan``, does). The apply round's SQL
    then fails the change that leaves a child row without its parent (kills ``_only``'s
    empty clause made "XXXX": SQL that SQLite refuses)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(
        "PRAGMA foreign_keys = ON; CREATE TABLE p (id INTEGER PRIMARY KEY);"
        "CREATE TABLE ch (id INTEGER PRIMARY KEY, p_id REFERENCES p(id));"
        "INSERT INTO p VALUES (1), (2); INSERT INTO ch VALUES (1, 1);"
    )
    plan = SyncPlan(
        steps=(
            Step("x", "pragma", "", "PRAGMA defer_foreign_keys = ON", ""),
            Step("x", "table", "p", "DELETE FROM p WHERE id = 1", ""),
        ),
        fk_checks=(ForeignKeyCheck("ch", "ch"),),
    )
    statements = ApplyRound(plan, "x", None, [], "'x'").round().statements
    conn.execute("BEGIN")
    with pytest.raises(
        sqlite3.IntegrityError, match="inline_sync: foreign keys of ch are violated"
    ):
        for sql, params in statements:
            conn.execute(sql, params)
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT id FROM p").fetchall() == [(1,), (2,)]


def test_the_row_guard_names_each_table_once_fifty_to_a_statement() -> None:
    """D1's apply round checks, after the schema's guard, that each table the planner asked
    about still holds rows (or none) as it did: one term a table, 50 to a statement (an
    expression deeper than 1,000 terms is refused). Kills the chunking's step or slice
    changed (a table left out, or twice, or a statement a table)."""
    rows_asked = {f"t{i}": bool(i % 2) for i in range(120)}
    statements = ApplyRound(SyncPlan(), "x", None, [], "'x'", rows=rows_asked).round().statements
    held = [sql for sql, _ in statements if "EXISTS (SELECT 1 FROM" in sql]
    terms = [sql.split(" VALUES (", 1)[1].rstrip(")").split(" AND ") for sql in held]
    assert [len(t) for t in terms] == [50, 50, 20]
    flat = [term for t in terms for term in t]
    named = [term.split('main."', 1)[1].split('"', 1)[0] for term in flat]
    assert named == list(rows_asked)
    assert [term[-1] for term in flat] == [str(int(v)) for v in rows_asked.values()]


def test_every_driver_is_asked_for_rounds_named_by_what_they_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/engine.md: a driver runs ``Round(purpose, statements)``, and may log or trace it by
    its purpose. The rounds of a Durable Object's syncs and plan (the local driver) and of a
    D1 plan and refused sync (its probes), by purpose (kills the purposes of the rounds of
    ``rounds.py`` and ``scratch_round.py`` made None or altered)."""
    seen: list[str] = []
    local_run = LocalDriver.run

    def recording(driver: LocalDriver, request: Any, **kw: Any) -> Any:
        seen.append(request.purpose)
        return local_run(driver, request, **kw)

    monkeypatch.setattr(LocalDriver, "run", recording)
    storage = FakeStorage()
    schema = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"
    inline_sync.sync(storage, schema)
    assert seen == ["read state", "read state", "look for the state", "scratch", "state"]
    seen.clear()
    inline_sync.sync(storage, schema + "CREATE INDEX t_a ON t (a);")
    assert seen == ["look for the state", "read state", "scratch", "has rows", "state"]
    seen.clear()
    inline_sync.plan(storage, schema)
    assert seen == ["read tables", "scratch", "has rows"]

    d1 = Recorder(monkeypatch)
    d1.sync(schema)
    d1.db.script("INSERT INTO t (a) VALUES ('x'), ('x')")
    with pytest.raises(inline_sync.ApplyError, match="UNIQUE constraint failed"):
        d1.sync(schema + "CREATE UNIQUE INDEX t_a ON t (a);")
    assert d1.purposes == ["read state", "Begin", "scratch", "apply", "probe", "probe", "probe"]
    d1.rounds.clear()
    asyncio.run(plan_async(d1.db, schema))
    assert d1.purposes == ["Begin", "read tables", "scratch"]


# --------------------------------------------------------------------------- statement forms


def test_a_statement_form_is_tried_in_a_round_of_its_own_that_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A form nobody has tried on D1 (DROP COLUMN) is tried in a round named for it: a guard
    table, a throwaway table ``__sync_form`` in ``main`` (D1 has no scratch database, so no
    statement of the round is the scratch database's alone), the form on it, and the INSERT
    that fails the guard (kills, in ``rounds._try_form``: the round's purpose made None or
    altered, the schema, the throwaway table's or the guard's name altered, and the positions
    of scratch statements given where the scratch space is ``main``)."""
    from inline_sync import d1 as d1_module

    monkeypatch.setattr(d1_module, "_ACCEPTED", {})
    d1 = Recorder(monkeypatch)
    schema = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);\n"
    d1.sync(schema)
    result = d1.sync(schema.replace(", b TEXT", ""), allow_destructive=True)
    assert result.status == "synced"
    assert d1.purposes == ["read state", "Begin", "scratch", "try a statement form", "apply"]
    assert d1.statements("try a statement form") == [
        'CREATE TABLE main."__sync_probe" (ok INTEGER CONSTRAINT '
        '"inline_sync: probe ends here" CHECK (ok))',
        'CREATE TABLE main."__sync_form" (a INT, b INT)',
        'ALTER TABLE main."__sync_form" DROP COLUMN b',
        'INSERT INTO main."__sync_probe" VALUES (0)',
    ]
    (tried,) = [r for r in d1.rounds if getattr(r, "purpose", "") == "try a statement form"]
    assert tried.scratch == frozenset()
    assert d1.objects() == ["_inline_sync_state", "t"]


def test_a_probe_round_that_does_not_fail_is_an_error() -> None:
    """A round that must fail on purpose and did not (a driver that ignored the failing
    INSERT) is no answer: the probe and the form's trial say so rather than guess (kills the
    messages of both ``raise SyncError``, made None or altered)."""
    from inline_sync.rounds import Round, Started, _probe, _try_form

    for engine in (_probe([("SELECT 1", ())]), _try_form(("SELECT 1",), Started())):
        assert isinstance(next(engine), Round)
        with pytest.raises(inline_sync.SyncError) as caught:
            engine.send([[]])
        assert str(caught.value) == "a probe round did not fail as it must"


def test_a_probe_blocked_by_a_table_of_the_user_names_that_table() -> None:
    """A failed D1 apply is probed to find the refused statement; a table the user made under
    the probe's reserved name stops the probe, and the error names that table, "__sync_probe", the
    database unchanged (kills ``_probe``'s guard table named "PROBE": SQLite
    names the table as the CREATE statement wrote it, "__sync_PROBE")."""
    d1 = FakeD1()
    schema = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"
    asyncio.run(sync_async(d1, schema))
    d1.script("INSERT INTO t (a) VALUES ('x'), ('x'); CREATE TABLE __sync_probe (x);")
    before = d1.q("SELECT type, name, sql FROM sqlite_schema ORDER BY name")
    with pytest.raises(inline_sync.SyncError, match='holds "__sync_probe", which inline_sync'):
        asyncio.run(sync_async(d1, schema + "CREATE UNIQUE INDEX t_a ON t (a);"))
    assert d1.q("SELECT type, name, sql FROM sqlite_schema ORDER BY name") == before


def test_a_synchronous_driver_that_waits_is_an_error() -> None:
    """``run_sync`` runs a synchronous driver's loop to its end on its first step; a loop that
    waits for something instead is stopped (its ``finally`` runs) and reported (kills the
    message of ``run_sync``'s ``raise SyncError``, made None or altered)."""
    from inline_sync.rounds import run_sync

    stopped = []

    async def waits() -> int:
        try:
            await asyncio.sleep(0)
            return 1
        finally:
            stopped.append(True)

    with pytest.raises(inline_sync.SyncError) as caught:
        run_sync(waits())
    assert str(caught.value) == "a synchronous driver waited for something"
    assert stopped == [True]


def test_a_d1_sync_gives_up_after_three_plans_the_schema_outran(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another process changes D1's schema (a table the sync ignores) between every scratch
    round and its apply round: each apply's guard fails, the sync plans again, and after
    three attempts it says so, the change not made (kills ``RoundOptions``' attempts default
    altered, the message of ``sync_rounds``' last ``raise SyncError`` made None or altered,
    and the tables the state read returned thrown away after a failed guard)."""
    d1 = FakeD1()
    asyncio.run(sync_async(d1, PARENT))
    run = D1Driver.run
    scratches = []

    purposes: list[str] = []

    async def outrun(driver: D1Driver, request: Any) -> Any:
        purposes.append(getattr(request, "purpose", type(request).__name__))
        reply = await run(driver, request)
        if purposes[-1] == "scratch":
            scratches.append(request)
            d1.script(f"CREATE TABLE other_{len(scratches)} (x);")
        return reply

    monkeypatch.setattr(D1Driver, "run", outrun)
    with pytest.raises(inline_sync.SyncError) as caught:
        asyncio.run(sync_async(d1, PARENT + CHILD, ignore=["other_*"]))
    assert str(caught.value) == (
        "the schema kept changing while this sync planned (3 attempts: another process is "
        "changing it); nothing was changed"
    )
    assert len(scratches) == 3
    again = ["scratch", "apply", "read state"]  # the state read gives the tables too
    assert purposes == ["read state", "Begin", *again * 3]
    assert d1.q("SELECT name FROM sqlite_schema WHERE name IN ('k', 'other_3')") == [("other_3",)]


FK_SCHEMA = (
    "CREATE TABLE p (id INTEGER PRIMARY KEY, a TEXT);\n"
    "CREATE TABLE k (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));\n"
)


@pytest.mark.parametrize("client", OPENERS)
def test_a_plan_is_made_with_foreign_keys_as_the_sync_will_have_them(client: str) -> None:
    """With foreign keys on, a sync turns them off for the change where it may (sqlite3,
    apsw), and a Durable Object keeps them on: ``plan()`` shows the plan the sync makes, the
    same foreign-key mode and the same changes (kills ``Started``'s foreign_keys dropped: the
    scratch round then read the pragma, which a plan does not switch off, and planned the
    child's rebuild that foreign keys on require)."""
    db, conn = open_client(client)
    conn.execute("PRAGMA foreign_keys = ON")
    sync_on(client, db, FK_SCHEMA)
    changed = FK_SCHEMA.replace("a TEXT", "a TEXT NOT NULL DEFAULT ''")
    planned = inline_sync.plan(db, changed)
    expected = "enforced" if client == "durable-object" else "off"
    assert planned.foreign_keys == expected
    synced = sync_on(client, db, changed)
    assert synced.plan.foreign_keys == expected
    assert planned.changes == synced.plan.changes


def test_sync_rounds_on_takes_the_defaults_of_sync() -> None:
    """``sync_rounds_on`` (D1's guarded rounds on a local connection) takes ``sync()``'s
    defaults: an up-to-date database costs the state read alone (no scratch copy built), and a
    change that loses data is refused unless allowed (kills ``RoundOptions``' force and
    allow_destructive defaults made True)."""
    from inline_sync.d1 import sync_rounds_on

    conn = sqlite3.connect(":memory:", isolation_level=None)
    assert sync_rounds_on(conn, FK_SCHEMA).status == "synced"
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    assert sync_rounds_on(conn, FK_SCHEMA).status == "up-to-date"
    assert not [sql for sql in seen if "__sync_" in sql]
    with pytest.raises(inline_sync.DestructiveChangeError):
        sync_rounds_on(conn, FK_SCHEMA.replace(", a TEXT", ""))
    assert rows(conn, "SELECT name FROM pragma_table_info('p')") == [("id",), ("a",)]


def peer_after_scratch(monkeypatch: pytest.MonkeyPatch, d1: FakeD1, schema: str) -> list[str]:
    """Make another process sync ``d1`` to ``schema`` right after the next scratch round of
    this one; returns the purposes of this sync's requests, as they are run."""
    run = D1Driver.run
    purposes: list[str] = []
    peer: list[bool] = []

    async def racing(driver: D1Driver, request: Any) -> Any:
        if peer == [True]:  # the peer's own requests
            return await run(driver, request)
        purposes.append(getattr(request, "purpose", type(request).__name__))
        reply = await run(driver, request)
        if purposes[-1] == "scratch" and not peer:
            peer.append(True)
            await sync_async(d1, schema)
            peer[0] = False
        return reply

    monkeypatch.setattr(D1Driver, "run", racing)
    return purposes


def test_a_d1_sync_that_a_peer_made_first_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process makes the same change between this sync's scratch round and its apply
    round: the guard fails, the state read again shows the change made, and the sync reports
    it ``synced-by-peer`` with D1's strategy (kills, in ``sync_rounds``, the peer's outcome
    with its strategy made None or altered)."""
    d1 = FakeD1()
    asyncio.run(sync_async(d1, PARENT))
    purposes = peer_after_scratch(monkeypatch, d1, PARENT + CHILD)
    result = asyncio.run(sync_async(d1, PARENT + CHILD))
    assert result.status == "synced-by-peer"
    assert result.plan.strategy == "prefix"
    assert purposes == ["read state", "Begin", "scratch", "apply", "read state"]


def test_a_d1_sync_whose_state_table_a_peer_made_first_records_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The schema is already right but nothing is recorded (made by hand): two D1 syncs both
    find no state table, and the peer records it first. The state table is not part of the
    fingerprint, so this sync's guard passes, and its own CREATE of the table must not fail
    (kills ``sync_rounds``' state statements made with raced=False: CREATE TABLE without IF
    NOT EXISTS, "table _inline_sync_state already exists")."""
    d1 = FakeD1()
    d1.script("CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT COLLATE NOCASE UNIQUE);")
    purposes = peer_after_scratch(monkeypatch, d1, PARENT)
    assert asyncio.run(sync_async(d1, PARENT)).status == "up-to-date"
    assert purposes[-1] == "apply"
    assert asyncio.run(sync_async(d1, PARENT)).status == "up-to-date"
    assert d1.q("SELECT count(*) FROM _inline_sync_state") == [(1,)]


def test_a_d1_table_that_vanishes_before_the_scratch_round_is_planned_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another process drops a table after this sync read the state (with the tables) and
    before its scratch round reads that table's rows: the probes find the read that failed, the
    tables are read again, and the sync plans again against what is there now (kills, in
    ``sync_rounds``, the failed attempt ending the loop instead of starting over, and the
    tables not set to be read again)."""
    d1 = FakeD1()
    x = "CREATE TABLE x (id INTEGER PRIMARY KEY, a TEXT);\n"
    asyncio.run(sync_async(d1, x))
    run = D1Driver.run
    purposes: list[str] = []

    async def vanish(driver: D1Driver, request: Any) -> Any:
        purposes.append(getattr(request, "purpose", type(request).__name__))
        reply = await run(driver, request)
        if purposes == ["read state"]:
            d1.script("DROP TABLE x;")
        return reply

    monkeypatch.setattr(D1Driver, "run", vanish)
    result = asyncio.run(sync_async(d1, x.replace("a TEXT", "a TEXT, b TEXT NOT NULL")))
    assert result.status == "synced"
    assert [(c.name, c.action) for c in result.plan.changes] == [("x", "create")]
    probes = ["probe"] * purposes.count("probe")
    assert probes
    assert purposes == [
        "read state",
        "Begin",
        "scratch",
        *probes,
        "read tables",
        "scratch",
        "apply",
    ]
    assert d1.q("SELECT sql FROM sqlite_schema WHERE name = 'x'") == [
        ("CREATE TABLE x (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL)",)
    ]


def test_a_local_sync_that_a_peer_made_first_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Another connection syncs the same file between this sync's first state read and its
    lock: the state read again under the lock matches, and the sync reports it
    ``synced-by-peer`` with the strategy it would have used (kills ``sync_rounds``' peer
    outcome under the lock with its strategy made None)."""
    path = str(tmp_path / "db.sqlite")
    first = sqlite3.connect(path, isolation_level=None)
    inline_sync.sync(first, PARENT)
    session = LocalDriver._session
    peer: list[str] = []

    def racing(driver: LocalDriver, begin: Any) -> Any:
        if not peer:  # before this sync takes its lock (the peer's own goes on)
            peer.append("started")
            other = sqlite3.connect(path, isolation_level=None)
            peer.append(inline_sync.sync(other, PARENT + CHILD).status)
            other.close()
        return session(driver, begin)

    monkeypatch.setattr(LocalDriver, "_session", racing)
    result = inline_sync.sync(first, PARENT + CHILD)
    assert peer == ["started", "synced"]
    assert result.status == "synced-by-peer"
    assert result.plan.strategy == "scratch-db"
    assert rows(first, "SELECT name FROM sqlite_master WHERE name = 'k'") == [("k",)]


def state_row(conn: Any) -> list[tuple[Any, ...]]:
    return rows(conn, "SELECT definitions_hash, fingerprint, synced_at FROM _inline_sync_state")


def test_a_forced_sync_records_the_state_only_when_it_changed() -> None:
    """``force=True`` plans in full whatever the state says, and then writes the state row only
    when something in it would change: not for the same texts on the same schema, but for a
    cosmetic edit (same tokens, new text) and for a schema changed where the definitions do
    not look (an ignored table: a new fingerprint), after which a plain sync is up to date at
    the cost of its state read (kills, in ``sync_rounds``, ``unchanged`` and ``record``
    with and/or swapped or the text comparison inverted)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    inline_sync.sync(conn, FK_SCHEMA, ignore=["extra"])
    conn.execute("UPDATE _inline_sync_state SET synced_at = 'then'")
    before = state_row(conn)
    assert inline_sync.sync(conn, FK_SCHEMA, ignore=["extra"], force=True).status == "up-to-date"
    assert state_row(conn) == before
    edited = "-- the parent\n" + FK_SCHEMA
    assert inline_sync.sync(conn, edited, ignore=["extra"], force=True).status == "up-to-date"
    ((hashes, fingerprint, stamp),) = state_row(conn)
    assert (hashes != before[0][0], fingerprint, stamp != "then") == (True, before[0][1], True)
    conn.execute("UPDATE _inline_sync_state SET synced_at = 'then'")
    conn.execute("CREATE TABLE extra (x)")
    assert inline_sync.sync(conn, edited, ignore=["extra"], force=True).status == "up-to-date"
    ((_, refreshed, stamp),) = state_row(conn)
    assert (refreshed != fingerprint, stamp != "then") == (True, True)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    assert inline_sync.sync(conn, edited, ignore=["extra"]).status == "up-to-date"
    assert not [sql for sql in seen if "__sync_" in sql or "BEGIN" in sql]


@pytest.mark.parametrize("client", [*OPENERS, "d1"])
def test_a_cosmetic_edit_is_up_to_date_with_an_empty_plan(client: str) -> None:
    """An edit that changes no token (a comment) is recognised from the stored tokens' hash:
    the sync is up to date and its result carries an empty plan, as any up-to-date sync's
    does (kills ``sync_rounds``' outcome for the same tokens made without its plan)."""
    db, _ = open_client(client)
    sync_on(client, db, FK_SCHEMA)
    result = sync_on(client, db, "-- the parent\n" + FK_SCHEMA)
    assert result.status == "up-to-date"
    assert (result.plan.changes, result.statements) == ((), ())


def test_a_forced_d1_sync_of_an_up_to_date_database_leaves_the_state_row_alone() -> None:
    """On D1 too, ``force=True`` on a database already synced to these exact texts plans in
    full, finds nothing, and does not write the state row (kills ``sync_rounds``' guarded
    state statements made whatever ``record`` says)."""
    d1 = FakeD1()
    asyncio.run(sync_async(d1, FK_SCHEMA))
    d1.script("UPDATE _inline_sync_state SET synced_at = 'then';")
    before = d1.q("SELECT definitions_hash, fingerprint, synced_at FROM _inline_sync_state")
    assert asyncio.run(sync_async(d1, FK_SCHEMA, force=True)).status == "up-to-date"
    assert d1.q("SELECT definitions_hash, fingerprint, synced_at FROM _inline_sync_state") == (
        before
    )


def test_a_d1_refusal_the_engine_cannot_answer_says_it_was_its_own_statement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both reads of the state refused (the engine answers only the first, by reading what is
    under the state table's name): the sync stops with a SyncError that quotes SQLite and
    says nothing changed (kills the message of ``drive_async`` given None)."""
    d1 = FakeD1()

    async def refuse(driver: D1Driver, request: Any) -> Any:
        raise RoundError("no such table: main.sqlite_master")

    monkeypatch.setattr(D1Driver, "run", refuse)
    with pytest.raises(inline_sync.SyncError) as failed:
        asyncio.run(sync_async(d1, "CREATE TABLE t (a);"))
    assert str(failed.value) == (
        "SQLite refused one of inline_sync's own statements: no such table: "
        "main.sqlite_master; nothing was changed"
    )


@pytest.mark.parametrize("parents", ["both", "unnamed"])
def test_d1_names_every_parent_a_broken_check_counts(
    monkeypatch: pytest.MonkeyPatch, parents: str
) -> None:
    """Both parents of k lose NOCASE: the error names the two the check counts, and a check
    that names none (a plan is plain data: it counts every parent) says "their parent row"
    (kills the separator and the word for no parent altered in ``ApplyRound.diagnose``)."""
    if parents == "unnamed":
        real = planner.foreign_key_checks

        def unnamed(*args: Any) -> tuple[ForeignKeyCheck, ...]:
            return tuple(ForeignKeyCheck(c.before, c.after) for c in real(*args))

        monkeypatch.setattr(planner, "foreign_key_checks", unnamed)
    d1 = Recorder(monkeypatch)
    q = PARENT.replace("TABLE p ", "TABLE q ")
    two = "CREATE TABLE k (id INTEGER PRIMARY KEY, pc TEXT REFERENCES p(code), qc TEXT REFERENCES q(code));\n"  # noqa: E501
    d1.sync(PARENT + q + two)
    d1.db.script("INSERT INTO p VALUES (1, 'A'); INSERT INTO q VALUES (1, 'B');")
    d1.db.script("INSERT INTO k VALUES (1, 'a', 'b')")
    with pytest.raises(inline_sync.ApplyError) as info:
        d1.sync((PARENT + q).replace(" COLLATE NOCASE", "") + two)
    named = "p or q" if parents == "both" else "parent"
    assert str(info.value) == (
        f"FOREIGN KEY constraint failed: the change leaves rows of k without their {named} "
        "row; nothing was changed (rolled back)"
    )
    assert d1.db.q("SELECT * FROM k") == [(1, "a", "b")]
