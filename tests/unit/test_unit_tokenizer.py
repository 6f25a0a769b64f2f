"""Unit tests of inline_sync.tokenizer: tokens, folding, quoting, statement splitting,
normalization, splicing and tokenizer errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inline_sync.statements import split_lazily, split_statements
from inline_sync.tokenizer import (
    _TOKEN_RE,
    WORD,
    SQLTokenError,
    Token,
    fold,
    iter_names,
    normalize,
    quote,
    significant,
    splice,
    tokenize,
    unquote,
)


def kinds_and_texts(sql: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(sql)]


# --------------------------------------------------------------------------- tokenize


def test_tokenize_every_kind_without_white_space() -> None:
    sql = "SELECT a.\"b\"\"c\", [x y], `q```, 'it''s', X'aB', 0x1F, 1_000.5e-3, ?1 -- c\n/* d */ ;"
    assert kinds_and_texts(sql) == [
        ("word", "SELECT"),
        ("word", "a"),
        ("op", "."),
        ("qident", '"b""c"'),
        ("op", ","),
        ("qident", "[x y]"),
        ("op", ","),
        ("qident", "`q```"),
        ("op", ","),
        ("string", "'it''s'"),
        ("op", ","),
        ("blob", "X'aB'"),
        ("op", ","),
        ("number", "0x1F"),
        ("op", ","),
        ("number", "1_000.5e-3"),
        ("op", ","),
        ("variable", "?1"),
        ("comment", "-- c"),
        ("comment", "/* d */"),
        ("op", ";"),
    ]


def test_tokenize_offsets() -> None:
    tokens = tokenize("  a  'b'\n\t1")
    assert tokens == [Token("word", "a", 2), Token("string", "'b'", 5), Token("number", "1", 10)]
    assert [t.end for t in tokens] == [3, 8, 11]


def test_tokenize_empty_and_blank() -> None:
    assert tokenize("") == []
    assert tokenize(" \n\t ") == []


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("?", [("variable", "?")]),
        ("?12", [("variable", "?12")]),
        (":name", [("variable", ":name")]),
        ("@x1", [("variable", "@x1")]),
        ("$v", [("variable", "$v")]),
        (".5", [("number", ".5")]),
        ("1.", [("number", "1.")]),
        ("1e10", [("number", "1e10")]),
        ("1E+5", [("number", "1E+5")]),
        ("0XfF", [("number", "0XfF")]),
        ("x''", [("blob", "x''")]),
        ("''", [("string", "''")]),
        ('""', [("qident", '""')]),
        ("[]", [("qident", "[]")]),
        ("naïve_x$1", [("word", "naïve_x$1")]),
        ("_a", [("word", "_a")]),
        ("x 'ab'", [("word", "x"), ("string", "'ab'")]),
        ("/* unterminated", [("comment", "/* unterminated")]),
        ("-- to the end", [("comment", "-- to the end")]),
    ],
)
def test_tokenize_single_pieces(sql: str, expected: list[tuple[str, str]]) -> None:
    assert kinds_and_texts(sql) == expected


def test_tokenize_operators_longest_match() -> None:
    ops = "->> -> || << >> <= >= == != <> - + * / % & | ~ < > = ! ( ) , ; ."
    assert [t.text for t in tokenize(ops)] == ops.split()
    assert {t.kind for t in tokenize(ops)} == {"op"}
    assert [t.text for t in tokenize("a->>'$.x'<>b")] == ["a", "->>", "'$.x'", "<>", "b"]
    assert [t.text for t in tokenize("a<=>b")] == ["a", "<=", ">", "b"]


def test_token_value_folded_keyword() -> None:
    word, qident, bracket, backtick, string = tokenize("Abc \"Q\"\"x\" [B c] `D``e` 'S''tr'")
    assert (word.value, word.folded) == ("Abc", "abc")
    assert (qident.value, qident.folded) == ('Q"x', 'q"x')
    assert (bracket.value, bracket.folded) == ("B c", "b c")
    assert (backtick.value, backtick.folded) == ("D`e", "d`e")
    # A string's value is what SQLite reads it as where it expects a name (ON 'x').
    assert (string.value, string.folded) == ("S'tr", "s'tr")
    assert word.is_name and qident.is_name and not string.is_name


def test_a_string_names_an_object_only_where_sqlite_expects_a_name() -> None:
    tokens = tokenize("SELECT 'a' FROM 'b' JOIN 'c' ON 'd' = x WHERE y = 'e' -- 'f'")
    words = ["select", "from", "b", "join", "c", "on", "d", "x", "where", "y"]
    assert list(iter_names(tokens)) == words
    on, string = tokenize("ON 'x'")
    assert string.names_object(on) and not string.names_object(None)
    assert on.names_object(None)  # a word always may be one


def test_token_keyword_matches_bare_words_only() -> None:
    bare, quoted = tokenize('create "CREATE"')
    assert bare.keyword("CREATE")
    assert bare.keyword("TABLE", "CREATE")
    assert not bare.keyword("TABLE")
    assert not quoted.keyword("CREATE")


# --------------------------------------------------------------------------- fold, quote


def test_fold_is_ascii_only() -> None:
    assert fold("ABC_def") == "abc_def"
    assert fold("ÉCOLE") == "École"
    assert fold("Ärger") == "Ärger"
    assert fold("ΣΑΣ") == "ΣΑΣ"
    assert fold("straßE") == "straße"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('"a b"', "a b"),
        ('"say ""hi"""', 'say "hi"'),
        ("`a``b`", "a`b"),
        ("[a]]", "a]"),
        ("[ab]", "ab"),
        ("[x y]", "x y"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_unquote(text: str, name: str) -> None:
    assert unquote(text) == name


def test_quote_doubles_double_quotes() -> None:
    assert quote("a") == '"a"'
    assert quote('say "hi"') == '"say ""hi"""'
    assert quote("") == '""'
    assert quote("[x]`y`") == '"[x]`y`"'


@pytest.mark.parametrize("name", ["a", 'q"uo""te', "with space", "`tick`", "[br]", "ünï", ""])
def test_quote_unquote_round_trip(name: str) -> None:
    assert unquote(quote(name)) == name
    (tok,) = tokenize(quote(name))
    assert tok.kind == "qident"
    assert tok.value == name


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("sql", "message", "offset"),
    [
        ("'abc", "unterminated string literal", 0),
        ("SELECT 'abc", "unterminated string literal", 7),
        ('SELECT "abc', "unterminated quoted identifier", 7),
        ("SELECT [abc", "unterminated quoted identifier", 7),
        ("SELECT `abc", "unterminated quoted identifier", 7),
        ("a # b", "unrecognized character '#'", 2),
        ("SELECT ^", "unrecognized character '^'", 7),
        ("a\n\n  \\", "unrecognized character '\\\\'", 5),
    ],
)
def test_tokenize_errors(sql: str, message: str, offset: int) -> None:
    with pytest.raises(SQLTokenError) as info:
        tokenize(sql)
    assert str(info.value) == message
    assert info.value.offset == offset
    assert isinstance(info.value, ValueError)


