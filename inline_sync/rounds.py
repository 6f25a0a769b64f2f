"""The sync as a sans-I/O sequence of rounds, for databases reached by round-trips (D1).

A *round* is a list of statements that must run as one transaction: all or nothing. The core
below is a generator: it yields a :class:`Round`, the driver runs it (D1: one ``batch()``; a
synchronous client: statement by statement inside one transaction) and sends back the rows of
every statement, or throws :class:`RoundError` into it when SQLite refused one (after rolling
the round back). Planning is the same :func:`~inline_sync.planner.build_plan` that
:func:`inline_sync.sync` uses; only the I/O is shaped differently:

1. **read state**: one statement compares the stored definitions hash and schema fingerprint
   with the database. An up-to-date database costs this one round-trip.
2. **scratch**: build the ``__sync_``-prefixed copies of the definitions, read them back with
   everything the planner asks about (current objects, rows present, virtual-table columns,
   settings) and drop them again, in one round: no scratch object outlives it, whatever happens
   to the isolate between round-trips.
3. **plan**, in memory.
4. **apply**: a guard that fails the round unless the schema is still the one planned against,
   the steps, a foreign-key check that fails the round on new violations, the state row. A
   failed guard means another process got there first: the state is read again (``synced-by-
   peer``) or the sync is planned again.

When the driver cannot say which statement of a failed round was refused (D1 does not),
*probe* rounds find it by bisection: each runs a prefix of the statements and then fails on
purpose, so it changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .definitions import INDEX, TABLE, TRIGGER, VIEW, VIRTUAL, Definition
from .errors import (
    ApplyError,
    DefinitionError,
    DestructiveChangeError,
    SyncError,
    reserved_name_taken,
)
from .names import PREFIX, NameFilter
from .plan import ForeignKeyCheck, Step, SyncPlan
from .state import STATE_TABLE, STATE_TABLE_SQL
from .tokenizer import fold, literal, quote

if TYPE_CHECKING:  # the planning stages load only when a plan is made
    from .diff import Capabilities

Row = tuple[Any, ...]
Statement = tuple[str, tuple[Any, ...]]


@dataclass(frozen=True)
class Round:
    """Statements to run in one transaction; ``purpose`` names the round in messages."""

    purpose: str
    statements: tuple[Statement, ...]


class RoundError(Exception):
    """SQLite refused a statement of a round, and the round was rolled back.

    ``message`` is SQLite's message; ``index`` the position of the refused statement when the
    driver knows it (``None`` for D1, whose ``batch()`` does not say)."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


#: What a driver sends back for a round: the rows of each statement, in order.
Reply = list[list[Row]]
Rounds = Generator[Round, Reply, Any]


@dataclass(frozen=True)
class RoundOptions:
    """The options of one sync or plan, as :func:`inline_sync.sync` takes them."""

    apply: bool = False
    allow_destructive: bool = False
    force: bool = False
    digest: str = ""  # definitions hash to check and record; "" for plans and dry runs
    progress: Callable[[Step, int, int], None] | None = None
    attempts: int = 3  # plans in a row whose guard another process may fail


@dataclass(frozen=True)
class Outcome:
    """What the core returns: the status, the plan and the statements applied."""

    status: str
    plan: SyncPlan
    executed: tuple[str, ...] = ()


# The schema as one text: every object with SQL, by name, without SQLite's, the platform's and
# inline_sync's own (scratch and guard tables come and go; AUTOINCREMENT in a scratch table
# leaves sqlite_sequence behind). Reading it twice gives the same text exactly when nothing
# changed, so the state row and the apply guard compare it inside SQL, without a round-trip.
FINGERPRINT = (
    "(SELECT json_group_array(json_array(type, name, sql)) FROM (SELECT type, name, sql "
    "FROM main.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
    "AND lower(substr(name, 1, 4)) <> '_cf_' AND lower(substr(name, 1, 7)) <> '__sync_' "
    f"AND name <> '{STATE_TABLE}' ORDER BY name))"
)
STATE_CHECK = (
    f"SELECT definitions_hash, fingerprint IS {FINGERPRINT} FROM {STATE_TABLE} WHERE id = 1"
)
_THEIRS = "SELECT name FROM main.sqlite_master WHERE lower(substr(name, 1, 7)) = '__sync_'"
_OBJECTS = "SELECT type, name, tbl_name, sql FROM main.sqlite_master WHERE sql IS NOT NULL"
_TABLES = (
    "SELECT name, sql LIKE 'CREATE VIRTUAL TABLE%' FROM main.sqlite_master "
    "WHERE type = 'table' AND sql IS NOT NULL"
)

