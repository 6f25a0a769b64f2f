"""Unit tests of inline_sync.definitions.parse_definitions: classification, stored text,
rename hints and the errors for statements that cannot be synced."""

from __future__ import annotations

import gc
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inline_sync.definitions import INDEX, TABLE, TRIGGER, VIEW, VIRTUAL, parse_definitions
from inline_sync.errors import DefinitionError
from inline_sync.names import ignore_filter


def parse(text: str, *extra: str):  # type: ignore[no-untyped-def]
    return parse_definitions(text, ignore_filter(extra))


def one(text: str):  # type: ignore[no-untyped-def]
    (d,) = parse(text)
    return d


def error(text: str, *extra: str) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        parse(text, *extra)
    return info.value


# --------------------------------------------------------------------------- classification


def test_fields_of_a_table_definition() -> None:
    text = '-- users\nCREATE TABLE IF NOT EXISTS main."Users" (id INTEGER PRIMARY KEY);'
    d = one(text)
    assert d.kind == TABLE
    assert d.name == "Users"
    assert d.key == "users"
    assert d.sql == '-- users\nCREATE TABLE IF NOT EXISTS main."Users" (id INTEGER PRIMARY KEY)'
    assert (d.index, d.line) == (1, 1)
    assert d.tokens[d.name_token].text == '"Users"'
    assert d.schema_token is not None
    assert d.tokens[d.schema_token].text == "main"
    assert (d.renamed_from, d.column_renames) == (None, {})


def test_kinds_indexes_and_lines() -> None:
    text = (
        "CREATE TABLE t (a);\n"
        "CREATE UNIQUE INDEX ix ON t (a);\n"
        "\n"
        "CREATE VIEW v AS SELECT a FROM t;\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;\n"
        "CREATE VIRTUAL TABLE ft USING fts5(x);\n"
    )
    ds = parse(text)
    assert [(d.kind, d.name, d.index, d.line) for d in ds] == [
        (TABLE, "t", 1, 1),
        (INDEX, "ix", 2, 2),
        (VIEW, "v", 3, 4),
        (TRIGGER, "tr", 4, 5),
        (VIRTUAL, "ft", 5, 6),
    ]
    assert [d.schema_token for d in ds] == [None] * 5


def test_several_texts_number_statements_across_them() -> None:
    ds = parse_definitions(
        ["CREATE TABLE a (x);", "\nCREATE TABLE b (y); CREATE TABLE c (z)"], ignore_filter()
    )
    assert [(d.name, d.index, d.line) for d in ds] == [("a", 1, 1), ("b", 2, 2), ("c", 3, 2)]


def test_name_written_as_string_literal() -> None:
    d = one("CREATE TABLE 'it''s' (a)")
    assert d.name == "it's"
    assert d.tokens[d.name_token].kind == "string"


def test_result_is_cached_for_same_texts() -> None:
    text = "CREATE TABLE cached_one (a)"
    assert parse(text) is parse(text)
    assert parse(text) is not parse(text, "other")


# --------------------------------------------------------------------------- rename hints


def test_table_and_column_hints_readme_form() -> None:
    d = one(
        "CREATE TABLE users (  -- @renamed from=people\n"
        "  id   INTEGER PRIMARY KEY,\n"
        "  name TEXT         -- @renamed from=fullname\n"
        ")"
    )
    assert d.renamed_from == "people"
    assert d.column_renames == {"name": "fullname"}


def test_hint_on_line_before_create_table() -> None:
    assert one("-- @renamed from=old\nCREATE TABLE t (a)").renamed_from == "old"


def test_hint_after_closing_parenthesis() -> None:
    d = one("CREATE TABLE t (a, b) -- @renamed from = old_t")
    assert (d.renamed_from, d.column_renames) == ("old_t", {})


def test_block_comment_hints_and_quoted_names() -> None:
    d = one(
        'CREATE TABLE t (A /* @renamed from="Old ""A""" */, b TEXT /* @renamed from=[old b] */,'
        " c -- @renamed from=`x y`\n, d -- @renamed from='q'\n)"
    )
    assert d.renamed_from is None
    assert d.column_renames == {"a": 'Old "A"', "b": "old b", "c": "x y", "d": "q"}


def test_hint_before_a_column_on_its_line() -> None:
    d = one("CREATE TABLE t (\n /* @renamed from=old */ a,\n b\n)")
    assert d.column_renames == {"a": "old"}


def test_column_hint_keys_are_folded() -> None:
    d = one('CREATE TABLE t (\n "MixedCase" TEXT -- @renamed from=Old\n)')
    assert d.column_renames == {"mixedcase": "Old"}


def test_hint_after_comma_belongs_to_the_column_before() -> None:
    d = one("CREATE TABLE t (\n a,\n b, -- @renamed from=x\n c\n)")
    assert d.column_renames == {"b": "x"}


