"""Apply a plan: run its steps in order, then verify foreign keys. Called inside the
transaction that :mod:`inline_sync.engine` opens, so any error rolls everything back."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable

from .clients import Client
from .errors import ENVIRONMENT_CODES, ApplyError, reserved_name_taken, storage_error
from .log import DEBUG, enabled
from .models import free_rowid_name
from .names import PREFIX, in_main
from .plan import ForeignKeyCheck, Step, SyncPlan
from .scratch import unprefix_message
from .set_aside import checks_schema, plan_renames, readers, refuse_renamed
from .tokenizer import COMMENT, KEYWORDS, fold, quote, splice, tokenize

# SQLite checks no row of a child whose parent key is not the parent's PRIMARY KEY or UNIQUE:
# it refuses the check itself (and, with foreign keys on, every write to the child).
_MISMATCH = (
    "the definitions make the child reference columns of the parent that are neither its "
    "PRIMARY KEY nor UNIQUE: declare them UNIQUE in the parent, or reference its primary key"
)
_HINTS = {
    "UNIQUE constraint failed": "existing rows hold duplicates under the new UNIQUE constraint",
    "NOT NULL constraint failed": "existing rows hold NULLs under the new NOT NULL constraint",
    "CHECK constraint failed": "existing rows violate the CHECK constraint",
    "FOREIGN KEY constraint failed": "existing rows violate a foreign key",
    "foreign key mismatch": _MISMATCH,
    "constraint failed": "existing rows violate the new constraint",  # (a step's, below)
    "datatype mismatch": "existing values do not fit the new column type",
    "cannot store": "existing values do not fit the STRICT column type",
}

# SQLite 3.53's ALTER COLUMN … SET NOT NULL and ADD CHECK refuse rows with a bare "constraint
# failed": the step says which constraint it was, as a rebuild's copy would have.
_STEP_HINTS = {
    "set not null": _HINTS["NOT NULL constraint failed"],
    "add check": _HINTS["CHECK constraint failed"],
}


def new_column_hint(step: Step | None, message: str) -> str:
    """When copying rows fails on a NOT NULL column the copy does not write, the cause is a
    new NOT NULL column without a DEFAULT: say so, and what to do. Read off the copy's own
    column list, not the database: D1 names the step after its batch was rolled back, and
    ON CONFLICT ROLLBACK may have ended the transaction already."""
    failed = re.match(r"NOT NULL constraint failed: [^.]+\.(.+)$", message)
    if step is None or step.action not in ("copy rows", "copy columns") or failed is None:
        return ""
    column = failed.group(1)
    tokens = [t for t in tokenize(step.sql) if t.kind is not COMMENT]
    start = next((i for i, t in enumerate(tokens) if t.text == "("), len(tokens))
    end = next((i for i, t in enumerate(tokens) if t.text == ")"), start)
    written = {t.folded for t in tokens[start + 1 : end] if t.is_name}
    if not written or fold(column) in written:
        return ""
    # (In the example, SQL: the name quoted where it needs quotes, "x y" or a keyword.)
    bare = column.isascii() and column.replace("_", "a").isalnum() and not column[0].isdigit()
    as_sql = column if bare and column.upper() not in KEYWORDS else quote(column)
    return (
        f"the new column {column} is NOT NULL without a DEFAULT, and existing rows have no "
        f"value for it: give it one, e.g. {as_sql} ... NOT NULL DEFAULT 0"
    )


def fk_violations(client: Client, tables: list[str]) -> Counter[tuple[str, str]]:
    """Foreign-key violations in ``tables``, counted by (child, parent)."""
    found: Counter[tuple[str, str]] = Counter()
    for table in tables:
        for row in client.query(f"PRAGMA main.foreign_key_check({quote(table)})"):
            found[(fold(str(row[0])), fold(str(row[2])))] += 1
    return found


def _drop_action_hint(step: Step | None, message: str) -> str:
    """A DROP TABLE refused for a constraint: it deletes the rows first, and that runs the
    ON DELETE actions of the tables that reference the dropped one (where foreign keys stay on,
    a rebuild drops the old copies so): the constraint broken is theirs, nothing new."""
    if step is None or not step.sql.startswith("DROP TABLE") or "constraint failed" not in message:
        return ""
    if message.startswith("FOREIGN KEY"):  # (a RESTRICT: the foreign key's own refusal)
        return ""
    return (
        f"dropping {step.name} deletes its rows first, and an ON DELETE action (SET NULL, SET "
        "DEFAULT, CASCADE) of a table that references it broke that table's constraint"
    )


def refused(step: Step | None, sqlite_message: str, hint: str = "") -> ApplyError:
    """The ApplyError for a step SQLite refused (``None``: the step is not known, as when
    the refusal came at commit), naming it with ``hint`` or a hint at the likely cause."""
    # Where foreign keys stay on, a rebuild copies each table of its closure into
    # PREFIX + "new_" + name (see rebuild.rebuild_closure), and the message may name any of
    # them: name the user's tables (no name of theirs starts with the reserved PREFIX; the
    # copies are named in lower case, and SQLite quotes a name as it was written).
    message = unprefix_message(sqlite_message.replace(PREFIX + "new_", ""))
    hint = hint or _drop_action_hint(step, message)
    if not hint and step is not None and message == "constraint failed":
        hint = _STEP_HINTS.get(step.action, "")
    hint = hint or next((h for key, h in _HINTS.items() if key in message), "")
    if step is None:
        text = f"SQLite refused the change: {message}"
    else:
        text = f"SQLite refused to {step.what()}: {message}"
    if hint:
        text += f" ({hint})"
    if step is not None:
        text += f"\n  statement: {step.sql}"
    text += "\n  nothing was changed (rolled back)"
    return ApplyError(text, step=step, sqlite_message=sqlite_message)


def _counted(
    client: Client, checks: tuple[ForeignKeyCheck, ...], *, before: bool
) -> Counter[tuple[str, str]]:
    """Violations of the checked (child, parent) pairs, by their names after the plan.

    Only the pairs a check names count (all of a table's when it names none), so violations
    that were there before under other foreign keys neither hide new ones nor fail the plan.
    """
    found: Counter[tuple[str, str]] = Counter()
    for check in checks:
        table = check.before if before else check.after
        if table is None:
            continue
        parents = {b if before else a: a for b, a in check.parents}
        for (_, parent), n in fk_violations(client, [table]).items():
            if parents and parent not in parents:
                continue
            found[(fold(check.after), parents.get(parent, parent))] += n
    return found


#: ``progress(step, rows_done, rows_total)``, called while rows are copied.
Progress = Callable[[Step, int, int], None]

CHUNK_ROWS = 50_000
#: A copy whose NULLs become rowids ends "ORDER BY "x" IS NULL" (rebuild._copy_rows): it runs
#: whole, as chunks would give a chunk's NULLs numbers that a later chunk holds.
_NULLS_LAST = re.compile(r' ORDER BY "(?:[^"]|"")*" IS NULL$').search


def _copy_in_chunks(client: Client, step: Step, progress: Progress) -> list[str]:
    """Run a "copy rows" step in rowid order, a chunk at a time, reporting progress.

    The rows copied are exactly those of the single statement; only the reporting differs.
    """
    source = in_main(step.source)
    total = int(client.query(f"SELECT count(*) FROM {source}")[0][0])
    progress(step, 0, total)
    xinfo = client.query(f"PRAGMA main.table_xinfo({quote(step.source)})")
    columns = {fold(str(r[1])) for r in xinfo}
    rowid = free_rowid_name(columns)
    without_rowid = client.query(
        "SELECT 1 FROM pragma_table_list WHERE schema = 'main' AND name = ? AND wr", (step.source,)
    )
    if rowid is None or without_rowid or _NULLS_LAST(step.sql):  # one statement (see above)
        client.execute(step.sql)
        progress(step, total, total)
        return [step.sql]
    executed: list[str] = []
    last: int | None = None
    done = 0
    while True:
        after = "" if last is None else f" AND {rowid} > {last}"
        edge = client.query(
            f"SELECT {rowid} FROM {source} WHERE 1{after} ORDER BY {rowid} "
            f"LIMIT 1 OFFSET {CHUNK_ROWS - 1}"
        )
        upto = f" AND {rowid} <= {int(edge[0][0])}" if edge else ""
        sql = f"{step.sql} WHERE 1{after}{upto}"
        client.execute(sql)
        executed.append(sql)
        now = min(total, done + CHUNK_ROWS) if edge else total
        if now != done:  # a last, empty chunk has nothing new to report
            progress(step, now, total)
        done = now
        if not edge:
            return executed
        last = int(edge[0][0])


def _temp_rows(client: Client) -> list[tuple[object, ...]]:
    """The caller's TEMP schema rows (none where there is no temp schema: a Durable Object)."""
    if not client.has_temp_schema:
        return []
    try:
        return [
            tuple(r)
            for r in client.query("SELECT type, name, tbl_name, sql FROM temp.sqlite_master")
        ]
    except Exception as exc:  # no temp schema here
        if not client.is_error(exc):
            raise
        return []


def _caller_triggers(rows: list[tuple[object, ...]], table: str) -> list[tuple[str, str]]:
    """The caller's TEMP triggers (of the TEMP schema ``rows``) on the main table ``table``
    (folded), as (name, sql).

    They belong to the caller's connection, not to the definitions: a rebuild would drop them
    with the old copy of the table, so they are set aside and created again afterwards.
    """
    temp_tables = {fold(str(r[1])) for r in rows if r[0] == "table"}
    found = []
    for kind, name, on, sql in rows:
        if kind != "trigger" or fold(str(on)) != table:
            continue
        schema = _trigger_schema(str(sql))
        if schema == "main" or (schema is None and table not in temp_tables):
            found.append((str(name), str(sql)))
    return found


def _trigger_schema(sql: str) -> str | None:
    """The schema named in a trigger's ``ON schema.table``, or None when it names none."""
    sig = [t for t in tokenize(sql) if t.kind is not COMMENT]
    for i, tok in enumerate(sig):
        if tok.text.upper() == "ON" and i + 2 < len(sig) and sig[i + 2].text == ".":
            return sig[i + 1].folded
        if tok.text.upper() == "ON":
            return None
    return None


def _recreate_triggers(client: Client, triggers: list[tuple[str, str]]) -> None:
    for name, sql in triggers:  # (views set aside, too: their text is made TEMP the same way)
        word = next(t for t in tokenize(sql) if t.text.upper() in ("TRIGGER", "VIEW"))
        try:
            client.execute(splice(sql, [(word, "TEMP " + word.text.upper())]))
        except Exception as exc:
            if not client.is_error(exc) or client.is_environment_error(exc):
                raise
            message = client.error_message(exc)
            raise ApplyError(
                f"the connection's own TEMP {word.text.lower()} {name!r} cannot be created "
                f"again after the change: {unprefix_message(message)}; drop it first, or keep "
                "what it uses; nothing was changed (rolled back)",
                sqlite_message=message,
            ) from None


def _temp_readers(client: Client, plan: SyncPlan) -> list[tuple[str, str, str]]:
    """The caller's TEMP views and triggers that read a view in main that the plan drops and
    makes again (a table a view takes the name of, too) or an index it so remakes (INDEXED
    BY), where the plan also runs an ALTER that re-reads every view and trigger (TEMP ones
    too, :mod:`inline_sync.set_aside`), as (kind, name, sql), readers first."""
    made = {(s.kind, fold(s.name)) for s in plan.steps if s.action == "create"}
    gone = [s for s in plan.steps if s.action == "drop" and s.kind in ("table", "view", "index")]
    views = {
        fold(s.name): s.name for s in gone if s.kind != "index" and ("view", fold(s.name)) in made
    }
    indexes = {
        fold(s.name): s.name for s in gone if s.kind == "index" and ("index", fold(s.name)) in made
    }
    if not (views or indexes) or not checks_schema(list(plan.steps), False):
        return []
    rows = [(str(k), str(n), str(t), str(q)) for k, n, t, q in _temp_rows(client)]
    aside = readers(tuple(rows), views, indexes)
    # (one that names what the plan renames would come back stale)
    whose = "one of the connection's own TEMP objects"
    refuse_renamed(aside, *plan_renames(list(plan.steps)), whose, "Drop it first",
                   ApplyError, "nothing was changed (rolled back)")  # fmt: skip
    return [(row[0], row[1], row[3]) for row, _ in reversed(aside)]


def apply_plan(client: Client, plan: SyncPlan, progress: Progress | None = None) -> list[str]:
    """Run every step; raise ApplyError naming the step SQLite refused.

    With ``progress``, row copies run in chunks and report how far they are. The caller's
    TEMP triggers on rebuilt tables are there again afterwards.
    """
    # The caller's TEMP triggers on a rebuilt table are set aside just before its rebuild, as
    # the renames before it (of the table, of a column by hint) have rewritten them.
    rebuilt = {fold(s.name) for s in plan.steps if s.kind == "table" and s.action == "rebuild"}
    temp = rebuilt and any(r[0] == "trigger" for r in _temp_rows(client))
    before = _counted(client, plan.fk_checks, before=True)
    # The caller's readers of a view or index the plan makes again: set aside before the first
    # step (an ALTER of the plan re-reads them, and no step reads them), made again (views
    # first) at the end.
    readers_aside = _temp_readers(client, plan)
    for kind, name, _ in readers_aside:
        client.execute(f"DROP {kind} temp.{quote(name)}")
    triggers = [(n, q) for _, n, q in reversed(readers_aside)]
    executed: list[str] = []
    debug = enabled(DEBUG)
    for step in plan.steps:
        if temp and step.action == "rebuild" and fold(step.name) in rebuilt:
            rebuilt.discard(fold(step.name))
            aside = _caller_triggers(_temp_rows(client), fold(step.name))
            for name, _ in aside:
                client.execute(f"DROP TRIGGER temp.{quote(name)}")
            triggers += aside
        started = time.perf_counter() if debug is not None else 0.0
        try:
            if progress is not None and step.action == "copy rows" and step.source:
                executed.extend(_copy_in_chunks(client, step, progress))
            else:
                client.execute(step.sql)
                executed.append(step.sql)
            if debug is not None:
                took = (time.perf_counter() - started) * 1000
                debug.debug("%.2f ms  %s", took, step.sql)
        except Exception as exc:
            if not client.is_error(exc):
                raise
            sqlite_message = client.error_message(exc)
            code = client.error_code(exc)
            if code in ENVIRONMENT_CODES:  # disk full, I/O error...: not the step's fault
                doing = f"applying step {step.what()}"
                raise storage_error(code, sqlite_message, doing) from None
            taken = reserved_name_taken(sqlite_message)  # a rebuild copy's name is in use
            if taken is not None:
                raise taken from None
            hint = new_column_hint(step, unprefix_message(sqlite_message))
            raise refused(step, sqlite_message, hint) from None
    if plan.fk_checks:
        try:
            after = _counted(client, plan.fk_checks, before=False)
        except Exception as exc:
            if not client.is_error(exc) or "foreign key mismatch" not in client.error_message(exc):
                raise
            raise refused(None, client.error_message(exc)) from None
        new = after - before
        if new:
            (child, parent), count = next(iter(new.items()))
            raise ApplyError(
                f"FOREIGN KEY constraint failed: the change leaves {count} row(s) of {child} "
                f"without their {parent} row; nothing was changed (rolled back)",
                sqlite_message="FOREIGN KEY constraint failed",
            )
    _recreate_triggers(client, triggers)
    return executed
