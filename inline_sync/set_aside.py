"""Views and triggers that are not ours (ignored) and read a view of ours that the plan makes
again: set aside around the plan when it runs an ALTER TABLE that checks the whole schema.

The plan drops our view before any table changes and creates it again at the end. SQLite's
RENAME COLUMN, DROP COLUMN and (without legacy_alter_table) RENAME TO re-read every view and
trigger first, so a reader of theirs fails them in between ("error in view ign_v: no such
table: main.v"), whatever table the ALTER is for. Such readers (and, in turn, theirs that
read them, or are on them) are dropped before our view is and made again after it with their
own text, as SQLite left it. One that also names a table or column the plan renames would
miss the rewrite SQLite gives it in place: refused.
"""

from __future__ import annotations

from .errors import SyncError
from .names import PREFIX, dependency_order, in_main
from .plan import Change, Step
from .rebuild import theirs_again
from .statement_names import tables_named_in
from .tokenizer import COMMENT, Token, fold, iter_names, significant, splice, tokenize
from .verify import _local_names

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from .models import Schema

    Row = tuple[str, str, str, str]  # (type, name, tbl_name, sql) of sqlite_schema


def indexed_by(sig: list[Token]) -> set[str]:
    """The folded names of the indexes a statement's tokens name after INDEXED BY."""
    return {
        sig[i + 2].folded
        for i in range(len(sig) - 2)
        if sig[i].keyword("INDEXED") and sig[i + 1].keyword("BY") and sig[i + 2].is_name
    }


def _action_at(sig: list[Token]) -> int | None:
    """Where the action of an ALTER TABLE statement (its significant tokens) starts, past its
    table's name, qualified or not; None for any other statement."""
    if [t.text.upper() for t in sig[:2]] != ["ALTER", "TABLE"]:
        return None
    return 5 if len(sig) > 3 and sig[3].text == "." else 3


def checks_schema(steps: list[Step], legacy: bool) -> bool:
    """Whether one of ``steps`` is an ALTER TABLE that re-reads every view and trigger:
    RENAME COLUMN, DROP COLUMN, or RENAME TO while legacy_alter_table is off (``legacy``: the
    setting before the first step; the steps set it as they go)."""
    for step in steps:
        sig = significant(tokenize(step.sql))
        words = [t.text.upper() for t in sig]
        if words[:2] == ["PRAGMA", "LEGACY_ALTER_TABLE"]:
            legacy = words[-1] in ("ON", "1", "TRUE", "YES")
        elif (at := _action_at(sig)) is not None:
            action = words[at : at + 2]
            if action[:1] == ["DROP"] or (action[:1] == ["RENAME"] and action[1:] != ["TO"]):
                return True
            if action == ["RENAME", "TO"] and not legacy:
                return True
    return False


def readers(
    theirs: tuple[Row, ...], views: dict[str, str], indexes: dict[str, str] | None = None
) -> list[tuple[Row, str]]:
    """The views and triggers of ``theirs`` that read one of ``views`` (folded key -> name of
    our view made again) or name one of ``indexes`` (the same, made again: INDEXED BY),
    directly or through a view of theirs, and the triggers on such a view of theirs (dropped
    with it): each with what of ours it reads ("view 'v'", "index 'ix'"), views in the
    order they can be made, then triggers. A trigger on our view itself is not one: it goes
    with the view and is made again with it (:func:`rebuild.theirs_again`)."""
    read = {k: f"view {n!r}" for k, n in views.items()}  # folded name -> what it leads to
    named = {k: f"index {n!r}" for k, n in (indexes or {}).items()}  # (INDEXED BY)
    found: dict[str, tuple[Row, str]] = {}
    grew = True
    while grew:
        grew = False
        for row in theirs:
            kind, name, table, sql = row
            if kind not in ("view", "trigger") or fold(name) in found or fold(table) in views:
                continue
            if kind == "trigger" and fold(table) in read and fold(table) not in views:
                via = read[fold(table)]  # on a view of theirs set aside
            else:
                sig = significant(tokenize(sql))
                hit = sorted(tables_named_in(sql, set(read)) - _local_names(sig) - {fold(name)})
                ix = sorted(named.keys() & indexed_by(sig))
                if not hit and not ix:
                    continue
                via = read[hit[0]] if hit else named[ix[0]]
            found[fold(name)] = (row, via)
            if kind == "view":
                read[fold(name)] = via
            grew = True
    order = dependency_order(
        [k for k, (r, _) in found.items() if r[0] == "view"],
        lambda k: tables_named_in(found[k][0][3], set(found)),
    )
    return [found[k] for k in order] + [v for v in found.values() if v[0][0] == "trigger"]


