"""inline_sync: bring a live SQLite database to a declared schema at run time.

    import inline_sync
    result = inline_sync.sync(connection, definitions=SCHEMA_SQL)

The definitions are plain CREATE TABLE / INDEX / VIEW / TRIGGER / VIRTUAL TABLE statements.
inline_sync builds them in a scratch space, compares both schemas and applies the difference in
one transaction: cheap ALTERs where SQLite allows them, table rebuilds that keep every row
otherwise. No migration files.
"""

from __future__ import annotations

from .clients import Client
from .engine import plan, sync
from .errors import ApplyError, DefinitionError, DestructiveChangeError, SyncError
from .plan import Change, Step, SyncPlan, SyncResult

__version__ = "0.1.0"

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
    "plan",
    "sync",
]
