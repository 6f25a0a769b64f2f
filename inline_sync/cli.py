"""The ``inline-sync`` command (also ``python -m inline_sync``): preview, apply and check a
schema from a shell or a CI pipeline.

    inline-sync plan app.db schema/            # what would change, and the SQL
    inline-sync plan app.db schema/ --check    # exit 1 when changes are pending, 2 if destructive
    inline-sync sync app.db schema/ --yes      # apply them

Only the standard library is used (``argparse``, ``sqlite3``). :func:`main` is the entry point.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from . import __version__
from .engine import plan as compute_plan
from .engine import sync as run_sync
from .errors import ApplyError, DefinitionError, DestructiveChangeError, SyncError, excerpt
from .plan import Change, Step, SyncPlan, SyncResult
from .sources import SchemaFile, SchemaSourceError, read_schema_files

PROG = "inline-sync"

#: Exit codes (also in ``inline-sync --help`` and the README).
EXIT_OK, EXIT_PENDING, EXIT_DESTRUCTIVE_PENDING, EXIT_USAGE = 0, 1, 2, 2
EXIT_REFUSED, EXIT_SCHEMA, EXIT_DATABASE, EXIT_INTERRUPTED = 3, 4, 5, 130

#: Row copies shorter than this are not worth a progress line.
PROGRESS_MIN_ROWS = 10_000

EXIT_CODES = """\
exit codes:
  0  done: synced, already up to date, or the plan was shown
  1  --check: changes are pending (none destructive); or the prompt was answered no
  2  --check: a pending change is destructive; bad arguments; or `sync` without --yes
     when stdin is not a terminal and there is something to apply
  3  a destructive change (dropping a table or column) was refused: pass --allow-destructive
  4  a SCHEMA file is missing or unreadable, or the definitions are bad (SQL error, ...)
  5  the database cannot be opened, is not a database, stayed locked, or SQLite refused a step
     (the sync was rolled back)
  130 interrupted"""


class CliError(Exception):
    """An expected failure: printed as one ``inline-sync: error: ...`` line (unless the message
    is empty), then exit with ``code``."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def read_schema(paths: Sequence[str]) -> list[SchemaFile]:
    """Read the SCHEMA arguments (see :func:`inline_sync.sources.read_schema_files`);
    a problem is a :class:`CliError` (exit 4)."""
    try:
        return read_schema_files(paths)
    except SchemaSourceError as exc:
        raise CliError(str(exc), EXIT_SCHEMA) from None


def open_database(path: str, *, create: bool, writable: bool, timeout: float) -> sqlite3.Connection:
    """Connect to ``path`` in autocommit mode. A missing file is created when ``create``;
    otherwise an empty in-memory database stands in for it (planning against nothing means
    "create everything"). Without ``writable`` an existing file is opened read-only."""
    if not os.path.exists(path):
        if not create:
            return sqlite3.connect(":memory:", isolation_level=None)
    elif os.path.isdir(path):
        raise CliError(f"{path}: is a directory, not a database file", EXIT_DATABASE)
    try:
        if writable:
            conn = sqlite3.connect(path, isolation_level=None, timeout=timeout)
        else:
            uri = Path(path).resolve().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=timeout)
    except sqlite3.Error as exc:
        raise CliError(database_message(path, exc), EXIT_DATABASE) from None
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        conn.close()
        raise CliError(database_message(path, exc), EXIT_DATABASE) from None
    return conn


def database_message(path: str, exc: BaseException) -> str:
    """One line for an error SQLite raised about the database file itself."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"{path}: the database is locked (another process is using it); nothing was changed"
    return f"{path}: {text}"


def engine_error(exc: SyncError, files: Sequence[SchemaFile]) -> CliError:
    """Turn an engine exception into one line naming the file, statement or object."""
    first = str(exc).split("\n", 1)[0]
    if isinstance(exc, DefinitionError):
        where = ""
        if exc.statement:
            for file in files:
                at = file.text.find(exc.statement)
                if at >= 0:
                    at += _code_start(exc.statement)
                    where = f"{file.path}:{file.text.count(chr(10), 0, at) + 1}: "
                    break
            if not where and exc.index is not None:
                where = f"statement {exc.index}: "
            first += f" (in: {excerpt(exc.statement[_code_start(exc.statement) :])})"
        return CliError(where + first, EXIT_SCHEMA)
    if isinstance(exc, DestructiveChangeError):
        lost = "; ".join(
            f"{c.kind} {c.name}: {'; '.join(c.reasons)}" for c in exc.plan.changes if c.destructive
        )
        return CliError(
            f"refusing a change that loses data ({lost}); nothing was changed. Pass "
            "--allow-destructive to apply it (a rename? mark it: -- @renamed from=old_name)",
            EXIT_REFUSED,
        )
    if isinstance(exc, ApplyError):
        return CliError(
            first + ("" if "nothing was changed" in first else "; nothing was changed"),
            EXIT_DATABASE,
        )
    return CliError(first, EXIT_DATABASE)


def _code_start(sql: str) -> int:
    """Where the SQL starts after leading white space and comments."""
    return _LEADING.match(sql).end()  # type: ignore[union-attr]  # always matches


_LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)


class Style:
    """ANSI colours, or none: only on a terminal and never when ``NO_COLOR`` is set."""

    def __init__(self, stream: IO[str]) -> None:
        self.enabled = "NO_COLOR" not in os.environ and _isatty(stream)

    def __call__(self, text: str, code: str) -> str:
        """``text`` in colour ``code`` (an SGR parameter such as ``"1;31"``)."""
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text else text


_ACTION_COLOURS = {"create": "32", "drop": "31"}


def _isatty(stream: IO[str]) -> bool:
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

    def __call__(self, step: Step, done: int, total: int) -> None:
        """The engine's ``progress`` callback."""
        if total < PROGRESS_MIN_ROWS:
            return
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


