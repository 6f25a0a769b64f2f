"""Unit tests of inline_sync.diff.compare_table: which change each table difference needs."""

from __future__ import annotations

import pytest

from inline_sync.ddl import parse_table
from inline_sync.diff import (
    Capabilities,
    TableDiff,
    compare_table,
    rename_names,
    rename_references,
    renames_by_alter,
)

NEW = Capabilities((3, 53, 0))
OLD = Capabilities((3, 40, 0))
ANCIENT = Capabilities((3, 20, 0))


class HasRows:
    """A has_rows callback that records calls; None means it must not be called."""

    def __init__(self, answer: bool | None) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self) -> bool:
        self.calls += 1
        if self.answer is None:
            raise AssertionError("has_rows called although the answer cannot matter")
        return self.answer


def diff(
    current: str,
    desired: str,
    hints: dict[str, str] | None = None,
    caps: Capabilities = NEW,
    rows: bool | None = None,
) -> TableDiff:
    return compare_table(
        parse_table(current), parse_table(desired), hints or {}, caps, HasRows(rows)
    )


def summary(d: TableDiff) -> dict[str, object]:
    return {
        "rebuild": d.rebuild,
        "added": [c.name for c in d.added],
        "dropped": list(d.dropped),
        "set_not_null": list(d.set_not_null),
        "drop_not_null": list(d.drop_not_null),
        "add_checks": [c.sql for c in d.add_checks],
        "drop_checks": [c.name for c in d.drop_checks],
        "renames": list(d.column_renames),
        "reasons": list(d.reasons),
    }


def expect(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "rebuild": False,
        "added": [],
        "dropped": [],
        "set_not_null": [],
        "drop_not_null": [],
        "add_checks": [],
        "drop_checks": [],
        "renames": [],
        "reasons": [],
    }
    base.update(kw)
    return base


def rebuild_for(*reasons: str) -> dict[str, object]:
    return expect(rebuild=True, reasons=list(reasons))


def test_capabilities() -> None:
    assert (ANCIENT.rename_column, ANCIENT.drop_column, ANCIENT.alter_constraints) == (
        False,
        False,
        False,
    )
    assert (Capabilities((3, 25, 0)).rename_column, Capabilities((3, 25, 0)).drop_column) == (
        True,
        False,
    )
    assert (OLD.rename_column, OLD.drop_column, OLD.alter_constraints) == (True, True, False)
    assert (NEW.rename_column, NEW.drop_column, NEW.alter_constraints) == (True, True, True)


def test_identical_modulo_cosmetics() -> None:
    d = diff("CREATE TABLE t (a INT, b)", 'create table T ("a" int, [b])')
    assert summary(d) == expect()
    assert (d.changed, d.only_adds_columns) == (False, False)


def test_a_column_in_another_case_is_renamed() -> None:
    d = diff("CREATE TABLE t (a INT, B)", "CREATE TABLE t (A INT, B)")
    assert d.column_renames == (("a", "A"),)
    assert summary(d) == expect(renames=[("a", "A")], reasons=["rename column a -> A"])


def test_a_name_a_hint_moves_is_no_change_of_case() -> None:
    # Name moves to New by hint; NAME is then a new column, not Name in another case.
    d = diff("CREATE TABLE t (Name)", "CREATE TABLE t (New, NAME)", {"new": "Name"})
    assert d.column_renames == (("Name", "New"),)
    assert [c.name for c in d.added] == ["NAME"]
    # A hint's new name declared in another case than the column it takes: one rename.
    d = diff("CREATE TABLE t (a, Old)", "CREATE TABLE t (A, new)", {"new": "old"})
    assert sorted(d.column_renames) == [("Old", "new"), ("a", "A")]


def test_add_column_at_end_is_cheap() -> None:
    d = diff("CREATE TABLE t (a, b)", "CREATE TABLE t (a, b, c TEXT DEFAULT 'x')")
    assert summary(d) == expect(added=["c"], reasons=["add column c"])
    assert d.added[0].sql == "c TEXT DEFAULT 'x'"
    assert (d.changed, d.only_adds_columns) == (True, True)


def test_add_column_in_the_middle_rebuilds() -> None:
    d = diff("CREATE TABLE t (a, b)", "CREATE TABLE t (a, c TEXT, b)")
    assert summary(d) == rebuild_for(
        "add column c", "new column c is not after all existing columns"
    )
    assert d.only_adds_columns is False


