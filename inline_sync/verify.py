"""Which foreign keys a plan can break, so that only those are verified before commit.

A foreign key (child columns -> parent key) gains a violation only when a value on one of its
two sides can change or disappear. Rows are never lost by a rebuild (the copy takes every row or
fails), so that happens only when

* the foreign key is new (added by a rebuild, or by ``ADD COLUMN … REFERENCES``), unless one of
  its columns is new and NULL in every row: a NULL in the key never violates;
* the child is rebuilt and one of its key columns may hold different values afterwards: a
  changed type (affinity) or collation, a different STRICT setting, a changed generated
  expression, or a column made the rowid (INTEGER PRIMARY KEY: its NULLs become numbers);
* the parent is dropped or created, or its referenced key may hold different values or stop
  being a key: a referenced column changes type, collation, STRICT or generation, goes away,
  or loses the PRIMARY KEY / UNIQUE constraint that makes it a key (a UNIQUE index, which this
  module does not follow, always counts as a possible change).

Everything else — a parent rebuilt or altered with its key columns copied unchanged, renamed
tables and columns (SQLite rewrites the references), children rebuilt together with a parent
— cannot create a violation, and is not scanned. What is left is checked per (child, parent)
pair: only the pairs that can gain a violation count, before and after, so violations that were
already there elsewhere neither hide nor fail anything.
"""

from __future__ import annotations

from .diff import TableDiff
from .errors import SyncError
from .models import ForeignKey, Schema, Table
from .names import PREFIX, fold
from .plan import ForeignKeyCheck
from .tokenizer import RESERVED_WORDS, WORD

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from .definitions import Definition
    from .diff import Capabilities
    from .planner import PlanInput
    from .tokenizer import Token


def _same_values(a: Table, b: Table, column: str) -> bool:
    """True when ``column`` holds the same values in ``b`` as in ``a`` after a copy."""
    x, y = a.column(column), b.column(column)
    return (
        x is not None
        and y is not None
        and (x.type, x.collate, x.generated) == (y.type, y.collate, y.generated)
        and a.strict == b.strict
        # Made the rowid: each NULL it held becomes a new rowid.
        and (b.rowid_alias() != y.key or a.rowid_alias() == x.key)
    )


def _key_columns(table: Table, fk: ForeignKey) -> tuple[str, ...]:
    if fk.ref_columns:
        return fk.ref_columns
    pk = table.primary_key
    return tuple(c.name for c in pk.columns) if pk is not None else ()


def _is_key(table: Table, columns: tuple[str, ...]) -> bool:
    """True when a PRIMARY KEY or UNIQUE constraint of ``table`` covers exactly ``columns``."""
    wanted = set(columns)
    keys = ([table.primary_key] if table.primary_key is not None else []) + list(table.uniques)
    return any({c.name for c in k.columns} == wanted for k in keys)


def _parent_key_stable(dt: TableDiff, fk: ForeignKey) -> bool:
    """True when the parent's referenced key keeps its values and stays a key."""
    columns = _key_columns(dt.desired, fk)
    return (
        bool(columns)
        and columns == _key_columns(dt.current, fk)
        and all(_same_values(dt.current, dt.desired, c) for c in columns)
        and _is_key(dt.current, columns)
        and _is_key(dt.desired, columns)
    )


def _may_hold_values(dt: TableDiff, fk: ForeignKey) -> bool:
    """False when a column of the new foreign key ``fk`` is new and NULL in every row: SQLite
    finds no row with a NULL in its key in violation. A new column (``dt.current`` speaks
    the desired names) is NULL unless it has a default, is generated, or takes the rowids
    (made the INTEGER PRIMARY KEY by a rebuild)."""
    old = {c.key for c in dt.current.columns}
    alias = dt.desired.rowid_alias()
    for key in fk.columns:
        col = dt.desired.column(key)
        if (
            key not in old
            and col is not None
            and col.default in (None, "null")
            and col.generated is None
            and key != alias
        ):
            return False
    return True


def _can_break(
    fk: ForeignKey,
    dt: TableDiff,
    diffs: dict[str, TableDiff],
    desired: Schema,
    rebuilt: set[str],
    dropped: list[str],
) -> bool:
    """True when applying the plan may leave rows of ``dt``'s table violating ``fk``."""
    same = (fk.columns, fk.table, fk.ref_columns)
    if all((f.columns, f.table, f.ref_columns) != same for f in dt.current.foreign_keys):
        return _may_hold_values(dt, fk)  # a new foreign key
    if dt.desired.key in rebuilt and not all(
        _same_values(dt.current, dt.desired, c) for c in fk.columns
    ):
        return True
    parent = diffs.get(fk.table)
    if parent is None:
        # Created (empty, so every reference breaks), dropped, or absent on both sides (a
        # dangling reference that stays exactly as it was).
        return fk.table in desired.tables or fk.table in dropped
    # (A parent rebuilt unchanged, with a rebuilt table it references, copies its key as is.)
    return parent.changed and not _parent_key_stable(parent, fk)


