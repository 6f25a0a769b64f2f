"""A pure-Python tokenizer for SQLite's SQL dialect.

It knows the four identifier quotings (``"x"``, ```x```, ``[x]`` and bare words), string and blob
literals, both comment styles, numbers (hex and ``_`` separators), bound parameters and operators.
It splits a script into statements the way ``sqlite3_complete()`` does, so ``;`` inside a
``CREATE TRIGGER … BEGIN … END`` body (including ``CASE … END``) does not end the statement.

One compiled regular expression does the scanning; tokens are small tuples with names for
their three fields.
"""

from __future__ import annotations

import re
from itertools import islice
from operator import itemgetter

from .names import fold as fold  # re-exported: part of the tokenizer's API
from .names import quote as quote

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any

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


def split_statements(sql: str) -> list[Statement]:
    """Split a script into statements, as ``sqlite3_complete()`` decides where one ends.

    Empty statements (a lone ``;`` or only comments) are dropped.
    """
    statements: list[Statement] = []
    tokens = tokenize(sql)
    lines = _LineCounter(sql)
    start = 0
    # Every ";" ends a statement, except inside the BEGIN … END body of a CREATE TRIGGER: only
    # the statements that start CREATE [TEMP] TRIGGER are walked token by token.
    for end in [i for i, text in enumerate(map(_TEXT_OF, tokens)) if text == ";"]:
        if end < start:
            continue  # inside the trigger body just read
        if _starts_trigger(tokens, start, end):
            end = start + _trigger_length(map(tokens.__getitem__, range(start, len(tokens))))
        _close(sql, tokens[start:end], statements, lines)
        start = end + 1
    _close(sql, tokens[start:], statements, lines)
    return statements


def split_lazily(sql: str, head: int = 10) -> list[tuple[Statement, bool]]:
    """:func:`split_statements`, tokenizing only what must be: a statement without comments
    and not a trigger comes with its first ``head`` tokens only (flag False), the others with
    all of theirs (flag True). Parsing definitions that are already in place needs no more
    (about a third of the tokens, and far fewer objects for a fresh process to allocate).

    The text is checked whole all the same: one regular expression reads each statement's
    tokens up to its ``;`` in C, creating nothing per token, and whatever it cannot read is
    left to :func:`split_statements`, which raises the same error at the same offset."""
    pieces = _piece_re().match
    statements: list[tuple[Statement, bool]] = []
    lines = _LineCounter(sql)
    pos, size = 0, len(sql)
    while pos < size:
        m = pieces(sql, pos)
        if m is None:
            return [(stmt, True) for stmt in split_statements(sql)]  # raises the error
        end = m.start(6) if m.end(6) != -1 else m.end()
        piece = sql[pos:end]
        start = pos + len(piece) - len(piece.lstrip())
        # Comments are kept whole, as they were; a word may end in non-ASCII white space,
        # so the text of a statement that is not ASCII is not found by stripping it.
        whole = "--" in piece or "/*" in piece or not piece.isascii()
        if not whole and m.end(4) != -1 and _plain_header(m, sql, end):
            # CREATE [UNIQUE] TABLE|INDEX|VIEW name, then neither "." nor AS: enough to
            # classify it (no more tokens are made until they are asked for).
            new = tuple.__new__  # (no Python frame of Token.__new__ or Statement.__new__)
            first = [
                new(Token, (QIDENT if m[g][0] == '"' else WORD, m[g], m.start(g)))
                for g in (1, 2, 3, 4)
                if m.end(g) != -1
            ]
            stmt = new(Statement, (piece.strip(), first, lines.at(start)))
            statements.append((stmt, False))
            pos = end + 1
            continue
        first = _tokens_between(sql, start, end, None if whole else head)
        if _starts_trigger(first, 0, len(first)):  # its body holds ";": read to its end
            found = _trigger_tokens(sql, start)
            if found is None:
                return [(stmt, True) for stmt in split_statements(sql)]  # raises the error
            tokens, length = found
            end = tokens[length].start if length < len(tokens) else size
            _close(sql, tokens[:length], statements, lines, True)
        elif whole:
            _close(sql, first, statements, lines, True)
        elif first:
            text = Statement(piece.strip(), first, lines.at(start))
            statements.append((text, len(first) < head))
        pos = end + 1
    return statements


def _piece_re() -> re.Pattern[str]:
    """The tokens of one statement up to its ``;`` token (group 6) or the end of the text,
    each taken whole the way :data:`_TOKEN_RE` takes it: the lookahead and back-reference
    make each token atomic, so no other way of cutting the text is tried. Compiled on first
    use (only parsing definitions needs it)."""
    if not _PIECE:
        alternatives = "|".join(pattern for _, pattern in _PATTERNS[:-1]) + "|" + _OPS
        _PIECE.append(
            re.compile(_HEADER + r"(?:\s*(?=(" + alternatives + r"))\5)*\s*(?:(;)|\Z)", re.DOTALL)
        )
    return _PIECE[0]


