"""sqldef's SQLite conformance cases (tests/conformance/sqldef/*.yml), run against inline_sync.

For every case, client (sqlite3, apsw) and scratch strategy (scratch-db, prefix):

1. build a database from ``current`` and put a few rows in every table;
2. sync it to ``desired`` (allow_destructive=True); its schema must then be equivalent to a fresh
   database built from ``desired`` (tests/schema_oracle.py), a second ``plan()`` must find
   nothing to do, and the rows of surviving tables must survive (following ``@renamed`` hints);
3. the same back from ``desired`` to ``current``.

``enable_drop: false`` cases are run like the others: inline_sync has no such mode.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path
from typing import Any

import apsw
import pytest
import yaml
from schema_oracle import (
    affinity,
    assert_same_schema,
    describe,
    diff_descriptions,
    executescript,
    rows,
    tokenize,
)

import inline_sync

CASES_DIR = Path(__file__).parent / "conformance" / "sqldef"
CLIENTS = ("sqlite3", "apsw")
STRATEGIES = ("scratch-db", "prefix")
ROWS_PER_TABLE = 3


def _load_params() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yml")):
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, case in cases.items():
            for client in CLIENTS:
                for strategy in STRATEGIES:
                    params.append(
                        pytest.param(
                            case,
                            client,
                            strategy,
                            id=f"{path.name}::{name}-{client}-{strategy}",
                        )
                    )
    return params


PARAMS = _load_params()


# --------------------------------------------------------------------------------------------
# Connections
# --------------------------------------------------------------------------------------------


def connect(client: str, path: str | Path = ":memory:") -> Any:
    if client == "sqlite3":
        conn: Any = sqlite3.connect(str(path), isolation_level=None)
    else:
        conn = apsw.Connection(str(path))
    executescript(conn, "PRAGMA foreign_keys = ON")
    return conn


def in_transaction(conn: Any) -> bool:
    if isinstance(conn, sqlite3.Connection):
        return conn.in_transaction
    return not conn.getautocommit()


def fresh_db(client: str, ddl: str) -> Any:
    conn = connect(client)
    executescript(conn, ddl)
    return conn


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def sample_value(decl: str | None, i: int) -> Any:
    """A non-NULL value for row ``i`` (1-based) that suits the declared type."""
    aff = affinity(decl)
    if aff == "TEXT":
        return f"v{i}"
    if aff == "REAL":
        return i + 0.5
    if aff == "BLOB" and "BLOB" in (decl or "").upper():
        return bytes([i, i])
    return i


def base_tables(conn: Any) -> list[str]:
    """Ordinary tables of ``main`` (no sqlite_*, virtual or shadow tables), parents first."""
    names = [
        name
        for name, kind in rows(
            conn, "SELECT name, type FROM pragma_table_list WHERE schema = 'main'"
        )
        if kind == "table" and not name.lower().startswith(("sqlite_", "_inline_sync", "_cf_"))
    ]
    by_lower = {n.lower(): n for n in names}
    parents = {
        n: {
            r[0].lower() for r in rows(conn, 'SELECT "table" FROM pragma_foreign_key_list(?)', (n,))
        }
        - {n.lower()}
        for n in names
    }
    ordered: list[str] = []
    placed: set[str] = set()
    pending = sorted(names, key=str.lower)
    while pending:
        ready = [n for n in pending if all(p in placed or p not in by_lower for p in parents[n])]
        if not ready:  # a cycle: place the rest in name order
            ready = pending
        for n in ready:
            ordered.append(n)
            placed.add(n.lower())
        pending = [n for n in pending if n not in ready]
    return ordered


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_columns(conn: Any, table: str) -> list[tuple[str, str]]:
    """(name, declared type) of the ordinary (not generated, not hidden) columns."""
    return [
        (r[1], r[2] or "")
        for r in rows(conn, "SELECT * FROM pragma_table_xinfo(?)", (table,))
        if r[6] == 0
    ]


def populate(conn: Any) -> None:
    """Insert a few rows into every empty table that accepts them (failures are ignored)."""
    for table in base_tables(conn):
        if rows(conn, f"SELECT count(*) FROM {_quote(table)}")[0][0]:
            continue
        cols = table_columns(conn, table)
        if not cols:
            continue
        sql = (
            f"INSERT INTO {_quote(table)} ({', '.join(_quote(c) for c, _ in cols)}) "
            f"VALUES ({', '.join('?' for _ in cols)})"
        )
        for i in range(1, ROWS_PER_TABLE + 1):
            with contextlib.suppress(Exception):
                rows(conn, sql, [sample_value(decl, i) for _, decl in cols])


Snapshot = dict[str, dict[str, Any]]


def snapshot(conn: Any) -> Snapshot:
    """Per table (lower-cased name): its row count, its columns' affinities and its rows."""
    snap: Snapshot = {}
    for table in base_tables(conn):
        cols = table_columns(conn, table)
        data = (
            rows(conn, f"SELECT {', '.join(_quote(c) for c, _ in cols)} FROM {_quote(table)}")
            if cols
            else []
        )
        snap[table.lower()] = {
            "count": rows(conn, f"SELECT count(*) FROM {_quote(table)}")[0][0],
            "affinity": {c.lower(): affinity(d) for c, d in cols},
            "rows": [{c.lower(): v for (c, _), v in zip(cols, r, strict=True)} for r in data],
        }
    return snap


