"""Drift detection: remember what the last successful sync brought the database to.

A state table (an ordinary table, so it works in a Durable Object too) holds one row: the hash
of the definitions last synced and a fingerprint of the schema right after that sync. When both
still match, ``sync()`` is done after reading that one row — no scratch objects, no
introspection. The fingerprint catches a schema changed behind the library's back: SQLite's
``schema_version`` cookie where the client may read it, a digest of ``sqlite_schema`` where it
may not (Durable Objects refuse ``PRAGMA schema_version``).

Two hashes of the definitions are stored: one of their tokens, which cosmetic edits (white
space, comments, quoting) leave alone, and one of their exact text, which a fresh process can
compute without tokenizing. This module is on the start-up path, so the tokenizer (and ``re``)
load only when the tokens are hashed.
"""

from __future__ import annotations

import time

from .cache import remember
from .names import quote

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up path)
if TYPE_CHECKING:
    from collections.abc import Sequence

    from .clients import Client
    from .definitions import Definition
    from .names import NameFilter

#: Bumped whenever the planner changes what it would do for the same definitions, so that a
#: database synced by an older planner is planned again once. (2: the state row also holds the
#: hash of the exact text.)
PLANNER_VERSION = "2"

#: The state table. Its name is reserved: definitions may not use it.
STATE_TABLE = "_inline_sync_state"

#: The state table as SQLite stores it. Anything else under its name (a column dropped or
#: renamed by hand, a view) is damage: the next sync drops it and creates it again.
STATE_SQL = (
    f"CREATE TABLE {STATE_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "definitions_hash TEXT NOT NULL, fingerprint TEXT NOT NULL, synced_at TEXT NOT NULL)"
)

#: Creates the state table when it is missing.
STATE_TABLE_SQL = STATE_SQL.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1)

#: One query reads the stored state and the schema cookie it must match.
STATE_QUERY = (
    "SELECT definitions_hash, fingerprint, (SELECT 'v' || schema_version FROM "
    f"main.pragma_schema_version) FROM main.{STATE_TABLE} WHERE id = 1"
)

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK = 0xFFFFFFFFFFFFFFFF


def fnv1a_64(data: bytes) -> int:
    """The 64-bit FNV-1a hash of ``data`` (pure Python; runs anywhere, Pyodide included)."""
    h = _FNV_OFFSET
    for byte in data:
        h = ((h ^ byte) * _FNV_PRIME) & _MASK
    return h


_HASHES: dict[tuple[tuple[str, ...], NameFilter], str] = {}
_TEXT_HASHES: dict[tuple[tuple[str, ...], NameFilter], str] = {}


def _preamble(ignore: NameFilter) -> list[str]:
    return [f"inline_sync planner {PLANNER_VERSION}", *sorted(ignore.exact), *sorted(ignore.globs)]


def text_hash(texts: tuple[str, ...], ignore: NameFilter) -> str:
    """The hash of the definitions' exact text, the ignore patterns and the planner's version:
    what lets a fresh process recognise unchanged definitions without tokenizing them.
    Computed once per process for the same texts."""
    key = (texts, ignore)
    cached = _TEXT_HASHES.get(key)
    if cached is not None:
        return cached
    parts = [*_preamble(ignore), "text", *texts]
    # surrogatepass: a lone surrogate is reported (DefinitionError) by the full path, which
    # this hash cannot match (no such text was ever synced).
    data = chr(0).join(parts).encode("utf-8", "surrogatepass")
    return remember(_TEXT_HASHES, key, f"{fnv1a_64(data):016x}")


def definitions_hash(
    texts: tuple[str, ...], definitions: list[Definition], ignore: NameFilter
) -> str:
    """The hash of what decides the outcome of a sync: the definitions as tokens (white space,
    comments and quoting do not count; a changed literal does), the ignore patterns and the
    planner's version. Computed once per process for the same texts."""
    key = (texts, ignore)
    cached = _HASHES.get(key)
    if cached is not None:
        return cached
    from .tokenizer import normalize

    parts = _preamble(ignore)
    for d in definitions:
        parts.append(normalize(d.tokens))  # comments and white space do not count
    return remember(_HASHES, key, f"{fnv1a_64(chr(0).join(parts).encode('utf-8')):016x}")


def stored_text_hash(stored: object) -> str:
    """The exact-text hash within the stored ``definitions_hash`` value ("" when none)."""
    return str(stored).partition(" ")[2]