def test_drop_plain_column_is_cheap() -> None:
    d = diff("CREATE TABLE t (a, b)", "CREATE TABLE t (a)")
    assert summary(d) == expect(dropped=["b"], reasons=["drop column b"])
    assert d.only_adds_columns is False


def test_drop_column_with_own_check_is_cheap() -> None:
    d = diff("CREATE TABLE t (a, b CHECK (b > 0))", "CREATE TABLE t (a)")
    assert summary(d) == expect(dropped=["b"], reasons=["drop column b"])


@pytest.mark.parametrize(
    ("current", "reasons"),
    [
        (
            "CREATE TABLE t (a, b UNIQUE)",
            ["UNIQUE constraints change", "dropped column b is part of a PRIMARY KEY or UNIQUE"],
        ),
        (
            "CREATE TABLE t (a, b, UNIQUE (b))",
            ["UNIQUE constraints change", "dropped column b is part of a PRIMARY KEY or UNIQUE"],
        ),
        (
            "CREATE TABLE t (a, b, PRIMARY KEY (a, b))",
            [
                "PRIMARY KEY or AUTOINCREMENT changes",
                "dropped column b is part of a PRIMARY KEY or UNIQUE",
            ],
        ),
        ("CREATE TABLE t (a, b REFERENCES p (id))", ["a dropped column is part of a foreign key"]),
        (
            "CREATE TABLE t (a, b, FOREIGN KEY (a, b) REFERENCES p (x, y))",
            ["a dropped column is part of a foreign key"],
        ),
        (
            "CREATE TABLE t (a, b, CHECK (b > 0))",
            [
                "a remaining CHECK constraint uses a dropped column",
                "an unnamed CHECK constraint is removed",
            ],
        ),
        ("CREATE TABLE t (a, b, c AS (b + 1))", None),
    ],
)
def test_drop_key_or_referenced_column_rebuilds(current: str, reasons: list[str] | None) -> None:
    if reasons is None:
        d = diff(current, "CREATE TABLE t (a, c AS (b + 1))")
        reasons = ["dropped column b is used by a generated column"]
    else:
        d = diff(current, "CREATE TABLE t (a)")
    assert summary(d) == rebuild_for(*reasons)


def test_drop_column_before_3_35_rebuilds() -> None:
    d = diff("CREATE TABLE t (a, b)", "CREATE TABLE t (a)", caps=Capabilities((3, 34, 1)))
    assert summary(d) == rebuild_for("drop column b (by rebuild: SQLite < 3.35)")


def test_set_not_null_alter_on_3_53() -> None:
    d = diff("CREATE TABLE t (a, b)", "CREATE TABLE t (a NOT NULL, b)")
    assert summary(d) == expect(set_not_null=["a"], reasons=["set NOT NULL on a"])


def test_set_not_null_rebuild_before_3_53() -> None:
    d = diff("CREATE TABLE t (a, b)", "CREATE TABLE t (a NOT NULL, b)", caps=OLD)
    assert summary(d) == rebuild_for("column a: NOT NULL False -> True")


def test_drop_not_null() -> None:
    assert summary(diff("CREATE TABLE t (a NOT NULL)", "CREATE TABLE t (a)")) == expect(
        drop_not_null=["a"], reasons=["drop NOT NULL on a"]
    )
    assert summary(diff("CREATE TABLE t (a NOT NULL)", "CREATE TABLE t (a)", caps=OLD)) == (
        rebuild_for("column a: NOT NULL True -> False")
    )


def test_not_null_with_conflict_clause_rebuilds() -> None:
    d = diff("CREATE TABLE t (a)", "CREATE TABLE t (a NOT NULL ON CONFLICT IGNORE)")
    assert summary(d) == rebuild_for(
        "column a: NOT NULL False -> True", "column a: ON CONFLICT  -> IGNORE"
    )


def test_not_null_on_generated_column_rebuilds() -> None:
    d = diff("CREATE TABLE t (a, g AS (a + 1))", "CREATE TABLE t (a, g AS (a + 1) NOT NULL)")
    assert summary(d) == rebuild_for("column g: NOT NULL False -> True")


@pytest.mark.parametrize(
    ("desired", "sql"),
    [
        ("CREATE TABLE t (a, b, CONSTRAINT c1 CHECK (a > 0))", "CONSTRAINT c1 CHECK (a > 0)"),
        ("CREATE TABLE t (a, b, CHECK (a > 0))", "CHECK (a > 0)"),
    ],
)
def test_add_check(desired: str, sql: str) -> None:
    d = diff("CREATE TABLE t (a, b)", desired)
    assert summary(d) == expect(add_checks=[sql], reasons=["add CHECK (a > 0)"])
    assert summary(diff("CREATE TABLE t (a, b)", desired, caps=OLD)) == rebuild_for(
        "CHECK constraints change"
    )


