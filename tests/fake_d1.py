"""A stand-in for a D1 binding (``env.DB``) on CPython, for fast tests of the D1 path.

It behaves as local D1 was measured to (docs/d1.md): async ``prepare().bind().all()/run()/
first()/raw()``, ``batch()`` as one transaction that rolls back entirely when a statement (or
the deferred foreign-key check at commit) fails, ``exec()``; foreign keys always on
(``PRAGMA foreign_keys = OFF`` is accepted and does nothing); the authorizer's refusals (ATTACH,
BEGIN/SAVEPOINT, temporary objects, ``PRAGMA schema_version`` and friends, ``sqlite_version()``,
``_cf_`` names, R*Tree); D1's limits (100 columns, 100 bound parameters, 100 KB statements, 5
compound SELECT terms). Errors carry D1's text: ``D1_ERROR: <SQLite's message>: SQLITE_<code>``.
Every call yields to the event loop first, so concurrent syncs interleave between round-trips.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from typing import Any

from fake_durable_object import FakeJsError, code_name

_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|END|SAVEPOINT|RELEASE|ROLLBACK)\b", re.IGNORECASE)
_REFUSED_PRAGMAS = {
    "schema_version", "user_version", "database_list", "busy_timeout", "compile_options",
    "integrity_check", "journal_mode",
}  # fmt: skip
_ALLOWED_VTABS = {"fts5", "fts5vocab"}


class _Rows(list[Any]):
    def to_py(self) -> list[Any]:
        return list(self)


class D1Result:
    """What ``all()``/``run()`` and each ``batch()`` entry resolve to."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.results = _Rows(rows)
        self.success = True