def _emit(text: str, stream: IO[str] | None = None) -> None:
    out = stream or sys.stdout
    out.write(text)
    out.flush()


def _output(args: argparse.Namespace, item: SyncPlan | SyncResult, exists: bool = True) -> None:
    """Print a plan or a result as JSON, as SQL, or for people."""
    if args.json:
        data = (
            result_json(args.db, item) if isinstance(item, SyncResult) else plan_json(args.db, item)
        )
        text = json.dumps(data, indent=2) + "\n"
    elif args.sql:
        text = sql_text(item.statements)
    elif isinstance(item, SyncResult):
        text = result_text(args.db, item, Style(sys.stdout), args.shown)
    else:
        text = plan_text(args.db, item, Style(sys.stdout), exists=exists)
    _emit(text)


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


def _preview(args: argparse.Namespace, files: Sequence[SchemaFile]) -> SyncPlan:
    """Plan without writing: read-only (read-write only for the prefix strategy, whose scratch
    objects live in ``main``; rolled back), and against an empty database when DB is missing."""
    writable = args.scratch_schema == "prefix"
    conn = open_database(args.db, create=False, writable=writable, timeout=args.wait_timeout)
    try:
        texts = [f.text for f in files]
        return compute_plan(conn, texts, scratch_schema=args.scratch_schema, ignore=args.ignore)
    finally:
        conn.close()


def cmd_plan(args: argparse.Namespace, files: Sequence[SchemaFile]) -> int:
    """``plan`` (and ``sync --check``): show what would change; never writes."""
    exists = os.path.exists(args.db)
    the_plan = _preview(args, files)
    _output(args, the_plan, exists)
    if args.check and the_plan.steps:
        return EXIT_DESTRUCTIVE_PENDING if the_plan.destructive else EXIT_PENDING
    return EXIT_OK


def _confirm(args: argparse.Namespace, files: Sequence[SchemaFile]) -> SyncPlan:
    """Without ``--yes``: the plan, shown and accepted on a terminal (or empty: nothing to do).
    Raises :class:`CliError` when it is declined, cannot be applied or cannot be asked about."""
    exists = os.path.exists(args.db)
    preview = _preview(args, files)
    if not preview.steps:
        return preview
    machine = args.json or args.sql
    shown_on = sys.stderr if machine or not _isatty(sys.stdout) else sys.stdout
    if preview.destructive and not args.allow_destructive:
        _emit(plan_text(args.db, preview, Style(shown_on), exists=exists), shown_on)
        raise engine_error(DestructiveChangeError(preview), files)
    if not _isatty(sys.stdin):
        raise CliError(
            f"{args.db}: {len(preview.changes)} change(s) to apply and no terminal to confirm "
            "them: pass --yes to apply without asking (`inline-sync plan` shows them)",
            EXIT_USAGE,
        )
    text = plan_text(args.db, preview, Style(shown_on), exists=exists, allowed=True)
    _emit(text, shown_on)
    _emit("Apply these changes? [y/N] ", shown_on)
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        _emit(f"{args.db}: nothing was changed\n", shown_on)
        raise CliError("", EXIT_PENDING)
    args.shown = not machine
    return preview