class State:
    """The stored row: definitions hashes and schema fingerprint of the last successful sync.

    The ``definitions_hash`` column holds the token hash, then a space and the text hash.
    """

    def __init__(self, definitions_hash: str, fingerprint: str) -> None:
        self.definitions_hash, _, self.text_hash = definitions_hash.partition(" ")
        self.fingerprint = fingerprint


def _uses_schema_version(client: Client) -> bool:
    return getattr(client, "can_read_schema_version", True)


def read_state(client: Client) -> tuple[State | None, str]:
    """The stored state (None when there is none) and the schema's fingerprint now.

    On clients that can read ``schema_version`` this is a single query.
    """
    if _uses_schema_version(client):
        try:
            rows = client.query(STATE_QUERY)
        except Exception as exc:
            # No state table, or a damaged one: plan in full (write_state repairs it). A
            # locked or unreadable database is not "no state": that error goes up.
            if not client.is_error(exc) or client.is_environment_error(exc):
                raise
            return None, ""
        return from_row(rows[0]) if rows else (None, "")
    # Look before reading: a failed statement inside a Durable Object transaction is best avoided.
    exists = _state_table_is_sound(client)
    rows = (
        client.query(f"SELECT definitions_hash, fingerprint FROM main.{STATE_TABLE} WHERE id = 1")
        if exists
        else []
    )
    if not rows:
        return None, ""
    return State(str(rows[0][0]), str(rows[0][1])), schema_fingerprint(client)


def from_row(row: Sequence[object]) -> tuple[State, str]:
    """The stored state and the schema's fingerprint from a row of :data:`STATE_QUERY`."""
    return State(str(row[0]), str(row[1])), str(row[2])


def schema_fingerprint(client: Client) -> str:
    """A fingerprint of the whole schema as it is now (inside the sync's transaction)."""
    if _uses_schema_version(client):
        return f"v{client.query('PRAGMA main.schema_version')[0][0]}"
    # Platform tables (_cf_KV appears with the first kv.put) are not the user's schema.
    rows = client.query(
        "SELECT type, name, tbl_name, sql FROM main.sqlite_master "
        "WHERE lower(substr(name, 1, 4)) != '_cf_' AND name != '__miniflare_do_name' "
        "ORDER BY type, name"
    )
    import hashlib  # only Durable Objects come here

    text = "\x00".join("\x01".join(str(v) for v in row) for row in rows)
    return "d" + hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def write_state(client: Client, digest: str, text_digest: str = "") -> None:
    """Record a successful sync of definitions with hashes ``digest`` (tokens) and
    ``text_digest`` (exact text), inside its transaction."""
    from .tokenizer import literal

    if not _state_table_is_sound(client):
        # Missing, or damaged by hand: the table is inline_sync's own (its name is reserved).
        for kind, name in client.query(
            "SELECT type, name FROM main.sqlite_master WHERE name = ? COLLATE NOCASE "
            "AND type IN ('table', 'view')",
            (STATE_TABLE,),
        ):
            client.execute(f"DROP {str(kind).upper()} main.{quote(str(name))}")
        client.execute(STATE_SQL.replace("CREATE TABLE ", "CREATE TABLE main.", 1))
    # The fingerprint is read after the table exists, so creating it does not count as drift.
    fingerprint = schema_fingerprint(client)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    client.execute(
        f"INSERT OR REPLACE INTO main.{STATE_TABLE} (id, definitions_hash, fingerprint, synced_at) "
        f"VALUES (1, {literal(f'{digest} {text_digest}'.rstrip())}, {literal(fingerprint)}, "
        f"{literal(stamp)})"
    )


def _state_table_is_sound(client: Client) -> bool:
    rows = client.query(
        "SELECT sql FROM main.sqlite_master WHERE name = ? COLLATE NOCASE", (STATE_TABLE,)
    )
    return [tuple(r) for r in rows] == [(STATE_SQL,)]


def matches(state: State | None, digest: str, fingerprint: str) -> bool:
    """True when the stored state says the database is already synced to ``digest``."""
    return (
        state is not None and state.definitions_hash == digest and state.fingerprint == fingerprint
    )


def matches_text(state: State | None, text_digest: str, fingerprint: str) -> bool:
    """True when the stored state says the database is synced to these exact texts."""
    return (
        state is not None
        and bool(state.text_hash)
        and state.text_hash == text_digest
        and state.fingerprint == fingerprint
    )
