"""inline_sync: bring a live SQLite database to a declared schema at run time.

    import inline_sync
    result = inline_sync.sync(connection, definitions=SCHEMA_SQL)

The definitions are plain CREATE TABLE / INDEX / VIEW / TRIGGER / VIRTUAL TABLE statements.
inline_sync builds them in a scratch space, compares both schemas and applies the difference in
one transaction: cheap ALTERs where SQLite allows them, table rebuilds that keep every row
otherwise. No migration files.
"""

from __future__ import annotations

from .engine import plan, sync
from .errors import (
    ApplyError,
    DatabaseLockedError,
    DefinitionError,
    DestructiveChangeError,
    StorageError,
    SyncError,
)
from .plan import Change, Step, SyncPlan, SyncResult

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up path)
if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from typing import Any

    from .clients import Client
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
    "DatabaseLockedError",
    "DefinitionError",
    "DestructiveChangeError",
    "Step",
    "StorageError",
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
    # The async entry points (for D1) load their driver on first use, and the client adapters
    # (with typing, which they use) too: `import inline_sync`, and a start-up sync on a sqlite3
    # or apsw connection that finds nothing to do, never need them.
    if name in ("sync_async", "plan_async"):
        from . import d1

        return getattr(d1, name)
    if name == "Client":
        from .clients import Client

        return Client
    raise AttributeError(f"module 'inline_sync' has no attribute {name!r}")