@pytest.mark.parametrize(
    "text",
    [
        "CREATE TABLE t (\n a,\n -- @renamed from=z\n b\n)",
        "CREATE TABLE t (\n a,\n b,\n -- @renamed from=zz\n CONSTRAINT p PRIMARY KEY (a)\n)",
    ],
)
def test_hint_on_a_line_of_its_own_is_an_error(text: str) -> None:
    err = error(text)
    assert str(err).startswith(
        "cannot tell which column or constraint an @renamed hint belongs to: put it on the line "
        "of the column or constraint (or of CREATE TABLE for the table)"
    )
    assert err.index == 1
    assert err.statement == text


def test_hints_on_other_kinds_are_ignored() -> None:
    d = one("CREATE INDEX i ON t (a) -- @renamed from=j")
    assert (d.renamed_from, d.column_renames) == (None, {})
    d = one("CREATE VIEW v AS SELECT 1 -- @renamed from=w")
    assert (d.renamed_from, d.column_renames) == (None, {})


def test_comment_without_hint_syntax_is_not_a_hint() -> None:
    d = one("CREATE TABLE t (a -- renamed from=b\n)")
    assert (d.renamed_from, d.column_renames) == (None, {})


def test_hint_on_first_line_of_multi_line_column() -> None:
    d = one("CREATE TABLE t (\n a TEXT -- @renamed from=x\n   NOT NULL,\n b\n)")
    assert d.column_renames == {"a": "x"}


# --------------------------------------------------------------------------- errors


def test_non_create_statement() -> None:
    err = error("CREATE TABLE t (a); INSERT INTO t VALUES (1)")
    assert str(err) == (
        "only CREATE TABLE, CREATE INDEX, CREATE VIEW, CREATE TRIGGER and CREATE VIRTUAL TABLE "
        "statements belong in the definitions; found INSERT\n"
        "  in statement 2: INSERT INTO t VALUES (1)"
    )
    assert (err.index, err.name, err.statement) == (2, None, "INSERT INTO t VALUES (1)")


@pytest.mark.parametrize(
    "text",
    [
        "CREATE TEMP TABLE t (a)",
        "create temporary view v as select 1",
        "CREATE TEMP TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END",
    ],
)
def test_temp_objects(text: str) -> None:
    err = error(text)
    assert str(err).splitlines()[0] == (
        "TEMP objects are not part of the database schema and cannot be synced"
    )


@pytest.mark.parametrize(
    "name", ["sqlite_foo", "SQLITE_x", "__sync_x", "_inline_sync_state", "_CF_KV", "_cf_meta"]
)
def test_reserved_names(name: str) -> None:
    err = error(f"CREATE TABLE {name} (a)")
    assert str(err).splitlines()[0] == f"the name {name!r} is reserved"
    assert (err.name, err.index) == (name, 1)


@pytest.mark.parametrize(
    "name", ["knex_migrations_lock", "_yoyo_log", "d1_migrations", "Alembic_Version"]
)
def test_ignored_names_cannot_be_declared(name: str) -> None:
    err = error(f"CREATE TABLE {name} (a)")
    assert str(err).splitlines()[0] == (
        f"{name!r} is on the ignore list (migration bookkeeping, platform tables or the ignore= "
        "argument), so it cannot be declared"
    )
    assert err.name == name


def test_ignore_argument_patterns() -> None:
    err = error("CREATE TABLE t (a); CREATE VIEW Audit_x AS SELECT 1", "audit_*")
    assert err.name == "Audit_x"
    assert err.index == 2
    assert [d.name for d in parse("CREATE TABLE audit (a)", "audit_*")] == ["audit"]


@pytest.mark.parametrize(
    ("text", "name", "first", "second"),
    [
        ("CREATE TABLE t (a); CREATE INDEX T ON t (a)", "T", 1, 2),
        ("CREATE TABLE t (a); CREATE VIEW T AS SELECT 1", "T", 1, 2),
        ('CREATE VIEW v AS SELECT 1; CREATE TABLE "V" (a)', "V", 1, 2),
        ("CREATE TABLE t (a); CREATE VIRTUAL TABLE t USING fts5(x)", "t", 1, 2),
        (
            "CREATE TABLE t (a); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;"
            " CREATE TRIGGER TR AFTER INSERT ON t BEGIN SELECT 2; END",
            "TR",
            2,
            3,
        ),
    ],
)
def test_duplicates(text: str, name: str, first: int, second: int) -> None:
    err = error(text)
    assert str(err).splitlines()[0] == (
        f"{name!r} is declared twice (statements {first} and {second})"
    )
    assert (err.index, err.name) == (second, name)


def test_trigger_may_share_a_name_with_a_table() -> None:
    ds = parse("CREATE TABLE t (a); CREATE TRIGGER t AFTER INSERT ON t BEGIN SELECT 1; END")
    assert [(d.kind, d.name) for d in ds] == [(TABLE, "t"), (TRIGGER, "t")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "CREATE TABLE t AS SELECT 1",
            "CREATE TABLE … AS SELECT is not supported: declare the columns",
        ),
        ("CREATE TABLE aux.t (a)", "objects must live in the main schema, not 'aux'"),
        ('CREATE INDEX "temp".i ON t (a)', "objects must live in the main schema, not 'temp'"),
        ("CREATE UNIQUE TABLE t (a)", "UNIQUE goes only with INDEX"),
        ("CREATE VIRTUAL INDEX i ON t (a)", "VIRTUAL goes only with TABLE"),
        ("CREATE SEQUENCE s", "expected TABLE, INDEX, VIEW, TRIGGER or VIRTUAL TABLE after CREATE"),
        ("CREATE", "expected TABLE, INDEX, VIEW, TRIGGER or VIRTUAL TABLE after CREATE"),
        ("CREATE TABLE (a)", "expected the table's name"),
    ],
)
def test_statement_errors(text: str, message: str) -> None:
    err = error(text)
    assert str(err).splitlines()[0] == message
    assert err.index == 1
    assert err.statement == text


