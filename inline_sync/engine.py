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
from .errors import DefinitionError, DestructiveChangeError, SyncError
from .log import DEBUG, INFO, enabled
from .names import PREFIX, SCRATCH_DB, NameFilter, ignore_filter, quote
from .plan import SyncPlan, SyncResult
from .session import Session, read_state_row
from .state import (
    definitions_hash,
    from_row,
    matches,
    matches_text,
    read_state,
    stored_text_hash,
    text_hash,
    write_state,
)

# The client adapters, the tokenizer and the planning stages are imported when a sync
# needs them, not at import time: a cold start whose definitions and schema are unchanged loads
# none of them (nor typing, re or dataclasses).
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Iterable
    from typing import Any

    from .apply import Progress
    from .clients import Client
    from .definitions import Definition
    from .diff import Capabilities
    from .scratch import Scratch

__all__ = ["STRATEGIES", "plan", "sync"]


class _Rollback(Exception):
    """Carries a plan out of a transaction that must leave no trace."""

    def __init__(self, plan: SyncPlan) -> None:
        self.plan = plan


class _Options:
    """How :func:`_run` should proceed."""

    def __init__(
        self,
        scratch_schema: str = "auto",
        apply: bool = False,
        allow_destructive: bool = False,
        force: bool = False,
        progress: Progress | None = None,
        digest: str = "",  # definitions hash to check and record; "" for plan() and dry runs
        wait_timeout: float = 60.0,
        text_digest: str = "",  # hash of the exact texts, recorded with ``digest``
        session: Session | None = None,
    ) -> None:
        self.scratch_schema = scratch_schema
        self.apply = apply
        self.allow_destructive = allow_destructive
        self.force = force
        self.progress = progress
        self.digest = digest
        self.wait_timeout = wait_timeout
        self.text_digest = text_digest
        self.session = session


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
    from .definitions import locate, parse_definitions

    deadline = deadline_after(wait_timeout)
    check_options(scratch_schema, None)
    patterns = ignore_patterns(ignore)
    texts = definition_texts(definitions)
    c = make_client(client)
    skip = ignore_filter(patterns)
    defs = parse_definitions(texts, skip)  # before the database is touched
    try:
        with Session(c, deadline, wait_timeout) as session:
            result, _, _ = _run(c, defs, skip, _Options(scratch_schema, session=session))
    except DefinitionError as exc:
        raise locate(exc, defs) from None
    return result


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
        if row is not None and stored_text_hash(row[0]) == known and row[1] == row[2]:
            return _up_to_date(client, _NOTHING, started)
    from .clients import make_client
    from .definitions import locate, parse_definitions

    texts = definition_texts(definitions)
    c = make_client(client)
    skip = ignore_filter(patterns)
    text_digest = "" if dry_run else text_hash(tuple(texts), skip)
    defs: list[Definition] = []
    try:
        with Session(c, deadline, wait_timeout) as session:
            stored, fingerprint = None, ""
            if text_digest and not force:
                if row is not None:
                    stored, fingerprint = from_row(row)
                else:
                    session.bound_wait()
                    stored, fingerprint = read_state(c)
            if matches_text(stored, text_digest, fingerprint):
                return _up_to_date(client, SyncPlan(), started)
            defs = parse_definitions(texts, skip)  # before the database is changed
            digest = "" if dry_run else definitions_hash(tuple(texts), defs, skip)
            if matches(stored, digest, fingerprint):  # the same tokens: only cosmetic edits
                return _up_to_date(client, SyncPlan(), started)
            options = _Options(
                scratch_schema, not dry_run, allow_destructive, force, progress, digest,
                wait_timeout, text_digest, session,
            )  # fmt: skip
            the_plan, executed, by_peer = _run(c, defs, skip, options)
    except DefinitionError as exc:
        raise locate(exc, defs) from None
    if by_peer:
        status = "synced-by-peer"
    elif not the_plan.steps:
        status = "up-to-date"
    elif dry_run:
        status = "changes-needed"
    else:
        status = "synced"
    result = SyncResult(status, the_plan, tuple(executed), time.perf_counter() - started)
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
        if type(connection).__module__.startswith(("sqlite3", "_sqlite3")):
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


def _pragma(client: Client, name: str) -> int:
    rows = client.query(f"PRAGMA {name}")
    return int(rows[0][0]) if rows else 0


class _SyncedByPeer(Exception):
    """Another process finished the same sync while this one waited for the lock."""


