"""Parse one CREATE statement (as SQLite stores it) into a model object.

Both sides of a sync go through here: the live database's ``sqlite_schema`` and the scratch copy
built from the definitions. Parsing is cached by text, so an object whose text is the same on
both sides is parsed once.
"""

from __future__ import annotations

from functools import lru_cache

from .models import (
    Check,
    Column,
    ForeignKey,
    IndexedColumn,
    KeyConstraint,
    Table,
    Trigger,
    View,
    VirtualTable,
)
from .models import Index as IndexModel
from .tokenizer import OP, Token, default_text, fold, iter_names, normalize, significant, tokenize

_COLUMN_CONSTRAINT_STARTS = frozenset(
    {
        "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK",
        "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS", "DEFERRABLE",
    }
)  # fmt: skip


class ParseError(ValueError):
    """The statement is not a CREATE statement this parser understands."""


class _Cursor:
    """A position in a list of significant tokens."""

    def __init__(self, tokens: list[Token], source: str) -> None:
        self.tokens = tokens
        self.source = source
        self.i = 0
        # What a double-quoted word in an expression may name (normalize's ``columns``), and
        # the table's own name, which may qualify a column there (``own``).
        self.names: frozenset[str] = frozenset()
        self.own: str | None = None

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def at(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.keyword(*words)

    def at_op(self, op: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind is OP and tok.text == op

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise ParseError("unexpected end of statement")
        self.i += 1
        return tok

    def accept(self, *words: str) -> bool:
        if self.at(*words):
            self.i += 1
            return True
        return False

    def expect(self, *words: str) -> Token:
        tok = self.take()
        if not tok.keyword(*words):
            raise ParseError(f"expected {' or '.join(words)}, found {tok.text!r}")
        return tok

    def expect_op(self, op: str) -> Token:
        tok = self.take()
        if tok.kind is not OP or tok.text != op:
            raise ParseError(f"expected {op!r}, found {tok.text!r}")
        return tok

    def balanced(self) -> list[Token]:
        """Consume a parenthesized group; return the tokens inside it."""
        self.expect_op("(")
        start = self.i
        depth = 1
        while True:
            tok = self.take()
            if tok.kind is OP:
                if tok.text == "(":
                    depth += 1
                elif tok.text == ")":
                    depth -= 1
                    if depth == 0:
                        return self.tokens[start : self.i - 1]

    def name(self) -> str:
        tok = self.take()
        if not tok.is_name and tok.kind != "string":
            raise ParseError(f"expected a name, found {tok.text!r}")
        return tok.value

    def text(self, first: Token, last: Token) -> str:
        return self.source[first.start : last.end]


def _skip_header(cur: _Cursor, kind: str) -> str:
    """Skip ``CREATE … KIND [IF NOT EXISTS] [schema.]`` and return the object's name."""
    cur.expect("CREATE")
    while not cur.at(kind):
        cur.take()
    cur.take()
    if cur.at("IF") and (nxt := cur.peek(1)) is not None and nxt.keyword("NOT"):
        cur.take()
        cur.take()
        cur.expect("EXISTS")
    name = cur.name()
    if cur.at_op("."):
        cur.take()
        name = cur.name()
    return name


def _conflict(cur: _Cursor) -> str:
    if cur.at("ON") and (nxt := cur.peek(1)) is not None and nxt.keyword("CONFLICT"):
        cur.take()
        cur.take()
        return cur.take().text.upper()
    return ""


def _key_columns(tokens: list[Token]) -> tuple[tuple[IndexedColumn, ...], bool]:
    """The columns of PRIMARY KEY (…) or UNIQUE (…), and whether AUTOINCREMENT closes the
    list (SQLite accepts ``PRIMARY KEY (id AUTOINCREMENT)``)."""
    autoincrement = bool(tokens) and tokens[-1].keyword("AUTOINCREMENT")
    if autoincrement:
        tokens = tokens[:-1]
    return _indexed_columns(tokens), autoincrement


def _indexed_columns(tokens: list[Token]) -> tuple[IndexedColumn, ...]:
    """The columns of a PRIMARY KEY or UNIQUE list: ``name [COLLATE x] [ASC|DESC]`` each.

    SQLite refuses an expression there, so the name is the first token that is not "(" (it
    reads "((a))" as a), a string read as a name too; ASC or DESC is the last of several
    tokens (``UNIQUE (desc)`` names a column desc)."""
    cols: list[IndexedColumn] = []
    for part in _split_commas(tokens):  # (never an empty one: SQLite refuses "()", "(a,)")
        name = next(t for t in part if t.text != "(")
        collates = [part[j + 1].folded for j, t in enumerate(part) if t.keyword("COLLATE")]
        collate = collates[-1] if collates else ""  # (the last, as SQLite takes it)
        desc = len(part) > 1 and part[-1].keyword("DESC")
        cols.append(IndexedColumn(name.folded, collate, desc))
    return tuple(cols)


def _split_commas(tokens: list[Token]) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.kind is OP:
            if tok.text == "(":
                depth += 1
            elif tok.text == ")":
                depth -= 1
            elif tok.text == "," and depth == 0:
                parts.append([])
                continue
        parts[-1].append(tok)
    return parts


def _foreign_key(cur: _Cursor, columns: tuple[str, ...], name: str) -> ForeignKey:
    cur.expect("REFERENCES")
    table = fold(cur.name())
    ref_cols: tuple[str, ...] = ()
    if cur.at_op("("):
        ref_cols = tuple(t.folded for t in cur.balanced() if t.is_name)
    on_delete = on_update = "NO ACTION"
    match = deferrable = ""
    while True:
        # (An ON here is ON DELETE, UPDATE or INSERT: an ON CONFLICT clause follows its own
        # constraint's keyword, which _column reads.) SQLite parses ON INSERT and ignores it.
        if cur.accept("ON"):
            which = cur.expect("DELETE", "UPDATE", "INSERT").text.upper()
            first = cur.take().text.upper()
            action = first
            if first in ("SET", "NO"):
                action = f"{first} {cur.take().text.upper()}"
            if which == "DELETE":
                on_delete = action
            elif which == "UPDATE":
                on_update = action
        elif cur.accept("MATCH"):
            match = cur.take().text.upper()
        elif _at_defer(cur):
            deferrable = _defer_clause(cur)
        else:
            break
    return ForeignKey(columns, table, ref_cols, on_delete, on_update, match, deferrable, name)


def _at_defer(cur: _Cursor) -> bool:
    return cur.at("DEFERRABLE") or (cur.at("NOT") and _next_is(cur, "DEFERRABLE"))


def _defer_clause(cur: _Cursor) -> str:
    """``[NOT] DEFERRABLE [INITIALLY DEFERRED | INITIALLY IMMEDIATE]``, its words upper-case."""
    words = [cur.take().text.upper()]
    if words == ["NOT"]:
        words.append(cur.take().text.upper())
    if cur.at("INITIALLY"):
        words += [cur.take().text.upper(), cur.take().text.upper()]
    return " ".join(words)


def _next_is(cur: _Cursor, word: str) -> bool:
    nxt = cur.peek(1)
    return nxt is not None and nxt.keyword(word)


def _column(
    cur: _Cursor,
    end: int,
    pks: list[KeyConstraint],
    uniques: list[KeyConstraint],
    checks: list[Check],
    fks: list[ForeignKey],
) -> Column:
    first = cur.take()
    name = first.value
    type_tokens: list[Token] = []
    # The type runs up to the first constraint: its parentheses hold only signed numbers.
    while cur.i < end and not cur.at(*_COLUMN_CONSTRAINT_STARTS):
        type_tokens.append(cur.take())
    not_null = False
    not_null_conflict = ""
    default = collate = generated = None
    stored = has_key = references = False
    col_checks: list[str] = []
    constraint_name = ""
    constraint_start: Token | None = None
    while cur.i < end:
        if cur.at("CONSTRAINT"):
            constraint_start = cur.take()
            constraint_name = cur.name()  # (as written for a CHECK's: see _table_constraint)
            continue
        if cur.accept("PRIMARY"):
            cur.expect("KEY")
            desc = False
            if cur.at("ASC", "DESC"):
                desc = cur.take().keyword("DESC")
            conflict = _conflict(cur)
            autoinc = cur.accept("AUTOINCREMENT")
            pks.append(
                KeyConstraint(
                    (IndexedColumn(fold(name), "", desc),),
                    conflict,
                    autoinc,
                    column_level_desc=desc,
                    name=fold(constraint_name),
                )
            )
            has_key = True
        elif _at_defer(cur):  # (a constraint of its own: SQLite defers the latest FK)
            deferrable = _defer_clause(cur)
            if fks:
                fk = fks[-1]
                fks[-1] = ForeignKey(fk.columns, fk.table, fk.ref_columns, fk.on_delete,
                                     fk.on_update, fk.match, deferrable, fk.name)  # fmt: skip
        elif cur.accept("NOT"):
            cur.expect("NULL")
            not_null = True
            not_null_conflict = _conflict(cur)
        elif cur.accept("NULL"):
            _conflict(cur)
        elif cur.accept("UNIQUE"):
            uniques.append(
                KeyConstraint(
                    (IndexedColumn(fold(name)),), _conflict(cur), name=fold(constraint_name)
                )
            )
            has_key = True
        elif cur.at("CHECK"):
            start_tok = cur.take()
            expr = cur.balanced()
            norm = normalize(expr, columns=cur.names, own=cur.own)
            col_checks.append(norm)
            # ADD CONSTRAINT needs the name too, or the CHECK would be added nameless.
            first_tok = constraint_start or start_tok
            checks.append(Check(norm, constraint_name, cur.text(first_tok, cur.tokens[cur.i - 1])))
        elif cur.accept("DEFAULT"):
            if cur.at_op("("):
                start = cur.i
                cur.balanced()
                default = normalize(cur.tokens[start : cur.i])
            else:
                toks = [cur.take()]
                if toks[0].kind is OP and toks[0].text in "+-":
                    toks.append(cur.take())
                default = (len(toks) == 1 and default_text(toks[0])) or normalize(toks)
        elif cur.accept("COLLATE"):
            collate = fold(cur.name())
        elif cur.at("REFERENCES"):
            fks.append(_foreign_key(cur, (fold(name),), fold(constraint_name)))
            references = True
        elif cur.at("GENERATED", "AS"):
            if cur.accept("GENERATED"):
                cur.expect("ALWAYS")
            cur.expect("AS")
            generated = normalize(cur.balanced(), columns=cur.names)
            if cur.at("STORED", "VIRTUAL"):
                stored = cur.take().keyword("STORED")
        else:
            raise ParseError(f"unexpected {cur.peek().text!r} in column {name!r}")  # type: ignore[union-attr]
        constraint_name = ""
        constraint_start = None
    last = cur.tokens[end - 1]
    return Column(
        name=name,
        type=normalize(type_tokens),
        not_null=not_null,
        not_null_conflict=not_null_conflict,
        default=default,
        collate=collate,
        generated=generated,
        stored=stored,
        sql=cur.text(first, last),
        has_key_constraint=has_key,
        references=references,
        checks=tuple(col_checks),
    )


def _table_constraint(
    cur: _Cursor,
    end: int,
    pks: list[KeyConstraint],
    uniques: list[KeyConstraint],
    checks: list[Check],
    fks: list[ForeignKey],
) -> None:
    name = ""
    first = cur.peek()
    assert first is not None
    if cur.accept("CONSTRAINT"):
        # As written for a CHECK: SQLite's message names it so ("CHECK constraint failed:
        # Positive"). The others' appear nowhere else, and SQLite finds them in any case.
        name = cur.name()
        if cur.i == end or cur.at("CONSTRAINT"):
            return  # a name with no constraint after it: SQLite accepts and ignores it
    if cur.accept("PRIMARY"):
        cur.expect("KEY")
        cols, autoinc = _key_columns(cur.balanced())  # (AUTOINCREMENT only inside the list)
        pks.append(KeyConstraint(cols, _conflict(cur), autoinc, name=fold(name)))
    elif cur.accept("UNIQUE"):
        cols = _indexed_columns(cur.balanced())
        uniques.append(KeyConstraint(cols, _conflict(cur), name=fold(name)))
    elif cur.at("CHECK"):
        cur.take()
        expr = cur.balanced()
        checks.append(
            Check(
                normalize(expr, columns=cur.names, own=cur.own),
                name,
                cur.text(first, cur.tokens[cur.i - 1]),
            )
        )
    elif cur.accept("FOREIGN"):
        cur.expect("KEY")
        fk_cols = tuple(t.folded for t in cur.balanced() if t.is_name)
        fks.append(_foreign_key(cur, fk_cols, fold(name)))
    else:
        raise ParseError(f"unexpected {cur.peek().text!r} in table constraint")  # type: ignore[union-attr]


def _is_table_constraint(part: list[Token]) -> bool:
    # Each of these words is reserved (no column can be named so bare): a part that starts
    # with one is a table constraint, even CONSTRAINT with a name alone, which SQLite ignores.
    return part[0].keyword("CONSTRAINT", "PRIMARY", "FOREIGN", "UNIQUE", "CHECK")


@lru_cache(maxsize=4096)
def parse_table(sql: str) -> Table:
    """Parse ``CREATE TABLE``; raises :class:`ParseError` on what it cannot read."""
    cur = _Cursor(significant(tokenize(sql)), sql)
    name = _skip_header(cur, "TABLE")
    if cur.at("AS"):
        raise ParseError("CREATE TABLE … AS SELECT is not supported: declare the columns")
    body = cur.balanced()
    body_end = cur.i - 1  # index of the closing parenthesis
    body_start = body_end - len(body)
    strict = without_rowid = False
    while cur.peek() is not None:
        tok = cur.take()
        if tok.keyword("STRICT"):
            strict = True
        elif tok.keyword("WITHOUT"):
            cur.expect("ROWID")
            without_rowid = True
    pks: list[KeyConstraint] = []
    uniques: list[KeyConstraint] = []
    checks: list[Check] = []
    fks: list[ForeignKey] = []
    columns: list[Column] = []
    inner = _Cursor(cur.tokens, sql)
    inner.i = body_start
    parts = _split_commas(body)
    # Any column, wherever declared, and the table's own name: what "x" in a CHECK may name.
    inner.names = frozenset(
        [fold(name), *(p[0].folded for p in parts if p and not _is_table_constraint(p))]
    )
    inner.own = fold(name)
    for part in parts:
        if not part:
            raise ParseError("empty column definition")
        end = inner.i + len(part)
        if _is_table_constraint(part):
            while inner.i < end:  # SQLite needs no comma between two table constraints
                _table_constraint(inner, end, pks, uniques, checks, fks)
        else:
            columns.append(_column(inner, end, pks, uniques, checks, fks))
        if inner.i != end:
            raise ParseError(f"could not read {normalize(part)!r}")
        inner.i = end + 1  # skip the comma
    if len(pks) > 1:
        raise ParseError(f"table {name!r} has more than one primary key")
    return Table(
        name=name,
        sql=sql,
        columns=tuple(columns),
        primary_key=pks[0] if pks else None,
        uniques=tuple(sorted(uniques, key=repr)),
        checks=tuple(sorted(checks, key=lambda c: (c.expression, c.name))),
        foreign_keys=tuple(sorted(fks, key=repr)),
        strict=strict,
        without_rowid=without_rowid,
    )


@lru_cache(maxsize=1024)
def parse_virtual_table(sql: str) -> VirtualTable:
    """Parse ``CREATE VIRTUAL TABLE``."""
    cur = _Cursor(significant(tokenize(sql)), sql)
    name = _skip_header(cur, "TABLE")
    cur.expect("USING")
    module = fold(cur.name())
    args = _module_arguments(module, cur.balanced()) if cur.at_op("(") else ""
    return VirtualTable(name, sql, module, args)


#: Modules whose arguments declare its columns (an argument that is no ``option=value``):
#: SQLite names the result columns as written there, so their case counts.
_COLUMN_MODULES = frozenset({"fts3", "fts4", "fts5", "rtree", "rtree_i32", "vec0"})


def _module_arguments(module: str, tokens: list[Token]) -> str:
    """A virtual table's arguments normalized: folded (option names and values, a content
    table's name), but for the names of its columns, which keep their case."""
    if module not in _COLUMN_MODULES:
        return normalize(tokens)
    exact = set()
    for arg in _split_commas(tokens):
        at = 1 if arg and arg[0].text == "+" else 0  # (an rtree's or vec0's auxiliary column)
        if len(arg) <= at or (len(arg) > at + 1 and arg[at + 1].text == "="):
            continue
        if not arg[at].keyword("TOKENIZE"):  # (fts3's "tokenize porter" is an option)
            exact.add(arg[at].start)
    return " ".join(normalize([t], exact=t.start in exact) for t in tokens)


def _after_name(kind: str, sql: str) -> tuple[str, list[Token], int]:
    cur = _Cursor(significant(tokenize(sql)), sql)
    name = _skip_header(cur, kind)
    return name, cur.tokens, cur.i


@lru_cache(maxsize=4096)
def parse_index(sql: str, columns: frozenset[str] | None = None) -> IndexModel:
    """Parse ``CREATE [UNIQUE] INDEX``; the definition includes the UNIQUE flag. ``columns``:
    the names (folded) of its table and the table's columns, which a double-quoted word in it
    may name (:func:`quotable_names`); any other such word is text (``WHERE a <> "X"``).
    Without them, such words are compared as names."""
    name, tokens, i = _after_name("INDEX", sql)
    unique = any(t.keyword("UNIQUE") for t in tokens[:i])
    rest = tokens[i:]
    table = rest[1].folded if len(rest) > 1 else ""
    definition = ("unique " if unique else "") + normalize(rest, columns=columns)
    return IndexModel(name, table, sql, definition, frozenset(iter_names(rest)))


def quotable_names(table: Table | None) -> frozenset[str] | None:
    """What a double-quoted word in an index of ``table`` may name: the table and its
    columns (folded). None for a table not known (an ignored one)."""
    if table is None:
        return None
    return frozenset([fold(table.name), *(fold(c.name) for c in table.columns)])


@lru_cache(maxsize=1024)
def parse_view(sql: str) -> View:
    """Parse ``CREATE VIEW``."""
    name, tokens, i = _after_name("VIEW", sql)
    rest = tokens[i:]
    return View(name, sql, normalize(rest, exact=True), frozenset(iter_names(rest)))


@lru_cache(maxsize=1024)
def parse_trigger(sql: str) -> Trigger:
    """Parse ``CREATE TRIGGER``; ``table`` is the table or view after ON."""
    name, tokens, i = _after_name("TRIGGER", sql)
    rest = tokens[i:]
    table = ""
    for j, tok in enumerate(rest):
        if tok.keyword("ON") and j + 1 < len(rest):
            table = rest[j + 1].folded
            if j + 3 < len(rest) and rest[j + 2].kind is OP and rest[j + 2].text == ".":
                table = rest[j + 3].folded
            break
    return Trigger(name, table, sql, normalize(rest, exact=True), frozenset(iter_names(rest)))
