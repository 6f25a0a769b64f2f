"""Write a database's schema out as definitions: :func:`inspect`, and ``inline-sync inspect``.

This is how a team adopts inline_sync on a database it already has: export the schema, commit
it, and from then on sync to it. The guarantee (tested over the whole conformance corpus) is
that ``plan(db, inspect(db))`` finds nothing to do.

Only the user's objects are written: not SQLite's own (``sqlite_*``, automatic indexes), not the
platform's (``_cf_*``), not inline_sync's state table, migration bookkeeping tables, the shadow
tables of virtual tables, nor what ``ignore`` names. Each object's SQL is written as SQLite
stored it, in dependency order: tables (parents before the tables that reference them), each
followed by its indexes, then virtual tables, views (after the views they read), and triggers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .clients import make_client
from .introspect import build_schema
from .models import Schema, dependency_order
from .names import ignore_filter
from .scratch import read_objects, read_shadow_tables
from .tokenizer import COMMENT, fold, splice, tokenize

_HINT = re.compile(r"@renamed\s+from\s*=\s*\S+")


@dataclass(frozen=True)
class ExportedObject:
    """One object of an exported schema: its ``kind``, ``name``, the ``group`` it belongs with
    (the table an index or trigger is on; itself otherwise) and its ``sql`` ending with ``;``."""

    kind: str
    name: str
    group: str
    sql: str


def inspect(client: Any, *, ignore: Iterable[str] = ()) -> str:
    """The schema of the database behind ``client`` as definitions (CREATE statements).

    ``client`` is anything :func:`inline_sync.sync` accepts. The text can be given straight back
    to :func:`inline_sync.sync` or :func:`inline_sync.plan`, which then find nothing to do.
    ``ignore`` leaves more tables (names or globs) out, as in ``sync()``. Reads only.
    """
    return "\n".join(o.sql + "\n" for o in inspect_objects(client, ignore=ignore))


def inspect_objects(client: Any, *, ignore: Iterable[str] = ()) -> list[ExportedObject]:
    """The objects :func:`inspect` writes, in the same order."""
    c = make_client(client)
    skip = ignore_filter(ignore)
    rows = read_objects(c, "main")
    schema = build_schema(rows, skip, read_shadow_tables(c, "main", rows))
    return order_objects(schema)


def order_objects(schema: Schema) -> list[ExportedObject]:
    """The objects of ``schema`` in an order in which they can be created one by one."""
    out: list[ExportedObject] = []
    indexes_on: dict[str, list[str]] = {}
    for key, index in schema.indexes.items():
        indexes_on.setdefault(index.table, []).append(key)

    def parents(key: str) -> set[str]:
        return {fold(fk.table) for fk in schema.tables[key].foreign_keys}

    for key in dependency_order(list(schema.tables), parents):
        table = schema.tables[key]
        out.append(ExportedObject("table", table.name, table.name, _clean(table.sql)))
        for index_key in indexes_on.pop(key, []):
            index = schema.indexes[index_key]
            out.append(ExportedObject("index", index.name, table.name, _clean(index.sql)))
    for vtable in schema.virtual_tables.values():
        out.append(ExportedObject("virtual table", vtable.name, vtable.name, _clean(vtable.sql)))
    for index_keys in indexes_on.values():  # on a table left out (ignored): keep them anyway
        for index_key in index_keys:
            index = schema.indexes[index_key]
            out.append(ExportedObject("index", index.name, index.table, _clean(index.sql)))

    def reads(key: str) -> set[str]:
        return set(schema.views[key].names)

    for key in dependency_order(list(schema.views), reads):
        view = schema.views[key]
        out.append(ExportedObject("view", view.name, view.name, _clean(view.sql)))
    owners = {fold(o.name): o.name for o in out if o.kind != "index"}
    for trigger in schema.triggers.values():
        group = owners.get(trigger.table, trigger.table)
        out.append(ExportedObject("trigger", trigger.name, group, _clean(trigger.sql)))
    return out


def _clean(sql: str) -> str:
    """The stored SQL ending with ``;``, without ``@renamed`` hints: they were applied when the
    object was synced, and would otherwise ask for the rename again."""
    edits = []
    for tok in tokenize(sql):
        if tok.kind is COMMENT and _HINT.search(tok.text):
            text = _HINT.sub("", tok.text)
            bare = text.strip()
            edits.append((tok, "" if bare in ("--", "/**/", "/* */") else text.rstrip()))
    text = splice(sql, edits) if edits else sql
    return text.rstrip().rstrip(";").rstrip() + ";"


def file_names(objects: list[ExportedObject]) -> dict[str, list[ExportedObject]]:
    """One file per table (with its indexes and triggers), virtual table and view, numbered in
    the order of ``objects`` so that reading the directory in name order keeps that order."""
    groups: dict[str, list[ExportedObject]] = {}
    for obj in objects:
        groups.setdefault(fold(obj.group), []).append(obj)
    width = max(2, len(str(len(groups))))
    named: dict[str, list[ExportedObject]] = {}
    for number, members in enumerate(groups.values(), 1):
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", members[0].group).strip("._") or "object"
        named[f"{number:0{width}d}_{stem}.sql"] = members
    return named
