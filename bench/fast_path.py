"""Benchmarks for drift detection (issue 4). Prints ratios against baselines from the same run.

    python bench/fast_path.py

Goals: a no-op sync on the fast path costs at most 3x a bare single-row SELECT on the same
connection. First-call hashing of 20 KB of definitions is reported against hashlib.blake2b on
the same bytes (a C hash: the ratio shows what pure Python costs, and it is paid once per
process).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from schemas import per_call, wide_schema

import inline_sync
from inline_sync import definitions as definitions_module
from inline_sync import state


def main() -> None:
    folder = tempfile.mkdtemp(prefix="inline_sync_fast_")
    schema = wide_schema(100)
    conn = sqlite3.connect(os.path.join(folder, "app.db"), isolation_level=None)
    assert inline_sync.sync(conn, schema).status == "synced"
    assert inline_sync.sync(conn, schema).status == "up-to-date"

    conn.execute("INSERT INTO t0 (id, name) VALUES (1, 'row')")
    sync_time = per_call(lambda: inline_sync.sync(conn, schema), 5000)
    row_time = per_call(lambda: conn.execute("SELECT * FROM t0 WHERE id = 1").fetchone(), 5000)
    const_time = per_call(lambda: conn.execute("SELECT 1").fetchone(), 5000)
    print(
        f"no-op sync (fast path), 100-table schema: {sync_time * 1e6:6.1f} us vs single-row "
        f"SELECT by primary key {row_time * 1e6:5.1f} us -> ratio {sync_time / row_time:.2f}x "
        "(goal <= 3x)"
    )
    print(
        f"  (against SELECT 1, which reads no table: {const_time * 1e6:.1f} us -> ratio "
        f"{sync_time / const_time:.1f}x)"
    )

    text = schema
    while len(text.encode()) < 20_000:
        text += schema
    text = text.encode()[:20_000].decode(errors="ignore")
    text = text[: text.rfind(";") + 1]
    texts = (text.replace("CREATE TABLE t", "CREATE TABLE x").replace(" ON t", " ON x"),)

    def first_call() -> None:
        definitions_module._CACHE.clear()
        state._HASHES.clear()
        skip = inline_sync.names.ignore_filter(())
        defs = definitions_module.parse_definitions(texts[0], skip)
        state.definitions_hash(texts, defs, skip)

    def hash_only() -> None:
        state._HASHES.clear()
        state.definitions_hash(texts, defs, skip)

    skip = inline_sync.names.ignore_filter(())
    defs = definitions_module.parse_definitions(texts[0], skip)
    data = texts[0].encode()
    first = per_call(first_call, 5)
    fnv = per_call(hash_only, 5)
    blake = per_call(lambda: hashlib.blake2b(data).digest(), 200)
    print(
        f"first-call hashing of {len(data):,} bytes: tokenize + FNV-1a {first * 1000:.2f} ms "
        f"(FNV-1a alone {fnv * 1000:.2f} ms) vs blake2b {blake * 1e6:.1f} us -> ratio "
        f"{first / blake:.0f}x (paid once per process)"
    )


if __name__ == "__main__":
    main()