def test_tokenize_reports_first_error() -> None:
    with pytest.raises(SQLTokenError) as info:
        tokenize("a ^ 'b")
    assert (str(info.value), info.value.offset) == ("unrecognized character '^'", 2)


@pytest.mark.parametrize(("sql", "offset"), [("SELECT 'it''s", 7), ('SELECT "a""b', 7)])
def test_unterminated_literal_with_doubled_quote_offset(sql: str, offset: int) -> None:
    with pytest.raises(SQLTokenError) as info:
        tokenize(sql)
    assert info.value.offset == offset


# --------------------------------------------------------------------------- split_statements


def texts(sql: str) -> list[str]:
    return [s.text for s in split_statements(sql)]


def test_split_basic_and_empty_statements_dropped() -> None:
    assert texts("CREATE TABLE a (x);;  ;\nCREATE TABLE b (y)") == [
        "CREATE TABLE a (x)",
        "CREATE TABLE b (y)",
    ]
    assert texts("") == []
    assert texts(";;") == []
    assert texts("-- only a comment\n; /* and another */ ;") == []


def test_split_semicolons_inside_literals_comments_and_names() -> None:
    sql = (
        "SELECT ';'; SELECT \"a;b\"; SELECT [c;d]; SELECT `e;f`; SELECT 1 -- x;y\n;"
        " SELECT /* ; */ 2"
    )
    assert texts(sql) == [
        "SELECT ';'",
        'SELECT "a;b"',
        "SELECT [c;d]",
        "SELECT `e;f`",
        "SELECT 1 -- x;y",
        "SELECT /* ; */ 2",
    ]


