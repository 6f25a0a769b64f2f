"""Parse the user's definitions: split, classify and check each statement, read rename hints.

Only CREATE TABLE / INDEX / VIEW / TRIGGER / VIRTUAL TABLE are accepted. Everything that is
wrong with a statement raises :class:`~inline_sync.errors.DefinitionError` naming it, before the
database is touched.
"""

from __future__ import annotations

import gc
import re

from .cache import remember
from .errors import DefinitionError
from .names import NameFilter, is_reserved
from .statements import split_lazily, split_statements
from .tokenizer import (
    COMMENT,
    OP,
    QIDENT,
    WORD,
    SQLTokenError,
    Statement,
    Token,
    fold,
    tokenize,
    unquote,
)
from .value import Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (planning path)
if TYPE_CHECKING:
    from collections.abc import Iterable

TABLE = "table"
VIRTUAL = "virtual table"
INDEX = "index"
VIEW = "view"
TRIGGER = "trigger"

_HINT = r"@renamed\s+from\s*=\s*(\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|'[^']*'|[^\s*]+)"
# What a hint's name may be: quoted, or a plain word (a hint that starts so and is anything
# else, from=main.t or from="t, cannot be read: a DefinitionError, not a hint ignored).
_HINT_NAME = r"(?:\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|'[^']*'|[\w$]+)\Z"
_HINT_START = r"(?i)@renamed\s+from\b"


class _Keyed(Value):
    """A value with its name's folded form kept beside its fields (not one of them): planning
    looks definitions up by it thousands of times. ``_head``: the first tokens of a statement
    whose tokens are read when first asked for (see :attr:`Definition.tokens`)."""

    key: str  # the folded name
    _head: list[Token]

    __slots__ = ("_head", "key")


_SET_KEY = _Keyed.__dict__["key"].__set__
_SET_HEAD = _Keyed.__dict__["_head"].__set__


class Definition(_Keyed):
    """One CREATE statement from the definitions."""

    kind: str  # table, virtual table, index, view or trigger
    name: str
    sql: str  # as the user wrote it (without the final ";")
    index: int  # 1-based position among the statements
    line: int  # 1-based line where it starts
    tokens: tuple[Token, ...]
    name_token: int  # index into tokens of the (unqualified) name
    schema_token: int | None  # index of an explicit "main" qualifier, if any
    renamed_from: str | None  # table-level @renamed hint
    column_renames: dict[str, str]  # new name (folded) -> old name
    path: str | None  # the schema file it came from (see inline_sync.read_schema)

    __slots__ = (  # noqa: RUF023 (field order)
        "kind",
        "name",
        "sql",
        "index",
        "line",
        "tokens",
        "name_token",
        "schema_token",
        "renamed_from",
        "column_renames",
        "path",
    )

    def __init__(
        self,
        kind: str,
        name: str,
        sql: str,
        index: int,
        line: int,
        tokens: tuple[Token, ...],
        name_token: int,
        schema_token: int | None,
        renamed_from: str | None,
        column_renames: dict[str, str],
        path: str | None,
    ) -> None:
        # One per statement: the fields in their order, set without keyword arguments.
        self._set(kind, name, sql, index, line, tokens, name_token, schema_token, renamed_from,
                  column_renames, path)  # fmt: skip
        _SET_KEY(self, fold(name))

    @classmethod
    def _partly_read(
        cls, kind: str, name: str, stmt: Statement, index: int, name_token: int,
        schema_token: int | None, path: str | None,
    ) -> Definition:  # fmt: skip
        """A definition whose tokens are read from its text when first asked for (those of
        ``stmt`` are only its first ones: a definition already in place is never read whole)."""
        self = cls.__new__(cls)
        self._set(kind, name, stmt.text, index, stmt.line, None, name_token, schema_token, None,
                  {}, path)  # fmt: skip
        _DEL_TOKENS(self)  # unset: __getattr__ reads them when first asked for
        _SET_KEY(self, fold(name))
        _SET_HEAD(self, stmt.tokens)
        return self

    def __getattr__(self, name: str) -> object:
        # Only an unset slot gets here: the tokens of a definition read partly (its text
        # starts at its first token's offset).
        if name != "tokens":
            raise AttributeError(name)
        tokens = tuple(tokenize(self.sql, self._head[0].start))
        _SET_TOKENS(self, tokens)
        return tokens

    @property
    def head(self) -> list[Token] | tuple[Token, ...]:
        """Its first tokens, through the name and its schema (all of them when they have been
        read): enough to rewrite the name without reading the whole statement."""
        try:
            return self._head
        except AttributeError:
            return self.tokens

    @property
    def code_line(self) -> int:
        """The line where the statement's code starts, after its leading comments."""
        first = next((t for t in self.tokens if t.kind is not COMMENT), self.tokens[0])
        return self.line + self.sql.count("\n", 0, first.start - self.tokens[0].start)


