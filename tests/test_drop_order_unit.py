"""drop_order on its own: which DROP TABLE compiles with foreign keys on, table by table.

Each case names a table that may not go first: dropping it would reach, through ON DELETE
and ON UPDATE actions, a row whose other parent is gone (SQLite: "no such table").
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inline_sync import drop_order as drop_order_module
from inline_sync.definitions import Definition, parse_definitions
from inline_sync.drop_order import Link, definition_links, drop_compiles, drop_order, referencing
from inline_sync.names import ignore_filter

NA = "NO ACTION"


def one(sql: str) -> Definition:
    (d,) = parse_definitions(sql, ignore_filter())
    return d


def order(drops: list[str], kept: list[str], fks: dict[str, list[tuple[str, str, str]]]):
    """drop_order of ``drops`` while ``kept`` stay, the keys given as (parent, ON DELETE,
    ON UPDATE): each on its table's column a, to the parent's primary key."""
    links = {t: [(*fk, ("a",), ()) for fk in keys] for t, keys in fks.items()}
    return drop_order(drops, [*kept, *drops], lambda t: links.get(t, []))


def order_of(drops: list[str], kept: list[str], links: dict[str, list[Link]]) -> list[str]:
    return drop_order(drops, [*kept, *drops], lambda t: links.get(t, []))


def compiles_in_sqlite(schema: dict[str, str], drops: list[str]) -> bool:
    """Whether SQLite itself drops ``drops`` in this order with foreign keys on."""
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA foreign_keys = ON")
    for sql in schema.values():
        conn.execute(sql)
    try:
        for t in drops:
            conn.execute(f"DROP TABLE {t}")
    except sqlite3.OperationalError:
        return False
    return True


def test_a_kept_table_reached_by_set_null_keeps_its_other_parent_until_then() -> None:
    # k (kept) loses its reference to a (SET NULL) when a goes; k also references b.
    fks = {"k": [("a", "SET NULL", NA), ("b", NA, NA)]}
    assert order(["b", "a"], ["k"], fks) == ["a", "b"]


def test_set_null_then_on_update_cascade_reaches_the_grandchild() -> None:
    # p <- c (ON DELETE SET NULL) <- g (ON UPDATE CASCADE; ON DELETE does nothing), g -> x.
    fks = {"c": [("p", "SET NULL", NA)], "g": [("c", NA, "CASCADE"), ("x", NA, NA)]}
    assert order(["x", "p"], ["c", "g"], fks) == ["p", "x"]


def test_a_delete_cascade_reaches_the_grandchild_on_delete_action() -> None:
    # p <- c (ON DELETE CASCADE) <- g (ON DELETE SET NULL; ON UPDATE does nothing), g -> x.
    fks = {"c": [("p", "CASCADE", NA)], "g": [("c", "SET NULL", NA), ("x", NA, NA)]}
    assert order(["x", "p"], ["c", "g"], fks) == ["p", "x"]


def test_an_update_cascade_stays_an_update() -> None:
    # p <- c (SET NULL) <- g (ON UPDATE CASCADE) <- h (ON DELETE SET NULL only), h -> x:
    # updating g's rows never deletes h's, so p may go after x.
    fks = {
        "c": [("p", "SET NULL", NA)],
        "g": [("c", NA, "CASCADE")],
        "h": [("g", "SET NULL", NA), ("x", NA, NA)],
    }
    assert order(["x", "p"], ["c", "g", "h"], fks) == ["x", "p"]


def test_a_child_already_dropped_or_without_action_does_not_hide_the_next() -> None:
    # p's children in name order: a (gone first), b (no action), c (SET NULL, c -> x).
    fks = {
        "a": [("p", "CASCADE", NA)],
        "b": [("p", NA, NA)],
        "c": [("p", "SET NULL", NA), ("x", NA, NA)],
    }
    assert order(["a", "x", "p"], ["b", "c"], fks) == ["a", "p", "x"]


def test_a_child_reached_twice_does_not_hide_the_next() -> None:
    # p <- a, b (CASCADE); b <- a (CASCADE) again, b <- c (SET NULL), c -> x.
    fks = {
        "a": [("p", "CASCADE", NA), ("b", "CASCADE", NA)],
        "b": [("p", "CASCADE", NA)],
        "c": [("b", "SET NULL", NA), ("x", NA, NA)],
    }
    assert order(["x", "p"], ["a", "b", "c"], fks) == ["p", "x"]


def test_an_update_reaches_only_the_children_of_the_columns_it_sets() -> None:
    # p <- c (SET NULL sets c.a); g1 references c(b), which stays; g2 references c(a) and,
    # by the same column, x. Children in name order: g1 first must not end the search.
    links: dict[str, list[Link]] = {
        "c": [("p", "SET NULL", NA, ("a",), ())],
        "g1": [("c", NA, "CASCADE", ("y",), ("b",))],
        "g2": [("c", NA, "SET NULL", ("z",), ("a",)), ("x", NA, NA, ("z",), ())],
    }
    assert order_of(["x", "p"], ["c", "g1", "g2"], links) == ["p", "x"]


def test_the_search_remembers_the_sets_it_failed_from(monkeypatch: pytest.MonkeyPatch) -> None:
    """x and y cascade into themselves and each other: no order drops both. With six free
    tables besides, the search tries each set of tables left once, not each order of them
    (kills the failed sets not remembered, or not looked up)."""
    names = [f"t{i}" for i in range(6)] + ["x", "y"]
    both = [("x", "CASCADE", NA), ("y", "CASCADE", NA)]
    fks = {"x": both, "y": both}
    calls = []
    real = drop_order_module.drop_compiles

    def counted(*args: Any) -> bool:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(drop_order_module, "drop_compiles", counted)
    assert order(names, [], fks) == names
    assert len(calls) <= len(names) * 2 ** len(names)  # (without: over 100,000)
    # A set it failed from is remembered however it failed, at once too: no DROP is
    # compiled twice against the same tables (kills remembering only the sets it left).
    tried = [(table, frozenset(there)) for table, there, *_ in calls]
    assert len(tried) == len(set(tried))


def test_the_search_gives_up_after_more_failures_than_its_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The budget counts the sets failed from: with one allowed, the search goes on after
    its first failure (b, then a: a's SET NULL reaches k, whose parent b is gone) and finds
    a then b (kills giving up at the budget rather than past it)."""
    monkeypatch.setattr(drop_order_module, "_MAX_TRIES", 1)
    fks = {"k": [("a", "SET NULL", NA), ("b", NA, NA)]}
    assert order(["b", "a"], ["k"], fks) == ["a", "b"]


