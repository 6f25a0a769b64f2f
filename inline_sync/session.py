"""What surrounds every read and write of a sync: one deadline for the wait on other
connections' locks (``wait_timeout``), the caller's busy timeout restored afterwards, and what
SQLite raised turned into the library's own errors (StorageError when the environment failed).

:func:`read_state_row` is the start-up fast path's one read; it imports nothing.
"""

from __future__ import annotations

import sys
from time import monotonic

from .arguments import wait_ms
from .errors import ENVIRONMENT_CODES, SyncError, code_of, reserved_name_taken, storage_error
from .state import STATE_QUERY, STATE_QUERY_DO

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up path)
if TYPE_CHECKING:
    from typing import Any

    from .clients import Client

_READING = "reading the stored state"


def read_state_row(connection: Any, deadline: float, wait: float) -> tuple[Any, ...] | None:
    """The stored hashes and whether the schema still matches them (a row of
    :func:`~inline_sync.state.state_check`), straight from a sqlite3 or apsw connection or a
    Durable Object's storage; None when there is none, for other clients, or when the caller's
    settings could change what is read (the full path is immune to them).

    The read is on a cursor of the library's own (no row factory, no row tracer, not the
    caller's cursor class), and waits for another connection's lock no longer than
    ``deadline``: the caller's busy timeout is lowered for it when it is longer.
    """
    kind = type(connection)  # (the two classes themselves without a call: the usual case)
    module = kind.__module__ if kind.__name__ == "Connection" else driver_of(connection)
    if not module:
        return _durable_object_row(connection)
    try:  # (closed, or another thread's: the full path says so)
        if module == "sqlite3":
            if connection.text_factory is not str:
                return None
            cursor = connection.cursor(sys.modules["sqlite3"].Cursor)
            if connection.row_factory is not None:  # a new cursor takes the connection's
                cursor.row_factory = None
        elif module == "apsw":
            if connection.row_trace is not None or connection.exec_trace is not None:
                return None
            cursor = sys.modules["apsw"].Cursor(connection)
        else:
            return None
    except Exception:
        return None
    caller = bound = 0
    try:
        caller = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
        # Usually the caller's timeout ends first: then nothing is set, nor restored.
        bound = caller if caller <= (deadline - monotonic()) * 1000 else wait_ms(deadline)
        if caller > bound:
            cursor.execute(f"PRAGMA busy_timeout = {bound}")
        try:
            row = cursor.execute(STATE_QUERY).fetchone()
        finally:
            if caller > bound:
                cursor.execute(f"PRAGMA busy_timeout = {caller}")
    except Exception as exc:  # no state table yet (or not a connection): the full path decides
        if caller > bound and code_of(exc) == "SQLITE_BUSY":  # waited all that was allowed
            raise storage_error("SQLITE_BUSY", str(exc), _READING, wait) from None
        return None
    finally:
        # Now, not when the cursor is collected: a traceback that holds it would keep its
        # statement alive, and apsw then refuses to close the connection (BusyError).
        cursor.close()
    return tuple(row) if row is not None else None


def driver_of(connection: Any) -> str:
    """ "sqlite3" or "apsw" for a connection of that driver (its class or a subclass: a
    caller's ``sqlite3.connect(factory=…)``), else ""."""
    for k in type(connection).__mro__:  # (the class itself first)
        if k.__name__ == "Connection" and k.__module__ in ("sqlite3", "apsw"):
            return str(k.__module__)
    return ""


def _durable_object_row(connection: Any) -> tuple[Any, ...] | None:
    """The state row of a Durable Object's storage, in one ``sql.exec`` that also compares the
    schema's fingerprint (no client wrapper is built); None for anything else."""
    storage = durable_object_storage(connection)
    if storage is None:
        return None
    try:
        rows = storage.sql.exec(STATE_QUERY_DO).raw().toArray()
    except Exception:  # no state table yet: the full path decides
        return None
    rows = rows.to_py() if hasattr(rows, "to_py") else rows
    return (rows[0][0], rows[0][1]) if rows else None


def durable_object_storage(connection: Any) -> Any | None:
    """The JS storage object behind ``connection``, if it is (or wraps, or holds) one."""
    candidates = [connection]
    for attr in ("js_object", "_js_storage", "_storage", "_binding", "storage"):
        inner = getattr(connection, attr, None) if not isinstance(connection, type) else None
        if inner is not None:
            candidates.append(inner)
    for candidate in candidates:
        try:
            if hasattr(candidate, "transactionSync") and hasattr(candidate, "sql"):
                return candidate
        except Exception:  # a JsProxy may raise on unknown attributes
            continue
    return None


class Session:
    """Around one plan() or sync() on a client: bounds the wait for other connections' locks
    by ``deadline`` (restoring the caller's busy timeout afterwards), and turns what SQLite
    raised into the library's errors: StorageError when the environment failed (locked past
    the deadline, read-only, disk full, I/O error), SyncError otherwise.
    """

    def __init__(self, client: Client, deadline: float, wait: float) -> None:
        self.client = client
        self.deadline = deadline
        self.wait = wait
        self.busy: int | None = None  # the caller's busy timeout, once it was changed

    def bound_wait(self) -> None:
        """Set the busy timeout to what is left of the wait: before the first statement that
        may wait for a lock, before BEGIN and before COMMIT (nothing before that is changed)."""
        client = self.client
        if not client.has_busy_timeout:
            return
        if self.busy is None:
            rows = client.query("PRAGMA busy_timeout")
            self.busy = int(rows[0][0]) if rows else 0
        client.execute(f"PRAGMA busy_timeout = {wait_ms(self.deadline)}")

    def __enter__(self) -> Session:
        return self

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if self.busy is not None:
            try:
                self.client.execute(f"PRAGMA busy_timeout = {self.busy}")
            except Exception as error:  # the connection itself is gone: say what failed first
                if exc is None:
                    self._raise(error)
        if exc is not None and not isinstance(exc, SyncError) and self.client.is_error(exc):
            self._raise(exc)

    def _raise(self, exc: BaseException) -> None:
        client = self.client
        if not client.is_error(exc):
            raise exc
        code, message = client.error_code(exc), client.error_message(exc)
        taken = reserved_name_taken(message)
        if taken is not None:  # a probe or guard table of ours whose name is in use
            raise taken from None
        if code in ENVIRONMENT_CODES:
            raise storage_error(code, message, "syncing", self.wait) from None
        raise SyncError(
            f"SQLite refused one of inline_sync's own statements: {message}; nothing was changed"
        ) from exc