def test_tokenizer_error_names_the_line() -> None:
    err = error("CREATE TABLE t (a);\n\nCREATE TABLE u (b DEFAULT 'x)")
    assert str(err) == "unterminated string literal at line 3\n  in statement: 'x)"
    assert (err.index, err.statement) == (None, "'x)")


def test_hint_on_a_constraint_line_is_accepted_and_needs_a_name() -> None:
    d = one("CREATE TABLE t (\n a,\n CONSTRAINT uq UNIQUE (a) -- @renamed from=uq_old\n)")
    assert (d.renamed_from, d.column_renames) == (None, {})
    err = error("CREATE TABLE t (\n a,\n b,\n PRIMARY KEY (a) -- @renamed from=zz\n)")
    assert "needs the constraint's name" in str(err)


@pytest.mark.parametrize("enabled", [True, False])
def test_parsing_leaves_the_garbage_collector_as_it_was(enabled: bool) -> None:
    # The collector is paused while tokens pile up, and restored even when parsing fails.
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        parse_definitions("CREATE TABLE gc_a (x);", ignore_filter())
        assert gc.isenabled() is enabled
        with pytest.raises(DefinitionError):
            parse_definitions("CREATE TABLE gc_b (x DEFAULT 'oops", ignore_filter())
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


# --------------------------------------------------------------------------- read partly

_SCRIPT = (
    "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT DEFAULT 'x;y');\n"
    "CREATE UNIQUE INDEX IF NOT EXISTS main . i ON t (a, b);\n"
    "-- commented\nCREATE VIEW v AS SELECT a FROM t;\n"
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;\n"
    "CREATE VIRTUAL TABLE f USING fts5 (body);\n"
    'CREATE TABLE "we ird" (x, y, z, p, q, r, s, u, w, k)\n'
)


def test_definitions_read_partly_equal_those_read_whole() -> None:
    # A statement without comments is tokenized only as far as its name until its tokens
    # are asked for; then they are those split_statements reads, at the same offsets.
    import copy
    import pickle

    from inline_sync.definitions import _classify
    from inline_sync.statements import split_statements

    whole = [_classify(s, i, None, True) for i, s in enumerate(split_statements(_SCRIPT), 1)]
    partly = parse(_SCRIPT)
    assert [d.head[d.name_token].text for d in partly] == ["t", "i", "v", "tr", "f", '"we ird"']
    assert [d.head[0].start for d in partly] == [d.tokens[0].start for d in whole]
    assert partly == whole  # reads the tokens of each (equality is over all the fields)
    assert [d.tokens for d in partly] == [d.tokens for d in whole]
    assert [repr(d) for d in partly] == [repr(d) for d in whole]
    fresh = parse_definitions(_SCRIPT + " ", ignore_filter(()))  # not the cached list
    assert pickle.loads(pickle.dumps(fresh)) == whole
    assert parse_definitions(_SCRIPT + "   ", ignore_filter(()), whole=True) == whole
    assert copy.deepcopy(parse_definitions(_SCRIPT + "  ", ignore_filter(()))) == whole
    with pytest.raises(AttributeError):
        fresh[0].nothing  # noqa: B018 (only the tokens are read late)


_WORDS = [
    "CREATE", "create", "UNIQUE", "TABLE", "Table", "INDEX", "VIEW", "TRIGGER", "VIRTUAL",
    "TEMP", "IF", "NOT", "EXISTS", "main", ".", "t", '"q q"', "`b`", "[c]", "'s'", "AS", "as",
    "asx", "AS$", "(", ")", "a", "ON", "SELECT", "1", ",", "IF(", "t(", "USING", '"a""b"(',
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=9),
    st.sampled_from([" ", "\n", "  "]),
    st.sampled_from(["", ";", " (a);", "(a)"]),
)
def test_property_statements_read_partly_classify_as_read_whole(
    words: list[str], sep: str, tail: str
) -> None:
    # Plain headers (CREATE [UNIQUE] TABLE|INDEX|VIEW name) are classified from the header
    # alone, the rest from their first tokens: the same definitions or the same error as
    # from all the tokens.
    from inline_sync.definitions import _classify
    from inline_sync.statements import split_statements

    text = sep.join(["CREATE", *words]) + tail

    def outcome(parse: Callable[[], object]) -> object:
        try:
            return parse()
        except DefinitionError as exc:
            return str(exc)

    whole = outcome(
        lambda: [_classify(s, i, None, True) for i, s in enumerate(split_statements(text), 1)]
    )
    assert outcome(lambda: parse(text)) == whole
