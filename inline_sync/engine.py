"""The two entry points, :func:`sync` and :func:`plan`: parse, materialize, introspect, diff,
plan and apply, in one transaction."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from .apply import apply_plan
from .clients import Client, make_client
from .definitions import parse_definitions
from .diff import Capabilities
from .errors import DestructiveChangeError, SyncError
from .introspect import build_schema, same_text
from .names import PREFIX, SCRATCH_DB, ignore_filter
from .plan import SyncPlan, SyncResult
from .planner import PlanInput, build_plan
from .scratch import Scratch, read_objects, read_shadow_tables
from .tokenizer import quote

STRATEGIES = ("auto", "scratch-db", "prefix")


class _Rollback(Exception):
    """Carries a plan out of a transaction that must leave no trace."""

    def __init__(self, plan: SyncPlan) -> None:
        self.plan = plan


def plan(
    client: Any,
    definitions: str | Iterable[str],
    *,
    scratch_schema: str = "auto",
    ignore: Iterable[str] = (),
) -> SyncPlan:
    """Compute what :func:`sync` would do, without changing the database.

    ``client`` is a ``sqlite3.Connection`` or an ``apsw.Connection``; ``definitions`` one string
    of CREATE statements or an iterable of them. Nothing is left behind, whichever strategy.
    """
    result, _ = _run(client, definitions, scratch_schema, ignore, apply=False)
    return result


def sync(
    client: Any,
    definitions: str | Iterable[str],
    *,
    scratch_schema: str = "auto",
    allow_destructive: bool = False,
    dry_run: bool = False,
    ignore: Iterable[str] = (),
) -> SyncResult:
    """Bring the database to the schema in ``definitions``, in one transaction.

    Raises :class:`~inline_sync.DefinitionError` for bad definitions,
    :class:`~inline_sync.DestructiveChangeError` when the plan would lose data and
    ``allow_destructive`` is false, and :class:`~inline_sync.ApplyError` when SQLite refuses a
    step (for example duplicates under a new UNIQUE index). After any error the database is
    exactly as it was. ``dry_run=True`` plans and reports without changing anything.
    """
    started = time.perf_counter()
    the_plan, executed = _run(
        client,
        definitions,
        scratch_schema,
        ignore,
        apply=not dry_run,
        allow_destructive=allow_destructive,
    )
    if not the_plan.steps:
        status = "up-to-date"
    elif dry_run:
        status = "changes-needed"
    else:
        status = "synced"
    return SyncResult(status, the_plan, tuple(executed), time.perf_counter() - started)


def _pragma(client: Client, name: str) -> int:
    rows = client.query(f"PRAGMA {name}")
    return int(rows[0][0]) if rows else 0


def _run(
    connection: Any,
    definitions: str | Iterable[str],
    scratch_schema: str,
    ignore: Iterable[str],
    *,
    apply: bool,
    allow_destructive: bool = False,
) -> tuple[SyncPlan, list[str]]:
    if scratch_schema not in STRATEGIES:
        raise ValueError(f"scratch_schema must be one of {', '.join(STRATEGIES)}")
    client = make_client(connection)
    skip = ignore_filter(ignore)
    defs = parse_definitions(definitions, skip)  # before the database is touched
    if client.in_transaction() and client.commits_for_caller:
        raise SyncError(
            f"the {client.name} connection has a transaction open; commit or roll it back "
            "before calling sync() (inline_sync never commits work that is not its own)"
        )
    caps = Capabilities(client.sqlite_version())
    fk_on = bool(_pragma(client, "foreign_keys"))
    legacy = bool(_pragma(client, "legacy_alter_table"))
    can_toggle = client.can_toggle_foreign_keys()
    strategy = _choose_strategy(client, scratch_schema)
    scratch = Scratch(client, strategy)
    toggled = False
    try:
        if apply and fk_on and can_toggle:
            client.execute("PRAGMA foreign_keys = OFF")
            toggled = True
        scratch.attach()

        def work() -> tuple[SyncPlan, list[str]]:
            the_plan = _plan_inside(client, scratch, defs, skip, caps, fk_on and not can_toggle,
                                    legacy, strategy)  # fmt: skip
            if not apply or not the_plan.steps:
                raise _Rollback(the_plan)
            if the_plan.destructive and not allow_destructive:
                raise DestructiveChangeError(the_plan)
            return the_plan, apply_plan(client, the_plan)

        try:
            return client.transaction(work, immediate=apply)
        except _Rollback as done:
            return done.plan, []
    finally:
        scratch.detach()
        if toggled:
            client.execute("PRAGMA foreign_keys = ON")
        if bool(_pragma(client, "legacy_alter_table")) != legacy:
            client.execute(f"PRAGMA legacy_alter_table = {'ON' if legacy else 'OFF'}")


def _choose_strategy(client: Client, requested: str) -> str:
    if requested != "auto":
        if requested == "scratch-db" and not client.can_attach:
            raise SyncError(f"the {client.name} client cannot ATTACH; use scratch_schema='prefix'")
        return requested
    if not client.can_attach:
        return "prefix"
    try:
        client.execute(f"ATTACH ':memory:' AS {SCRATCH_DB}")
        client.execute(f"DETACH {SCRATCH_DB}")
        return "scratch-db"
    except Exception as exc:
        if not client.is_error(exc):
            raise
        return "prefix"


def _plan_inside(
    client: Client,
    scratch: Scratch,
    defs: list[Any],
    skip: Any,
    caps: Capabilities,
    fk_enforced: bool,
    legacy: bool,
    strategy: str,
) -> SyncPlan:
    if strategy == "prefix":
        scratch.drop_prefixed()
    scratch.build(defs)
    desired_rows, desired_shadow = scratch.read()
    current_rows = read_objects(client, "main")
    current_shadow = read_shadow_tables(client, "main", current_rows, scratch.declared)
    if same_text(current_rows, desired_rows, skip, current_shadow, desired_shadow):
        if strategy == "prefix":
            scratch.drop_prefixed()
        return SyncPlan(strategy=strategy, sqlite_version=".".join(map(str, caps.version)))
    desired = build_schema(desired_rows, skip, desired_shadow)
    current = build_schema(current_rows, skip, current_shadow)

    def has_rows(name: str) -> bool:
        return bool(client.query(f"SELECT 1 FROM main.{quote(name)} LIMIT 1"))

    def columns_of(side: str, name: str) -> list[str]:
        if side == "current":
            where = f"main.table_info({quote(name)})"
        elif strategy == "scratch-db":
            where = f"{SCRATCH_DB}.table_info({quote(name)})"
        else:
            where = f"main.table_info({quote(PREFIX + name)})"
        return [str(r[1]) for r in client.query(f"PRAGMA {where}")]

    the_plan = build_plan(
        current,
        desired,
        PlanInput(defs, caps, fk_enforced, legacy, has_rows, columns_of, strategy),
    )
    if strategy == "prefix":
        scratch.drop_prefixed()
    return the_plan
