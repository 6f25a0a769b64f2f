"""Compare a current table with its desired form and decide the cheapest safe change.

The answer is an ALTER (rename, add, drop column, and on SQLite 3.53+ NOT NULL and CHECK
changes) whenever SQLite can make it and the result is the same schema, otherwise a rebuild.
"""

from __future__ import annotations

from collections import Counter

from .capabilities import PROBES as PROBES  # re-exported: part of the diff stage's API
from .capabilities import Capabilities as Capabilities
from .ddl import parse_index
from .names import followed_renames
from .tokenizer import COMMENT, RESERVED_WORDS, WORD, fold, quote, splice, tokenize
from .value import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import TypeVar

    from .models import Check, Column, ForeignKey, Index, KeyConstraint, Table

    _Constraint = TypeVar("_Constraint", KeyConstraint, ForeignKey)


class TableDiff(Value):
    """How one table that exists on both sides gets from current to desired."""

    current: Table
    desired: Table
    column_renames: tuple[tuple[str, str], ...]  # (old, new), by ALTER … RENAME COLUMN
    rebuild: bool
    added: tuple[Column, ...]
    dropped: tuple[str, ...]
    set_not_null: tuple[str, ...]
    drop_not_null: tuple[str, ...]
    add_checks: tuple[Check, ...]
    drop_checks: tuple[Check, ...]
    reasons: tuple[str, ...]

    __slots__ = (  # noqa: RUF023 (field order)
        "current",
        "desired",
        "column_renames",
        "rebuild",
        "added",
        "dropped",
        "set_not_null",
        "drop_not_null",
        "add_checks",
        "drop_checks",
        "reasons",
    )

    def __init__(
        self,
        current: Table,
        desired: Table,
        column_renames: tuple[tuple[str, str], ...] = (),
        rebuild: bool = False,
        added: tuple[Column, ...] = (),
        dropped: tuple[str, ...] = (),
        set_not_null: tuple[str, ...] = (),
        drop_not_null: tuple[str, ...] = (),
        add_checks: tuple[Check, ...] = (),
        drop_checks: tuple[Check, ...] = (),
        reasons: tuple[str, ...] = (),
    ) -> None:
        self._init(
            current=current,
            desired=desired,
            column_renames=column_renames,
            rebuild=rebuild,
            added=added,
            dropped=dropped,
            set_not_null=set_not_null,
            drop_not_null=drop_not_null,
            add_checks=add_checks,
            drop_checks=drop_checks,
            reasons=reasons,
        )

    @property
    def changed(self) -> bool:
        """True when anything at all must change."""
        return bool(
            self.rebuild or self.column_renames or self.added or self.dropped
            or self.set_not_null or self.drop_not_null or self.add_checks or self.drop_checks
        )  # fmt: skip

    @property
    def only_adds_columns(self) -> bool:
        """True when the change is nothing but ADD COLUMN (views and triggers keep working)."""
        return self.changed and not (
            self.rebuild or self.column_renames or self.dropped or self.set_not_null
            or self.drop_not_null or self.add_checks or self.drop_checks
        )  # fmt: skip


#: Keywords that may also be names, and the words before them that make them keywords there
#: (PRIMARY KEY, NO ACTION, ON DELETE CASCADE …): a column named key is not the KEY of
#: PRIMARY KEY, and renaming it must leave that alone.
_PHRASES: dict[str, frozenset[str]] = {
    "KEY": frozenset({"PRIMARY", "FOREIGN"}),
    "ACTION": frozenset({"NO"}),
    "CONFLICT": frozenset({"ON"}),
    "CASCADE": frozenset({"DELETE", "UPDATE"}),
    "RESTRICT": frozenset({"DELETE", "UPDATE"}),
    "DEFERRED": frozenset({"INITIALLY"}),
    "IMMEDIATE": frozenset({"INITIALLY"}),
    "INITIALLY": frozenset({"DEFERRABLE"}),
    "ALWAYS": frozenset({"GENERATED"}),
    "AUTOINCREMENT": frozenset({"KEY", "ASC", "DESC"}),
    "REPLACE": frozenset({"CONFLICT"}),
    "IGNORE": frozenset({"CONFLICT"}),
    "ABORT": frozenset({"CONFLICT"}),
    "FAIL": frozenset({"CONFLICT"}),
    "ROLLBACK": frozenset({"CONFLICT"}),
    "FIRST": frozenset({"NULLS"}),
    "LAST": frozenset({"NULLS"}),
    "STORED": frozenset({")"}),
    "VIRTUAL": frozenset({")"}),
}
#: Words after which a table's name stands in a CREATE TABLE or CREATE INDEX statement.
_TABLE_AFTER = frozenset({"TABLE", "EXISTS", "REFERENCES", "ON"})


