"""A CHECK constraint's name in another case is applied: SQLite's message names the CHECK as
its text writes it ("CHECK constraint failed: Positive"), and the name was compared
case-folded, so ``CONSTRAINT Positive`` changed to ``positive`` was reported up to date. The
names of the other constraints appear nowhere but in the text, and SQLite finds them without
regard to case: their case is still cosmetic."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import KINDS, open_client, sync_on


def failed_check(conn: Any) -> str:
    try:
        conn.execute("INSERT INTO t VALUES (-1)")
    except Exception as exc:  # (each driver's own error)
        return str(exc)
    raise AssertionError("the CHECK let -1 in")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "check",
    ["a INT CONSTRAINT {} CHECK (a > 0)", "a INT, CONSTRAINT {} CHECK (a > 0)"],
    ids=["column", "table"],
)
def test_a_check_named_in_another_case_is_renamed(kind: str, check: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, f"CREATE TABLE t ({check.format('Positive')});")
    conn.execute("INSERT INTO t VALUES (1)")
    after = f"CREATE TABLE t ({check.format('positive')});"
    assert sync_on(kind, client, after).status == "synced"
    assert "CHECK constraint failed: positive" in failed_check(conn)
    assert sync_on(kind, client, after, force=True).status == "up-to-date"


@pytest.mark.parametrize("kind", KINDS)
def test_other_constraint_names_case_is_no_change(kind: str) -> None:
    client, _ = open_client(kind)
    schema = (
        "CREATE TABLE p (id INTEGER, CONSTRAINT {} PRIMARY KEY (id));\n"
        "CREATE TABLE t (a INT CONSTRAINT {} UNIQUE, b INT, CONSTRAINT {} FOREIGN KEY (b) "
        "REFERENCES p);"
    )
    sync_on(kind, client, schema.format("Pk", "Uq", "Fk"))
    assert sync_on(kind, client, schema.format("pk", "uq", "fk")).statements == ()
