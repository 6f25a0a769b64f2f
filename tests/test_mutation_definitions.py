"""Tests written to kill surviving mutants of ``inline_sync/definitions.py`` (issue 14,
docs/mutation-testing.md): reading the user's statements, the errors that name them, and the
``@renamed`` hints. Each names, in its docstring, the mutations it catches. What is read from
the text alone is the same whatever the client; what SQLite decides about a statement, and what
a hint does to the rows, goes through stdlib sqlite3, apsw and the Durable Object stand-in
(tests/memory_clients.py)."""

from __future__ import annotations

from typing import Any

import pytest
from memory_clients import OPENERS, rows, run

import inline_sync
from inline_sync import DefinitionError
from inline_sync.definitions import parse_definitions
from inline_sync.names import ignore_filter
from inline_sync.sources import SchemaFile


def parse(text: str) -> Any:
    return parse_definitions(text, ignore_filter())


def user_objects(conn: Any) -> list[tuple[Any, ...]]:
    return rows(
        conn,
        "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name",
    )


def refused(client: Any, conn: Any, definitions: str) -> DefinitionError:
    """The DefinitionError a sync of ``definitions`` raises; the database is left as it was."""
    before = user_objects(conn)
    with pytest.raises(DefinitionError) as info:
        inline_sync.sync(client, definitions)
    assert user_objects(conn) == before
    return info.value


# --------------------------------------------------------------------------- the definitions


def test_a_definition_says_which_attribute_it_lacks() -> None:
    """A definition has its fields and nothing else; asking for another names it, as Python
    does (kills ``raise AttributeError(None)`` in ``Definition.__getattr__``, which reads the
    tokens of a definition read partly when they are first asked for)."""
    (d,) = parse("CREATE TABLE attr_t (a)")
    with pytest.raises(AttributeError, match=r"^nothing$"):
        d.nothing  # noqa: B018
    assert getattr(d, "nothing", "default") == "default"
    assert [t.text for t in d.tokens] == ["CREATE", "TABLE", "attr_t", "(", "a", ")"]


# --------------------------------------------------------------------------- where an error is

FILE = SchemaFile(
    "-- the app's tables\nCREATE TABLE t (a);\n\n-- what it shows\n{}\n", "db/schema.sql"
)


@pytest.mark.parametrize(
    ("statement", "message", "name"),
    [
        ("CREATE TABLE sqlite_t (a)", "the name 'sqlite_t' is reserved", "sqlite_t"),
        (
            "CREATE TABLE d1_migrations (a)",
            "'d1_migrations' is on the ignore list (migration bookkeeping, platform tables or "
            "the ignore= argument), so it cannot be declared",
            "d1_migrations",
        ),
        ("CREATE VIEW T AS SELECT 1", "'T' is declared twice (statements 1 and 2)", "T"),
    ],
)
def test_an_error_found_in_the_definitions_names_the_file_line_and_statement(
    statement: str, message: str, name: str
) -> None:
    """A schema read from a file: the error names the file and the line where the statement's
    code starts (after its comments), and carries the statement (kills ``statement=None``,
    its omission, ``locate(None, …)`` and ``locate(d.path, None)`` in ``definition_error``)."""
    schema = SchemaFile(FILE.format(statement), FILE.path)
    with pytest.raises(DefinitionError) as info:
        parse_definitions([schema], ignore_filter())
    err = info.value
    assert (err.message, err.name, err.index) == (message, name, 2)
    assert (err.path, err.line) == ("db/schema.sql", 5)
    assert err.statement == f"-- what it shows\n{statement}"
    assert str(err) == f"{message}\n  in db/schema.sql:5: -- what it shows {statement}"


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "CREATE VIEW v AS SELECT nope FROM t",
            "the view 'v' cannot be read: no such column: nope",
        ),
        (
            "CREATE INDEX i ON elsewhere (a)",
            "the index 'i' is on elsewhere, which the definitions do not declare",
        ),
    ],
)
@pytest.mark.parametrize("opener", list(OPENERS))
def test_an_error_sqlite_finds_names_the_file_and_line_too(
    opener: str, statement: str, message: str
) -> None:
    """The errors of the scratch round (SQLite refused a statement, or an index is on a table
    the definitions do not declare) name the file and line as the parser's do."""
    client, conn = OPENERS[opener]()
    err = refused(client, conn, SchemaFile(FILE.format(statement), FILE.path))
    assert (err.message, err.index, err.path, err.line) == (message, 2, "db/schema.sql", 5)
    assert err.statement == f"-- what it shows\n{statement}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CREATE TABLE", "expected the table's name"),
        ("CREATE VIEW", "expected the view's name"),
        ("CREATE UNIQUE INDEX IF NOT EXISTS", "expected the index's name"),
    ],
)
def test_create_without_a_name(text: str, message: str) -> None:
    """A statement that stops before the object's name is refused naming it (kills ``j =
    sig[pos] if … or True`` and ``pos <= len(sig)`` in ``_classify``: IndexError)."""
    client, conn = OPENERS["sqlite3"]()
    err = refused(client, conn, f"CREATE TABLE t (a);\n{text}")
    assert (err.message, err.index, err.statement) == (message, 2, text)


