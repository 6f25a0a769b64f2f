"""Placeholder app for the workerd test harness (runs inside Pyodide in a Durable Object).

It does not use inline_sync yet: ``on_start`` runs each statement of the schema file the build was
given, and ``handle`` exposes raw SQL and the synchronous KV API so tests can look at the real
Durable Object storage. ``storage`` is the JsProxy of ``ctx.storage``.

Routes:
    POST /sql   {"sql": "...", "params": [...]}
                -> {"columns": [...], "rows": [[...], ...], "rows_read": n, "rows_written": n}
    POST /kv    {"key": "...", "value": "..."}  -> {"value": <storage.kv.get(key)>}
    GET  /startup-error  is answered by the worker itself (the error is per Durable Object).

Values coming back from SQLite: NULL -> None, BLOB -> {"$blob": "<hex>"}; numbers as JS gives them.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pyodide.ffi import JsProxy, create_proxy, jsnull

# --- FFI glue: JS values from ctx.storage.sql -> plain Python -----------------------------


def py_value(value: Any) -> Any:
    """One SQLite value as converted by ``to_py()`` -> JSON-able Python."""
    if value is jsnull:
        return None
    if isinstance(value, (memoryview, bytes, bytearray)):
        return {"$blob": bytes(value).hex()}
    if isinstance(value, JsProxy):  # an ArrayBuffer (BLOB) that to_py() left as a proxy
        return {"$blob": bytes(value.to_py()).hex()}
    return value


def cursor_result(cursor: Any) -> dict[str, Any]:
    """Drain a SqlStorageCursor: column names, rows as lists, counters."""
    rows = [[py_value(v) for v in row] for row in cursor.raw().toArray().to_py()]
    return {
        "columns": list(cursor.columnNames.to_py()),
        "rows": rows,
        "rows_read": cursor.rowsRead,
        "rows_written": cursor.rowsWritten,
    }


def run_in_transaction(storage: Any, fn: Any) -> Any:
    """``storage.transactionSync(fn)``: commits when fn returns, rolls back if it raises."""
    proxy = create_proxy(fn)
    try:
        return storage.transactionSync(proxy)
    finally:
        proxy.destroy()


# --- app contract -------------------------------------------------------------------------


def schema_statements() -> list[str]:
    path = os.environ.get("HARNESS_SCHEMA_PATH", "/harness/schema.sql")
    with open(path) as f:
        text = f.read()
    return [s.strip() for s in text.split(";") if s.strip()]


def on_start(storage: Any) -> None:
    statements = schema_statements()
    if not statements:
        return

    def apply() -> None:
        for statement in statements:
            storage.sql.exec(statement)

    run_in_transaction(storage, apply)


def handle(storage: Any, method: str, path: str, body: str) -> Any:
    data = json.loads(body) if body else {}
    if method == "POST" and path == "/sql":
        return cursor_result(storage.sql.exec(data["sql"], *data.get("params", [])))
    if method == "POST" and path == "/kv":
        storage.kv.put(data["key"], data["value"])
        return {"value": py_value(storage.kv.get(data["key"]))}
    return (404, {"error": {"type": "NotFound", "message": f"{method} {path}"}})
