"""Cloudflare D1 from a Python Worker: :func:`sync_async` and :func:`plan_async`.

D1 is reached through an async binding (``env.DB``) whose only transaction is a ``batch()``:
no BEGIN, no SAVEPOINT, no ATTACH, no temporary objects, foreign keys always on. The sync runs
as the rounds of :mod:`inline_sync.rounds`, each one ``batch()``; this module only drives them.
The same rounds run on any synchronous client through :func:`run_rounds`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from .clients import Client, make_client
from .engine import plan, sync
from .errors import SyncError
from .local import LocalDriver, local_capabilities
from .names import ignore_filter
from .plan import SyncPlan, SyncResult
from .rounds import (
    Begin,
    Outcome,
    Round,
    RoundError,
    RoundOptions,
    Started,
    drive_async,
    run_sync,
    sync_rounds,
)

if TYPE_CHECKING:
    from .capabilities import Capabilities
    from .rounds import Request, Rounds

#: The SQLite version plans report for D1. ``sqlite_version()`` is refused; in local D1
#: (miniflare 4.20260426, 2026-11-29) ``jsonb()`` works (3.45+) and two-argument ``iif()`` does
#: not (< 3.48). The planner does not go by it: it tries the ALTER forms it would use.
D1_SQLITE_VERSION = (3, 45, 0)


def d1_capabilities(accepts: Callable[[tuple[str, ...]], bool]) -> Capabilities:
    """What D1 can do: the ALTER forms it accepts when tried, and 100 columns (docs/d1.md;
    its limit of 100 bound parameters never matters: no statement binds more than two)."""
    from .capabilities import Capabilities

    return Capabilities(D1_SQLITE_VERSION, accepts, max_columns=100)


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


# D1's own failures, outside SQLite: its network, an overloaded database, one reset (its
# storage timed out, its code was updated) — Cloudflare's list of D1 errors to retry.
_D1_FAILURES = (
    "network connection lost", "is overloaded", "to be reset", "reset because",
    "was reset", "transient issue", "client disconnected",
)  # fmt: skip


def _d1_error(exc: BaseException) -> Exception:
    """What a refused batch means: StorageError when the environment failed (the database is
    full, an I/O error...: D1 names SQLite's result code at the end of its message; or D1
    itself failed), else a RoundError for the core to diagnose. D1 rolled the batch back
    either way."""
    from .errors import ENVIRONMENT_CODES, StorageError, code_from_message, storage_error

    message = d1_message(exc)
    code = code_from_message(str(getattr(exc, "message", None) or exc))
    if code in ENVIRONMENT_CODES:
        return storage_error(code, message, "syncing on D1")
    if not code and any(needle in message.lower() for needle in _D1_FAILURES):
        return StorageError(
            f"D1 failed: {message} (while syncing on D1); nothing was changed",
            sqlite_message=message,
        )
    return RoundError(message)


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

    async def run(self, rnd: Request) -> Any:
        """Run ``rnd`` as one batch; raise RoundError when D1 refused it (it rolled back).
        :class:`~inline_sync.rounds.Begin` opens nothing: D1 has no transaction to hold."""
        if isinstance(rnd, Begin):
            return Started()
        if not isinstance(rnd, Round):
            raise SyncError(f"the D1 driver cannot run {rnd!r}")  # pragma: no cover
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
            raise _d1_error(exc) from None
        return [self._rows(result) for result in results]


def run_rounds(client: Client, rounds: Rounds) -> Any:
    """Drive ``rounds`` on a synchronous client the way D1 runs them: each round in one
    transaction of its own, nothing held between them (guards in the apply round)."""

    async def run(request: Request) -> Any:
        if isinstance(request, Begin):
            return Started()
        if not isinstance(request, Round):
            raise SyncError(f"a D1-style driver cannot run {request!r}")  # pragma: no cover
        return client.transaction(lambda: LocalDriver(client).run(request))

    return run_sync(drive_async(rounds, run))


def _texts(definitions: str | Iterable[str]) -> list[str]:
    from .arguments import definition_texts

    return definition_texts(definitions)


P = ParamSpec("P")
R = TypeVar("R")


def _async_twin(
    of: Callable[P, R],
) -> Callable[[Callable[..., Coroutine[Any, Any, R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Give an async entry point the very parameters of the sync one ``of``: one parameter
    list, checked by type checkers and shown by ``help()`` (``__wrapped__``)."""

    def twin(fn: Callable[..., Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        fn.__wrapped__ = of  # type: ignore[attr-defined]
        return fn

    return twin


def _arguments(of: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The arguments of a call of ``of``, defaults filled in (TypeError as ``of`` would)."""
    import inspect  # only async callers with a D1 binding come here

    bound = inspect.signature(of).bind(*args, **kwargs)
    bound.apply_defaults()
    return SimpleNamespace(**bound.arguments)


@_async_twin(plan)
async def plan_async(database: Any, *args: Any, **kwargs: Any) -> SyncPlan:
    """:func:`inline_sync.plan` for an async caller: ``await plan_async(env.DB, SCHEMA)``.

    A D1 binding is planned in two round-trips, leaving nothing behind; any other client is
    handed to :func:`inline_sync.plan`. Same parameters as :func:`inline_sync.plan`.
    """
    binding = d1_binding(database)
    if binding is None:
        return plan(database, *args, **kwargs)
    a = _arguments(plan, (database, *args), kwargs)
    _check_strategy(a.scratch_schema)
    rounds = sync_rounds(_texts(a.definitions), ignore_filter(a.ignore), d1_capabilities,
                         RoundOptions(), _ACCEPTED)  # fmt: skip
    outcome: Outcome = await drive_async(rounds, D1Driver(binding).run)
    return outcome.plan


@_async_twin(sync)
async def sync_async(database: Any, *args: Any, **kwargs: Any) -> SyncResult:
    """:func:`inline_sync.sync` for an async caller: ``await sync_async(env.DB, SCHEMA)``.

    With a D1 binding the sync takes one ``batch()`` when the database is up to date, and
    otherwise three (four the first time): read the state, build-read-drop the scratch copies,
    apply (guarded, so a concurrent sync applies at most once). Each batch is all or nothing.
    Same parameters, results and errors as :func:`inline_sync.sync`; ``wait_timeout`` does not
    apply (D1 has no lock to wait for) and ``progress`` is told about each row copy once the
    change has committed. Any other client is handed to :func:`inline_sync.sync`.
    """
    binding = d1_binding(database)
    if binding is None:
        return sync(database, *args, **kwargs)
    started = time.perf_counter()
    a = _arguments(sync, (database, *args), kwargs)
    _check_strategy(a.scratch_schema)
    record = not a.dry_run
    options = RoundOptions(record, a.allow_destructive, a.force, record, a.progress)
    rounds = sync_rounds(_texts(a.definitions), ignore_filter(a.ignore), d1_capabilities,
                         options, _ACCEPTED)  # fmt: skip
    outcome: Outcome = await drive_async(rounds, D1Driver(binding).run)
    return SyncResult(outcome.status, outcome.plan, outcome.executed,
                      time.perf_counter() - started)  # fmt: skip


def _check_strategy(scratch_schema: str) -> None:
    if scratch_schema not in ("auto", "prefix"):
        raise SyncError(
            f"scratch_schema={scratch_schema!r} is not possible on D1 (ATTACH is refused); "
            "use 'auto' or 'prefix'"
        )


def sync_rounds_on(
    client: Any, definitions: str | Sequence[str], *, apply: bool = True, **options: Any
) -> Outcome:
    """Run the sync on a synchronous client (``sqlite3``, ``apsw``, a Durable Object's
    storage) the way D1 runs it: each round in a transaction of its own, guarded."""
    c = make_client(client)
    skip = ignore_filter(options.pop("ignore", ()))
    opts = RoundOptions(apply=apply, record=apply, **options)
    rounds = sync_rounds(_texts(definitions), skip, local_capabilities(c), opts)
    return run_rounds(c, rounds)  # type: ignore[no-any-return]
