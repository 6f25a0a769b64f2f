"""An AWS Lambda handler that syncs its SQLite schema at import time, i.e. on the cold start.

The database is a file (on EFS in production, /tmp here by default): every cold start calls
``inline_sync.sync()``. When nothing changed that costs one read of one row; when several
instances start together, one applies the change under SQLite's write lock while the others
wait and then carry on (status ``"synced-by-peer"``).
"""

from __future__ import annotations

import json
import os
import sqlite3
from typing import Any

import inline_sync

SCHEMA = """
CREATE TABLE IF NOT EXISTS visits (
    id      INTEGER PRIMARY KEY,
    path    TEXT NOT NULL,
    seen_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS visits_by_path ON visits(path);
"""

DATABASE = os.environ.get("APP_DATABASE", "/tmp/app.db")

# Module level: runs once per cold start, before the first event is handled.
connection = sqlite3.connect(DATABASE, isolation_level=None, timeout=30)
connection.execute("PRAGMA journal_mode = WAL")
START = inline_sync.sync(connection, SCHEMA, wait_timeout=30)


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Record a visit and report how this instance's cold-start sync went."""
    path = str(event.get("path", "/"))
    connection.execute("INSERT INTO visits (path) VALUES (?)", (path,))
    count = connection.execute("SELECT count(*) FROM visits").fetchone()[0]
    body = {
        "sync_status": START.status,
        "sync_ms": round(START.duration * 1000, 3),
        "visits": count,
    }
    return {"statusCode": 200, "body": json.dumps(body)}