def foreign_key_checks(
    current: Schema,
    desired: Schema,
    diffs: dict[str, TableDiff],
    renames: dict[str, str],
    rebuilt: set[str],
    dropped: list[str],
) -> tuple[ForeignKeyCheck, ...]:
    """The checks to run around applying a plan: one per child table that can gain a violation,
    naming the parents whose foreign keys need counting.

    ``diffs`` holds the tables on both sides by desired key (their ``current`` side already
    speaks the desired names), ``renames`` desired key -> current key, ``rebuilt`` the desired
    keys whose rows are copied, ``dropped`` the current keys of dropped tables. Tables created by
    the plan are empty: they cannot violate anything.
    """
    checks: list[ForeignKeyCheck] = []
    for key, dt in diffs.items():
        parents = {
            fk.table: None
            for fk in dt.desired.foreign_keys
            if _can_break(fk, dt, diffs, desired, rebuilt, dropped)
        }
        if not parents:
            continue
        # Counting before matters only where the child already referenced those parents.
        before_key = renames.get(key, key)
        known = any(f.table in parents for f in dt.current.foreign_keys)
        before = current.tables[before_key].name if known else None
        pairs = tuple((renames.get(p, p), p) for p in parents)
        checks.append(ForeignKeyCheck(before, dt.desired.name, pairs))
    return tuple(checks)


def refuse_breaking_theirs(
    inp: PlanInput,
    current: Schema,
    desired: Schema,
    diffs: dict[str, TableDiff],
    renames: dict[str, str],
    rebuilt: set[str],
    dropped: list[str],
    vt_dropped: list[str],
    vt_lost: dict[str, list[str]],
    remade_views: set[str],
) -> None:
    """Refuse a plan that would break what is not ours (``inp.theirs``): a foreign key's
    parent key, a child's rows where foreign keys stay on, a view, trigger or index that reads
    ours. Arguments as :func:`refuse_broken_readers` takes them (``dropped``: tables;
    ``remade_views``: the folded names of the views the plan drops, to make again or not)."""
    from .set_aside import refuse_lost_indexes
    from .view_columns import lost_view_columns

    theirs = inp.theirs
    if inp.fk_enforced:  # (first: any drop or rebuild of their parent, its key kept or not)
        refuse_outside_references(theirs, current, renames, rebuilt, dropped)
    refuse_lost_parent_keys(theirs, current, desired, diffs, renames, dropped, inp.caps)
    view_lost = lost_view_columns(theirs, current, desired, remade_views, inp.view_columns)
    refuse_broken_readers(theirs, current, desired, diffs, renames, rebuilt,
                          dropped + vt_dropped, inp.caps, vt_lost, view_lost)  # fmt: skip
    refuse_lost_indexes(theirs, current, desired, dropped)


def refuse_outside_references(
    theirs: tuple[tuple[str, str, str, str], ...],
    current: Schema,
    renames: dict[str, str],
    rebuilt: set[str],
    dropped: list[str],
) -> None:
    """Where foreign keys stay on, refuse a plan that rebuilds or drops a table that a table
    which is not ours (ignored) references. Its old copy is dropped, and that deletes its rows
    first: the child's ON DELETE action would run (CASCADE deleting its rows, SET NULL or SET
    DEFAULT changing them, NO ACTION or RESTRICT failing the commit), and the child cannot be
    rebuilt with ours the way a declared one is. ``theirs`` holds (type, name, tbl_name, sql)
    rows; ``rebuilt`` desired keys, ``renames`` desired key -> current key, ``dropped``
    current keys."""
    going = {renames.get(k, k): "rebuild" for k in rebuilt}
    going.update((k, "drop") for k in dropped)
    for name, fk in _their_foreign_keys(theirs):
        if fk.table in going:
            # (NO ACTION and RESTRICT run nothing: the rows left without a parent fail.)
            what = (
                f"would fail on the rows of {name!r} that reference it (ON DELETE {fk.on_delete})"
                if fk.on_delete in ("NO ACTION", "RESTRICT")
                else f"would run the ON DELETE {fk.on_delete} of {name!r} on its rows"
            )
            raise SyncError(
                f"cannot {going[fk.table]} table {current.tables[fk.table].name!r}: table "
                f"{name!r}, which is ignored (inline_sync leaves it alone), references it, "
                f"and foreign keys cannot be switched off here: dropping the old copy {what}"
                f". Declare {name!r}, or change it yourself first"
            )