def test_drop_named_check_is_an_alter() -> None:
    d = diff("CREATE TABLE t (a, b, CONSTRAINT c1 CHECK (a > 0))", "CREATE TABLE t (a, b)")
    assert summary(d) == expect(drop_checks=["c1"], reasons=["drop CHECK constraint c1"])


def test_drop_unnamed_check_rebuilds() -> None:
    d = diff("CREATE TABLE t (a, b, CHECK (a > 0))", "CREATE TABLE t (a, b)")
    assert summary(d) == rebuild_for("an unnamed CHECK constraint is removed")


def test_renaming_a_check_constraint() -> None:
    d = diff(
        "CREATE TABLE t (a, CONSTRAINT c1 CHECK (a > 0))",
        "CREATE TABLE t (a, CONSTRAINT c2 CHECK (a > 0))",
    )
    assert summary(d) == expect(
        add_checks=["CONSTRAINT c2 CHECK (a > 0)"],
        drop_checks=["c1"],
        reasons=["add CHECK (a > 0)", "drop CHECK constraint c1"],
    )


def test_column_check_moved_to_table_level_is_no_change() -> None:
    d = diff("CREATE TABLE t (a CHECK (a>0), b)", "CREATE TABLE t (a, b, CHECK (a > 0))")
    assert d.changed is False


def test_new_not_null_column_without_default_on_empty_table() -> None:
    rows = HasRows(False)
    d = compare_table(
        parse_table("CREATE TABLE t (a)"),
        parse_table("CREATE TABLE t (a, b NOT NULL)"),
        {},
        NEW,
        rows,
    )
    assert summary(d) == expect(added=["b"], reasons=["add column b"])
    assert rows.calls == 1


def test_new_not_null_column_without_default_on_non_empty_table() -> None:
    rows = HasRows(True)
    d = compare_table(
        parse_table("CREATE TABLE t (a)"),
        parse_table("CREATE TABLE t (a, b NOT NULL)"),
        {},
        NEW,
        rows,
    )
    assert summary(d) == rebuild_for(
        "add column b",
        "new column b needs a rebuild on a non-empty table "
        "(NOT NULL without a default, or a non-constant default)",
    )
    assert rows.calls == 1


@pytest.mark.parametrize("default", ["CURRENT_TIMESTAMP", "(1 + 1)", "(random())"])
def test_new_column_with_non_constant_default(default: str) -> None:
    desired = f"CREATE TABLE t (a, b DEFAULT {default})"
    assert summary(diff("CREATE TABLE t (a)", desired, rows=False)) == expect(
        added=["b"], reasons=["add column b"]
    )
    assert diff("CREATE TABLE t (a)", desired, rows=True).rebuild is True


@pytest.mark.parametrize(
    "column",
    [
        "b",
        "b NOT NULL DEFAULT 0",
        "b NOT NULL DEFAULT -1",
        "b DEFAULT 'x'",
        "b AS (a * 2)",
        "b REFERENCES p (id)",
        "b REFERENCES p (id) DEFAULT NULL",
        "b NOT NULL AS (a + 1)",
    ],
)
def test_has_rows_not_called_when_irrelevant(column: str) -> None:
    d = diff("CREATE TABLE t (a)", f"CREATE TABLE t (a, {column})", rows=None)
    assert summary(d) == expect(added=["b"], reasons=["add column b"])


def test_references_column_with_default_rebuilds() -> None:
    d = diff("CREATE TABLE t (a)", "CREATE TABLE t (a, b REFERENCES p (id) DEFAULT 1)")
    assert summary(d) == rebuild_for(
        "add column b", "new column b has a REFERENCES clause and a default"
    )


def test_new_stored_generated_column_rebuilds() -> None:
    d = diff("CREATE TABLE t (a)", "CREATE TABLE t (a, b AS (a * 2) STORED)")
    assert summary(d) == rebuild_for("add column b", "new column b is a STORED generated column")


def test_new_unique_column_rebuilds() -> None:
    d = diff("CREATE TABLE t (a)", "CREATE TABLE t (a, b UNIQUE)")
    assert summary(d) == rebuild_for(
        "add column b", "UNIQUE constraints change", "new column b is a PRIMARY KEY or UNIQUE"
    )


