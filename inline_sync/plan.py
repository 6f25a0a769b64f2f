"""The plan: plain data saying what a sync will do, step by step, and why.

:class:`SyncPlan` is what :func:`inline_sync.plan` returns and what :func:`inline_sync.sync`
applies. Each :class:`Step` carries one SQL statement and the reason for it; each
:class:`Change` summarizes what happens to one table, index, view or trigger.
"""

from __future__ import annotations

from .names import quote
from .value import Value, slot_setters


class Step(Value):
    """One statement of the plan.

    ``action`` says what it does (``create``, ``drop``, ``rename``, ``add column``,
    ``drop column``, ``rename column``, ``set not null``, ``drop not null``, ``add check``,
    ``drop check``, ``rebuild``, ``copy rows``, ``keep settings``, ``setting`` …), ``kind``
    and ``name`` the object.
    """

    action: str
    kind: str
    name: str
    sql: str
    reason: str
    source: str  # for "copy rows": the table the rows come from (progress reports)
    target: str  # for "copy rows" into a new, empty table: that table (script guards)

    __slots__ = ("action", "kind", "name", "sql", "reason", "source", "target")  # noqa: RUF023

    def __init__(
        self,
        action: str,
        kind: str,
        name: str,
        sql: str,
        reason: str,
        source: str = "",
        target: str = "",
    ) -> None:
        self._init(action=action, kind=kind, name=name, sql=sql, reason=reason, source=source,
                   target=target)  # fmt: skip

    def what(self) -> str:
        """The step in words: "rebuild table t", "create index i", "drop column in table t"."""
        joint = " in " if " " in self.action else " "
        return f"{self.action}{joint}{self.kind} {self.name}".strip()


class Change(Value):
    """What happens to one object: ``action`` is create, alter, rebuild, rename, recreate or
    drop; ``destructive`` is true when rows or columns are lost."""

    kind: str
    name: str
    action: str
    destructive: bool
    reasons: tuple[str, ...]
    #: What exactly is lost ("table t", "column t.c", "the rows of the contentless fts5 table
    #: docs"); empty unless ``destructive``.
    lost: tuple[str, ...]

    __slots__ = ("kind", "name", "action", "destructive", "reasons", "lost")  # noqa: RUF023

    def __init__(
        self,
        kind: str,
        name: str,
        action: str,
        destructive: bool = False,
        reasons: tuple[str, ...] = (),
        lost: tuple[str, ...] = (),
    ) -> None:
        self._init(kind=kind, name=name, action=action, destructive=destructive,
                   reasons=reasons, lost=lost)  # fmt: skip

    def __str__(self) -> str:
        flag = "  [DESTRUCTIVE]" if self.destructive else ""
        why = f": {'; '.join(self.reasons)}" if self.reasons else ""
        return f"{self.action} {self.kind} {self.name}{why}{flag}"