def _their_foreign_keys(
    theirs: tuple[tuple[str, str, str, str], ...],
) -> Iterator[tuple[str, ForeignKey]]:
    """Each foreign key of the tables in ``theirs`` (rows of objects not ours), with its
    table's name."""
    from .ddl import ParseError, parse_table

    for kind, name, _table, sql in theirs:
        if kind != "table":
            continue
        try:
            child = parse_table(sql)
        except ParseError:
            continue  # a virtual table's (USING …): it has no foreign keys
        for fk in child.foreign_keys:
            yield name, fk


def refuse_lost_parent_keys(
    theirs: tuple[tuple[str, str, str, str], ...],
    current: Schema,
    desired: Schema,
    diffs: dict[str, TableDiff],
    renames: dict[str, str],
    dropped: list[str],
    caps: Capabilities,
) -> None:
    """Refuse a plan that would leave a table that is not ours (ignored) with a foreign key
    whose parent key is gone: the parent table dropped, the referenced columns dropped or no
    longer a PRIMARY KEY or UNIQUE, or renamed by a rebuild's copy (SQLite rewrites their
    REFERENCES only for RENAME TO and RENAME COLUMN). Wherever foreign keys are on, SQLite
    would then refuse every write to their table ("foreign key mismatch", "no such table"),
    and every DELETE from ours; with foreign keys off during the sync nothing else tells.
    A key that is no key already (a mismatch there before) is not the plan's doing."""
    from .diff import renames_by_alter

    desired_key = {old: new for new, old in renames.items()}
    for name, fk in _their_foreign_keys(theirs):
        parent = current.tables.get(fk.table)
        columns = _key_columns(parent, fk) if parent is not None else ()
        if parent is None or len(columns) != len(fk.columns):
            continue
        if not _is_key_of(current, parent, columns):
            continue
        # (_is_key_of found each of the columns in the table)
        key = f"{parent.name}({', '.join(parent.column(c).name for c in columns)})"  # type: ignore[union-attr]
        why = None
        if fk.table in dropped:  # (no diff holds a dropped table)
            why = f"drop table {parent.name!r}"
        elif (dt := diffs.get(desired_key.get(fk.table, fk.table))) is not None:
            # (unchanged, it may still lose an index)
            renamed = {fold(o): fold(n) for o, n in dt.column_renames}
            by_alter = not renamed or renames_by_alter(dt.column_renames, caps, dt.current)
            after = tuple(renamed.get(c, c) if by_alter else c for c in columns)
            if not fk.ref_columns:  # the primary key, whichever columns it has
                after = _key_columns(dt.desired, fk)
                after = after if len(after) == len(fk.columns) else ()
            gone = [c for c in after if dt.desired.column(c) is None]
            if gone:
                # gone[0] is one of ``columns``, as it was: a rename's new name is one the
                # table has, so a column renamed by ALTER is never gone.
                old = parent.column(gone[0]).name  # type: ignore[union-attr]
                why = (
                    f"rename column {parent.name}.{old} in a rebuild of the table"
                    if gone[0] in renamed  # (by the copy, then)
                    else f"drop column {parent.name}.{old}"
                )
            elif not _is_key_of(desired, dt.desired, after):
                why = f"take away the PRIMARY KEY or UNIQUE that makes {key} a key"
        if why is not None:
            raise SyncError(
                f"cannot {why}: table {name!r}, which is ignored (inline_sync leaves it "
                f"alone), has a foreign key to {key}, and SQLite would refuse every later "
                f"write to {name!r} wherever foreign keys are on ("
                + ("no such table" if fk.table in dropped else "foreign key mismatch")
                + f"). Declare {name!r}, or change its foreign key yourself first; nothing "
                "was changed"
            )


def _is_key_of(schema: Schema, table: Table, columns: tuple[str, ...]) -> bool:
    """Whether ``columns`` are a parent key of ``table``: its PRIMARY KEY, a UNIQUE
    constraint, or a UNIQUE index of ``schema`` on exactly them (not a partial one, nor one
    on more columns or on an expression: SQLite's parent key is the whole of an index)."""
    return _is_key(table, columns) or any(
        ix.table == table.key
        and ix.definition.startswith("unique ")
        and _index_columns(ix.definition) == set(columns)
        for ix in schema.indexes.values()
    )


