"""The scratch copies of the definitions, so SQLite itself checks them: their SQL and how to
read them back (the engine's scratch round, :mod:`inline_sync.scratch_round`, runs them).

Two strategies give the same result:

* ``scratch-db``: an attached ``:memory:`` database; each statement is qualified with its name.
* ``prefix``: ``__sync_``-prefixed copies inside ``main`` (for hosts that refuse ATTACH, such as
  Durable Objects). Only name tokens are rewritten, never string literals, keeping their quoting,
  so the text read back and un-prefixed is exactly what SQLite would store for the definition
  (which tokens name tables: :mod:`inline_sync.statement_names`).

Errors name the user's statement and objects, never scratch names.
"""

from __future__ import annotations

import re

from .cache import remember
from .clients import Client
from .definitions import TRIGGER, VIEW, Definition
from .introspect import is_virtual
from .names import PREFIX, SCRATCH_DB
from .statement_names import _listed_tables, _name_edits
from .tokenizer import COMMENT, OP, WORD, Token, fold, quote, splice, tokenize

Row = tuple[str, str, str, str]  # type, name, tbl_name, sql


def _rewrite_with_tails(
    d: Definition, names: set[str] | frozenset[str], parents_as_is: frozenset[str] = frozenset()
) -> tuple[str, str, str]:
    """(scratch statement, its text from the object's name on, the user's text from the name
    on). SQLite stores ``CREATE <kind> `` followed by the statement's text from the
    unqualified name on, so swapping the tails undoes the rewrite exactly. Nothing before
    the name is rewritten, so the name starts at the same offset in both."""
    base = d.tokens[0].start
    sql = splice(d.sql, _name_edits(d.tokens, names, d.name_token, parents_as_is), base)
    at = d.tokens[d.name_token].start - base
    return sql, sql[at:], d.sql[at:]


# (Compiled on first use, by re's own cache: a plan on a scratch database never needs it.)
_UNPREFIX = r"(^|[\"`\['])" + PREFIX


def strip_prefix(sql: str, names: frozenset[str] | set[str]) -> str:
    """Undo :func:`~inline_sync.statement_names.rewrite_names` token by token: the prefix
    comes off identifiers (and the object's own name) that name one of ``names`` (folded)
    behind it, never off literals, blobs or comments. The exact inverse,
    :meth:`Scratch.read`, is preferred; this is for text SQLite did not store verbatim."""
    edits: list[tuple[Token, str]] = []
    tokens = tokenize(sql)
    sig = [t for t in tokens if t.kind is not COMMENT]
    for i, tok in enumerate(sig):
        if tok.names_object(sig[i - 1] if i else None):  # (a string after TABLE too)
            bare = re.sub(_UNPREFIX, r"\1", tok.text, count=1, flags=re.IGNORECASE)
            name = Token(tok.kind, bare, 0).value
            if bare != tok.text and fold(name) in names:
                edits.append((tok, bare))
    return splice(sql, edits)


def unprefix_message(message: str) -> str:
    """An SQLite error message with scratch names turned back into the user's names."""
    message = message.replace(f"{SCRATCH_DB}.", "").replace(f'"{SCRATCH_DB}".', "")
    return re.sub(re.escape(PREFIX), "", message, flags=re.IGNORECASE)


