"""The schema model: immutable values describing tables, indexes, views and triggers.

Names are kept as written; ``key`` fields hold the folded name SQLite compares by. Every
fragment of SQL that takes part in a comparison is stored normalized (see
:func:`inline_sync.tokenizer.normalize`), so two objects compare equal exactly when they differ
only cosmetically.
"""

from __future__ import annotations

from .names import dependency_order as dependency_order  # (defined there: light to import)
from .names import fold
from .value import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Iterable

_NO_NAMES: frozenset[str] = frozenset()


class _Named:
    """Mixin: objects are looked up by their folded name."""

    __slots__ = ()
    name: str

    @property
    def key(self) -> str:
        """The folded name (SQLite compares names ASCII case-insensitively)."""
        return fold(self.name)


class Column(_Named, Value):
    """One column of a table, as far as it concerns the column alone."""

    name: str
    type: str  # normalized declared type, "" when none
    not_null: bool
    not_null_conflict: str
    default: str | None  # normalized expression
    collate: str | None  # folded collation name
    generated: str | None  # normalized expression of a generated column
    stored: bool  # a STORED (not VIRTUAL) generated column
    sql: str  # the column definition as written, for ALTER TABLE ADD COLUMN
    # Constraints that ALTER TABLE ADD COLUMN refuses (PRIMARY KEY, UNIQUE).
    has_key_constraint: bool
    references: bool  # the column carries a REFERENCES clause
    checks: tuple[str, ...]  # its column-level CHECK expressions, normalized

    __slots__ = (  # noqa: RUF023 (field order)
        "name",
        "type",
        "not_null",
        "not_null_conflict",
        "default",
        "collate",
        "generated",
        "stored",
        "sql",
        "has_key_constraint",
        "references",
        "checks",
    )

    def __init__(
        self,
        name: str,
        type: str,
        not_null: bool = False,
        not_null_conflict: str = "",
        default: str | None = None,
        collate: str | None = None,
        generated: str | None = None,
        stored: bool = False,
        sql: str = "",
        has_key_constraint: bool = False,
        references: bool = False,
        checks: tuple[str, ...] = (),
    ) -> None:
        self._init(
            name=name,
            type=type,
            not_null=not_null,
            not_null_conflict=not_null_conflict,
            default=default,
            collate=collate,
            generated=generated,
            stored=stored,
            sql=sql,
            has_key_constraint=has_key_constraint,
            references=references,
            checks=checks,
        )

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


class IndexedColumn(Value):
    """A column inside PRIMARY KEY (…) or UNIQUE (…)."""

    name: str  # folded
    collate: str
    desc: bool

    __slots__ = ("name", "collate", "desc")  # noqa: RUF023 (field order)

    def __init__(
        self,
        name: str,
        collate: str = "",
        desc: bool = False,
    ) -> None:
        self._init(name=name, collate=collate, desc=desc)


class KeyConstraint(Value):
    """A PRIMARY KEY or UNIQUE constraint, wherever it was written."""

    columns: tuple[IndexedColumn, ...]
    conflict: str
    autoincrement: bool
    # Column-level "INTEGER PRIMARY KEY DESC" is not a rowid alias while the table-level form
    # is (an SQLite quirk), so the two are told apart when DESC is involved.
    column_level_desc: bool
    name: str  # folded CONSTRAINT name, "" when none

    __slots__ = (  # noqa: RUF023 (field order)
        "columns",
        "conflict",
        "autoincrement",
        "column_level_desc",
        "name",
    )

    def __init__(
        self,
        columns: tuple[IndexedColumn, ...],
        conflict: str = "",
        autoincrement: bool = False,
        column_level_desc: bool = False,
        name: str = "",
    ) -> None:
        self._init(
            columns=columns,
            conflict=conflict,
            autoincrement=autoincrement,
            column_level_desc=column_level_desc,
            name=name,
        )


class ForeignKey(Value):
    """A foreign key, column-level REFERENCES and table-level FOREIGN KEY alike."""

    columns: tuple[str, ...]  # folded
    table: str  # folded name of the parent
    ref_columns: tuple[str, ...]  # folded; empty means the parent's primary key
    on_delete: str
    on_update: str
    match: str
    deferrable: str
    name: str  # folded CONSTRAINT name, "" when none

    __slots__ = (  # noqa: RUF023 (field order)
        "columns",
        "table",
        "ref_columns",
        "on_delete",
        "on_update",
        "match",
        "deferrable",
        "name",
    )

    def __init__(
        self,
        columns: tuple[str, ...],
        table: str,
        ref_columns: tuple[str, ...],
        on_delete: str = "NO ACTION",
        on_update: str = "NO ACTION",
        match: str = "",
        deferrable: str = "",
        name: str = "",
    ) -> None:
        self._init(
            columns=columns,
            table=table,
            ref_columns=ref_columns,
            on_delete=on_delete,
            on_update=on_update,
            match=match,
            deferrable=deferrable,
            name=name,
        )


