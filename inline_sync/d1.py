"""Cloudflare D1 from a Python Worker: :func:`sync_async` and :func:`plan_async`.

D1 is reached through an async binding (``env.DB``) whose only transaction is a ``batch()``:
no BEGIN, no SAVEPOINT, no ATTACH, no temporary objects, foreign keys always on. The sync runs
as the rounds of :mod:`inline_sync.rounds`, each one ``batch()``; this module only drives them.
The same rounds run on any synchronous client through :func:`run_rounds`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .clients import Client, make_client
from .definitions import parse_definitions
from .errors import SyncError
from .names import ignore_filter
from .plan import Step, SyncPlan, SyncResult
from .rounds import Outcome, Reply, Round, RoundError, RoundOptions, Rounds, sync_rounds
from .state import definitions_hash

if TYPE_CHECKING:
    from .diff import Capabilities

#: The SQLite version plans report for D1. ``sqlite_version()`` is refused; in local D1
#: (miniflare 4.20260426, 2026-11-29) ``jsonb()`` works (3.45+) and two-argument ``iif()`` does
#: not (< 3.48). The planner does not go by it: it tries the ALTER forms it would use.
D1_SQLITE_VERSION = (3, 45, 0)


def d1_capabilities(accepts: Callable[[tuple[str, ...]], bool]) -> Capabilities:
    """What D1 can do: the ALTER forms it accepts when tried, 100 columns and 100 bound
    parameters (docs/d1.md)."""
    from .diff import Capabilities

    return Capabilities(D1_SQLITE_VERSION, accepts, max_columns=100, max_parameters=100)


#: The statement forms D1 was seen to accept or refuse, for the life of the isolate.
_ACCEPTED: dict[tuple[str, ...], bool] = {}


def d1_binding(database: Any) -> Any | None:
    """The D1 binding behind ``database`` (``env.DB`` or a wrapper of it), or None."""
    for candidate in (database, *(getattr(database, a, None) for a in ("_binding", "js_object"))):
        if candidate is None:
            continue
        try:
            if (
                hasattr(candidate, "prepare")
                and hasattr(candidate, "batch")
                and not hasattr(candidate, "transactionSync")
            ):
                return candidate
        except Exception:  # a JsProxy may raise on unknown attributes
            continue
    return None


def d1_message(exc: BaseException) -> str:
    """SQLite's message inside a D1 error ("Error: D1_ERROR: no such table: t: SQLITE_ERROR")."""
    text = str(getattr(exc, "message", None) or exc).strip()
    for prefix in ("Error: ", "D1_ERROR: ", "D1_EXEC_ERROR: "):
        text = text.removeprefix(prefix)
    extended = text.rfind(" (extended: SQLITE_")
    if extended >= 0 and text.endswith(")"):
        text = text[:extended]
    head, sep, tail = text.rpartition(": SQLITE_")
    return head if sep and tail.replace("_", "").isalpha() and tail.isupper() else text


class D1Driver:
    """Runs each round as one ``batch()`` of a D1 binding."""

    def __init__(self, binding: Any) -> None:
        self.db = binding
        try:
            from pyodide.ffi import JsException, jsnull, to_js
        except ImportError:  # CPython with a stand-in binding (tests)
            JsException, jsnull, to_js = RuntimeError, None, None
        self._js_exception = JsException
        self._jsnull = jsnull
        self._to_js = to_js
        self.round_trips = 0

    def _value(self, value: Any) -> Any:
        return None if value is self._jsnull and value is not None else value

    def _rows(self, result: Any) -> list[tuple[Any, ...]]:
        rows = result.results
        rows = rows.to_py() if hasattr(rows, "to_py") else rows
        # Rows come as objects keyed by column name, in column order; every query of the
        # rounds names its columns distinctly, and none with a number (JS sorts those first).
        return [tuple(self._value(v) for v in row.values()) for row in rows or ()]

    async def run(self, rnd: Round) -> Reply:
        """Run ``rnd`` as one batch; raise RoundError when D1 refused it (it rolled back)."""
        prepared = []
        for sql, params in rnd.statements:
            statement = self.db.prepare(sql)
            prepared.append(statement.bind(*params) if params else statement)
        self.round_trips += 1
        try:
            results = await self.db.batch(self._to_js(prepared) if self._to_js else prepared)
        except Exception as exc:
            if not isinstance(exc, self._js_exception):
                raise
            raise RoundError(d1_message(exc)) from None
        return [self._rows(result) for result in results]


def run_rounds(client: Client, rounds: Rounds) -> Any:
    """Drive ``rounds`` on a synchronous client, each round in one transaction of its own."""

    async def run(rnd: Round) -> Reply:
        def body() -> Reply:
            out: Reply = []
            for i, (sql, params) in enumerate(rnd.statements):
                try:
                    out.append(client.query(sql, params))
                except Exception as exc:
                    if not client.is_error(exc):
                        raise
                    raise RoundError(client.error_message(exc), i) from None
            return out

        return client.transaction(body)

    # The one driving loop is the async one; nothing in it waits here, so it runs to the end
    # on its first step.
    coroutine = drive_async(rounds, run)
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a synchronous round waited for something")  # pragma: no cover