def test_split_trigger_body_with_inner_semicolons_and_case() -> None:
    trigger = (
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
        "  UPDATE t SET a = CASE WHEN new.a > 0 THEN 1 ELSE 2 END;\n"
        "  SELECT CASE 1 WHEN 1 THEN CASE 2 WHEN 2 THEN 'x' END END;\n"
        "  DELETE FROM t WHERE a = ';';\n"
        "END"
    )
    sql = f"CREATE TABLE t (a);\n{trigger};\nCREATE INDEX i ON t (a);"
    assert texts(sql) == ["CREATE TABLE t (a)", trigger, "CREATE INDEX i ON t (a)"]


def test_split_trigger_with_case_in_when_clause_and_temp_and_if_not_exists() -> None:
    t1 = (
        "create temp trigger if not exists x before delete on t "
        "when case when old.a then 1 end begin select 1; select 2; end"
    )
    t2 = "CREATE TRIGGER y INSTEAD OF INSERT ON v BEGIN INSERT INTO t VALUES (1); END"
    assert texts(f"{t1}; {t2}; SELECT 3") == [t1, t2, "SELECT 3"]


def test_split_non_trigger_case_end_does_not_swallow_semicolons() -> None:
    sql = "CREATE VIEW v AS SELECT CASE WHEN 1 THEN 2 END AS c; SELECT 1"
    assert texts(sql) == ["CREATE VIEW v AS SELECT CASE WHEN 1 THEN 2 END AS c", "SELECT 1"]


def test_split_words_named_begin_outside_triggers() -> None:
    sql = "CREATE TABLE begin (end); CREATE TABLE t (a)"
    assert texts(sql) == ["CREATE TABLE begin (end)", "CREATE TABLE t (a)"]


def test_split_keeps_leading_comments_and_line_numbers() -> None:
    sql = "-- lead\n/* c */ CREATE TABLE a (x);\n\n  CREATE TABLE b (y) -- trailing\n;\n\nSELECT 1"
    statements = split_statements(sql)
    assert [(s.text, s.line) for s in statements] == [
        ("-- lead\n/* c */ CREATE TABLE a (x)", 1),
        ("CREATE TABLE b (y) -- trailing", 4),
        ("SELECT 1", 7),
    ]
    first = statements[0]
    assert [t.kind for t in first.tokens[:2]] == ["comment", "comment"]
    assert [t.text for t in first.significant] == ["CREATE", "TABLE", "a", "(", "x", ")"]
    # Offsets stay those of the whole script.
    assert statements[1].tokens[0] == Token("word", "CREATE", sql.index("CREATE TABLE b"))


def test_split_statement_line_counts_newlines_inside_literals() -> None:
    sql = "SELECT 'a\nb';\nSELECT \"x\ny\";\n/* 1\n2 */ SELECT 3"
    assert [(s.text, s.line) for s in split_statements(sql)] == [
        ("SELECT 'a\nb'", 1),
        ('SELECT "x\ny"', 3),
        ("/* 1\n2 */ SELECT 3", 5),
    ]


