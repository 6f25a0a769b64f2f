"""A stand-in for a Durable Object's ``ctx.storage`` on CPython, for fast tests of the client.

It mimics what real Durable Object SQLite does (see tests/test_workerd_*.py for the real thing):
foreign keys always on, ``transactionSync(fn)`` as a savepoint that rolls back when ``fn``
raises, and refusals of ATTACH, BEGIN/SAVEPOINT, temp objects, ``PRAGMA database_list`` and
``sqlite_version()``. Over an apsw connection (SQLite 3.54) it also plays workerd's
authorizer, which refuses the SQLite 3.53 forms ``ALTER COLUMN … SET/DROP NOT NULL`` and
``ADD/DROP CONSTRAINT`` through the internal functions they call.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

_REFUSED = re.compile(
    r"^\s*(ATTACH|DETACH|BEGIN|COMMIT|END|SAVEPOINT|RELEASE|ROLLBACK|VACUUM)\b"
    r"|^\s*CREATE\s+TEMP|^\s*PRAGMA\s+(database_list|user_version|schema_version)"
    r"|sqlite_version\s*\(|\b_cf_",
    re.IGNORECASE,
)


#: The internal functions of the 3.53 ALTER forms that workerd's authorizer refuses.
REFUSED_FUNCTIONS = frozenset(
    {"sqlite_add_constraint", "sqlite_drop_constraint", "sqlite_find_constraint", "sqlite_fail"}
)


class FakeJsError(RuntimeError):
    """Plays pyodide's JsException (the client takes RuntimeError for it off Pyodide)."""


class _Array(list[Any]):
    def to_py(self) -> list[Any]:
        return list(self)


class _Cursor:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def raw(self) -> _Cursor:
        return self

    def toArray(self) -> _Array:
        return _Array([list(r) for r in self._rows])


class _Sql:
    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.log: list[str] = []
        self.errors: tuple[type[BaseException], ...] = (sqlite3.Error,)
        if not isinstance(conn, sqlite3.Connection):
            import apsw

            self.errors = (apsw.Error,)

    def exec(self, query: str, *params: Any) -> _Cursor:
        self.log.append(query)
        if _REFUSED.search(query) and "sqlite_master" not in query:
            raise FakeJsError(f"Error: not authorized: SQLITE_AUTH ({query[:40]})")
        if re.match(r"^\s*PRAGMA\s+foreign_keys\s*=", query, re.IGNORECASE):
            return _Cursor([])  # has no effect in a Durable Object
        try:
            return _Cursor(list(self.conn.execute(query, params).fetchall()))
        except self.errors as exc:
            raise FakeJsError(f"Error: {_text(exc)}: {code_name(exc)}") from None


def _text(exc: BaseException) -> str:
    return str(exc).split(": ", 1)[1] if "Error: " in str(exc) else str(exc)


def _in_transaction(conn: Any) -> bool:
    if isinstance(conn, sqlite3.Connection):
        return conn.in_transaction
    return not conn.getautocommit()


def code_name(exc: BaseException) -> str:
    """The primary result code's name, as workerd puts it at the end of its messages."""
    name = getattr(exc, "sqlite_errorname", None)  # sqlite3 on Python 3.11+
    if isinstance(name, str) and name.count("_"):  # ("unknown" for codes newer than Python)
        return name.split("_")[0] + "_" + name.split("_")[1]
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == 19:
        return "SQLITE_CONSTRAINT"  # SQLITE_CONSTRAINT_DATATYPE (STRICT) is 'unknown' to 3.11
    result = getattr(exc, "result", None)  # apsw
    if isinstance(result, int) and result > 0:
        import apsw

        return str(apsw.mapping_result_codes.get(result & 0xFF, "SQLITE_ERROR"))
    return "SQLITE_ERROR"


class FakeStorage:
    """``ctx.storage`` look-alike over an in-memory sqlite3 database, or over ``conn`` (a
    sqlite3 connection in autocommit mode, or an apsw connection). ``authorizer=True`` refuses
    what workerd's authorizer refuses among the forms SQLite can parse."""

    def __init__(self, conn: Any = None, *, authorizer: bool = True) -> None:
        self.conn = conn or sqlite3.connect(":memory:", isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = ON")
        if hasattr(self.conn, "setlimit"):  # workerd's limits: 100 columns, 100 parameters
            self.conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, 100)
            self.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)
        if authorizer and not isinstance(self.conn, sqlite3.Connection):
            import apsw

            def authorize(op: int, name: str | None, arg: str | None, *_: Any) -> int:
                if op == apsw.SQLITE_FUNCTION and arg in REFUSED_FUNCTIONS:
                    return apsw.SQLITE_DENY
                return apsw.SQLITE_OK

            self.conn.authorizer = authorize
        self.sql = _Sql(self.conn)
        self._depth = 0

    def transactionSync(self, fn: Callable[[], Any]) -> Any:
        name = f"tx{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            result = fn()
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        finally:
            self._depth -= 1
        try:
            self.conn.execute(f"RELEASE {name}")  # deferred foreign keys are checked here
        except self.sql.errors as exc:  # workerd rolls back and throws a JS error
            if self._depth == 0 and _in_transaction(self.conn):
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
            raise FakeJsError(f"Error: {_text(exc)}: {code_name(exc)}") from None
        return result
