"""Materialize the definitions in a scratch space, so SQLite itself checks them.

Two strategies give the same result:

* ``scratch-db``: an attached ``:memory:`` database; each statement is qualified with its name.
* ``prefix``: ``__sync_``-prefixed copies inside ``main`` (for hosts that refuse ATTACH, such as
  Durable Objects). Only name tokens are rewritten, never string literals, keeping their quoting,
  so the text read back and un-prefixed is exactly what SQLite would store for the definition.

Errors name the user's statement and objects, never scratch names.
"""

from __future__ import annotations

import re

from .clients import Client
from .definitions import INDEX, TABLE, TRIGGER, VIEW, VIRTUAL, Definition
from .errors import DefinitionError, SyncError, reserved_name_taken
from .introspect import is_virtual
from .names import PREFIX, SCRATCH_DB
from .tokenizer import (
    COMMENT,
    KEYWORDS,
    OP,
    QIDENT,
    STRING,
    WORD,
    Token,
    fold,
    quote,
    splice,
    tokenize,
)

Row = tuple[str, str, str, str]  # type, name, tbl_name, sql

# Words after which a name followed by "(" is an object name, not a function call.
_NAME_BEFORE_PAREN = frozenset({"TABLE", "EXISTS", "REFERENCES", "INTO", "ON", "VIEW", "INDEX"})
# Words after which a keyword-looking bare word is certainly a name.
_NAME_POSITION = frozenset(
    {"TABLE", "EXISTS", "REFERENCES", "INTO", "ON", "VIEW", "INDEX", "TRIGGER", "FROM", "JOIN",
     "UPDATE"}
)  # fmt: skip
_CREATE_ORDER = {TABLE: 0, VIRTUAL: 0, INDEX: 1, VIEW: 2, TRIGGER: 3}


def _prefixed(tok: Token) -> str:
    text = tok.text
    if tok.kind is QIDENT:
        return text[0] + PREFIX + text[1:]
    return PREFIX + text


def _name_edits(
    tokens: tuple[Token, ...] | list[Token], names: set[str], name_token: int
) -> list[tuple[Token, str]]:
    """The edits that prefix every name in ``names``: identifiers only (bare or quoted), never
    string literals, blobs or comments, except the object's own name written as a string."""
    edits: list[tuple[Token, str]] = []
    sig: list[int] = [i for i, t in enumerate(tokens) if t.kind is not COMMENT]
    pos_in_sig = {i: n for n, i in enumerate(sig)}
    for i, tok in enumerate(tokens):
        if i == name_token and tok.kind is STRING:
            edits.append((tok, "'" + PREFIX + tok.text[1:]))
            continue
        if (tok.kind is WORD or tok.kind is QIDENT) and tok.folded in names:
            n = pos_in_sig[i]
            prev = tokens[sig[n - 1]] if n > 0 else None
            nxt = tokens[sig[n + 1]] if n + 1 < len(sig) else None
            prev_word = prev.text.upper() if prev is not None and prev.kind is WORD else ""
            is_call = nxt is not None and nxt.kind is OP and nxt.text == "("
            after_dot = prev is not None and prev.kind is OP and prev.text == "."
            rewrite = True
            if is_call and prev_word not in _NAME_BEFORE_PAREN and not after_dot:
                rewrite = False  # a function call that happens to share the name
            elif tok.value.upper() in KEYWORDS:
                # A keyword used as a name (quoted or not) is renamed only where it surely
                # names a table: the same word elsewhere is a column or the keyword itself.
                before_dot = nxt is not None and nxt.kind is OP and nxt.text == "."
                after_main = after_dot and n > 1 and tokens[sig[n - 2]].folded == "main"
                rewrite = prev_word in _NAME_POSITION or before_dot or after_main
            if rewrite:
                edits.append((tok, _prefixed(tok)))
    return edits


def rewrite_names(
    sql: str, tokens: tuple[Token, ...] | list[Token], names: set[str], name_token: int = -1
) -> str:
    """The statement with every name in ``names`` prefixed, quoting and literals untouched.

    ``tokens`` are the statement's (offsets counted from wherever ``sql`` was cut out of);
    ``name_token`` is the index of the object's own name, which may be a string literal
    (SQLite accepts ``CREATE TABLE 'x'``)."""
    return splice(sql, _name_edits(tokens, names, name_token), tokens[0].start if tokens else 0)