def test_new_table_level_foreign_key_rebuilds() -> None:
    d = diff("CREATE TABLE t (a, b)", "CREATE TABLE t (a, b, FOREIGN KEY (b) REFERENCES p)")
    assert summary(d) == rebuild_for("foreign keys change")


def test_column_order_change_rebuilds() -> None:
    assert summary(diff("CREATE TABLE t (a, b)", "CREATE TABLE t (b, a)")) == rebuild_for(
        "column order changes"
    )


@pytest.mark.parametrize(
    ("current", "desired", "reason"),
    [
        ("CREATE TABLE t (a INT)", "CREATE TABLE t (a TEXT)", "column a: type int -> text"),
        ("CREATE TABLE t (a)", "CREATE TABLE t (a TEXT)", "column a: type (none) -> text"),
        (
            "CREATE TABLE t (a DEFAULT 1)",
            "CREATE TABLE t (a DEFAULT 2)",
            "column a: DEFAULT 1 -> 2",
        ),
        (
            "CREATE TABLE t (a DEFAULT 'x')",
            "CREATE TABLE t (a DEFAULT 'X')",
            "column a: DEFAULT 'x' -> 'X'",
        ),
        (
            "CREATE TABLE t (a COLLATE nocase)",
            "CREATE TABLE t (a)",
            "column a: COLLATE nocase -> None",
        ),
        (
            "CREATE TABLE t (a, g AS (a + 1))",
            "CREATE TABLE t (a, g AS (a + 2))",
            "column g: generated expression a + 1 -> a + 2",
        ),
        (
            "CREATE TABLE t (a, g AS (a + 1))",
            "CREATE TABLE t (a, g AS (a + 1) STORED)",
            "column g: STORED False -> True",
        ),
        ("CREATE TABLE t (a)", "CREATE TABLE t (a) STRICT", "STRICT added"),
        (
            "CREATE TABLE t (a PRIMARY KEY) WITHOUT ROWID",
            "CREATE TABLE t (a PRIMARY KEY)",
            "WITHOUT ROWID removed",
        ),
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY)",
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)",
            "PRIMARY KEY or AUTOINCREMENT changes",
        ),
    ],
)
def test_column_and_table_changes_rebuild(current: str, desired: str, reason: str) -> None:
    assert summary(diff(current, desired)) == rebuild_for(reason)


def test_rename_via_hint() -> None:
    d = diff("CREATE TABLE t (a, b)", "CREATE TABLE t (a, c)", hints={"c": "B"})
    assert summary(d) == expect(renames=[("b", "c")], reasons=["rename column b -> c"])
    # current is what RENAME COLUMN leaves behind.
    assert [c.name for c in d.current.columns] == ["a", "c"]
    assert d.changed is True
    assert d.only_adds_columns is False


def test_rename_keeps_the_current_spelling_of_the_old_name() -> None:
    d = diff('CREATE TABLE t (a, "OldName")', "CREATE TABLE t (a, new)", hints={"new": "oldname"})
    assert d.column_renames == (("OldName", "new"),)


def test_rename_and_add() -> None:
    d = diff("CREATE TABLE t (a, b)", "CREATE TABLE t (a, c, d)", hints={"c": "b"})
    assert summary(d) == expect(
        renames=[("b", "c")], added=["d"], reasons=["rename column b -> c", "add column d"]
    )


def test_rename_before_3_25_rebuilds() -> None:
    d = diff("CREATE TABLE t (a, b)", "CREATE TABLE t (a, c)", hints={"c": "b"}, caps=ANCIENT)
    # the rename is carried to the rebuild, whose copy moves b's values into c
    assert summary(d) == expect(
        rebuild=True, renames=[("b", "c")], reasons=["rename columns (by rebuild: SQLite < 3.25)"]
    )


@pytest.mark.parametrize(
    "hints",
    [{"c": "zzz"}, {"a": "b"}, {"nope": "b"}],
)
def test_inapplicable_hints_are_ignored(hints: dict[str, str]) -> None:
    d = diff("CREATE TABLE t (a, b)", "CREATE TABLE t (a, b, c)", hints=hints)
    assert summary(d) == expect(added=["c"], reasons=["add column c"])


def test_rename_names() -> None:
    sql = "CREATE TABLE t (a, \"B\", [c], x DEFAULT 'b') -- b"
    assert rename_names(sql, {"b": "bee", "c": "C2"}) == (
        'CREATE TABLE t (a, "bee", "C2", x DEFAULT \'b\') -- b'
    )
    assert rename_names(sql, {}) == sql


