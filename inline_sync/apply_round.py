"""The apply round of the engine for drivers without a transaction of their own (D1): the
whole change in one round, all or nothing, guarded.

The round starts with a guard that fails unless the schema is still the one the plan was made
against (another Worker may have synced meanwhile), counts the foreign-key violations already
there, runs the steps, fails if a checked table has more violations than before, drops its
scratch tables and records the state row. Local drivers hold one transaction for the whole
sync and run the steps with :func:`inline_sync.apply.apply_plan` instead.
"""

from __future__ import annotations

from .errors import ApplyError
from .names import PREFIX
from .plan import ForeignKeyCheck, Step, SyncPlan
from .rounds import (
    SCHEMA_CHANGED,
    Round,
    RoundError,
    drop,
    failed_at,
    guard_table,
    raise_if_taken,
)
from .tokenizer import fold, literal, quote

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Generator
    from typing import Any

    from .rounds import Reply, Request, Statement

# The name of the constraint that fails when a checked table has new violations: SQLite's
# message names it, so it names the table ("inline_sync: foreign keys of t are violated").
_FK_BROKEN = "inline_sync: foreign keys of "
_VIOLATED = " are violated"


class ApplyRound:
    """Guard, steps, foreign-key check and state row: one round."""

    def __init__(
        self,
        the_plan: SyncPlan,
        fingerprint: str,
        progress: Callable[[Step, int, int], None] | None,
        state: list[Statement],
        fingerprint_sql: str,
        *,
        rows: dict[str, bool] | None = None,
    ) -> None:
        self.progress = progress
        guard = f"main.{quote(PREFIX + 'guard')}"
        before = f"main.{quote(PREFIX + 'fk_before')}"
        self.statements: list[Statement] = [
            guard_table("guard", SCHEMA_CHANGED),
            (f"INSERT INTO {guard} VALUES ({fingerprint_sql} IS ?)", (fingerprint,)),
        ]
        # ADD COLUMN or a rebuild: rows written or deleted meanwhile, plan again (after the
        # schema's guard: the tables are the ones planned against). 50 to a statement: an
        # expression deeper than 1000 terms is refused.
        asked = [
            f"EXISTS (SELECT 1 FROM main.{quote(t)}) = {int(v)}" for t, v in (rows or {}).items()
        ]
        for i in range(0, len(asked), 50):
            held = " AND ".join(asked[i : i + 50])
            self.statements.append((f"INSERT INTO {guard} VALUES ({held})", ()))
        self.step_at: dict[int | None, Step] = {}
        self.counts: list[tuple[Step, int]] = []
        checks = self.checks = the_plan.fk_checks
        if checks:  # violations already there before the change do not count
            self.statements.append((f"CREATE TABLE {before} (child, parent, n)", ()))
            for c in checks:
                if c.before is not None:
                    sql = (
                        f"INSERT INTO {before} SELECT {literal(fold(c.after))}, "
                        f"{_parent_after(c)}, count(*) FROM pragma_foreign_key_check("
                        f"{literal(c.before)}, 'main'){_only(c, 0)} GROUP BY parent"
                    )
                    self.statements.append((sql, ()))
        for step in the_plan.steps:
            if progress is not None and step.action == "copy rows" and step.source:
                self.counts.append((step, len(self.statements)))
                self.statements.append((f"SELECT count(*) FROM main.{quote(step.source)}", ()))
            self.step_at[len(self.statements)] = step
            self.statements.append((step.sql, ()))
        for n, c in enumerate(checks):
            name = f"fk_{n}"
            self.statements.append(guard_table(name, f"{_FK_BROKEN}{c.after}{_VIOLATED}"))
            self.statements.append((
                f"INSERT INTO main.{quote(PREFIX + name)} SELECT NOT EXISTS (SELECT 1 FROM "
                f"(SELECT lower(parent) AS p, count(*) AS n FROM pragma_foreign_key_check("
                f"{literal(c.after)}, 'main'){_only(c, 1)} GROUP BY 1) AS a WHERE a.n > "
                f"coalesce((SELECT sum(b.n) FROM {before} AS b WHERE b.child = "
                f"{literal(fold(c.after))} AND b.parent = a.p), 0))", ()))  # fmt: skip
            self.statements.append(drop("table", PREFIX + name))
        if checks:
            self.statements.append(drop("table", PREFIX + "fk_before"))
        self.statements.append(drop("table", PREFIX + "guard"))
        self.statements.extend(state)

    def round(self) -> Round:
        """The apply round."""
        return Round("apply", tuple(self.statements))

    def report(self, reply: Reply) -> None:
        """Tell ``progress`` about the rows copied, now that they are committed."""
        if self.progress is not None:
            for step, at in self.counts:
                total = int(reply[at][0][0])
                self.progress(step, total, total)

    def diagnose(self, exc: RoundError) -> Generator[Request, Any, ApplyError]:
        """The ApplyError naming the refused step (or the foreign keys that broke)."""
        from .apply import new_column_hint, refused
        from .scratch import unprefix_message

        raise_if_taken(exc)
        message = unprefix_message(exc.message)
        if _FK_BROKEN in message:  # the table is in the message: no round to find the statement
            table = message.partition(_FK_BROKEN)[2].rpartition(_VIOLATED)[0]
            # (which parents the check counts: one of them lost rows, as a local driver says)
            parents = {a for c in self.checks if c.after == table for _, a in c.parents}
            return ApplyError(
                f"FOREIGN KEY constraint failed: the change leaves rows of {table} without "
                f"their {' or '.join(sorted(parents)) or 'parent'} row; nothing was changed "
                "(rolled back)",
                sqlite_message="FOREIGN KEY constraint failed",
            )
        index = yield from failed_at(exc, self.statements)
        step = self.step_at.get(index)
        return refused(step, exc.message, new_column_hint(step, message))


def _only(check: ForeignKeyCheck, side: int) -> str:
    """The WHERE clause keeping the parents a check counts (0: names before, 1: after)."""
    if not check.parents:
        return ""
    names = ", ".join(literal(pair[side]) for pair in check.parents)
    return f" WHERE lower(parent) IN ({names})"


def _parent_after(check: ForeignKeyCheck) -> str:
    """The parent's folded name after the plan, from a row counted before it."""
    renamed = [(b, a) for b, a in check.parents if b != a]
    if not renamed:
        return "lower(parent)"
    whens = " ".join(f"WHEN {literal(b)} THEN {literal(a)}" for b, a in renamed)
    return f"CASE lower(parent) {whens} ELSE lower(parent) END"