def _rewrite_with_tails(d: Definition, names: set[str]) -> tuple[str, str, str]:
    """(scratch statement, its text from the object's name on, the user's text from the name
    on). SQLite stores ``CREATE <kind> `` followed by the statement's text from the
    unqualified name on, so swapping the tails undoes the rewrite exactly."""
    base = d.tokens[0].start
    edits = _name_edits(d.tokens, names, d.name_token)
    sql = splice(d.sql, edits, base)
    name = d.tokens[d.name_token]
    shift = sum(len(new) - len(tok.text) for tok, new in edits if tok.start < name.start)
    at = name.start - base
    return sql, sql[at + shift :], d.sql[at:]


_UNPREFIX_RE = re.compile(r"(^|[\"`\['])" + PREFIX, re.IGNORECASE)


def strip_prefix(sql: str, names: frozenset[str] | set[str]) -> str:
    """Undo :func:`rewrite_names` token by token: the prefix comes off identifiers (and the
    object's own name) that name one of ``names`` (folded) behind it, never off literals,
    blobs or comments. The exact inverse, :meth:`Scratch.read`, is preferred; this is for text
    SQLite did not store verbatim."""
    edits: list[tuple[Token, str]] = []
    tokens = tokenize(sql)
    sig = [t for t in tokens if t.kind is not COMMENT]
    name_at = _stored_name_index(sig)
    for i, tok in enumerate(sig):
        if tok.kind is WORD or tok.kind is QIDENT or (tok.kind is STRING and i == name_at):
            bare = _UNPREFIX_RE.sub(r"\1", tok.text, count=1)
            name = bare[1:-1] if tok.kind is STRING else Token(tok.kind, bare, 0).value
            if bare != tok.text and fold(name) in names:
                edits.append((tok, bare))
    return splice(sql, edits)


def _stored_name_index(sig: list[Token]) -> int:
    """Index of the object's name in a stored ``CREATE [UNIQUE|VIRTUAL] <kind> name`` text."""
    i = 1
    while i < len(sig) and sig[i].keyword("UNIQUE", "VIRTUAL", "TEMP", "TEMPORARY"):
        i += 1
    return i + 1


def unprefix_message(message: str) -> str:
    """An SQLite error message with scratch names turned back into the user's names."""
    message = message.replace(f"{SCRATCH_DB}.", "").replace(f'"{SCRATCH_DB}".', "")
    return re.sub(re.escape(PREFIX), "", message, flags=re.IGNORECASE)


