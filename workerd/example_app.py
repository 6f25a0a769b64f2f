"""Harness app that runs the Durable Object example's own module (``notes_app``) in workerd.

``worker_examples/durable_object/src/notes_app.py`` is packaged byte for byte next to this file
(``workerd/build.py --extra``); ``entry.py`` there is the only part not run here, as it needs
Cloudflare's ``workers`` SDK, which exists only in a real Python Worker.

* ``on_start(storage)`` (the harness calls it inside ``ctx.blockConcurrencyWhile`` in the
  constructor, and reports what it raises at ``GET /startup-error``): ``notes_app.sync_schema``
  with the build's schema text (``/harness/schema.sql``); nothing when that text is empty.
* ``on_construct(ctx)``, for objects whose name starts with ``ctor-``: ``notes_app.start(ctx,
  definitions)``, exactly what ``entry.py``'s ``__init__`` does. ``on_start`` still runs after
  it for those objects, and finds the schema up to date.
* ``handle``: ``notes_app.handle`` for ``/notes``, plus test routes:

    GET  /__sync                     -> the SyncResult of this isolate's last on_start sync, and
                                     as "last_synced" the object's last on_start that synced
    POST /__sync {"definitions", "allow_destructive", "dry_run", "ignore", "pass_sql"} -> sync
                                     now (``pass_sql``: pass ``storage.sql`` instead of storage)
    POST /__plan {"definitions"}     -> plan now
    POST /__time {"definitions", "repeat"} -> run sync `repeat` times; perf_counter figures
    POST /__profile {"definitions", "step", "repeat"} -> run one stage of a no-op sync
                                     `repeat` times (``PROFILE_STEPS``), to time it from outside
    POST /__kv_get {"key"}           -> {"value": storage.kv.get(key)}
    POST /sql, POST /kv              -> as in harness_app.py

Errors from inline_sync come back as HTTP 409 ``{"error": {"type", "message", "sqlite_message"}}``.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import harness_app
import notes_app

import inline_sync

#: name -> {"status", "statements", "duration", "strategy"} of the last on_start sync per object
#: kind; one interpreter serves every object of the isolate, so tests read it right after start.
LAST: dict[str, Any] = {}


def definitions_text() -> str:
    path = os.environ.get("HARNESS_SCHEMA_PATH", "/harness/schema.sql")
    with open(path) as f:
        return f.read()


def result_json(result: inline_sync.SyncResult | inline_sync.SyncPlan) -> dict[str, Any]:
    plan = result.plan if isinstance(result, inline_sync.SyncResult) else result
    out: dict[str, Any] = {
        "status": result.status,
        "statements": list(plan.statements),
        "strategy": plan.strategy,
        "changes": [[c.kind, c.name, c.action] for c in plan.changes],
    }
    if isinstance(result, inline_sync.SyncResult):
        out["executed"] = list(result.statements)
        out["duration"] = result.duration
    return out


def error_json(exc: inline_sync.SyncError) -> dict[str, Any]:
    return {
        "type": type(exc).__name__,
        "message": str(exc),
        "sqlite_message": getattr(exc, "sqlite_message", None),
    }


#: storage.kv key of the last on_start sync that changed something in this object
SYNCED_KEY = "inline_sync_harness:last_synced"


def _profile_steps() -> dict[str, Any]:
    """The stages of a no-op ``sync()`` on Durable Object storage, one callable each
    (``step(storage, definitions)``). workerd's clocks stand still while a request runs, so
    bench/durable_object.py times ``repeat`` runs of a step from outside instead."""
    from inline_sync.clients import make_client
    from inline_sync.definitions import parse_definitions
    from inline_sync.names import ignore_filter
    from inline_sync.session import read_state_row
    from inline_sync.state import definitions_hash

    def parse_and_hash(storage: Any, text: str) -> Any:
        skip = ignore_filter(())
        return definitions_hash((text,), parse_definitions([text], skip), skip)

    return {
        "nothing": lambda storage, text: None,
        "sql_exec": lambda storage, text: storage.sql.exec("SELECT 1").raw().toArray(),
        "make_client": lambda storage, text: make_client(storage),
        "parse_and_hash": parse_and_hash,
        # the fast path's read: state row and fingerprint check in one sql.exec, no client
        "state_row": lambda storage, text: read_state_row(storage, 0.0, 0.0),
        "sync": lambda storage, text: inline_sync.sync(storage, text),
    }


def on_construct(ctx: Any) -> Any:
    name = getattr(ctx.id, "name", None)
    if not (isinstance(name, str) and name.startswith("ctor-")):
        return None
    LAST["constructed"] = name
    return notes_app.start(ctx, definitions_text())


def on_start(storage: Any) -> None:
    text = definitions_text()
    if not text.strip():
        return
    LAST["on_start"] = None
    result = notes_app.sync_schema(storage, text)
    LAST["on_start"] = result_json(result)
    if result.status == "synced":
        # Kept in the object's storage too: tests read it after the isolate (and LAST with
        # it) may have been replaced, e.g. by wrangler reloading the worker.
        storage.kv.put(SYNCED_KEY, json.dumps(LAST["on_start"]))


def handle(storage: Any, method: str, path: str, body: str) -> Any:
    if path.startswith("/notes"):
        return notes_app.handle(storage, method, path, body)
    data = json.loads(body) if body else {}
    if path == "/__sync" and method == "GET":
        synced = harness_app.py_value(storage.kv.get(SYNCED_KEY))
        return {**LAST, "last_synced": json.loads(synced) if synced else None}
    try:
        if path == "/__sync" and method == "POST":
            result = notes_app.sync_schema(
                storage.sql if data.get("pass_sql") else storage,
                data["definitions"],
                allow_destructive=bool(data.get("allow_destructive", False)),
                dry_run=bool(data.get("dry_run", False)),
                ignore=data.get("ignore", ()),
            )
            return result_json(result)
        if path == "/__plan" and method == "POST":
            return result_json(inline_sync.plan(storage, data["definitions"]))
        if path == "/__time" and method == "POST":
            times = []
            statuses = []
            for _ in range(int(data.get("repeat", 1))):
                t0 = time.perf_counter()
                result = inline_sync.sync(storage, data["definitions"])
                times.append(time.perf_counter() - t0)
                statuses.append(result.status)
            return {"perf_counter": times, "statuses": statuses}
        if path == "/__profile" and method == "POST":
            step = _profile_steps()[data["step"]]
            for _ in range(int(data.get("repeat", 1))):
                step(storage, data["definitions"])
            return {"step": data["step"], "repeat": int(data.get("repeat", 1))}
        if path == "/__kv_get" and method == "POST":
            return {"value": harness_app.py_value(storage.kv.get(data["key"]))}
    except inline_sync.SyncError as exc:
        return (409, {"error": error_json(exc)})
    return harness_app.handle(storage, method, path, body)
