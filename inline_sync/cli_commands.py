"""The ``inspect`` and ``diff`` commands, and ``sync`` over many databases (a glob as DB)."""

from __future__ import annotations

import argparse
import glob
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli import (
    EXIT_DATABASE,
    EXIT_DESTRUCTIVE_PENDING,
    EXIT_OK,
    EXIT_PENDING,
    EXIT_REFUSED,
    EXIT_SCHEMA,
    EXIT_USAGE,
    CliError,
    open_database,
    output,
    read_schema_args,
)
from .cli_output import Style, emit, isatty, json_text, plan_json, plan_text
from .config import Config
from .engine import plan as compute_plan
from .engine import sync as run_sync
from .sources import STDIN, SchemaFile, is_database_file

if TYPE_CHECKING:
    from .fleet import DatabaseResult


def add_diff_and_inspect(
    commands: Any, common: argparse.ArgumentParser, raw: Any, epilog: str
) -> None:
    """Register ``diff`` and ``inspect`` on the sub-command parser."""
    summary = "show the plan that takes FROM to TO (each a database file, schema files, or -)"
    diff = commands.add_parser("diff", parents=[common], help=summary, description=summary,
                               epilog=epilog, formatter_class=raw)  # fmt: skip
    diff.add_argument("source", metavar="FROM", help="a database file, a .sql file or a "
                      "directory of them, or - for stdin")  # fmt: skip
    diff.add_argument("target", metavar="TO", help="the same kinds as FROM")
    diff.add_argument("--check", action="store_true", help="exit 0 when FROM and TO are the "
                      "same schema, 1 when not, 2 when the change is destructive")  # fmt: skip
    out = diff.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the plan as JSON")
    out.add_argument("--sql", action="store_true", help="print only the SQL statements")
    diff.set_defaults(wait_timeout=60.0, paths=[])

    summary = "write a database's schema out as definitions (to stdout, a file or a directory)"
    inspect = commands.add_parser("inspect", parents=[common], help=summary,
                                  description=summary, epilog=epilog,
                                  formatter_class=raw)  # fmt: skip
    inspect.add_argument("db", metavar="DB", nargs="?", help="the SQLite database file "
                         "(default: database in [tool.inline-sync])")  # fmt: skip
    inspect.add_argument("-o", "--output", metavar="FILE|DIR", help="write to FILE, or to DIR "
                         "(an existing directory, or a path ending with /): one file per table "
                         "with its indexes and triggers, numbered in dependency order")  # fmt: skip
    inspect.set_defaults(wait_timeout=60.0, paths=[])


# -- inspect -------------------------------------------------------------------------------


def cmd_inspect(args: argparse.Namespace, config: Config) -> int:
    """``inspect``: the database's schema as definitions."""
    from .export import file_names, inspect_objects

    args.db = args.db or config.database
    if not args.db:
        raise CliError("DB missing: give it, or set database under [tool.inline-sync]",
                       EXIT_USAGE, "UsageError")  # fmt: skip
    if is_glob(args.db) or not os.path.isfile(args.db):
        raise CliError(f"{args.db}: no such database file", EXIT_DATABASE)
    conn = open_database(args.db, create=False, writable=False, timeout=args.wait_timeout)
    try:
        objects = inspect_objects(conn, ignore=args.ignore)
    finally:
        conn.close()
    text = "\n".join(o.sql + "\n" for o in objects)
    target = args.output
    if not target:
        emit(text)
        return EXIT_OK
    if not (target.endswith(("/", os.sep)) or os.path.isdir(target)):
        _write(Path(target), text)
        print(f"{args.db}: {len(objects)} object(s) written to {target}", file=sys.stderr)
        return EXIT_OK
    folder = Path(target)
    groups = file_names(objects)
    stale = sorted(p.name for p in folder.glob("*.sql")) if folder.is_dir() else []
    if stale:
        raise CliError(
            f"{folder}: already holds .sql files ({', '.join(stale[:3])}"
            f"{', ...' if len(stale) > 3 else ''}); they would be read with the new ones: "
            "choose an empty directory",
            EXIT_USAGE,
            "UsageError",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"{folder}: cannot create it: {exc.strerror}", EXIT_USAGE) from None
    for name, members in groups.items():
        _write(folder / name, "\n".join(o.sql + "\n" for o in members))
    print(f"{args.db}: {len(objects)} object(s) written to {len(groups)} file(s) in {folder}",
          file=sys.stderr)  # fmt: skip
    return EXIT_OK


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{path}: cannot write it: {exc.strerror}", EXIT_USAGE) from None


