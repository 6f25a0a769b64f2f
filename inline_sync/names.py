"""Which names inline_sync never touches, and which it reserves for itself; how names fold.

This module is on the start-up path (a sync that finds nothing to do), so it imports nothing
heavy: no ``re``, no ``fnmatch`` for the built-in patterns.
"""

from __future__ import annotations

from .cache import remember

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping
    from typing import Any

    from .capabilities import Capabilities
    from .definitions import Definition
    from .models import Schema

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(name: str) -> str:
    """Fold a name for comparison the way SQLite does: ASCII letters only."""
    return name.lower() if name.isascii() else name.translate(_ASCII_LOWER)


def quote(name: str) -> str:
    """Quote a name as an SQL identifier, always with double quotes."""
    return '"' + name.replace('"', '""') + '"'


#: Prefix of every object inline_sync creates for itself (scratch copies, rebuild copies).
PREFIX = "__sync_"

#: Name of the attached scratch database.
SCRATCH_DB = "__sync_scratch"

#: Tables that belong to SQLite, the platform, or migration tools: never diffed, never dropped.
DEFAULT_IGNORE: tuple[str, ...] = (
    "sqlite_*",
    "_cf_*",
    "__miniflare_do_name",
    PREFIX + "*",
    "_inline_sync*",
    "d1_migrations",
    "sqlfu_migrations",
    "alembic_version",
    "django_migrations",
    "schema_migrations",
    "_yoyo_*",
    "yoyo_lock",
    "__drizzle_migrations",
    "_prisma_migrations",
    "knex_migrations*",
    "goose_db_version",
    "atlas_schema_revisions",
    "_sqlx_migrations",
    "flyway_schema_history",
    "kysely_migration*",
    "__diesel_schema_migrations",
    "seaql_migrations",
    "__atscript_control",
)

#: Names the definitions may not use at all: SQLite's, the platform's and inline_sync's own.
RESERVED = ("sqlite_*", "_cf_*", PREFIX + "*", "_inline_sync*")