def _run(
    client: Client, defs: list[Definition], skip: NameFilter, opts: _Options
) -> tuple[SyncPlan, list[str], bool]:
    from .diff import Capabilities
    from .scratch import open_scratch

    if client.in_transaction() and client.commits_for_caller:
        raise SyncError(
            f"the {client.name} connection has a transaction open; commit or roll it back "
            "before calling sync() (inline_sync never commits work that is not its own)"
        )
    caps = Capabilities(client.sqlite_version())
    fk_on = bool(_pragma(client, "foreign_keys"))
    legacy = bool(_pragma(client, "legacy_alter_table"))
    can_toggle = client.can_toggle_foreign_keys()
    scratch: Scratch | None = None
    toggled = False
    session = opts.session
    try:
        if session is not None:  # what is left of the wait (the session restores it)
            session.bound_wait()
        if opts.apply and fk_on and can_toggle:
            client.execute("PRAGMA foreign_keys = OFF")
            toggled = True
        scratch = open_scratch(client, opts.scratch_schema)
        strategy = scratch.strategy

        def work() -> tuple[SyncPlan, list[str], bool]:
            assert scratch is not None
            stored, fingerprint = None, ""
            if opts.digest:
                stored, fingerprint = read_state(client)
                if not opts.force and matches(stored, opts.digest, fingerprint):
                    raise _SyncedByPeer

            def compare(built: Scratch) -> SyncPlan:
                return _compare(client, built, defs, skip, caps, fk_on and not can_toggle,
                                legacy, strategy)  # fmt: skip

            the_plan = _plan_inside(client, scratch, defs, opts, compare)
            if not opts.apply:
                if strategy == "scratch-db":
                    # Only the attached scratch database was written: committing leaves main
                    # as it was, like a rollback, but does not make SQLite discard and re-read
                    # main's whole schema (which it does after rolling back a schema change).
                    return the_plan, [], False
                raise _Rollback(the_plan)
            if the_plan.destructive and not opts.allow_destructive:
                raise DestructiveChangeError(the_plan)
            executed: list[str] = []
            if the_plan.steps:
                from .apply import apply_plan  # loaded only when there is something to apply

                executed = apply_plan(client, the_plan, opts.progress)
            if opts.digest and not (
                not the_plan.steps
                and matches(stored, opts.digest, fingerprint)
                and stored is not None
                and stored.text_hash == opts.text_digest
            ):  # (a forced sync that found nothing to do leaves the state row alone)
                write_state(client, opts.digest, opts.text_digest)
            if session is not None:  # COMMIT may wait for readers: what is left
                session.bound_wait()
            return the_plan, executed, False

        try:
            return client.transaction(work, immediate=opts.apply)
        except _Rollback as done:
            return done.plan, [], False
        except _SyncedByPeer:
            return SyncPlan(strategy=strategy), [], True
    finally:
        if scratch is not None:
            scratch.detach()
        if toggled:
            client.execute("PRAGMA foreign_keys = ON")
        if bool(_pragma(client, "legacy_alter_table")) != legacy:
            client.execute(f"PRAGMA legacy_alter_table = {'ON' if legacy else 'OFF'}")


def _plan_inside(
    client: Client,
    scratch: Scratch,
    defs: list[Definition],
    opts: _Options,
    compare: Callable[[Scratch], SyncPlan],
) -> SyncPlan:
    """Build the declared schema in ``scratch`` and ``compare`` it with the live one."""
    strategy = scratch.strategy
    try:
        scratch.build(defs)
    except Exception as exc:
        # A read-only connection (mode=ro, query_only) cannot write even to an attached
        # :memory: database. Planning needs no writes to the database itself: with "auto",
        # the declared schema is built in a private in-memory connection instead.
        private = None
        if (
            opts.scratch_schema == "auto" and not opts.apply and strategy == "scratch-db"
            and client.is_error(exc) and client.error_code(exc) == "SQLITE_READONLY"
        ):  # fmt: skip
            private = client.open_private()
        if private is None:
            raise
        try:
            from .scratch import open_scratch

            elsewhere = open_scratch(private, "scratch-db")
            elsewhere.build(defs)
            return compare(elsewhere)
        finally:
            private.close()
    return compare(scratch)


def _compare(
    client: Client,
    scratch: Scratch,
    defs: list[Any],
    skip: Any,
    caps: Capabilities,
    fk_enforced: bool,
    legacy: bool,
    strategy: str,
) -> SyncPlan:
    """Read the built scratch schema and the live one, and plan the difference."""
    from .diff import Capabilities
    from .introspect import same_text
    from .scratch import read_objects, read_shadow_tables

    # ALTER forms are tried on the connection itself (lazily), not read off the version.
    caps = Capabilities(caps.version, scratch.accepts, max_columns=client.max_columns,
                        max_parameters=client.max_parameters)  # fmt: skip
    desired_rows, desired_shadow = scratch.read()
    current_rows = read_objects(client, "main")
    current_shadow = read_shadow_tables(client, "main", current_rows, scratch.declared)
    if same_text(current_rows, desired_rows, skip, current_shadow, desired_shadow):
        if strategy == "prefix":
            scratch.drop_prefixed()
        return SyncPlan(strategy=strategy, sqlite_version=".".join(map(str, caps.version)))
    # Something differs: only now the planning stages load.
    from .introspect import build_schema
    from .planner import PlanInput, build_plan

    desired = build_schema(desired_rows, skip, desired_shadow)
    current = build_schema(current_rows, skip, current_shadow)

    def has_rows(name: str) -> bool:
        return bool(client.query(f"SELECT 1 FROM main.{quote(name)} LIMIT 1"))

    def columns_of(side: str, name: str) -> list[str]:
        if side == "current":
            where = f"main.table_info({quote(name)})"
        elif strategy == "scratch-db":
            where = f"{SCRATCH_DB}.table_info({quote(name)})"
        else:
            where = f"main.table_info({quote(PREFIX + name)})"
        reader = client if side == "current" else scratch.client
        return [str(r[1]) for r in reader.query(f"PRAGMA {where}")]

    the_plan = build_plan(
        current,
        desired,
        PlanInput(defs, caps, fk_enforced, legacy, has_rows, columns_of, strategy),
    )
    if strategy == "prefix":
        scratch.drop_prefixed()
    return the_plan
