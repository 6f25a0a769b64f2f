"""Property test: sync a random populated schema to a random mutation of it.

A random schema A (tables, columns, constraints, indexes, views, some ON DELETE CASCADE
foreign keys) is built and filled with rows that satisfy both A and its mutation B;
``sync(B, allow_destructive=True)`` must then give a schema equivalent to a fresh database built
from B (tests/schema_oracle.py), keep every row of every table that survives (with its rowid,
for rowid tables), keep the values of every column that survives with the same type affinity,
leave foreign keys on and satisfied, and leave nothing for a second ``plan()`` to do. A plan
that drops a table or column (all hold rows) must be marked destructive and be refused without
``allow_destructive``.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import apsw
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schema_oracle import affinity, assert_same_schema, describe, executescript, rows

import inline_sync

TABLE_NAMES = ("alpha", "beta", "Gamma", "order", "delta", "epsilon")
COLUMN_NAMES = ("a", "b", "c", "Mixed", "from", "x y", "e", "f")
TYPES = ("INTEGER", "TEXT", "REAL", "BLOB", "NUMERIC", "")
STRICT_TYPES = ("INTEGER", "TEXT", "REAL", "ANY")  # STRICT-legal; BLOB left out (see _value)
DEFAULTS: dict[str, tuple[str, ...]] = {
    "INTEGER": ("0", "42", "-1"),
    "TEXT": ("'x'", "''", "'it''s'", "'__sync_alpha'"),  # a literal holding the scratch prefix
    "REAL": ("1.5", "0.0"),
    "BLOB": ("x'00ff'",),
    "NUMERIC": ("0", "7"),
    "": ("0", "'z'"),
    "ANY": ("0", "'a'"),
}
CHECKS = ("", "CHECK ({c} IS NOT NULL OR 1)", "CHECK (length({c}) >= 0 OR {c} IS NULL)")
INDEX_TERMS = ("plain", "desc", "lower")
ROWS = 3


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    pk: bool = False
    not_null: bool = False
    default: str | None = None
    nocase: bool = False
    check: int = 0
    check_name: str = ""  # CONSTRAINT <name> CHECK (...)
    unique: bool = False
    references: str | None = None  # a parent table (its PRIMARY KEY), ON DELETE CASCADE

    def sql(self) -> str:
        parts = [q(self.name)]
        if self.type:
            parts.append(self.type)
        if self.pk:
            parts.append("PRIMARY KEY")
        if self.not_null:
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        if self.nocase:
            parts.append("COLLATE NOCASE")
        if self.check:
            named = f"CONSTRAINT {q(self.check_name)} " if self.check_name else ""
            parts.append(named + CHECKS[self.check].format(c=q(self.name)))
        if self.unique:
            parts.append("UNIQUE")
        if self.references:
            parts.append(f"REFERENCES {q(self.references)} ON DELETE CASCADE")
        return " ".join(parts)


@dataclass(frozen=True)
class Index:
    name: str
    terms: tuple[tuple[str, str], ...]  # (column, "plain" | "desc" | "lower")
    unique: bool = False
    where: str | None = None  # a column: WHERE col IS NOT NULL

    def sql(self, table: str) -> str:
        rendered = []
        for col, kind in self.terms:
            if kind == "desc":
                rendered.append(f"{q(col)} DESC")
            elif kind == "lower":
                rendered.append(f"lower({q(col)})")
            else:
                rendered.append(q(col))
        unique = "UNIQUE " if self.unique else ""
        where = f" WHERE {q(self.where)} IS NOT NULL" if self.where else ""
        return f"CREATE {unique}INDEX {q(self.name)} ON {q(table)} ({', '.join(rendered)}){where}"

    def uses(self, column: str) -> bool:
        return column in {c for c, _ in self.terms} or self.where == column


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    strict: bool = False
    without_rowid: bool = False
    indexes: tuple[Index, ...] = field(default_factory=tuple)
    view: bool = False

    def sql(self) -> list[str]:
        options = [
            o for o, on in (("STRICT", self.strict), ("WITHOUT ROWID", self.without_rowid)) if on
        ]
        cols = ",\n  ".join(c.sql() for c in self.columns)
        suffix = " " + ", ".join(options) if options else ""
        out = [f"CREATE TABLE {q(self.name)} (\n  {cols}\n){suffix}"]
        out += [i.sql(self.name) for i in self.indexes]
        if self.view:
            out.append(f"CREATE VIEW {q('v_' + self.name)} AS SELECT * FROM {q(self.name)}")
        return out

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def rowid_alias(self) -> Column | None:
        if self.without_rowid:
            return None
        return next((c for c in self.columns if c.pk and c.type == "INTEGER"), None)


Schema = tuple[Table, ...]


def ddl(schema: Schema) -> str:
    return ";\n".join(s for t in schema for s in t.sql()) + ";\n"


def find(schema: Schema, name: str) -> Table | None:
    return next((t for t in schema if t.name == name), None)


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------

rarely = st.sampled_from([False, False, False, True])


@st.composite
def columns(draw: Any, name: str, strict: bool, allow_pk: bool) -> Column:
    ctype = draw(st.sampled_from(STRICT_TYPES if strict else TYPES))
    if allow_pk and ctype == "INTEGER" and draw(rarely):
        return Column(name, ctype, pk=True)
    default = draw(st.none() | st.sampled_from(DEFAULTS[ctype]))
    not_null = draw(st.booleans())
    if not_null and default is None:
        default = draw(st.sampled_from(DEFAULTS[ctype]))
    return Column(
        name,
        ctype,
        not_null=not_null,
        default=default,
        nocase=draw(rarely),
        check=draw(st.sampled_from([0, 0, 1, 2])),
        check_name=draw(st.sampled_from(["", "", f"ck_{name}"])),
        unique=draw(rarely),
    )


@st.composite
def indexes(draw: Any, table: str, cols: tuple[Column, ...], number: int) -> Index:
    names = [c.name for c in cols]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
    terms = tuple((c, draw(st.sampled_from(INDEX_TERMS))) for c in chosen)
    where = draw(st.none() | st.sampled_from(names)) if draw(rarely) else None
    return Index(f"ix_{table}_{number}", terms, unique=draw(rarely), where=where)


@st.composite
def tables(draw: Any, name: str) -> Table:
    strict = draw(st.sampled_from([False] * 5 + [True]))
    names = draw(st.permutations(COLUMN_NAMES))[: draw(st.integers(1, 6))]
    cols: list[Column] = []
    for col_name in names:
        cols.append(draw(columns(col_name, strict, allow_pk=not any(c.pk for c in cols))))
    has_pk = any(c.pk for c in cols)
    without_rowid = has_pk and draw(st.sampled_from([False, False, True]))
    idx = tuple(draw(indexes(name, tuple(cols), n)) for n in range(draw(st.integers(0, 2))))
    return Table(name, tuple(cols), strict, without_rowid, idx, view=draw(rarely))


@st.composite
def schemas(draw: Any) -> Schema:
    names = draw(st.permutations(TABLE_NAMES))[: draw(st.integers(1, 4))]
    out: list[Table] = []
    for name in names:
        table = draw(tables(name))
        parents = [t.name for t in out if any(c.pk for c in t.columns)]
        if parents and draw(st.booleans()):  # a child: "ref" references an earlier table's PK
            ref = Column("ref", "INTEGER", references=draw(st.sampled_from(parents)))
            table = dataclasses.replace(table, columns=(*table.columns, ref))
        out.append(table)
    return tuple(out)


def referenced(schema: Schema | list[Table]) -> set[str]:
    return {c.references for t in schema for c in t.columns if c.references}


def _retype_default(draw: Any, col: Column, ctype: str) -> Column:
    default = None if col.default is None else draw(st.sampled_from(DEFAULTS[ctype]))
    return dataclasses.replace(col, type=ctype, default=default)


@st.composite
def mutate_table(draw: Any, table: Table, is_parent: bool) -> Table:
    ops = ["add_column", "add_index", "toggle_view"]
    plain = [c for c in table.columns if not c.pk and not c.references]
    droppable = [c for c in table.columns if not (c.pk and is_parent)]
    if len(table.columns) > 1 and droppable:
        ops += ["drop_column", "reorder"]
    if plain:
        ops += ["change_type", "toggle_not_null", "change_check", "toggle_unique", "nocase"]
    if any(c.check for c in plain):
        ops.append("rename_check")
    if table.indexes:
        ops.append("drop_index")
    op = draw(st.sampled_from(ops))
    cols = list(table.columns)
    if op == "add_column":
        free = [n for n in COLUMN_NAMES if table.column(n) is None]
        if not free:
            return table
        new = draw(columns(draw(st.sampled_from(free)), table.strict, allow_pk=False))
        cols.insert(draw(st.integers(0, len(cols))), new)
        return dataclasses.replace(table, columns=tuple(cols))
    if op == "drop_column":
        gone = draw(st.sampled_from(droppable))
        return dataclasses.replace(
            table,
            columns=tuple(c for c in cols if c is not gone),
            without_rowid=table.without_rowid and not gone.pk,
            indexes=tuple(i for i in table.indexes if not i.uses(gone.name)),
        )
    if op == "reorder":
        return dataclasses.replace(table, columns=tuple(draw(st.permutations(cols))))
    if op == "add_index":
        used = {i.name for i in table.indexes}
        number = next(n for n in range(10) if f"ix_{table.name}_{n}" not in used)
        new_index = draw(indexes(table.name, table.columns, number))
        return dataclasses.replace(table, indexes=(*table.indexes, new_index))
    if op == "drop_index":
        gone_index = draw(st.sampled_from(table.indexes))
        return dataclasses.replace(
            table, indexes=tuple(i for i in table.indexes if i is not gone_index)
        )
    if op == "toggle_view":
        return dataclasses.replace(table, view=not table.view)
    target = draw(st.sampled_from([c for c in plain if c.check or op != "rename_check"]))
    pos = cols.index(target)
    if op == "change_type":
        choices = [t for t in (STRICT_TYPES if table.strict else TYPES) if t != target.type]
        cols[pos] = _retype_default(draw, target, draw(st.sampled_from(choices)))
    elif op == "toggle_not_null":
        if target.not_null:
            cols[pos] = dataclasses.replace(target, not_null=False)
        else:
            default = target.default or draw(st.sampled_from(DEFAULTS[target.type]))
            cols[pos] = dataclasses.replace(target, not_null=True, default=default)
    elif op == "change_check":
        cols[pos] = dataclasses.replace(target, check=(target.check + draw(st.integers(1, 2))) % 3)
    elif op == "rename_check":  # only the constraint's name changes
        names = [
            n for n in ("", f"ck_{target.name}", f"ck2_{target.name}") if n != target.check_name
        ]
        cols[pos] = dataclasses.replace(target, check_name=draw(st.sampled_from(names)))
    elif op == "toggle_unique":
        cols[pos] = dataclasses.replace(target, unique=not target.unique)
    else:
        cols[pos] = dataclasses.replace(target, nocase=not target.nocase)
    return dataclasses.replace(table, columns=tuple(cols))


@st.composite
def mutations(draw: Any, schema: Schema) -> Schema:
    original = {t.name for t in schema}
    out = list(schema)
    for _ in range(draw(st.integers(1, 3))):
        ops = ["table", "table", "table", "add_table"]
        leaves = [t for t in out if t.name not in referenced(out)]
        if len(out) > 1 and leaves:
            ops.append("drop_table")
        op = draw(st.sampled_from(ops))
        if op == "add_table":
            free = [n for n in TABLE_NAMES if n not in original and find(tuple(out), n) is None]
            if free:
                out.append(draw(tables(draw(st.sampled_from(free)))))
        elif op == "drop_table":
            out.remove(draw(st.sampled_from(leaves)))
        else:
            i = draw(st.integers(0, len(out) - 1))
            out[i] = draw(mutate_table(out[i], out[i].name in referenced(out)))
    return tuple(out)


def _satisfiable(first: Schema, second: Schema) -> Schema:
    """Drop uniqueness that the existing rows could not satisfy: a column added to a table
    that has rows gets its DEFAULT in every row, so it (or an index only on such columns)
    cannot be UNIQUE."""
    out = []
    for table in second:
        old = find(first, table.name)
        if old is None:
            out.append(table)
            continue
        filled = {
            c.name for c in table.columns if c.default is not None and old.column(c.name) is None
        }
        cols = tuple(
            dataclasses.replace(c, unique=False) if c.name in filled else c for c in table.columns
        )
        idx = tuple(
            dataclasses.replace(i, unique=False) if all(col in filled for col, _ in i.terms) else i
            for i in table.indexes
        )
        out.append(dataclasses.replace(table, columns=cols, indexes=idx))
    return tuple(out)


@st.composite
def schema_pairs(draw: Any) -> tuple[Schema, Schema]:
    first = draw(schemas())
    return first, _satisfiable(first, draw(mutations(first)))


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def _value(types: set[str], i: int) -> Any:
    """Row ``i``'s non-NULL value for a column declared with ``types`` (in A and B): one that
    every one of those types (STRICT or not) accepts and distinct per row."""
    if types <= {"TEXT"}:
        return f"v{i}"
    if types <= {"REAL"}:
        return i + 0.5
    if types <= {"BLOB"}:
        return bytes([i, 255 - i])
    return i  # an integer converts losslessly to every STRICT type used here


def rowid_for(i: int) -> int:
    return 100 + 7 * i  # not 1..n, so a rebuild that renumbers rows is caught


def fill(conn: Any, first: Schema, second: Schema) -> None:
    for table in first:
        other = find(second, table.name)
        names = [c.name for c in table.columns]
        with_rowid = not table.without_rowid and table.rowid_alias is None
        cols = (["rowid"] if with_rowid else []) + [q(n) for n in names]
        sql = (
            f"INSERT INTO {q(table.name)} ({', '.join(cols)}) "
            f"VALUES ({', '.join('?' for _ in cols)})"
        )
        for i in range(1, ROWS + 1):
            values: list[Any] = [rowid_for(i)] if with_rowid else []
            for col in table.columns:
                if col.pk or col.references:  # parents' keys are rowid_for(1..ROWS)
                    values.append(rowid_for(i))
                    continue
                twin = other.column(col.name) if other else None
                values.append(_value({col.type} | ({twin.type} if twin else set()), i))
            rows(conn, sql, values)


def table_rows(conn: Any, table: Table) -> list[dict[str, Any]]:
    cols = [q(c.name) for c in table.columns]
    if not table.without_rowid:
        cols.insert(0, "rowid")
    out = []
    for r in rows(conn, f"SELECT {', '.join(cols)} FROM {q(table.name)}"):
        keys = ([] if table.without_rowid else ["rowid"]) + [c.name for c in table.columns]
        out.append(dict(zip(keys, r, strict=True)))
    return out


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------


def connect(client: str) -> Any:
    if client == "sqlite3":
        conn: Any = sqlite3.connect(":memory:", isolation_level=None)
    else:
        conn = apsw.Connection(":memory:")
    executescript(conn, "PRAGMA foreign_keys = ON")
    return conn


def check_rows(
    conn: Any, before: dict[str, list[dict[str, Any]]], first: Schema, second: Schema
) -> None:
    for old in first:
        new = find(second, old.name)
        if new is None:
            continue
        after = table_rows(conn, new)
        assert len(after) == len(before[old.name]), f"{old.name}: row count changed"
        shared = [
            c.name
            for c in old.columns
            if (twin := new.column(c.name)) is not None and affinity(twin.type) == affinity(c.type)
        ]
        if not old.without_rowid and not new.without_rowid:
            by_rowid = {r["rowid"]: r for r in after}
            for r in before[old.name]:
                assert r["rowid"] in by_rowid, f"{old.name}: row with rowid {r['rowid']} lost"
                got = by_rowid[r["rowid"]]
                for c in shared:
                    assert got[c] == r[c], (
                        f"{old.name}.{c} rowid {r['rowid']}: {r[c]!r} -> {got[c]!r}"
                    )
        else:
            old_values = sorted((tuple(r[c] for c in shared) for r in before[old.name]), key=repr)
            new_values = sorted((tuple(r[c] for c in shared) for r in after), key=repr)
            assert old_values == new_values, f"{old.name}: values of {shared} changed"


@pytest.mark.parametrize("client", ["sqlite3", "apsw"])
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(pair=schema_pairs(), strategy=st.sampled_from(["scratch-db", "prefix", "auto"]))
@example(  # replace a table's only column: the new column must exist before the old one goes
    pair=(
        (Table("alpha", (Column("a", "INTEGER"),)),),
        (Table("alpha", (Column("b", "INTEGER"),)),),
    ),
    strategy="scratch-db",
)
def test_sync_to_mutated_schema(client: str, pair: tuple[Schema, Schema], strategy: str) -> None:
    first, second = pair
    first_ddl, second_ddl = ddl(first), ddl(second)
    conn = connect(client)
    executescript(conn, first_ddl)
    fill(conn, first, second)
    before = {t.name: table_rows(conn, t) for t in first}

    # every table has rows, so dropping a table or a column loses data
    lost = [t.name for t in first if find(second, t.name) is None] + [
        f"{t.name}.{c.name}"
        for t in first
        if (twin := find(second, t.name)) is not None
        for c in t.columns
        if twin.column(c.name) is None
    ]
    planned = inline_sync.plan(conn, second_ddl, scratch_schema=strategy)
    if lost:
        assert planned.destructive, f"plan not destructive, yet it drops {lost}\n{first_ddl}"
    if planned.destructive:
        schema_before = describe(conn)
        with pytest.raises(inline_sync.DestructiveChangeError):
            inline_sync.sync(conn, second_ddl, scratch_schema=strategy)
        assert describe(conn) == schema_before, "a refused sync changed the schema"
        assert {t.name: table_rows(conn, t) for t in first} == before

    result = inline_sync.sync(conn, second_ddl, scratch_schema=strategy, allow_destructive=True)
    applied = "\n".join(result.statements)
    context = f"\n--- from:\n{first_ddl}--- to:\n{second_ddl}--- applied:\n{applied}"

    fresh = connect(client)
    executescript(fresh, second_ddl)
    try:
        assert_same_schema(conn, fresh, "synced", "fresh from the target DDL")
        assert rows(conn, "PRAGMA integrity_check") == [("ok",)]
        assert rows(conn, "PRAGMA foreign_key_check") == []
        assert rows(conn, "PRAGMA foreign_keys") == [(1,)], "foreign_keys not restored"
        check_rows(conn, before, first, second)
        for other in ("scratch-db", "prefix"):  # idempotent, whichever strategy plans next
            again = inline_sync.plan(conn, second_ddl, scratch_schema=other)
            assert again.statements == [], f"second plan ({other}):\n" + "\n".join(again.statements)
    except AssertionError as exc:
        raise AssertionError(f"{exc}{context}") from None
    finally:
        conn.close()
        fresh.close()


@settings(max_examples=200, deadline=None)
@given(pair=schema_pairs())
def test_generated_schemas_are_valid(pair: tuple[Schema, Schema]) -> None:
    """The generator itself: both schemas compile and A accepts the rows meant for both."""
    first, second = pair
    for schema in (first, second):
        conn = sqlite3.connect(":memory:", isolation_level=None)
        executescript(conn, ddl(schema))
        fill(conn, schema, first if schema is second else second)
        conn.close()
