"""A tiny notes API over a Durable Object's own SQLite, with its schema kept by inline_sync.

This module does not import ``workers`` (Cloudflare's Python Workers SDK): ``entry.py`` holds the
Worker classes and calls in here, and the project's workerd test harness imports this very module
to run the same code against real Durable Object storage (see ``workerd/example_app.py``).

``storage`` is the Durable Object's ``ctx.storage`` (``storage.sql.exec(...)``,
``storage.transactionSync(...)``).

Routes (``handle``):
    GET  /notes                 -> {"notes": [{"id", "body", "created_at"}, ...]}
    POST /notes {"body": "..."} -> 201 {"id", "body", "created_at"}
"""

from __future__ import annotations

import json
from typing import Any

import inline_sync

try:
    from pyodide.ffi import jsnull  # SQL NULL as it comes out of storage.sql under Pyodide
except ImportError:  # elsewhere (type checkers, plain CPython)
    jsnull = None

#: The schema this Durable Object wants. Edit it and deploy: every object brings its own SQLite
#: to it the next time it starts (add a column, an index, a table; rows are kept).
SCHEMA = """
CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX notes_by_created ON notes (created_at);
"""


def sync_schema(storage: Any, definitions: str = SCHEMA, **options: Any) -> inline_sync.SyncResult:
    """Bring this object's SQLite to ``definitions``, in one ``transactionSync``.

    Raises ``inline_sync.SyncError`` (``ApplyError`` with ``.sqlite_message``,
    ``DestructiveChangeError``, ``DefinitionError``) and then changes nothing.
    """
    result = inline_sync.sync(storage, definitions, **options)
    if result.status == "synced":
        print(f"inline_sync: schema synced ({len(result.statements)} statements)")
    return result


def start(ctx: Any, definitions: str = SCHEMA) -> Any:
    """Call from the Durable Object's constructor: sync before any request is delivered.

    ``ctx.blockConcurrencyWhile`` holds incoming requests until the callback's promise settles.
    If the sync raises, the runtime resets the object: the waiting request fails and the next
    one constructs the object again (and retries the sync); the storage is as before the sync.
    Returns the promise ``blockConcurrencyWhile`` returns.
    """
    from pyodide.ffi import create_proxy  # Pyodide only; keeps this module importable elsewhere

    # A bare Python function passed to JS is a borrowed proxy that dies when the call returns, and
    # blockConcurrencyWhile may call it later: create_proxy keeps it alive until it has run.
    async def run() -> None:
        try:
            sync_schema(ctx.storage, definitions)
        finally:
            proxy.destroy()

    proxy = create_proxy(run)
    return ctx.blockConcurrencyWhile(proxy)


# ---- the API --------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    """SQL NULL arrives as ``pyodide.ffi.jsnull``; everything else this API reads is TEXT or
    INTEGER, which arrive as ``str`` and ``int``."""
    return None if value is jsnull else value


def _rows(cursor: Any) -> list[dict[str, Any]]:
    columns = list(cursor.columnNames.to_py())
    return [
        dict(zip(columns, (_value(v) for v in row), strict=True))
        for row in cursor.raw().toArray().to_py()
    ]


def list_notes(storage: Any) -> list[dict[str, Any]]:
    return _rows(storage.sql.exec("SELECT id, body, created_at FROM notes ORDER BY id"))


def add_note(storage: Any, body: str) -> dict[str, Any]:
    cursor = storage.sql.exec(
        "INSERT INTO notes (body) VALUES (?) RETURNING id, body, created_at", body
    )
    return _rows(cursor)[0]


def handle(storage: Any, method: str, path: str, body: str) -> tuple[int, Any]:
    """Answer one request: ``(status, JSON-able value)``."""
    if path == "/notes" and method == "GET":
        return 200, {"notes": list_notes(storage)}
    if path == "/notes" and method == "POST":
        try:
            data = json.loads(body or "{}")
        except ValueError:
            return 400, {"error": "the body must be JSON"}
        text = data.get("body") if isinstance(data, dict) else None
        if not isinstance(text, str) or not 1 <= len(text) <= 10_000:
            return 400, {"error": 'send {"body": "<1 to 10000 characters>"}'}
        return 201, add_note(storage, text)
    if path == "/notes":
        return 405, {"error": f"{method} not allowed"}
    return 404, {"error": f"no route {path}"}