class Scratch:
    """The scratch copies' SQL: the statement that builds each definition in the scratch
    space, and the exact inverse for what SQLite stores of it. No I/O: the engine's scratch
    round (:mod:`inline_sync.scratch_round`) runs the statements."""

    def __init__(self, strategy: str, declared: frozenset[str]) -> None:
        self.strategy = strategy
        self.declared = declared  # the definitions' folded names
        # prefix strategy: folded scratch name -> (stored tail, the user's tail)
        self._tails: dict[str, tuple[str, str]] = {}

    def statement(
        self,
        d: Definition,
        names: set[str] | frozenset[str],
        parents_as_is: frozenset[str] = frozenset(),
    ) -> str:
        """The statement that builds ``d`` in the scratch space (``names``: the folded names
        the copies write prefixed). A name of ``parents_as_is`` stays as written after
        REFERENCES (a live table the sync drops: with foreign keys on, dropping a copy whose
        parent does not exist fails, and the live parent is there all along)."""
        if self.strategy == "prefix":
            sql, stored_tail, user_tail = _rewrite_with_tails(d, names, parents_as_is)
            self._tails[fold(PREFIX + d.name)] = (stored_tail, user_tail)
            if d.schema_token is None:  # main.__sync_x: never a caller's TEMP object
                cut = len(sql) - len(stored_tail)
                sql = sql[:cut] + "main." + sql[cut:]
            return sql
        # scratch-db: qualify the object's name with the scratch schema (its first tokens
        # say where: the statement is not read whole).
        head = d.head
        base = head[0].start
        if d.schema_token is not None:
            sql = splice(d.sql, [(head[d.schema_token], SCRATCH_DB)], base)
        else:
            at = head[d.name_token].start - base
            sql = f"{d.sql[:at]}{SCRATCH_DB}.{d.sql[at:]}"
        tails = _main_tails(d, self.declared)
        if tails is not None:
            sql = sql[: len(sql) - len(tails[1])] + tails[0]
        return sql

    def of_columns_as_built(self, d: Definition) -> list[str] | None:
        """The UPDATE OF columns of trigger ``d`` as its copy names them (prefix strategy: a
        column named like a declared table is prefixed in the copies); None where the copy
        names them as ``d`` does."""
        tails = self._tails.get(fold(PREFIX + d.name))
        event = _event_after_name(tokenize(tails[0])[1:]) if tails is not None else None
        return event[2] if event is not None else None

    def without_autoincrement(self, d: Definition, sql: str) -> str:
        """``sql``, the prefix strategy's statement for table ``d``, without its AUTOINCREMENT
        keywords (bare words: SQLite reads no other word so); what SQLite stores of it is
        still read back as the user's text, keywords included (see ScratchRound._build)."""
        key = fold(PREFIX + d.name)
        stored, user = self._tails[key]
        bare = splice(stored, [(t, "") for t in tokenize(stored) if t.keyword("AUTOINCREMENT")])
        self._tails[key] = (bare, user)
        return sql[: len(sql) - len(stored)] + bare

    def restored(self, rows: list[Row], defs: list[Definition]) -> list[Row]:
        """Rows read back from a scratch database, with the user's text for each view or
        trigger that names ``main.``, whose copy names the scratch database there instead."""
        swaps = {}
        for d in defs:
            tails = _main_tails(d, self.declared)
            if tails is not None:
                swaps[d.key] = tails
        out = []
        for kind, name, tbl, sql in rows:
            tails = swaps.get(fold(name))
            if tails is not None and sql.endswith(tails[0]):
                sql = sql[: len(sql) - len(tails[0])] + tails[1]
            out.append((kind, name, tbl, sql))
        return out

    def unprefixed(self, rows: list[Row], shadow: set[str]) -> tuple[list[Row], set[str]]:
        """Prefixed rows and shadow-table names read back from the copies (prefix strategy),
        with the user's names and, for the statements this scratch built, the user's text.
        Every row is a copy's, on a copy (an index or trigger on an undeclared table is
        refused before), so its table's name is prefixed too."""
        plen = len(PREFIX)
        unprefixed = [
            (kind, name[plen:], tbl[plen:], self._unprefixed_sql(name, sql))
            for kind, name, tbl, sql in rows
        ]
        return unprefixed, {s[plen:] for s in shadow if fold(s).startswith(PREFIX)}

    def _unprefixed_sql(self, name: str, sql: str) -> str:
        """The stored text of a scratch copy as SQLite stores the user's own statement: the
        tail from the name on is swapped back (literals and comments are never touched)."""
        tails = self._tails.get(fold(name))
        if tails is not None and sql.endswith(tails[0]):
            return sql[: len(sql) - len(tails[0])] + tails[1]
        return strip_prefix(sql, self.declared)  # e.g. a shadow table a module created


def trigger_table(d: Definition) -> str | None:
    """The folded name of the table or view trigger ``d`` is on (None if it cannot be read)."""
    event = _trigger_event(d)
    return event[1] if event is not None else None