def rename_names(sql: str, renames: dict[str, str], what: str = "") -> str:
    """``sql`` (a CREATE TABLE or CREATE INDEX statement) with every name token in
    ``renames`` (folded old -> new) replaced, quoted; never a bare keyword where it is one
    (the KEY of PRIMARY KEY, for a column named key). ``what``: "tables" renames only where a
    table's name stands (its own, after REFERENCES or ON, before a dot), "columns" only
    elsewhere, as SQLite's RENAME TO and RENAME COLUMN do; "" both."""
    edits = []
    sig = [t for t in tokenize(sql) if t.kind is not COMMENT]
    own = next((t.folded for j, t in enumerate(sig[1:], 1) if sig[j - 1].keyword("TABLE")), "")
    theirs = False  # in the column list of REFERENCES <another table>: its columns, not ours
    depth = 0
    for i, tok in enumerate(sig):
        prev = sig[i - 1] if i else None
        if tok.text == "(" and i > 1 and sig[i - 2].keyword("REFERENCES"):
            theirs = what == "columns" and sig[i - 1].folded != own
        elif tok.text == ")":
            theirs = False
        depth += (tok.text == "(") - (tok.text == ")")
        if own and tok.text == ")" and not depth:
            break  # a table's options follow its column list: words (STRICT, WITHOUT ROWID)
        if theirs:
            continue
        phrase = _PHRASES.get(tok.text.upper()) if tok.kind is WORD else None
        if phrase is not None and prev is not None and prev.text.upper() in phrase:
            continue
        if tok.kind is WORD and tok.text.upper() in RESERVED_WORDS:
            continue  # the keyword itself (DEFAULT, CHECK): a column so named is quoted
        if not tok.names_object(prev) or tok.folded not in renames:
            continue
        if what:
            after_main = prev is not None and prev.text == "." and sig[i - 2].folded == "main"
            table_place = (
                (prev is not None and prev.keyword(*_TABLE_AFTER))
                or (i + 1 < len(sig) and sig[i + 1].text == ".")
                or after_main
            )
            if table_place != (what == "tables"):
                continue
        edits.append((tok, quote(renames[tok.folded])))
    return splice(sql, edits)


def renamed_index(
    index: Index,
    tables: dict[str, str],
    columns: dict[str, str],
    names: frozenset[str] | None = None,
) -> Index:
    """``index`` as SQLite's RENAME TO (``tables``: folded old -> new name) and RENAME COLUMN
    of its table (``columns``: folded old -> new) leave it. Tables and columns apart: a table
    renamed from a name one of its columns also has does not rename that column. ``names``:
    what a double-quoted word in it may name then (:func:`~inline_sync.ddl.parse_index`)."""
    sql = rename_names(index.sql, tables, "tables") if tables else index.sql
    sql = rename_names(sql, columns, "columns") if columns else sql
    return index if sql == index.sql and names is None else parse_index(sql, names)


def rename_references(
    sql: str, tables: dict[str, str], columns: dict[str, dict[str, str]] | None = None
) -> str:
    """``sql`` with its foreign keys following renamed parents, as SQLite rewrites the other
    tables when it runs ``ALTER TABLE … RENAME TO`` (``tables``: folded old name -> new name)
    and ``RENAME COLUMN`` (``columns``: folded parent name -> folded old column -> new)."""
    columns = columns or {}
    tokens = [t for t in tokenize(sql) if t.kind is not COMMENT]
    edits = []
    for i, tok in enumerate(tokens[:-1]):
        if not tok.keyword("REFERENCES"):
            continue
        parent = tokens[i + 1]
        if parent.folded in tables:
            edits.append((parent, quote(tables[parent.folded])))
        moved = columns.get(parent.folded, {})
        if moved and i + 2 < len(tokens) and tokens[i + 2].text == "(":
            for col in tokens[i + 3 :]:
                if col.text == ")":
                    break
                if col.is_name and col.folded in moved:
                    edits.append((col, quote(moved[col.folded])))
    return splice(sql, edits)


