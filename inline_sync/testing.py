"""Test helpers: a fresh database, already synced to your definitions, for every test.

    from inline_sync.testing import connect

    def test_signup():
        db = connect(SCHEMA)          # an in-memory sqlite3 connection, schema in place
        db.execute("INSERT INTO users (email) VALUES ('a@example.com')")

The schema is built once per process for the same definitions (by :func:`inline_sync.sync`,
exactly as production does it) and each call gets a byte copy of that database
(``deserialize``, or SQLite's backup API where that is missing), which is much faster than
executing the DDL again. The pytest plugin (see :mod:`inline_sync.pytest_plugin`) wraps this
in a fixture.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .engine import sync
from .errors import SyncError
from .sources import SchemaFile, read_schema

_TEMPLATES: dict[tuple[object, ...], Any] = {}


class MissingClientError(SyncError, ModuleNotFoundError):
    """The client asked for is not installed (the message says which extra to install)."""


def read_definitions(*paths: str | Path) -> list[SchemaFile]:
    """The ``.sql`` files (see :func:`inline_sync.read_schema`): errors name ``file:line``."""
    return read_schema(paths)


def _key(definitions: str | Iterable[str], client: str, ignore: Iterable[str]) -> tuple[Any, ...]:
    texts = (definitions,) if isinstance(definitions, str) else tuple(definitions)
    return (texts, client, tuple(ignore))


def _template(definitions: str | Iterable[str], client: str, ignore: Iterable[str]) -> Any:
    key = _key(definitions, client, ignore)
    template = _TEMPLATES.get(key)
    if template is None:
        template = _new_connection(client)
        sync(template, key[0], ignore=key[2])
        _TEMPLATES[key] = template
    return template


def _new_connection(client: str) -> Any:
    if client == "sqlite3":
        import sqlite3

        return sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    if client == "apsw":
        try:
            import apsw
        except ModuleNotFoundError:
            raise MissingClientError(
                "connect(client='apsw') needs the apsw package: pip install 'inline-sync[apsw]'",
                name="apsw",
            ) from None

        return apsw.Connection(":memory:")
    raise ValueError(f"client must be 'sqlite3' or 'apsw', not {client!r}")


def connect(
    definitions: str | Iterable[str],
    *,
    client: str = "sqlite3",
    ignore: Iterable[str] = (),
    foreign_keys: bool = True,
    isolation_level: str | None = "",
) -> Any:
    """A new in-memory connection whose database is already synced to ``definitions``.

    ``client`` is ``"sqlite3"`` (a :class:`sqlite3.Connection` with the given
    ``isolation_level``, Python's default unless you pass another) or ``"apsw"``. Foreign keys
    are switched on unless ``foreign_keys=False``. Every call returns an independent copy.
    """
    template = _template(definitions, client, ignore)
    conn = _new_connection(client)
    if client == "sqlite3":
        if hasattr(template, "serialize"):
            conn.deserialize(template.serialize())
        else:  # Python 3.10: no serialize(); the backup API copies page by page
            template.backup(conn)
        conn.isolation_level = isolation_level
    else:
        conn.deserialize("main", template.serialize("main"))
    conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
    return conn


def clear_cache() -> None:
    """Forget the template databases (for instance after editing definitions in a session)."""
    for template in _TEMPLATES.values():
        template.close()
    _TEMPLATES.clear()