class Scratch:
    """A scratch copy of the desired schema: build it, read it back, clean it up."""

    def __init__(self, client: Client, strategy: str) -> None:
        self.client = client
        self.strategy = strategy
        self.declared: frozenset[str] = frozenset()
        # prefix strategy: folded scratch name -> (stored tail, the user's tail)
        self._tails: dict[str, tuple[str, str]] = {}
        # prefix strategy: the __sync_ objects main held before the build (folded names).
        # Never inline_sync's own (what it makes lives only inside its transaction): they are
        # not read as part of the declared schema, and never dropped.
        self.theirs: frozenset[str] = frozenset()

    # -- set-up and clean-up -------------------------------------------------------------
    def attach(self) -> None:
        """Attach the scratch database (scratch-db only; outside any transaction)."""
        if self.strategy != "scratch-db":
            return
        attached = {row[1] for row in self.client.query("PRAGMA database_list")}
        if SCRATCH_DB in attached:
            self.client.execute(f"DETACH {SCRATCH_DB}")
        self.client.execute(f"ATTACH ':memory:' AS {SCRATCH_DB}")

    def detach(self) -> None:
        """Detach the scratch database if it is attached."""
        if self.strategy == "scratch-db":
            try:
                self.client.execute(f"DETACH {SCRATCH_DB}")
            except Exception as exc:  # already gone
                if not self.client.is_error(exc):
                    raise

    def drop_prefixed(self) -> None:
        """Drop the scratch copies :meth:`build` made in main (prefix strategy; inside the
        transaction). Only those: another ``__sync_`` object is not inline_sync's (what it
        makes lives only inside its transaction), and it never drops what is not its own.
        """
        from .ddl import ParseError, parse_table
        from .models import dependency_order

        ours = {PREFIX + key for key in self.declared}
        rows = self.client.query(
            "SELECT type, name, sql FROM main.sqlite_master WHERE sql IS NOT NULL"
        )
        found = {fold(n): (t, n, s) for t, n, s in rows if fold(n) in ours}
        tables = [k for k, (t, _, s) in found.items() if t == "table" and not is_virtual(s)]

        def parents(key: str) -> set[str]:
            try:
                return {fk.table for fk in parse_table(found[key][2]).foreign_keys}
            except ParseError:
                return set()

        # Children before parents: with foreign keys on, a table whose parent is already gone
        # cannot be dropped (SQLite checks the reference on the implicit DELETE).
        table_order = list(reversed(dependency_order(tables, parents)))
        rank = {"trigger": 0, "view": 1, "index": 2}
        others = sorted(
            (k for k in found if k not in tables), key=lambda k: rank.get(found[k][0], 3)
        )
        pending = [(found[k][0], found[k][1]) for k in [*others, *table_order]]
        # With foreign keys on, a child cannot be dropped after its parent (SQLite checks the
        # reference on the implicit DELETE): retry what failed until nothing is left.
        while pending:
            failed: list[tuple[str, str]] = []
            error: BaseException | None = None
            for kind, name in pending:
                # Shadow tables and indexes vanish with their owners; check before each drop.
                exists = self.client.query(
                    "SELECT 1 FROM main.sqlite_master WHERE type = ? AND name = ?", (kind, name)
                )
                if not exists:
                    continue
                try:
                    self.client.execute(f"DROP {kind.upper()} main.{quote(name)}")
                except Exception as exc:
                    if not self.client.is_error(exc):
                        raise
                    failed.append((kind, name))
                    error = exc
            if len(failed) == len(pending) and error is not None:
                raise error
            pending = failed

    # -- building ------------------------------------------------------------------------
    def build(self, definitions: list[Definition]) -> None:
        """Create every definition in the scratch space, tables first, views in the order
        their dependencies allow. Raises DefinitionError naming the statement SQLite refused."""
        names = {d.key for d in definitions}
        self.declared = frozenset(names)
        if self.strategy == "prefix":
            self.theirs = frozenset(
                fold(str(r[0]))
                for r in self.client.query("SELECT name FROM main.sqlite_master")
                if fold(str(r[0])).startswith(PREFIX)
            )
        pending = sorted(
            (d for d in definitions if d.kind != TRIGGER),
            key=lambda d: (_CREATE_ORDER[d.kind], d.index),
        )
        # Views may depend on views declared later: retry until no progress.
        while pending:
            failed: list[tuple[Definition, str]] = []
            progress = False
            for d in pending:
                try:
                    self.client.execute(self._scratch_sql(d, names))
                    progress = True
                except Exception as exc:
                    # Read-only, disk full, locked...: the environment's fault, not the
                    # definitions' (the engine turns it into a StorageError).
                    failed.append((d, self._definitions_fault(exc)))
            if failed and (not progress or all(d.kind != VIEW for d, _ in failed)):
                d, message = failed[0]
                raise _refused(d, f"SQLite refused the {d.kind} {d.name!r}", message)
            pending = [d for d, _ in failed]
        self._check_views([d for d in definitions if d.kind == VIEW])
        # Triggers one at a time, each fired (compiled) right after it is made: the statement
        # compiles every trigger of its table, and the earlier ones are known to be good.
        for d in sorted((d for d in definitions if d.kind == TRIGGER), key=lambda d: d.index):
            try:
                self.client.execute(self._scratch_sql(d, names))
            except Exception as exc:
                message = self._definitions_fault(exc)
                raise _refused(d, f"SQLite refused the trigger {d.name!r}", message) from None
            self._check_trigger(d)

    def _definitions_fault(self, exc: Exception) -> str:
        """SQLite's message when a CREATE failed because of the definition; anything else
        (the environment failed, a reserved name is in use, not SQLite at all) is raised."""
        client = self.client
        if not client.is_error(exc) or client.is_environment_error(exc):
            raise exc
        message = client.error_message(exc)
        taken = reserved_name_taken(message)
        if taken is not None:
            raise taken from None
        return message

    def _check_trigger(self, d: Definition) -> None:
        """CREATE TRIGGER accepts a body that names missing tables or columns; compiling a
        statement that fires it does not. The statement changes no row (``WHERE 0``)."""
        table = trigger_table(d)
        if table is None or table not in self.declared:
            return  # a trigger on an ignored table: the live database decides
        where = SCRATCH_DB if self.strategy == "scratch-db" else "main"
        target = f"{where}.{quote(table if self.strategy == 'scratch-db' else PREFIX + table)}"
        ordinary = [
            str(r[1])
            for r in self.client.query(f"PRAGMA {where}.table_xinfo({target.split('.', 1)[1]})")
            if int(r[6]) in (0, 1)  # not generated
        ]
        sql = trigger_check(d, target, ordinary)
        if sql is not None:
            self._must_compile(d, sql, f"the trigger {d.name!r} cannot run")

    def _must_compile(self, d: Definition, sql: str, what: str) -> None:
        """Run ``sql`` (it changes nothing); SQLite's refusal is a DefinitionError about ``d``,
        unless it names a table that exists only in the live database (an ignored one that a
        view or trigger of the definitions uses)."""
        try:
            self.client.query(sql)
        except Exception as exc:
            if not self.client.is_error(exc) or self.client.is_environment_error(exc):
                raise
            message = unprefix_message(self.client.error_message(exc))
            missing = re.match(r"no such table: (?:\w+\.)?(.+)$", message)
            if missing and self.client.query(
                "SELECT 1 FROM main.sqlite_master WHERE name = ? COLLATE NOCASE",
                (missing.group(1),),
            ):
                return
            raise _refused(d, what, message) from None

    def _check_views(self, views: list[Definition]) -> None:
        """CREATE VIEW accepts a missing table or column; reading the view does not. A table
        that exists only in the live database (one that is ignored) is fine."""
        for d in views:
            where = f"{SCRATCH_DB}." if self.strategy == "scratch-db" else "main."
            name = quote(d.name if self.strategy == "scratch-db" else PREFIX + d.name)
            sql = f"SELECT * FROM {where}{name} LIMIT 0"
            self._must_compile(d, sql, f"the view {d.name!r} cannot be read")

    def _scratch_sql(self, d: Definition, names: set[str]) -> str:
        if self.strategy == "prefix":
            sql, stored_tail, user_tail = _rewrite_with_tails(d, names)
            self._tails[fold(PREFIX + d.name)] = (stored_tail, user_tail)
            if d.schema_token is None:  # main.__sync_x: never a caller's TEMP object
                cut = len(sql) - len(stored_tail)
                sql = sql[:cut] + "main." + sql[cut:]
            return sql
        # scratch-db: qualify the object's name with the scratch schema.
        base = d.tokens[0].start
        if d.schema_token is not None:
            return splice(d.sql, [(d.tokens[d.schema_token], SCRATCH_DB)], base)
        at = d.tokens[d.name_token].start - base
        return f"{d.sql[:at]}{SCRATCH_DB}.{d.sql[at:]}"

    # -- probing -------------------------------------------------------------------------
    def accepts(self, statements: tuple[str, ...]) -> bool:
        """True when SQLite runs every statement (``{t}`` is a throwaway table with columns a
        and b, made in the scratch space and dropped again). Inside the sync's transaction, so
        a Durable Object's authorizer answers exactly as it would for the real change."""
        where = f"{SCRATCH_DB}." if self.strategy == "scratch-db" else "main."
        table = f"{where}{quote(PREFIX + 'probe')}"
        self.client.execute(f"CREATE TABLE {table} (a INT, b INT)")
        try:
            for sql in statements:
                self.client.execute(sql.format(t=table))
        except Exception as exc:
            if not self.client.is_error(exc):
                raise
            return False
        finally:
            self.client.execute(f"DROP TABLE {table}")
        return True

    # -- reading -------------------------------------------------------------------------
    def read(self) -> tuple[list[Row], set[str]]:
        """The scratch objects as (type, name, tbl_name, sql) rows with the user's names,
        and the names of virtual-table shadow tables."""
        if self.strategy == "scratch-db":
            rows = read_objects(self.client, SCRATCH_DB)
            return rows, read_shadow_tables(self.client, SCRATCH_DB, rows, self.declared)
        rows = [
            r
            for r in read_objects(self.client, "main")
            if fold(r[1]).startswith(PREFIX) and fold(r[1]) not in self.theirs
        ]
        declared = frozenset(PREFIX + k for k in self.declared)
        return self.unprefixed(rows, read_shadow_tables(self.client, "main", rows, declared))

    def statement(self, d: Definition, names: set[str]) -> str:
        """The statement that builds ``d`` in the scratch space (``names``: the folded names
        of every definition). :meth:`build` runs these; so does a caller that batches them."""
        return self._scratch_sql(d, names)

    def unprefixed(self, rows: list[Row], shadow: set[str]) -> tuple[list[Row], set[str]]:
        """Prefixed rows and shadow-table names read back from the copies (prefix strategy),
        with the user's names and, for the statements this scratch built, the user's text."""
        plen = len(PREFIX)
        unprefixed = [
            (kind, name[plen:], tbl[plen:] if fold(tbl).startswith(PREFIX) else tbl,
             self._unprefixed_sql(name, sql))
            for kind, name, tbl, sql in rows
        ]  # fmt: skip
        return unprefixed, {s[plen:] for s in shadow if fold(s).startswith(PREFIX)}

    def _unprefixed_sql(self, name: str, sql: str) -> str:
        """The stored text of a scratch copy as SQLite stores the user's own statement: the
        tail from the name on is swapped back (literals and comments are never touched)."""
        tails = self._tails.get(fold(name))
        if tails is not None and sql.endswith(tails[0]):
            return sql[: len(sql) - len(tails[0])] + tails[1]
        return strip_prefix(sql, self.declared)  # e.g. a shadow table a module created


