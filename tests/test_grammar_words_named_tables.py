"""Tables named like the words SQLite's grammar puts after ON and UPDATE: ``ON CONFLICT``
(a constraint's conflict clause, an upsert), ``ON DELETE`` / ``ON UPDATE`` (a foreign key's
actions: ``ON UPDATE SET NULL``, ``NO ACTION``, ``CASCADE``, ``RESTRICT``), ``DO UPDATE SET``,
a trigger's ``UPDATE ON`` / ``UPDATE OF`` and ``UPDATE OR IGNORE``. A word after ON or
UPDATE was taken for a table whatever it was, so where a table of that name was declared the
prefix strategy (Durable Objects, D1) prefixed the keyword: a valid schema refused (near
"CONFLICT": syntax error). Such a word is a table only where a table stands: after a
trigger's or index's own ON, or a body's ``UPDATE`` (``UPDATE conflict SET …``, ``UPDATE of
SET …``)."""

from __future__ import annotations

import pytest
from memory_clients import PREFIXED, open_client, sync_on, syncs_twice

import inline_sync
from inline_sync.statement_names import rename_tables_in, tables_named_in

CASES = {
    "conflict": (
        "CREATE TABLE t (a UNIQUE ON CONFLICT REPLACE, b, UNIQUE (b) ON CONFLICT IGNORE);\n"
        "CREATE TRIGGER tr AFTER INSERT ON conflict BEGIN\n"
        "  INSERT INTO t VALUES (1, 2) ON CONFLICT (a) DO NOTHING;\n"
        "  UPDATE conflict SET x = 1; END;\n"
        "CREATE INDEX ci ON conflict (x);"
    ),
    "update": (
        "CREATE TABLE t (a PRIMARY KEY);\n"
        "CREATE TABLE u (b REFERENCES t ON UPDATE SET NULL ON DELETE CASCADE);\n"
        'CREATE TRIGGER tr AFTER UPDATE ON t BEGIN UPDATE "update" SET x = 1; END;'
    ),
    "delete": (
        "CREATE TABLE t (a PRIMARY KEY);\nCREATE TABLE u (b REFERENCES t ON DELETE SET NULL);"
    ),
    "no": "CREATE TABLE t (a PRIMARY KEY);\nCREATE TABLE u (b REFERENCES t ON UPDATE NO ACTION);",
    "cascade": (
        "CREATE TABLE t (a PRIMARY KEY);\nCREATE TABLE u (b REFERENCES t ON UPDATE CASCADE);\n"
        "CREATE TRIGGER tr AFTER INSERT ON u BEGIN UPDATE cascade SET x = 1; END;"
    ),
    "restrict": (
        "CREATE TABLE t (a PRIMARY KEY);\nCREATE TABLE u (b REFERENCES t ON UPDATE RESTRICT);"
    ),
    "set": (
        "CREATE TABLE t (a UNIQUE);\n"
        'CREATE TRIGGER tr AFTER INSERT ON "set" BEGIN\n'
        "  INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET a = 2;\n"
        '  UPDATE "set" SET x = 1; END;'
    ),
    "on": 'CREATE TABLE t (a);\nCREATE TRIGGER tr AFTER UPDATE ON "on" BEGIN SELECT 1; END;',
    "of": (
        "CREATE TABLE t (a);\n"
        "CREATE TRIGGER tr AFTER UPDATE OF a ON t BEGIN UPDATE of SET x = 1; END;"
    ),
    "or": (
        "CREATE TABLE t (a);\n"
        'CREATE TRIGGER tr AFTER INSERT ON "or" BEGIN UPDATE OR IGNORE t SET a = 1; END;'
    ),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize(("kind", "strategy"), PREFIXED)
def test_a_table_named_like_a_grammar_word_syncs(kind: str, strategy: str, name: str) -> None:
    schema = f'CREATE TABLE "{name}" (x);\n{CASES[name]}'
    syncs_twice(kind, strategy, schema)


def test_the_name_readers_tell_the_grammar_word_from_the_table() -> None:
    trigger = (
        "CREATE TRIGGER tr AFTER UPDATE OF a ON conflict BEGIN "
        "INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET a = 2; UPDATE of SET a = 1; END"
    )
    assert tables_named_in(trigger, {"conflict", "of", "set", "t"}) == {"conflict", "of", "t"}
    assert rename_tables_in(trigger, {"conflict": "c2", "of": "o2"}) == (
        'CREATE TRIGGER tr AFTER UPDATE OF a ON "c2" BEGIN '
        'INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET a = 2; UPDATE "o2" SET a = 1; END'
    )
    index = "CREATE INDEX i ON conflict (a) WHERE a > 0"
    assert tables_named_in(index, {"conflict"}) == {"conflict"}


@pytest.mark.parametrize(("kind", "strategy"), PREFIXED)
@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE t (a REFERENCES p ON UPDATE of)",
        "CREATE TRIGGER tr AFTER UPDATE OF a BEGIN SELECT 1; END",
    ],
)
def test_a_grammar_word_where_sqlite_refuses_it_is_sqlites_to_refuse(
    kind: str, strategy: str, statement: str
) -> None:
    """``of`` where no table can stand (a foreign key's action; a trigger with no ON, so no
    head): SQLite refuses the statement, naming it, rather than the name reader failing
    with a raw TypeError (kills the head's ON defaulting to None)."""
    schema = f'CREATE TABLE "of" (x);\nCREATE TABLE p (a PRIMARY KEY);\n{statement};'
    client, _ = open_client(kind)
    options = {"scratch_schema": strategy} if kind == "sqlite3" else {}
    with pytest.raises(inline_sync.DefinitionError, match="SQLite refused the"):
        sync_on(kind, client, schema, **options)
