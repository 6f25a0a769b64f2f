"""A column declared in another case is renamed to it (``Name`` -> ``name``): SQLite names
result columns as declared (``SELECT *``, ``cursor.description``, ``PRAGMA table_info``), so
the case is part of the schema. It was compared case-folded and reported up to date, the
old case left in place. The rename is the cheap ALTER … RENAME COLUMN, which SQLite
follows in the table's indexes, views, triggers and the foreign keys naming it; a table
rebuilt anyway takes the declared case with the copy. A view or a trigger declared under a
name in another case is made again under it (cheap); a table is renamed to it by way of a
temporary name, SQLite refusing ``RENAME TO`` the same name in another case."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, everything, open_client, rows, sync_on


def columns(conn: Any, table: str) -> list[str]:
    return [str(r[1]) for r in rows(conn, f"PRAGMA table_info({table})")]


def first_table(schema: str) -> str:
    return schema.split("CREATE TABLE ", 1)[1].split()[0]


def synced_twice(kind: str, before: str, after: str) -> tuple[Any, Any]:
    """(the second sync's result, the connection): synced from ``before`` to ``after``,
    then up to date."""
    client, conn = open_client(kind)
    sync_on(kind, client, before)
    conn.execute(f"INSERT INTO {first_table(before)} VALUES (1, 'a')")
    result = sync_on(kind, client, after)
    assert result.status == "synced"
    assert sync_on(kind, client, after).status == "up-to-date"
    return result, conn


@pytest.mark.parametrize("kind", KINDS)
def test_a_column_in_another_case_is_renamed_by_alter(kind: str) -> None:
    result, conn = synced_twice(
        kind,
        "CREATE TABLE t (ID INTEGER PRIMARY KEY, Name TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);",
    )
    assert result.statements == (
        'ALTER TABLE main."t" RENAME COLUMN "ID" TO "id"',
        'ALTER TABLE main."t" RENAME COLUMN "Name" TO "name"',
    )
    assert columns(conn, "t") == ["id", "name"]
    assert rows(conn, "SELECT * FROM t") == [(1, "a")]
    assert result.plan.changes[0].reasons == (
        "rename column ID -> id",
        "rename column Name -> name",
    )


@pytest.mark.parametrize("kind", KINDS)
def test_what_names_the_column_follows_it(kind: str) -> None:
    schema = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, {c} TEXT UNIQUE);\n"
        'CREATE INDEX ix ON t ({c}) WHERE {c} <> "X";\n'
        "CREATE VIEW v AS SELECT {c} FROM t;\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET {c} = upper({c}); END;\n"
        "CREATE TABLE child (p TEXT REFERENCES t ({c}));"
    )
    _, conn = synced_twice(kind, schema.format(c="Name"), schema.format(c="name"))
    assert columns(conn, "t") == ["id", "name"]
    assert columns(conn, "v") == ["name"]
    conn.execute("INSERT INTO t VALUES (2, 'b')")
    conn.execute("INSERT INTO child VALUES ('B')")  # the trigger ran; the key holds
    assert rows(conn, "SELECT name FROM t ORDER BY id") == [("A",), ("B",)]


@pytest.mark.parametrize("kind", KINDS)
def test_two_columns_trade_cases(kind: str) -> None:
    _, conn = synced_twice(
        kind, "CREATE TABLE t (A INT, b TEXT);", "CREATE TABLE t (a INT, B TEXT);"
    )
    assert columns(conn, "t") == ["a", "B"]
    assert rows(conn, "SELECT a, b FROM t") == [(1, "a")]


@pytest.mark.parametrize("kind", KINDS)
def test_with_a_hinted_rename_and_a_new_column(kind: str) -> None:
    _, conn = synced_twice(
        kind,
        "CREATE TABLE t (Id INT, old TEXT);",
        "CREATE TABLE t (ID INT, new TEXT, -- @renamed from=old\n  extra TEXT);",
    )
    assert columns(conn, "t") == ["ID", "new", "extra"]
    assert rows(conn, "SELECT * FROM t") == [(1, "a", None)]


@pytest.mark.parametrize("kind", KINDS)
def test_a_rebuilt_table_takes_the_declared_case(kind: str) -> None:
    _, conn = synced_twice(
        kind,
        "CREATE TABLE t (Id INT, Name TEXT);",
        "CREATE TABLE t (Id INT, name TEXT NOT NULL CHECK (length(NAME) > 0));",
    )
    assert columns(conn, "t") == ["Id", "name"]
    assert rows(conn, "SELECT * FROM t") == [(1, "a")]


@pytest.mark.parametrize("kind", KINDS)
def test_a_view_and_a_trigger_take_their_declared_names(kind: str) -> None:
    before = (
        "CREATE TABLE t (id INT, name TEXT);\nCREATE VIEW V AS SELECT id FROM t;\n"
        "CREATE TRIGGER TR AFTER INSERT ON t BEGIN SELECT 1; END;"
    )
    after = before.replace("VIEW V", "VIEW v").replace("TRIGGER TR", "TRIGGER tr")
    _, conn = synced_twice(kind, before, after)
    names = rows(conn, "SELECT name FROM sqlite_master WHERE type IN ('view', 'trigger')")
    assert sorted(names) == [("tr",), ("v",)]


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_case_is_no_change(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE t (Name TEXT);")
    before = everything(conn)[0]
    # Quoting, keywords' case and white space are still cosmetic.
    assert sync_on(kind, client, 'create table "t" (\n  "Name" text\n);').statements == ()
    assert everything(conn)[0] == before


@pytest.mark.parametrize("kind", KINDS)
def test_an_ignored_trigger_and_index_outlive_a_case_change_in_a_rebuild(kind: str) -> None:
    """A rebuilt table's trigger that is not ours is made again from its own text, where a
    column renamed by hint would be missing; one renamed to another case is not (SQLite finds
    ``Name`` as ``name``). It was refused as one that "could not run afterwards"."""
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE TABLE t (id INTEGER PRIMARY KEY, Name TEXT);")
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    conn.execute("CREATE INDEX ign_ix ON t (Name)")
    conn.execute(
        "CREATE TRIGGER ign_tr AFTER INSERT ON t BEGIN "
        "UPDATE t SET Name = upper(Name) WHERE id = new.id; END"
    )
    # NOT NULL: a rebuild wherever ALTER COLUMN … SET NOT NULL is not accepted.
    after = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (name <> ''));"
    sync_on(kind, client, after, ignore=["ign_*"])
    assert columns(conn, "t") == ["id", "name"]
    conn.execute("INSERT INTO t VALUES (2, 'b')")  # the trigger runs
    assert rows(conn, "SELECT * FROM t ORDER BY id") == [(1, "a"), (2, "B")]
    assert rows(conn, "SELECT name FROM sqlite_master WHERE name LIKE 'ign%' ORDER BY 1") == [
        ("ign_ix",),
        ("ign_tr",),
    ]
    assert not sync_on(kind, client, after, ignore=["ign_*"], force=True).plan.statements


def result_columns(conn: Any, table: str) -> list[str]:
    cursor = conn.execute(f"SELECT * FROM {table}")
    described = cursor.description if hasattr(cursor, "description") else cursor.getdescription()
    return [d[0] for d in described]


@pytest.mark.parametrize("kind", KINDS)
def test_an_fts5_column_in_another_case_is_made_again_with_its_rows(kind: str) -> None:
    """A virtual table's columns are named as its arguments write them (``SELECT *``): their
    case was compared folded, and an fts5 column declared ``body`` stayed ``Body``."""
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE VIRTUAL TABLE f USING fts5(Body, Tags UNINDEXED);")
    conn.execute("INSERT INTO f (rowid, Body, Tags) VALUES (7, 'hello world', 'x')")
    after = "CREATE VIRTUAL TABLE f USING fts5(body, Tags UNINDEXED);"
    assert sync_on(kind, client, after).status == "synced"
    assert result_columns(conn, "f") == ["body", "Tags"]
    assert rows(conn, "SELECT rowid, * FROM f WHERE f MATCH 'hello'") == [(7, "hello world", "x")]
    assert sync_on(kind, client, after, force=True).status == "up-to-date"


@pytest.mark.parametrize("kind", KINDS)
def test_an_external_content_index_follows_its_columns_new_case(kind: str) -> None:
    client, conn = open_client(kind)
    schema = (
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, {c} TEXT);\n"
        "CREATE VIRTUAL TABLE f USING fts5({c}, content=docs, content_rowid=id);"
    )
    sync_on(kind, client, schema.format(c="Body"))
    conn.execute("INSERT INTO docs VALUES (3, 'hello world')")
    conn.execute("INSERT INTO f (f) VALUES ('rebuild')")
    after = schema.format(c="body")
    sync_on(kind, client, after)
    assert result_columns(conn, "docs") == ["id", "body"]
    assert result_columns(conn, "f") == ["body"]
    assert rows(conn, "SELECT rowid, body FROM f WHERE f MATCH 'hello'") == [(3, "hello world")]
    assert sync_on(kind, client, after, force=True).status == "up-to-date"


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "d1"])  # (D1 has no rtree)
def test_an_rtree_column_in_another_case_is_made_again_with_its_rows(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, "CREATE VIRTUAL TABLE r USING rtree(ID, minX, maxX, +Label);")
    conn.execute("INSERT INTO r VALUES (1, 2, 3, 'a')")
    after = "CREATE VIRTUAL TABLE r USING rtree(id, minx, maxX, +label);"
    sync_on(kind, client, after)
    assert result_columns(conn, "r") == ["id", "minx", "maxX", "label"]
    assert rows(conn, "SELECT * FROM r") == [(1, 2.0, 3.0, "a")]
    assert sync_on(kind, client, after, force=True).status == "up-to-date"


@pytest.mark.parametrize("kind", KINDS)
def test_the_case_of_a_virtual_tables_options_is_no_change(kind: str) -> None:
    """Option names and the content table's name are read without regard to case: a
    contentless index made again would lose its entries."""
    client, _ = open_client(kind)
    schema = (
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT);\n"
        "CREATE VIRTUAL TABLE f USING fts5(body, content=docs, content_rowid=id);\n"
        "CREATE VIRTUAL TABLE g USING fts5(body, content='', tokenize=porter);"
    )
    sync_on(kind, client, schema)
    loud = schema.replace("content=docs, content_rowid=id", "CONTENT=Docs, CONTENT_ROWID=ID")
    loud = loud.replace("tokenize=porter", "TOKENIZE=Porter").replace("fts5", "FTS5")
    assert sync_on(kind, client, loud).statements == ()


TABLE = (
    "CREATE TABLE {t} (id INTEGER PRIMARY KEY, name TEXT);\n"
    "CREATE INDEX ix ON {t} (name);\n"
    "CREATE VIEW v AS SELECT name FROM {t};\n"
    "CREATE TRIGGER tr AFTER INSERT ON {t} BEGIN UPDATE {t} SET name = upper(name); END;\n"
    "CREATE TABLE child (id INT REFERENCES {t} (id) ON DELETE CASCADE);"
)


def table_names(conn: Any) -> list[tuple[str, str]]:
    return rows(
        conn,
        "SELECT name, tbl_name FROM sqlite_master WHERE name NOT LIKE '\\_inline%' ESCAPE '\\' "
        "AND name NOT LIKE '\\_cf%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY type, name",
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_table_in_another_case_is_renamed_by_two_alters(kind: str) -> None:
    """SQLite refuses ``ALTER TABLE t RENAME TO T`` (the name is taken): by a temporary name."""
    result, conn = synced_twice(kind, TABLE.format(t="items"), TABLE.format(t="Items"))
    renames = [s for s in result.statements if "RENAME TO" in s]
    assert renames == [
        'ALTER TABLE main."items" RENAME TO "__sync_case_Items"',
        'ALTER TABLE main."__sync_case_Items" RENAME TO "Items"',
    ]
    assert ("table", "Items", "rename") in [(c.kind, c.name, c.action) for c in result.plan.changes]
    assert table_names(conn) == [
        ("ix", "Items"), ("Items", "Items"), ("child", "child"), ("tr", "Items"), ("v", "v"),
    ]  # fmt: skip
    assert rows(conn, "SELECT * FROM Items") == [(1, "A")]
    # The foreign key follows (SQLite rewrote it: ours, not changed by the sync).
    assert rows(conn, "SELECT \"table\" FROM pragma_foreign_key_list('child')") == [("Items",)]


@pytest.mark.parametrize("kind", KINDS)
def test_a_table_in_another_case_that_also_changes(kind: str) -> None:
    added = TABLE.replace("name TEXT)", "name TEXT, extra TEXT)")
    _, conn = synced_twice(kind, TABLE.format(t="items"), added.format(t="ITEMS"))
    assert rows(conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'ITEMS'")
    rebuilt = TABLE.replace("name TEXT)", "name TEXT NOT NULL)")
    _, conn = synced_twice(kind, TABLE.format(t="items"), rebuilt.format(t="Items"))
    assert rows(conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'Items'")
    assert rows(conn, "SELECT * FROM items") == [(1, "A")]


@pytest.mark.parametrize("kind", KINDS)
def test_a_virtual_table_in_another_case_is_renamed_with_its_rows(kind: str) -> None:
    schema = "CREATE VIRTUAL TABLE {t} USING fts5(body);"
    client, conn = open_client(kind)
    sync_on(kind, client, schema.format(t="docs"))
    conn.execute("INSERT INTO docs VALUES ('hello world')")
    result = sync_on(kind, client, schema.format(t="Docs"))
    assert [s for s in result.statements if "RENAME" in s] == [
        'ALTER TABLE main."docs" RENAME TO "__sync_case_Docs"',
        'ALTER TABLE main."__sync_case_Docs" RENAME TO "Docs"',
    ]
    assert sync_on(kind, client, schema.format(t="Docs")).status == "up-to-date"
    assert rows(conn, "SELECT name FROM sqlite_master WHERE name LIKE 'docs'") == [("Docs",)]
    assert rows(conn, "SELECT body FROM docs WHERE docs MATCH 'hello'") == [("hello world",)]