def refuse_renamed(
    aside: list[tuple[Row, str]],
    tables: dict[str, str],  # folded old name -> folded new one, of each table the plan renames
    columns: dict[str, dict[str, str]],  # current table -> folded old column -> new name
    whose: str = "which is ignored (inline_sync leaves it alone)",
    fix: str = "Declare {name!r}, change it yourself first",
    error: type[SyncError] = SyncError,
    outcome: str = "nothing was changed",
) -> None:
    """Refuse to set aside one that also names a table or a column the plan renames: raise
    ``error`` (during the apply, an ApplyError saying what was rolled back: ``outcome``)."""
    for (kind, name, _, sql), view in aside:
        sig = significant(tokenize(sql))
        local = _local_names(sig)
        named = tables_named_in(sql, set(tables) | set(columns)) - local
        words = set(iter_names(sig))
        for key in sorted(named):
            if key in tables and fold(tables[key]) != key:
                what = f"table {key} (to {tables[key]})"
            else:
                moved = [n for o, n in sorted(columns.get(key, {}).items())
                         if o in words and fold(n) != o]  # fmt: skip
                if not moved:
                    continue
                what = f"a column of table {key} (to {moved[0]})"
            raise error(
                f"cannot make {view} again around this change: {kind} {name!r}, {whose}, "
                "reads it and must be set aside meanwhile (an ALTER TABLE of the plan checks "
                f"every view and trigger), but it also names {what}, which the plan renames, "
                "and made again from its own text it would miss that rename. "
                + fix.format(name=name)
                + f", or make the rename in a sync of its own; {outcome}"
            )


def drops(aside: list[tuple[Row, str]]) -> list[Step]:
    """The steps that set ``aside`` aside: triggers, then views, readers first."""
    out = []
    for (kind, name, _, _), view in reversed(aside):
        why = f"set aside: reads {view}, which is made again"
        out.append(Step("drop", kind, name, f"DROP {kind.upper()} {in_main(name)}", why))
    return out


def creates(aside: list[tuple[Row, str]], kinds: tuple[str, ...]) -> list[tuple[Step, Change]]:
    """The steps (and changes) that make the ``kinds`` of ``aside`` again, with their own
    text in ``main``."""
    out = []
    for (kind, name, _, sql), view in aside:
        if kind not in kinds:
            continue
        sig = [t for t in tokenize(sql) if t.kind is not COMMENT]
        own = sig[next(i for i, t in enumerate(sig) if t.keyword("VIEW", "TRIGGER")) + 1]
        text = splice(sql, [(own, "main." + own.text)])  # (SQLite stores no schema)
        why = f"set aside: reads {view}, which is made again"
        out.append(
            (Step("create", kind, name, text, why), Change(kind, name, "recreate", False, (why,)))
        )
    return out


def made_again(
    current: Schema,
    desired: Schema,
    rebuilt: set[str],
    renames: dict[str, str],
    views: set[str],
    indexes: set[str],
) -> dict[str, tuple[str, str]]:
    """What the plan makes again, as folded current name -> (kind, new name): the ``rebuilt``
    tables (``renames``: folded new name -> old one), and the ``views`` and ``indexes`` it
    drops that the definitions keep; a table whose name a view takes ("named": made last,
    as views are)."""
    on = {renames.get(k, k): ("table", desired.tables[k].name) for k in rebuilt}
    on.update((k, ("view", desired.views[k].name)) for k in views if k in desired.views)
    on.update((k, ("index", desired.indexes[k].name)) for k in indexes if k in desired.indexes)
    moved = set(renames.values())  # (renamed away: RENAME TO rewrote the readers)
    on.update(
        (k, ("named", desired.views[k].name))
        for k in {*current.tables, *current.virtual_tables} - moved
        if k in desired.views
    )
    return on