@pytest.mark.parametrize("text", ["CREATE TABLE t", "CREATE TABLE t -- comment", "CREATE VIEW v"])
@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_statement_cut_short_after_its_name_is_refused_by_sqlite(opener: str, text: str) -> None:
    """Nothing after the name: the parser has what it needs, and SQLite says what is wrong
    (kills the IF NOT EXISTS test's ``and`` made ``or`` in ``_classify``, twice: reading two
    tokens past the name raised IndexError)."""
    client, conn = OPENERS[opener]()
    err = refused(client, conn, text)
    assert (err.index, err.statement) == (1, text)
    assert "incomplete input" in err.message


# --------------------------------------------------------------------------- @renamed hints


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_table_hint_before_the_body_and_a_column_hint_both_apply(opener: str) -> None:
    """The table's hint on its line before ``(``, then a column's: both are read, and the
    rows move to the renamed table and column (kills ``continue`` made ``break`` after a
    table hint in ``_hints``: the column's hint was lost, and its values with it)."""
    client, conn = OPENERS[opener]()
    run(
        conn,
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO users VALUES (1,'a')",
    )
    schema = (
        "CREATE TABLE members  -- @renamed from=users\n"
        "(\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  full_name TEXT  -- @renamed from=name\n"
        ")"
    )  # fmt: skip
    (d,) = parse(schema)
    assert (d.renamed_from, d.column_renames) == ("users", {"full_name": "name"})
    inline_sync.sync(client, schema)
    assert rows(conn, "SELECT id, full_name FROM members") == [(1, "a")]


@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_column_hint_after_operators_in_its_definition(opener: str) -> None:
    """A column whose definition holds operators (a negative default, a CHECK comparison)
    owns the hint at the end of its line (kills ``t.kind is OP or t.text == ","`` in
    ``_body_spans``: every operator ended a part, and the hint went to a part named ``1``)."""
    client, conn = OPENERS[opener]()
    run(
        conn,
        "CREATE TABLE item (id INTEGER PRIMARY KEY, cost REAL);\nINSERT INTO item VALUES (1, 2)",
    )
    schema = (
        "CREATE TABLE item (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  price REAL NOT NULL DEFAULT -1 CHECK (price >= -1), -- @renamed from=cost\n"
        "  note TEXT\n"
        ")"
    )  # fmt: skip
    assert parse(schema)[0].column_renames == {"price": "cost"}
    inline_sync.sync(client, schema)
    assert rows(conn, "SELECT id, price, note FROM item") == [(1, 2, None)]


@pytest.mark.parametrize(
    "constraint",
    ["CHECK (a > 0)", "FOREIGN KEY (a) REFERENCES p (id)", "PRIMARY KEY (a)", "UNIQUE (a)"],
)
def test_a_hint_on_an_unnamed_table_constraint_asks_for_its_name(constraint: str) -> None:
    """A hint on a table constraint only documents a rename, so it must name the constraint;
    every constraint keyword counts (kills ``"CHECK"`` and ``"FOREIGN"`` dropped, made None or
    altered in ``_is_constraint``: the hint became a column's, a column named after the
    keyword; and the altered message)."""
    text = f"CREATE TABLE t (\n a INTEGER,\n {constraint} -- @renamed from=old\n)"
    with pytest.raises(DefinitionError) as info:
        parse(text)
    assert info.value.message == (
        "an @renamed hint on a table constraint needs the constraint's name: write CONSTRAINT "
        "<name> before it (from=old)"
    )
    assert (info.value.index, info.value.statement) == (1, text)


@pytest.mark.parametrize(
    "text",
    ["CREATE TABLE t -- @renamed from=old", "CREATE TABLE t (a -- @renamed from=b"],
)
@pytest.mark.parametrize("opener", list(OPENERS))
def test_a_hint_in_a_table_without_a_body_or_its_end(opener: str, text: str) -> None:
    """A table with a hint but no ``(`` or no ``)``: SQLite refuses the statement (kills
    ``open_at = close_at = None`` in ``_body_spans``: comparing the hint's place with None
    raised TypeError)."""
    client, conn = OPENERS[opener]()
    err = refused(client, conn, text)
    assert (err.index, err.statement) == (1, text)
    assert "incomplete input" in err.message


