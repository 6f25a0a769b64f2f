"""Views and triggers that name ``main.`` (``FROM main.t``, ``main.t.a``, ``ON main.t``).
SQLite accepts them in the main database, but refuses a view or trigger in another database
that names main ("view v cannot reference objects in database main"), so the scratch-database
strategy (sqlite3, apsw) refused valid definitions. The scratch copy names the scratch database
there; the text read back, and so compared and applied, is the user's."""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, rows, run, sync_on

import inline_sync

BASE = "CREATE TABLE t (a INTEGER, b TEXT);\nCREATE TABLE log (a INTEGER);\n"
CASES = {
    "a view from main.t": "CREATE VIEW v AS SELECT a FROM main.t",
    "a view of main.t.a": "CREATE VIEW v AS SELECT main.t.a AS a FROM t",
    "a view joining main tables": (
        'CREATE VIEW v AS SELECT x.a FROM "main".t AS x JOIN [main].log USING (a)'
    ),
    "a trigger reading main.t": (
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
        "  INSERT INTO log SELECT count(*) FROM main.t WHERE main.t.a = new.a; END"
    ),
    "a trigger on main.t": (
        "CREATE TRIGGER tr AFTER INSERT ON main.t BEGIN INSERT INTO log VALUES (new.a); END"
    ),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_view_or_trigger_naming_main_syncs_and_keeps_its_text(kind: str, case: str) -> None:
    schema = BASE + CASES[case] + ";\n"
    client, conn = open_client(kind)
    sync_on(kind, client, schema)
    run(conn, "INSERT INTO log VALUES (1);\nINSERT INTO t VALUES (1, 'x')")
    name = "v" if "VIEW" in CASES[case] else "tr"
    stored = rows(conn, f"SELECT sql FROM sqlite_master WHERE name = '{name}'")
    assert stored[0][0].endswith(CASES[case].split(name, 1)[1])  # the user's text, from the name
    if name == "v":
        assert rows(conn, "SELECT a FROM v") == [(1,)]
    else:
        assert len(rows(conn, "SELECT a FROM log")) == 2  # the trigger ran
    changed = schema.replace("b TEXT)", "b TEXT NOT NULL DEFAULT '')")
    result = sync_on(kind, client, changed)  # t is rebuilt: the view or trigger comes back
    assert ("rebuild", "t") in {(c.action, c.name) for c in result.plan.changes}
    assert rows(conn, f"SELECT count(*) FROM sqlite_master WHERE name = '{name}'") == [(1,)]
    assert not sync_on(kind, client, changed).plan


@pytest.mark.parametrize("kind", KINDS)
def test_a_trigger_writing_to_main_x_is_refused_as_sqlite_refuses_it(kind: str) -> None:
    """SQLite itself refuses ``INSERT INTO main.log`` in a trigger body, in any database."""
    client, conn = open_client(kind)
    statement = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO main.log VALUES (1); END"
    with pytest.raises(inline_sync.DefinitionError, match="qualified table names"):
        sync_on(kind, client, BASE + statement)
    assert rows(conn, "SELECT name FROM sqlite_master WHERE name IN ('t', 'log')") == []