def _main_tails(d: Definition, declared: frozenset[str]) -> tuple[str, str] | None:
    """For a view or trigger that names ``main.`` (``ON main.t``, ``FROM main.t``,
    ``main.t.a``): its text from the name on as its copy in a scratch database has it, the
    scratch database named instead (SQLite refuses a view or trigger there that names another
    database), and as the user wrote it; None for any other object. Where ``main`` is also a
    declared object's name, ``main.x`` may be that table's column x: left as it is; so is
    ``main.x`` in an expression (``SELECT main.a FROM t AS main``: an alias's column)."""
    if d.kind not in (TRIGGER, VIEW) or "main" in declared or "main" not in d.sql.lower():
        return None
    sig = [t for t in d.tokens[d.name_token + 1 :] if t.kind is not COMMENT]
    listed = _listed_tables(sig, list(range(len(sig))))
    # A trigger's first ON is its head's (ON main.<table>): UPDATE OF names no bare ON.
    on = next((i for i, t in enumerate(sig) if t.keyword("ON")), -2) if d.kind == TRIGGER else -2
    head = sig[on + 1] if 0 <= on + 1 < len(sig) else None
    edits = [
        (tok, SCRATCH_DB)
        for i, tok in enumerate(sig[:-1])
        if tok.is_name
        and tok.folded == "main"
        and sig[i + 1].text == "."
        and (i == 0 or sig[i - 1].text != ".")  # (x.main.y: main is a table there)
        # Where a table's name stands (FROM main.t, main.t.a); in an expression, main.a is
        # column a of a table or alias named main.
        and (
            tok is head
            or i in listed
            or (i and sig[i - 1].keyword("FROM", "JOIN", "INTO", "UPDATE", "IN"))
            or (i + 3 < len(sig) and sig[i + 3].text == ".")
        )
    ]
    if not edits:
        return None
    base = d.tokens[0].start
    at = d.tokens[d.name_token].start - base
    user = d.sql[at:]
    return splice(user, edits, base + at), user


def trigger_check(
    d: Definition,
    target: str,
    ordinary: list[str],
    *,
    view: bool = False,
    of_as_built: list[str] | None = None,
) -> str | None:
    """A statement that fires trigger ``d`` on ``target`` (its scratch table or view) without
    changing a row, so SQLite compiles the trigger's body; ``ordinary`` are the target's
    columns that can be set, as named there. None when there is nothing to fire.

    ``view``: the target is a view whose columns are not known; the statements then name
    none (INSERT … SELECT * from the view itself; UPDATE of the trigger's OF columns, or of
    ``rowid``, which SQLite resolves while it compiles an INSTEAD OF trigger). The OF
    columns are named as the trigger's copy names them (``of_as_built``) where it differs."""
    event = _trigger_event(d)
    if event is None:
        return None
    kind, _, of_columns = event
    if view and kind == "INSERT":
        return f"INSERT INTO {target} SELECT * FROM {target} WHERE 0"
    if view and kind == "UPDATE":
        named = of_as_built if of_as_built is not None else of_columns
        sets = ", ".join(f"{quote(c)} = {quote(c)}" for c in named or ["rowid"])
        return f"UPDATE {target} SET {sets} WHERE 0"
    # The scratch copy's own column names (a column named like a table is prefixed too).
    by_name = {fold(c): c for c in ordinary}
    for c in ordinary:
        if fold(c).startswith(PREFIX):
            by_name.setdefault(fold(c)[len(PREFIX) :], c)
    # A generated column cannot be SET: such an OF column is left out.
    columns = [by_name[fold(c)] for c in of_columns if fold(c) in by_name] or ordinary[:1]
    if kind == "DELETE":
        return f"DELETE FROM {target} WHERE 0"
    if not columns:
        return None
    if kind == "INSERT":
        return f"INSERT INTO {target} ({quote(columns[0])}) SELECT NULL WHERE 0"
    sets = ", ".join(f"{quote(c)} = {quote(c)}" for c in columns)
    return f"UPDATE {target} SET {sets} WHERE 0"


def settable_columns(sql: str) -> list[str]:
    """The columns of the ``CREATE TABLE`` statement ``sql`` that a statement can set (not
    the generated ones), as named there, read from its tokens: the trigger checks need only
    these, not the DDL parser (a plan that finds nothing to do loads none of it).

    ``sql`` is one SQLite has accepted, so each part of the body is a column (its name
    first) until the first table constraint, which starts with a reserved word; a column is
    generated when ``AS`` stands at its top level (elsewhere it is inside parentheses)."""
    columns = _SETTABLE.get(sql)
    if columns is not None:
        return columns
    columns = []
    depth = 0
    name: str | None = None  # of the column being read
    generated = False
    for tok in tokenize(sql):
        kind, text, _ = tok
        if kind is OP and text in "(),":
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
            if depth == 0 or (depth == 1 and text == ","):  # a part of the body ends
                if name is not None and not generated:
                    columns.append(name)
                if depth == 0 and text == ")":
                    break
                name, generated = None, False
            continue
        if depth != 1 or kind is COMMENT:
            continue
        if name is None:
            if kind is WORD and text.upper() in _TABLE_CONSTRAINT_STARTS:
                break  # the columns come first
            name = tok.value
        elif kind is WORD and text.upper() == "AS":
            generated = True
    return remember(_SETTABLE, sql, columns)


_TABLE_CONSTRAINT_STARTS = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"})
_SETTABLE: dict[str, list[str]] = {}  # filled by cache.remember