# The first words of most statements, read by the same regular expression: CREATE [UNIQUE]
# TABLE|INDEX|VIEW and a bare or double-quoted name that white space or "(" ends (groups 1 to
# 4, each a whole token as the scanner reads it). What is not of that form is read as tokens.
_HEADER = (
    r"(?:\s*((?i:CREATE))\s+(?:((?i:UNIQUE))\s+)?((?i:TABLE|INDEX|VIEW))\s+("
    + _PATTERNS[1][1]  # a word
    + r'|"[^"]*(?:""[^"]*)*")(?=[\s(]))?'
)


_PIECE: list[re.Pattern[str]] = []


def _plain_header(m: re.Match[str], sql: str, end: int) -> bool:
    """The header ``m`` read is the whole story of its statement's first words: UNIQUE only
    before INDEX, a name that is neither IF (of IF NOT EXISTS) nor a schema's (before "."),
    and no AS after a table's name (CREATE TABLE … AS SELECT is refused as tokens)."""
    kind = m[3].upper()
    if m.end(2) != -1 and kind != "INDEX":
        return False
    if m[4].upper() == "IF":
        return False
    after = sql[m.end(4) : end].lstrip()
    if after[:1] == ".":
        return False
    return not (kind == "TABLE" and after[:2].upper() == "AS" and not _word_goes_on(after, 2))


def _word_goes_on(text: str, at: int) -> bool:
    return at < len(text) and (text[at].isalnum() or text[at] in "_$" or not text[at].isascii())


def _tokens_between(sql: str, start: int, end: int, most: int | None = None) -> list[Token]:
    """The tokens of ``sql[start:end]`` (the first ``most`` of them), at their offsets in
    ``sql``; the text is known to hold no error."""
    new = tuple.__new__
    kinds = _KIND_BY_GROUP
    tokens = [
        new(Token, (kinds[i], m[i], m.start(i)))
        for m in islice(_SCAN(sql, start, end), most)
        if (i := m.lastindex)
    ]
    while tokens and tokens[-1][0] is _END:  # the end of the text (once or twice)
        tokens.pop()
    return tokens


def _trigger_tokens(sql: str, start: int) -> tuple[list[Token], int] | None:
    """The tokens read from the CREATE TRIGGER statement at ``start`` up to the ``;`` that
    ends it (or the end of the text), and how many of them are the statement's; None when the
    text holds an error before that end."""
    tokens: list[Token] = []

    def scan() -> Iterator[Token]:
        new = tuple.__new__
        kinds = _KIND_BY_GROUP
        for m in _SCAN(sql, start):
            i = m.lastindex or 0
            if kinds[i] is _END:
                return
            tok = new(Token, (kinds[i], m[i], m.start(i)))
            tokens.append(tok)
            yield tok

    length = _trigger_length(scan())
    if _ERROR in map(_KIND_OF, tokens):
        return None
    return tokens, length


def _starts_trigger(tokens: list[Token], start: int, end: int) -> bool:
    """True when the first words of ``tokens[start:end]`` are CREATE [one word] TRIGGER."""
    seen = 0
    for i in range(start, end):
        kind, text, _ = tokens[i]
        if kind is WORD:
            upper = text.upper()
            if seen == 0 and upper != "CREATE":
                return False
            if seen and upper == "TRIGGER":
                return True
            seen += 1
            if seen == 3:
                return False
    return False


def _trigger_length(tokens: Iterable[Token]) -> int:
    """The number of ``tokens`` (a CREATE TRIGGER statement's, and what follows) before the
    ";" that ends the statement (all of them when none does): not one inside BEGIN … END,
    counting CASE … END. Reads no further than that ";"."""
    words = 0
    in_trigger = in_body = False
    case_depth = 0
    i = -1
    for i, (kind, text, _) in enumerate(tokens):  # (i: the count at the end)
        if kind is OP and text == ";" and not in_body:
            return i
        if kind is not WORD:
            continue
        upper = text.upper()
        if not in_trigger:
            words += 1
            in_trigger = upper == "TRIGGER" and words <= 3
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
    return i + 1


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


def _close(
    sql: str, current: list[Token], out: list[Any], lines: _LineCounter, flag: bool | None = None
) -> None:
    """Add the statement of tokens ``current`` to ``out`` (with ``flag``, as ``(statement,
    flag)``), unless it is empty or only comments."""
    for tok in current:
        if tok[0] is not COMMENT:
            break
    else:
        return  # empty, or only comments
    # Leading comments stay with the statement (they may carry hints).
    start = current[0].start
    end = current[-1].end
    stmt = Statement(sql[start:end], current, lines.at(start))
    out.append(stmt if flag is None else (stmt, flag))


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
