"""Views and triggers that name an index (``FROM t INDEXED BY ix``), ours or not.

SQLite checks ``INDEXED BY`` when it reads the text, and the schema check of RENAME COLUMN,
DROP COLUMN and RENAME TO reads every view and trigger. A plan that dropped an index to make
it again (its definition changed) while such a reader stayed in place failed any such ALTER
in between, even one on another table: an ApplyError ("error in view v: no such index: ix")
for a valid change, on every client, with nothing but declared objects. Readers of ours are
now made again around the index, as readers of a changed table are; readers that are not ours
are set aside around it (:mod:`inline_sync.set_aside`); and a plan that drops for good an
index that one of theirs names is refused, as for a dropped table: it would leave theirs
unable to run, and every later ALTER failing on it.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, everything, open_client, rows, sync_on

import inline_sync

TABLES = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b TEXT);\nCREATE TABLE q (z, y);\n"
INDEX = "CREATE INDEX ix ON t(a);\n"
CHANGED = "CREATE INDEX ix ON t(a, b);\n"
READERS = {
    "view": ("CREATE VIEW v AS SELECT a FROM t INDEXED BY ix WHERE a > 0;", "SELECT * FROM v"),
    "trigger": (
        "CREATE TABLE log (m);\nCREATE TRIGGER tr AFTER INSERT ON log WHEN new.m IS NULL "
        "BEGIN INSERT INTO log SELECT a FROM t INDEXED BY ix WHERE a > 0; END;",
        "INSERT INTO log VALUES (NULL)",
    ),
}
OTHER = {
    "rename column": TABLES.replace("z, y", "z, w -- @renamed from=y\n"),
    "drop column": TABLES.replace("z, y", "z"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("other", list(OTHER))
def test_our_reader_of_a_changed_index_is_made_again_around_it(
    kind: str, reader: str, other: str
) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, TABLES + INDEX + READERS[reader][0])
    conn.execute("INSERT INTO t VALUES (1, 2, 'x')")
    after = OTHER[other] + CHANGED + READERS[reader][0]
    assert sync_on(kind, client, after, allow_destructive=True).status == "synced"
    conn.execute(READERS[reader][1])
    assert sync_on(kind, client, after, force=True).status == "up-to-date"


def _theirs(kind: str, reader: str) -> tuple[object, object]:
    client, conn = open_client(kind)
    sync_on(kind, client, TABLES + INDEX)
    conn.execute("INSERT INTO t VALUES (1, 2, 'x')")
    for statement in READERS[reader][0].rstrip(";").split(";\n"):
        conn.execute(statement.replace(" v ", " ign_v ").replace(" tr ", " ign_tr ")
                     .replace(" log", " ign_log"))  # fmt: skip
    return client, conn


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("other", list(OTHER))
def test_their_reader_of_a_changed_index_is_set_aside_around_it(
    kind: str, reader: str, other: str
) -> None:
    client, conn = _theirs(kind, reader)
    kept = rows(conn, "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'ign%'")
    after = OTHER[other] + CHANGED
    options = {"ignore": ["ign_*"], "allow_destructive": True}
    assert sync_on(kind, client, after, **options).status == "synced"
    assert rows(conn, "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'ign%'") == kept
    conn.execute(READERS[reader][1].replace(" v", " ign_v").replace(" log", " ign_log"))
    assert sync_on(kind, client, after, force=True, **options).status == "up-to-date"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reader", list(READERS))
def test_dropping_an_index_their_reader_names_is_refused(kind: str, reader: str) -> None:
    client, conn = _theirs(kind, reader)
    before = everything(conn)
    with pytest.raises(inline_sync.SyncError) as refused:
        sync_on(kind, client, TABLES, ignore=["ign_*"])
    message = str(refused.value)
    assert "index 'ix'" in message and "ign_" in message and "nothing was changed" in message
    assert everything(conn) == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_column_named_like_a_dropped_index_is_no_reason(kind: str) -> None:
    """Only a name after INDEXED BY names an index: a column ``ix`` read by theirs is not."""
    client, conn = open_client(kind)
    sync_on(
        kind,
        client,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, ix INT);\n" + INDEX.replace("(a)", "(ix)"),
    )
    conn.execute("CREATE VIEW ign_v AS SELECT ix FROM t")
    result = sync_on(
        kind, client, "CREATE TABLE t (id INTEGER PRIMARY KEY, ix INT);", ignore=["ign_*"]
    )
    assert result.statements == ('DROP INDEX main."ix"',)
    assert rows(conn, "SELECT * FROM ign_v") == []


@pytest.mark.parametrize("kind", ["sqlite3", "apsw"])
@pytest.mark.parametrize(
    "reader",
    [
        "CREATE TEMP VIEW tv AS SELECT a FROM main.t INDEXED BY ix",
        "CREATE TEMP TRIGGER ttr AFTER INSERT ON main.q BEGIN "
        "SELECT a FROM main.t INDEXED BY ix; END",
    ],
    ids=["view", "trigger"],
)
def test_the_callers_temp_reader_of_a_changed_index_is_set_aside(kind: str, reader: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, TABLES + INDEX)
    conn.execute(reader)
    kept = rows(conn, "SELECT type, name, sql FROM temp.sqlite_master")
    after = OTHER["rename column"] + CHANGED
    assert sync_on(kind, client, after).status == "synced"
    assert rows(conn, "SELECT type, name, sql FROM temp.sqlite_master") == kept
    conn.execute("INSERT INTO main.q VALUES (1, 2)")