def test_split_raises_token_errors() -> None:
    with pytest.raises(SQLTokenError) as info:
        split_statements("CREATE TABLE t (a);\nCREATE TABLE 'u (b)")
    assert info.value.offset == 33


# --------------------------------------------------------------------------- normalize


def norm(sql: str) -> str:
    return normalize(tokenize(sql))


def test_normalize_cosmetic_differences_vanish() -> None:
    a = "SELECT  \"A\" , [b], `C` FROM T -- x\n WHERE a == 'Abc' AND b <> X'ab' AND c = 0XFF"
    b = "select a,b,c from t /* y */ where a = 'Abc' and b != x'AB' and c=0xff"
    assert norm(a) == norm(b)
    assert norm(b) == "select a , b , c from t where a = 'Abc' and b != x'AB' and c = 0xff"


def test_normalize_keeps_string_literals_exact() -> None:
    assert norm("'Abc'") == "'Abc'"
    assert norm("'Abc'") != norm("'abc'")
    assert norm("'a  b'") == "'a  b'"
    assert norm("'it''s'") == "'it''s'"


def test_normalize_quoted_names_and_keywords_agree() -> None:
    assert norm('"SELECT"') == norm("select") == "select"
    assert norm('"a b"') == "a b"
    assert norm('"É"') == "É"
    assert norm('"É"') != norm('"é"')


def test_normalize_operators_and_numbers() -> None:
    assert norm("a==b") == "a = b"
    assert norm("a<>b") == "a != b"
    assert norm("a != b") == "a != b"
    assert norm("1E5 + 0XAB") == "1e5 + 0xab"
    assert norm("x'ab' X'CD'") == "x'AB' x'CD'"
    assert norm("?1 :Name") == "?1 :Name"


def test_normalize_only_comments() -> None:
    assert norm("-- a\n/* b */") == ""


def test_significant_and_iter_names() -> None:
    tokens = tokenize("SELECT \"A\" /* c */, [B], 'x', 3 -- d")
    assert [t.text for t in significant(tokens)] == [
        "SELECT",
        '"A"',
        ",",
        "[B]",
        ",",
        "'x'",
        ",",
        "3",
    ]
    assert list(iter_names(tokens)) == ["select", "a", "b"]


# --------------------------------------------------------------------------- splice


def test_splice_replaces_only_edited_tokens() -> None:
    sql = "SELECT a ,  b\nFROM t -- c"
    tokens = tokenize(sql)
    assert splice(sql, [(tokens[1], '"x"'), (tokens[5], "u")]) == 'SELECT "x" ,  b\nFROM u -- c'
    assert splice(sql, []) == sql
    assert splice(sql, [(tokens[0], "")]) == " a ,  b\nFROM t -- c"


def test_splice_with_base_offset() -> None:
    script = "xx; SELECT a FROM t"
    tokens = tokenize(script)
    part = script[4:]
    assert splice(part, [(tokens[3], "b"), (tokens[5], '"T"')], base=4) == 'SELECT b FROM "T"'


# --------------------------------------------------------------------------- properties

_OPS = "->> -> || << >> <= >= == != <> - + * / % & | ~ < > = ! ( ) , ; .".split()  # noqa: SIM905
_WS = st.sampled_from([" ", "  ", "\n", "\t", " \n ", "\r\n"])

