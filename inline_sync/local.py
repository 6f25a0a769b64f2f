"""The synchronous driver of the engine (:mod:`inline_sync.rounds`): ``sqlite3``, ``apsw`` and
Durable Object storage, through their :class:`~inline_sync.clients.Client`.

Rounds before :class:`~inline_sync.rounds.Begin` only read (the state row), so they run as they
are: an up-to-date database is recognised without taking any lock. At ``Begin`` the driver sets
the connection up for the change (a bounded wait for the write lock, foreign keys off where
they may be switched, the scratch database attached where ATTACH works) and runs everything
that follows inside ONE transaction (``BEGIN IMMEDIATE``, or the Durable Object's
``transactionSync``): each round in a savepoint of its own, so a round that fails (on purpose,
when a statement form is tried) leaves nothing behind, statement by statement, so an error
names its statement at once. The transaction commits when the engine returns (rolls back for a
plan or a dry run); the connection's settings are restored whatever happens.
"""

from __future__ import annotations

from .clients import Client
from .errors import ENVIRONMENT_CODES, SyncError
from .names import SCRATCH_DB
from .rounds import ApplySteps, Begin, Round, RoundError, Started, drive_async, run_sync

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a first plan())
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .capabilities import Capabilities
    from .rounds import Accepts, Reply, Request, Rounds
    from .session import Session


class _Rollback(Exception):
    """Carries the outcome of a plan out of a transaction that must leave no trace."""

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome


class _Elsewhere(Exception):
    """The round must run again: its scratch statements now go to a private connection."""


class _Finished(Exception):
    """Carries the outcome of a session out of the loop that began it."""

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome


