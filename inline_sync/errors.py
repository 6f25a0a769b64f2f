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


def excerpt(sql: str, limit: int = 160) -> str:
    """One line of at most ``limit`` characters, for error messages."""
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