# Failing a round on purpose: an INSERT that violates a CHECK constraint whose name is the
# message. SQLite reports "CHECK constraint failed: <name>", so the reason survives D1.
_SCHEMA_CHANGED = "inline_sync: the schema changed since it was planned"
_FK_BROKEN = "inline_sync: foreign keys of "
_PROBE_END = "inline_sync: probe ends here"


def _guard_table(name: str, constraint: str) -> Statement:
    return (
        f"CREATE TABLE {quote(PREFIX + name)} (ok INTEGER CONSTRAINT {quote(constraint)} "
        "CHECK (ok))",
        (),
    )


def _drop(kind: str, name: str) -> Statement:
    return (f"DROP {kind.upper()} IF EXISTS {quote(name)}", ())


# --------------------------------------------------------------------------- the core
Accepts = Callable[[tuple[str, ...]], bool]


class _Unknown(Exception):
    """The planner asked whether the client accepts a statement form nobody has tried yet."""

    def __init__(self, statements: tuple[str, ...]) -> None:
        super().__init__(statements)
        self.statements = statements


def sync_rounds(
    defs: list[Definition],
    skip: NameFilter,
    capabilities: Callable[[Accepts], Capabilities],
    opts: RoundOptions,
    accepted: dict[tuple[str, ...], bool] | None = None,
) -> Rounds:
    """The whole sync (or plan, with ``opts.apply`` false) as rounds; returns an Outcome.

    ``capabilities(accepts)`` says what the client can do, asking ``accepts(statements)``
    whether the client runs a statement form (an ALTER the planner would like to use). That is
    answered by trying it in a round of its own that fails on purpose, once per form: the
    answers are kept in ``accepted`` (a D1 isolate keeps them for every later sync)."""
    known = accepted if accepted is not None else {}

    def accepts(statements: tuple[str, ...]) -> bool:
        if statements not in known:
            raise _Unknown(statements)
        return known[statements]

    tables: dict[str, tuple[str, bool]] | None = None
    if opts.digest and not opts.force:
        matched, tables = yield from _read_state(opts.digest)
        if matched:
            return Outcome("up-to-date", SyncPlan())
    for _ in range(opts.attempts):
        if tables is None:
            tables = yield from _current_tables()
        scratch = ScratchRound(defs, skip, tables)
        tables = None  # read again if this attempt has to start over
        try:
            reply = yield scratch.round()
        except RoundError as exc:
            yield from scratch.diagnose(exc)
            continue  # a table vanished between the rounds: plan again
        while True:  # planning is pure: plan again once an unknown form has been tried
            try:
                the_plan, fingerprint = scratch.plan(reply, capabilities(accepts))
                break
            except _Unknown as need:
                known[need.statements] = yield from _try_form(need.statements)
        if not opts.apply:
            return Outcome(the_plan.status, the_plan)
        if the_plan.destructive and not opts.allow_destructive:
            raise DestructiveChangeError(the_plan)
        apply = ApplyRound(the_plan, fingerprint, opts)
        try:
            reply = yield apply.round()
        except RoundError as exc:
            if _SCHEMA_CHANGED not in exc.message:
                raise (yield from apply.diagnose(exc)) from None
            if opts.digest:
                matched, tables = yield from _read_state(opts.digest)
                if matched:
                    return Outcome("synced-by-peer", SyncPlan(strategy="prefix"))
            continue  # changed by someone else, to something else: plan again
        apply.report(reply)
        status = "synced" if the_plan.steps else "up-to-date"
        return Outcome(status, the_plan, tuple(the_plan.statements))
    raise SyncError(
        f"the schema kept changing while this sync planned ({opts.attempts} attempts: another "
        "process is changing it); nothing was changed"
    )


Tables = dict[str, tuple[str, bool]]  # folded name -> (name, is virtual)