_PIECES = st.one_of(
    st.from_regex(r"[A-Za-wyzé_][A-Za-z0-9_$é]{0,6}", fullmatch=True),
    st.from_regex(r'"([^"]|""){0,5}"', fullmatch=True),
    st.from_regex(r"`([^`]|``){0,5}`", fullmatch=True),
    st.from_regex(r"\[[^\]]{0,5}\]", fullmatch=True),
    st.from_regex(r"'([^']|''){0,6}'", fullmatch=True),
    st.from_regex(r"[xX]'([0-9a-fA-F]{2}){0,3}'", fullmatch=True),
    st.from_regex(
        r"(0x[0-9a-f]{1,4}|[0-9]{1,4}(\.[0-9]{0,2})?(e[+-]?[0-9]{1,2})?|\.[0-9]{1,3})",
        fullmatch=True,
    ),
    st.from_regex(r"(\?[0-9]{0,2}|[:@$][a-z0-9_]{1,4})", fullmatch=True),
    st.sampled_from(_OPS),
    st.from_regex(r"/\*[a-z ;'\"\n]{0,8}\*/", fullmatch=True),
    st.from_regex(r"--[a-z ;'\"]{0,8}", fullmatch=True).map(lambda s: s + "\n"),
)


@st.composite
def sqlish(draw: st.DrawFn) -> tuple[str, list[str]]:
    pieces = draw(st.lists(_PIECES, max_size=25))
    parts: list[str] = [draw(st.sampled_from(["", " ", "\n"]))]
    for piece in pieces:
        parts.append(piece)
        parts.append(draw(_WS))
    return "".join(parts), [p.rstrip("\n") if p.startswith("--") else p for p in pieces]


@settings(max_examples=300, deadline=None)
@given(sqlish())
def test_property_tokens_rebuild_the_source(case: tuple[str, list[str]]) -> None:
    sql, pieces = case
    tokens = tokenize(sql)
    assert [t.text for t in tokens] == pieces
    assert splice(sql, []) == sql
    assert splice(sql, [(t, t.text) for t in tokens]) == sql
    pos = 0
    for tok in tokens:
        assert sql[tok.start : tok.end] == tok.text
        assert sql[pos : tok.start].strip() == ""
        pos = tok.end
    assert sql[pos:].strip() == ""


@settings(max_examples=200, deadline=None)
@given(sqlish())
def test_property_split_statements_partitions_the_tokens(case: tuple[str, list[str]]) -> None:
    sql, _ = case
    tokens = tokenize(sql)
    statements = split_statements(sql)
    inside = [t for s in statements for t in s.tokens]
    # Every statement token comes from the script, in order; only ";" and empty
    # (comment-only) statements are left out.
    assert all(t in tokens for t in inside)
    assert [t.start for t in inside] == sorted(t.start for t in inside)
    for s in statements:
        assert s.text == sql[s.tokens[0].start : s.tokens[-1].end]
        assert s.line == sql.count("\n", 0, s.tokens[0].start) + 1
        assert any(t.kind != "comment" for t in s.tokens)


def _is_word_start(ch: str) -> bool:
    return not ch.isascii() or ch.isalpha() or ch == "_"


@pytest.mark.parametrize("block", [0, 1, 2, 0xD7, 0xFF, 0x1F6, 0x10FF])
def test_word_characters_are_ascii_letters_underscore_and_all_non_ascii(block: int) -> None:
    """The scanner's word classes are written as negated ASCII sets (cheap to compile); they
    must be exactly [A-Za-z_\\u0080-\\U0010FFFF] to start and add [0-9$] after."""
    for code in range(block * 256, block * 256 + 256):
        ch = chr(code)
        if ch.isspace() or ch.isdecimal():  # \s and \d (Unicode) come first in the scanner
            continue
        first = _TOKEN_RE.match(ch)
        after = _TOKEN_RE.match(f"x{ch}")
        continues = _is_word_start(ch) or (ch.isdigit() and ch.isascii()) or ch == "$"
        assert (after is not None and after.group() == f"x{ch}") is continues, hex(code)
        assert (first is not None and first.lastgroup == WORD) is _is_word_start(ch), hex(code)


def test_split_line_numbers_of_many_statements() -> None:
    script = "".join(f"CREATE TABLE t{i} (\n  a,\n  b\n);\n\n" for i in range(2000))
    statements = split_statements(script)
    assert [s.line for s in statements] == [1 + 5 * i for i in range(2000)]