def test_no_order_keeps_the_preferred_one() -> None:
    fks = {
        "a": [("a", "CASCADE", NA), ("b", "CASCADE", NA)],
        "b": [("b", "CASCADE", NA), ("a", "CASCADE", NA)],
    }
    assert order(["b", "a"], [], fks) == ["b", "a"]
    assert order(["a", "b"], [], fks) == ["a", "b"]


def test_nothing_to_drop() -> None:
    assert order([], ["a"], {}) == []


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("", ("p", NA, NA)),
        ("ON DELETE CASCADE", ("p", "CASCADE", NA)),
        ("ON UPDATE SET NULL ON DELETE SET DEFAULT", ("p", "SET DEFAULT", "SET NULL")),
        ("ON DELETE NO ACTION ON UPDATE RESTRICT", ("p", NA, "RESTRICT")),
        ("MATCH SIMPLE ON DELETE CASCADE", ("p", "CASCADE", NA)),
        ("ON INSERT SET NULL ON UPDATE CASCADE", ("p", NA, "CASCADE")),
        ("ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED", ("p", "CASCADE", NA)),
    ],
)
def test_definition_links_read_every_action_clause(clause: str, expected: tuple) -> None:
    for column in (f"a INT REFERENCES p(x) {clause}", f"a INT REFERENCES p {clause}"):
        d = one(f"CREATE TABLE c ({column})")
        assert definition_links(d) == [(*expected, ("a",), ("x",) if "(x)" in column else ())]
    d = one(f'CREATE TABLE c (a INT, /* c */ FOREIGN KEY (a) REFERENCES "P" {clause})')
    assert definition_links(d) == [(*expected, ("a",), ())]


def test_definition_links_of_several_keys_a_string_name_and_what_is_not_a_table() -> None:
    d = one(
        "CREATE TABLE c (a REFERENCES 'Q'(x) ON DELETE SET NULL, b REFERENCES [r], "
        "FOREIGN KEY (a, b) REFERENCES c(a, b) ON DELETE CASCADE)"
    )
    assert sorted(definition_links(d)) == [
        ("c", "CASCADE", NA, ("a", "b"), ("a", "b")),
        ("q", "SET NULL", NA, ("a",), ("x",)),
        ("r", NA, NA, ("b",), ()),
    ]
    view = one("CREATE VIEW v AS SELECT 1 AS references_p")
    assert definition_links(view) == []
    bad = one("CREATE TABLE c (a REFERENCES")  # (its CREATE fails first)
    assert definition_links(bad) == []


ACTIONS = ("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT")


