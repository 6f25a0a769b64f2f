"""Read a schema: turn ``sqlite_schema`` rows into a :class:`~inline_sync.models.Schema`.

The live database and the scratch copy both come through :func:`build_schema`, so they are
described by exactly the same code.
"""

from __future__ import annotations

from collections.abc import Callable

from .ddl import (
    ParseError,
    parse_index,
    parse_table,
    parse_trigger,
    parse_view,
    parse_virtual_table,
)
from .errors import SyncError
from .models import Schema
from .tokenizer import fold

Row = tuple[str, str, str, str]


def build_schema(rows: list[Row], skip: Callable[[str], bool], shadow: set[str]) -> Schema:
    """A Schema from (type, name, tbl_name, sql) rows, leaving out ignored and shadow tables
    and the indexes and triggers that belong to them."""
    schema = Schema()
    shadow_keys = {fold(s) for s in shadow}
    for kind, name, tbl_name, sql in rows:
        key = fold(name)
        if key in shadow_keys or skip(name):
            continue
        if kind in ("index", "trigger") and (skip(tbl_name) or fold(tbl_name) in shadow_keys):
            continue
        try:
            if kind == "table":
                if sql[:14].upper().startswith("CREATE VIRTUAL"):
                    schema.virtual_tables[key] = parse_virtual_table(sql)
                else:
                    schema.tables[key] = parse_table(sql)
            elif kind == "index":
                schema.indexes[key] = parse_index(sql)
            elif kind == "view":
                schema.views[key] = parse_view(sql)
            elif kind == "trigger":
                schema.triggers[key] = parse_trigger(sql)
        except ParseError as exc:
            raise SyncError(f"cannot read the {kind} {name!r}: {exc}\n  {sql}") from None
    return schema
