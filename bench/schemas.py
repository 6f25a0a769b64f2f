"""Schemas and timing helpers shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable


def per_call(fn: Callable[[], object], number: int = 50, repeat: int = 7) -> float:
    """Best-of-``repeat`` mean seconds per call over ``number`` calls (the least disturbed)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def wide_schema(tables: int = 100) -> str:
    """``tables`` tables, each with an index; every tenth with a view and a trigger."""
    parts = []
    for i in range(tables):
        ref = f" REFERENCES t{i - 1}(id) ON DELETE CASCADE" if i else ""
        parts.append(
            f"CREATE TABLE t{i} (\n"
            f"    id INTEGER PRIMARY KEY,\n"
            f"    parent_id INTEGER{ref},\n"
            f"    name TEXT NOT NULL DEFAULT '' COLLATE NOCASE,\n"
            f"    score REAL CHECK (score >= 0),\n"
            f"    created TEXT DEFAULT CURRENT_TIMESTAMP,\n"
            f"    UNIQUE (name, parent_id)\n"
            f");\n"
            f"CREATE INDEX t{i}_score ON t{i}(score DESC) WHERE score IS NOT NULL;\n"
        )
        if i % 10 == 0:
            parts.append(
                f"CREATE VIEW v{i} AS SELECT id, name FROM t{i} WHERE score > 1;\n"
                f"CREATE TRIGGER tr{i} AFTER INSERT ON t{i} BEGIN\n"
                f"    UPDATE t{i} SET score = coalesce(new.score, 0) WHERE id = new.id;\n"
                f"END;\n"
            )
    return "".join(parts)