def _trigger_event(d: Definition) -> tuple[str, str, list[str]] | None:
    """(INSERT, UPDATE or DELETE; folded table or view; the UPDATE OF columns) of a trigger."""
    return _event_after_name(d.tokens[d.name_token + 1 :])


def _event_after_name(tokens: tuple[Token, ...] | list[Token]) -> tuple[str, str, list[str]] | None:
    """:func:`_trigger_event` of the tokens that follow a trigger's name."""
    sig = [t for t in tokens if t.kind is not COMMENT]
    for i, tok in enumerate(sig):
        if tok.keyword("INSERT", "UPDATE", "DELETE"):
            kind = tok.text.upper()
            of: list[str] = []
            j = i + 1
            if kind == "UPDATE" and j < len(sig) and sig[j].keyword("OF"):
                j += 1
                while j < len(sig) and sig[j].is_name:
                    of.append(sig[j].value)
                    j += 1
                    if j >= len(sig) or sig[j].text != ",":
                        break
                    j += 1
            if j < len(sig) and sig[j].keyword("ON"):  # (ON last: k is out of range)
                k = j + 3 if j + 2 < len(sig) and sig[j + 2].text == "." else j + 1
                return (kind, sig[k].folded, of) if k < len(sig) else None
            return None
    return None


def read_objects(client: Client, schema: str) -> list[Row]:
    """Every object with SQL text in ``schema``'s sqlite_schema."""
    return [
        (str(t), str(n), str(tb), str(s))
        for t, n, tb, s in client.query(
            f"SELECT type, name, tbl_name, sql FROM {quote(schema)}.sqlite_master "
            "WHERE sql IS NOT NULL"
        )
    ]


def read_shadow_tables(
    client: Client, schema: str, rows: list[Row], declared: frozenset[str] = frozenset()
) -> set[str]:
    """Names of the shadow tables of virtual tables.

    ``PRAGMA table_list`` reports those whose module says so; some modules do not claim all of
    theirs (sqlite-vec's ``*_vector_chunks00``), so a table named ``<virtual table>_…`` that the
    definitions do not declare counts as a shadow table too. ``declared`` holds folded names.
    """
    if not any(kind == "table" and is_virtual(s) for kind, _, _, s in rows):
        return set()
    listed: set[str] = set()
    try:
        listed = {
            str(r[0])
            for r in client.query(
                "SELECT name FROM pragma_table_list WHERE schema = ? AND type = 'shadow'",
                (schema,),
            )
        }
    except Exception as exc:  # SQLite before 3.37: the name rule below still applies
        if not client.is_error(exc):
            raise
    return shadow_names(rows, declared, listed)


def shadow_names(
    rows: list[Row], declared: frozenset[str] | set[str], listed: set[str]
) -> set[str]:
    """The shadow tables among ``rows``: those ``PRAGMA table_list`` reported (``listed``) that
    belong to a virtual table in ``rows``; for SQLite's own modules, those with their fixed
    suffixes; for other modules, the undeclared tables named after one of their tables."""
    known: set[str] = set()  # <table>_<suffix> of SQLite's own modules
    others: list[str] = []  # "<table>_" of any other module's tables
    for _, n, _, s in rows:
        if is_virtual(s):
            m = re.search(_USING, s)
            suffixes = _BUILTIN_SHADOWS.get(m[1].lower()) if m else None
            if suffixes is None:
                others.append(fold(n) + "_")
            else:
                known.update(fold(n) + "_" + suffix for suffix in suffixes)
    if not known and not others:
        return set()
    names = {fold(n) for _, n, _, _ in rows}
    found = {n for n in listed if fold(n) in names}
    prefixes = tuple(others)
    for kind, name, _, _ in rows:
        key = fold(name)
        if kind == "table" and (
            key in known or (key not in declared and prefixes and key.startswith(prefixes))
        ):
            found.add(name)
    return found


# SQLite's own modules name their shadow tables <table>_<suffix> from these lists and nothing
# else, so a user's docs_meta beside an fts5 table docs is a table of its own. Other modules
# (sqlite-vec's *_vector_chunks00) may not list all of theirs: any undeclared <table>_… is.
_BUILTIN_SHADOWS = {
    "fts3": ("content", "segments", "segdir", "docsize", "stat"),
    "fts4": ("content", "segments", "segdir", "docsize", "stat"),
    "fts5": ("data", "idx", "content", "docsize", "config"),
    "rtree": ("node", "parent", "rowid"),
    "rtree_i32": ("node", "parent", "rowid"),
    "geopoly": ("node", "parent", "rowid"),
}
_USING = r"(?i)\bUSING\s+[\"`\[]?(\w+)"  # compiled when first needed (re's cache)