# --------------------------------------------------------------------------- more about where


def test_equal_texts_from_two_files_keep_their_own_file() -> None:
    """Parsed definitions are kept for the same texts, but two files of the same text are two
    keys: each definition names its own file (kills the cache key's paths made None, or read
    from None: the second file's definitions named the first one)."""
    text = "CREATE TABLE two_files (a);\n"
    (a,) = parse_definitions([SchemaFile(text, "a.sql")], ignore_filter())
    (b,) = parse_definitions([SchemaFile(text, "b.sql")], ignore_filter())
    assert (a.path, b.path) == ("a.sql", "b.sql")


def test_parsed_definitions_are_kept_for_sixteen_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache of parsed definitions is bounded: sixteen texts, the oldest forgotten first
    (kills the size 16 made 17 or left to remember's default of 64)."""
    from inline_sync import definitions

    monkeypatch.setattr(definitions, "_CACHE", {})
    first = parse(f"CREATE TABLE kept_0 (a)")  # noqa: F541
    for n in range(1, 20):
        parse(f"CREATE TABLE kept_{n} (a)")
    assert len(definitions._CACHE) == 16
    assert parse("CREATE TABLE kept_19 (a)") is parse("CREATE TABLE kept_19 (a)")
    assert parse("CREATE TABLE kept_0 (a)") is not first  # forgotten, read again


def test_a_text_that_cannot_be_read_names_the_file_line_and_the_text_there() -> None:
    """A string never closed: the error names the file and the line where it starts (the text
    starts with a newline, and more lines follow inside the string), with the 60 characters
    from there (kills, in ``_parse``, the line counted to the end, from the second character
    or with no end, the snippet one character longer, and the file or line dropped)."""
    text = "\nCREATE TABLE t (a);\nCREATE TABLE u (b DEFAULT 'x);\n" + "-- more\n" * 20
    with pytest.raises(DefinitionError) as info:
        parse_definitions([SchemaFile(text, "db/app.sql")], ignore_filter())
    err = info.value
    assert (err.path, err.line, err.index) == ("db/app.sql", 3, None)
    assert err.statement == text[text.index("'x") :][:60]
    assert err.message == "unterminated string literal at line 3"


@pytest.mark.parametrize("whole", [True, False])
def test_a_statement_refused_while_parsing_names_its_code_line(whole: bool) -> None:
    """A refused statement whose comment starts a line earlier, in a text that starts with a
    newline and goes on after it: the error names the line of its code (kills, in
    ``_parse``'s error for ``_classify``, the line read from the first comment, counted from
    the second character, to the end or from the statement on, one line off, and the file or
    line dropped)."""
    text = "\nCREATE TABLE t (a);\n-- temporary\nCREATE TEMP TABLE u (b);\nCREATE TABLE v (c);\n"
    with pytest.raises(DefinitionError) as info:
        parse_definitions([SchemaFile(text, "app.sql")], ignore_filter(), whole=whole)
    assert (info.value.path, info.value.line, info.value.index) == ("app.sql", 4, 2)


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        # read as its first words only (CREATE VIEW name)
        (
            "CREATE VIEW v AS SELECT nope FROM t",
            "the view 'v' cannot be read: no such column: nope",
        ),
        # read as its first ten tokens
        (
            "CREATE INDEX IF NOT EXISTS i ON elsewhere (a)",
            "the index 'i' is on elsewhere, which the definitions do not declare",
        ),
    ],
)
@pytest.mark.parametrize("opener", list(OPENERS))
def test_plan_names_the_file_of_a_definition_read_partly(
    opener: str, statement: str, message: str
) -> None:
    """plan() reads a statement without comments only as far as its name; the definition
    still knows its file (kills ``path`` made None for both kinds of partly read
    definitions)."""
    client, _ = OPENERS[opener]()
    schema = SchemaFile(f"CREATE TABLE t (a);\n\n{statement};\n", "schema.sql")
    with pytest.raises(DefinitionError) as info:
        inline_sync.plan(client, schema)
    assert (info.value.message, info.value.path, info.value.line) == (message, "schema.sql", 3)


