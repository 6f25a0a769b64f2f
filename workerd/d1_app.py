"""Harness app for the D1 path under Pyodide: ``inline_sync.sync_async`` on the harness
worker's real local D1 binding (``js.harnessEnv.HARNESS_DB``), through the Pyodide FFI, and the
D1 example's own module (``worker_examples/d1/src/notes_app.py``, packaged next to this file
with ``workerd/build.py --extra``).

Routes (``handle``; the Durable Object around it only hosts Pyodide, its storage is unused):
    /notes                                   -> notes_app.handle(db, ...)
    POST /__d1/sync {"definitions", "allow_destructive", "dry_run", "force", "ignore"} -> result
    POST /__d1/plan {"definitions"}          -> the plan
    POST /__d1/sql  {"sql", "params"}        -> {"rows": [[...], ...]} (one statement)
    POST /__d1/script {"statements": [...]}  -> runs them in one batch

Errors from inline_sync come back as HTTP 409 ``{"error": {"type", "message", "step"}}``.
"""

from __future__ import annotations

import json
from typing import Any

import js
import notes_app
from pyodide.ffi import jsnull, to_js

import inline_sync


def _db() -> Any:
    return js.harnessEnv.HARNESS_DB


def _plan(plan: Any) -> dict[str, Any]:
    return {
        "status": plan.status,
        "statements": list(plan.statements),
        "changes": [[c.kind, c.name, c.action] for c in plan.changes],
        "foreign_keys": plan.foreign_keys,
    }


def _error(exc: inline_sync.SyncError) -> tuple[int, Any]:
    step = getattr(exc, "step", None)
    return 409, {
        "error": {
            "type": type(exc).__name__,
            "message": str(exc),
            "name": getattr(exc, "name", None),
            "step": step.name if step is not None else None,
        }
    }


async def handle(storage: Any, method: str, path: str, body: str) -> Any:
    data = json.loads(body) if body and path.startswith("/__d1/") else {}
    db = _db()
    if path.startswith("/notes"):
        return await notes_app.handle(db, method, path, body)
    try:
        if path == "/__d1/sync":
            keys = ("allow_destructive", "dry_run", "force", "ignore")
            options = {k: data[k] for k in keys if k in data}
            result = await inline_sync.sync_async(db, data["definitions"], **options)
            return {**_plan(result.plan), "status": result.status,
                    "executed": list(result.statements)}  # fmt: skip
        if path == "/__d1/plan":
            return _plan(await inline_sync.plan_async(db, data["definitions"]))
    except inline_sync.SyncError as exc:
        return _error(exc)
    if path == "/__d1/sql":
        result = await db.prepare(data["sql"]).bind(*data.get("params", [])).raw()
        rows = result.to_py()
        return {"rows": [[None if v is jsnull else v for v in row] for row in rows]}
    if path == "/__d1/script":
        await db.batch(to_js([db.prepare(sql) for sql in data["statements"]]))
        return {"ok": True}
    return (404, {"error": {"type": "NotFound", "message": f"{method} {path}"}})