# --------------------------------------------------------------------------- split_lazily


def same_split(sql: str) -> None:
    """split_lazily says what split_statements says: the same statements, texts and lines,
    all the tokens of those it flags whole and the first ten of the others, the same error at
    the same offset."""
    try:
        expected = split_statements(sql)
    except SQLTokenError as exc:
        with pytest.raises(SQLTokenError) as info:
            split_lazily(sql)
        assert (str(info.value), info.value.offset) == (str(exc), exc.offset)
        return
    got = split_lazily(sql)
    assert [(s.text, s.line) for s, _ in got] == [(s.text, s.line) for s in expected]
    for (lazy, whole), full in zip(got, expected, strict=True):
        if whole:
            assert lazy.tokens == full.tokens
        else:  # the header (CREATE [UNIQUE] kind name) or the first ten
            assert len(lazy.tokens) in (3, 4, 10)
            assert lazy.tokens == full.tokens[: len(lazy.tokens)]


def test_split_lazily_reads_few_tokens_of_plain_statements() -> None:
    # What makes it cheap (an error in the pattern would fall back to split_statements, which
    # gives the same answer, only slower): plain statements are read partly, not whole.
    sql = (
        'CREATE TABLE t (a, b);\ncreate unique index i on t (a);\nCREATE VIEW "v w"(x) AS '
        "SELECT a FROM t;\nCREATE INDEX IF NOT EXISTS j ON t (b, a);\n"
        "CREATE TABLE main.u (a, b, c);\n"
        "CREATE TABLE t2 AS SELECT 1, 2, 3;\nCREATE VIRTUAL TABLE f USING fts5 (b, c, d);\n"
        "-- a comment\nCREATE TABLE c (a);\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"
    )
    same_split(sql)
    got = split_lazily(sql)
    assert [len(s.tokens) if not whole else "whole" for s, whole in got] == [
        3, 4, 3, 10, 10, 10, 10, "whole", "whole"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE t (a, b);\n\nCREATE INDEX i ON t (a);",
        "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL DEFAULT 'x;y', c)",  # no ";"
        ";;  ; CREATE TABLE t (a);;",
        "CREATE TABLE t (a) -- trailing spaces in the comment   \n;",
        "CREATE TABLE t (a) /* unterminated comment   ",
        "CREATE TABLE \u00e9t\u00e9\u00a0(a);",  # a word may end in non-ASCII white space
        "CREATE TABLE t (a)\x1c;CREATE TABLE u (b)\x1c",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; "
        "DELETE FROM t; END; CREATE TABLE u (a)",
        "CREATE TEMP TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN SELECT 1; END",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT #; END;",  # error in body
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;",  # body never ends
        "CREATE TABLE t (a); CREATE TABLE 'u (b)",
        "CREATE TABLE t (a); CREATE TABLE u (b) #",
        "CREATE TABLE t (a \"b;c\" [d;e] `f;g`, x'00'); SELECT :a, @b, $c, ?1, ?;",
        "CREATE TABLE t (a);\n-- only a comment;\n/* and another */;",
        "CREATE UNIQUE INDEX IF NOT EXISTS main . i ON t (a, b, c, d, e, f, g);",
    ],
)
def test_split_lazily_agrees_with_split_statements(sql: str) -> None:
    same_split(sql)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    "CREATE", "TABLE", "TRIGGER", "TEMP", "BEGIN", "END", "CASE", "ON", "t", "AS", "é", "1",
    "'s;'", '"q;"', "[b;]", "x'ab'", "--c;\n", "/*c;*/", "/*", "--", "'", '"', "#", ";", ";",
    "(", ")", ",", "\n", " ", "\u00a0", "\x1c", ":b", "@", "?1", "->>", "0x1F", ".5",
]), max_size=30), st.sampled_from(["", " "]))  # fmt: skip
def test_property_split_lazily_agrees_with_split_statements(words: list[str], sep: str) -> None:
    same_split(sep.join(words))