def _describe(a: Column, b: Column) -> list[str]:
    what = []
    for label, x, y in (
        ("type", a.type or "(none)", b.type or "(none)"),
        ("NOT NULL", a.not_null, b.not_null),
        ("ON CONFLICT", a.not_null_conflict, b.not_null_conflict),
        ("DEFAULT", a.default, b.default),
        ("COLLATE", a.collate, b.collate),
        ("generated expression", a.generated, b.generated),
        ("STORED", a.stored, b.stored),
    ):
        if x != y:
            what.append(f"column {b.name}: {label} {x} -> {y}")
    return what


def _surplus(checks: list[Check], extra: Counter[tuple[str, str]]) -> list[Check]:
    """The first ``extra[k]`` of ``checks`` of each key k = (expression, name), in order."""
    out = []
    for check in checks:
        key = (check.expression, check.name)
        if extra[key]:
            extra[key] -= 1
            out.append(check)
    return out


def _unnamed(item: _Constraint | None) -> _Constraint | None:
    return None if item is None else item.replace(name="")


def _unnamed_all(items: Iterable[_Constraint]) -> list[str]:
    return sorted(repr(i.replace(name="")) for i in items)


def _renamed(
    kind: str, current: Iterable[_Constraint | None], desired: Iterable[_Constraint | None]
) -> list[str]:
    """Reasons for constraints that differ only by their CONSTRAINT name (SQLite keeps names
    in the schema text and in error messages, so the declared ones are applied)."""
    by_shape = {repr(_unnamed(c)): c.name for c in current if c is not None}
    reasons = []
    for c in desired:
        if c is None:
            continue
        old = by_shape.get(repr(_unnamed(c)), c.name)
        if old != c.name:
            reasons.append(f"{kind} constraint name {old or '(none)'} -> {c.name or '(none)'}")
    return reasons


def _is_constant_default(col: Column) -> bool:
    d = col.default
    if d is None:
        return True
    return not (d.startswith("(") or d in ("current_time", "current_date", "current_timestamp"))


def renames_by_alter(
    renames: tuple[tuple[str, str], ...], caps: Capabilities, table: Table | None = None
) -> bool:
    """Whether ALTER TABLE … RENAME COLUMN can make these (old, new) renames in ``table``:
    SQLite 3.54 refuses it from or to a rowid name, whatever the table's other columns, and
    every version a WITHOUT ROWID table's PRIMARY KEY column that a UNIQUE also covers."""
    if not caps.rename_column or (table is not None and _key_in_unique(table, renames)):
        return False
    rowid_names = ("rowid", "oid", "_rowid_")
    return caps.rename_rowid_column or not any(fold(n) in rowid_names for r in renames for n in r)


def _key_in_unique(table: Table, renames: tuple[tuple[str, str], ...]) -> bool:
    pk = table.primary_key
    if not table.without_rowid or pk is None:
        return False
    names = {fold(n) for r in renames for n in r}
    keys = {c.name for c in pk.columns} & names
    return any(keys & {c.name for c in u.columns} for u in table.uniques)


def column_renames(
    current: Table, desired: Table, followed: dict[str, str]
) -> list[tuple[str, str]]:
    """The (old, new) column names RENAME COLUMN takes ``current`` through to ``desired``: the
    ``@renamed`` hints followed (new -> old, folded), then each column declared in another
    case (SQLite names result columns, ``SELECT *``, as declared: a rename too)."""
    renames = [
        (current.column(old).name, desired.column(new).name)  # type: ignore[union-attr]
        for new, old in followed.items()
    ]
    moved = set(followed) | set(followed.values())
    renames += [
        (c.name, d.name)
        for d in desired.columns
        if d.key not in moved and (c := current.column(d.key)) is not None and c.name != d.name
    ]
    return renames


