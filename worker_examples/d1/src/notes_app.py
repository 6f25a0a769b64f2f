"""A tiny notes API over a D1 database, with its schema kept by inline_sync.

This module does not import ``workers`` (Cloudflare's Python Workers SDK): ``entry.py`` holds
the Worker and calls in here, and the project's tests run this very module against real local
D1 (``tests/test_d1_example.py``).

``db`` is the D1 binding, ``env.DB``: ``await db.prepare(sql).bind(...).all()``,
``await db.batch([...])``.

Routes (``handle``):
    GET  /notes                 -> {"notes": [{"id", "body", "created_at"}, ...]}
    POST /notes {"body": "..."} -> 201 {"id", "body", "created_at"}
"""

from __future__ import annotations

import json
from typing import Any

import inline_sync

#: The schema this Worker wants. Edit it and deploy: the first request of each new isolate
#: brings the database to it (add a column, an index, a table; rows are kept).
SCHEMA = """
CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX notes_by_created ON notes (created_at);
"""

#: The definitions this isolate has brought the database to (a deploy starts new isolates).
_synced: set[str] = set()


async def ensure_schema(db: Any, definitions: str = SCHEMA, **options: Any) -> Any:
    """Bring the database to ``definitions`` once per isolate; later calls cost nothing.

    Raises ``inline_sync.SyncError`` (``ApplyError``, ``DestructiveChangeError``,
    ``DefinitionError``) and then the database is exactly as it was.
    """
    if definitions in _synced:
        return None
    result = await inline_sync.sync_async(db, definitions, **options)
    if result.status in ("synced", "synced-by-peer"):
        print(f"inline_sync: {result.status} ({len(result.statements)} statements)")
    _synced.add(definitions)
    return result


def _rows(result: Any) -> list[dict[str, Any]]:
    rows = result.results
    return list(rows.to_py() if hasattr(rows, "to_py") else rows)


async def list_notes(db: Any) -> list[dict[str, Any]]:
    return _rows(await db.prepare("SELECT id, body, created_at FROM notes ORDER BY id").all())


async def add_note(db: Any, body: str) -> dict[str, Any]:
    statement = db.prepare(
        "INSERT INTO notes (body) VALUES (?) RETURNING id, body, created_at"
    ).bind(body)
    return _rows(await statement.all())[0]


async def handle(
    db: Any, method: str, path: str, body: str, definitions: str = SCHEMA
) -> tuple[int, Any]:
    """Answer one request: ``(status, JSON-able value)``, syncing the schema first if this
    isolate has not yet."""
    try:
        await ensure_schema(db, definitions)
    except inline_sync.SyncError as exc:
        print(f"inline_sync: {type(exc).__name__}: {exc}")
        return 500, {"error": f"the database schema could not be synced: {exc}"}
    if path == "/notes" and method == "GET":
        return 200, {"notes": await list_notes(db)}
    if path == "/notes" and method == "POST":
        try:
            data = json.loads(body or "{}")
        except ValueError:
            return 400, {"error": "the body must be JSON"}
        text = data.get("body") if isinstance(data, dict) else None
        if not isinstance(text, str) or not 1 <= len(text) <= 10_000:
            return 400, {"error": 'send {"body": "<1 to 10000 characters>"}'}
        return 201, await add_note(db, text)
    if path == "/notes":
        return 405, {"error": f"{method} not allowed"}
    return 404, {"error": f"no route {path}"}
