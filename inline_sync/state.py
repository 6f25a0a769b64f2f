"""Drift detection: remember what the last successful sync brought the database to.

A state table (an ordinary table, so it works in a Durable Object too) holds one row: the hash
of the definitions last synced and a fingerprint of the schema right after that sync. When both
still match, ``sync()`` is done after reading that one row — no scratch objects, no
introspection. The fingerprint catches a schema changed behind the library's back: SQLite's
``schema_version`` cookie where the client may read it, the objects of ``sqlite_schema`` as
SQLite lists them where it may not (Durable Objects and D1 refuse ``PRAGMA schema_version``).
Every client and the engine (:mod:`inline_sync.rounds`) write and read the row with the
statements below.

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
#: hash of the exact text. 3: a default spelled as a name is text, whose case counts. 4: a
#: double-quoted word naming no column is text; a column's name, a view's words keep case.
#: 5: so does a virtual table's column's name. 6: and a CHECK constraint's name.)
PLANNER_VERSION = "6"

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

# A recorded cookie is "v" and the number: a text, like a fingerprint of the other kind, so a
# state row written by one kind of client never matches what the other computes.
_COOKIE_TAG = "v"

# The schema's fingerprint, computed by SQLite: the ``schema_version`` cookie where the client
# may read it; elsewhere (Durable Objects, D1 refuse that PRAGMA) every object with SQL, by
# name, without SQLite's, the platform's and inline_sync's own (scratch and guard tables come
# and go; AUTOINCREMENT in a scratch table leaves sqlite_sequence behind). Reading either twice
# gives the same text exactly when nothing changed, so the state row is compared inside SQL.
# The scratch prefix is spelled in two parts: a statement log shows "__sync_" only where
# scratch objects are made or dropped.
COOKIE = f"(SELECT '{_COOKIE_TAG}' || schema_version FROM main.pragma_schema_version)"
FINGERPRINT = (
    "(SELECT json_group_array(json_array(type, name, sql)) FROM (SELECT type, name, sql "
    "FROM main.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
    "AND lower(substr(name, 1, 4)) <> '_cf_' AND lower(substr(name, 1, 7)) <> '_' || '_sync_' "
    f"AND name <> '{STATE_TABLE}' AND name <> '__miniflare_do_name' ORDER BY name))"
)


def cookie(schema_version: int) -> str:
    """What :data:`COOKIE` computes for ``schema_version``, for a reader that has the number
    (``PRAGMA schema_version``: cheaper to prepare than the table-valued form)."""
    return f"{_COOKIE_TAG}{schema_version}"


def state_check(fingerprint: str) -> str:
    """The one statement that reads the stored hashes and whether the schema still has the
    fingerprint recorded with them (``fingerprint``: :data:`COOKIE` or :data:`FINGERPRINT`)."""
    return (
        f"SELECT definitions_hash, fingerprint IS {fingerprint} FROM main.{STATE_TABLE} "
        "WHERE id = 1"
    )


#: The start-up read of sqlite3 and apsw: the stored hashes and whether the cookie matches.
STATE_QUERY = state_check(COOKIE)
#: The same for a Durable Object: one ``sql.exec``.
STATE_QUERY_DO = state_check(FINGERPRINT)
#: What is under the state table's name (absent, sound, or damaged by hand).
STATE_ENTRY = "SELECT type, name, sql FROM main.sqlite_master WHERE name = ? COLLATE NOCASE"


def damage(entry: Sequence[Sequence[object]]) -> list[tuple[str, str]] | None:
    """From the rows of :data:`STATE_ENTRY`: None when the state table is sound, else what to
    drop before it is made anew (nothing when it is simply missing)."""
    if [tuple(r) for r in entry] == [("table", STATE_TABLE, STATE_SQL)]:
        return None
    return [(str(k), str(n)) for k, n, _ in entry if k in ("table", "view")]


def state_statements(
    digest: str,
    text_digest: str,
    fingerprint: str,
    damaged: Sequence[tuple[str, str]] | None,
    *,
    raced: bool = False,
) -> list[tuple[str, tuple[object, ...]]]:
    """Record a successful sync inside its transaction. ``damaged`` (from :func:`damage`):
    None when the table is sound; otherwise it is made anew after dropping what is named
    (``raced``: another process may have made it since it was read; D1). The row's
    fingerprint is computed by SQLite after the change and after the table exists, so creating
    it does not count as drift."""
    out: list[tuple[str, tuple[object, ...]]] = []
    if damaged is not None:
        out += [(f"DROP {kind.upper()} IF EXISTS main.{quote(name)}", ()) for kind, name in damaged]
        create = STATE_TABLE_SQL if raced and not damaged else STATE_SQL
        out.append((create.replace(f" {STATE_TABLE} ", f" main.{STATE_TABLE} ", 1), ()))
    out.append((
        f"INSERT OR REPLACE INTO main.{STATE_TABLE} (id, definitions_hash, fingerprint, "
        f"synced_at) VALUES (1, ?, {fingerprint}, ?)",
        (stored_value(digest, text_digest), stamp()),
    ))  # fmt: skip
    return out


def stamp() -> str:
    """The time of a sync as the state row records it: UTC, ISO 8601, to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


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
        # Comments, white space and quoting do not count; a default's text does (DEFAULT
        # "Hello"), and so does the case of every word: the diff compares some exactly (a
        # column's name, a view's words, "X" that is text: CHECK (a <> "X")).
        parts.append(normalize(d.tokens, defaults=True, exact=True))
    return remember(_HASHES, key, f"{fnv1a_64(chr(0).join(parts).encode('utf-8')):016x}")


# The state row's definitions_hash: the token hash, then a space and the exact-text hash (a
# row written before the text hash existed holds the token hash alone).
def stored_value(digest: str, text_digest: str) -> str:
    """The ``definitions_hash`` value that records the hashes ``digest`` (tokens) and
    ``text_digest`` (exact text; "" when not known)."""
    return f"{digest} {text_digest}".rstrip()


def stored_hashes(stored: object) -> tuple[str, str]:
    """The (token hash, exact-text hash) within a stored ``definitions_hash`` value ("" for
    one it does not hold)."""
    token, _, text = str(stored).partition(" ")
    return token, text


def stored_text_hash(stored: object) -> str:
    """``stored_hashes(stored)[1]``, written out: ``sync()``'s start-up path calls it, and a
    call and a tuple fewer are a measurable part of it."""
    return str(stored).partition(" ")[2]


def fingerprint_of(client: Client) -> str:
    """The fingerprint expression for ``client``: its cookie where it may read it."""
    return COOKIE if getattr(client, "can_read_schema_version", True) else FINGERPRINT
