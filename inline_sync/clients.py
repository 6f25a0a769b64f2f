"""Adapters that give every SQLite client the same small interface.

The engine needs to run one statement, read rows, know whether a transaction is open, and run a
function inside a transaction that commits when it returns and rolls back when it raises. Each
client module (``sqlite3``, ``apsw``) is imported only when a connection of that kind is passed.
"""

from __future__ import annotations

from .errors import ENVIRONMENT_CODES, SyncError, code_from_message, code_of
from .session import driver_of, durable_object_storage

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, TypeVar

    T = TypeVar("T")

    Row = tuple[Any, ...]


class Client:
    """The interface the engine uses. Subclass it to support another SQLite client."""

    #: A short name for messages ("sqlite3", "apsw").
    name = "client"
    #: Whether ``ATTACH ':memory:'`` may be tried.
    can_attach = True
    #: Whether ``PRAGMA busy_timeout`` bounds the wait for another process's write lock.
    has_busy_timeout = True
    #: Whether ``PRAGMA schema_version`` may be read (for cheap drift detection).
    can_read_schema_version = True
    #: Whether the connection has a TEMP schema of the caller's (whose triggers on a rebuilt
    #: table are set aside and created again).
    has_temp_schema = True
    #: Most columns in a table or a result set: row copies stay within them. (No statement
    #: of inline_sync binds more than two parameters, so their limit never matters.)
    max_columns = 2000

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement, discarding any rows."""
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement and return its rows as tuples."""
        raise NotImplementedError

    def in_transaction(self) -> bool:
        """True when a transaction is open on the connection."""
        raise NotImplementedError

    def can_toggle_foreign_keys(self) -> bool:
        """True when ``PRAGMA foreign_keys`` can be changed now (outside any transaction)."""
        return not self.in_transaction()

    def sqlite_version(self) -> tuple[int, ...]:
        """The version of the SQLite library behind the connection."""
        raise NotImplementedError

    def is_error(self, exc: BaseException) -> bool:
        """True if ``exc`` is an error SQLite raised through this client."""
        raise NotImplementedError

    def error_message(self, exc: BaseException) -> str:
        """SQLite's message from an error this client raised."""
        return str(exc)

    def error_code(self, exc: BaseException) -> str:
        """SQLite's primary result code name (``"SQLITE_FULL"``) for an error this client
        raised, or ``""`` when it cannot be told."""
        return code_from_message(self.error_message(exc))

    def is_environment_error(self, exc: BaseException) -> bool:
        """True when ``exc`` says the environment failed (locked, read-only, disk full, I/O
        error, damaged file...) rather than the statement."""
        return self.is_error(exc) and self.error_code(exc) in ENVIRONMENT_CODES

    def open_private(self) -> Client | None:
        """A new, private in-memory database of the same kind (to plan on a connection that
        cannot write at all), or None where there is no such thing."""
        return None

    def close(self) -> None:
        """Close a connection made by :meth:`open_private`."""

    def transaction(self, fn: Callable[[], T], *, immediate: bool = False) -> T:
        """Run ``fn`` in a transaction: commit when it returns, roll back when it raises.

        A connection that already has a transaction open gets a clear error: inline_sync never
        commits work that is not its own.
        """
        if self.in_transaction():
            raise SyncError(
                f"the {self.name} connection has a transaction open; commit or roll it back "
                "before calling sync() (inline_sync never commits work that is not its own)"
            )
        self.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            result = fn()
            self.execute("COMMIT")
        except BaseException:
            # Also when COMMIT itself fails (disk full, I/O error): SQLite may leave the
            # transaction open, and the caller must get their connection back without it.
            if self.in_transaction():
                self.execute("ROLLBACK")
            raise
        return result

    #: True when ``transaction`` leaves the final commit to the caller (see SQLite3Client).
    commits_for_caller = True