_HINT = re.compile(
    r"@renamed\s+from\s*=\s*"
    r"(\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|'(?:[^']|'')*'|[^\s*]+)",
    re.IGNORECASE,
)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+(?:TEMP\w*\s+)?TABLE\s", re.IGNORECASE)
_CREATE_OTHER = re.compile(r"^\s*CREATE\s", re.IGNORECASE)


def _ident(text: str) -> str:
    kind, value = tokenize(text)[0]
    if kind == "str":
        return value[1:-1].replace("''", "'").lower()
    return value.lower()


def rename_hints(ddl: str) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """The ``@renamed from=`` hints of a DDL text: {old table: new table} and
    {(new table, old column): new column}, all lower-cased."""
    tables: dict[str, str] = {}
    columns: dict[tuple[str, str], str] = {}
    current: str | None = None
    for line in ddl.splitlines():
        code = line.split("--", 1)[0].split("/*", 1)[0]
        is_table_line = bool(_CREATE_TABLE.match(line))
        if is_table_line:
            words = [t for t in tokenize(code) if t[0] != "op"]
            # CREATE [TEMP] TABLE [IF NOT EXISTS] name
            rest = words[2:] if words[1][1] == "table" else words[3:]
            if [t[1] for t in rest[:3]] == ["if", "not", "exists"]:
                rest = rest[3:]
            current = rest[0][1].lower() if rest[0][0] != "str" else _ident(rest[0][1])
        elif _CREATE_OTHER.match(line):
            current = None
        hint = _HINT.search(line)
        if not hint:
            continue
        old = _ident(hint.group(1))
        if is_table_line and current is not None:
            tables[old] = current
        elif current is not None and code.strip():
            columns[(current, old)] = _ident(code.strip())
    return tables, columns


def check_data(before: Snapshot, after: Snapshot, target_ddl: str) -> tuple[list[str], list[str]]:
    """Rows of every table that exists on both sides (directly or by a rename hint) must
    survive, with the values of every column that survives with the same affinity.

    Returns the problems found and what was (legitimately) lost: tables and columns that
    held rows and no longer exist."""
    table_renames, column_renames = rename_hints(target_ddl)
    problems: list[str] = []
    lost: list[str] = []
    for old_table, old in before.items():
        new_table = table_renames.get(old_table, old_table)
        if new_table not in after:
            if old["count"]:
                lost.append(f"table {old_table}")
            continue
        if new_table != old_table and old_table in after:
            continue  # the hint was not applicable: the old table is still there
        new = after[new_table]
        where = f"{old_table} -> {new_table}" if new_table != old_table else old_table
        if new["count"] != old["count"]:
            problems.append(f"table {where}: {old['count']} rows before, {new['count']} after")
            continue
        pairs = []
        for col, aff in old["affinity"].items():
            new_col = column_renames.get((new_table, col), col)
            if new_col != col and col in new["affinity"]:
                new_col = col  # hint not applicable: the old column is still there
            if new_col not in new["affinity"]:
                if old["count"]:
                    lost.append(f"column {old_table}.{col}")
            elif new["affinity"][new_col] == aff:
                pairs.append((col, new_col))
        if not pairs:
            continue
        old_values = sorted((tuple(r[c] for c, _ in pairs) for r in old["rows"]), key=repr)
        new_values = sorted((tuple(r[n] for _, n in pairs) for r in new["rows"]), key=repr)
        if old_values != new_values:
            cols = ", ".join(c if c == n else f"{c}->{n}" for c, n in pairs)
            problems.append(
                f"table {where} columns ({cols}): values changed\n"
                f"    before: {old_values}\n    after:  {new_values}"
            )
    return problems, lost


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------


