"""Many databases at once: :func:`sync_many`, behind ``inline-sync sync 'tenants/*.db' ...``.

Database-per-tenant layouts hold hundreds or thousands of SQLite files with the same schema.
:func:`sync_many` parses the definitions once, plans once per distinct current schema and
applies that plan to every database that has exactly that schema, each in its own transaction
(all or nothing per database), and reports what happened to each.

Reusing a plan is safe only when the database is exactly the one that was planned against, so
the check happens inside the database's write transaction (``BEGIN IMMEDIATE``): its
``sqlite_schema`` text must be identical, and so must the answers the planner depended on (which
of the tables it changes hold rows: that decides between ``ADD COLUMN`` and a rebuild).
Anything else is planned afresh by :func:`inline_sync.sync`.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote as quote_uri

from .apply import apply_plan
from .arguments import definition_texts as _texts
from .clients import SQLite3Client
from .definitions import parse_definitions
from .engine import sync
from .errors import ENVIRONMENT_CODES, DestructiveChangeError, SyncError, code_of, storage_error
from .log import INFO, enabled
from .names import ignore_filter
from .plan import SyncPlan
from .state import (
    COOKIE,
    STATE_ENTRY,
    STATE_TABLE,
    cookie,
    damage,
    definitions_hash,
    state_statements,
    stored_hashes,
    text_hash,
)
from .tokenizer import fold, quote


@dataclass(frozen=True)
class DatabaseResult:
    """What happened to one database of :func:`sync_many`.

    ``status`` is ``"synced"``, ``"up-to-date"``, ``"synced-by-peer"`` or ``"failed"``;
    ``statements`` the SQL executed; ``reused`` whether the plan was one made for another
    database with the same schema; ``error_type`` and ``error`` the exception's class name and
    message when it failed (nothing was changed in that database).
    """

    database: str
    status: str
    statements: tuple[str, ...] = ()
    duration: float = 0.0
    reused: bool = False
    error_type: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        """False when this database failed."""
        return self.status != "failed"


@dataclass(frozen=True)
class FleetResult:
    """The outcome of :func:`sync_many`: one :class:`DatabaseResult` per database, in the
    order given, how many plans were computed, and the wall-clock ``duration`` in seconds."""

    results: tuple[DatabaseResult, ...]
    plans: int = 0
    duration: float = 0.0

    def count(self, status: str) -> int:
        """How many databases ended with ``status``."""
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> list[DatabaseResult]:
        """The databases that failed (each left as it was)."""
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        """True when no database failed."""
        return not self.failed

    def summary(self) -> str:
        """``"1,000 database(s): 998 synced, 1 up to date, 1 failed"``."""
        parts = [f"{self.count('synced'):,} synced"]
        if self.count("synced-by-peer"):
            parts.append(f"{self.count('synced-by-peer'):,} synced by another process")
        parts.append(f"{self.count('up-to-date'):,} up to date")
        parts.append(f"{len(self.failed):,} failed")
        return f"{len(self.results):,} database(s): {', '.join(parts)}"


#: ``progress(result, done, total)``, called as each database finishes.
FleetProgress = Callable[[DatabaseResult, int, int], None]


@dataclass
class _Job:
    """What every database of one run shares (sent once to each worker process)."""

    texts: list[str]
    ignore: tuple[str, ...]
    allow_destructive: bool
    scratch_schema: str
    wait_timeout: float
    digest: str = ""
    text_digest: str = ""
    # schema text -> plans made in this process for it, reusable.
    plans: dict[str, list[_Reusable]] = field(default_factory=dict)
    planned: int = 0


class _Reusable:
    """A plan made for one schema, with what else it depended on: which tables it changes hold
    rows, and the state table as it was (what the state must be recorded with). What every
    database it is reused for would compute alike is computed here, once."""

    __slots__ = ("damaged", "destructive", "needs", "plan", "probes", "resets_legacy")

    def __init__(
        self, plan: SyncPlan, needs: dict[str, bool], damaged: list[tuple[str, str]] | None
    ) -> None:
        self.plan, self.needs, self.damaged = plan, needs, damaged
        self.probes = [(t, _has_rows_sql(t)) for t in needs]
        self.destructive = plan.destructive
        self.resets_legacy = any("legacy_alter_table" in s.sql for s in plan.steps)

    def applies(self, conn: Any) -> bool:
        """True when the tables the plan depended on hold rows exactly as they did."""
        needs = self.needs
        return all((conn.execute(sql).fetchone() is not None) == needs[t] for t, sql in self.probes)


def sync_many(
    databases: Iterable[str | Path],
    definitions: str | Iterable[str],
    *,
    jobs: int = 1,
    allow_destructive: bool = False,
    ignore: Iterable[str] = (),
    scratch_schema: str = "auto",
    wait_timeout: float = 60.0,
    progress: FleetProgress | None = None,
) -> FleetResult:
    """Sync every database file in ``databases`` to ``definitions``.

    Each database is synced all or nothing, as by :func:`inline_sync.sync`; one failing does
    not stop the others (see :attr:`FleetResult.failed`). Bad definitions raise
    :class:`~inline_sync.DefinitionError` before any database is opened. ``jobs`` > 1 spreads
    the databases over that many processes (each plans once per distinct schema it meets).
    A database file must exist: it is not created. ``progress(result, done, total)`` is called
    as each database finishes.
    """
    started = time.perf_counter()
    paths = [str(p) for p in databases]
    texts = _texts(definitions)
    skip = ignore_filter(ignore)
    defs = parse_definitions(texts, skip)  # bad definitions fail before any database is opened
    job = _Job(list(texts), tuple(ignore), allow_destructive, scratch_schema, wait_timeout)
    job.digest = definitions_hash(tuple(texts), defs, skip)
    job.text_digest = text_hash(tuple(texts), skip)  # recorded as sync() records it
    results: list[DatabaseResult] = []
    planned = 0
    if jobs <= 1 or len(paths) <= 1:
        for path in paths:
            results.append(_sync_one(job, path))
            if progress is not None:
                progress(results[-1], len(results), len(paths))
        planned = job.planned
    else:
        from concurrent.futures import ProcessPoolExecutor

        size = max(1, min(64, len(paths) // (jobs * 8)))
        chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                                 initargs=(job,)) as pool:  # fmt: skip
            for chunk_results, chunk_planned in pool.map(_sync_chunk, chunks):
                planned += chunk_planned
                for result in chunk_results:
                    results.append(result)
                    if progress is not None:
                        progress(result, len(results), len(paths))
    return FleetResult(tuple(results), planned, time.perf_counter() - started)


@dataclass(frozen=True)
class FleetPlan:
    """What :func:`sync_many` would do: ``groups`` holds each distinct plan with the databases
    it applies to (the up-to-date ones under an empty plan), ``failed`` the databases that could
    not be planned."""

    groups: tuple[tuple[SyncPlan, tuple[str, ...]], ...]
    failed: tuple[DatabaseResult, ...] = ()

    @property
    def pending(self) -> list[tuple[SyncPlan, tuple[str, ...]]]:
        """The groups with something to do."""
        return [(p, dbs) for p, dbs in self.groups if p.steps]

    @property
    def up_to_date(self) -> tuple[str, ...]:
        """The databases with nothing to do."""
        return tuple(db for p, dbs in self.groups if not p.steps for db in dbs)

    @property
    def destructive(self) -> bool:
        """True when a pending plan would drop a table or a column."""
        return any(p.destructive for p, _ in self.pending)


def plan_many(
    databases: Iterable[str | Path],
    definitions: str | Iterable[str],
    *,
    ignore: Iterable[str] = (),
    scratch_schema: str = "auto",
    wait_timeout: float = 60.0,
) -> FleetPlan:
    """Preview :func:`sync_many`: plan once per distinct schema, change nothing. Databases are
    opened read-only (read-write for ``scratch_schema="prefix"``, rolled back)."""
    from .engine import plan

    paths = [str(p) for p in databases]
    texts = _texts(definitions)
    skip = ignore_filter(ignore)
    digest = definitions_hash(tuple(texts), parse_definitions(texts, skip), skip)
    known: dict[str, list[tuple[SyncPlan, dict[str, bool]]]] = {}
    groups: dict[tuple[str, ...], tuple[SyncPlan, list[str]]] = {}
    failed: list[DatabaseResult] = []
    for path in paths:
        conn: Any = None
        try:
            conn = _open(path, wait_timeout, read_only=scratch_schema != "prefix")
            if _state_matches(conn, digest):
                the_plan = SyncPlan()
            else:
                key = _schema_key(conn)
                found = [p for p, needs in known.get(key, ()) if _has_rows(conn, needs) == needs]
                if found:
                    the_plan = found[0]
                else:
                    client = _RecordingClient(conn, always=True)
                    the_plan = plan(client, texts, ignore=ignore, scratch_schema=scratch_schema)
                    known.setdefault(client.key or key, []).append(
                        (the_plan, _needs(the_plan, client.has_rows))
                    )
            groups.setdefault(tuple(the_plan.statements), (the_plan, []))[1].append(path)
        except Exception as exc:
            failed.append(_failure(path, exc, 0.0))
        finally:
            if conn is not None:
                conn.close()
    return FleetPlan(tuple((p, tuple(dbs)) for p, dbs in groups.values()), tuple(failed))


_WORKER_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job


def _sync_chunk(paths: Sequence[str]) -> tuple[list[DatabaseResult], int]:
    assert _WORKER_JOB is not None
    before = _WORKER_JOB.planned
    results = [_sync_one(_WORKER_JOB, path) for path in paths]
    return results, _WORKER_JOB.planned - before


def _sync_one(job: _Job, path: str) -> DatabaseResult:
    started = time.perf_counter()
    conn: Any = None
    try:
        conn = _open(path, job.wait_timeout)
        status, executed, reused = _sync_connection(job, conn)
        took = time.perf_counter() - started
        if reused and (log := enabled(INFO)) is not None:  # sync() logs the others itself
            log.info("%s: synced in %.1f ms, %d statement(s), with the plan made for the same "
                     "schema", path, took * 1000, len(executed))  # fmt: skip
        return DatabaseResult(path, status, tuple(executed), took, reused=reused)
    except Exception as exc:
        return _failure(path, exc, time.perf_counter() - started, job.wait_timeout)
    finally:
        if conn is not None:
            conn.close()


def _failure(path: str, exc: Exception, took: float, wait: float | None = None) -> DatabaseResult:
    if isinstance(exc, sqlite3.Error) and (code := code_of(exc)) in ENVIRONMENT_CODES:
        # The error sync() gives for the same failure (all was rolled back: nothing changed).
        exc = storage_error(code, str(exc), f"reading or syncing {path}", wait)
    message = str(exc).split("\n", 1)[0]
    if not isinstance(exc, SyncError):
        message = f"{path}: {message}"
    return DatabaseResult(path, "failed", (), took, error_type=type(exc).__name__, error=message)


def _open(path: str, timeout: float, *, read_only: bool = False) -> Any:
    # mode=rw: a missing file (or one deleted meanwhile) is an error, not a new empty database.
    uri = f"file:{quote_uri(path)}?mode={'ro' if read_only else 'rw'}"
    try:
        return sqlite3.connect(uri, uri=True, isolation_level=None, timeout=timeout)
    except sqlite3.OperationalError:
        if not os.path.isfile(path):
            raise SyncError(f"{path}: no such database file") from None
        raise


#: The stored state, read first and without a lock: a database of a fleet run is mostly either
#: up to date (then the schema cookie is read too) or about to be changed (then nothing else is
#: read before the write lock).
_STATE_ROW = f"SELECT definitions_hash, fingerprint FROM main.{STATE_TABLE} WHERE id = 1"


def _state_matches(conn: Any, digest: str) -> bool:
    """True when the state row says the database is synced to ``digest`` and its schema has
    not changed since (the cookie recorded with it), whoever synced it."""
    try:
        row = conn.execute(_STATE_ROW).fetchone()
    except Exception:  # no state table yet (or one damaged by hand: the full path repairs it)
        return False
    if row is None or stored_hashes(row[0])[0] != digest:
        return False
    # The cookie only grows: equal to the one recorded means no change since that sync.
    return str(row[1]) == cookie(conn.execute("PRAGMA schema_version").fetchone()[0])


#: The schema's SQL text, object after object in the order SQLite stores them. The text of each
#: object determines its type and names (automatic indexes, whose text is NULL, follow from
#: their tables'), so equal keys mean identical schemas. Joined here: the rows cost SQLite less
#: than a group_concat over an ordered subquery.
_SCHEMA_KEY = "SELECT sql FROM main.sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"


def _schema_key(conn: Any) -> str:
    return "\0".join([row[0] for row in conn.execute(_SCHEMA_KEY)])


def _has_rows_sql(table: str) -> str:
    return f"SELECT 1 FROM main.{quote(table)} LIMIT 1"


def _has_rows(conn: Any, tables: Iterable[str]) -> dict[str, bool]:
    return {t: conn.execute(_has_rows_sql(t)).fetchone() is not None for t in tables}


def _tables(conn: Any) -> list[str]:
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND sql NOT LIKE "
            "'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
        )
    ]


def _sync_connection(job: _Job, conn: Any) -> tuple[str, list[str], bool]:
    """Sync one open database: reuse a plan made for the same schema, or plan afresh. The
    waits for other connections' locks (the connection's busy timeout) last ``wait_timeout``
    in all, as in sync()."""
    deadline = time.monotonic() + job.wait_timeout
    if _state_matches(conn, job.digest):
        return "up-to-date", [], False
    # Every database gets the same connection settings, so that one plan fits them all.
    conn.execute("PRAGMA foreign_keys = OFF")
    if job.plans:  # perhaps one made for this very schema: look under the write lock
        _bound_wait(conn, deadline, job.wait_timeout)
        conn.execute("BEGIN IMMEDIATE")
        try:
            # No second look at the state row: a database another process synced meanwhile
            # has the target schema, for which no plan is ever kept (its plan is empty), so it
            # goes to the full path below, which reports it as synced by that peer.
            key = _schema_key(conn)
            for known in job.plans.get(key, ()):
                if known.applies(conn):
                    _bound_wait(conn, deadline, job.wait_timeout)  # a spill, the COMMIT
                    executed = _apply(job, conn, known)
                    conn.execute("COMMIT")
                    return "synced", executed, True
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("ROLLBACK")  # not planned yet: a full sync plans inside its own transaction
    client = _RecordingClient(conn)
    left = max(0.0, deadline - time.monotonic())  # what the look above did not wait already
    result = sync(client, job.texts, allow_destructive=job.allow_destructive, ignore=job.ignore,
                  scratch_schema=job.scratch_schema, wait_timeout=left)  # fmt: skip
    if result.status == "synced" and client.key is not None:
        job.planned += 1
        job.plans.setdefault(client.key, []).append(
            _Reusable(result.plan, _needs(result.plan, client.has_rows), client.damaged)
        )
    return result.status, list(result.statements), False


#: Time gone by before the busy timeout is cut to what is left of ``wait_timeout``: a database
#: normally gets to its last wait well within it, and then costs no statement for this.
_SLACK = 0.01


def _bound_wait(conn: Any, deadline: float, wait_timeout: float) -> None:
    """Before a statement that may wait for another connection's lock: no longer than what is
    left until ``deadline`` (give or take ``_SLACK``)."""
    left = deadline - time.monotonic()
    if left < wait_timeout - _SLACK:
        conn.execute(f"PRAGMA busy_timeout = {max(0, int(left * 1000))}")


def _needs(the_plan: SyncPlan, has_rows: dict[str, bool]) -> dict[str, bool]:
    """The conditions for reusing ``the_plan``: whether each table it touches holds rows (the
    planner asks only about tables it changes)."""
    touched = {fold(n) for s in the_plan.steps for n in (s.name, s.source) if n}
    touched |= {fold(c.name) for c in the_plan.changes}
    return {t: v for t, v in has_rows.items() if fold(t) in touched}


def _apply(job: _Job, conn: Any, known: _Reusable) -> list[str]:
    the_plan = known.plan
    if known.destructive and not job.allow_destructive:
        raise DestructiveChangeError(the_plan)
    executed = apply_plan(SQLite3Client(conn), the_plan)
    # The state as sync() records it. The state table's entry is part of the schema the plan
    # was made for, so it is in the state it was found in then (sound, missing or damaged):
    # made anew first where it must be; then the row, with the cookie as it is now, read by
    # PRAGMA (cheaper than COOKIE's table-valued form, and nothing changes it in between).
    if known.damaged is not None:
        *repair, _ = state_statements(job.digest, job.text_digest, COOKIE, known.damaged)
        for sql, params in repair:
            conn.execute(sql, params)
    now = f"'{cookie(conn.execute('PRAGMA schema_version').fetchone()[0])}'"
    ((sql, params),) = state_statements(job.digest, job.text_digest, now, None)
    conn.execute(sql, params)
    if known.resets_legacy:
        conn.execute("PRAGMA legacy_alter_table = OFF")  # as the connection was opened
    return executed


class _RecordingClient(SQLite3Client):
    """A sqlite3 client that notes, inside the sync's write transaction and before it plans,
    the schema text and which tables hold rows: the conditions for reusing its plan."""

    key: str | None = None
    has_rows: dict[str, bool] = {}
    damaged: list[tuple[str, str]] | None = None

    def __init__(self, conn: Any, *, always: bool = False) -> None:
        super().__init__(conn)
        self.always = always  # also in a read-only transaction (plan_many)

    def transaction(self, fn: Callable[[], Any], *, immediate: bool = False) -> Any:
        def recorded() -> Any:
            if immediate or self.always:
                self.key = _schema_key(self.conn)
                self.has_rows = _has_rows(self.conn, _tables(self.conn))
            if immediate:
                self.damaged = damage(self.conn.execute(STATE_ENTRY, (STATE_TABLE,)).fetchall())
            return fn()

        return super().transaction(recorded, immediate=immediate)
