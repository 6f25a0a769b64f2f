"""The exceptions inline_sync raises. Every one leaves the database exactly as it was."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up path)
if TYPE_CHECKING:
    from .plan import Step, SyncPlan


class SyncError(Exception):
    """Base class of every error inline_sync raises on purpose."""


class DefinitionError(SyncError):
    """The definitions are not a schema inline_sync can sync to.

    ``statement`` is the offending statement's text (or ``None`` when the problem spans several),
    ``index`` its 1-based position among the statements, ``name`` the object it declares.
    When the definitions came from files (:func:`inline_sync.read_schema`), ``path`` and
    ``line`` say where the statement starts, and the message names ``path:line``.
    """

    def __init__(
        self,
        message: str,
        *,
        statement: str | None = None,
        index: int | None = None,
        name: str | None = None,
        path: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.statement = statement
        self.index = index
        self.name = name
        self.path = path
        self.line = line
        super().__init__(self._detail())

    def locate(self, path: str | None, line: int | None) -> DefinitionError:
        """Record the file and line of the statement at fault (once); returns ``self``."""
        if self.path is None and path:
            self.path, self.line = path, line
            self.args = (self._detail(),)
        return self

    @property
    def where(self) -> str:
        """``path:line``, ``statement N`` or ``""``: where the fault is."""
        if self.path:
            return f"{self.path}:{self.line}" if self.line else self.path
        return f"statement {self.index}" if self.index is not None else ""

    def _detail(self) -> str:
        if self.statement is None:
            return f"{self.where}: {self.message}" if self.path else self.message
        return f"{self.message}\n  in {self.where or 'statement'}: {excerpt(self.statement)}"


class DestructiveChangeError(SyncError):
    """The plan would drop a table or a column (or otherwise lose data) and
    ``allow_destructive`` was not set. Nothing was applied; ``plan`` shows what would happen."""

    def __init__(self, plan: SyncPlan) -> None:
        self.plan = plan
        super().__init__(plan.loss_report())


class ApplyError(SyncError):
    """SQLite refused a step of the plan. The whole sync was rolled back.

    ``step`` is the step that failed, ``sqlite_message`` what SQLite said.
    """

    def __init__(self, message: str, *, step: Step | None = None, sqlite_message: str = "") -> None:
        self.step = step
        self.sqlite_message = sqlite_message
        super().__init__(message)


class StorageError(SyncError):
    """The database could not be read or written: it is locked, read-only (a read-only file, a
    ``mode=ro`` URI, ``PRAGMA query_only``), the disk is full or over a file-size limit, an I/O
    error, a damaged or non-database file, or D1 itself failed (its network, an overloaded or
    reset database). Nothing the definitions say is wrong, and nothing was
    changed (the sync was rolled back); trying again once the cause is gone may succeed.

    ``code`` is SQLite's primary result code name (``"SQLITE_FULL"``), ``sqlite_message`` what
    SQLite said.
    """

    def __init__(self, message: str, *, code: str = "", sqlite_message: str = "") -> None:
        self.code = code
        self.sqlite_message = sqlite_message
        super().__init__(message)


class DatabaseLockedError(StorageError):
    """Another connection held a lock on the database for longer than ``wait_timeout``."""


#: SQLite's primary result codes, by number (the low byte of an extended code).
RESULT_CODES = {
    1: "SQLITE_ERROR", 2: "SQLITE_INTERNAL", 3: "SQLITE_PERM", 4: "SQLITE_ABORT",
    5: "SQLITE_BUSY", 6: "SQLITE_LOCKED", 7: "SQLITE_NOMEM", 8: "SQLITE_READONLY",
    9: "SQLITE_INTERRUPT", 10: "SQLITE_IOERR", 11: "SQLITE_CORRUPT", 12: "SQLITE_NOTFOUND",
    13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN", 15: "SQLITE_PROTOCOL", 16: "SQLITE_EMPTY",
    17: "SQLITE_SCHEMA", 18: "SQLITE_TOOBIG", 19: "SQLITE_CONSTRAINT", 20: "SQLITE_MISMATCH",
    21: "SQLITE_MISUSE", 22: "SQLITE_NOLFS", 23: "SQLITE_AUTH", 24: "SQLITE_FORMAT",
    25: "SQLITE_RANGE", 26: "SQLITE_NOTADB",
}  # fmt: skip

#: The codes that say the environment failed, not the definitions or the data. Not
#: SQLITE_AUTH: a host's authorizer (D1, Durable Objects) refuses what definitions ask for (a
#: virtual table module it does not allow, a reserved name), which is the definitions' fault.
ENVIRONMENT_CODES = frozenset({
    "SQLITE_PERM", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_NOMEM", "SQLITE_READONLY",
    "SQLITE_INTERRUPT", "SQLITE_IOERR", "SQLITE_CORRUPT", "SQLITE_FULL", "SQLITE_CANTOPEN",
    "SQLITE_PROTOCOL", "SQLITE_NOLFS", "SQLITE_NOTADB",
})  # fmt: skip

_WHAT = {
    "SQLITE_BUSY": "the database is locked by another connection",
    "SQLITE_LOCKED": "a table is locked by another statement on this connection",
    "SQLITE_READONLY": "the database is read-only here",
    "SQLITE_FULL": "the disk (or the database's size limit) is full",
    "SQLITE_IOERR": "an I/O error (a file-size limit, a failing disk)",
    "SQLITE_CORRUPT": "the database file is damaged",
    "SQLITE_NOTADB": "the file is not a database",
    "SQLITE_CANTOPEN": "a file could not be opened",
    "SQLITE_NOMEM": "SQLite ran out of memory",
    "SQLITE_INTERRUPT": "the operation was interrupted",
    "SQLITE_AUTH": "the connection's authorizer refused a statement",
    "SQLITE_PERM": "access was denied",
}

# Python 3.10's sqlite3 has no error codes: these messages tell the classes apart there.
_MESSAGES = (
    ("database is locked", "SQLITE_BUSY"),
    ("database table is locked", "SQLITE_LOCKED"),
    ("readonly database", "SQLITE_READONLY"),
    ("disk is full", "SQLITE_FULL"),
    ("disk i/o error", "SQLITE_IOERR"),
    ("malformed", "SQLITE_CORRUPT"),
    ("file is not a database", "SQLITE_NOTADB"),
    ("unable to open", "SQLITE_CANTOPEN"),
    ("out of memory", "SQLITE_NOMEM"),
    ("interrupted", "SQLITE_INTERRUPT"),
    ("not authorized", "SQLITE_AUTH"),
)


def code_from_message(message: str) -> str:
    """The primary result code an error message names (``...: SQLITE_FULL`` as Durable Objects
    report it) or, failing that, implies; ``""`` when it says nothing known."""
    at = message.find("SQLITE_")
    if at >= 0:
        word = message[at:].split()[0].strip("():,.")
        for name in sorted(RESULT_CODES.values(), key=len, reverse=True):
            if word == name or word.startswith(name + "_"):
                return name
    text = message.lower()
    return next((code for needle, code in _MESSAGES if needle in text), "")


def code_of(exc: BaseException) -> str:
    """SQLite's primary result code name for an exception of stdlib ``sqlite3`` (its
    ``sqlite_errorcode``, Python 3.11+) or ``apsw`` (its ``result``), else from its message."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        code = getattr(exc, "result", None)
    if isinstance(code, int) and code > 0:
        return RESULT_CODES.get(code & 0xFF, "")
    return code_from_message(str(exc))