def _index_columns(definition: str) -> set[str] | None:
    """The columns of a normalized index definition (``unique on t ( a , b desc )``), or
    None where a term is not a plain column: an expression, a WHERE (a partial index: its
    words join the last term), or a COLLATE (SQLite takes such an index for a parent key only
    if the collation is the column's own; not compared here, so such a key is taken for none,
    the rare case of an index spelling the column's collation)."""
    terms = definition.partition(" ( ")[2].removesuffix(" )").split(" , ")
    words = [t.split(" ") for t in terms]
    if any(len(w) > 2 or (len(w) == 2 and w[1] not in ("asc", "desc")) for w in words):
        return None
    return {w[0] for w in words}  # (normalized: folded, unquoted)


def their_rows(
    rows: list[tuple[Any, Any, Any, Any]], skip: Callable[[str], bool]
) -> tuple[tuple[str, str, str, str], ...]:
    """The (type, name, tbl_name, sql) rows of ``main``'s objects that are not ours (``skip``
    matches their names) and that a plan could break: an index or trigger on a table of ours,
    a view or trigger, a table that may reference ours, or an index (virtual) that may read
    one as its external content. Not the scratch copies."""
    return tuple(
        (str(k), str(n), str(tb), str(s))
        for k, n, tb, s in rows
        # (an index on a table of ours; a trigger of theirs wherever it is, below)
        if (k == "index" and skip(str(n)) and not skip(str(tb)))
        or (
            (k in ("view", "trigger") or (k == "table" and _may_read_ours(str(s).lower())))
            and skip(str(n))
            and not fold(str(n)).startswith(PREFIX)
        )
    )


def _may_read_ours(sql: str) -> bool:
    return "references" in sql or "content" in sql