class LocalDriver:
    """Runs the engine's requests on a synchronous client."""

    def __init__(
        self, client: Client, scratch_schema: str = "auto", session: Session | None = None
    ) -> None:
        self.client = client
        self.scratch_schema = scratch_schema
        self.session = session  # bounds the waits for locks, turns failures into our errors
        self.rounds: Rounds | None = None
        self.apply = False
        self.private: Client | None = None  # where the scratch database is, when not here

    def drive(self, rounds: Rounds) -> Any:
        """Run ``rounds`` to the end; returns the engine's result."""
        self.rounds = rounds
        try:
            return run_sync(drive_async(rounds, self._answer))
        except _Finished as done:  # the session ran the rest
            return done.outcome

    async def _answer(self, request: Request) -> Any:
        """Before Begin: rounds that only read, outside any transaction."""
        if isinstance(request, Begin):
            raise _Finished(self._session(request))
        if not isinstance(request, Round):
            raise SyncError(f"the engine asked {request!r} before it began")  # pragma: no cover
        self._bound_wait()  # a read may wait for another connection's lock too
        return self.run(request)

    async def _answer_locked(self, request: Request) -> Any:
        """After Begin, inside the transaction: each round in a savepoint."""
        if isinstance(request, ApplySteps):
            from .apply import apply_plan

            return apply_plan(self.client, request.plan, request.progress)
        if not isinstance(request, Round):
            raise SyncError(f"the engine asked {request!r} twice")  # pragma: no cover
        return self.run(request, savepoint=True)

    def run(self, rnd: Round, *, savepoint: bool = False) -> Reply:
        """Run the statements of ``rnd`` one by one (inside a savepoint when ``savepoint``);
        raise RoundError naming the index of the one SQLite refused, the round rolled back.
        A failure of the environment (locked, read-only, disk full) is not the statement's:
        it is raised as it came, for the session to report."""
        while True:
            try:
                return _in_savepoint(self.client, lambda: self._run(rnd)) if savepoint else (
                    self._run(rnd)
                )  # fmt: skip
            except _Elsewhere:
                continue  # the scratch database moved to a private connection: again

    def _run(self, rnd: Round) -> Reply:
        out: Reply = []
        for i, (sql, params) in enumerate(rnd.statements):
            client = self.private if self.private is not None and i in rnd.scratch else (
                self.client
            )  # fmt: skip
            try:
                if sql.startswith(("SELECT", "PRAGMA")):
                    out.append(client.query(sql, params))
                else:  # no rows to read (and a client may watch its writes)
                    client.execute(sql, params)
                    out.append([])
            except Exception as exc:
                if not client.is_error(exc):
                    raise
                if i in rnd.scratch and self._go_private(exc):
                    raise _Elsewhere from None
                if client.is_environment_error(exc):
                    raise
                raise RoundError(client.error_message(exc), i) from None
        return out

    def _go_private(self, exc: BaseException) -> bool:
        """A plan on a connection that cannot write at all (a read-only file, ``PRAGMA
        query_only``) cannot write even to an attached in-memory database; planning needs no
        writes to the database itself: with "auto", the scratch database is attached to a
        private in-memory connection instead. True when that was done now."""
        client = self.client
        if (
            self.private is not None or self.apply or self.scratch_schema != "auto"
            or client.error_code(exc) != "SQLITE_READONLY"
        ):  # fmt: skip
            return False
        private = client.open_private()
        if private is None:
            return False
        private.execute(f"ATTACH ':memory:' AS {SCRATCH_DB}")
        self.private = private
        return True

    def _bound_wait(self) -> None:
        if self.session is not None:
            self.session.bound_wait()

    def _session(self, begin: Begin) -> Any:
        client = self.client
        if client.in_transaction() and client.commits_for_caller:
            raise SyncError(
                f"the {client.name} connection has a transaction open; commit or roll it back "
                "before calling sync() (inline_sync never commits work that is not its own)"
            )
        fk_on = bool(_pragma(client, "foreign_keys"))
        legacy = bool(_pragma(client, "legacy_alter_table"))
        can_toggle = client.can_toggle_foreign_keys()
        apply = self.apply = begin.apply
        toggled = attached = False
        try:
            self._bound_wait()  # what is left of the wait (the session restores it)
            if apply and fk_on and can_toggle:
                client.execute("PRAGMA foreign_keys = OFF")
                toggled = True
            attached = self._attach()
            started = Started(
                one_transaction=True,
                strategy="scratch-db" if attached else "prefix",
                foreign_keys=fk_on and not can_toggle,
            )

            done = []  # the body ran to its end: a failure after it is the COMMIT's

            def body() -> Any:
                assert self.rounds is not None
                outcome = run_sync(drive_async(self.rounds, self._answer_locked, started))
                if not apply and not attached:
                    raise _Rollback(outcome)
                # (A plan on the scratch database wrote nothing else: committing leaves main
                # as it was, like a rollback, but does not make SQLite discard and re-read
                # main's whole schema, which it does after rolling back a schema change.)
                self._bound_wait()  # COMMIT may wait for readers: what is left
                done.append(True)
                return outcome

            try:
                return client.transaction(body, immediate=apply)
            except _Rollback as rolled_back:
                return rolled_back.outcome
            except Exception as exc:
                # A Durable Object checks deferred foreign keys when its transaction commits:
                # rows the copies made unwritable (a child column made REAL under an INTEGER
                # PRIMARY KEY parent, which foreign_key_check does not see) are refused there.
                if not (done and apply and client.is_error(exc)):
                    raise
                if client.error_code(exc) in ENVIRONMENT_CODES:
                    raise  # a StorageError, which the session makes of it
                from .apply import refused

                raise refused(None, client.error_message(exc)) from None
        finally:
            if self.private is not None:
                self.private.close()
                self.private = None
            if attached:
                _detach(client)
            if toggled:
                client.execute("PRAGMA foreign_keys = ON")
            if bool(_pragma(client, "legacy_alter_table")) != legacy:
                client.execute(f"PRAGMA legacy_alter_table = {'ON' if legacy else 'OFF'}")

    def _attach(self) -> bool:
        """Attach the scratch database when the strategy asks for one (outside any
        transaction): "auto" takes it where ATTACH works, "prefix" never."""
        client, requested = self.client, self.scratch_schema
        if requested == "scratch-db" and not client.can_attach:
            raise SyncError(f"the {client.name} client cannot ATTACH; use scratch_schema='prefix'")
        if requested == "prefix" or not client.can_attach:
            return False
        try:
            attached = {str(row[1]).lower() for row in client.query("PRAGMA database_list")}
            if SCRATCH_DB in attached:
                # The caller's (or one a failed DETACH left): not ours to detach. "auto" builds
                # the scratch as prefixed objects in main instead.
                if requested == "auto":
                    return False
                raise SyncError(
                    f"the {client.name} connection already has a database attached as "
                    f"{SCRATCH_DB}, the name scratch_schema='scratch-db' needs; inline_sync "
                    "does not detach what it did not attach (detach it, or use "
                    "scratch_schema='prefix'); nothing was changed"
                )
            client.execute(f"ATTACH ':memory:' AS {SCRATCH_DB}")
        except Exception as exc:
            if requested == "auto" and client.is_error(exc):
                return False
            raise
        return True


def _detach(client: Client) -> None:
    try:
        client.execute(f"DETACH {SCRATCH_DB}")
    except Exception as exc:  # already gone
        if not client.is_error(exc):
            raise


def _in_savepoint(client: Client, fn: Callable[[], Reply]) -> Reply:
    """``fn`` inside a savepoint of the open transaction: rolled back when it raises."""
    from .clients import DurableObjectClient

    if isinstance(client, DurableObjectClient):  # SAVEPOINT is refused; transactionSync nests
        return client.transaction(fn)
    client.execute("SAVEPOINT inline_sync_round")
    try:
        result = fn()
    except BaseException:
        if client.in_transaction():
            client.execute("ROLLBACK TO inline_sync_round")
            client.execute("RELEASE inline_sync_round")
        raise
    client.execute("RELEASE inline_sync_round")
    return result


def _pragma(client: Client, name: str) -> int:
    rows = client.query(f"PRAGMA {name}")
    return int(rows[0][0]) if rows else 0


def local_capabilities(client: Client) -> Callable[[Accepts], Capabilities]:
    """What ``client`` can do: its SQLite's version and limits, and the statement forms it
    accepts when they are tried."""

    def capabilities(accepts: Accepts) -> Capabilities:
        from .capabilities import Capabilities

        return Capabilities(client.sqlite_version(), accepts, max_columns=client.max_columns)

    return capabilities