def _refused(d: Definition, what: str, message: str) -> DefinitionError:
    return DefinitionError(
        f"{what}: {unprefix_message(message)}", statement=d.sql, index=d.index, name=d.name
    )


def trigger_table(d: Definition) -> str | None:
    """The folded name of the table or view trigger ``d`` is on (None if it cannot be read)."""
    event = _trigger_event(d)
    return event[1] if event is not None else None


def trigger_check(d: Definition, target: str, ordinary: list[str]) -> str | None:
    """A statement that fires trigger ``d`` on ``target`` (its scratch table or view) without
    changing a row, so SQLite compiles the trigger's body; ``ordinary`` are the target's
    columns that can be set, as named there. None when there is nothing to fire."""
    event = _trigger_event(d)
    if event is None:
        return None
    kind, _, of_columns = event
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


def _trigger_event(d: Definition) -> tuple[str, str, list[str]] | None:
    """(INSERT, UPDATE or DELETE; folded table or view; the UPDATE OF columns) of a trigger."""
    sig = [t for t in d.tokens[d.name_token + 1 :] if t.kind is not COMMENT]
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
            if j + 1 < len(sig) and sig[j].keyword("ON"):
                k = j + 3 if j + 2 < len(sig) and sig[j + 2].text == "." else j + 1
                return (kind, sig[k].folded, of) if k < len(sig) else None
            return None
    return None


def open_scratch(client: Client, requested: str) -> Scratch:
    """The scratch space for ``requested`` ("auto", "scratch-db" or "prefix"), attached when
    it is a database. "auto" takes scratch-db where ATTACH works, prefix where it does not."""
    if requested == "scratch-db" and not client.can_attach:
        raise SyncError(f"the {client.name} client cannot ATTACH; use scratch_schema='prefix'")
    if requested == "prefix" or not client.can_attach:
        return Scratch(client, "prefix")
    scratch = Scratch(client, "scratch-db")
    try:
        scratch.attach()
    except Exception as exc:
        if requested == "auto" and client.is_error(exc):
            return Scratch(client, "prefix")
        raise
    return scratch


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
    belong to a virtual table in ``rows``, and the undeclared tables named after one."""
    vtabs = tuple(fold(n) + "_" for _, n, _, s in rows if is_virtual(s))
    if not vtabs:
        return set()
    names = {fold(n) for _, n, _, _ in rows}
    found = {n for n in listed if fold(n) in names}
    for kind, name, _, _ in rows:
        key = fold(name)
        if kind == "table" and key not in declared and key.startswith(vtabs):
            found.add(name)
    return found
