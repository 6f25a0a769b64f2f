"""What the ``inline-sync`` command prints: plans and results for people (colour only on a
terminal, never with ``NO_COLOR``), as JSON, or as SQL; and the progress line of long copies."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import IO, Any

from .plan import Change, Step, SyncPlan, SyncResult

#: Row copies shorter than this are not worth a progress line.
PROGRESS_MIN_ROWS = 10_000


class Style:
    """ANSI colours, or none: only on a terminal and never when ``NO_COLOR`` is set."""

    def __init__(self, stream: IO[str]) -> None:
        self.enabled = "NO_COLOR" not in os.environ and isatty(stream)

    def __call__(self, text: str, code: str) -> str:
        """``text`` in colour ``code`` (an SGR parameter such as ``"1;31"``)."""
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text else text


_ACTION_COLOURS = {"create": "32", "drop": "31"}


def isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def change_line(change: Change, style: Style) -> str:
    """One line for one table, index, view or trigger: action, kind, name, reasons, flag."""
    action = style(f"{change.action:<8}", _ACTION_COLOURS.get(change.action, "33"))
    why = f": {'; '.join(change.reasons)}" if change.reasons else ""
    flag = "  " + style("[DESTRUCTIVE]", "1;31") if change.destructive else ""
    return f"  {action} {change.kind:<7} {change.name}{why}{flag}"


def sql_text(statements: Sequence[str]) -> str:
    """The statements as a script, each ending with ``;``."""
    return "".join(s.rstrip().rstrip(";").rstrip() + ";\n" for s in statements)


def plan_text(
    db: str, the_plan: SyncPlan, style: Style, *, exists: bool = True, allowed: bool = False
) -> str:
    """The human view of a plan: a header, one line per object, then the SQL."""
    name = db if exists else f"{db} (does not exist yet)"
    if not the_plan.steps:
        return f"{name}: {style('up to date', '32')}\n"
    counts = f"{len(the_plan.changes)} change(s), {len(the_plan.steps)} statement(s)"
    lines = [f"{name}: {counts}"]
    lines += [change_line(c, style) for c in the_plan.changes]
    if the_plan.destructive:
        needs = "" if allowed else ": sync needs --allow-destructive"
        lines.append(style(f"  this loses data{needs}", "1;31"))
    lines.append("")
    lines.append(style(sql_text(the_plan.statements).rstrip("\n"), "2"))
    return "\n".join(lines) + "\n"


def plan_json(db: str, the_plan: SyncPlan) -> dict[str, Any]:
    """The documented JSON form of a plan."""
    return {
        "database": db,
        "status": the_plan.status,
        "strategy": the_plan.strategy or None,
        "sqlite_version": the_plan.sqlite_version or sqlite3.sqlite_version,
        "destructive": the_plan.destructive,
        "changes": [
            {
                "kind": c.kind,
                "name": c.name,
                "action": c.action,
                "destructive": c.destructive,
                "reasons": list(c.reasons),
            }
            for c in the_plan.changes
        ],
        "statements": the_plan.statements,
    }


def result_json(db: str, result: SyncResult) -> dict[str, Any]:
    """The documented JSON form of a sync: the plan's fields plus what was executed."""
    data = plan_json(db, result.plan)
    data["status"] = result.status
    data["executed"] = list(result.statements)
    data["duration_ms"] = round(result.duration * 1000, 3)
    return data


class ProgressLine:
    """Rows copied of total for each long row copy, on one terminal line rewritten with ``\\r``."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.open = False
        self.last: tuple[str, int, int] | None = None

    def __call__(self, step: Step, done: int, total: int) -> None:
        """The engine's ``progress`` callback."""
        if total < PROGRESS_MIN_ROWS or (step.name, done, total) == self.last:
            return  # short copies, and a count already shown
        self.last = (step.name, done, total)
        percent = done * 100 // total
        self.stream.write(f"\r  copying rows of {step.name}: {done:,} of {total:,} ({percent}%)")
        self.open = done < total
        self.stream.write("" if self.open else "\n")
        self.stream.flush()

    def finish(self) -> None:
        """End a line left open (the copy failed or was interrupted)."""
        if self.open:
            self.stream.write("\n")
            self.stream.flush()
            self.open = False


def emit(text: str, stream: IO[str] | None = None) -> None:
    out = stream or sys.stdout
    out.write(text)
    out.flush()


def result_text(db: str, result: SyncResult, style: Style, plan_shown: bool = False) -> str:
    """The human view of a sync: one line per object changed (unless the plan was just shown
    for confirmation), then the outcome."""
    if result.status == "up-to-date":
        return f"{db}: {style('up to date', '32')}\n"
    if result.status == "synced-by-peer":
        return f"{db}: {style('already synced by another process', '32')}\n"
    lines = [] if plan_shown else [change_line(c, style) for c in result.plan.changes]
    took = f"{len(result.statements)} statement(s) in {result.duration * 1000:.1f} ms"
    lines.append(f"{db}: {style('synced', '1;32')}, {took}")
    return "\n".join(lines) + "\n"


def json_text(data: Any) -> str:
    """``data`` as indented JSON, one object, ending with a newline."""
    return json.dumps(data, indent=2) + "\n"
