"""A pure-Python tokenizer for SQLite's SQL dialect.

It knows the four identifier quotings (``"x"``, ```x```, ``[x]`` and bare words), string and blob
literals, both comment styles, numbers (hex and ``_`` separators), bound parameters and operators.
:mod:`inline_sync.statements` splits a script into :class:`Statement` objects with it.

One compiled regular expression does the scanning; tokens are small tuples with names for
their three fields.
"""

from __future__ import annotations

import re
from operator import itemgetter

from .names import fold as fold  # re-exported: part of the tokenizer's API
from .names import quote as quote

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Container, Iterable, Iterator

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

#: Words after which SQLite's grammar expects the name of a table or other object (its
#: ``nm``): a keyword there is a name, and so is a string literal (``ON 'it''s'`` is on it's).
NAME_AFTER = frozenset(
    {"TABLE", "EXISTS", "REFERENCES", "INTO", "ON", "VIEW", "INDEX", "TRIGGER", "FROM", "JOIN",
     "UPDATE"}
)  # fmt: skip

_OPS = r"->>|->|\|\||<<|>>|<=|>=|==|!=|<>|[-+*/%&|~<>=!(),.]"  # and ";"
# The token patterns, in the order they are tried (the first that matches is the token).
_PATTERNS = (
    ("blob", r"[xX]'[0-9A-Fa-f]*'"),
    ("word", r"[^\x00-\x40\[-\^`{-\x7f][^\x00-\x23%-/:-@\[-\^`{-\x7f]*"),
    ("comment", r"--[^\n]*|/\*.*?(?:\*/|\Z)"),
    ("string", r"'[^']*(?:''[^']*)*'(?!')"),
    ("qident", r'"[^"]*(?:""[^"]*)*"(?!")|`[^`]*(?:``[^`]*)*`(?!`)|\[[^\]]*\]'),
    ("number", r"0[xX][0-9A-Fa-f_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?"),
    ("variable", r"\?\d*|[:@$][A-Za-z0-9_$]+"),
    ("op", _OPS + "|;"),
)
_TOKEN_RE = re.compile(
    # White space is no token: each match skips what comes before its token.
    r"\s*(?:" + "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _PATTERNS)
    + r"|(?P<end>\Z)|(?P<error>.))",
    re.DOTALL,
)  # fmt: skip
# Words come first after blobs (x'..' would otherwise be the word x): most tokens are words,
# and the alternatives are tried in order. White space is skipped inside the match, not matched
# on its own, which halves the matches; "end" (the end of the text, after trailing white
# space) keeps that white space from being taken back for an "error" token.
# A word starts with an ASCII letter, "_" or any non-ASCII character, and goes on with those,
# digits and "$". The classes are written as "not these ASCII characters": the same set as
# [A-Za-z_\u0080-\U0010FFFF], but about ten times cheaper to compile (every cold start pays it).


class Token(tuple[str, str, int]):
    """One token: its kind, its exact source text and its offset in the source."""

    __slots__ = ()

    def __new__(cls, kind: str, text: str, start: int) -> Token:
        return tuple.__new__(cls, (kind, text, start))

    @property
    def kind(self) -> str:
        """One of the kinds above (``WORD``, ``OP`` …), interned: compare it with ``is``."""
        return self[0]

    @property
    def text(self) -> str:
        """The token's exact source text."""
        return self[1]

    @property
    def start(self) -> int:
        """Offset of the token in the source."""
        return self[2]

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
        """The name the token stands for: an identifier's with quotes removed, and a string
        literal's text unquoted too, as SQLite reads a string where it expects a name
        (``CREATE TABLE 'it''s'`` is it's); the text itself for other kinds."""
        if self.kind is QIDENT:
            return unquote(self.text)
        if self.kind is STRING:
            return self.text[1:-1].replace("''", "'")
        return self.text

    def names_object(self, prev: Token | None) -> bool:
        """True for a name, or for a string literal that SQLite reads as a name because of
        the word before it (``prev``, one of :data:`NAME_AFTER`)."""
        if self.kind is WORD or self.kind is QIDENT:
            return True
        return (
            self.kind is STRING
            and prev is not None
            and prev.kind is WORD
            and prev.text.upper() in NAME_AFTER
        )

    @property
    def folded(self) -> str:
        """The name folded the way SQLite compares names (ASCII case-insensitively)."""
        return fold(self.value)

    def keyword(self, *words: str) -> bool:
        """True if this is a bare word equal (ignoring case) to one of ``words`` (upper-case)."""
        return self.kind is WORD and self.text.upper() in words

    def __repr__(self) -> str:
        return f"Token(kind={self[0]!r}, text={self[1]!r}, start={self[2]!r})"

    def __getnewargs__(self) -> tuple[str, str, int]:
        return (self[0], self[1], self[2])  # copy and pickle call __new__ with the fields


