"""A pure-Python tokenizer for SQLite's SQL dialect.

It knows the four identifier quotings (``"x"``, ```x```, ``[x]`` and bare words), string and blob
literals, both comment styles, numbers (hex and ``_`` separators), bound parameters and operators.
It splits a script into statements the way ``sqlite3_complete()`` does, so ``;`` inside a
``CREATE TRIGGER … BEGIN … END`` body (including ``CASE … END``) does not end the statement.

One compiled regular expression does the scanning; tokens are small named tuples.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from .names import fold as fold  # re-exported: part of the tokenizer's API
from .names import quote as quote

# Token kinds.
WS = "ws"
COMMENT = "comment"
STRING = "string"
BLOB = "blob"
NUMBER = "number"
WORD = "word"  # a bare identifier or keyword; SQLite lets most keywords be names
QIDENT = "qident"  # a quoted identifier: "x", `x` or [x]
VARIABLE = "variable"
OP = "op"

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<blob>[xX]'[0-9A-Fa-f]*')
  | (?P<string>'[^']*(?:''[^']*)*'(?!'))
  | (?P<qident>"[^"]*(?:""[^"]*)*"(?!")|`[^`]*(?:``[^`]*)*`(?!`)|\[[^\]]*\])
  | (?P<number>0[xX][0-9A-Fa-f_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)
  | (?P<word>[^\x00-\x40\[-\^`{-\x7f][^\x00-\x23%-/:-@\[-\^`{-\x7f]*)
  | (?P<variable>\?\d*|[:@$][A-Za-z0-9_$]+)
  | (?P<op>->>|->|\|\||<<|>>|<=|>=|==|!=|<>|[-+*/%&|~<>=!(),;.])
  | (?P<error>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# A word starts with an ASCII letter, "_" or any non-ASCII character, and goes on with those,
# digits and "$". The classes are written as "not these ASCII characters": the same set as
# [A-Za-z_\u0080-\U0010FFFF], but about ten times cheaper to compile (every cold start pays it).


class Token(NamedTuple):
    """One token: its kind, its exact source text and its offset in the source."""

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        """Offset just past the token."""
        return self.start + len(self.text)

    @property
    def is_name(self) -> bool:
        """True for a bare word or a quoted identifier."""
        return self.kind is WORD or self.kind is QIDENT

    @property
    def value(self) -> str:
        """The identifier's name with quotes removed (the text itself for other kinds)."""
        if self.kind is QIDENT:
            return unquote(self.text)
        return self.text

    @property
    def folded(self) -> str:
        """The name folded the way SQLite compares names (ASCII case-insensitively)."""
        return fold(self.value)

    def keyword(self, *words: str) -> bool:
        """True if this is a bare word equal (ignoring case) to one of ``words`` (upper-case)."""
        return self.kind is WORD and self.text.upper() in words


class SQLTokenError(ValueError):
    """The text cannot be tokenized (an unterminated string or quoted name, a stray character)."""

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(message)


class Statement(NamedTuple):
    """One statement of a script: its text (without the ``;``), tokens and 1-based line number."""

    text: str
    tokens: list[Token]
    line: int

    @property
    def significant(self) -> list[Token]:
        """The tokens without comments."""
        return [t for t in self.tokens if t.kind is not COMMENT]


def unquote(text: str) -> str:
    """The name inside a quoted identifier token (or the text of a bare word)."""
    if not text:
        return text
    first = text[0]
    if first == '"':
        return text[1:-1].replace('""', '"')
    if first == "`":
        return text[1:-1].replace("``", "`")
    if first == "[":
        return text[1:-1]
    return text


def literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def tokenize(sql: str) -> list[Token]:
    """Every token of ``sql`` but white space (comments included: they carry hints).

    Text between tokens is white space; :func:`splice` rebuilds text from the source.

    Raises :class:`SQLTokenError` at the first character that starts no token.
    """
    new = tuple.__new__  # skips the named tuple's Python-level __new__: tokenizing is hot
    kinds = _KIND_BY_GROUP
    tokens = [
        new(Token, (kinds[m.lastindex], m.group(), m.start()))  # type: ignore[index]
        for m in _SCAN(sql)
        if m.lastindex != 1  # group 1 is white space
    ]
    if any(t.kind is _ERROR for t in tokens):
        bad = next(t for t in tokens if t.kind is _ERROR)
        ch = bad.text
        if ch == "'":
            raise SQLTokenError("unterminated string literal", bad.start)
        if ch in '"`[':
            raise SQLTokenError("unterminated quoted identifier", bad.start)
        raise SQLTokenError(f"unrecognized character {ch!r}", bad.start)
    return tokens


_ERROR = "error"
_KINDS = {k: k for k in (WS, COMMENT, STRING, BLOB, NUMBER, WORD, QIDENT, VARIABLE, OP, _ERROR)}
# Group number -> interned kind string, so callers can compare kinds with `is`.
_KIND_BY_GROUP = [""] + [_KINDS[name] for name, _ in sorted(
    _TOKEN_RE.groupindex.items(), key=lambda item: item[1])]  # fmt: skip
_SCAN = _TOKEN_RE.finditer


def significant(tokens: Iterable[Token]) -> list[Token]:
    """The tokens that carry meaning: no comments (white space is never a token)."""
    return [t for t in tokens if t.kind is not COMMENT]


def split_statements(sql: str) -> list[Statement]:
    """Split a script into statements, as ``sqlite3_complete()`` decides where one ends.

    Empty statements (a lone ``;`` or only comments) are dropped.
    """
    statements: list[Statement] = []
    tokens = tokenize(sql)
    lines = _LineCounter(sql)
    current: list[Token] = []
    words: list[str] = []  # the first few upper-cased words, to spot CREATE TRIGGER
    in_trigger = False
    in_body = False
    case_depth = 0
    for tok in tokens:
        if tok.kind is OP and tok.text == ";" and not in_body:
            _close(sql, current, statements, lines)
            current, words, in_trigger, in_body, case_depth = [], [], False, False, 0
            continue
        current.append(tok)
        if tok.kind is not WORD:
            continue
        upper = tok.text.upper()
        if len(words) < 3:
            words.append(upper)
            if upper == "TRIGGER" and words[0] == "CREATE":
                in_trigger = True
        if not in_trigger:
            continue
        if upper == "CASE":
            case_depth += 1
        elif upper == "END":
            if case_depth:
                case_depth -= 1
            elif in_body:
                in_body = False
        elif upper == "BEGIN" and not in_body:
            in_body = True
    _close(sql, current, statements, lines)
    return statements