def refuse_broken_readers(
    theirs: tuple[tuple[str, str, str, str], ...],
    current: Schema,
    desired: Schema,
    diffs: dict[str, TableDiff],
    renames: dict[str, str],
    rebuilt: set[str],
    dropped: list[str],  # current keys: tables and virtual tables
    caps: Capabilities,
    vt_lost: dict[str, list[str]] | None = None,  # current key -> columns made again without
    view_lost: dict[str, list[str]] | None = None,  # the same, of our views
) -> None:
    """Refuse a plan that would leave a view or trigger that is not ours (ignored; ``theirs``:
    (type, name, tbl_name, sql) rows) naming a table, virtual table or view the plan drops, or
    a column it drops from a table that the object names (or an index of theirs on it), or one
    that a view the plan makes again no longer has.
    Neither DROP TABLE nor a rebuild (renamed aside with legacy_alter_table on) checks them:
    the sync would succeed, the object could not run, and every later ALTER TABLE … RENAME
    would fail on it. A trigger on a rebuilt table is made again from its own text
    (:func:`rebuild.theirs_again`), so a column renamed there by hint is gone from it too. By
    the names the text holds: a reader of two tables, one of which keeps a column of the name,
    is refused as well (declare it). So is one that reads such a column through a view of
    theirs that passes it on by ``*`` (:func:`view_columns.passed_on`)."""
    from .diff import renames_by_alter
    from .statement_names import tables_named_in
    from .tokenizer import iter_names, significant, tokenize
    from .view_columns import passed_on

    gone = {
        k: f"table {current.tables[k].name!r}" if k in current.tables
        else f"virtual table {current.virtual_tables[k].name!r}"
        for k in dropped
    }  # fmt: skip
    gone.update((k, f"view {v.name!r}") for k, v in current.views.items() if k not in desired.views)
    for key in desired.tables.keys() | desired.views.keys() | desired.virtual_tables.keys():
        gone.pop(key, None)  # (the name stays: another kind of object takes it)
    lost: dict[str, dict[str, tuple[str, str]]] = {}  # table -> folded column -> (name, what)
    for key, dt in diffs.items():
        cols = {
            c.key: (c.name, "drop") for c in dt.current.columns if dt.desired.column(c.key) is None
        }
        # A rebuilt table's triggers are made again from their text, which no hinted rename
        # reached (nor any reader, where the copy renames). Capabilities are asked only where
        # the rebuild asks them too: each is a probe.
        if key in rebuilt and dt.column_renames:
            copied = not renames_by_alter(dt.column_renames, caps, dt.current)
            cols.update(
                (fold(old), (old, "rename" if copied else "remake"))
                for old, new in dt.column_renames
                if fold(old) != fold(new)  # (a new case: SQLite finds either)
            )
        if dt.desired.without_rowid and not dt.current.without_rowid:  # its rowid goes
            cols.update((n, (n, "rowid")) for n in _ROWID_NAMES if dt.current.column(n) is None)
        if cols:
            lost[renames.get(key, key)] = cols
    for key, columns in (vt_lost or {}).items():
        lost[key] = {fold(c): (c, "drop") for c in columns}
    for key, columns in (view_lost or {}).items():
        lost[key] = {fold(c): (c, "view") for c in columns}
    _refuse_broken_content(theirs, current, diffs, renames, gone)
    through = passed_on(theirs, lost, _breaks)  # ({} where nothing is lost)
    for kind, name, table, sql in theirs if gone or lost else ():  # (nothing read otherwise)
        if kind not in ("view", "trigger", "index"):
            continue
        sig = significant(tokenize(sql))
        named = tables_named_in(sql, {*gone, *lost, *through}) - _local_names(sig)
        for key in sorted(named & gone.keys() - {fold(table)}):  # (one on it goes with it)
            raise SyncError(
                f"cannot drop {gone[key]}: {kind} {name!r}, which is ignored (inline_sync leaves "
                "it alone), names it and could not run afterwards (nor could any later ALTER "
                f"TABLE … RENAME, which checks every view and trigger). Declare {name!r}, or "
                "change or drop it yourself first; nothing was changed"
            )
        words = set(iter_names(sig))
        for key in sorted(named & lost.keys()):
            for col, (real, what) in sorted(lost[key].items()):
                if col not in words or not _breaks(kind, fold(table) == key, what):
                    continue
                raise SyncError(
                    f"cannot {_does(current, key, real, what)}: {kind} {name!r}, which is "
                    "ignored (inline_sync leaves it "
                    "alone), names it and "
                    + ("cannot outlive it" if kind == "index" else "could not run afterwards")
                    + ". Declare "
                    f"{name!r}, change or drop it yourself first"
                    # (A sync of its own renames by RENAME COLUMN, which rewrites theirs,
                    # unless the table's key forbids it: then the copy renames there too.)
                    + (", or rename the column in a sync of its own" if what == "remake" else "")
                    + "; nothing was changed"
                )
        for key in sorted(named & through.keys()):
            view, passed = through[key]
            for col, (real, what, ours) in sorted(passed.items()):
                if col in words:
                    raise SyncError(
                        f"cannot {_does(current, ours, real, what)}: {kind} {name!r}, which is "
                        f"ignored (inline_sync leaves it alone), reads it through view {view!r} "
                        f"(its *) and could not run afterwards. Declare {name!r}, change or "
                        "drop it yourself first; nothing was changed"
                    )


def _does(current: Schema, key: str, real: str, what: str) -> str:
    """What the plan does to column ``real`` of our table, virtual table or view ``key``."""
    owner = current.tables.get(key) or current.virtual_tables.get(key) or current.views[key]
    column = f"column {owner.name}.{real}"
    return {
        "drop": f"drop {column}",
        "rowid": f"make table {owner.name!r} WITHOUT ROWID (its {real})",
        "view": f"make view {owner.name!r} again without its column {real}",
    }.get(what, f"rename {column} in a rebuild of the table")


_ROWID_NAMES = ("rowid", "oid", "_rowid_")
_RENAMES = ("rename", "remake")