class SQLite3Client(Client):
    """The standard library's :mod:`sqlite3` connection, under every ``isolation_level`` and
    with Python 3.12's ``autocommit``.

    With ``autocommit=False`` a transaction is always open (PEP 249): sync works inside it in a
    SAVEPOINT and leaves the commit to the caller, like every other write on such a connection.
    """

    name = "sqlite3"

    def __init__(self, conn: Any) -> None:
        import sqlite3

        self.conn = conn
        self._sqlite3 = sqlite3
        self._pep249 = getattr(conn, "autocommit", None) is False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, params).close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        # A cursor of our own: the caller's row_factory and text_factory must not change
        # what the library reads (text_factory=bytes would make every name compare unequal).
        conn = self.conn
        cur = conn.cursor(self._sqlite3.Cursor)
        cur.row_factory = None
        text_factory = conn.text_factory
        if text_factory is not str:
            conn.text_factory = str
        try:
            return cur.execute(sql, params).fetchall()  # type: ignore[no-any-return]
        finally:
            cur.close()
            if text_factory is not str:
                conn.text_factory = text_factory

    def in_transaction(self) -> bool:
        return bool(self.conn.in_transaction)

    def can_toggle_foreign_keys(self) -> bool:
        return not self._pep249 and not self.in_transaction()

    @property
    def can_attach(self) -> bool:  # type: ignore[override]
        return not self._pep249

    @property
    def commits_for_caller(self) -> bool:  # type: ignore[override]
        return not self._pep249

    def sqlite_version(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self._sqlite3.sqlite_version.split("."))

    # getlimit() is Python 3.11+; 2 is SQLITE_LIMIT_COLUMN.
    @property
    def max_columns(self) -> int:  # type: ignore[override]
        get = getattr(self.conn, "getlimit", None)
        return int(get(2)) if get else 2000

    def is_error(self, exc: BaseException) -> bool:
        return isinstance(exc, self._sqlite3.Error)

    def open_private(self) -> Client | None:
        return SQLite3Client(self._sqlite3.connect(":memory:", isolation_level=None))

    def close(self) -> None:
        self.conn.close()

    def error_code(self, exc: BaseException) -> str:
        return code_of(exc)

    def transaction(self, fn: Callable[[], T], *, immediate: bool = False) -> T:
        if not self._pep249:
            return super().transaction(fn, immediate=immediate)
        self.execute("SAVEPOINT inline_sync")
        try:
            result = fn()
        except BaseException:
            self.execute("ROLLBACK TO inline_sync")
            self.execute("RELEASE inline_sync")
            raise
        self.execute("RELEASE inline_sync")
        return result


