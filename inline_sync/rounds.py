"""The one sync engine: a sans-I/O generator that every client's driver runs.

The engine never touches a database. It *yields* requests and is sent the answers:

* :class:`Round`: statements to run as one transaction, all or nothing. The driver sends back
  the rows of every statement, or throws :class:`RoundError` into the engine when SQLite
  refused one (after rolling the round back).
* :class:`Begin`: the sync proper starts. A local driver (``sqlite3``, ``apsw``, a Durable
  Object's storage) takes the write lock, switches foreign keys off where it may, attaches the
  scratch database and from then on runs every round inside that one transaction (each round
  in a savepoint of its own); D1's driver has nothing to open. The answer is a
  :class:`Started` that says which of the two kinds of driver this is.
* :class:`ApplySteps`: run the plan's steps inside the open transaction (local drivers only,
  with :func:`inline_sync.apply.apply_plan`: chunked copies with progress, the caller's TEMP
  triggers); D1 gets the steps inside a guarded apply round instead.

What the engine does, in order, whoever drives it:

1. **read state**: one statement compares the stored definitions hashes and the schema
   fingerprint with the database (the exact text's hash first, then the tokens'). An
   up-to-date database costs this one round.
2. **begin**; a driver whose database other processes may write reads the state again under
   the lock (``synced-by-peer``).
3. **scratch**: build the scratch copies of the definitions, read back everything the planner
   asks about, drop them again, in one round (:mod:`inline_sync.scratch_round`). No scratch
   object outlives the round, whatever happens to a D1 isolate between round-trips.
4. **plan**, in memory, with :func:`~inline_sync.planner.build_plan`. An ALTER form nobody has
   tried on this connection yet is tried in a round of its own that fails on purpose.
5. **apply**: local drivers run the steps and record the state in their transaction. D1 gets
   one guarded round (:mod:`inline_sync.apply_round`); a failed guard means another process
   got there first: the state is read again (``synced-by-peer``) or the sync planned again.

When the driver cannot say which statement of a failed round was refused (D1 does not),
*probe* rounds find it by bisection: each runs a prefix of the statements and then fails on
purpose, so it changes nothing.
"""

from __future__ import annotations

from .errors import DestructiveChangeError, SyncError, reserved_name_taken
from .names import PREFIX, SCRATCH_DB
from .plan import Step, SyncPlan
from .state import (
    FINGERPRINT,
    STATE_ENTRY,
    STATE_TABLE,
    damage,
    state_check,
    state_statements,
    stored_hashes,
    text_hash,
)
from .tokenizer import quote
from .value import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a first plan())
if TYPE_CHECKING:  # the planning stages load only when a plan is made
    from collections.abc import Awaitable, Callable, Coroutine, Generator, Sequence
    from typing import Any

    from .capabilities import Capabilities
    from .definitions import Definition
    from .names import NameFilter

    Row = tuple[Any, ...]
    Statement = tuple[str, tuple[Any, ...]]
    #: What a driver sends back for a round: the rows of each statement, in order.
    Reply = list[list[Row]]
    Tables = dict[str, tuple[str, bool]]  # folded name -> (name, is virtual)
    Accepts = Callable[[tuple[str, ...]], bool]


class Round(Value):
    """Statements to run in one transaction; ``purpose`` names the round in messages.
    ``scratch``: the positions of the statements that touch only the attached scratch
    database (a driver may run those on a private connection, where the database is
    read-only)."""

    __slots__ = ("purpose", "scratch", "statements")
    purpose: str
    statements: tuple[Statement, ...]
    scratch: frozenset[int]

    def __init__(
        self, purpose: str, statements: tuple[Statement, ...], scratch: frozenset[int] = frozenset()
    ) -> None:
        self._init(purpose=purpose, statements=statements, scratch=scratch)


