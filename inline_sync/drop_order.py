"""The order in which to drop tables while foreign keys stay enforced (Durable Objects, D1).

With foreign keys on, ``DROP TABLE x`` first runs an implicit ``DELETE FROM x``, and SQLite
compiles the ON DELETE actions (CASCADE, SET NULL, SET DEFAULT) of the tables referencing x
into it even when no row would be touched. The rows such an action changes are checked
against *their* parents, so the statement fails to compile ("no such table: main.p") when one
of those parents was dropped earlier. Between tables that reference each other in a cycle,
children-before-parents cannot be followed, and the order has to be chosen so that no DROP
reaches a table whose parent is already gone.
"""

from __future__ import annotations

from .definitions import TABLE
from .tokenizer import fold

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a first plan())
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .definitions import Definition
    from .diff import TableDiff
    from .models import ForeignKey, Schema

#: One foreign key of a table: (parent, ON DELETE action, ON UPDATE action, its columns, the
#: parent's columns it names; empty for the parent's primary key), names folded, the actions
#: upper-case ("CASCADE", "SET NULL", "NO ACTION" ...).
Link = tuple[str, str, str, tuple[str, ...], tuple[str, ...]]

_ACTS = frozenset({"CASCADE", "SET NULL", "SET DEFAULT"})


def fk_link(fk: ForeignKey) -> Link:
    """The Link of a foreign key."""
    return (fk.table, fk.on_delete, fk.on_update, fk.columns, fk.ref_columns)


def drop_order(
    drops: list[str], tables: Iterable[str], links: Callable[[str], Iterable[Link]]
) -> list[str]:
    """``drops`` (folded names, in the preferred order: children before parents) reordered so
    that each ``DROP TABLE`` compiles with foreign keys on; ``tables`` are every table there
    is when the first one is dropped, ``links(t)`` the foreign keys of table ``t``. Where no
    such order is found, they keep their preferred order."""
    there = set(tables) | set(drops)
    children = referencing(there, links)
    # A depth-first search for an order (dropping one table may make another undroppable
    # later: a cycle's tables are not all alike), remembering the sets it failed from. Its
    # depth is the number of tables: a stack of frames (tables left, tables there, the next
    # one to try), not recursion, which a schema of a thousand tables would exhaust.
    failed: set[frozenset[str]] = set()
    frames: list[tuple[list[str], set[str], int]] = [(list(drops), there, 0)]
    while frames:
        left, now, start = frames[-1]
        if not left:  # each frame's last try is its table
            return [tried[at - 1] for tried, _, at in frames[:-1]]
        found = None
        if start or not (frozenset(left) in failed or len(failed) > _MAX_TRIES):
            found = next(
                (i for i in range(start, len(left))
                 if drop_compiles(left[i], now, children, links)),
                None,
            )  # fmt: skip
            if found is None:
                failed.add(frozenset(left))
        if found is None:
            frames.pop()  # back to the frame before, at the table after the one it tried
            continue
        table = left[found]
        frames[-1] = (left, now, found + 1)
        frames.append(([t for t in left if t != table], now - {table}, 0))
    return list(drops)


def referencing(
    tables: Iterable[str], links: Callable[[str], Iterable[Link]]
) -> dict[str, list[tuple[str, Link]]]:
    """The (child, its Link) of the foreign keys to each table, children in name order."""
    found: dict[str, list[tuple[str, Link]]] = {}
    for t in sorted(tables):  # (sorted: the same order on every run)
        for link in links(t):
            found.setdefault(link[0], []).append((t, link))
    return found


def drop_compiles(
    table: str,
    there: set[str],
    children: dict[str, list[tuple[str, Link]]],
    links: Callable[[str], Iterable[Link]],
) -> bool:
    """Whether ``DROP TABLE table`` compiles with foreign keys on while the tables ``there``
    exist (``children``: :func:`referencing` of them, or of more).

    What SQLite compiles into the DROP's DELETE (sqlite3FkCheck, sqlite3FkActions) is
    followed as (table, None) for rows deleted from it and (table, columns) for rows whose
    columns are set. Deleted rows are checked against every parent of theirs, updated ones
    against the parents of the columns set, and only the children whose parent key is set
    run their ON UPDATE action (all, where that key is the parent's primary key: not known
    here, so taken to be set; a DROP that fails to compile is never taken for one that
    compiles)."""
    seen: set[tuple[str, frozenset[str] | None]] = set()
    todo: list[tuple[str, frozenset[str] | None]] = [(table, None)]
    while todo:
        parent, changed = todo.pop()
        for child, (_p, on_delete, on_update, columns, ref_columns) in children.get(parent, []):
            if changed is not None and ref_columns and changed.isdisjoint(ref_columns):
                continue
            action = on_delete if changed is None else on_update
            if child not in there or action not in _ACTS:
                continue
            sets = None if changed is None and action == "CASCADE" else frozenset(columns)
            if (child, sets) in seen:
                continue
            seen.add((child, sets))
            if any(
                p not in there and (sets is None or not sets.isdisjoint(cols))
                for p, _d, _u, cols, _r in links(child)
            ):
                return False
            todo.append((child, sets))
    return True


def old_tables_order(items: list[tuple[TableDiff, str]]) -> list[str]:
    """The names of a rebuilt group's old tables, in an order their DROPs compile in with
    foreign keys on (children first where the references allow; see drop_order). Only the
    group's old tables reference each other: tables outside it are all there meanwhile.

    Children first by the references the old tables *have*: ``items`` come parents first by
    the declared ones, in which a child that stops referencing its parent comes anywhere, and
    dropping that parent first would run its ON DELETE SET NULL / SET DEFAULT on the old
    child's rows, which its NOT NULL or CHECK may refuse."""
    from .names import dependency_order

    by_key = {fold(dt.desired.name): dt for dt, _ in items}

    def links(key: str) -> list[Link]:
        # (The current side speaks the desired names: a table renamed too is found.)
        return [fk_link(fk) for fk in by_key[key].current.foreign_keys if fk.table in by_key]

    parents_first = dependency_order(list(by_key), lambda k: {link[0] for link in links(k)})
    order = drop_order(list(reversed(parents_first)), by_key, links)
    return [by_key[key].desired.name for key in order]


#: How many dead ends the search may meet before the preferred order is kept.
_MAX_TRIES = 4096


def definition_links(d: Definition) -> list[Link]:
    """The :data:`Link` of each foreign key of a CREATE TABLE, read by the DDL parser; none
    for what does not parse (its CREATE fails first, naming it)."""
    if d.kind != TABLE:
        return []
    from .ddl import ParseError, parse_table

    try:
        fks = parse_table(d.sql).foreign_keys
    except ParseError:
        return []
    return [fk_link(fk) for fk in fks]


def rebuilt_together(des: Schema, tables: set[str], among: set[str]) -> set[str]:
    """``tables`` and every one of ``among`` (folded desired names) that references one of
    them, transitively: where foreign keys stay on, the tables rebuilt together."""
    result = set(tables)
    while grown := {
        key for key in among - result
        if any(fk.table in result for fk in des.tables[key].foreign_keys)
    }:  # fmt: skip
        result |= grown
    return result


def fk_order(des: Schema, keys: list[str]) -> list[str]:
    """Desired tables ``keys`` (folded), each after those its foreign keys reference."""
    from .names import dependency_order

    return dependency_order(keys, lambda k: {fk.table for fk in des.tables[k].foreign_keys})