def _read_state(digest: str) -> Generator[Round, Reply, tuple[bool, Tables | None]]:
    """Whether the stored state matches ``digest`` and the schema, and the tables (read in the
    same round, for the next one)."""
    try:
        reply = yield Round("read state", ((STATE_CHECK, ()), (_TABLES, ())))
    except RoundError as exc:
        if f"no such table: {STATE_TABLE}" in exc.message:
            return False, None  # never synced here
        raise SyncError(f"cannot read inline_sync's state: {exc.message}") from None
    rows = reply[0]
    return bool(rows) and rows[0][0] == digest and bool(rows[0][1]), _tables(reply[1])


def _current_tables() -> Generator[Round, Reply, Tables]:
    reply = yield Round("read tables", ((_TABLES, ()),))
    return _tables(reply[0])


def _tables(rows: list[Row]) -> Tables:
    return {fold(str(name)): (str(name), bool(virtual)) for name, virtual in rows}


def _probe(statements: Sequence[Statement]) -> Generator[Round, Reply, int | None]:
    """The index of the first statement SQLite refuses, found by bisection with rounds that
    fail on purpose at their end (so none of them changes anything); None if none is."""
    lo, hi = 0, len(statements)  # statements[:lo] pass; the first failure is below hi
    found = False
    while lo < hi:
        mid = (lo + hi + 1) // 2
        probe = (
            _guard_table("probe", _PROBE_END),
            *statements[:mid],
            (f"INSERT INTO {quote(PREFIX + 'probe')} VALUES (0)", ()),
        )
        try:
            yield Round("probe", probe)
        except RoundError as exc:
            _raise_if_taken(exc)
            if _PROBE_END in exc.message:
                lo = mid
                continue
            hi, found = mid - 1, True
            continue
        raise SyncError("a probe round did not fail as it must")  # pragma: no cover
    return lo if found else None


def _try_form(statements: tuple[str, ...]) -> Generator[Round, Reply, bool]:
    """Whether the client runs ``statements`` (``{t}``: a throwaway table with columns a and
    b), tried in a round that then fails on purpose, so it changes nothing."""
    table = f"main.{quote(PREFIX + 'form')}"
    try:
        yield Round("try a statement form", (
            _guard_table("probe", _PROBE_END),
            (f"CREATE TABLE {table} (a INT, b INT)", ()),
            *((sql.format(t=table), ()) for sql in statements),
            (f"INSERT INTO {quote(PREFIX + 'probe')} VALUES (0)", ()),
        ))  # fmt: skip
    except RoundError as exc:
        _raise_if_taken(exc)
        return _PROBE_END in exc.message
    raise SyncError("a probe round did not fail as it must")  # pragma: no cover


def _raise_if_taken(exc: RoundError) -> None:
    """A statement of ours failed because an object inline_sync did not create holds a
    ``__sync_`` name it needs: say so (it is never dropped)."""
    taken = reserved_name_taken(exc.message)
    if taken is not None:
        raise taken from None


def _failed_at(
    exc: RoundError, statements: Sequence[Statement]
) -> Generator[Round, Reply, int | None]:
    if exc.index is not None:
        return exc.index
    return (yield from _probe(statements))


# --------------------------------------------------------------------------- scratch round
_CREATE_ORDER = {TABLE: 0, VIRTUAL: 0, INDEX: 1, VIEW: 2, TRIGGER: 3}