class RoundError(Exception):
    """SQLite refused a statement of a round, and the round was rolled back.

    ``message`` is SQLite's message; ``index`` the position of the refused statement when the
    driver knows it (``None`` for D1, whose ``batch()`` does not say)."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


class Begin(Value):
    """The request that opens the sync proper (after the state was read and did not match).
    ``apply``: the sync will write (a local driver takes the write lock at once)."""

    __slots__ = ("apply",)
    apply: bool

    def __init__(self, apply: bool) -> None:
        self._init(apply=apply)


class Started(Value):
    """A driver's answer to :class:`Begin`: how it runs the rest of the sync.

    ``one_transaction``: every later round runs inside one transaction that the driver commits
    when the engine returns (rolls back for plans), so nobody can change the schema between the
    rounds: no guards are needed, the state is read again under the lock (another connection
    may have synced while this one waited for it), and the steps run as :class:`ApplySteps`.
    ``strategy``: ``"prefix"`` or ``"scratch-db"`` (the driver attached the scratch database).
    ``foreign_keys``: whether they are enforced during the change (None: read them).
    """

    __slots__ = ("foreign_keys", "one_transaction", "strategy")
    one_transaction: bool
    strategy: str
    foreign_keys: bool | None

    def __init__(
        self,
        one_transaction: bool = False,
        strategy: str = "prefix",
        foreign_keys: bool | None = None,
    ) -> None:
        self._init(one_transaction=one_transaction, strategy=strategy, foreign_keys=foreign_keys)


class ApplySteps(Value):
    """Run the steps of ``plan`` inside the open transaction; the reply is the statements run."""

    __slots__ = ("plan", "progress")
    plan: SyncPlan
    progress: Callable[[Step, int, int], None] | None

    def __init__(self, plan: SyncPlan, progress: Callable[[Step, int, int], None] | None) -> None:
        self._init(plan=plan, progress=progress)


if TYPE_CHECKING:
    Request = Round | Begin | ApplySteps
    Rounds = Generator[Request, Any, Any]


class RoundOptions(Value):
    """The options of one sync or plan, as :func:`inline_sync.sync` takes them. ``record``:
    check and record the state row (a sync, not a plan or dry run); ``attempts``: plans in a
    row whose guard another process may fail."""

    __slots__ = ("allow_destructive", "apply", "attempts", "force", "progress", "record")
    apply: bool
    allow_destructive: bool
    force: bool
    record: bool
    progress: Callable[[Step, int, int], None] | None
    attempts: int

    def __init__(
        self,
        apply: bool = False,
        allow_destructive: bool = False,
        force: bool = False,
        record: bool = False,
        progress: Callable[[Step, int, int], None] | None = None,
        attempts: int = 3,
    ) -> None:
        self._init(apply=apply, allow_destructive=allow_destructive, force=force, record=record,
                   progress=progress, attempts=attempts)  # fmt: skip


class Outcome(Value):
    """What the engine returns: the status, the plan and the statements applied."""

    __slots__ = ("executed", "plan", "status")
    status: str
    plan: SyncPlan
    executed: tuple[str, ...]

    def __init__(self, status: str, plan: SyncPlan, executed: tuple[str, ...] = ()) -> None:
        self._init(status=status, plan=plan, executed=executed)


TABLES = (
    "SELECT name, sql LIKE 'CREATE VIRTUAL TABLE%' FROM main.sqlite_master "
    "WHERE type = 'table' AND sql IS NOT NULL"
)

# Failing a round on purpose: an INSERT that violates a CHECK constraint whose name is the
# message. SQLite reports "CHECK constraint failed: <name>", so the reason survives D1.
SCHEMA_CHANGED = "inline_sync: the schema changed since it was planned"
PROBE_END = "inline_sync: probe ends here"


def guard_table(name: str, constraint: str, schema: str = "main") -> Statement:
    """A scratch table whose every INSERT of a false value fails with ``constraint``."""
    return (
        f"CREATE TABLE {schema}.{quote(PREFIX + name)} (ok INTEGER CONSTRAINT "
        f"{quote(constraint)} CHECK (ok))",
        (),
    )


def fail_on_purpose(name: str, schema: str = "main") -> Statement:
    """The INSERT that fails the guard table ``name``."""
    return (f"INSERT INTO {schema}.{quote(PREFIX + name)} VALUES (0)", ())


def drop(kind: str, name: str) -> Statement:
    """DROP ``kind`` IF EXISTS main.``name``."""
    return (f"DROP {kind.upper()} IF EXISTS main.{quote(name)}", ())


# --------------------------------------------------------------------------- the state row
class Stored:
    """The state as read: the stored hashes and whether the schema still matches. ``entry``:
    the rows of :data:`~inline_sync.state.STATE_ENTRY`, when they were read."""

    def __init__(
        self, rows: list[Row] | None, tables: Tables | None = None, entry: Sequence[Row] = ()
    ) -> None:
        hashes, self.same_schema = (str(rows[0][0]), bool(rows[0][1])) if rows else ("", False)
        self.found = bool(rows)
        self.token_hash, self.text_hash = stored_hashes(hashes)
        #: What the state round must repair: None when the table is sound.
        self.damaged = damage(entry)
        self.sound = self.damaged is None
        self.tables = tables

    def matches_text(self, text_digest: str) -> bool:
        """Synced to these exact texts, and the schema has not changed since."""
        return self.found and self.same_schema and self.text_hash == text_digest != ""

    def matches(self, digest: str) -> bool:
        """Synced to definitions with these tokens, and the schema has not changed since."""
        return self.found and self.same_schema and self.token_hash == digest != ""


NOTHING_STORED = Stored(None)


def _read_state(fingerprint: str) -> Generator[Request, Any, Stored]:
    """The stored state, read in one round with the tables (for the scratch round: one
    round-trip less on D1) and the state table's own entry. A missing or damaged state table is
    no state, never an error: the state round makes it anew."""
    check = (state_check(fingerprint), ())
    look = ((TABLES, ()), (STATE_ENTRY, (STATE_TABLE,)))
    try:
        reply = yield Round("read state", (*look, check))
    except RoundError:
        # No state table yet (or one damaged by hand): what is under its name.
        reply = yield Round("read state", look)
        return Stored(None, _tables(reply[0]), reply[1])
    return Stored(reply[2], _tables(reply[0]), reply[1])


def _read_state_carefully(fingerprint: str) -> Generator[Request, Any, Stored]:
    """The stored state, looking before reading: inside a Durable Object's transaction a
    statement is best not refused."""
    look = yield Round("look for the state", ((STATE_ENTRY, (STATE_TABLE,)), (TABLES, ())))
    found = Stored(None, _tables(look[1]), look[0])
    if not found.sound:
        return found
    reply = yield Round("read state", ((state_check(fingerprint), ()),))
    return Stored(reply[0], found.tables, look[0])


def _tables(rows: list[Row]) -> Tables:
    from .tokenizer import fold

    return {fold(str(name)): (str(name), bool(virtual)) for name, virtual in rows}


# --------------------------------------------------------------------------- the engine


class _Unknown(Exception):
    """The planner asked whether the client accepts a statement form nobody has tried yet."""

    def __init__(self, statements: tuple[str, ...]) -> None:
        super().__init__(statements)
        self.statements = statements


def sync_rounds(
    texts: Sequence[str],
    skip: NameFilter,
    capabilities: Callable[[Accepts], Capabilities],
    opts: RoundOptions,
    accepted: dict[tuple[str, ...], bool] | None = None,
    fingerprint: str = FINGERPRINT,
    defs: list[Definition] | None = None,
    state_row: Row | None = None,
) -> Rounds:
    """The whole sync (or plan, with ``opts.apply`` false) as requests; returns an Outcome.

    ``texts`` are the definitions (parsed here unless ``defs`` are given, after the state was
    read: unchanged text is recognised without tokenizing it). ``capabilities(accepts)`` says
    what the client can do, asking ``accepts(statements)`` whether the client runs a statement
    form (an ALTER the planner would like to use). That is answered by trying it in a round of
    its own that fails on purpose, once per form: the answers are kept in ``accepted`` (a D1
    isolate keeps them for every later sync). ``fingerprint`` is the SQL expression of the
    schema's fingerprint (:data:`~inline_sync.state.COOKIE` where the client may read it).
    ``state_row``: a row of :func:`~inline_sync.state.state_check` the caller read already
    (the start-up fast path's)."""
    from .definitions import parse_definitions
    from .state import definitions_hash

    known = accepted if accepted is not None else {}

    def accepts(statements: tuple[str, ...]) -> bool:
        if statements not in known:
            raise _Unknown(statements)
        return known[statements]

    texts = tuple(texts)
    text_digest = text_hash(texts, skip) if opts.record else ""
    stored = NOTHING_STORED
    if opts.record and not opts.force:
        if state_row is not None:
            stored = Stored([state_row])
        else:
            stored = yield from _read_state(fingerprint)
        if stored.matches_text(text_digest):
            return Outcome("up-to-date", SyncPlan())
    if defs is None:
        defs = parse_definitions(list(texts), skip, whole=opts.record)  # (record: hashed)
    digest = definitions_hash(texts, defs, skip) if opts.record else ""
    if stored.matches(digest):  # the same tokens: only cosmetic edits
        return Outcome("up-to-date", SyncPlan())
    session: Started = yield Begin(opts.apply)
    if opts.record and session.one_transaction:  # under the lock now
        stored = yield from _read_state_carefully(fingerprint)
        if not opts.force and stored.matches(digest):
            return Outcome("synced-by-peer", SyncPlan(strategy=session.strategy))
    elif opts.record and opts.force:  # what the state says, to leave it alone if it is right
        stored = yield from _read_state(fingerprint)
    tables = stored.tables
    for _ in range(opts.attempts):
        if tables is None:
            tables = yield from _current_tables()
        from .scratch_round import ScratchRound
        from .view_columns import NeedViewColumns, read_columns

        scratch = ScratchRound(defs, skip, tables, session, fingerprint)
        tables = None  # read again if this attempt has to start over
        try:
            reply = yield from scratch.run()
        except _Again:
            continue  # a table vanished between the rounds: plan again
        while True:  # planning is pure: plan again once an unknown form has been tried
            try:
                the_plan, planned_against = scratch.plan(reply, capabilities(accepts))
                break
            except _Unknown as need:
                known[need.statements] = yield from _try_form(need.statements, session)
            except NeedViewColumns as need:  # (only where a reader of theirs may lose one)
                scratch.asked_views.update((yield from read_columns(need.asks)))
        if not opts.apply:
            return Outcome(the_plan.status, the_plan)
        if the_plan.destructive and not opts.allow_destructive:
            raise DestructiveChangeError(the_plan)
        # A sync that found nothing to do where the state already says so (a forced sync)
        # leaves the state row alone.
        unchanged = not the_plan.steps and stored.matches(digest)
        unchanged = unchanged and stored.text_hash == text_digest
        record = opts.record and not unchanged
        if session.one_transaction:
            executed: list[str] = []
            if the_plan.steps:
                executed = yield ApplySteps(the_plan, opts.progress)
            if record:
                yield Round("state", tuple(state_statements(digest, text_digest, fingerprint,
                                                            stored.damaged)))  # fmt: skip
            return Outcome("synced" if the_plan.steps else "up-to-date", the_plan, tuple(executed))
        from .apply_round import ApplyRound

        state = (
            state_statements(digest, text_digest, fingerprint, stored.damaged, raced=True)
            if record
            else []
        )
        apply = ApplyRound(
            the_plan, planned_against, opts.progress, state, fingerprint, rows=scratch.asked
        )
        try:
            reply = yield apply.round()
        except RoundError as exc:
            if SCHEMA_CHANGED not in exc.message:
                raise (yield from apply.diagnose(exc)) from None
            if opts.record:
                stored = yield from _read_state(fingerprint)
                if stored.matches(digest):
                    return Outcome("synced-by-peer", SyncPlan(strategy="prefix"))
                tables = stored.tables
            continue  # changed by someone else, to something else: plan again
        apply.report(reply)
        status = "synced" if the_plan.steps else "up-to-date"
        return Outcome(status, the_plan, tuple(the_plan.statements))
    raise SyncError(
        f"the schema kept changing while this sync planned ({opts.attempts} attempts: another "
        "process is changing it); nothing was changed"
    )


async def drive_async(
    rounds: Rounds, run: Callable[[Request], Awaitable[Any]], reply: Any = None
) -> Any:
    """The one driving loop: answer each request of ``rounds`` with ``await run(request)``
    (a RoundError it raises is thrown into the engine), starting by sending ``reply`` (None
    for a fresh engine); returns the engine's result."""
    try:
        request = rounds.send(reply)
        while True:
            try:
                answer = await run(request)
            except RoundError as exc:
                try:
                    request = rounds.throw(exc)
                except RoundError as unhandled:  # a statement of the engine's own refused
                    raise SyncError(
                        f"SQLite refused one of inline_sync's own statements: "
                        f"{unhandled.message}; nothing was changed"
                    ) from None
            else:
                request = rounds.send(answer)
    except StopIteration as done:
        return done.value


def run_sync(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never waits for anything (a synchronous driver's loop) to its end
    on its first step."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise SyncError("a synchronous driver waited for something")  # pragma: no cover


class _Again(Exception):
    """The scratch round failed for a reason that is not the definitions': start over."""


def _current_tables() -> Generator[Request, Any, Tables]:
    reply = yield Round("read tables", ((TABLES, ()),))
    return _tables(reply[0])


def _probe(statements: Sequence[Statement]) -> Generator[Request, Any, int | None]:
    """The index of the first statement SQLite refuses, found by bisection with rounds that
    fail on purpose at their end (so none of them changes anything); None if none is."""
    lo, hi = 0, len(statements)  # statements[:lo] pass; the first failure is below hi
    found = False
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            yield Round("probe", (
                guard_table("probe", PROBE_END), *statements[:mid], fail_on_purpose("probe")
            ))  # fmt: skip
        except RoundError as exc:
            raise_if_taken(exc)
            if PROBE_END in exc.message:
                lo = mid
                continue
            hi, found = mid - 1, True
            continue
        raise SyncError("a probe round did not fail as it must")  # pragma: no cover
    return lo if found else None


def _try_form(statements: tuple[str, ...], session: Started) -> Generator[Request, Any, bool]:
    """Whether the client runs ``statements`` (``{t}``: a throwaway table with columns a and
    b), tried in the scratch space in a round that then fails on purpose, so it changes
    nothing. Inside the sync's transaction, so an authorizer answers as it would for the real
    change."""
    in_db = session.strategy == "scratch-db"
    schema = SCRATCH_DB if in_db else "main"
    table = f"{schema}.{quote(PREFIX + 'form')}"
    tried = (
        guard_table("probe", PROBE_END, schema),
        (f"CREATE TABLE {table} (a INT, b INT)", ()),
        *((sql.format(t=table), ()) for sql in statements),
        fail_on_purpose("probe", schema),
    )
    try:
        yield Round("try a statement form", tried,
                    frozenset(range(len(tried))) if in_db else frozenset())  # fmt: skip
    except RoundError as exc:
        raise_if_taken(exc)
        return PROBE_END in exc.message
    raise SyncError("a probe round did not fail as it must")  # pragma: no cover


def raise_if_taken(exc: RoundError) -> None:
    """A statement of ours failed because an object inline_sync did not create holds a
    ``__sync_`` name it needs: say so (such an object is never dropped)."""
    taken = reserved_name_taken(exc.message)
    if taken is not None:
        raise taken from None


def failed_at(
    exc: RoundError, statements: Sequence[Statement]
) -> Generator[Request, Any, int | None]:
    """The index of the statement that failed ``exc``'s round: from the driver, or probed."""
    if exc.index is not None:
        return exc.index
    return (yield from _probe(statements))