async def drive_async(rounds: Rounds, run: Callable[[Round], Awaitable[Reply]]) -> Any:
    """Drive ``rounds`` with an async ``run(round) -> reply``; returns the core's result."""
    request = next(rounds)
    while True:
        try:
            try:
                reply = await run(request)
            except RoundError as exc:
                request = rounds.throw(exc)
            else:
                request = rounds.send(reply)
        except StopIteration as done:
            return done.value


def _texts(definitions: str | Iterable[str]) -> list[str]:
    from .arguments import definition_texts

    return definition_texts(definitions)


async def plan_async(
    database: Any,
    definitions: str | Iterable[str],
    *,
    scratch_schema: str = "auto",
    ignore: Iterable[str] = (),
) -> SyncPlan:
    """:func:`inline_sync.plan` for an async caller: ``await plan_async(env.DB, SCHEMA)``.

    A D1 binding is planned in two round-trips, leaving nothing behind; any other client is
    handed to :func:`inline_sync.plan`.
    """
    binding = d1_binding(database)
    if binding is None:
        from .engine import plan

        return plan(database, definitions, scratch_schema=scratch_schema, ignore=ignore)
    _check_strategy(scratch_schema)
    skip = ignore_filter(ignore)
    defs = parse_definitions(_texts(definitions), skip)
    rounds = sync_rounds(defs, skip, d1_capabilities, RoundOptions(), _ACCEPTED)
    outcome: Outcome = await drive_async(rounds, D1Driver(binding).run)
    return outcome.plan


async def sync_async(
    database: Any,
    definitions: str | Iterable[str],
    *,
    scratch_schema: str = "auto",
    allow_destructive: bool = False,
    dry_run: bool = False,
    ignore: Iterable[str] = (),
    force: bool = False,
    wait_timeout: float = 60.0,
    progress: Callable[[Step, int, int], None] | None = None,
) -> SyncResult:
    """:func:`inline_sync.sync` for an async caller: ``await sync_async(env.DB, SCHEMA)``.

    With a D1 binding the sync takes one ``batch()`` when the database is up to date, and
    otherwise four: read the state, build-read-drop the scratch copies, apply (guarded, so a
    concurrent sync applies at most once). Each batch is all or nothing. Same options, results
    and errors as :func:`inline_sync.sync`; ``wait_timeout`` does not apply (D1 has no lock to
    wait for) and ``progress`` is told about each row copy once the change has committed. Any
    other client is handed to :func:`inline_sync.sync`.
    """
    binding = d1_binding(database)
    if binding is None:
        from .engine import sync

        return sync(
            database, definitions, scratch_schema=scratch_schema,
            allow_destructive=allow_destructive, dry_run=dry_run, ignore=ignore, force=force,
            wait_timeout=wait_timeout, progress=progress,
        )  # fmt: skip
    started = time.perf_counter()
    _check_strategy(scratch_schema)
    skip = ignore_filter(ignore)
    texts = _texts(definitions)
    defs = parse_definitions(texts, skip)
    digest = "" if dry_run else definitions_hash(tuple(texts), defs, skip)
    options = RoundOptions(not dry_run, allow_destructive, force, digest, progress)
    rounds = sync_rounds(defs, skip, d1_capabilities, options, _ACCEPTED)
    outcome: Outcome = await drive_async(rounds, D1Driver(binding).run)
    status = "changes-needed" if dry_run and outcome.plan.steps else outcome.status
    return SyncResult(status, outcome.plan, outcome.executed, time.perf_counter() - started)


def _check_strategy(scratch_schema: str) -> None:
    if scratch_schema not in ("auto", "prefix"):
        raise SyncError(
            f"scratch_schema={scratch_schema!r} is not possible on D1 (ATTACH is refused); "
            "use 'auto' or 'prefix'"
        )


def sync_rounds_on(
    client: Any, definitions: str | Sequence[str], *, apply: bool = True, **options: Any
) -> Outcome:
    """Run the round-based sync on a synchronous client (``sqlite3``, ``apsw``, a Durable
    Object's storage): the very rounds D1 gets, one transaction each."""
    c = make_client(client)
    skip = ignore_filter(options.pop("ignore", ()))
    texts = _texts(definitions)
    defs = parse_definitions(texts, skip)
    digest = definitions_hash(tuple(texts), defs, skip) if apply else ""
    opts = RoundOptions(apply=apply, digest=digest, **options)

    def capabilities(accepts: Callable[[tuple[str, ...]], bool]) -> Capabilities:
        from .diff import Capabilities

        return Capabilities(
            c.sqlite_version(), accepts, max_columns=c.max_columns, max_parameters=c.max_parameters
        )

    return run_rounds(c, sync_rounds(defs, skip, capabilities, opts))  # type: ignore[no-any-return]