def cmd_sync(args: argparse.Namespace, files: Sequence[SchemaFile]) -> int:
    """``sync``: apply the plan, after confirmation on a terminal unless ``--yes``."""
    if args.check:
        return cmd_plan(args, files)
    accepted = None if args.yes else _confirm(args, files)
    if accepted is not None and not accepted.steps:
        _output(args, SyncResult("up-to-date", accepted))
        return EXIT_OK
    created = not os.path.exists(args.db)
    conn = open_database(args.db, create=True, writable=True, timeout=args.wait_timeout)
    progress = ProgressLine(sys.stderr) if _isatty(sys.stderr) else None
    try:
        result = run_sync(
            conn,
            [f.text for f in files],
            scratch_schema=args.scratch_schema,
            allow_destructive=args.allow_destructive,
            ignore=args.ignore,
            force=args.force,
            wait_timeout=args.wait_timeout,
            progress=progress,
        )
    except BaseException:
        if created and os.path.exists(args.db) and os.path.getsize(args.db) == 0:
            conn.close()
            os.remove(args.db)  # leave no empty file behind a failed first sync
        raise
    finally:
        if progress is not None:
            progress.finish()
        conn.close()
    if (
        accepted is not None
        and result.status == "synced"
        and result.plan.statements != accepted.statements
    ):
        print(
            f"{PROG}: warning: the database changed after the plan was shown; applied:\n"
            + plan_text(args.db, result.plan, Style(sys.stderr)),
            file=sys.stderr,
            end="",
        )
    _output(args, result)
    return EXIT_OK


_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("db",), {"metavar": "DB", "help": "the SQLite database file"}),
    (("schema",), {"metavar": "SCHEMA", "nargs": "+",
                   "help": ".sql files, or directories whose *.sql files are read in name order "
                   "(not recursively)"}),
    (("--check",), {"action": "store_true", "help": "change nothing; exit 0 when up to date, 1 "
                    "when changes are pending, 2 when one is destructive"}),
    (("--scratch-schema",), {"choices": ("auto", "scratch-db", "prefix"), "default": "auto",
                             "help": "where the declared schema is built to be compared "
                             "(default: auto)"}),
    (("--ignore",), {"metavar": "PATTERN", "action": "append", "default": [],
                     "help": "a table name or glob to leave alone (repeatable)"}),
    (("--wait-timeout",), {"metavar": "SECONDS", "type": float, "default": 60.0,
                           "help": "how long to wait for a database locked by another process "
                           "(default: 60)"}),
)  # fmt: skip

_SYNC_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("--yes", "-y"), {"action": "store_true",
                       "help": "apply without asking (needed when stdin is not a terminal)"}),
    (("--allow-destructive",), {"action": "store_true",
                                "help": "allow dropping tables and columns"}),
    (("--force",), {"action": "store_true",
                    "help": "plan in full even when the state row says nothing changed"}),
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: ``plan`` and ``sync`` with their options."""
    common = argparse.ArgumentParser(add_help=False)
    for names, options in _OPTIONS:
        common.add_argument(*names, **options)
    out = common.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the plan or result as JSON")
    out.add_argument("--sql", action="store_true", help="print only the SQL statements")
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Bring a SQLite database to the schema declared in .sql files: preview the "
        "change, apply it in one transaction, or check for pending changes in CI.",
        epilog=EXIT_CODES + "\n\nColour only on a terminal, never when NO_COLOR is set.",
        formatter_class=raw,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary in (
        ("plan", "show what sync would change (never writes; a missing DB is not created)"),
        ("sync", "apply the changes (asks first on a terminal; creates a missing DB)"),
    ):
        sub = commands.add_parser(name, parents=[common], help=summary, description=summary,
                                  epilog=EXIT_CODES, formatter_class=raw)  # fmt: skip
        for names, options in _SYNC_OPTIONS if name == "sync" else ():
            sub.add_argument(*names, **options)
        sub.set_defaults(yes=False, allow_destructive=False, force=False, shown=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``inline-sync --help``)."""
    args = build_parser().parse_args(argv)
    if args.wait_timeout < 0:
        print(f"{PROG}: error: --wait-timeout must not be negative", file=sys.stderr)
        return EXIT_USAGE
    files: list[SchemaFile] = []
    try:
        files = read_schema(args.schema)
        command = cmd_sync if args.command == "sync" else cmd_plan
        return command(args, files)
    except CliError as exc:
        if exc.message:
            print(f"{PROG}: error: {exc.message}", file=sys.stderr)
        return exc.code
    except SyncError as exc:
        error = engine_error(exc, files)
        print(f"{PROG}: error: {error.message}", file=sys.stderr)
        return error.code
    except sqlite3.Error as exc:
        print(f"{PROG}: error: {database_message(args.db, exc)}", file=sys.stderr)
        return EXIT_DATABASE
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted (an unfinished sync is rolled back)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return EXIT_OK