_SET_TOKENS = Definition.__dict__["tokens"].__set__
_DEL_TOKENS = Definition.__dict__["tokens"].__delete__

_KIND_OF_WORD = {"TABLE": TABLE, "INDEX": INDEX, "VIEW": VIEW, "TRIGGER": TRIGGER}

_CACHE: dict[tuple[tuple[str, ...], tuple[str | None, ...], NameFilter], list[Definition]] = {}


def parse_definitions(
    definitions: str | Iterable[str], ignore: NameFilter, *, whole: bool = False
) -> list[Definition]:
    """Split and check the definitions; raises DefinitionError on the first bad statement.

    A process usually syncs the same definitions again and again (a Durable Object isolate
    serves many objects), so the result is kept for the same texts and ignore patterns.
    A definition's tokens are read when first asked for, unless ``whole``: the caller needs
    them all (hashing the definitions), which is cheaper in one pass over the text.
    """
    texts = [definitions] if isinstance(definitions, str) else list(definitions)
    # The paths count: equal texts from two files must name their own file in errors.
    paths = tuple(_path_of(t) for t in texts)
    key = (tuple(texts), paths, ignore)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    # Parsing allocates a tuple per token and no reference cycles: with the cyclic garbage
    # collector running, thousands of statements would be rescanned over and over as they pile
    # up (3,000 tables parsed 1.4x slower per table than 100), for nothing to collect.
    collecting = gc.isenabled()
    gc.disable()
    try:
        result = _parse(texts, ignore, whole)
    finally:
        if collecting:
            gc.enable()
    return remember(_CACHE, key, result, 16)


def _path_of(text: object) -> str | None:
    path = getattr(text, "path", None)
    return str(path) if path is not None else None