class _LineCounter:
    """1-based line numbers of increasing offsets, counting each newline once (a script of
    thousands of statements must not be rescanned from its start for each of them)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, offset: int) -> int:
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def _close(sql: str, current: list[Token], out: list[Statement], lines: _LineCounter) -> None:
    if all(t.kind is COMMENT for t in current):
        return  # empty, or only comments
    # Leading comments stay with the statement (they may carry hints).
    start = current[0].start
    end = current[-1].end
    out.append(Statement(sql[start:end], current, lines.at(start)))


_OP_SYNONYMS = {"==": "=", "<>": "!="}


def normalize(tokens: Iterable[Token]) -> str:
    """A canonical text for comparing SQL fragments: cosmetic differences vanish.

    White space and comments go; names are unquoted and case-folded; keywords are folded too
    (a quoted name and the bare word agree); string literals stay exact; ``==``/``<>`` become
    ``=``/``!=``; blob literals use upper-case hex.
    """
    parts: list[str] = []
    for t in tokens:
        kind = t.kind
        if kind is COMMENT:
            continue
        if kind is WORD:
            parts.append(fold(t.text))
        elif kind is QIDENT:
            parts.append(fold(unquote(t.text)))
        elif kind is BLOB:
            parts.append("x" + t.text[1:].upper())
        elif kind is OP:
            parts.append(_OP_SYNONYMS.get(t.text, t.text))
        elif kind is NUMBER:
            parts.append(t.text.lower())
        else:
            parts.append(t.text)
    return " ".join(parts)


def splice(source: str, edits: Iterable[tuple[Token, str]], base: int = 0) -> str:
    """``source`` with the text of each edited token replaced, everything else as it was.

    ``base`` is the offset of ``source`` within the text the tokens were made from. Edits must
    come in source order.
    """
    out: list[str] = []
    pos = 0
    for tok, text in edits:
        start = tok.start - base
        out.append(source[pos:start])
        out.append(text)
        pos = start + len(tok.text)
    out.append(source[pos:])
    return "".join(out)


def iter_names(tokens: Iterable[Token]) -> Iterator[str]:
    """The folded names (bare words and quoted identifiers) among ``tokens``."""
    for t in tokens:
        if t.kind is WORD or t.kind is QIDENT:
            yield t.folded


# SQLite's keywords (https://sqlite.org/lang_keywords.html). Most may also serve as names.
KEYWORDS = frozenset(
    [
        "ABORT",
        "ACTION",
        "ADD",
        "AFTER",
        "ALL",
        "ALTER",
        "ALWAYS",
        "ANALYZE",
        "AND",
        "AS",
        "ASC",
        "ATTACH",
        "AUTOINCREMENT",
        "BEFORE",
        "BEGIN",
        "BETWEEN",
        "BY",
        "CASCADE",
        "CASE",
        "CAST",
        "CHECK",
        "COLLATE",
        "COLUMN",
        "COMMIT",
        "CONFLICT",
        "CONSTRAINT",
        "CREATE",
        "CROSS",
        "CURRENT",
        "CURRENT_DATE",
        "CURRENT_TIME",
        "CURRENT_TIMESTAMP",
        "DATABASE",
        "DEFAULT",
        "DEFERRABLE",
        "DEFERRED",
        "DELETE",
        "DESC",
        "DETACH",
        "DISTINCT",
        "DO",
        "DROP",
        "EACH",
        "ELSE",
        "END",
        "ESCAPE",
        "EXCEPT",
        "EXCLUDE",
        "EXCLUSIVE",
        "EXISTS",
        "EXPLAIN",
        "FAIL",
        "FILTER",
        "FIRST",
        "FOLLOWING",
        "FOR",
        "FOREIGN",
        "FROM",
        "FULL",
        "GENERATED",
        "GLOB",
        "GROUP",
        "GROUPS",
        "HAVING",
        "IF",
        "IGNORE",
        "IMMEDIATE",
        "IN",
        "INDEX",
        "INDEXED",
        "INITIALLY",
        "INNER",
        "INSERT",
        "INSTEAD",
        "INTERSECT",
        "INTO",
        "IS",
        "ISNULL",
        "JOIN",
        "KEY",
        "LAST",
        "LEFT",
        "LIKE",
        "LIMIT",
        "MATCH",
        "MATERIALIZED",
        "NATURAL",
        "NO",
        "NOT",
        "NOTHING",
        "NOTNULL",
        "NULL",
        "NULLS",
        "OF",
        "OFFSET",
        "ON",
        "OR",
        "ORDER",
        "OTHERS",
        "OUTER",
        "OVER",
        "PARTITION",
        "PLAN",
        "PRAGMA",
        "PRECEDING",
        "PRIMARY",
        "QUERY",
        "RAISE",
        "RANGE",
        "RECURSIVE",
        "REFERENCES",
        "REGEXP",
        "REINDEX",
        "RELEASE",
        "RENAME",
        "REPLACE",
        "RESTRICT",
        "RETURNING",
        "RIGHT",
        "ROLLBACK",
        "ROW",
        "ROWS",
        "SAVEPOINT",
        "SELECT",
        "SET",
        "TABLE",
        "TEMP",
        "TEMPORARY",
        "THEN",
        "TIES",
        "TO",
        "TRANSACTION",
        "TRIGGER",
        "UNBOUNDED",
        "UNION",
        "UNIQUE",
        "UPDATE",
        "USING",
        "VACUUM",
        "VALUES",
        "VIEW",
        "VIRTUAL",
        "WHEN",
        "WHERE",
        "WINDOW",
        "WITH",
        "WITHOUT",
    ]
)