class SQLTokenError(ValueError):
    """The text cannot be tokenized (an unterminated string or quoted name, a stray character)."""

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(message)


class Statement(tuple[str, "list[Token]", int]):
    """One statement of a script: its text (without the ``;``), tokens and 1-based line number."""

    __slots__ = ()

    def __new__(cls, text: str, tokens: list[Token], line: int) -> Statement:
        return tuple.__new__(cls, (text, tokens, line))

    @property
    def text(self) -> str:
        """The statement's source text, from its first token (comments included) to its last."""
        return self[0]

    @property
    def tokens(self) -> list[Token]:
        """Its tokens, comments included."""
        return self[1]

    @property
    def line(self) -> int:
        """The 1-based line where its first token starts."""
        return self[2]

    def __repr__(self) -> str:
        return f"Statement(text={self[0]!r}, tokens={self[1]!r}, line={self[2]!r})"

    def __getnewargs__(self) -> tuple[str, list[Token], int]:
        return (self[0], self[1], self[2])

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


def tokenize(sql: str, offset: int = 0) -> list[Token]:
    """Every token of ``sql`` but white space (comments included: they carry hints).

    Text between tokens is white space; :func:`splice` rebuilds text from the source.
    ``offset`` is added to each token's start: ``sql`` was cut from a longer text there.

    Raises :class:`SQLTokenError` at the first character that starts no token.
    """
    new = tuple.__new__  # skips Token.__new__'s Python frame: tokenizing is hot
    kinds = _KIND_BY_GROUP
    tokens = [
        new(Token, (kinds[i], m[i], m.start(i) + offset))
        for m in _SCAN(sql)
        if (i := m.lastindex)  # the group that matched (always one): the token, no white space
    ]
    while tokens and tokens[-1][0] is _END:  # the end of the text (once or twice)
        tokens.pop()
    if _ERROR in map(_KIND_OF, tokens):
        bad = next(t for t in tokens if t.kind is _ERROR)
        ch = bad.text
        if ch == "'":
            raise SQLTokenError("unterminated string literal", bad.start)
        if ch in '"`[':
            raise SQLTokenError("unterminated quoted identifier", bad.start)
        raise SQLTokenError(f"unrecognized character {ch!r}", bad.start)
    return tokens


_ERROR = "error"
_END = "end"
_KINDS = {k: k for k in (COMMENT, STRING, BLOB, NUMBER, WORD, QIDENT, VARIABLE, OP, _ERROR, _END)}
# Group number -> interned kind string, so callers can compare kinds with `is`.
_KIND_BY_GROUP = [""] + [_KINDS[name] for name, _ in sorted(
    _TOKEN_RE.groupindex.items(), key=lambda item: item[1])]  # fmt: skip
_SCAN = _TOKEN_RE.finditer
_KIND_OF = itemgetter(0)
_TEXT_OF = itemgetter(1)  # only the ";" operator token has the text ";"


def significant(tokens: Iterable[Token]) -> list[Token]:
    """The tokens that carry meaning: no comments (white space is never a token)."""
    return [t for t in tokens if t.kind is not COMMENT]


_OP_SYNONYMS = {"==": "=", "<>": "!="}


# The words SQLite reads after DEFAULT as values; any other name there is text.
_DEFAULT_WORDS = frozenset(
    {"null", "true", "false", "current_time", "current_date", "current_timestamp"}
)


def default_text(tok: Token) -> str | None:
    """The string literal that ``DEFAULT <tok>`` stands for when ``tok`` is a name: SQLite reads
    ``DEFAULT "Hello"``, ``DEFAULT Hello`` and ``DEFAULT [Hello]`` as the text 'Hello', whose
    case is its value, not a name to case-fold. None for any other token."""
    if tok.is_name and not (tok.kind is WORD and tok.folded in _DEFAULT_WORDS):
        return "'" + tok.value.replace("'", "''") + "'"
    return None