def storage_error(
    code: str, sqlite_message: str, doing: str, wait: float | None = None
) -> StorageError:
    """The StorageError (or DatabaseLockedError) for SQLite's ``code`` while ``doing``."""
    if code == "SQLITE_BUSY":
        waited = f" for {wait:g} s" if wait is not None else ""
        return DatabaseLockedError(
            f"the database stayed locked{waited} by another connection (writing to it, or "
            f"reading it while this sync commits) while {doing}; nothing was changed",
            code=code,
            sqlite_message=sqlite_message,
        )
    what = _WHAT.get(code, "SQLite failed")
    return StorageError(
        f"{what}: {sqlite_message} (while {doing}); nothing was changed",
        code=code,
        sqlite_message=sqlite_message,
    )


# What SQLite says when a name is taken: "table "x" already exists", "there is already an index
# named x", "there is already another table or index with this name: x" (ALTER ... RENAME TO).
_TAKEN_AFTER = (
    "there is already another table or index with this name: ",
    "there is already a table named ",
    "there is already an index named ",
)
_TAKEN_KINDS = ("table ", "index ", "view ", "trigger ")


def reserved_name_taken(message: str) -> SyncError | None:
    """The error for an SQLite ``message`` saying that a ``__sync_`` name inline_sync needs is
    taken by an object it did not create (everything it makes under that prefix lives only
    inside its own transaction, so such an object is never its own); None for other messages."""
    name = ""
    for head in _TAKEN_AFTER:
        at = message.find(head)
        if at >= 0:
            name = message[at + len(head) :]
            break
    else:
        end = message.find(" already exists")
        for kind in _TAKEN_KINDS if end >= 0 else ():
            at = message.rfind(kind, 0, end)
            if at >= 0:
                name = message[at + len(kind) : end]
                break
    name = name.strip().removesuffix(": SQLITE_ERROR").strip('"')  # D1 and DO add the code
    if not name.lower().startswith("__sync_"):
        return None
    return SyncError(
        f'the database already holds "{name}", which inline_sync did not create: names that '
        "start with __sync_ are reserved for the objects a sync makes (and drops) inside its "
        "own transaction, and inline_sync never drops an object that is not its own. Rename or "
        'drop it (with scratch_schema="prefix", the scratch copy of a declared object X is '
        '"__sync_X"; "scratch-db" needs no such name); nothing was changed'
    )


def excerpt(sql: str, limit: int = 160) -> str:
    """One line of at most ``limit`` characters, for error messages."""
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