def compare_table(
    current: Table,
    desired: Table,
    hints: dict[str, str],
    caps: Capabilities,
    has_rows: Callable[[], bool],
) -> TableDiff:
    """Decide how to turn ``current`` into ``desired``.

    ``hints`` maps desired column names (folded) to their old names from ``@renamed`` hints.
    ``has_rows`` is asked only when the answer decides between ADD COLUMN and a rebuild.
    """
    from .ddl import parse_table  # the DDL parser loads only when tables are compared

    followed = followed_renames(
        {new: fold(old) for new, old in hints.items()},
        [c.key for c in current.columns],
        [c.key for c in desired.columns],
    )
    renames = column_renames(current, desired, followed)
    if renames:
        # What RENAME COLUMN leaves behind: every mention of the old name follows. Where SQLite
        # has no RENAME COLUMN the rebuild's copy renames (column_mapping reads the old names
        # back from column_renames), so the values move to the new name there too.
        current = parse_table(
            rename_names(current.sql, {fold(o): n for o, n in renames}, "columns")
        )
        if not caps.rename_column:
            return TableDiff(
                current, desired, column_renames=tuple(renames), rebuild=True,
                reasons=("rename columns (by rebuild: SQLite < 3.25)",),
            )  # fmt: skip

    reasons: list[str] = [f"rename column {o} -> {n}" for o, n in renames]
    rebuild: list[str] = []
    if renames and not renames_by_alter(tuple(renames), caps):
        rebuild.append("renamed by the copy (SQLite refuses to rename rowid, oid or _rowid_)")
    elif renames and not renames_by_alter(tuple(renames), caps, current):
        rebuild.append("renamed by the copy (SQLite refuses to rename this key column)")
    cur_by_key = {c.key: c for c in current.columns}
    des_keys = [c.key for c in desired.columns]
    des_set = set(des_keys)
    dropped = [c for c in current.columns if c.key not in des_set]
    added = [c for c in desired.columns if c.key not in cur_by_key]
    common_cur = [c.key for c in current.columns if c.key in des_set]
    common_des = [k for k in des_keys if k in cur_by_key]
    if common_cur != common_des:
        rebuild.append("column order changes")
    if added and des_keys[len(des_keys) - len(added) :] != [c.key for c in added]:
        rebuild.append(f"new column {added[0].name} is not after all existing columns")

    set_nn: list[str] = []
    drop_nn: list[str] = []
    for key in common_des:
        a = cur_by_key[key]
        b = desired.column(key)
        assert b is not None
        if a.signature() == b.signature():
            continue
        if (
            a.signature_without_not_null() == b.signature_without_not_null()
            and not b.not_null_conflict
            and a.generated is None
            and caps.alter_not_null
        ):
            (set_nn if b.not_null else drop_nn).append(b.name)
        else:
            rebuild.extend(_describe(a, b))

    if current.strict != desired.strict:
        rebuild.append("STRICT " + ("added" if desired.strict else "removed"))
    if current.without_rowid != desired.without_rowid:
        rebuild.append("WITHOUT ROWID " + ("added" if desired.without_rowid else "removed"))
    if _unnamed(current.primary_key) != _unnamed(desired.primary_key):
        rebuild.append("PRIMARY KEY or AUTOINCREMENT changes")
    else:
        rebuild += _renamed("PRIMARY KEY", [current.primary_key], [desired.primary_key])
    if _unnamed_all(current.uniques) != _unnamed_all(desired.uniques):
        rebuild.append("UNIQUE constraints change")
    else:
        rebuild += _renamed("UNIQUE", current.uniques, desired.uniques)

    added_keys = {c.key for c in added}
    dropped_keys = {c.key for c in dropped}
    for col in added:
        if col.has_key_constraint:
            rebuild.append(f"new column {col.name} is a PRIMARY KEY or UNIQUE")
        elif col.generated is not None and col.stored:
            rebuild.append(f"new column {col.name} is a STORED generated column")
        elif col.references and col.default not in (None, "null"):
            rebuild.append(f"new column {col.name} has a REFERENCES clause and a default")
        elif (
            (col.not_null and col.default in (None, "null") and col.generated is None)
            or not _is_constant_default(col)
        ) and has_rows():
            rebuild.append(
                f"new column {col.name} needs a rebuild on a non-empty table "
                "(NOT NULL without a default, or a non-constant default)"
            )

    # Foreign keys: those of added columns come with ADD COLUMN; dropped columns may not have any.
    def fk_of_added(fk: ForeignKey) -> bool:
        if len(fk.columns) != 1 or fk.columns[0] not in added_keys:
            return False
        col = desired.column(fk.columns[0])
        return col is not None and col.references

    des_fks = [fk for fk in desired.foreign_keys if not fk_of_added(fk)]
    if any(set(fk.columns) & dropped_keys for fk in current.foreign_keys):
        rebuild.append("a dropped column is part of a foreign key")
    elif _unnamed_all(des_fks) != _unnamed_all(current.foreign_keys):
        rebuild.append("foreign keys change")
    else:
        rebuild += _renamed("FOREIGN KEY", current.foreign_keys, des_fks)

    for col in dropped:
        if (
            col.has_key_constraint
            or any(col.key in {ic.name for ic in u.columns} for u in current.uniques)
            or (current.primary_key and col.key in {ic.name for ic in current.primary_key.columns})
        ):
            rebuild.append(f"dropped column {col.name} is part of a PRIMARY KEY or UNIQUE")
        elif not caps.drop_column:
            rebuild.append(f"drop column {col.name} (by rebuild: SQLite < 3.35)")
        elif any(
            c.generated is not None and col.key in c.generated.split() for c in desired.columns
        ):
            rebuild.append(f"dropped column {col.name} is used by a generated column")

    # CHECK constraints: column-level ones travel with ADD/DROP COLUMN, named or not (DROP
    # COLUMN removes a named one too: a DROP CONSTRAINT after it finds nothing).
    dropped_checks = Counter(e for c in dropped for e in c.checks)
    remaining = []
    for check in current.checks:
        if dropped_checks[check.expression]:
            dropped_checks[check.expression] -= 1
        else:
            remaining.append(check)
    added_checks = Counter(e for c in added for e in c.checks)
    wanted = []
    for check in desired.checks:
        if added_checks[check.expression]:
            added_checks[check.expression] -= 1
        else:
            wanted.append(check)
    rem = Counter((c.expression, c.name) for c in remaining)
    want = Counter((c.expression, c.name) for c in wanted)
    to_add = _surplus(wanted, want - rem)  # (a CHECK may be declared more than once)
    to_drop = _surplus(remaining, rem - want)
    if any(set(c.expression.split()) & dropped_keys for c in remaining):
        rebuild.append("a remaining CHECK constraint uses a dropped column")
    if to_add or to_drop:
        if not caps.alter_checks:
            rebuild.append("CHECK constraints change")
        elif any(not c.name for c in to_drop):
            rebuild.append("an unnamed CHECK constraint is removed")

    # A generated column's values come from the others: dropping it loses nothing.
    reasons += [f"drop generated column {c.name}" for c in dropped if c.generated is not None]
    if rebuild:  # what it adds, as ADD COLUMN says it (the planner adds the columns it drops)
        reasons += [f"add column {c.name}" for c in added]
        return TableDiff(
            current, desired, column_renames=tuple(renames), rebuild=True,
            reasons=(*reasons, *rebuild),
        )  # fmt: skip
    reasons += [f"drop column {c.name}" for c in dropped if c.generated is None]
    reasons += [f"add column {c.name}" for c in added]
    reasons += [f"set NOT NULL on {n}" for n in set_nn]
    reasons += [f"drop NOT NULL on {n}" for n in drop_nn]
    reasons += [f"add CHECK ({c.expression})" for c in to_add]
    reasons += [f"drop CHECK constraint {c.name}" for c in to_drop]
    return TableDiff(
        current,
        desired,
        column_renames=tuple(renames),
        added=tuple(added),
        dropped=tuple(c.name for c in dropped),
        set_not_null=tuple(set_nn),
        drop_not_null=tuple(drop_nn),
        add_checks=tuple(to_add),
        drop_checks=tuple(to_drop),
        reasons=tuple(reasons),
    )


def loss_reasons(dt: TableDiff, lost: list[str]) -> tuple[str, ...]:
    """What a rebuild does to each lost column of ``dt`` (by its current name): drops it, or
    replaces its stored values with computed ones (a column made generated)."""
    made = {c.key for c in dt.desired.columns if c.generated is not None}
    return tuple(
        f"column {c} becomes generated: its stored values are replaced"
        if fold(c) in made
        else f"drop column {c}"
        for c in lost
    )
