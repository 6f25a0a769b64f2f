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
from .tokenizer import COMMENT, fold

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a first plan())
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .definitions import Definition
    from .diff import TableDiff

#: (parent table, ON DELETE action, ON UPDATE action) of one foreign key: folded name, and the
#: actions upper-case ("CASCADE", "SET NULL", "NO ACTION" ...).
Link = tuple[str, str, str]

_ACTS = frozenset({"CASCADE", "SET NULL", "SET DEFAULT"})


def drop_order(
    drops: list[str], tables: Iterable[str], links: Callable[[str], Iterable[Link]]
) -> list[str]:
    """``drops`` (folded names, in the preferred order: children before parents) reordered so
    that each ``DROP TABLE`` compiles with foreign keys on; ``tables`` are every table there
    is when the first one is dropped, ``links(t)`` the foreign keys of table ``t``. Where no
    such order is found, they keep their preferred order."""
    there = set(tables) | set(drops)
    referencing: dict[str, list[tuple[str, Link]]] = {}
    for t in there:
        for link in links(t):
            referencing.setdefault(link[0], []).append((t, link))

    def compiles(table: str, there: set[str]) -> bool:
        seen: set[tuple[str, str]] = set()
        todo = [(table, "delete")]
        while todo:
            parent, event = todo.pop()
            for child, (_p, on_delete, on_update) in referencing.get(parent, []):
                if child not in there:
                    continue
                action = on_delete if event == "delete" else on_update
                if action not in _ACTS:
                    continue
                step = "delete" if event == "delete" and action == "CASCADE" else "update"
                if (child, step) in seen:
                    continue
                seen.add((child, step))
                # The child's changed rows are checked against its own parents.
                if any(p not in there for p, _d, _u in links(child)):
                    return False
                todo.append((child, step))
        return True

    # A depth-first search for an order (dropping one table may make another undroppable
    # later: a cycle's tables are not all alike), remembering the sets it failed from.
    failed: set[frozenset[str]] = set()

    def search(left: list[str], there: set[str]) -> list[str] | None:
        if not left:
            return []
        if frozenset(left) in failed or len(failed) > _MAX_TRIES:
            return None
        for table in left:
            if compiles(table, there):
                rest = search([t for t in left if t != table], there - {table})
                if rest is not None:
                    return [table, *rest]
        failed.add(frozenset(left))
        return None

    return search(list(drops), there) or list(drops)


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
    now = {fold(dt.current.name): key for key, dt in by_key.items()}

    def links(key: str) -> list[Link]:
        fks = by_key[key].current.foreign_keys
        return [(now[fk.table], fk.on_delete, fk.on_update) for fk in fks if fk.table in now]

    parents_first = dependency_order(list(by_key), lambda k: {link[0] for link in links(k)})
    order = drop_order(list(reversed(parents_first)), by_key, links)
    return [by_key[key].desired.name for key in order]


#: How many dead ends the search may meet before the preferred order is kept.
_MAX_TRIES = 4096


def definition_links(d: Definition) -> list[Link]:
    """(parent, ON DELETE, ON UPDATE) of each foreign key of a CREATE TABLE, the parent
    folded and the actions upper-case, read off its tokens (no DDL parser needed)."""
    if d.kind != TABLE:
        return []
    sig = [t for t in d.tokens if t.kind is not COMMENT]
    out: list[Link] = []
    for i, tok in enumerate(sig[:-1]):
        if not tok.keyword("REFERENCES"):
            continue
        at = i + 3 if i + 2 < len(sig) and sig[i + 2].text == "." else i + 1
        if at >= len(sig) or not sig[at].names_object(sig[at - 1]):
            continue
        actions = {"DELETE": "NO ACTION", "UPDATE": "NO ACTION"}
        j = at + 1
        if j < len(sig) and sig[j].text == "(":
            while j < len(sig) and sig[j].text != ")":
                j += 1
            j += 1
        while j + 2 < len(sig) and sig[j].keyword("ON") and sig[j + 1].text.upper() in actions:
            words = [sig[j + 2].text.upper()]
            if words[0] in ("SET", "NO") and j + 3 < len(sig):
                words.append(sig[j + 3].text.upper())
            actions[sig[j + 1].text.upper()] = " ".join(words)
            j += 2 + len(words)
        out.append((sig[at].folded, actions["DELETE"], actions["UPDATE"]))
    return out