def sync_one_way(
    conn: Any, client: str, strategy: str, target_ddl: str, *, expect_noop: bool
) -> None:
    populate(conn)
    before_rows = snapshot(conn)
    before_schema = describe(conn)
    fresh = fresh_db(client, target_ddl)
    target_schema = describe(fresh)
    differs = bool(diff_descriptions(before_schema, target_schema))

    planned = inline_sync.plan(conn, target_ddl, scratch_schema=strategy)
    assert not diff_descriptions(before_schema, describe(conn)), "plan() changed the schema"
    assert snapshot(conn) == before_rows, "plan() changed the data"
    if differs:
        assert planned.status == "changes-needed", (planned.status, planned.statements)
    if expect_noop:
        assert planned.status == "up-to-date", (
            "sqldef finds nothing to do here, but the plan is:\n" + "\n".join(planned.statements)
        )

    dry = inline_sync.sync(
        conn, target_ddl, scratch_schema=strategy, allow_destructive=True, dry_run=True
    )
    assert dry.status == planned.status, (dry.status, planned.status)
    assert list(dry.plan.statements) == list(planned.statements)
    assert list(dry.statements) == [], "a dry run executed statements"
    assert not diff_descriptions(before_schema, describe(conn)), "dry run changed the schema"
    assert snapshot(conn) == before_rows, "dry run changed the data"

    if planned.destructive:
        with pytest.raises(inline_sync.DestructiveChangeError) as refused:
            inline_sync.sync(conn, target_ddl, scratch_schema=strategy)
        assert refused.value.plan.destructive
        assert not diff_descriptions(before_schema, describe(conn)), "refused sync changed it"
        assert snapshot(conn) == before_rows, "refused sync changed the data"
        assert not in_transaction(conn)

    result = inline_sync.sync(conn, target_ddl, scratch_schema=strategy, allow_destructive=True)
    applied = "\n".join(result.statements)
    assert result.status in ("synced", "up-to-date"), result.status
    if differs:
        assert result.status == "synced", result.status
    assert not in_transaction(conn), "sync() left a transaction open"
    assert rows(conn, "PRAGMA foreign_keys") == [(1,)], "sync() did not restore foreign_keys"
    assert rows(conn, "PRAGMA foreign_key_check") == []
    assert rows(conn, "PRAGMA integrity_check") == [("ok",)]

    try:
        assert_same_schema(conn, fresh, "synced database", "fresh database from the target DDL")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nstatements applied:\n{applied}") from None

    for other in STRATEGIES:  # idempotent, whichever strategy plans next
        again = inline_sync.plan(conn, target_ddl, scratch_schema=other)
        assert list(again.statements) == [], (
            f"second plan ({other}) is not empty:\n{chr(10).join(again.statements)}\n"
            f"after applying:\n{applied}"
        )

    problems, lost = check_data(before_rows, snapshot(conn), target_ddl)
    assert not problems, "\n".join(problems) + f"\nstatements applied:\n{applied}"
    if lost:
        assert planned.destructive, f"plan not marked destructive, yet it lost: {lost}"


@pytest.mark.parametrize(("case", "client", "strategy"), PARAMS)
def test_sqldef_case(case: dict[str, Any], client: str, strategy: str, tmp_path: Path) -> None:
    current = case.get("current") or ""
    desired = case.get("desired") or ""
    conn = connect(client, tmp_path / "db.sqlite")
    try:
        executescript(conn, current)
        up_noop = "up" in case and not (case["up"] or "").strip()
        down_noop = (
            "down" in case and not (case["down"] or "").strip() and case.get("enable_drop", True)
        )
        sync_one_way(conn, client, strategy, desired, expect_noop=up_noop)
        sync_one_way(conn, client, strategy, current, expect_noop=down_noop)
    finally:
        conn.close()


def test_case_count() -> None:
    assert len(PARAMS) == 65 * len(CLIENTS) * len(STRATEGIES)


@pytest.mark.parametrize(
    ("ddl", "tables", "columns"),
    [
        (
            "CREATE TABLE users ( -- @renamed from=user_accounts\n  id int\n);",
            {"user_accounts": "users"},
            {},
        ),
        (
            "CREATE TABLE new_users /* @renamed from=old_users */ (\n  id int\n);",
            {"old_users": "new_users"},
            {},
        ),
        (
            'CREATE TABLE "user_profiles" ( -- @renamed from="user accounts"\n  id int\n);',
            {"user accounts": "user_profiles"},
            {},
        ),
        (
            "CREATE TABLE users (\n  id int,\n  user_name text, -- @renamed from=username\n);\n"
            "CREATE INDEX i /* @renamed from=j */ ON users (id);",
            {},
            {("users", "username"): "user_name"},
        ),
    ],
)
def test_rename_hints_parser(
    ddl: str, tables: dict[str, str], columns: dict[tuple[str, str], str]
) -> None:
    assert rename_hints(ddl) == (tables, columns)
