"""The ``inline-sync`` command (also ``python -m inline_sync``): preview, apply and check a
schema from a shell or a CI pipeline.

    inline-sync plan app.db schema/            # what would change, and the SQL
    inline-sync plan app.db schema/ --check    # exit 1 when changes are pending, 2 if destructive
    inline-sync sync app.db schema/ --yes      # apply them
    inline-sync inspect app.db -o schema/      # write a database's schema out
    inline-sync diff old.db schema/            # compare two schemas (databases or files)
    inline-sync sync 'tenants/*.db' schema/ --yes --jobs 4

Only the standard library is used (``argparse``, ``sqlite3``). :func:`main` is the entry point.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .cli_output import (
    ProgressLine,
    Style,
    emit,
    isatty,
    json_text,
    plan_json,
    plan_text,
    result_json,
    result_text,
    sql_text,
)
from .config import Config, ConfigError, load_config
from .engine import plan as compute_plan
from .engine import sync as run_sync
from .errors import (
    ApplyError,
    DefinitionError,
    DestructiveChangeError,
    StorageError,
    SyncError,
    code_of,
    excerpt,
)
from .plan import SyncPlan, SyncResult
from .sources import STDIN, SchemaFile, SchemaSourceError, read_schema

PROG = "inline-sync"

#: Exit codes (also in ``inline-sync --help`` and the README).
EXIT_OK, EXIT_PENDING, EXIT_DESTRUCTIVE_PENDING, EXIT_USAGE = 0, 1, 2, 2
EXIT_REFUSED, EXIT_SCHEMA, EXIT_DATABASE, EXIT_INTERRUPTED = 3, 4, 5, 130

EXIT_CODES = """\
exit codes:
  0  done: synced, already up to date, or the plan was shown
  1  --check: changes are pending, or (diff) the schemas differ, none destructive; or the
     prompt was answered no
  2  --check: a pending change is destructive; bad arguments; or `sync` without --yes
     when stdin is not a terminal and there is something to apply
  3  a destructive change (dropping a table or column) was refused: pass --allow-destructive
  4  a SCHEMA file is missing or unreadable, or the definitions are bad (SQL error, ...)
  5  the database cannot be opened, is not a database, stayed locked, is read-only, the disk
     is full or failed (StorageError), or SQLite refused a step (ApplyError); the sync was
     rolled back: nothing was changed
  130 interrupted