def test_rename_references() -> None:
    sql = (
        'CREATE TABLE c (par, p REFERENCES par(id), q REFERENCES /*x*/ "Par", '
        "r REFERENCES other, FOREIGN KEY (p) REFERENCES par)"
    )
    assert rename_references(sql, {"par": "parent"}) == (
        'CREATE TABLE c (par, p REFERENCES "parent"(id), q REFERENCES /*x*/ "parent", '
        'r REFERENCES other, FOREIGN KEY (p) REFERENCES "parent")'
    )


def test_rename_names_follows_a_self_reference_but_not_another_tables_columns() -> None:
    # "columns": the column list after REFERENCES names the parent's columns. The table's own
    # (a self reference) follow the rename, as RENAME COLUMN has them; another table's do not.
    sql = (
        "CREATE TABLE t (a, b REFERENCES t(a), c REFERENCES p(a), FOREIGN KEY (a) REFERENCES t (a))"
    )
    assert rename_names(sql, {"a": "x"}, "columns") == (
        'CREATE TABLE t ("x", b REFERENCES t("x"), c REFERENCES p(a), '
        'FOREIGN KEY ("x") REFERENCES t ("x"))'
    )
    # "" renames everywhere, the parent's columns included
    assert rename_names(sql, {"a": "x"}) == sql.replace("a", '"x"')


def test_rename_names_reads_main_dot_as_a_tables_place() -> None:
    sql = "CREATE TABLE main.t (t, main, u REFERENCES t)"
    assert rename_names(sql, {"t": "n"}, "tables") == (
        'CREATE TABLE main."n" (t, main, u REFERENCES "n")'
    )
    assert rename_names(sql, {"t": "n"}, "columns") == (
        'CREATE TABLE main.t ("n", main, u REFERENCES t)'
    )
    # a column after a column named main is no table
    assert rename_names("CREATE TABLE t (main, c)", {"c": "d"}, "columns") == (
        'CREATE TABLE t (main, "d")'
    )
    assert rename_names("CREATE TABLE t (main, c)", {"c": "d"}, "tables") == (
        "CREATE TABLE t (main, c)"
    )


def test_rename_names_reads_a_string_as_a_name_only_where_sqlite_does() -> None:
    sql = "CREATE TABLE t (a DEFAULT 'a', b REFERENCES 'a')"
    assert rename_names(sql, {"a": "x"}) == ('CREATE TABLE t ("x" DEFAULT \'a\', b REFERENCES "x")')


def test_no_rename_column_before_3_25_so_every_rename_is_the_copys() -> None:
    assert not renames_by_alter((("b", "c"),), ANCIENT)
    assert renames_by_alter((("b", "c"),), NEW)
    refuses_rowid = Capabilities((3, 54, 0), accepts=lambda forms: "oid" not in " ".join(forms))
    assert not renames_by_alter((("rowid", "r"),), refuses_rowid)
    assert renames_by_alter((("b", "c"),), refuses_rowid)


def test_a_rowid_rename_that_sqlite_refuses_says_the_copy_renames() -> None:
    refuses_rowid = Capabilities((3, 54, 0), accepts=lambda forms: "oid" not in " ".join(forms))
    d = diff(
        "CREATE TABLE t (a, rowid)", "CREATE TABLE t (a, r)", hints={"r": "rowid"},
        caps=refuses_rowid,
    )  # fmt: skip
    assert summary(d) == expect(
        rebuild=True,
        renames=[("rowid", "r")],
        reasons=[
            "rename column rowid -> r",
            "renamed by the copy (SQLite refuses to rename rowid, oid or _rowid_)",
        ],
    )


def test_rename_names_leaves_a_tables_options_and_reads_an_index_to_its_end() -> None:
    sql = "CREATE TABLE t (strict, rowid, b AS (strict) STORED) STRICT, WITHOUT ROWID"
    renames = {"strict": "s", "rowid": "r", "without": "w", "stored": "x"}
    assert rename_names(sql, renames, "columns") == (
        'CREATE TABLE t ("s", "r", b AS ("s") STORED) STRICT, WITHOUT ROWID'
    )
    # an index has no options: its WHERE, after the column list, names columns
    assert rename_names("CREATE INDEX ix ON t (a) WHERE a > 0", {"a": "b"}) == (
        'CREATE INDEX ix ON t ("b") WHERE "b" > 0'
    )
