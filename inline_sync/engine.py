"""The two entry points, :func:`sync` and :func:`plan`: parse, materialize, introspect, diff,
plan and apply, in one transaction."""

from __future__ import annotations

import time

from .arguments import (
    STRATEGIES,
    check_options,
    deadline_after,
    definition_texts,
    ignore_patterns,
)
from .cache import remember
from .log import DEBUG, INFO, enabled
from .names import NameFilter, ignore_filter
from .plan import SyncPlan, SyncResult
from .session import Session, driver_of, read_state_row
from .state import stored_text_hash, text_hash

# The client adapters, the tokenizer and the planning stages are imported when a sync
# needs them, not at import time: a cold start whose definitions and schema are unchanged loads
# none of them (nor typing, re or dataclasses).
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import logging
    from collections.abc import Iterable
    from typing import Any

    from .apply import Progress
    from .clients import Client
    from .definitions import Definition
    from .rounds import Outcome

__all__ = ["STRATEGIES", "plan", "sync"]


def plan(
    client: Any,
    definitions: str | Iterable[str],
    *,
    scratch_schema: str = "auto",
    ignore: Iterable[str] = (),
    wait_timeout: float = 60.0,
) -> SyncPlan:
    """Compute what :func:`sync` would do, without changing the database.

    ``client`` is a ``sqlite3.Connection``, an ``apsw.Connection`` or a Durable Object's
    ``ctx.storage``; ``definitions`` one string of CREATE statements or an iterable of them.
    Nothing is left behind, whichever strategy. ``wait_timeout`` bounds the wait for a database
    another connection has locked (:class:`~inline_sync.DatabaseLockedError`). On a connection
    that cannot write at all (a read-only file, ``PRAGMA query_only``), ``"auto"`` builds the
    declared schema in a private in-memory database.
    """
    from .clients import make_client
    from .definitions import parse_definitions

    deadline = deadline_after(wait_timeout)
    check_options(scratch_schema, None)
    patterns = ignore_patterns(ignore)
    texts = definition_texts(definitions)
    c = make_client(client)
    skip = ignore_filter(patterns)
    defs = parse_definitions(texts, skip)  # before the database is touched
    with Session(c, deadline, wait_timeout) as session:
        return _run(c, texts, skip, session, scratch_schema, defs=defs).plan


def sync(
    client: Any,
    definitions: str | Iterable[str],
    *,
    scratch_schema: str = "auto",
    allow_destructive: bool = False,
    dry_run: bool = False,
    ignore: Iterable[str] = (),
    force: bool = False,
    wait_timeout: float = 60.0,
    progress: Progress | None = None,
) -> SyncResult:
    """Bring the database to the schema in ``definitions``, in one transaction.

    When the last successful sync recorded the same definitions and the schema has not changed
    since, this returns ``"up-to-date"`` after reading one row (``force=True`` plans anyway).
    Otherwise it takes the write lock (waiting up to ``wait_timeout`` seconds in all for
    another connection's lock; ``float("inf")`` waits for ever), plans and applies; if another
    process finished the same sync while this one waited, the status is ``"synced-by-peer"``.

    Raises :class:`~inline_sync.DefinitionError` for bad definitions (a ``TypeError`` when
    ``definitions`` is not text at all), :class:`~inline_sync.DestructiveChangeError` when the
    plan would lose data and ``allow_destructive`` is false, :class:`~inline_sync.ApplyError`
    when SQLite refuses a step (for example duplicates under a new UNIQUE index) and
    :class:`~inline_sync.StorageError` when the environment fails (locked past
    ``wait_timeout``, read-only, disk full, I/O error). After any error the database is
    exactly as it was. ``dry_run=True`` plans and reports without changing anything.
    ``progress(step, rows_done, rows_total)`` is called while a rebuild copies rows (the copy
    then runs in chunks of rowids).
    """
    started = time.perf_counter()
    deadline = deadline_after(wait_timeout)
    if progress is not None or scratch_schema not in STRATEGIES:  # (the defaults pass)
        check_options(scratch_schema, progress)
    # The fast path: the stored state matches the exact text of these definitions and the
    # schema cookie. One query, no parsing, no client wrapper; the text's hash is computed once
    # per process.
    patterns = ignore_patterns(ignore)  # may be an iterator
    fast_key = _fast_key(definitions, patterns) if not (force or dry_run) else None
    row = None
    if fast_key is not None:
        known = _KNOWN_TEXTS.get(fast_key)
        if known is None:
            texts_key, ignore_key = fast_key
            known = text_hash(
                texts_key if type(texts_key) is tuple else (texts_key,), ignore_filter(ignore_key)
            )
            remember(_KNOWN_TEXTS, fast_key, known)
        row = read_state_row(client, deadline, wait_timeout)
        if row is not None and stored_text_hash(row[0]) == known and row[1]:
            return _up_to_date(client, _NOTHING, started)
    from .clients import make_client

    texts = definition_texts(definitions)
    c = make_client(client)
    skip = ignore_filter(patterns)
    state_row = (row[0], bool(row[1])) if row is not None else None
    with Session(c, deadline, wait_timeout) as session:
        outcome = _run(
            c, texts, skip, session, scratch_schema, apply=not dry_run,
            allow_destructive=allow_destructive, force=force, progress=progress,
            state_row=state_row,
        )  # fmt: skip
    result = SyncResult(
        outcome.status, outcome.plan, outcome.executed, time.perf_counter() - started
    )
    log = enabled(INFO)
    if log is not None:
        _log_result(log, client, result)
    return result


