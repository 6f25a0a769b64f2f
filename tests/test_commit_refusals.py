"""A change that SQLite refuses only when the transaction commits (deferred foreign keys),
where foreign keys stay on (Durable Objects, D1).

A child column made REAL under an INTEGER PRIMARY KEY parent: each copied value (3 -> 3.0)
no longer finds its parent by SQLite's write-time check, though ``foreign_key_check`` (which
the sync's own verification runs) sees nothing wrong. The copy runs with foreign keys
deferred, so SQLite refuses at commit. Found by random schema-evolution fuzzing: the stand-ins
raised their driver's exception from COMMIT/RELEASE (a real host throws a JS error there, as
they now do), and the Durable Object's sync then blamed "one of inline_sync's own
statements"; it is an ApplyError, like any refusal of the change, and nothing was changed.
Where foreign keys are switched off (sqlite3, apsw) SQLite checks nothing and the sync goes
ahead.
"""

from __future__ import annotations

import pytest
from memory_clients import KINDS, open_client, refused, rows, sync_on

BEFORE = "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (x INTEGER REFERENCES p(id));"
AFTER = BEFORE.replace("x INTEGER", "x REAL")


@pytest.mark.parametrize("kind", KINDS)
def test_a_refusal_at_commit_is_an_apply_error(kind: str) -> None:
    client, conn = open_client(kind)
    sync_on(kind, client, BEFORE)
    conn.execute("INSERT INTO p VALUES (3)")
    conn.execute("INSERT INTO c VALUES (3)")

    if kind in ("sqlite3", "apsw"):
        assert sync_on(kind, client, AFTER).status == "synced"
        assert rows(conn, "SELECT x, typeof(x) FROM c") == [(3.0, "real")]
        return
    message = str(refused(kind, client, conn, AFTER))
    assert "FOREIGN KEY constraint failed" in message
    assert "nothing was changed" in message
