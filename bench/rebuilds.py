"""Benchmarks of changes that copy rows: a parent rebuilt under ten big children (foreign keys
switchable, and not), a big table rebuilt alone, ADD COLUMN on a big table.

Each sample flips the table between two forms that SQLite cannot ALTER into each other, so
every sample is a full rebuild and no database has to be filled again between samples.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable

from schemas import alternate

import inline_sync
from inline_sync.clients import SQLite3Client

CHILDREN = 10


class KeepsForeignKeysOn(SQLite3Client):
    """A sqlite3 connection treated like a Durable Object or D1: foreign keys stay on."""

    def can_toggle_foreign_keys(self) -> bool:
        return False


def _parent(form: int, name: str = "p") -> str:
    collate = " COLLATE NOCASE" if form else ""
    return f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, name TEXT{collate}, born INTEGER)"


def _child(i: int, parent: str = "p", name: str = "") -> str:
    return (
        f"CREATE TABLE {name or f'c{i}'} (id INTEGER PRIMARY KEY, "
        f"p_id INTEGER REFERENCES {parent}(id), note TEXT)"
    )


def _definitions(form: int) -> str:
    return ";\n".join([_parent(form)] + [_child(i) for i in range(CHILDREN)]) + ";"


def _fill_family(path: str, rows: int) -> sqlite3.Connection:
    if os.path.exists(path):
        os.remove(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    assert inline_sync.sync(conn, _definitions(0)).status == "synced"
    series = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) "
    conn.execute("BEGIN")
    conn.execute(
        series + "INSERT INTO p (id, name, born) SELECT x, 'name ' || x, 1900 + x % 120 FROM n",
        (rows,),
    )
    for i in range(CHILDREN):
        conn.execute(
            series + f"INSERT INTO c{i} (id, p_id, note) SELECT x, 1 + (x * 7 + {i}) % ?, "
            "'note ' || x FROM n",
            (rows, rows),
        )
    conn.execute("COMMIT")
    return conn


def _hand_parent_alone(conn: sqlite3.Connection, form: int) -> None:
    """What a careful person writes to rebuild the parent alone: foreign keys off, rename the
    old table aside without touching references, create, copy, drop."""
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN")
    conn.execute("PRAGMA legacy_alter_table = ON")
    conn.execute("ALTER TABLE p RENAME TO p_old")
    conn.execute(_parent(form))
    conn.execute("INSERT INTO p (id, name, born) SELECT id, name, born FROM p_old")
    conn.execute("DROP TABLE p_old")
    conn.execute("PRAGMA legacy_alter_table = OFF")
    conn.execute("COMMIT")
    conn.execute("PRAGMA foreign_keys = ON")


def _hand_closure(conn: sqlite3.Connection, form: int) -> None:
    """The same rebuild with foreign keys on, written by hand: the parent and every child
    under new names that reference each other, copied parents first, old tables dropped
    children first, new ones renamed into place (foreign keys checked at commit)."""
    conn.execute("BEGIN")
    conn.execute("PRAGMA defer_foreign_keys = ON")
    conn.execute(_parent(form, "p_new"))
    for i in range(CHILDREN):
        conn.execute(_child(i, "p_new", f"c{i}_new"))
    conn.execute("INSERT INTO p_new (id, name, born) SELECT id, name, born FROM p")
    for i in range(CHILDREN):
        conn.execute(f"INSERT INTO c{i}_new (id, p_id, note) SELECT id, p_id, note FROM c{i}")
    for i in reversed(range(CHILDREN)):
        conn.execute(f"DROP TABLE c{i}")
    conn.execute("DROP TABLE p")
    conn.execute("PRAGMA legacy_alter_table = ON")
    conn.execute("ALTER TABLE p_new RENAME TO p")
    for i in range(CHILDREN):
        conn.execute(f"ALTER TABLE c{i}_new RENAME TO c{i}")
    conn.execute("PRAGMA legacy_alter_table = OFF")
    conn.execute("COMMIT")


def _form_of(conn: sqlite3.Connection, table: str) -> Callable[[], int]:
    """Which of the two forms ``table`` has now (1: its text column is NOCASE)."""

    def form() -> int:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        return 1 if "NOCASE" in sql[0] else 0

    return form


def _flipping(form_of: Callable[[], int], rebuild: Callable[[int], None]) -> Callable[[], float]:
    """A sample that rebuilds the table into the form it does not have now."""

    def sample() -> float:
        form = 1 - form_of()
        start = time.perf_counter()
        rebuild(form)
        return time.perf_counter() - start

    return sample


def parent_rebuild(folder: str, rows: int, runs: int, switchable: bool) -> dict[str, float]:
    """A parent of ``rows`` rows with ten children of ``rows`` rows each, rebuilt (a column's
    collation changes; key values do not), vs the hand-written rebuild: the parent alone when
    foreign keys can be switched off, the whole closure when they cannot."""
    conn = _fill_family(os.path.join(folder, "family.db"), rows)
    client = conn if switchable else KeepsForeignKeysOn(conn)

    def ours(form: int) -> None:
        result = inline_sync.sync(client, _definitions(form))
        assert result.status == "synced", result
        expected = 1 if switchable else 1 + CHILDREN
        assert sum(c.action == "rebuild" for c in result.plan.changes) == expected

    hand = _hand_parent_alone if switchable else _hand_closure
    form_of = _form_of(conn, "p")
    try:
        return alternate(
            {"ours": _flipping(form_of, ours), "base": _flipping(form_of, lambda f: hand(conn, f))},
            runs,
        )
    finally:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.close()


BIG = "CREATE TABLE big (id INTEGER PRIMARY KEY, a TEXT{}, b INTEGER, c REAL);"


def _fill_big(path: str, rows: int) -> sqlite3.Connection:
    if os.path.exists(path):
        os.remove(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(BIG.format(""))
    conn.execute(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) "
        "INSERT INTO big (id, a, b, c) SELECT x, 'row ' || x, x * 7, x / 3.0 FROM n",
        (rows,),
    )
    return conn


def table_rebuild(folder: str, rows: int, runs: int) -> dict[str, float]:
    """A table of ``rows`` rows rebuilt by inline_sync vs by a hand-written create, copy, drop,
    rename (and vs sqlite-utils' ``transform()`` when it is installed)."""
    conn = _fill_big(os.path.join(folder, "big.db"), rows)
    form_of = _form_of(conn, "big")

    def ours(form: int) -> None:
        assert inline_sync.sync(conn, BIG.format(" COLLATE NOCASE" if form else "")).status

    def hand(form: int) -> None:
        conn.execute("BEGIN")
        conn.execute(BIG.format(" COLLATE NOCASE" if form else "").replace("big", "big_new"))
        conn.execute("INSERT INTO big_new (id, a, b, c) SELECT id, a, b, c FROM big")
        conn.execute("DROP TABLE big")
        conn.execute("ALTER TABLE big_new RENAME TO big")
        conn.execute("COMMIT")

    samples = {"ours": _flipping(form_of, ours), "base": _flipping(form_of, hand)}
    if _transform_takes_collate():  # optional: compared when installed (3.35+)
        samples["sqlite_utils"] = _flipping(form_of, lambda form: _transform(conn, form))
    try:
        return alternate(samples, runs)
    finally:
        conn.close()


def _transform_takes_collate() -> bool:
    try:
        import sqlite_utils
    except ImportError:
        return False
    import inspect

    return "collate" in inspect.signature(sqlite_utils.db.Table.transform).parameters


def _transform(conn: sqlite3.Connection, form: int) -> None:
    import sqlite_utils

    sqlite_utils.Database(conn)["big"].transform(collate={"a": "NOCASE" if form else "BINARY"})


def add_column(folder: str, rows: int, runs: int) -> dict[str, float]:
    """ADD COLUMN by sync on a table of ``rows`` rows vs one of 1,000 rows (the column is
    dropped again between samples, outside the timing)."""
    conns = {n: _fill_big(os.path.join(folder, f"add_{n}.db"), n) for n in (rows, 1_000)}
    v2 = BIG.format("").replace("c REAL", "c REAL, d TEXT DEFAULT 'x'")

    def sample_of(conn: sqlite3.Connection) -> Callable[[], float]:
        def sample() -> float:
            start = time.perf_counter()
            assert inline_sync.sync(conn, v2).statements[0].startswith("ALTER TABLE")
            elapsed = time.perf_counter() - start
            conn.execute("ALTER TABLE big DROP COLUMN d")  # rewrites every row …
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            os.sync()  # … and the next sample's fsync must not be the one that writes them out
            return elapsed

        return sample

    try:
        return alternate({"big": sample_of(conns[rows]), "small": sample_of(conns[1_000])}, runs)
    finally:
        for conn in conns.values():
            conn.close()