def _up_to_date(client: Any, plan: SyncPlan, started: float) -> SyncResult:
    """The result of a sync the state row answered."""
    took = time.perf_counter() - started
    log = enabled(DEBUG)
    if log is not None:
        log.debug("%s: up to date (state row) in %.1f ms", _where(client), took * 1000)
    return SyncResult("up-to-date", plan, (), took)


def _log_result(log: logging.Logger, client: Any, result: SyncResult) -> None:
    where, ms = _where(client), result.duration * 1000
    if result.status == "synced":
        changes = ", ".join(f"{c.action} {c.kind} {c.name}" for c in result.plan.changes)
        log.info("%s: synced in %.1f ms, %d statement(s): %s", where, ms,
                 len(result.statements), changes)  # fmt: skip
    elif result.status == "up-to-date":
        log.debug("%s: up to date in %.1f ms", where, ms)
    else:
        log.info("%s: %s in %.1f ms", where, result.status, ms)


def _where(connection: Any) -> str:
    """The database file behind a sqlite3 or apsw connection, for log lines."""
    try:
        if driver_of(connection) == "sqlite3":
            cursor = connection.cursor()
            cursor.row_factory = None  # the caller's must not change what is read
            rows = cursor.execute("PRAGMA database_list").fetchall()
            name = next((str(r[2]) for r in rows if r[1] == "main"), "")
            return name or ":memory:"
        filename = getattr(connection, "filename", None)
        if isinstance(filename, str):
            return filename or ":memory:"
    except Exception:  # a closed connection: the log line is not worth an error
        pass
    return type(connection).__name__


_NOTHING = SyncPlan()
_KNOWN_TEXTS: dict[tuple[object, tuple[str, ...]], str] = {}  # filled by cache.remember


def _fast_key(
    definitions: str | Iterable[str], ignore: tuple[str, ...]
) -> tuple[object, tuple[str, ...]] | None:
    """A cheap dictionary key for (definitions, ignore); CPython caches a string's hash."""
    if type(definitions) is str:
        return (definitions, ignore)
    if isinstance(definitions, (list, tuple)) and all(type(t) is str for t in definitions):
        return (tuple(definitions), ignore)
    return None


def _run(
    client: Client,
    texts: list[str],
    skip: NameFilter,
    session: Session,
    scratch_schema: str,
    *,
    apply: bool = False,
    allow_destructive: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    defs: list[Definition] | None = None,
    state_row: tuple[object, bool] | None = None,
) -> Outcome:
    """The sync (or plan) as the engine's rounds (:mod:`inline_sync.rounds`), driven on
    ``client`` by the local driver: one transaction."""
    from .local import LocalDriver, local_capabilities
    from .rounds import RoundOptions, sync_rounds
    from .state import fingerprint_of

    rounds = sync_rounds(
        texts,
        skip,
        local_capabilities(client),
        RoundOptions(apply, allow_destructive, force, apply, progress),
        fingerprint=fingerprint_of(client),
        defs=defs,
        state_row=state_row,
    )
    return LocalDriver(client, scratch_schema, session).drive(rounds)  # type: ignore[no-any-return]