def _parse(texts: list[str], ignore: NameFilter, whole: bool) -> list[Definition]:
    result: list[Definition] = []
    seen: dict[tuple[str, str], Definition] = {}
    for text in texts:
        path = _path_of(text)
        try:
            # A hint may be a statement's after its ";": every statement is read whole then.
            statements = (
                [(stmt, True) for stmt in split_statements(text)]
                if whole or "@renamed" in text
                else split_lazily(text)
            )
        except SQLTokenError as exc:
            line = text.count("\n", 0, exc.offset) + 1
            snippet = text[exc.offset : exc.offset + 60]
            error = DefinitionError(f"{exc} at line {line}", statement=snippet)
            raise error.locate(path, line) from None
        # The hints after each statement's ";" on its last line (the splitter gives those
        # comments to the next statement, or drops them after the last).
        after = (
            [_hints_after(text, statements, j) for j in range(len(statements))]
            if "@renamed" in text
            else []
        )
        for j, (stmt, whole) in enumerate(statements):
            try:
                tokens = stmt.tokens
                if not whole and len(tokens) < 5:
                    # Only its header, CREATE [UNIQUE] TABLE|INDEX|VIEW name, which split_lazily
                    # found well formed: what _classify would read, without its checks.
                    name = tokens[-1]
                    definition = Definition._partly_read(
                        _KIND_OF_WORD[tokens[-2][1].upper()],
                        unquote(name[1]) if name[0] is QIDENT else name[1],
                        stmt, len(result) + 1, len(tokens) - 1, None, path,
                    )  # fmt: skip
                else:
                    ours = after[j] if after else ()
                    theirs = after[j - 1] if after and j else ()  # the previous one's
                    definition = _classify(stmt, len(result) + 1, path, whole, ours, theirs)
            except DefinitionError as exc:
                sig = next(t for t in stmt.tokens if t.kind is not COMMENT)  # (one at least)
                raise exc.locate(path, text.count("\n", 0, sig.start) + 1) from None
            if is_reserved(definition.name):
                raise definition_error(definition, f"the name {definition.name!r} is reserved")
            if ignore(definition.name):
                raise definition_error(
                    definition,
                    f"{definition.name!r} is on the ignore list (migration bookkeeping, platform "
                    "tables or the ignore= argument), so it cannot be declared",
                )
            namespace = "trigger" if definition.kind == TRIGGER else "object"
            previous = seen.get((namespace, definition.key))
            if previous is not None:
                raise definition_error(
                    definition,
                    f"{definition.name!r} is declared twice (statements {previous.index} "
                    f"and {definition.index})",
                )
            seen[(namespace, definition.key)] = definition
            result.append(definition)
    return result


def definition_error(d: Definition, message: str) -> DefinitionError:
    """A DefinitionError saying ``message`` about ``d``: its statement, position and name,
    and the file and line it was read from (when it came from a schema file)."""
    error = DefinitionError(message, statement=d.sql, index=d.index, name=d.name)
    return error.locate(d.path, d.code_line)


def _hints_after(text: str, statements: list[tuple[Statement, bool]], j: int) -> list[Token]:
    """The comments holding an ``@renamed`` hint after statement ``j``'s ";", on the line it
    ends on: they are its own (the splitter gives them to the next statement, or drops them
    after the last)."""
    end = statements[j][0].tokens[-1].end
    if j + 1 < len(statements):
        following: list[Token] = statements[j + 1][0].tokens
    else:
        following = tokenize(text[end:], end)
    found = []
    for tok in following:
        if tok.kind is OP and tok.text == ";":
            continue
        if tok.kind is not COMMENT or "\n" in text[end : tok.start]:
            break
        if tok.text[:2] == "/*" and text[tok.end :].partition("\n")[0].strip():
            break  # /* … */ CREATE …: a comment before the next statement, on its line
        if re.search(_HINT_START, tok.text):  # (one that cannot be read: _hints says so)
            found.append(tok)
    return found