def normalize(
    tokens: Iterable[Token],
    *,
    defaults: bool = False,
    columns: Container[str] | None = None,
    own: str | None = None,
    exact: bool = False,
) -> str:
    """A canonical text for comparing SQL fragments: cosmetic differences vanish.

    White space and comments go; names are unquoted and case-folded; keywords are folded too
    (a quoted name and the bare word agree); string literals stay exact; ``==``/``<>`` become
    ``=``/``!=``; blob literals use upper-case hex. ``defaults``: a name after DEFAULT is the
    text it spells (:func:`default_text`), for whole statements.

    What SQLite does not case-fold can be kept. ``columns`` (folded) are the names a
    double-quoted word of the fragment can mean (a table's columns and its own name, for its
    CHECK and generated expressions): one that means none of them is a string literal to
    SQLite (``CHECK (a <> "X")``), and is written as one, case and all. ``own``: the
    table's name (folded), which may qualify its columns there (``t.a`` and ``main.t.a`` are
    ``a``). ``exact``: every word keeps its case, for a view (a result column is named by the
    text of its expression or alias) or a trigger, where nothing says which words are columns,
    and for a hash that must tell apart whatever a comparison does.
    """
    parts: list[str] = []
    after_default = False
    sig = [t for t in tokens if t.kind is not COMMENT]
    skip_to = 0
    for i, t in enumerate(sig):
        kind = t.kind
        if own is not None and i >= skip_to:
            skip_to = i + qualifier_length(sig, i, own)
        if i < skip_to:
            continue
        if after_default and (text := default_text(t)) is not None:
            parts.append(text)
            after_default = False
            continue
        after_default = defaults and kind is WORD and t.text.upper() == "DEFAULT"
        if kind is WORD:
            parts.append(t.text if exact else fold(t.text))
        elif kind is QIDENT:
            if columns is not None and _is_text(sig, i, columns):
                parts.append("'" + t.value.replace("'", "''") + "'")
            else:
                parts.append(t.value if exact else fold(t.value))
        elif kind is BLOB:
            parts.append("x" + t.text[1:].upper())
        elif kind is OP:
            parts.append(_OP_SYNONYMS.get(t.text, t.text))
        elif kind is NUMBER:
            parts.append(t.text.lower())
        else:
            parts.append(t.text)
    return " ".join(parts)


def _is_text(sig: list[Token], i: int, columns: Container[str]) -> bool:
    """Whether the quoted identifier ``sig[i]`` is a string literal to SQLite: written in
    double quotes, naming none of ``columns``, and not where only a name can stand (a
    function called, a schema or table before ``.``, a column after it, a collation)."""
    t = sig[i]
    if t.text[0] != '"' or t.folded in columns or t.folded in _ROWID_NAMES:
        return False
    after = sig[i + 1] if i + 1 < len(sig) else None
    before = sig[i - 1] if i else None
    if after is not None and after.kind is OP and after.text in ("(", "."):
        return False
    return not (before is not None and (before.text == "." or before.keyword("COLLATE")))


_ROWID_NAMES = frozenset({"rowid", "oid", "_rowid_"})


def qualifier_length(sig: list[Token], i: int, own: str) -> int:
    """How many tokens from ``sig[i]`` qualify a column by table ``own`` (folded): 2 for
    ``t.``, 4 for ``main.t.`` (both name the table's own column, and SQLite's RENAME checks
    both against the new name), else 0 (``s.t.a`` with another schema is not this table)."""
    if i and sig[i - 1].text == ".":
        return 0
    if _names_then_dot(sig, i, own):
        return 2
    if _names_then_dot(sig, i, "main") and _names_then_dot(sig, i + 2, own):
        return 4
    return 0


def _names_then_dot(sig: list[Token], i: int, name: str) -> bool:
    return (
        0 <= i < len(sig) - 1
        and sig[i].is_name
        and sig[i].folded == name
        and sig[i + 1].text == "."
    )


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
    """The folded names among ``tokens`` (comments left out): bare words, quoted identifiers,
    and string literals where SQLite reads them as names (``FROM 'x'``)."""
    prev = None
    for t in tokens:
        if t.kind is COMMENT:
            continue
        if t.names_object(prev):
            yield t.folded
        prev = t


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

#: The keywords that are never a name unless quoted (SQLite has no fallback to a name for
#: them): bare, such a word is always the keyword, even beside a column of that name.
RESERVED_WORDS = frozenset(
    [
        "ADD",
        "ALL",
        "ALTER",
        "AND",
        "AS",
        "AUTOINCREMENT",
        "BETWEEN",
        "CASE",
        "CHECK",
        "COLLATE",
        "COMMIT",
        "CONSTRAINT",
        "CREATE",
        "DEFAULT",
        "DEFERRABLE",
        "DELETE",
        "DISTINCT",
        "DROP",
        "ELSE",
        "ESCAPE",
        "EXCEPT",
        "EXISTS",
        "FOREIGN",
        "FROM",
        "GROUP",
        "HAVING",
        "IN",
        "INDEX",
        "INSERT",
        "INTERSECT",
        "INTO",
        "IS",
        "ISNULL",
        "JOIN",
        "LIMIT",
        "NOT",
        "NOTHING",
        "NOTNULL",
        "NULL",
        "ON",
        "OR",
        "ORDER",
        "PRIMARY",
        "REFERENCES",
        "RETURNING",
        "SELECT",
        "SET",
        "TABLE",
        "THEN",
        "TO",
        "TRANSACTION",
        "UNION",
        "UNIQUE",
        "UPDATE",
        "USING",
        "VALUES",
        "WHEN",
        "WHERE",
    ]
)
