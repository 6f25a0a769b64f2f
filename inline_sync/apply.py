"""Apply a plan: run its steps in order, then verify foreign keys. Called inside the
transaction that :mod:`inline_sync.engine` opens, so any error rolls everything back."""

from __future__ import annotations

from collections import Counter

from .clients import Client
from .errors import ApplyError
from .plan import SyncPlan
from .scratch import unprefix_message
from .tokenizer import fold, quote

_HINTS = {
    "UNIQUE constraint failed": "existing rows hold duplicates under the new UNIQUE constraint",
    "NOT NULL constraint failed": "existing rows hold NULLs under the new NOT NULL constraint",
    "CHECK constraint failed": "existing rows violate the CHECK constraint",
    "FOREIGN KEY constraint failed": "existing rows violate a foreign key",
    "constraint failed": "existing rows violate the new constraint",
    "datatype mismatch": "existing values do not fit the new column type",
    "cannot store": "existing values do not fit the STRICT column type",
}


def fk_violations(client: Client, tables: list[str]) -> Counter[tuple[str, str]]:
    """Foreign-key violations in ``tables``, counted by (child, parent)."""
    found: Counter[tuple[str, str]] = Counter()
    for table in tables:
        for row in client.query(f"PRAGMA foreign_key_check({quote(table)})"):
            found[(fold(str(row[0])), fold(str(row[2])))] += 1
    return found


def apply_plan(client: Client, plan: SyncPlan) -> list[str]:
    """Run every step; raise ApplyError naming the step SQLite refused."""
    before_tables = [c.before for c in plan.fk_checks if c.before is not None]
    renamed = {fold(c.before): fold(c.after) for c in plan.fk_checks if c.before is not None}
    before = fk_violations(client, before_tables) if before_tables else Counter()
    before = Counter({(renamed.get(k[0], k[0]), k[1]): n for k, n in before.items()})
    executed: list[str] = []
    for step in plan.steps:
        try:
            client.execute(step.sql)
        except Exception as exc:
            if not client.is_error(exc):
                raise
            message = unprefix_message(client.error_message(exc))
            hint = next((h for key, h in _HINTS.items() if key in message), "")
            where = f"{step.action} {step.kind} {step.name}".strip()
            text = f"SQLite refused to {where}: {message}"
            if hint:
                text += f" ({hint})"
            text += f"\n  statement: {step.sql}\n  nothing was changed (rolled back)"
            raise ApplyError(text, step=step, sqlite_message=str(exc)) from None
        executed.append(step.sql)
    if plan.fk_checks:
        after = fk_violations(client, [c.after for c in plan.fk_checks])
        new = after - before
        if new:
            (child, parent), count = next(iter(new.items()))
            raise ApplyError(
                f"FOREIGN KEY constraint failed: the change leaves {count} row(s) of {child} "
                f"without their {parent} row; nothing was changed (rolled back)",
                sqlite_message="FOREIGN KEY constraint failed",
            )
    return executed
