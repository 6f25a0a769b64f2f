"""The schema model: frozen dataclasses describing tables, indexes, views and triggers.

Names are kept as written; ``key`` fields hold the folded name SQLite compares by. Every
fragment of SQL that takes part in a comparison is stored normalized (see
:func:`inline_sync.tokenizer.normalize`), so two objects compare equal exactly when they differ
only cosmetically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .tokenizer import fold


class _Named:
    """Mixin: objects are looked up by their folded name."""

    name: str

    @property
    def key(self) -> str:
        """The folded name (SQLite compares names ASCII case-insensitively)."""
        return fold(self.name)


@dataclass(frozen=True)
class Column(_Named):
    """One column of a table, as far as it concerns the column alone."""

    name: str
    type: str  # normalized declared type, "" when none
    not_null: bool = False
    not_null_conflict: str = ""
    default: str | None = None  # normalized expression
    collate: str | None = None  # folded collation name
    generated: str | None = None  # normalized expression of a generated column
    stored: bool = False  # a STORED (not VIRTUAL) generated column
    sql: str = ""  # the column definition as written, for ALTER TABLE ADD COLUMN
    # Constraints that ALTER TABLE ADD COLUMN refuses (PRIMARY KEY, UNIQUE).
    has_key_constraint: bool = False
    references: bool = False  # the column carries a REFERENCES clause
    checks: tuple[str, ...] = ()  # its column-level CHECK expressions, normalized

    def signature(self) -> tuple[object, ...]:
        """Everything about the column that a change to would need an ALTER or a rebuild."""
        return (
            self.key,
            self.type,
            self.not_null,
            self.not_null_conflict,
            self.default,
            self.collate,
            self.generated,
            self.stored,
        )

    def signature_without_not_null(self) -> tuple[object, ...]:
        """The signature minus NOT NULL, to spot changes ``ALTER COLUMN … NOT NULL`` can make."""
        return (self.key, self.type, self.default, self.collate, self.generated, self.stored)


@dataclass(frozen=True)
class IndexedColumn:
    """A column inside PRIMARY KEY (…) or UNIQUE (…)."""

    name: str  # folded
    collate: str = ""
    desc: bool = False


@dataclass(frozen=True)
class KeyConstraint:
    """A PRIMARY KEY or UNIQUE constraint, wherever it was written."""

    columns: tuple[IndexedColumn, ...]
    conflict: str = ""
    autoincrement: bool = False
    # Column-level "INTEGER PRIMARY KEY DESC" is not a rowid alias while the table-level form
    # is (an SQLite quirk), so the two are told apart when DESC is involved.
    column_level_desc: bool = False
    name: str = ""  # folded CONSTRAINT name, "" when none


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key, column-level REFERENCES and table-level FOREIGN KEY alike."""

    columns: tuple[str, ...]  # folded
    table: str  # folded name of the parent
    ref_columns: tuple[str, ...]  # folded; empty means the parent's primary key
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    match: str = ""
    deferrable: str = ""
    name: str = ""  # folded CONSTRAINT name, "" when none


@dataclass(frozen=True)
class Check:
    """A CHECK constraint: its optional name (folded) and normalized expression."""

    expression: str
    name: str = ""
    sql: str = ""  # as written, e.g. "CHECK (a > 0)"


@dataclass(frozen=True)
class Table(_Named):
    """An ordinary table."""

    name: str
    sql: str
    columns: tuple[Column, ...]
    primary_key: KeyConstraint | None = None
    uniques: tuple[KeyConstraint, ...] = ()  # sorted, so order of writing does not matter
    checks: tuple[Check, ...] = ()  # sorted
    foreign_keys: tuple[ForeignKey, ...] = ()  # sorted
    strict: bool = False
    without_rowid: bool = False

    def column(self, name: str) -> Column | None:
        """The column named ``name`` (any case), or None."""
        wanted = fold(name)
        for col in self.columns:
            if col.key == wanted:
                return col
        return None

    @property
    def autoincrement(self) -> bool:
        """True when the table uses AUTOINCREMENT (it has a row in sqlite_sequence)."""
        return self.primary_key is not None and self.primary_key.autoincrement

    def rowid_alias(self) -> str | None:
        """The folded name of the INTEGER PRIMARY KEY column that aliases the rowid, if any."""
        pk = self.primary_key
        if self.without_rowid or pk is None or len(pk.columns) != 1 or pk.column_level_desc:
            return None
        col = self.column(pk.columns[0].name)
        if col is None or col.type != "integer":
            return None
        return col.key

    def table_signature(self) -> tuple[object, ...]:
        """The table-level properties that only a rebuild can change (checks aside)."""
        return (self.primary_key, self.uniques, self.foreign_keys, self.strict, self.without_rowid)


@dataclass(frozen=True)
class VirtualTable(_Named):
    """A virtual table (fts5, rtree, vec0, …)."""

    name: str
    sql: str
    module: str  # folded
    arguments: str  # normalized module arguments


@dataclass(frozen=True)
class Index(_Named):
    """An index made by CREATE INDEX (auto-indexes belong to their table)."""

    name: str
    table: str  # folded
    sql: str
    definition: str  # normalized text after the name
    names: frozenset[str] = field(default_factory=frozenset)  # folded names it mentions


@dataclass(frozen=True)
class View(_Named):
    """A view."""

    name: str
    sql: str
    definition: str
    names: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Trigger(_Named):
    """A trigger."""

    name: str
    table: str  # folded name of the table or view it is attached to
    sql: str
    definition: str
    names: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Schema:
    """Everything inline_sync manages in one database, keyed by folded name."""

    tables: dict[str, Table] = field(default_factory=dict)
    virtual_tables: dict[str, VirtualTable] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)


def dependency_order(
    names: list[str], deps: Callable[[str], set[str] | frozenset[str]]
) -> list[str]:
    """``names`` ordered so each comes after those it depends on (cycles keep input order)."""
    order: list[str] = []
    state: dict[str, int] = {}
    pool = set(names)

    def visit(n: str) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            return  # a cycle: leave it where it is
        state[n] = 1
        for d in sorted(deps(n) & pool):
            if d != n:
                visit(d)
        state[n] = 2
        order.append(n)

    for n in names:
        visit(n)
    return order


def free_rowid_name(columns: Iterable[str]) -> str | None:
    """The first of SQLite's rowid names that no column (folded names) takes, if any."""
    taken = set(columns)
    return next((n for n in ("rowid", "_rowid_", "oid") if n not in taken), None)