class D1Statement:
    """A prepared statement, optionally bound."""

    def __init__(self, db: FakeD1, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.db = db
        self.sql = sql
        self.params = params

    def bind(self, *params: Any) -> D1Statement:
        return D1Statement(self.db, self.sql, params)

    async def all(self) -> D1Result:
        await asyncio.sleep(0)
        return self.db._autocommit(lambda: D1Result(self.db._run(self)))

    async def run(self) -> D1Result:
        return await self.all()

    async def first(self, column: str | None = None) -> Any:
        rows = (await self.all()).results
        if not rows:
            return None
        return rows[0] if column is None else rows[0][column]

    async def raw(self) -> list[list[Any]]:
        return [list(r.values()) for r in (await self.all()).results]


class FakeD1:
    """``env.DB`` look-alike over an sqlite3 database (in memory unless ``path`` is given)."""

    def __init__(self, path: str = ":memory:") -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA foreign_keys = ON")
        if not self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = '_cf_METADATA'"
        ).fetchall():
            self.conn.execute("CREATE TABLE _cf_METADATA (key INTEGER PRIMARY KEY, value BLOB)")
        for limit, value in (("COLUMN", 100), ("VARIABLE_NUMBER", 100), ("SQL_LENGTH", 100_000),
                             ("COMPOUND_SELECT", 5), ("LIKE_PATTERN_LENGTH", 50)):  # fmt: skip
            if hasattr(self.conn, "setlimit"):  # Python 3.11+
                self.conn.setlimit(getattr(sqlite3, f"SQLITE_LIMIT_{limit}"), value)
        self.log: list[str] = []  # every statement run, batches included
        self.batches = 0  # round-trips made with batch()

    # -- the binding's API ------------------------------------------------------------------
    def prepare(self, sql: str) -> D1Statement:
        return D1Statement(self, sql)

    async def batch(self, statements: list[D1Statement]) -> list[D1Result]:
        await asyncio.sleep(0)
        self.batches += 1
        if not statements:
            raise FakeJsError("Error: D1_ERROR: No SQL statements detected.")
        self.conn.execute("BEGIN")
        try:
            results = [D1Result(self._run(s)) for s in statements]
            try:
                self.conn.execute("COMMIT")  # deferred foreign keys are checked here
            except sqlite3.DatabaseError as exc:  # D1 rolls the batch back and says why
                raise FakeJsError(f"Error: D1_ERROR: {exc}: {code_name(exc)}") from None
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        return results

    async def exec(self, script: str) -> dict[str, int]:
        await asyncio.sleep(0)
        count = 0
        for sql in (s for s in script.split(";") if s.strip()):
            self._autocommit(lambda sql=sql: self._run(D1Statement(self, sql)))
            count += 1
        return {"count": count}

    # -- the simulation ---------------------------------------------------------------------
    def _autocommit(self, fn: Any) -> Any:
        self.conn.execute("BEGIN")
        try:
            result = fn()
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        return result

    def _authorize(self, action: int, arg1: Any, arg2: Any, db: Any, source: Any) -> int:
        deny = False
        if action in (
            sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH,
            sqlite3.SQLITE_CREATE_TEMP_TABLE, sqlite3.SQLITE_CREATE_TEMP_INDEX,
            sqlite3.SQLITE_CREATE_TEMP_VIEW, sqlite3.SQLITE_CREATE_TEMP_TRIGGER,
        ):  # fmt: skip
            deny = True
        elif action == sqlite3.SQLITE_PRAGMA:
            deny = str(arg1).lower() in _REFUSED_PRAGMAS
        elif action == sqlite3.SQLITE_FUNCTION:
            deny = str(arg2).lower() == "sqlite_version"
        elif action in (sqlite3.SQLITE_CREATE_TABLE, sqlite3.SQLITE_CREATE_INDEX,
                        sqlite3.SQLITE_CREATE_VIEW, sqlite3.SQLITE_CREATE_TRIGGER,
                        sqlite3.SQLITE_ALTER_TABLE):  # fmt: skip
            deny = any(str(a).lower().startswith("_cf_") for a in (arg1, arg2) if a)
        elif action == sqlite3.SQLITE_CREATE_VTABLE:
            deny = str(arg2).lower() not in _ALLOWED_VTABS
        return sqlite3.SQLITE_DENY if deny else sqlite3.SQLITE_OK

    def _run(self, statement: D1Statement) -> list[dict[str, Any]]:
        sql = statement.sql
        self.log.append(sql)
        if _TRANSACTION.match(sql):
            raise FakeJsError(
                "Error: D1_ERROR: To execute a transaction, please use the "
                "state.storage.transaction() or state.storage.transactionSync() APIs instead of "
                "the SQL BEGIN TRANSACTION or SAVEPOINT statements."
            )
        if len(sql.encode("utf-8")) > 100_000:
            raise FakeJsError("Error: D1_ERROR: statement too long: SQLITE_TOOBIG")
        if re.match(r"^\s*PRAGMA\s+foreign_keys\s*=", sql, re.IGNORECASE):
            return []  # accepted, and no effect
        self.conn.set_authorizer(self._authorize)
        try:
            cursor = self.conn.execute(sql, statement.params)
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            code = code_name(exc)  # SQLITE_CONSTRAINT, SQLITE_FULL...: as D1 names it
            if text == "not authorized":
                text, code = "not authorized", "SQLITE_AUTH"
            raise FakeJsError(f"Error: D1_ERROR: {text}: {code}") from None
        finally:
            self.conn.set_authorizer(None)

    # -- for the tests ----------------------------------------------------------------------
    def q(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of one query, straight from the database (not through the simulated API)."""
        return [tuple(r) for r in self.conn.execute(sql).fetchall()]

    def script(self, sql: str) -> None:
        """Run several statements straight on the database."""
        self.conn.executescript(sql)

    def dump(self) -> tuple[list[tuple[Any, ...]], dict[str, list[tuple[Any, ...]]]]:
        """The schema and every row of every table: to check that nothing changed."""
        schema = self.q("SELECT type, name, sql FROM sqlite_master ORDER BY name")
        tables = [r[1] for r in schema if r[0] == "table"]
        return schema, {t: self.q(f'SELECT * FROM "{t}" ORDER BY rowid') for t in tables
                        if not t.startswith("sqlite_")}  # fmt: skip