class ForeignKeyCheck(Value):
    """A table whose foreign keys are verified before commit: its name before (None when it
    is not counted before) and after, and the parents whose references count, as (folded name
    before, folded name after) pairs; no pairs means every parent."""

    __slots__ = ("before", "after", "parents")  # noqa: RUF023 (field order)
    before: str | None
    after: str
    parents: tuple[tuple[str, str], ...]

    def __init__(
        self, before: str | None, after: str, parents: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self._init(before=before, after=after, parents=parents)


class SyncPlan(Value):
    """What it takes to bring the database to the definitions.

    ``statements`` is exactly the SQL applying runs, in order, inside one transaction (before
    it, inline_sync may switch ``PRAGMA foreign_keys`` off when the connection allows, and
    restores it afterwards; the transaction itself is opened and closed around the steps).
    Those bare statements are not a script to run by hand: :meth:`script` is.
    """

    steps: tuple[Step, ...]
    changes: tuple[Change, ...]
    strategy: str
    sqlite_version: str
    foreign_keys: str  # "off": switched off during apply; "enforced": kept on
    fk_checks: tuple[ForeignKeyCheck, ...]
    #: Where a lost table or column may really have been renamed: what hint to add.
    suggestions: tuple[str, ...]

    __slots__ = (  # noqa: RUF023 (field order)
        "steps",
        "changes",
        "strategy",
        "sqlite_version",
        "foreign_keys",
        "fk_checks",
        "suggestions",
    )
    _hidden = ("fk_checks", "suggestions")

    def __init__(
        self,
        steps: tuple[Step, ...] = (),
        changes: tuple[Change, ...] = (),
        strategy: str = "",
        sqlite_version: str = "",
        foreign_keys: str = "off",
        fk_checks: tuple[ForeignKeyCheck, ...] = (),
        suggestions: tuple[str, ...] = (),
    ) -> None:
        self._init(steps=steps, changes=changes, strategy=strategy,
                   sqlite_version=sqlite_version, foreign_keys=foreign_keys,
                   fk_checks=fk_checks, suggestions=suggestions)  # fmt: skip

    @property
    def status(self) -> str:
        """``"up-to-date"`` or ``"changes-needed"``."""
        return "changes-needed" if self.steps else "up-to-date"

    @property
    def statements(self) -> list[str]:
        """The SQL of every step, in order."""
        return [s.sql for s in self.steps]

    @property
    def destructive(self) -> bool:
        """True when applying would drop a table or a column, or otherwise lose data."""
        return any(c.destructive for c in self.changes)

    def loss_report(self) -> str:
        """What applying would lose, one line each, and the @renamed hints that could avoid it
        (only where a rename is plausible: something new appeared next to what goes)."""
        lines = ["the schema change would lose data; pass allow_destructive=True to apply it:"]
        lines += [
            f"  - {item}"
            for c in self.changes
            if c.destructive
            for item in (c.lost or (f"{c.kind} {c.name}: {'; '.join(c.reasons)}",))
        ]
        lines += self.suggestions
        return "\n".join(lines)

    def script(self) -> str:
        """The plan as an SQL script that is safe to run by hand (``plan --sql`` prints it).

        See :func:`inline_sync.script.plan_script`: one transaction, any failed step rolls the
        whole script back (under either ``PRAGMA foreign_keys`` setting, with or without the
        ``sqlite3`` shell's ``-bail``), and success gives what :func:`inline_sync.sync` gives.
        """
        from .script import plan_script

        return plan_script(self)

    def __bool__(self) -> bool:
        return bool(self.steps)

    def __str__(self) -> str:
        if not self.steps:
            return "Schema is up to date."
        lines = [f"{len(self.changes)} change(s), {len(self.steps)} statement(s):"]
        lines += [f"  {c}" for c in self.changes]
        lines.append("")
        lines += [s.sql.rstrip() + ";" for s in self.steps]
        return "\n".join(lines)


class SyncResult(Value):
    """The outcome of :func:`inline_sync.sync`.

    ``status`` is ``"up-to-date"`` (nothing to do), ``"synced"`` (the plan was applied) or
    ``"changes-needed"`` (a dry run that found work). ``statements`` are the statements
    actually executed (empty for a dry run); ``duration`` is in seconds.
    """

    status: str
    plan: SyncPlan
    statements: tuple[str, ...]
    duration: float

    __slots__ = ("status", "plan", "statements", "duration")  # noqa: RUF023 (field order)

    def __init__(
        self,
        status: str,
        plan: SyncPlan,
        statements: tuple[str, ...] = (),
        duration: float = 0.0,
    ) -> None:
        # Every sync() builds one, also one that found nothing to do after reading one row.
        _set_status(self, status)
        _set_plan(self, plan)
        _set_statements(self, statements)
        _set_duration(self, duration)

    def __str__(self) -> str:
        return f"{self.status} in {self.duration * 1000:.1f} ms\n{self.plan}"


_set_status, _set_plan, _set_statements, _set_duration = slot_setters(SyncResult)


def hint_line(what: str, old: str, candidates: list[str], line_of: str) -> str:
    """One suggestion: "If table people was renamed to users, put -- @renamed from=people on
    the line of CREATE TABLE users"."""
    sep = "" if what.endswith(".") else " "
    hint = old if old.replace("_", "a").isalnum() and old[:1].isalpha() else quote(old)
    to = candidates[0] if len(candidates) == 1 else "one of " + ", ".join(candidates)
    where = f"{line_of} {candidates[0]}" if len(candidates) == 1 else f"that {line_of.lower()}"
    return (
        f"If {what}{sep}{old} was renamed to {to}, put -- @renamed from={hint} on the line of "
        f"{where}."
    )