class APSWClient(Client):
    """An :mod:`apsw` connection (which may have extensions such as sqlite-vec loaded)."""

    name = "apsw"

    def __init__(self, conn: Any) -> None:
        import apsw

        self.conn = conn
        self._apsw = apsw

    def _run(self, sql: str, params: Sequence[Any]) -> list[Row]:
        # apsw.Cursor itself, not the caller's cursor_factory, with the caller's row and exec
        # tracers out of the way while the library reads and writes.
        conn = self.conn
        row_trace, exec_trace = conn.row_trace, conn.exec_trace
        traced = row_trace is not None or exec_trace is not None
        if traced:
            conn.row_trace = conn.exec_trace = None
        try:
            cursor = self._apsw.Cursor(conn)
            try:
                return [tuple(r) for r in cursor.execute(sql, params)]
            finally:  # now: a traceback holding it would keep the statement alive
                cursor.close()
        finally:
            if traced:
                conn.row_trace, conn.exec_trace = row_trace, exec_trace

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._run(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._run(sql, params)

    def in_transaction(self) -> bool:
        return not self.conn.getautocommit()

    def sqlite_version(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self._apsw.sqlite_lib_version().split("."))

    @property
    def max_columns(self) -> int:  # type: ignore[override]
        return int(self.conn.limit(self._apsw.SQLITE_LIMIT_COLUMN))

    def is_error(self, exc: BaseException) -> bool:
        return isinstance(exc, self._apsw.Error)

    def open_private(self) -> Client | None:
        return APSWClient(self._apsw.Connection(":memory:"))

    def close(self) -> None:
        self.conn.close()

    def error_code(self, exc: BaseException) -> str:
        return code_of(exc)


def make_client(connection: Any) -> Client:
    """Wrap a connection in the matching :class:`Client` (a Client passes through)."""
    if isinstance(connection, Client):
        return connection
    module = driver_of(connection)
    if module == "sqlite3":
        import sqlite3

        if isinstance(connection, sqlite3.Connection):
            _check_usable(connection, sqlite3.ProgrammingError)
            return SQLite3Client(connection)
    elif module == "apsw":
        import apsw

        if isinstance(connection, apsw.Connection):
            _check_usable(connection, apsw.ConnectionClosedError)
            return APSWClient(connection)
    storage = durable_object_storage(connection)
    if storage is not None:
        return DurableObjectClient(storage)
    if hasattr(connection, "exec") and not hasattr(connection, "transactionSync"):
        raise SyncError(
            "this looks like a Durable Object's ctx.storage.sql; pass ctx.storage instead, so "
            "the sync can run in one transaction"
        )
    raise SyncError(
        f"unsupported client {type(connection).__module__}.{type(connection).__name__}: pass a "
        "sqlite3.Connection, an apsw.Connection or a Durable Object's ctx.storage"
    )


def _check_usable(connection: Any, refused: type[BaseException]) -> None:
    """A SyncError that says so for a connection closed, or (sqlite3) made in another thread:
    the driver's own error escaped the first read, or was blamed on inline_sync's SQL."""
    try:
        connection.cursor().close()  # (sqlite3 checks the thread here, not everywhere)
    except refused as exc:
        text = str(exc)
        why = "was made in another thread" if "thread" in text else "is closed"
        raise SyncError(f"the connection {why} ({text}); nothing was changed") from None


_MAX_SAFE_INTEGER = 2**53 - 1


class DurableObjectClient(Client):
    """A Cloudflare Durable Object's SQLite storage, from Python under Pyodide.

    Pass ``ctx.storage`` (the raw JsProxy, or the ``workers`` SDK's wrapper of it). Everything
    runs inside one ``storage.transactionSync()``: ATTACH, BEGIN, SAVEPOINT and temporary
    objects are refused there, and foreign keys are always on, so the prefix strategy and
    "closure" rebuilds are used.
    """

    name = "Durable Object"
    can_attach = False
    has_busy_timeout = False  # one object, one thread: nobody else holds a lock
    can_read_schema_version = False  # refused: drift is detected from sqlite_schema instead
    has_temp_schema = False  # temporary objects are refused
    max_columns = 100  # also bounds a result set: SELECT rowid, <100 columns> fails

    def __init__(self, storage: Any, *, sqlite_version: tuple[int, ...] = (3, 46, 0)) -> None:
        self.storage = storage
        self.sql = storage.sql
        # sqlite_version() is refused in a Durable Object. Probed in workerd 2026-04-26: jsonb(),
        # strftime('%G') and 0x1_000 work (3.46+); two-argument iif(), unistr() and ALTER TABLE
        # ... ADD CHECK / ALTER COLUMN ... SET NOT NULL do not (< 3.48, < 3.50, < 3.53). So NOT
        # NULL and CHECK changes are rebuilds here, which is right on any version.
        self._version = sqlite_version
        try:
            from pyodide.ffi import JsException, create_proxy, jsnull, to_js
        except ImportError:  # plain CPython with a stand-in storage object (tests)
            JsException, create_proxy, jsnull, to_js = RuntimeError, None, None, None
        self._js_exception = JsException
        self._create_proxy = create_proxy
        self._jsnull = jsnull
        self._to_js = to_js

    def _bind(self, params: Sequence[Any]) -> list[Any]:
        out: list[Any] = []
        for value in params:
            if isinstance(value, bool):
                raise TypeError("inline_sync never binds a bool in a Durable Object")
            if isinstance(value, int) and abs(value) > _MAX_SAFE_INTEGER:
                raise TypeError(f"integer {value} is beyond what JavaScript can bind exactly")
            if isinstance(value, (bytes, bytearray, memoryview)):
                value = self._to_js(bytes(value)) if self._to_js else bytes(value)
            out.append(value)
        return out

    def _value(self, value: Any) -> Any:
        if value is None or value is self._jsnull:
            return None
        if hasattr(value, "to_py") and hasattr(value, "byteLength"):  # an ArrayBuffer (BLOB)
            return bytes(value.to_py())
        return value

    def _cursor(self, sql: str, params: Sequence[Any]) -> Any:
        return self.sql.exec(sql, *self._bind(params))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        # Drain the cursor so statements that return rows run to the end.
        self._cursor(sql, params).raw().toArray()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows = self._cursor(sql, params).raw().toArray()
        rows = rows.to_py() if hasattr(rows, "to_py") else rows
        return [tuple(self._value(v) for v in row) for row in rows]

    def in_transaction(self) -> bool:
        return False  # transactionSync nests; there is no caller transaction to protect

    def can_toggle_foreign_keys(self) -> bool:
        return False

    def sqlite_version(self) -> tuple[int, ...]:
        return self._version

    def is_error(self, exc: BaseException) -> bool:
        return isinstance(exc, self._js_exception)

    def error_message(self, exc: BaseException) -> str:
        # workerd: "Error: UNIQUE constraint failed: t.x: SQLITE_CONSTRAINT (extended:
        # SQLITE_CONSTRAINT_UNIQUE)", or "...: SQLITE_ERROR" without the extended code.
        text = str(getattr(exc, "message", None) or exc).strip()
        text = text.removeprefix("Error: ")
        extended = text.rfind(" (extended: SQLITE_")
        if extended >= 0 and text.endswith(")"):
            text = text[:extended]
        head, sep, tail = text.rpartition(": SQLITE_")
        return head if sep and tail.replace("_", "").isalpha() and tail.isupper() else text

    def error_code(self, exc: BaseException) -> str:
        # The code is in the message ("...: SQLITE_FULL"), which error_message strips.
        return code_from_message(str(getattr(exc, "message", None) or exc))

    def transaction(self, fn: Callable[[], T], *, immediate: bool = False) -> T:
        box: dict[str, Any] = {}

        def body() -> None:
            try:
                box["result"] = fn()
            except BaseException as exc:
                box["error"] = exc
                raise

        proxy: Any = self._create_proxy(body) if self._create_proxy else body
        try:
            self.storage.transactionSync(proxy)
        except BaseException:
            if "error" in box:
                raise box["error"] from None
            raise
        finally:
            if self._create_proxy:
                proxy.destroy()
        return box["result"]  # type: ignore[no-any-return]
