"""Benchmark for inline_sync.testing (issue 5): the per-test cost of a fresh synced database.

    python bench/testing_helpers.py

Baseline: executing the definitions into a fresh :memory: database, the usual way to set up a
test database. Goal: ``inline_sync.testing.connect`` at least 5x faster.
"""

from __future__ import annotations

import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from schemas import per_call, wide_schema

from inline_sync.testing import connect


def main() -> None:
    schema = wide_schema(100)

    def execute_ddl() -> None:
        conn = sqlite3.connect(":memory:")
        conn.executescript(schema)
        conn.close()

    def helper() -> None:
        connect(schema).close()

    connect(schema).close()  # the template is built once per process
    base = per_call(execute_ddl)
    ours = per_call(helper)
    print(
        f"fresh database, 100-table schema: connect() {ours * 1000:.3f} ms vs executing the "
        f"definitions {base * 1000:.3f} ms -> {base / ours:.1f}x faster (goal >= 5x)"
    )
    try:
        import apsw  # noqa: F401
    except ImportError:
        return
    connect(schema, client="apsw").close()
    ours_apsw = per_call(lambda: connect(schema, client="apsw").close())
    print(f"  with apsw: {ours_apsw * 1000:.3f} ms -> {base / ours_apsw:.1f}x faster")


if __name__ == "__main__":
    main()