@st.composite
def schemas(draw: st.DrawFn) -> tuple[dict[str, str], list[str], bool]:
    """Tables t0.. with foreign keys between them (to a UNIQUE column, or the primary key
    named or implied), a random order to drop some of them in, and whether every key names
    its parent's columns (then the model is exact, not only safe)."""
    n = draw(st.integers(2, 5))
    names = [f"t{i}" for i in range(n)]
    schema, explicit = {}, True
    for name in names:
        columns = ["id INTEGER PRIMARY KEY", "u INT UNIQUE", "v INT UNIQUE"]
        constraints = []
        for k in range(draw(st.integers(0, 3))):
            parent = draw(st.sampled_from(names))
            target = draw(st.sampled_from(["(id)", "(u)", "(v)", ""]))
            explicit = explicit and target != ""
            on_delete, on_update = draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(ACTIONS))
            column = draw(st.sampled_from(["u", "v", f"f{k}"]))
            fk = f"REFERENCES {parent}{target} ON DELETE {on_delete} ON UPDATE {on_update}"
            if column.startswith("f"):
                columns.append(f"{column} INT {fk}")
            else:
                constraints.append(f"FOREIGN KEY ({column}) {fk}")
        schema[name] = f"CREATE TABLE {name} ({', '.join(columns + constraints)})"
    drops = draw(st.permutations(names))[: draw(st.integers(1, n))]
    return schema, drops, explicit


@settings(max_examples=400, deadline=None)
@given(schemas())
def test_drop_compiles_as_sqlite_does(case: tuple[dict[str, str], list[str], bool]) -> None:
    schema, drops, explicit = case
    fks = {name: definition_links(one(sql)) for name, sql in schema.items()}
    children = referencing(schema, lambda t: fks[t])
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA foreign_keys = ON")
    for sql in schema.values():
        conn.execute(sql)
    there = set(schema)
    for table in drops:
        predicted = drop_compiles(table, there, children, lambda t: fks[t])
        try:
            conn.execute(f"DROP TABLE {table}")
        except sqlite3.OperationalError as exc:
            assert "no such table" in str(exc)
            assert not predicted, f"{table} was taken to compile while {sorted(there)}"
            continue
        there.discard(table)
        if explicit:
            assert predicted, f"{table} was taken to fail while {sorted(there | {table})}"


def test_the_orders_found_are_the_ones_sqlite_accepts() -> None:
    # The SET NULL of c's key cascades into g's a, and g's reference to x (from b) is not
    # checked then: x may go before p. h's a references x, and x then must wait for p.
    schema = {
        "p": "CREATE TABLE p (x INTEGER PRIMARY KEY)",
        "x": "CREATE TABLE x (y INTEGER PRIMARY KEY)",
        "c": "CREATE TABLE c (a INTEGER PRIMARY KEY REFERENCES p ON DELETE SET NULL)",
        "g": "CREATE TABLE g (a REFERENCES c(a) ON UPDATE CASCADE, b REFERENCES x)",
    }
    fks = {name: definition_links(one(sql)) for name, sql in schema.items()}
    assert compiles_in_sqlite(schema, ["x", "p"])
    assert order_of(["x", "p"], ["c", "g"], fks) == ["x", "p"]

    schema["h"] = "CREATE TABLE h (a REFERENCES c(a) ON UPDATE SET NULL REFERENCES x)"
    fks["h"] = definition_links(one(schema["h"]))
    assert not compiles_in_sqlite(schema, ["x", "p"])
    found = order_of(["x", "p"], ["c", "g", "h"], fks)
    assert found == ["p", "x"]
    assert compiles_in_sqlite(schema, found)


def test_the_tables_rebuilt_together_are_the_closure_of_their_children() -> None:
    """Where foreign keys stay on, a rebuilt table goes with every table that references it,
    transitively (a grandchild too), among those the plan keeps; no other table."""
    from inline_sync.ddl import parse_table
    from inline_sync.drop_order import fk_order, rebuilt_together
    from inline_sync.models import Schema

    des = Schema()
    for sql in (
        "CREATE TABLE g (c_id REFERENCES c)",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id REFERENCES p)",
        "CREATE TABLE p (id INTEGER PRIMARY KEY)",
        "CREATE TABLE u (id INTEGER PRIMARY KEY, other REFERENCES elsewhere)",
        "CREATE TABLE n (p_id REFERENCES p)",
    ):
        table = parse_table(sql)
        des.tables[table.name] = table
    assert rebuilt_together(des, {"p"}, {"p", "c", "g", "u"}) == {"p", "c", "g"}
    assert rebuilt_together(des, {"c"}, {"p", "c", "g", "u", "n"}) == {"c", "g"}
    assert rebuilt_together(des, {"u"}, set(des.tables)) == {"u"}
    assert fk_order(des, ["g", "c", "p"]) == ["p", "c", "g"]