class ScratchRound:
    """Build the scratch copies, read back what planning needs, drop them: one round.

    The planning stages are imported here, not at module level: recognizing an up-to-date
    database never loads them."""

    def __init__(self, defs: list[Definition], skip: NameFilter, tables: Tables) -> None:
        from .clients import Client
        from .ddl import ParseError, parse_view
        from .models import dependency_order
        from .scratch import Scratch

        self.defs = defs
        self.skip = skip
        self.names = {d.key for d in defs}
        self.tables = tables
        views = {d.key: d for d in defs if d.kind == VIEW}
        self.by_key = {d.key: d for d in defs if d.kind != TRIGGER}

        def view_deps(key: str) -> frozenset[str]:
            try:
                return parse_view(views[key].sql).names
            except ParseError:
                return frozenset()

        view_order = {k: i for i, k in enumerate(dependency_order(list(views), view_deps))}
        self.creates = sorted(
            defs, key=lambda d: (_CREATE_ORDER[d.kind], view_order.get(d.key, 0), d.index)
        )
        self.scratch = Scratch(Client(), "prefix")  # for its SQL only: this round does the I/O
        self.scratch.declared = frozenset(self.names)
        self.statements: list[Statement] = []
        self.owner: list[Definition | None] = []  # the definition each statement builds
        self.at: dict[str, int] = {}

    def _add(self, label: str, sql: str, owner: Definition | None = None) -> None:
        self.at[label] = len(self.statements)
        self.statements.append((sql, ()))
        self.owner.append(owner)

    def _drops(self) -> list[Statement]:
        """Drop statements for every scratch object: triggers, views, then tables with
        children before parents (with foreign keys on, a child cannot outlive its parent)."""
        from .ddl import ParseError, parse_table
        from .models import dependency_order

        tables = [d for d in self.defs if d.kind in (TABLE, VIRTUAL)]
        by_key = {d.key: d for d in tables}

        def parents(key: str) -> set[str]:
            d = by_key[key]
            if d.kind != TABLE:
                return set()
            try:
                return {fk.table for fk in parse_table(d.sql).foreign_keys}
            except ParseError:
                return set()

        order = reversed(dependency_order([d.key for d in tables], parents))
        out = [_drop("trigger", PREFIX + d.name) for d in self.defs if d.kind == TRIGGER]
        out += [_drop("view", PREFIX + d.name) for d in reversed(self.creates) if d.kind == VIEW]
        return out + [_drop("table", PREFIX + by_key[k].name) for k in order]

    def round(self) -> Round:
        """The statements, in order; their positions are remembered for reading the reply."""
        self._add("legacy", "PRAGMA legacy_alter_table")
        self._add("foreign keys", "PRAGMA foreign_keys")
        self._add("fingerprint", f"SELECT {FINGERPRINT}")
        self._add("theirs", _THEIRS)  # __sync_ objects before the build: not ours
        built: dict[str, str] = {}
        for d in self.creates:
            if d.kind != TRIGGER:
                built[d.key] = self.scratch.statement(d, self.names)
                self._add("", built[d.key], d)
        for d in self.creates:
            if d.kind == VIEW:  # CREATE VIEW accepts what reading the view refuses
                self._add("", f"SELECT * FROM {quote(PREFIX + d.name)} LIMIT 0", d)
        # Triggers one at a time, each fired right after it is made (as Scratch.build does):
        # CREATE TRIGGER accepts a body that cannot run; compiling a statement that fires it
        # does not, and the earlier triggers of the table are known to be good by then.
        for d in self.creates:
            if d.kind == TRIGGER:
                self._add("", self.scratch.statement(d, self.names), d)
                fire = self._fire(d, built)
                if fire is not None:
                    self._add("", fire, d)
        self._add("objects", _OBJECTS)
        self._add("shadow", "SELECT name FROM pragma_table_list WHERE type = 'shadow'")
        vtabs = tuple(k + "_" for k, (_, virtual) in self.tables.items() if virtual)
        plain = [
            n
            for k, (n, virtual) in self.tables.items()
            if not virtual and not self.skip(n) and not k.startswith(vtabs)
        ]
        self.has_rows_names: list[list[str]] = []
        for i in range(0, len(plain), 50):  # 100 columns at most in a result on D1
            chunk = plain[i : i + 50]
            self.has_rows_names.append(chunk)
            # Named columns: D1 returns rows as objects, where equal names would collapse.
            exists = ", ".join(
                f"EXISTS (SELECT 1 FROM main.{quote(n)}) AS h{j}" for j, n in enumerate(chunk)
            )
            self._add(f"rows {len(self.has_rows_names) - 1}", f"SELECT {exists}")
        self.vtab_columns: list[tuple[str, str]] = []
        for d in self.defs:
            current = self.tables.get(d.key)
            if d.kind == VIRTUAL and current is not None and current[1]:
                for side, name in (("current", current[0]), ("desired", PREFIX + d.name)):
                    self.vtab_columns.append((side, d.name))
                    self._add(f"columns {side} {d.key}",
                              f"SELECT name FROM pragma_table_info({literal(name)})")  # fmt: skip
        for sql, _ in self._drops():
            self._add("", sql)
        return Round("scratch", tuple(self.statements))

    def _fire(self, d: Definition, built: dict[str, str]) -> str | None:
        """The statement that fires trigger ``d`` on its scratch table or view, changing no
        row; the columns come from the scratch statement itself (the round reads nothing)."""
        from .ddl import ParseError, parse_table
        from .scratch import trigger_check, trigger_table

        table = trigger_table(d)
        owner = self.by_key.get(table or "")
        if table is None or owner is None:
            return None  # on an ignored table: the live database decides
        columns: list[str] = []
        if owner.kind == TABLE:
            try:
                columns = [c.name for c in parse_table(built[table]).columns if c.generated is None]
            except ParseError:
                return None
        return trigger_check(d, f"main.{quote(PREFIX + owner.name)}", columns)

    def diagnose(self, exc: RoundError) -> Generator[Round, Reply, None]:
        """Raise the DefinitionError that names the refused statement; return when the
        failure was not the definitions' (a table read for its rows vanished meanwhile)."""
        from .scratch import unprefix_message

        _raise_if_taken(exc)
        index = yield from _failed_at(exc, self.statements)
        owner = self.owner[index] if index is not None else None
        message = unprefix_message(exc.message)
        if owner is not None:
            sql = self.statements[index or 0][0]
            if owner.kind == VIEW and sql.startswith("SELECT"):
                text = f"the view {owner.name!r} cannot be read: {message}"
            elif owner.kind == TRIGGER and not sql.startswith("CREATE"):
                text = f"the trigger {owner.name!r} cannot run: {message}"
            else:
                text = f"SQLite refused the {owner.kind} {owner.name!r}: {message}"
            raise DefinitionError(text, statement=owner.sql, index=owner.index, name=owner.name)
        if index is None or "no such table" not in exc.message:
            raise SyncError(f"building the scratch schema failed: {message}")

    def plan(self, reply: Reply, caps: Capabilities) -> tuple[SyncPlan, str]:
        """The plan, and the schema fingerprint it was made against."""
        from .introspect import build_schema, same_text
        from .planner import PlanInput, build_plan
        from .scratch import shadow_names

        def one(label: str) -> Any:
            return reply[self.at[label]][0][0]

        rows = [(str(t), str(n), str(tb), str(s)) for t, n, tb, s in reply[self.at["objects"]]]
        listed = {str(r[0]) for r in reply[self.at["shadow"]]}
        theirs = {fold(str(r[0])) for r in reply[self.at["theirs"]]}
        current = [r for r in rows if not fold(r[1]).startswith(PREFIX)]
        scratch = [r for r in rows if fold(r[1]).startswith(PREFIX) and fold(r[1]) not in theirs]
        current_shadow = shadow_names(current, self.names, listed)
        desired, desired_shadow = self.scratch.unprefixed(
            scratch, shadow_names(scratch, {PREFIX + k for k in self.names}, listed)
        )
        fingerprint = str(one("fingerprint"))
        version_text = ".".join(map(str, caps.version))
        if same_text(current, desired, self.skip, current_shadow, desired_shadow):
            return SyncPlan(strategy="prefix", sqlite_version=version_text), fingerprint
        has_rows = {
            fold(name): bool(value)
            for i, chunk in enumerate(self.has_rows_names)
            for name, value in zip(chunk, reply[self.at[f"rows {i}"]][0], strict=True)
        }
        columns = {
            (side, fold(name)): [str(r[0]) for r in reply[self.at[f"columns {side} {fold(name)}"]]]
            for side, name in self.vtab_columns
        }
        the_plan = build_plan(
            build_schema(current, self.skip, current_shadow),
            build_schema(desired, self.skip, desired_shadow),
            PlanInput(
                self.defs,
                caps,
                fk_enforced=bool(one("foreign keys")),
                legacy_alter_table=bool(one("legacy")),
                # A table that appeared after the tables were listed: assume rows (the safe
                # answer); the apply guard fails anyway if the schema moved.
                has_rows=lambda name: has_rows.get(fold(name), True),
                columns_of=lambda side, name: columns.get((side, fold(name)), []),
                strategy="prefix",
            ),
        )
        return the_plan, fingerprint