class NameFilter:
    """Matches names against glob patterns the way SQLite compares names (ASCII case-folded)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.exact: set[str] = set()
        self._seen: dict[str, bool] = {}
        self.globs: list[str] = []
        prefixes: list[str] = []  # globs that are a prefix and one final *
        self._starred: list[list[str]] = []  # other globs whose only wildcard is *, split on it
        self._others: list[str] = []  # globs with ? or [...]: fnmatch, imported when needed
        for pattern in patterns:
            folded = fold(pattern)
            if "?" in folded or "[" in folded:
                self.globs.append(folded)
                self._others.append(folded)
            elif "*" in folded:
                self.globs.append(folded)
                if folded.index("*") == len(folded) - 1:
                    prefixes.append(folded[:-1])
                else:
                    self._starred.append(folded.split("*"))
            else:
                self.exact.add(folded)
        self._prefixes = tuple(prefixes)  # one str.startswith for all of them

    def _key(self) -> tuple[frozenset[str], tuple[str, ...]]:
        return frozenset(self.exact), tuple(self.globs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NameFilter) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __call__(self, name: str) -> bool:
        hit = self._seen.get(name)  # by the name as given: no folding for a name seen before
        if hit is None:
            folded = fold(name)
            hit = (
                folded in self.exact
                or folded.startswith(self._prefixes)
                or any(_star_match(folded, parts) for parts in self._starred)
                or (bool(self._others) and _fnmatch_any(folded, self._others))
            )
            if len(self._seen) < 10_000:  # a memo, not a leak, under endless new names
                self._seen[name] = hit
        return hit


def _star_match(name: str, parts: list[str]) -> bool:
    """``fnmatchcase(name, "*".join(parts))`` for a glob whose only wildcard is ``*``."""
    first, *middle, last = parts
    if not name.startswith(first) or not name.endswith(last):
        return False
    pos, end = len(first), len(name) - len(last)
    if pos > end:
        return False
    for part in middle:
        found = name.find(part, pos, end)
        if found < 0:
            return False
        pos = found + len(part)
    return True


def _fnmatch_any(name: str, globs: list[str]) -> bool:
    from fnmatch import fnmatchcase  # only for ? and [...] patterns: fnmatch imports re

    return any(fnmatchcase(name, glob) for glob in globs)


_FILTERS: dict[tuple[str, ...], NameFilter] = {}


def ignore_filter(extra: Iterable[str] = ()) -> NameFilter:
    """The filter for the built-in ignore list plus the caller's ``ignore`` patterns.

    The same patterns give the same filter object within a process, so what it has already
    matched is remembered across syncs.
    """
    key = (extra,) if isinstance(extra, str) else tuple(extra)
    found = _FILTERS.get(key)
    if found is None:
        found = remember(_FILTERS, key, NameFilter((*DEFAULT_IGNORE, *key)))
    return found


is_reserved = NameFilter(RESERVED)


# -- every statement names its schema -------------------------------------------------------
# A caller's TEMP table with the name of a main table would otherwise receive the ALTER, DROP or
# INSERT meant for main (SQLite looks in temp first), and an unqualified CREATE INDEX or CREATE
# TRIGGER on such a name would be created in temp. So every name inline_sync writes is "main.".


def in_main(name: str) -> str:
    """``name`` quoted and qualified with ``main``."""
    return "main." + quote(name)


def dependency_order(
    names: list[str], deps: Callable[[str], set[str] | frozenset[str]]
) -> list[str]:
    """``names`` ordered so each comes after those it depends on (cycles keep input order)."""
    order: list[str] = []
    seen: set[str] = set()
    pool = set(names)

    def visit(n: str) -> None:
        if n in seen:
            return  # placed already, or a cycle: left where it is
        seen.add(n)
        for d in sorted(deps(n) & pool):
            if d != n:
                visit(d)
        order.append(n)

    for n in names:
        visit(n)
    return order


def _candidates(hints: dict[str, str], cur: set[str], des: set[str]) -> dict[str, str]:
    """The hints whose old name exists and whose new name is declared; each old name once."""
    found: dict[str, str] = {}
    for new, old in hints.items():
        if old in cur and new in des and old != new and old not in found.values():
            found[new] = old
    return found


def free_name(base: str, taken: Collection[str]) -> str:
    """``base``, or ``base`` and the first number that make a name none of ``taken`` (folded
    names) is: for a name inline_sync sets aside among the user's, such as a column's."""
    return next(n for i in range(len(taken) + 1) if fold(n := f"{base}{i or ''}") not in taken)


def hinted_renames(defs: dict[tuple[str, str], Definition], keys: Iterable[str]) -> dict[str, str]:
    """The ``@renamed`` hints of the tables or virtual tables ``keys`` (folded): new key -> old
    name, folded."""
    return {
        key: fold(d.renamed_from)
        for key in keys
        if (d := defs.get(("table", key))) is not None and d.renamed_from
    }


def hinted_column_renames(
    defs: dict[tuple[str, str], Definition],
    cur: Schema,
    des: Schema,
    renames: dict[str, str],
    caps: Capabilities,
) -> dict[str, dict[str, str]]:
    """The column renames ``@renamed`` hints will make (``renames``: the tables' own, new key
    -> old key), by the parent's folded current name, folded old -> new name, where they are
    made by ALTER TABLE … RENAME COLUMN: SQLite rewrites other tables' REFERENCES to follow
    them. (Where it cannot, the rebuild's copy renames, and nothing else follows.)"""
    from .diff import column_renames, renames_by_alter

    found: dict[str, dict[str, str]] = {}
    for key, table in des.tables.items():
        d = defs.get(("table", key))
        current = cur.tables.get(renames.get(key, key))
        if d is None or current is None or not d.column_renames:
            continue
        if key not in renames and key in renames.values():
            continue  # a new table under the name of one renamed away
        followed = followed_renames(
            {new: fold(old) for new, old in d.column_renames.items()},
            [c.key for c in current.columns],
            [c.key for c in table.columns],
        )
        # Made together with the renames to another case, as diff.compare_table makes them.
        if not renames_by_alter(tuple(column_renames(current, table, followed)), caps, current):
            continue
        for new, old in followed.items():
            found.setdefault(current.key, {})[old] = table.column(new).name  # type: ignore[union-attr]
    return found


Recased = tuple[str, str, str]  # (kind, current name, declared name)


def in_another_case(
    *kinds: tuple[str, Mapping[str, Any], Mapping[str, Any], set[str]],
) -> list[Recased]:
    """(kind, current name, declared name) of each object of ``kinds`` — (kind, current by
    folded name, desired by folded name, keys to leave out) — declared under its name in
    another case: SQLite keeps a table's name as written, and lists it so."""
    return [
        (kind, cur[k].name, des[k].name)
        for kind, cur, des, leave in kinds
        for k in des
        if k in cur and k not in leave and cur[k].name != des[k].name
    ]


def hint_cycles(
    hints: dict[str, str], current: Iterable[str], desired: Iterable[str]
) -> list[list[str]]:
    """The ``@renamed`` hints (new -> old, folded) that form a cycle (a swap, a rotation),
    each cycle as its new names in hint order. inline_sync cannot follow one: the hints stay
    in the definitions, and a cycle made looks exactly like one to make."""
    return _cycles(_candidates(hints, set(current), set(desired)))


def _cycles(found: dict[str, str]) -> list[list[str]]:
    """The cycles among candidate hints ``found`` (new -> old), each as its new names."""
    cycles: list[list[str]] = []
    for new in found:
        path, at = [new], found[new]
        while at in found and at not in path:
            path.append(at)
            at = found[at]
        if at == new and not any(new in c for c in cycles):
            cycles.append(path)
    return cycles


def followed_renames(
    hints: dict[str, str], current: Iterable[str], desired: Iterable[str]
) -> dict[str, str]:
    """The ``@renamed`` hints to follow, new -> old (all folded), of ``hints`` (the same).

    A hint is followed when its old name exists and its new name is declared, and the new
    name is free once the renames are done: it does not exist, or the object that holds it
    is renamed away by another followed hint (a chain). A hint whose new name holds an object
    no hint moves is not followed: that is a hint left in place after its rename, read once
    the old name is used again. Each old name moves once. Hints that form a cycle are the
    planner's to refuse (:func:`hint_cycles`); they are not followed."""
    cur, des = set(current), set(desired)
    found = _candidates(hints, cur, des)
    for cycle in _cycles(found):
        for new in cycle:
            del found[new]
    dropped = True
    while dropped:  # a hint left out can leave another one's new name taken
        freed = set(found.values())
        taken = [new for new in found if new in cur and new not in freed]
        for new in taken:
            del found[new]
        dropped = bool(taken)
    return found


def rename_order(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(old, new) renames in an order where each new name is free when its rename runs: a
    chain from its end. (Hints that form a cycle never get here: the planner refuses them.)"""
    by_old = {fold(old): (old, new) for old, new in pairs}
    order = dependency_order(list(by_old), lambda old: {fold(by_old[old][1])})
    return [by_old[old] for old in order]
