"""Which names inline_sync never touches, and which it reserves for itself."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from .tokenizer import fold, quote

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
        for pattern in patterns:
            folded = fold(pattern)
            if any(ch in folded for ch in "*?["):
                self.globs.append(folded)
            else:
                self.exact.add(folded)

    def _key(self) -> tuple[frozenset[str], tuple[str, ...]]:
        return frozenset(self.exact), tuple(self.globs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NameFilter) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __call__(self, name: str) -> bool:
        folded = fold(name)
        hit = self._seen.get(folded)
        if hit is None:
            hit = folded in self.exact or any(fnmatchcase(folded, glob) for glob in self.globs)
            self._seen[folded] = hit
        return hit


def ignore_filter(extra: Iterable[str] = ()) -> NameFilter:
    """The filter for the built-in ignore list plus the caller's ``ignore`` patterns."""
    if isinstance(extra, str):
        extra = (extra,)
    return NameFilter((*DEFAULT_IGNORE, *extra))


is_reserved = NameFilter(RESERVED)


# -- every statement names its schema -------------------------------------------------------
# A caller's TEMP table with the name of a main table would otherwise receive the ALTER, DROP or
# INSERT meant for main (SQLite looks in temp first), and an unqualified CREATE INDEX or CREATE
# TRIGGER on such a name would be created in temp. So every name inline_sync writes is "main.".


def in_main(name: str) -> str:
    """``name`` quoted and qualified with ``main``."""
    return "main." + quote(name)
