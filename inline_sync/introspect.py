"""Read a schema: turn ``sqlite_schema`` rows into a :class:`~inline_sync.models.Schema`.

The live database and the scratch copy both come through :func:`build_schema`, so they are
described by exactly the same code.
"""

from __future__ import annotations

from .errors import SyncError
from .names import fold

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Callable

    from .models import Schema

Row = tuple[str, str, str, str]


def _kept(rows: list[Row], skip: Callable[[str], bool], shadow: set[str]) -> list[Row]:
    if not shadow:  # the common case, and every plan does it twice
        return [
            row
            for row in rows
            if not skip(row[1]) and not (row[0] in ("index", "trigger") and skip(row[2]))
        ]
    shadow_keys = {fold(s) for s in shadow}
    return [
        row
        for row in rows
        # Only a table is a shadow table: a trigger has a namespace of its own and may be
        # named like one (an fts5 table "docs" and a trigger "docs_data").
        if not (row[0] == "table" and fold(row[1]) in shadow_keys)
        and not skip(row[1])
        and not (row[0] in ("index", "trigger") and (skip(row[2]) or fold(row[2]) in shadow_keys))
    ]


def is_virtual(sql: str) -> bool:
    """True for the stored SQL of a virtual table."""
    return sql[:14].upper().startswith("CREATE VIRTUAL")


def same_text(
    current: list[Row],
    desired: list[Row],
    skip: Callable[[str], bool],
    shadow: set[str],
    desired_shadow: set[str],
) -> bool:
    """True when both sides hold exactly the same objects with exactly the same SQL text: the
    common case of a database that inline_sync itself brought up to date, settled without
    parsing anything."""

    def key(rows: list[Row]) -> set[tuple[str, str, str]]:
        return {(t, fold(n), s) for t, n, _, s in rows}

    return key(_kept(current, skip, shadow)) == key(_kept(desired, skip, desired_shadow))


def build_schema(rows: list[Row], skip: Callable[[str], bool], shadow: set[str]) -> Schema:
    """A Schema from (type, name, tbl_name, sql) rows, leaving out ignored and shadow tables
    and the indexes and triggers that belong to them."""
    # The DDL parser and the schema model load only when the two sides differ.
    from .ddl import (
        ParseError,
        parse_index,
        parse_table,
        parse_trigger,
        parse_view,
        parse_virtual_table,
        quotable_names,
    )
    from .models import Schema

    schema = Schema()
    indexes = []
    for kind, name, tbl_name, sql in _kept(rows, skip, shadow):
        key = fold(name)
        try:
            if kind == "table":
                if is_virtual(sql):
                    schema.virtual_tables[key] = parse_virtual_table(sql)
                else:
                    schema.tables[key] = parse_table(sql)
            elif kind == "index":
                indexes.append((key, name, tbl_name, sql))  # read against its table's columns
            elif kind == "view":
                schema.views[key] = parse_view(sql)
            elif kind == "trigger":
                schema.triggers[key] = parse_trigger(sql)
        except ParseError as exc:
            raise SyncError(f"cannot read the {kind} {name!r}: {exc}\n  {sql}") from None
    for key, name, tbl_name, sql in indexes:
        try:
            table = schema.tables.get(fold(tbl_name))
            schema.indexes[key] = parse_index(sql, quotable_names(table))
        except ParseError as exc:
            raise SyncError(f"cannot read the index {name!r}: {exc}\n  {sql}") from None
    return schema
