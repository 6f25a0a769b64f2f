"""Splitting a script into statements the way ``sqlite3_complete()`` does, so a ``;`` inside a
``CREATE TRIGGER … BEGIN … END`` body (``CASE … END`` included) does not end the statement:
whole (:func:`split_statements`) or tokenizing only the first words of a statement where they
are enough (:func:`split_lazily`)."""

from __future__ import annotations

import re
from itertools import islice

# The scanner's own pattern pieces and tables: the lazy splitter reads tokens exactly as
# tokenize() does, from the same expression.
from .tokenizer import (
    _END,
    _ERROR,
    _KIND_BY_GROUP,
    _KIND_OF,
    _OPS,
    _PATTERNS,
    _SCAN,
    _TEXT_OF,
    COMMENT,
    OP,
    QIDENT,
    WORD,
    Statement,
    Token,
    tokenize,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any


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