def test_a_table_named_if_is_no_if_not_exists() -> None:
    """``CREATE TABLE if (a)`` is no IF NOT EXISTS: the parser reads the name ``if``, and
    refuses it unquoted (kills the IF NOT EXISTS test's ``and`` made ``or`` after IF: three
    words were skipped, and the statement was refused as having no name)."""
    with pytest.raises(DefinitionError, match="a table named if must be written quoted"):
        parse("CREATE TABLE if (a)")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("CREATE TABLE if", None),  # refused unquoted
        ("CREATE TABLE IF NOT", None),
        ("CREATE TABLE main.t", "t"),
        ("CREATE TABLE main.", "main"),
    ],
)
def test_a_statement_cut_short_around_if_or_a_schema(text: str, name: str | None) -> None:
    """Cut short where IF NOT EXISTS or a schema's name may start: a DefinitionError about
    the object named so far, SQLite's or the parser's for a bare IF (kills, in
    ``_classify``, ``pos - 2``, ``pos + 3`` and ``<=`` in the bounds of the IF NOT EXISTS
    and schema tests: IndexError, or another name)."""
    client, conn = OPENERS["sqlite3"]()
    err = refused(client, conn, text)
    assert (err.name, err.index, err.statement) == (name, 1, text)
    assert any(m in err.message for m in ("incomplete input", "syntax error", "quoted"))


def renamed(text: str) -> dict[str, str | None]:
    return {d.name: d.renamed_from for d in parse(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # After its ";" on its line: its own, read although the statement has no other comment.
        ("CREATE TABLE b (x); -- @renamed from=a\n", {"b": "a"}),
        ("CREATE TABLE b (x); /* @renamed from=a */\nCREATE TABLE c (y);\n", {"b": "a", "c": None}),
        ("CREATE TABLE b (x); /* @renamed from=a */", {"b": "a"}),
        # Not the next statement's, although the splitter gives it that one.
        (
            "CREATE TABLE b2 (x); -- @renamed from=a1\nCREATE TABLE c2 (y);",
            {"b2": "a1", "c2": None},
        ),
        # On the next line: the next statement's, or nobody's after the last.
        ("CREATE TABLE b (x);\n-- @renamed from=a\nCREATE TABLE c (y);", {"b": None, "c": "a"}),
        ("CREATE TABLE b (x);\n-- @renamed from=a\n", {"b": None}),
        # Before the next statement on the same line: the next statement's.
        (
            "CREATE TABLE z (q);\nCREATE TABLE b (x); /* @renamed from=a */ CREATE TABLE c (y);\n",
            {"z": None, "b": None, "c": "a"},
        ),
    ],
)
def test_a_hint_after_a_semicolon_is_the_statement_s_of_that_line(
    text: str, expected: dict[str, str | None]
) -> None:
    """Which statement a hint after a ";" belongs to (kills the text read lazily although it
    holds a hint, the previous statement's trailing hint not set apart from the next one's
    leading comments, the tail after the last statement tokenized at the wrong offset, and
    the rest of a /* */ comment's line read from the wrong place or to the wrong end)."""
    assert renamed(text) == expected


def test_a_text_without_hints_is_read_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without "@renamed" in the text, no statement is split whole and no hint is looked for
    after any ";" (start-up cost: kills those tests made unconditional or inverted)."""
    from inline_sync import definitions

    called: list[str] = []
    for name in ("split_statements", "_hints_after"):
        real = getattr(definitions, name)
        monkeypatch.setattr(
            definitions, name, lambda *a, _real=real, _name=name: called.append(_name) or _real(*a)
        )
    parse("CREATE TABLE lazy_a (x);\nCREATE TABLE lazy_b (y); -- a comment\n")
    assert called == []
    parse("CREATE TABLE lazy_c (x); -- @renamed from=lazy_a\n")
    assert called == ["split_statements", "_hints_after"]


@pytest.mark.parametrize(
    ("text", "comment"),
    [
        ("CREATE TABLE t (a); -- @renamed from=\n", "-- @renamed from="),
        ('CREATE TABLE t (a) -- @renamed from="x\n;', '-- @renamed from="x'),
    ],
)
def test_a_hint_that_cannot_be_read_is_refused_with_how_to_write_it(
    text: str, comment: str
) -> None:
    """A ``@renamed`` hint without a name, or with a quote left open, is refused with the
    comment as written and how to write one, naming the statement (kills the advice given
    another text)."""
    with pytest.raises(DefinitionError) as err:
        parse(text)
    assert str(err.value).startswith(
        f"cannot read the hint {comment!r}: write @renamed from=NAME, the old name alone, "
        'quoted if it is not a plain word (from="old name")\n  in statement 1: CREATE TABLE t (a)'
    )