def _classify(
    stmt: Statement,
    index: int,
    path: str | None,
    whole: bool,
    after: list[Token] | tuple[()] = (),
    before: list[Token] | tuple[()] = (),
) -> Definition:
    """The definition of ``stmt``; ``whole``: its tokens are all there (not only the first
    ones, in a statement without comments). ``after``: hint comments after its ";" on its
    last line (its own); ``before``: its leading comments that are the previous one's."""
    tokens = stmt.tokens
    # The indexes of the first significant tokens: the name, and what follows it, are among
    # the first nine (CREATE UNIQUE INDEX IF NOT EXISTS main . name AS); split_lazily gives a
    # statement read partly its first ten.
    sig: list[int] = []
    for i, t in enumerate(tokens):
        if t[0] is not COMMENT:  # (the kind, without the property's call: every statement)
            sig.append(i)
            if len(sig) == 12:
                break

    def fail(message: str) -> DefinitionError:
        return DefinitionError(message, statement=stmt.text, index=index)

    words = [tokens[i] for i in sig[:6]]
    # The first words upper-cased ("" for what is not a bare word), compared as strings.
    heads = [t[1].upper() if t[0] is WORD else "" for t in words]
    n = len(heads)  # at least 1: a statement of only comments is dropped when split
    if heads[0] != "CREATE":
        first = words[0].text.upper()
        return_msg = (
            f"only CREATE TABLE, CREATE INDEX, CREATE VIEW, CREATE TRIGGER and CREATE VIRTUAL "
            f"TABLE statements belong in the definitions; found {first}"
        )
        raise fail(return_msg)
    pos = 1
    if pos < n and heads[pos] in ("TEMP", "TEMPORARY"):
        raise fail("TEMP objects are not part of the database schema and cannot be synced")
    unique = virtual = False
    if pos < n and heads[pos] == "UNIQUE":
        unique = True
        pos += 1
    if pos < n and heads[pos] == "VIRTUAL":
        virtual = True
        pos += 1
    kind = _KIND_OF_WORD.get(heads[pos]) if pos < n else None
    if kind is None:
        raise fail("expected TABLE, INDEX, VIEW, TRIGGER or VIRTUAL TABLE after CREATE")
    if virtual:
        if kind != TABLE:
            raise fail("VIRTUAL goes only with TABLE")
        kind = VIRTUAL
    if unique and kind != INDEX:
        raise fail("UNIQUE goes only with INDEX")
    pos += 1
    j = sig[pos] if pos < len(sig) else None
    # IF NOT EXISTS
    if (
        j is not None
        and tokens[j].keyword("IF")
        and pos + 2 < len(sig)
        and tokens[sig[pos + 1]].keyword("NOT")
        and tokens[sig[pos + 2]].keyword("EXISTS")
    ):
        pos += 3
    if pos >= len(sig) or (not tokens[sig[pos]].is_name and tokens[sig[pos]].kind != "string"):
        raise fail(f"expected the {kind}'s name")
    name_at = sig[pos]
    schema_at: int | None = None
    if pos + 2 < len(sig) and tokens[sig[pos + 1]].kind is OP and tokens[sig[pos + 1]].text == ".":
        schema_at = name_at
        if fold(tokens[schema_at].value) != "main":
            raise fail(f"objects must live in the main schema, not {tokens[schema_at].value!r}")
        name_at = sig[pos + 2]
    name_tok = tokens[name_at]
    if name_tok.keyword("IF"):
        # Accepted after "main." or IF NOT EXISTS, but stored as "CREATE <kind> if …",
        # which SQLite then reads as IF NOT EXISTS: the whole schema becomes unreadable.
        raise fail(
            f'a {kind} named {name_tok.text} must be written quoted ("{name_tok.text}"): SQLite '
            "stores the statement from the bare name on, and reads a bare IF there as the start "
            "of IF NOT EXISTS"
        )
    name = name_tok.value
    if kind == TABLE:
        nxt = sig.index(name_at) + 1
        if nxt < len(sig) and tokens[sig[nxt]].keyword("AS"):
            raise fail("CREATE TABLE … AS SELECT is not supported: declare the columns")
    if not whole:  # no comments, so no hints
        return Definition._partly_read(kind, name, stmt, index, name_at, schema_at, path)
    renamed_from, column_renames = _hints(stmt, kind, name_at, fail, after, before)
    return Definition(
        kind=kind,
        name=name,
        sql=stmt.text,
        index=index,
        line=stmt.line,
        tokens=tuple(tokens),
        name_token=name_at,
        schema_token=schema_at,
        renamed_from=renamed_from,
        column_renames=column_renames,
        path=path,
    )


def _hint_value(raw: str) -> str:
    if raw[:1] in '"`[':
        return unquote(raw)
    if raw[:1] == "'":
        return raw[1:-1]
    return raw