# -- diff ----------------------------------------------------------------------------------


def _side(path: str) -> str:
    """ "database" or "schema" for one side of ``diff``."""
    if path == STDIN or os.path.isdir(path):
        return "schema"
    if not os.path.exists(path):
        raise CliError(f"{path}: no such database or schema file", EXIT_SCHEMA, "UsageError")
    return "database" if is_database_file(path) else "schema"


def cmd_diff(args: argparse.Namespace) -> int:
    """``diff FROM TO``: the plan that takes FROM to TO; nothing is written anywhere."""
    if args.source == STDIN and args.target == STDIN:
        raise CliError("only one of FROM and TO can be - (stdin)", EXIT_USAGE, "UsageError")
    source_kind, target_kind = _side(args.source), _side(args.target)
    if target_kind == "database":
        from .export import inspect

        conn = open_database(args.target, create=False, writable=False, timeout=60.0)
        try:
            target = [SchemaFile(inspect(conn, ignore=args.ignore), f"{args.target} (inspected)")]
        finally:
            conn.close()
    else:
        target = read_schema_args([args.target])
    if source_kind == "database":
        writable = args.scratch_schema == "prefix"  # its scratch objects live in main (rolled back)
        conn = open_database(args.source, create=False, writable=writable, timeout=60.0)
    else:
        conn = open_database(":memory:", create=False, writable=True, timeout=60.0)
        files = read_schema_args([args.source])
        run_sync(conn, files, allow_destructive=True, ignore=args.ignore)
    try:
        the_plan = compute_plan(conn, target, scratch_schema=args.scratch_schema,
                                ignore=args.ignore)  # fmt: skip
    finally:
        conn.close()
    args.db = f"{args.source} -> {args.target}"
    args.shown = False
    output(args, the_plan)
    if args.check and the_plan.steps:
        return EXIT_DESTRUCTIVE_PENDING if the_plan.destructive else EXIT_PENDING
    return EXIT_OK


# -- many databases ------------------------------------------------------------------------


def is_glob(path: str | None) -> bool:
    """True when DB is a pattern of many databases."""
    return bool(path) and glob.has_magic(str(path))


