"""Where a statement's text names tables, read from its tokens: which of its names the
scratch copies rewrite (the prefix strategy's ``__sync_`` copies, :mod:`inline_sync.scratch`),
and which of them surely name a table (an index's, trigger's or view's text followed through a
rename, or checked for a table the sync drops: :mod:`inline_sync.rebuild`,
:mod:`inline_sync.verify`). Only name tokens are rewritten, never string literals, blobs or
comments, keeping their quoting; a name that is also a keyword, a column no table declares or
a word of the grammar is rewritten only where a table's name surely stands."""

from __future__ import annotations

import re

from .names import PREFIX
from .tokenizer import (
    COMMENT,
    KEYWORDS,
    NAME_AFTER,
    OP,
    QIDENT,
    STRING,
    WORD,
    Token,
    quote,
    splice,
    tokenize,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable

    from .definitions import Definition

# Words after which a name followed by "(" is an object name, not a function call.
_NAME_BEFORE_PAREN = frozenset({"TABLE", "EXISTS", "REFERENCES", "INTO", "ON", "VIEW", "INDEX"})


# The kinds of token that may name an object: a string does where SQLite expects a name.
_NAMING = frozenset({WORD, QIDENT, STRING})


def _prefixed(tok: Token) -> str:
    text = tok.text
    if tok.kind is QIDENT or tok.kind is STRING:
        return text[0] + PREFIX + text[1:]
    return PREFIX + text


def _name_edits(
    tokens: tuple[Token, ...] | list[Token],
    names: set[str] | frozenset[str],
    name_token: int,
    parents_as_is: frozenset[str] = frozenset(),
    *,
    surely: bool = False,
    rename: Callable[[Token], str] = _prefixed,
) -> list[tuple[Token, str]]:
    """The edits that prefix every name in ``names`` (or give it ``rename``'s text):
    identifiers only (bare or quoted), never string literals, blobs or comments, except a
    string SQLite reads as a name (the object's own, or one after ON, REFERENCES, FROM and the
    like: :meth:`Token.names_object`); nor a name of ``parents_as_is`` right after REFERENCES;
    nor anything before the object's name (index ``name_token``), which is ``CREATE … <kind>
    [IF NOT EXISTS] [schema.]``: a table named ``if`` or ``main`` is not the IF of IF NOT
    EXISTS nor the schema. ``surely``: only where a table's name surely stands, as for a
    keyword (a column of the same name stays)."""
    edits: list[tuple[Token, str]] = []
    sig: list[int] = [i for i, t in enumerate(tokens) if t.kind is not COMMENT]
    pos_in_sig = {i: n for n, i in enumerate(sig)}
    type_words = _type_words(tokens, sig, name_token)
    listed = _listed_tables(tokens, sig)
    in_trigger = any(t.keyword("TRIGGER") for t in tokens[:name_token])
    in_virtual = any(t.keyword("VIRTUAL") for t in tokens[:name_token])
    # A trigger's or index's own ON (ON <table>): its first after the name.
    head_on = -1
    if in_trigger or any(t.keyword("INDEX") for t in tokens[:name_token]):
        head_on = next(
            (n for n, i in enumerate(sig) if i >= name_token and tokens[i].keyword("ON")), -1
        )
    for i, tok in enumerate(tokens):
        if i < name_token:
            continue
        if i == name_token and tok.kind is STRING:
            edits.append((tok, rename(tok)))
            continue
        if tok.folded in names and tok.kind in _NAMING:
            n = pos_in_sig[i]
            prev = tokens[sig[n - 1]]  # n >= 2: the name comes after CREATE and its kind
            # (fts's content='t' is a table's name too: the copy must read t's copy.)
            content = in_virtual and prev.text == "=" and tokens[sig[n - 2]].folded == "content"
            if not tok.names_object(prev) and not content:
                continue  # a string where SQLite reads a string
            nxt = tokens[sig[n + 1]] if n + 1 < len(sig) else None
            prev_word = prev.text.upper() if prev.kind is WORD else ""
            is_call = nxt is not None and nxt.kind is OP and nxt.text == "("
            after_dot = prev.kind is OP and prev.text == "."
            rewrite = True
            word = tok.value.upper()
            if prev_word == "REFERENCES" and tok.folded in parents_as_is:
                rewrite = False
            elif (
                is_call
                and prev_word not in _NAME_BEFORE_PAREN
                and not after_dot
                and not _names_a_cte(tokens, sig, n)
            ):
                rewrite = False  # a function call that happens to share the name
            elif prev_word == "COLLATE" or n in type_words:
                rewrite = False  # a collation's name, or a column's type: never an object's
            elif surely or word in KEYWORDS or word in _HIDDEN_COLUMNS or word in _TRIGGER_ROWS:
                # A keyword used as a name (quoted or not) is renamed only where it surely
                # names a table: the same word elsewhere is a column or the keyword itself.
                # So are the names of columns no declared table has (the rowid, fts5's rank,
                # json_each's value…) and those of a trigger's rows: new.x is no table there.
                before_dot = nxt is not None and nxt.kind is OP and nxt.text == "."
                after_main = after_dot and tokens[sig[n - 2]].folded == "main"
                # After ON and UPDATE the grammar may go on with a keyword (ON CONFLICT, ON
                # DELETE, DO UPDATE SET, a trigger's UPDATE OF): a bare one is no table there,
                # but for a trigger's or index's own ON and a body's UPDATE of SET.
                grammar = tok.kind is WORD and (
                    (
                        word in _GRAMMAR_AFTER.get(prev_word, ())
                        and n - 1 != head_on
                        and (word != "OF" or n < head_on)
                    )
                    # a foreign key's action: ON UPDATE CASCADE, NO ACTION…
                    or (prev_word == "UPDATE" and tokens[sig[n - 2]].keyword("ON"))
                )
                rewrite = (
                    (prev_word in NAME_AFTER and not grammar)
                    or content  # fts's content="order"
                    or (  # UPDATE OR IGNORE "order"
                        prev_word in _CONFLICTS
                        and tokens[sig[n - 2]].keyword("OR")
                        and tokens[sig[n - 3]].keyword("UPDATE")
                    )
                    or after_main
                    or n in listed  # FROM a, "order"
                    or (prev_word == "IN" and not is_call)  # x IN "key"
                    or (prev_word == "BY" and tokens[sig[n - 2]].keyword("INDEXED"))
                    or (before_dot and not (word in _TRIGGER_ROWS and in_trigger))
                    # A CTE named like a keyword table: renamed as its uses are (no table:
                    # not where only a table's name counts).
                    or (not surely and _defines_cte(tokens, sig, n))
                )
            if rewrite:
                edits.append((tok, rename(tok)))
    return edits


def _defines_cte(tokens: tuple[Token, ...] | list[Token], sig: list[int], n: int) -> bool:
    """Whether the name at ``sig[n]`` is a common table expression's own, after WITH,
    RECURSIVE or a comma: ``r AS (…)``, ``r AS [NOT] MATERIALIZED (…)``, ``r(x) AS …``."""
    prev = tokens[sig[n - 1]]
    if not (prev.keyword("WITH", "RECURSIVE") or prev.text == ","):
        return False
    after = [tokens[i] for i in sig[n + 1 : n + 3]]
    if len(after) == 2 and after[0].keyword("AS"):
        return after[1].text == "(" or after[1].keyword("NOT", "MATERIALIZED")
    return bool(after) and after[0].text == "(" and _names_a_cte(tokens, sig, n)


def _names_a_cte(tokens: tuple[Token, ...] | list[Token], sig: list[int], n: int) -> bool:
    """Whether the name at ``sig[n]``, followed by ``(``, is a common table expression's with
    its column list (``r(x) AS (…)``, ``AS [NOT] MATERIALIZED (…)``), not a function call:
    after the list's ``)`` comes AS and then what only a CTE has there (a call's AS is
    followed by its alias)."""
    depth = 0
    for m in range(n + 1, len(sig)):
        text = tokens[sig[m]].text
        depth += (text == "(") - (text == ")")
        if depth == 0:
            after = [tokens[i] for i in sig[m + 1 : m + 3]]
            return (
                len(after) == 2
                and after[0].keyword("AS")
                and (after[1].text == "(" or after[1].keyword("NOT", "MATERIALIZED"))
            )
    return False


def rename_tables_in(sql: str, renames: dict[str, str]) -> str:
    """An index's, trigger's or view's stored text with the tables of ``renames`` (folded old
    name -> new name) renamed where a table's name surely stands (ON t, FROM t, t.x…), as
    SQLite's RENAME TO rewrites it: never a column, a trigger's new.x or a function of the
    same name, nor the object's own name."""
    return splice(sql, _table_edits(sql, set(renames), lambda t: quote(renames[t.folded])))


def tables_named_in(sql: str, names: set[str]) -> set[str]:
    """Which of ``names`` (folded) an index's, trigger's or view's text surely names as a
    table or view (as :func:`rename_tables_in` reads it)."""
    return {tok.folded for tok, _ in _table_edits(sql, names, lambda t: t.text)}


def _table_edits(
    sql: str, names: set[str], rename: Callable[[Token], str]
) -> list[tuple[Token, str]]:
    tokens = tokenize(sql)
    kind = next(i for i, t in enumerate(tokens) if t.keyword("INDEX", "TRIGGER", "VIEW"))
    own = next(i for i in range(kind + 1, len(tokens)) if tokens[i].kind is not COMMENT)
    return _name_edits(tokens, names, own + 1, surely=True, rename=rename)


#: Columns that no declared table has, but that a query may read: the rowid's names, fts5's
#: rank, json_each's and json_tree's columns; and the words SQLite's grammar reads by their
#: place though they are not keywords: a table's STRICT option, a generated column's STORED.
#: A table named so is renamed only where it surely names a table, as one named with a
#: keyword is.
_HIDDEN_COLUMNS = frozenset(
    {"ROWID", "OID", "_ROWID_", "RANK", "VALUE", "TYPE", "ATOM", "PARENT", "FULLKEY", "PATH",
     "JSON", "ROOT", "STRICT", "STORED"}
)  # fmt: skip
#: Words that end a FROM clause: a comma after them no longer separates its tables. (Within
#: the clause a comma at its own depth always does: a join's ON expression has none.)
_FROM_ENDS = frozenset(
    {"WHERE", "GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "UNION", "EXCEPT", "INTERSECT",
     "SELECT", "VALUES", "RETURNING", "SET", ";"}
)  # fmt: skip


#: Words that start a subquery: a "(" before one opens no list of tables.
_SUBQUERY_STARTS = frozenset({"SELECT", "VALUES", "WITH"})


def _listed_tables(tokens: tuple[Token, ...] | list[Token], sig: list[int]) -> set[int]:
    """The positions in ``sig`` where a FROM clause's table stands with no keyword before it:
    right after a comma that separates its tables (``FROM a, b``), and right after the ``(``
    of tables grouped in parentheses (``FROM (a, b)``, ``JOIN (a JOIN b)``), which stands
    where a table does."""
    found: set[int] = set()
    in_from = [False]  # by parenthesis depth: whether a FROM clause is being read there
    for n, i in enumerate(sig):
        tok = tokens[i]
        text = tok.text.upper() if tok.kind is WORD else tok.text
        if text == "(" and tok.kind is OP:
            # Where a table stands (after FROM, JOIN or a listing comma, or first in such a
            # group), "(" groups tables unless a subquery starts. (For n = 0, sig[n - 1] is
            # the last token: never FROM or JOIN, which a table must follow.)
            grouped = (n in found or tokens[sig[n - 1]].keyword("FROM", "JOIN")) and not (
                n + 1 < len(sig) and tokens[sig[n + 1]].keyword(*_SUBQUERY_STARTS)
            )
            in_from.append(grouped)
            if grouped:
                found.add(n + 1)
        elif text == ")" and tok.kind is OP and len(in_from) > 1:
            in_from.pop()
        elif text == "FROM":  # (a JOIN follows a table, where FROM or a group set the level)
            in_from[-1] = True
        elif text in _FROM_ENDS and (tok.kind is WORD or tok.kind is OP):
            in_from[-1] = False
        elif text == "," and tok.kind is OP and in_from[-1]:
            found.add(n + 1)
    return found


#: The keywords SQLite's grammar puts right after ON or UPDATE, where a table's name may
#: stand too (see ``_name_edits``).
_GRAMMAR_AFTER = {"ON": ("CONFLICT", "DELETE", "UPDATE"), "UPDATE": ("SET", "ON", "OF", "OR")}
#: The conflict resolutions of ``UPDATE OR <conflict> <table>``.
_CONFLICTS = frozenset({"ROLLBACK", "ABORT", "REPLACE", "FAIL", "IGNORE"})
#: The rows a trigger's body reads (and an upsert's): new.x is the row, not a table named new.
_TRIGGER_ROWS = frozenset({"NEW", "OLD", "EXCLUDED"})
#: Words that end a column's type: its constraints begin.
_COLUMN_CONSTRAINTS = frozenset(
    {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE",
     "REFERENCES", "GENERATED", "AS", "FOREIGN"}
)  # fmt: skip


def _type_words(
    tokens: tuple[Token, ...] | list[Token], sig: list[int], name_token: int
) -> set[int]:
    """The positions in ``sig`` (indexes of ``tokens`` without comments) of the words of the
    column types of a CREATE TABLE statement (``a TEXT``, ``b UNSIGNED BIG INT``): a table
    named text is not the type TEXT. Empty for other statements."""
    if not any(t.keyword("TABLE") for t in tokens[:name_token]) or any(
        t.keyword("VIRTUAL") for t in tokens[:name_token]
    ):
        return set()
    found: set[int] = set()
    depth = 0
    part: int | None = None  # names read in this part of the body; None once past its type
    for n, i in enumerate(sig):
        if i <= name_token:
            continue
        tok = tokens[i]
        if tok.kind is OP and tok.text in "(),":
            depth += {"(": 1, ")": -1, ",": 0}[tok.text]
            if depth == 1 and tok.text != ")":
                part = 0  # a part of the body starts: a column's name comes first
            elif depth == 1 or depth == 0:
                part = None  # after a type's (10, 2), or after the body
            continue
        if depth != 1 or part is None:
            continue
        if tok.is_name and not tok.keyword(*_COLUMN_CONSTRAINTS):
            if part:
                found.add(n)
            part += 1
        elif part == 0 and tok.kind is STRING:
            part = 1  # the column's name, written as a string
        else:
            part = None
    return found


def rewrite_names(
    sql: str,
    tokens: tuple[Token, ...] | list[Token],
    names: set[str] | frozenset[str],
    name_token: int,
) -> str:
    """The statement with every name in ``names`` prefixed, quoting and literals untouched.

    ``tokens`` are the statement's (offsets counted from wherever ``sql`` was cut out of);
    ``name_token`` is the index of the object's own name, which may be a string literal
    (SQLite accepts ``CREATE TABLE 'x'``); nothing before it is rewritten."""
    return splice(sql, _name_edits(tokens, names, name_token), tokens[0].start if tokens else 0)


def index_table(d: Definition) -> str | None:
    """The table index ``d`` is on, as named (None if it cannot be read). Read from the text
    after the name when it is plain (an index already in place is never tokenized whole)."""
    head = d.head
    at = head[d.name_token].end - head[0].start
    m = re.match(_ON, d.sql[at:])
    if m is not None:
        return tokenize(m[1])[0].value
    sig = [t for t in d.tokens[d.name_token + 1 :] if t.kind is not COMMENT]
    if len(sig) > 2 and sig[0].keyword("ON") and sig[1].names_object(sig[0]) and sig[2].text != ".":
        return sig[1].value
    return None  # (a qualified table is SQLite's to refuse)


# ON and a bare or quoted name (or a string, which SQLite reads as one there), then white space
# or "(" (compiled on first use, by re's cache).
_ON = (
    r"""\s+(?i:ON)\s+("(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|'(?:[^']|'')*'|[^\W\d][\w$]*)"""
    r"(?=[\s(])"
)