# --------------------------------------------------------------------------- apply round
class ApplyRound:
    """Guard, steps, foreign-key check and state row: one round."""

    def __init__(self, the_plan: SyncPlan, fingerprint: str, opts: RoundOptions) -> None:
        self.plan = the_plan
        self.opts = opts
        self.statements: list[Statement] = [
            _guard_table("guard", _SCHEMA_CHANGED),
            (f"INSERT INTO {quote(PREFIX + 'guard')} VALUES ({FINGERPRINT} IS ?)", (fingerprint,)),
        ]
        self.step_at: dict[int, Step] = {}
        self.counts: list[tuple[Step, int]] = []
        checks = the_plan.fk_checks
        if checks:  # violations already there before the change do not count
            self.statements.append(
                (f"CREATE TABLE {quote(PREFIX + 'fk_before')} (child, parent, n)", ())
            )
            for c in checks:
                if c.before is not None:
                    sql = (
                        f"INSERT INTO {quote(PREFIX + 'fk_before')} SELECT "
                        f"{literal(fold(c.after))}, {_parent_after(c)}, count(*) FROM "
                        f"pragma_foreign_key_check({literal(c.before)}){_only(c, 0)} "
                        "GROUP BY parent"
                    )
                    self.statements.append((sql, ()))
        for step in the_plan.steps:
            if opts.progress is not None and step.action == "copy rows" and step.source:
                self.counts.append((step, len(self.statements)))
                self.statements.append((f"SELECT count(*) FROM {quote(step.source)}", ()))
            self.step_at[len(self.statements)] = step
            self.statements.append((step.sql, ()))
        self.fk_at: dict[int, str] = {}
        for n, c in enumerate(checks):
            guard = f"fk_{n}"
            self.statements.append(_guard_table(guard, f"{_FK_BROKEN}{c.after} are violated"))
            self.fk_at[len(self.statements)] = c.after
            self.statements.append((
                f"INSERT INTO {quote(PREFIX + guard)} SELECT NOT EXISTS (SELECT 1 FROM (SELECT "
                f"lower(parent) AS p, count(*) AS n FROM pragma_foreign_key_check("
                f"{literal(c.after)}){_only(c, 1)} GROUP BY 1) AS a WHERE a.n > coalesce((SELECT "
                f"sum(b.n) FROM "
                f"{quote(PREFIX + 'fk_before')} AS b WHERE b.child = {literal(fold(c.after))} "
                "AND b.parent = a.p), 0))", ()))  # fmt: skip
            self.statements.append(_drop("table", PREFIX + guard))
        if checks:
            self.statements.append(_drop("table", PREFIX + "fk_before"))
        self.statements.append(_drop("table", PREFIX + "guard"))
        if opts.digest:
            self.statements.append((STATE_TABLE_SQL, ()))
            self.statements.append((
                f"INSERT OR REPLACE INTO {STATE_TABLE} (id, definitions_hash, fingerprint, "
                f"synced_at) VALUES (1, ?, {FINGERPRINT}, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                (opts.digest,)))  # fmt: skip

    def round(self) -> Round:
        """The apply round."""
        return Round("apply", tuple(self.statements))

    def report(self, reply: Reply) -> None:
        """Tell ``progress`` about the rows copied, now that they are committed."""
        if self.opts.progress is not None:
            for step, at in self.counts:
                total = int(reply[at][0][0])
                self.opts.progress(step, total, total)

    def diagnose(self, exc: RoundError) -> Generator[Round, Reply, SyncError]:
        """The ApplyError naming the refused step (or the foreign keys that broke)."""
        from .apply import refused
        from .scratch import unprefix_message

        _raise_if_taken(exc)
        index = yield from _failed_at(exc, self.statements)
        message = unprefix_message(exc.message)
        if (index is not None and index in self.fk_at) or _FK_BROKEN in message:
            table = self.fk_at.get(index, "") if index is not None else ""
            return ApplyError(
                f"FOREIGN KEY constraint failed: the change leaves rows of {table or 'a table'} "
                "without their parent row; nothing was changed (rolled back)",
                sqlite_message="FOREIGN KEY constraint failed",
            )
        step = self.step_at.get(index) if index is not None else None
        return refused(step, exc.message)


def _only(check: ForeignKeyCheck, side: int) -> str:
    """The WHERE clause keeping the parents a check counts (0: names before, 1: after)."""
    if not check.parents:
        return ""
    names = ", ".join(literal(pair[side]) for pair in check.parents)
    return f" WHERE lower(parent) IN ({names})"


def _parent_after(check: ForeignKeyCheck) -> str:
    """The parent's folded name after the plan, from a row counted before it."""
    renamed = [(b, a) for b, a in check.parents if b != a]
    if not renamed:
        return "lower(parent)"
    whens = " ".join(f"WHEN {literal(b)} THEN {literal(a)}" for b, a in renamed)
    return f"CASE lower(parent) {whens} ELSE lower(parent) END"