def cmd_many(args: argparse.Namespace, files: list[SchemaFile]) -> int:
    """``sync 'tenants/*.db' SCHEMA --yes``: every matching database, each all or nothing
    (``plan`` or ``--check``: what that would do)."""
    from .fleet import sync_many

    databases = sorted(p for p in glob.glob(args.db) if os.path.isfile(p))
    if not databases:
        raise CliError(f"{args.db}: no database file matches", EXIT_DATABASE)
    if args.command != "sync" or args.check:
        return _plan_many(args, files, databases)
    if not args.yes:
        raise CliError(f"{args.db}: syncing many databases needs --yes (there is no prompt per "
                       "database); check one first with `inline-sync plan`", EXIT_USAGE,
                       "UsageError")  # fmt: skip
    if args.jobs < 1:
        raise CliError("--jobs must be at least 1", EXIT_USAGE, "UsageError")
    live = isatty(sys.stderr) and not args.json
    failed = 0

    def progress(result: DatabaseResult, done: int, total: int) -> None:
        nonlocal failed
        failed += not result.ok
        if live:
            note = f", {failed:,} failed" if failed else ""
            end = "\n" if done == total else ""
            sys.stderr.write(f"\r  {done:,} of {total:,} database(s){note}{end}")
            sys.stderr.flush()

    fleet = sync_many(databases, files, jobs=args.jobs, allow_destructive=args.allow_destructive,
                      ignore=args.ignore, scratch_schema=args.scratch_schema,
                      wait_timeout=args.wait_timeout, progress=progress)  # fmt: skip
    if args.json:
        emit(json_text({
            "databases": len(fleet.results),
            "synced": fleet.count("synced"),
            "synced_by_peer": fleet.count("synced-by-peer"),
            "up_to_date": fleet.count("up-to-date"),
            "failed": len(fleet.failed),
            "plans": fleet.plans,
            "duration_ms": round(fleet.duration * 1000, 3),
            "results": [
                {"database": r.database, "status": r.status, "statements": list(r.statements),
                 "reused_plan": r.reused, "duration_ms": round(r.duration * 1000, 3),
                 **({"error": {"type": r.error_type, "message": r.error}} if r.error else {})}
                for r in fleet.results
            ],
        }))  # fmt: skip
    else:
        style = Style(sys.stdout)
        lines = [f"  {r.database}: {style('failed', '1;31')}: {r.error}" for r in fleet.failed]
        took = f" in {fleet.duration:.2f} s, {fleet.plans} plan(s) made"
        lines.append(fleet.summary() + took)
        emit("\n".join(lines) + "\n")
    return _failure_code(fleet.failed)


def _failure_code(failed: Sequence[DatabaseResult]) -> int:
    """0 when nothing failed, else the exit code of the first failure."""
    if not failed:
        return EXIT_OK
    first = failed[0].error_type
    if first == "DestructiveChangeError":
        return EXIT_REFUSED
    return EXIT_SCHEMA if first == "DefinitionError" else EXIT_DATABASE


def _plan_many(args: argparse.Namespace, files: list[SchemaFile], databases: list[str]) -> int:
    """``plan 'tenants/*.db' SCHEMA``: one plan per distinct schema, and which databases."""
    from .fleet import plan_many

    preview = plan_many(databases, files, ignore=args.ignore, scratch_schema=args.scratch_schema,
                        wait_timeout=args.wait_timeout)  # fmt: skip
    pending = preview.pending
    if args.sql and len(pending) > 1:
        raise CliError(f"{args.db}: {len(pending)} different plans: --sql shows one; use --json "
                       "or plan the databases one by one", EXIT_USAGE, "UsageError")  # fmt: skip
    if args.json:
        emit(json_text({
            "databases": len(databases),
            "up_to_date": len(preview.up_to_date),
            "failed": [{"database": r.database, "error": {"type": r.error_type,
                        "message": r.error}} for r in preview.failed],
            "plans": [{**plan_json(dbs[0], p), "databases": list(dbs)} for p, dbs in pending],
        }))  # fmt: skip
    elif args.sql:
        emit(pending[0][0].script() if pending else "")  # the safe script, as `plan --sql`
    else:
        style = Style(sys.stdout)
        waiting = sum(len(dbs) for _, dbs in pending)
        lines = [f"{args.db}: {len(databases):,} database(s): {waiting:,} to change "
                 f"({len(pending)} distinct plan(s)), {len(preview.up_to_date):,} up to date, "
                 f"{len(preview.failed):,} failed"]  # fmt: skip
        for the_plan, dbs in pending:
            shown = ", ".join(dbs[:3]) + (", ..." if len(dbs) > 3 else "")
            lines.append("\n" + plan_text(f"{len(dbs):,} database(s) ({shown})", the_plan,
                                          style).rstrip("\n"))  # fmt: skip
        lines += [f"  {r.database}: {style('failed', '1;31')}: {r.error}" for r in preview.failed]
        emit("\n".join(lines) + "\n")
    if preview.failed:
        return _failure_code(preview.failed)
    if args.check and pending:
        return EXIT_DESTRUCTIVE_PENDING if preview.destructive else EXIT_PENDING
    return EXIT_OK