With many databases (a glob as DB), the code is that of the first database that failed.
With --json, an error is also one JSON object on stdout: {"error": {"type", "message", ...}}."""


class CliError(Exception):
    """An expected failure: printed as one ``inline-sync: error: ...`` line (unless the message
    is empty), then exit with ``code``. ``kind`` names it in ``--json`` output."""

    def __init__(self, message: str, code: int, kind: str = "DatabaseError", **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.kind = kind
        self.extra = extra


def read_schema_args(paths: Sequence[str]) -> list[SchemaFile]:
    """Read the SCHEMA arguments (see :func:`inline_sync.read_schema`); a problem is a
    :class:`CliError` (exit 4)."""
    try:
        return read_schema(paths)
    except SchemaSourceError as exc:
        raise CliError(str(exc), EXIT_SCHEMA, "SchemaSourceError") from None


def is_memory(path: str) -> bool:
    """True for names that are not files: an in-memory database."""
    return path in (":memory:", "")


def exists(path: str) -> bool:
    """True when the database is there already (an in-memory one always is)."""
    return is_memory(path) or os.path.exists(path)


def open_database(path: str, *, create: bool, writable: bool, timeout: float) -> sqlite3.Connection:
    """Connect to ``path`` in autocommit mode. A missing file is created when ``create``;
    otherwise an empty in-memory database stands in for it (planning against nothing means
    "create everything"). Without ``writable`` an existing file is opened read-only."""
    if is_memory(path) or (not os.path.exists(path) and not create):
        return sqlite3.connect(":memory:", isolation_level=None)
    if os.path.isdir(path):
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
        code = code_of(exc)  # locked past --wait-timeout, not a database, ...
        kind = "DatabaseLockedError" if code == "SQLITE_BUSY" else "DatabaseError"
        raise CliError(database_message(path, exc), EXIT_DATABASE, kind, sqlite_code=code) from None
    return conn


def database_message(path: str, exc: BaseException | str) -> str:
    """One line for an error about the database file itself, naming the file."""
    text = str(exc).split("\n", 1)[0]
    if "locked" in text or "busy" in text:
        return f"{path}: the database is locked (another process is using it); nothing was changed"
    if "not a database" in text and _looks_like_text(path):
        text += " (it looks like a schema file: the database comes first: DB SCHEMA...)"
    elif "readonly" in text or "read-only" in text:
        text += " (the file, or its folder, is read-only for this user); nothing was changed"
    return text if text.startswith(f"{path}: ") else f"{path}: {text}"


def _looks_like_text(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            f.read(4096).decode("utf-8")
        return True
    except (OSError, UnicodeDecodeError):
        return False


#: White space and comments before a statement's code (left out of excerpts).
_LEADING = re.compile(r"\A(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)


def engine_error(exc: SyncError, db: str = "") -> CliError:
    """Turn an engine exception into one line naming the file and line, the object, and (for
    errors of the database) the database file."""
    first = str(exc).split("\n", 1)[0]
    kind = type(exc).__name__
    if isinstance(exc, DefinitionError):
        where = f"{exc.where}: " if exc.where else ""
        text = exc.message.split("\n", 1)[0]
        if exc.statement:
            text += f" (in: {excerpt(_LEADING.sub('', exc.statement, count=1))})"
        extra = {"file": exc.path, "line": exc.line} if exc.path else {}
        return CliError(where + text, EXIT_SCHEMA, kind, **extra)
    if isinstance(exc, (SchemaSourceError, ConfigError)):
        return CliError(first, EXIT_SCHEMA if isinstance(exc, SchemaSourceError) else EXIT_USAGE,
                        kind)  # fmt: skip
    if isinstance(exc, DestructiveChangeError):
        lost = "; ".join(
            f"{c.kind} {c.name}: {'; '.join(c.reasons)}" for c in exc.plan.changes if c.destructive
        )
        return CliError(
            f"refusing a change that loses data ({lost}); nothing was changed. Pass "
            "--allow-destructive to apply it (a rename? mark it: -- @renamed from=old_name)",
            EXIT_REFUSED,
            kind,
        )
    if isinstance(exc, ApplyError):
        text = first + ("" if "nothing was changed" in first else "; nothing was changed")
        return CliError(database_message(db, text) if db else text, EXIT_DATABASE, kind)
    extra = {"sqlite_code": exc.code} if isinstance(exc, StorageError) else {}
    return CliError(database_message(db, first) if db else first, EXIT_DATABASE, kind, **extra)


def output(args: argparse.Namespace, item: SyncPlan | SyncResult, present: bool = True) -> None:
    """Print a plan or a result as JSON, as SQL, or for people."""
    if args.json:
        data = (
            result_json(args.db, item) if isinstance(item, SyncResult) else plan_json(args.db, item)
        )
        text = json_text(data)
    elif args.sql:  # a plan as a script that cannot half-apply; a result as what ran
        text = item.script() if isinstance(item, SyncPlan) else sql_text(item.statements)
    elif isinstance(item, SyncResult):
        text = result_text(args.db, item, Style(sys.stdout), args.shown)
    else:
        text = plan_text(args.db, item, Style(sys.stdout), exists=present)
    emit(text)


def _preview(args: argparse.Namespace, files: Sequence[SchemaFile]) -> SyncPlan:
    """Plan without writing: read-only (read-write only for the prefix strategy, whose scratch
    objects live in ``main``; rolled back), and against an empty database when DB is missing."""
    writable = args.scratch_schema == "prefix"
    conn = open_database(args.db, create=False, writable=writable, timeout=args.wait_timeout)
    try:
        return compute_plan(conn, files, scratch_schema=args.scratch_schema, ignore=args.ignore)
    finally:
        conn.close()


def cmd_plan(args: argparse.Namespace, files: Sequence[SchemaFile]) -> int:
    """``plan`` (and ``sync --check``): show what would change; never writes."""
    present = exists(args.db)
    the_plan = _preview(args, files)
    output(args, the_plan, present)
    if args.check and the_plan.steps:
        return EXIT_DESTRUCTIVE_PENDING if the_plan.destructive else EXIT_PENDING
    return EXIT_OK


def _confirm(args: argparse.Namespace, files: Sequence[SchemaFile]) -> SyncPlan:
    """Without ``--yes``: the plan, shown and accepted on a terminal (or empty: nothing to do).
    Raises :class:`CliError` when it is declined, cannot be applied or cannot be asked about."""
    present = exists(args.db)
    preview = _preview(args, files)
    if not preview.steps:
        return preview
    machine = args.json or args.sql
    shown_on = sys.stderr if machine or not isatty(sys.stdout) else sys.stdout
    if preview.destructive and not args.allow_destructive:
        emit(plan_text(args.db, preview, Style(shown_on), exists=present), shown_on)
        raise engine_error(DestructiveChangeError(preview), args.db)
    if STDIN in args.schema or not isatty(sys.stdin):
        raise CliError(
            f"{args.db}: {len(preview.changes)} change(s) to apply and no terminal to confirm "
            "them: pass --yes to apply without asking (`inline-sync plan` shows them)",
            EXIT_USAGE,
            "UsageError",
        )
    text = plan_text(args.db, preview, Style(shown_on), exists=present, allowed=True)
    emit(text, shown_on)
    emit("Apply these changes? [y/N] ", shown_on)
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        emit(f"{args.db}: nothing was changed\n", shown_on)
        raise CliError("", EXIT_PENDING)
    args.shown = not machine
    return preview


def cmd_sync(args: argparse.Namespace, files: Sequence[SchemaFile]) -> int:
    """``sync``: apply the plan, after confirmation on a terminal unless ``--yes``."""
    if args.check:
        return cmd_plan(args, files)
    accepted = None if args.yes else _confirm(args, files)
    if accepted is not None and not accepted.steps:
        output(args, SyncResult("up-to-date", accepted))
        return EXIT_OK
    created = not exists(args.db)
    conn = open_database(args.db, create=True, writable=True, timeout=args.wait_timeout)
    progress = ProgressLine(sys.stderr) if isatty(sys.stderr) else None
    try:
        result = run_sync(
            conn,
            files,
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
    output(args, result)
    return EXIT_OK


Option = tuple[tuple[str, ...], dict[str, Any]]

_PATHS: Option = (("paths",), {"metavar": "DB [SCHEMA ...]", "nargs": "*",
    "help": "the SQLite database file, then .sql files or directories whose *.sql files are "
    "read in name order (not recursively); - reads the schema from stdin. Both default to "
    "[tool.inline-sync] in pyproject.toml"})  # fmt: skip

_SCRATCH: Option = (("--scratch-schema",), {"choices": ("auto", "scratch-db", "prefix"),
    "default": None, "help": "where the declared schema is built to be compared (default: "
    "auto)"})  # fmt: skip
_IGNORE: Option = (("--ignore",), {"metavar": "PATTERN", "action": "append", "default": None,
    "help": "a table name or glob to leave alone (repeatable; replaces the configured "
    "list)"})  # fmt: skip
_CHECK: Option = (("--check",), {"action": "store_true", "help": "change nothing; exit 0 when "
    "up to date, 1 when changes are pending, 2 when one is destructive"})  # fmt: skip
_WAIT: Option = (("--wait-timeout",), {"metavar": "SECONDS", "type": float, "default": 60.0,
    "help": "how long to wait for a database locked by another process (default: 60)"})  # fmt: skip
_NO_CONFIG: Option = (("--no-config",), {"action": "store_true",
    "help": "do not read [tool.inline-sync] from pyproject.toml"})  # fmt: skip

_SYNC_OPTIONS: tuple[Option, ...] = (
    (("--yes", "-y"), {"action": "store_true",
                       "help": "apply without asking (needed when stdin is not a terminal)"}),
    (("--allow-destructive",), {"action": "store_true",
                                "help": "allow dropping tables and columns"}),
    (("--force",), {"action": "store_true",
                    "help": "plan in full even when the state row says nothing changed"}),
    (("--jobs", "-j"), {"metavar": "N", "type": int, "default": 1,
                        "help": "with many databases (a glob as DB): how many processes sync "
                        "them (default: 1)"}),
)  # fmt: skip


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is a :class:`CliError` (so ``--json`` can report it)."""

    def error(self, message: str) -> Any:
        """Raise instead of exiting."""
        raise CliError(f"{message} (see {self.prog} --help)", EXIT_USAGE, "UsageError")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: ``plan``, ``sync``, ``diff`` and ``inspect`` with their options."""
    from .cli_commands import add_diff_and_inspect

    def common(*options: Option) -> argparse.ArgumentParser:
        parent = argparse.ArgumentParser(add_help=False)
        for names, kwargs in options:
            parent.add_argument(*names, **kwargs)
        return parent

    planning: Any = common(_PATHS, _CHECK, _SCRATCH, _IGNORE, _WAIT, _NO_CONFIG)
    out = planning.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the plan or result as JSON")
    out.add_argument("--sql", action="store_true", help="print only the SQL statements")
    raw = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog=PROG,
        description="Bring a SQLite database to the schema declared in .sql files: preview the "
        "change, apply it in one transaction, or check for pending changes in CI; compare two "
        "schemas; write a database's schema out.",
        epilog=EXIT_CODES + "\n\nColour only on a terminal, never when NO_COLOR is set.",
        formatter_class=raw,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)  # fmt: skip
    for name, summary in (
        ("plan", "show what sync would change (never writes; a missing DB is not created)"),
        (
            "sync",
            "apply the changes (asks first on a terminal; creates a missing DB); a glob as "
            "DB syncs every database it matches",
        ),
    ):
        sub = commands.add_parser(name, parents=[planning], help=summary, description=summary,
                                  epilog=EXIT_CODES, formatter_class=raw)  # fmt: skip
        for names, options in _SYNC_OPTIONS if name == "sync" else ():
            sub.add_argument(*names, **options)
        sub.set_defaults(yes=False, allow_destructive=False, force=False, shown=False, jobs=1)
    add_diff_and_inspect(commands, common(_SCRATCH, _IGNORE, _NO_CONFIG), raw, EXIT_CODES)
    return parser


def settings(args: argparse.Namespace) -> Config:
    """The project's ``[tool.inline-sync]`` (empty with ``--no-config``); fills the options
    the command line left out (``ignore``, ``scratch_schema``)."""
    config = Config() if args.no_config else load_config()
    if args.ignore is None:
        args.ignore = list(config.ignore)
    if args.scratch_schema is None:
        args.scratch_schema = config.scratch_schema or "auto"
    return config


def resolve_paths(args: argparse.Namespace, config: Config) -> None:
    """DB and SCHEMA from the command line, else from the configuration."""
    paths = list(args.paths)
    args.db = paths[0] if paths else config.database
    args.schema = paths[1:] or list(config.schema)
    missing = [n for n, v in (("DB", args.db), ("SCHEMA", args.schema)) if not v]
    if missing:
        where = f" in {config.path}" if config.path else " (no pyproject.toml has one)"
        raise CliError(
            f"{' and '.join(missing)} missing: give {'them' if len(missing) > 1 else 'it'} on "
            f"the command line, or set {' and '.join(m.lower() for m in missing)} under "
            f"[tool.inline-sync]{where}",
            EXIT_USAGE,
            "UsageError",
        )


def run(args: argparse.Namespace) -> int:
    """Run the parsed command."""
    from .cli_commands import cmd_diff, cmd_inspect, cmd_many, is_glob

    if args.wait_timeout < 0:
        raise CliError("--wait-timeout must not be negative", EXIT_USAGE, "UsageError")
    config = settings(args)
    if args.command == "inspect":
        return cmd_inspect(args, config)
    if args.command == "diff":
        return cmd_diff(args)
    resolve_paths(args, config)
    files = read_schema_args(args.schema)
    if is_glob(args.db):
        return cmd_many(args, files)
    return (cmd_sync if args.command == "sync" else cmd_plan)(args, files)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``inline-sync --help``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = argparse.Namespace(json="--json" in argv, db="", wait_timeout=60.0)
    try:
        args = build_parser().parse_args(argv, argparse.Namespace(db=""))
        return run(args)
    except CliError as exc:
        return fail(args, exc)
    except SyncError as exc:
        return fail(args, engine_error(exc, args.db))
    except sqlite3.Error as exc:
        return fail(args, CliError(database_message(args.db, exc), EXIT_DATABASE))
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted (an unfinished sync is rolled back)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return EXIT_OK


def fail(args: argparse.Namespace, error: CliError) -> int:
    """Report ``error``: one line on stderr and, with ``--json``, one object on stdout."""
    if error.message:
        print(f"{PROG}: error: {error.message}", file=sys.stderr)
    if getattr(args, "json", False) and error.message:
        detail = {"type": error.kind, "message": error.message, "exit_code": error.code}
        detail.update({k: v for k, v in error.extra.items() if v is not None})
        emit(json_text({"error": detail}))
    return error.code