def _hints(
    stmt: Statement,
    kind: str,
    name_at: int,
    fail: object,
    after: list[Token] | tuple[()] = (),
    before: list[Token] | tuple[()] = (),
) -> tuple[str | None, dict[str, str]]:
    """Read ``@renamed from=…`` comments: on the table's line, or on a column's line, or
    after its ";" on its last line (``after``); not those of the statement ``before`` it."""
    if "@renamed" not in stmt.text and not after:
        return None, {}  # most statements: no comment to look at

    def read(comment: str) -> str | None:
        if not re.search(_HINT_START, comment):
            return None  # (prose that mentions @renamed)
        m = re.search(_HINT, comment)
        if m is None or not re.match(_HINT_NAME, m.group(1)):
            raise fail(  # type: ignore[operator]
                f"cannot read the hint {comment.strip()!r}: write @renamed from=NAME, the old "
                'name alone, quoted if it is not a plain word (from="old name")'
            )
        return m.group(1)

    trailing = [v for t in after if (v := read(t.text)) is not None]
    tokens = stmt.tokens
    hints = [
        (i, v)
        for i, t in enumerate(tokens)
        if t.kind is COMMENT and t not in before and (v := read(t.text)) is not None
    ]
    hints += [(len(tokens), value) for value in trailing]  # (after its body: the table's)
    if not hints:
        return None, {}
    source = stmt.text
    base = tokens[0].start

    def line_of(tok: Token) -> int:
        return source.count("\n", 0, tok.start - base)

    if kind == VIRTUAL:  # no column of its own takes a hint: any is the table's
        return _hint_value(hints[-1][1]), {}
    if kind != TABLE:
        # Indexes, views and triggers are recreated under the new name anyway.
        return None, {}
    spans, open_at, close_at = _body_spans(tokens)
    table_hint: str | None = None
    column_renames: dict[str, str] = {}
    name_line = line_of(tokens[name_at])
    for i, raw in hints:
        value = _hint_value(raw)
        if i < open_at or i > close_at:
            table_hint = value
            continue
        comment_line = line_of(tokens[i])
        owner: int | None = None
        for start, end in spans:
            if start < i and (i < end or line_of(tokens[end]) == comment_line):
                owner = start  # inside the definition, or after it on its last line
        if owner is None:
            for start, _end in spans:
                if start > i and line_of(tokens[start]) == comment_line:
                    owner = start
                    break
        if owner is not None and _is_constraint(tokens[owner]):
            # A constraint keeps no rows: its new name is applied whatever the hint says, so
            # the hint only documents the rename. It must name the constraint it is on.
            if not tokens[owner].keyword("CONSTRAINT"):
                raise fail(  # type: ignore[operator]
                    "an @renamed hint on a table constraint needs the constraint's name: "
                    f"write CONSTRAINT <name> before it (from={value})"
                )
        elif owner is not None:
            column_renames[fold(tokens[owner].value)] = value
        elif comment_line == name_line:
            table_hint = value
        else:
            raise fail(  # type: ignore[operator]
                "cannot tell which column or constraint an @renamed hint belongs to: put it on "
                "the line of the column or constraint (or of CREATE TABLE for the table)"
            )
    return table_hint, column_renames


def _is_constraint(first: Token) -> bool:
    return first.keyword("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN")


def _body_spans(
    tokens: tuple[Token, ...] | list[Token],
) -> tuple[list[tuple[int, int]], int, int]:
    """(first, last) token indexes of each column definition and table constraint in a CREATE
    TABLE body, and the indexes of the body's opening and closing parentheses (the number of
    tokens for one it lacks). The body is the first parenthesis: none comes before it."""
    spans: list[tuple[int, int]] = []
    open_at = close_at = len(tokens)
    depth = 0
    span: tuple[int, int] | None = None  # the part being read: its first and last token
    for i, t in enumerate(tokens):
        if t.kind is COMMENT:
            continue
        if t.kind is OP and t.text == "(":
            depth += 1
            if depth == 1:
                open_at = i
                continue
        elif t.kind is OP and t.text == ")":
            depth -= 1
            if depth == 0:
                if span is not None:
                    spans.append(span)
                close_at = i
                break
        elif t.kind is OP and t.text == "," and depth == 1:
            if span is not None:
                spans.append(span)
            span = None
            continue
        if depth >= 1:
            span = (i, i) if span is None else (span[0], i)
    return spans, open_at, close_at