def kept_rows(current: Schema, views: set[str], triggers: set[str]) -> tuple[Row, ...]:
    """Our live views and triggers but the ``views`` and ``triggers`` the plan drops."""
    return (
        *[("view", v.name, v.name, v.sql) for k, v in current.views.items() if k not in views],
        *[("trigger", t.name, t.table, t.sql)
          for k, t in current.triggers.items() if k not in triggers],
    )  # fmt: skip


def around(
    theirs: tuple[Row, ...],
    on: dict[str, tuple[str, str]],  # folded current name -> (kind, new name): made again
    columns: dict[str, dict[str, str]],  # current table -> folded old column -> new name
    steps: list[Step],
    legacy: bool,
    renames: dict[str, str],  # folded new name -> folded old one, of the tables it renames
    kept: tuple[Row, ...] = (),  # our views and triggers the plan leaves in place
) -> tuple[list[Step], list[tuple[Step, Change]]]:
    """What the plan does with what is not ours around its ``steps``: the steps that set
    readers aside (to run before our views are dropped), and the steps (with their changes)
    that make again, after our views, the readers set aside (views first) and the indexes and
    triggers on what the plan makes again (:func:`rebuild.theirs_again`). A view or trigger
    of ours that reads one set aside (``kept``: unchanged, so its text is the declared one)
    is set aside with it."""
    made = []
    remade = {k: v for k, v in on.items() if v[0] in ("table", "view")}  # (what one can be on)
    for kind, name, sql, why in theirs_again(theirs, remade, columns):
        made.append(
            (Step("create", kind, name, sql, why), Change(kind, name, "recreate", False, (why,)))
        )
    views = {k: new for k, (what, new) in on.items() if what in ("view", "named")}
    indexes = {k: new for k, (what, new) in on.items() if what == "index"}
    aside = readers((*theirs, *kept), views, indexes) if views or indexes else []
    if not aside or not checks_schema(steps, legacy):
        return [], made
    # (A trigger on a table made again is made again with it, following its renames.)
    own = [a for a in aside if a[0][0] == "view" or fold(a[0][2]) not in remade]
    refuse_renamed(own, {old: new for new, old in renames.items()}, columns)
    return drops(aside), [*creates(own, ("view",)), *made, *creates(own, ("trigger",))]


def refuse_lost_indexes(
    theirs: tuple[Row, ...], current: Schema, desired: Schema, dropped: list[str]
) -> None:
    """Refuse a plan that drops for good an index of ours that a view or trigger of theirs
    names (``INDEXED BY``): SQLite checks it when it reads the text, so theirs could not run
    afterwards, nor any later ALTER TABLE that checks every view and trigger. (One with its
    table, ``dropped``, is refused for the table.)"""
    gone = {k: ix.name for k, ix in current.indexes.items()
            if k not in desired.indexes and ix.table not in dropped}  # fmt: skip
    for kind, name, _, sql in theirs if gone else ():
        if kind not in ("view", "trigger"):
            continue
        for key in sorted(gone.keys() & indexed_by(significant(tokenize(sql)))):
            raise SyncError(
                f"cannot drop index {gone[key]!r}: {kind} {name!r}, which is ignored "
                "(inline_sync leaves it alone), names it (INDEXED BY) and could not run "
                "afterwards (nor could any later ALTER TABLE that checks every view and "
                f"trigger). Declare {name!r}, or change or drop it yourself first; nothing "
                "was changed"
            )


def plan_renames(steps: list[Step]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The tables (folded old name -> folded new one) and columns (folded table -> folded old
    column -> new name) that ``steps`` rename by ALTER TABLE, but for inline_sync's own
    passing names (a rebuild's old copy, a new case's way station)."""
    tables: dict[str, str] = {}
    columns: dict[str, dict[str, str]] = {}
    for step in steps:
        sig = significant(tokenize(step.sql))
        at = _action_at(sig)
        if at is None or len(sig) < 6:
            continue
        table = sig[at - 1].folded
        if sig[at].keyword("RENAME") and sig[at + 1].keyword("TO"):
            new = sig[at + 2].folded
            if not table.startswith(PREFIX) and not new.startswith(PREFIX):
                tables[table] = new
        elif sig[at].keyword("RENAME"):
            i = at + 2 if sig[at + 1].keyword("COLUMN") else at + 1
            columns.setdefault(table, {})[sig[i].folded] = sig[i + 2].value
    return tables, columns
