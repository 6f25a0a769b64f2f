"""The exceptions inline_sync raises. Every one leaves the database exactly as it was."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .plan import Step, SyncPlan


class SyncError(Exception):
    """Base class of every error inline_sync raises on purpose."""


class DefinitionError(SyncError):
    """The definitions are not a schema inline_sync can sync to.

    ``statement`` is the offending statement's text (or ``None`` when the problem spans several),
    ``index`` its 1-based position among the statements, ``name`` the object it declares.
    """

    def __init__(
        self,
        message: str,
        *,
        statement: str | None = None,
        index: int | None = None,
        name: str | None = None,
    ) -> None:
        self.statement = statement
        self.index = index
        self.name = name
        detail = message
        if statement is not None:
            where = f"statement {index}" if index is not None else "statement"
            detail = f"{message}\n  in {where}: {excerpt(statement)}"
        super().__init__(detail)


class DestructiveChangeError(SyncError):
    """The plan would drop a table or a column (or otherwise lose data) and
    ``allow_destructive`` was not set. Nothing was applied; ``plan`` shows what would happen."""

    def __init__(self, plan: SyncPlan) -> None:
        self.plan = plan
        lost = [
            f"  - {change.kind} {change.name}: {'; '.join(change.reasons)}"
            for change in plan.changes
            if change.destructive
        ]
        hint = ""
        if any(c.action == "drop" or any("drop column" in r for r in c.reasons)
               for c in plan.changes if c.destructive):  # fmt: skip
            hint = (
                "\nIf a table or column was renamed, mark it with a comment on the line of its "
                "new name: -- @renamed from=old_name"
            )
        super().__init__(
            "the schema change would lose data; pass allow_destructive=True to apply it:\n"
            + "\n".join(lost)
            + hint
        )


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