class Check(Value):
    """A CHECK constraint: its optional name (folded) and normalized expression."""

    expression: str
    name: str
    sql: str  # as written, e.g. "CHECK (a > 0)"

    __slots__ = ("expression", "name", "sql")

    def __init__(
        self,
        expression: str,
        name: str = "",
        sql: str = "",
    ) -> None:
        self._init(expression=expression, name=name, sql=sql)


class Table(_Named, Value):
    """An ordinary table."""

    name: str
    sql: str
    columns: tuple[Column, ...]
    primary_key: KeyConstraint | None
    uniques: tuple[KeyConstraint, ...]  # sorted, so order of writing does not matter
    checks: tuple[Check, ...]  # sorted
    foreign_keys: tuple[ForeignKey, ...]  # sorted
    strict: bool
    without_rowid: bool

    __slots__ = (  # noqa: RUF023 (field order)
        "name",
        "sql",
        "columns",
        "primary_key",
        "uniques",
        "checks",
        "foreign_keys",
        "strict",
        "without_rowid",
    )

    def __init__(
        self,
        name: str,
        sql: str,
        columns: tuple[Column, ...],
        primary_key: KeyConstraint | None = None,
        uniques: tuple[KeyConstraint, ...] = (),
        checks: tuple[Check, ...] = (),
        foreign_keys: tuple[ForeignKey, ...] = (),
        strict: bool = False,
        without_rowid: bool = False,
    ) -> None:
        self._init(
            name=name,
            sql=sql,
            columns=columns,
            primary_key=primary_key,
            uniques=uniques,
            checks=checks,
            foreign_keys=foreign_keys,
            strict=strict,
            without_rowid=without_rowid,
        )

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


class VirtualTable(_Named, Value):
    """A virtual table (fts5, rtree, vec0, …)."""

    name: str
    sql: str
    module: str  # folded
    arguments: str  # normalized module arguments

    __slots__ = ("name", "sql", "module", "arguments")  # noqa: RUF023 (field order)

    def __init__(
        self,
        name: str,
        sql: str,
        module: str,
        arguments: str,
    ) -> None:
        self._init(name=name, sql=sql, module=module, arguments=arguments)


class Index(_Named, Value):
    """An index made by CREATE INDEX (auto-indexes belong to their table)."""

    name: str
    table: str  # folded
    sql: str
    definition: str  # normalized text after the name
    names: frozenset[str]  # folded names it mentions

    __slots__ = ("name", "table", "sql", "definition", "names")  # noqa: RUF023 (field order)

    def __init__(
        self,
        name: str,
        table: str,
        sql: str,
        definition: str,
        names: frozenset[str] = _NO_NAMES,
    ) -> None:
        self._init(name=name, table=table, sql=sql, definition=definition, names=names)


class View(_Named, Value):
    """A view."""

    name: str
    sql: str
    definition: str
    names: frozenset[str]

    __slots__ = ("name", "sql", "definition", "names")  # noqa: RUF023 (field order)

    def __init__(
        self,
        name: str,
        sql: str,
        definition: str,
        names: frozenset[str] = _NO_NAMES,
    ) -> None:
        self._init(name=name, sql=sql, definition=definition, names=names)


class Trigger(_Named, Value):
    """A trigger."""

    name: str
    table: str  # folded name of the table or view it is attached to
    sql: str
    definition: str
    names: frozenset[str]

    __slots__ = ("name", "table", "sql", "definition", "names")  # noqa: RUF023 (field order)

    def __init__(
        self,
        name: str,
        table: str,
        sql: str,
        definition: str,
        names: frozenset[str] = _NO_NAMES,
    ) -> None:
        self._init(name=name, table=table, sql=sql, definition=definition, names=names)


class Schema(Value):
    """Everything inline_sync manages in one database, keyed by folded name."""

    tables: dict[str, Table]
    virtual_tables: dict[str, VirtualTable]
    indexes: dict[str, Index]
    views: dict[str, View]
    triggers: dict[str, Trigger]

    __slots__ = (  # noqa: RUF023 (field order)
        "tables",
        "virtual_tables",
        "indexes",
        "views",
        "triggers",
    )

    def __init__(
        self,
        tables: dict[str, Table] | None = None,
        virtual_tables: dict[str, VirtualTable] | None = None,
        indexes: dict[str, Index] | None = None,
        views: dict[str, View] | None = None,
        triggers: dict[str, Trigger] | None = None,
    ) -> None:
        self._init(
            tables={} if tables is None else tables,
            virtual_tables={} if virtual_tables is None else virtual_tables,
            indexes={} if indexes is None else indexes,
            views={} if views is None else views,
            triggers={} if triggers is None else triggers,
        )


def free_rowid_name(columns: Iterable[str]) -> str | None:
    """The first of SQLite's rowid names that no column (folded names) takes, if any."""
    taken = set(columns)
    return next((n for n in ("rowid", "_rowid_", "oid") if n not in taken), None)