def _refuse_broken_content(
    theirs: tuple[tuple[str, str, str, str], ...],
    current: Schema,
    diffs: dict[str, TableDiff],
    renames: dict[str, str],
    gone: dict[str, str],
) -> None:
    """Refuse a plan that would leave an external content FTS index that is not ours unable
    to read its content table: fts4 and fts5 read it by its name and their columns' names
    (and the rowid or ``content_rowid``), which no ALTER TABLE rewrites, so a table renamed
    away or a column renamed (in any case but its own) breaks it as a drop does."""
    from .ddl import parse_virtual_table
    from .introspect import is_virtual
    from .virtual_tables import fts_reads

    moved = {old: f"rename table {current.tables[old].name!r}" for old in renames.values()}
    for kind, name, _, sql in theirs:
        reads = fts_reads(parse_virtual_table(sql)) if kind == "table" and is_virtual(sql) else None
        if reads is None:
            continue
        key, names = reads
        why = f"drop {gone[key]}" if key in gone else moved.get(key)
        dt = next((d for k, d in diffs.items() if renames.get(k, k) == key), None)
        if why is None and dt is not None:
            old = dt.current
            lost = {c.key: f"drop column {old.name}.{c.name}" for c in old.columns
                    if dt.desired.column(c.key) is None}  # fmt: skip
            lost.update((fold(a), f"rename column {old.name}.{a}") for a, b in dt.column_renames
                        if fold(a) != fold(b))  # fmt: skip
            if dt.desired.without_rowid and not old.without_rowid:
                lost.update((n, f"make table {old.name!r} WITHOUT ROWID") for n in _ROWID_NAMES)
            why = next((lost[n] for n in sorted(names) if n in lost), None)
        if why is not None:
            raise SyncError(
                f"cannot {why}: virtual table {name!r}, which is ignored (inline_sync leaves "
                "it alone), reads it as its external content by name and could not be read "
                f"afterwards. Declare {name!r}, or change or drop it yourself first; nothing "
                "was changed"
            )


def _local_names(sig: list[Token]) -> set[str]:
    """The names a statement gives itself, which are not the tables so named: an alias of
    something else (``FROM u AS t``; not ``FROM t AS t``) and a common table expression's
    (``WITH t AS (…)``, ``WITH t(a) AS (…)``)."""
    found = set()
    for i, tok in enumerate(sig):
        if not tok.is_name or (tok.kind is WORD and tok.text.upper() in RESERVED_WORDS):
            continue  # (the SELECT of CREATE VIEW v AS SELECT)
        # (No guard on i: SQLite stored the text, which neither starts nor ends with AS.)
        if sig[i - 1].keyword("AS") and sig[i - 2].folded != tok.folded:
            found.add(tok.folded)
        j = i + 1
        if j < len(sig) and sig[j].text == "(":  # a column list: past it
            j = next((k for k in range(j, len(sig)) if sig[k].text == ")"), len(sig)) + 1
        if j + 1 < len(sig) and sig[j].keyword("AS") and sig[j + 1].text == "(":
            found.add(tok.folded)
    return found


def _breaks(kind: str, on_it: bool, what: str) -> bool:
    """Whether a view, trigger or index that is not ours and names a column breaks when the
    column is dropped ("drop"; "rowid": a table made WITHOUT ROWID), renamed by the rebuild's
    copy ("rename": SQLite rewrites nothing) or renamed by RENAME COLUMN before a rebuild
    ("remake": what is on the table is made again from its old text). An index is made again
    on the new names."""
    if what not in _RENAMES:  # dropped, or a rowid gone
        return True
    if kind == "index":
        return False
    # (Of views and triggers, only a trigger is on a table: a view's tbl_name is its own.)
    return what == "rename" or on_it


def refuse_hint_cycles(
    table_hints: dict[str, str], current: Schema, desired: Schema, defs: dict[Any, Definition]
) -> None:
    """DefinitionError, naming the statement, for ``@renamed`` hints that form a cycle: two
    tables or columns swapped, or a rotation. The hints stay in the definitions, and a cycle
    made looks exactly like one still to make, so no plan can tell which it is."""
    from .definitions import definition_error
    from .names import hint_cycles, hinted_renames

    advice = "swap in two syncs, through a name of your own"
    vt_hints = hinted_renames(defs, desired.virtual_tables)
    for what, hints, before, after in (
        ("tables", table_hints, current.tables, desired.tables),
        ("virtual tables", vt_hints, current.virtual_tables, desired.virtual_tables),
    ):
        for cycle in hint_cycles(hints, before, after):
            names = " and ".join(after[k].name for k in cycle)
            raise definition_error(
                defs[("table", cycle[0])],
                f"the @renamed hints of {what} {names} form a cycle, which inline_sync cannot "
                f"tell from one already made: {advice}",
            )
    for key, table in desired.tables.items():
        d = defs.get(("table", key))
        old = current.tables.get(table_hints.get(key, key))
        if d is None or old is None or not d.column_renames:
            continue
        hints = {new: fold(was) for new, was in d.column_renames.items()}
        keys = ([c.key for c in old.columns], [c.key for c in table.columns])
        for cycle in hint_cycles(hints, *keys):
            names = " and ".join(table.column(k).name for k in cycle)  # type: ignore[union-attr]
            raise definition_error(
                d,
                f"the @renamed hints of columns {names} of table {table.name} form a cycle, "
                f"which inline_sync cannot tell from one already made: {advice}",
            )
