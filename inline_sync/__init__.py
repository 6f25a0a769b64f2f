"""inline_sync: bring a live SQLite database to a declared schema at run time.

    import inline_sync
    result = inline_sync.sync(connection, definitions=SCHEMA_SQL)

The definitions are plain CREATE TABLE / INDEX / VIEW / TRIGGER / VIRTUAL TABLE statements.
inline_sync builds them in a scratch space, compares both schemas and applies the difference in
one transaction: cheap ALTERs where SQLite allows them, table rebuilds that keep every row
otherwise. No migration files.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .clients import Client
from .engine import plan, sync
from .errors import ApplyError, DefinitionError, DestructiveChangeError, SyncError
from .plan import Change, Step, SyncPlan, SyncResult

if TYPE_CHECKING:
    from pathlib import Path

    from .d1 import plan_async, sync_async
    from .sources import SchemaFile

__version__ = "0.1.0"


def inspect(client: Any, *, ignore: Iterable[str] = ()) -> str:
    """The database's schema as definitions: its tables, indexes, virtual tables, views and
    triggers in dependency order, without SQLite's, the platform's, inline_sync's and migration
    tools' objects, shadow tables, or what ``ignore`` names. ``plan(client, inspect(client))``
    finds nothing to do. See :mod:`inline_sync.export`."""
    from .export import inspect as run

    return run(client, ignore=ignore)


def read_schema(paths: str | Path | Iterable[str | Path]) -> list[SchemaFile]:
    """Read schema files (a path, a directory of ``*.sql`` read in name order, ``"-"`` for
    stdin, or several of these) into definitions that remember their file: errors then name
    ``file:line``. See :func:`inline_sync.sources.read_schema`."""
    from .sources import read_schema as run

    return run(paths)


__all__ = [
    "ApplyError",
    "Change",
    "Client",
    "DefinitionError",
    "DestructiveChangeError",
    "Step",
    "SyncError",
    "SyncPlan",
    "SyncResult",
    "__version__",
    "inspect",
    "plan",
    "plan_async",
    "read_schema",
    "sync",
    "sync_async",
]


def __getattr__(name: str) -> Any:
    # The async entry points (for D1) load their driver on first use: `import inline_sync`
    # stays as cheap as it is for everyone else.
    if name in ("sync_async", "plan_async"):
        from . import d1

        return getattr(d1, name)
    raise AttributeError(f"module 'inline_sync' has no attribute {name!r}")
