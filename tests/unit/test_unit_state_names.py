"""Unit tests of inline_sync.state (FNV-1a, definitions hash) and inline_sync.names (ignore
patterns and reserved names)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inline_sync.definitions import parse_definitions
from inline_sync.names import DEFAULT_IGNORE, NameFilter, ignore_filter, is_reserved
from inline_sync.rounds import Stored
from inline_sync.state import PLANNER_VERSION, definitions_hash, fnv1a_64

# --------------------------------------------------------------------------- fnv1a_64


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", 0xCBF29CE484222325),
        (b"a", 0xAF63DC4C8601EC8C),
        (b"b", 0xAF63DF4C8601F1A5),
        (b"foobar", 0x85944171F73967E8),
        (b"\x00", 0xAF63BD4C8601B7DF),
    ],
)
def test_fnv1a_64_known_vectors(data: bytes, expected: int) -> None:
    assert fnv1a_64(data) == expected


def test_fnv1a_64_stays_in_64_bits() -> None:
    assert 0 <= fnv1a_64(bytes(range(256)) * 4) < 2**64


# --------------------------------------------------------------------------- definitions_hash


def digest(text: str, ignore: tuple[str, ...] = ()) -> str:
    skip = ignore_filter(ignore)
    return definitions_hash((text,), parse_definitions(text, skip), skip)


BASE = "CREATE TABLE t (a INTEGER, b TEXT DEFAULT 'x');"


def test_hash_format_and_stability() -> None:
    h = digest(BASE)
    assert len(h) == 16
    assert int(h, 16) >= 0
    assert digest(BASE) == h
    assert PLANNER_VERSION == "6"


@pytest.mark.parametrize(
    "variant",
    [
        "  CREATE TABLE \"t\" (\n  a INTEGER, -- comment\n  b TEXT DEFAULT 'x' /* c */ );",
        "CREATE TABLE [t] (`a` INTEGER, b TEXT DEFAULT 'x');;",
    ],
)
def test_hash_ignores_cosmetics(variant: str) -> None:
    assert digest(variant) == digest(BASE)


@pytest.mark.parametrize(
    "variant",
    [
        "CREATE TABLE t (a INTEGER, b TEXT DEFAULT 'X');",
        "CREATE TABLE t (a INTEGER, b TEXT DEFAULT 'x ');",
        "CREATE TABLE t (b TEXT DEFAULT 'x', a INTEGER);",
        "CREATE TABLE t (a INTEGER NOT NULL, b TEXT DEFAULT 'x');",
        "CREATE TABLE t (a INTEGER, b TEXT DEFAULT 'x'); CREATE INDEX i ON t (a);",
        "CREATE TABLE t (A INTEGER, b TEXT DEFAULT 'x');",  # a column's case is its name's
    ],
)
def test_hash_sees_real_changes(variant: str) -> None:
    assert digest(variant) != digest(BASE)


def test_hash_depends_on_ignore_patterns() -> None:
    assert digest(BASE, ("audit_*",)) != digest(BASE)
    assert digest(BASE, ("audit_*",)) == digest(BASE, ("AUDIT_*",))


def test_hash_is_the_fnv_of_the_documented_parts() -> None:
    skip = ignore_filter()
    text = "CREATE TABLE t (a)"
    parts = [f"inline_sync planner {PLANNER_VERSION}"]
    parts += sorted(skip.exact) + sorted(skip.globs)
    parts.append("CREATE TABLE t ( a )")
    expected = f"{fnv1a_64(chr(0).join(parts).encode('utf-8')):016x}"
    assert definitions_hash((text,), parse_definitions(text, skip), skip) == expected


def test_matches() -> None:
    """The stored row (token hash, whether the fingerprint still matches) as the engine reads
    it: a match needs both."""
    assert Stored([("h", 1)]).matches("h") is True
    assert Stored([("h", 0)]).matches("h") is False  # the schema changed since
    assert Stored([("h", 1)]).matches("g") is False
    assert Stored(None).matches("h") is False
    assert Stored(None).matches("") is False


# --------------------------------------------------------------------------- names


def test_name_filter_exact_and_globs() -> None:
    f = NameFilter(["Audit", "tmp_*", "x?y", "[ab]c"])
    assert f.exact == {"audit"}
    assert f.globs == ["tmp_*", "x?y", "[ab]c"]
    hits = ["audit", "AUDIT", "tmp_", "TMP_1", "xzy", "ac", "BC"]
    misses = ["audit2", "tmp", "xy", "xzzy", "cc", "my_tmp_1"]
    assert [f(n) for n in hits] == [True] * len(hits)
    assert [f(n) for n in misses] == [False] * len(misses)


def test_name_filter_folds_ascii_only() -> None:
    f = NameFilter(["école_*"])
    assert f("école_x") is True
    assert f("ÉCOLE_x") is False
    assert f("école_X") is True


def test_name_filter_equality_and_hash() -> None:
    assert NameFilter(["A", "b*"]) == NameFilter(["b*", "a"])
    assert hash(NameFilter(["A", "b*"])) == hash(NameFilter(["b*", "a"]))
    assert NameFilter(["a"]) != NameFilter(["a*"])
    assert NameFilter(["a"]) != "a"


@pytest.mark.parametrize(
    "name",
    [
        "knex_migrations_lock",
        "knex_migrations",
        "_yoyo_x",
        "_yoyo_migration",
        "sqlite_stat1",
        "SQLITE_SEQUENCE",
        "_cf_KV",
        "_CF_METADATA",
        "__miniflare_do_name",
        "__sync_old_t",
        "_inline_sync_state",
        "d1_migrations",
        "alembic_version",
        "django_migrations",
        "schema_migrations",
        "__drizzle_migrations",
        "_prisma_migrations",
        "goose_db_version",
        "kysely_migration_lock",
        "yoyo_lock",
        "flyway_schema_history",
        "seaql_migrations",
    ],
)
def test_default_ignore_entries(name: str) -> None:
    assert ignore_filter()(name) is True


@pytest.mark.parametrize(
    "name", ["users", "migrations", "yoyo", "knex", "cf_kv", "_sync_x", "sqlitex", "d1_migrations2"]
)
def test_default_ignore_leaves_user_tables(name: str) -> None:
    assert ignore_filter()(name) is False


def test_ignore_filter_extra_patterns() -> None:
    assert ignore_filter("audit_*")("Audit_log") is True
    assert ignore_filter(["a", "b"])("B") is True
    assert ignore_filter(["a"])("c") is False
    assert len(ignore_filter().exact) + len(ignore_filter().globs) == len(DEFAULT_IGNORE)


@pytest.mark.parametrize(
    ("name", "reserved"),
    [
        ("sqlite_stat1", True),
        ("SQLite_X", True),
        ("_cf_KV", True),
        ("__sync_t", True),
        ("__SYNC_t", True),
        ("_inline_sync_state", True),
        ("_inline_syncx", True),
        ("knex_migrations", False),
        ("_yoyo_x", False),
        ("users", False),
        ("_sync_t", False),
    ],
)
def test_reserved_names(name: str, reserved: bool) -> None:
    assert is_reserved(name) is reserved


# --------------------------------------------------------------------------- exact-text hash


def test_text_hash_sees_every_character_and_the_options() -> None:
    from inline_sync.state import text_hash

    skip = ignore_filter()
    base = text_hash((BASE,), skip)
    assert len(base) == 16
    assert text_hash((BASE + " ",), skip) != base
    assert text_hash((BASE,), ignore_filter(("audit_*",))) != base
    assert text_hash(("CREATE TABLE t (a", "); "), skip) != text_hash(
        ("CREATE TABLE t (a); ",), skip
    )
    parts = [f"inline_sync planner {PLANNER_VERSION}", *sorted(skip.exact), *sorted(skip.globs)]
    expected = fnv1a_64(chr(0).join([*parts, "text", BASE]).encode("utf-8"))
    assert base == f"{expected:016x}"


def test_state_row_holds_both_hashes() -> None:
    from inline_sync.state import stored_hashes, stored_text_hash, stored_value

    both = Stored([(stored_value("aaaa", "bbbb"), 1)])
    assert (both.token_hash, both.text_hash) == ("aaaa", "bbbb")
    assert both.matches("aaaa") and both.matches_text("bbbb")
    assert not Stored([("aaaa bbbb", 0)]).matches_text("bbbb")
    old = Stored([(stored_value("aaaa", ""), 1)])  # written by planner version 1: no text hash
    assert old.matches("aaaa") and not old.matches_text("")
    # The start-up path's own copy of the split reads the same as the one helper.
    for value in ("aaaa bbbb", "aaaa", "", None):
        assert stored_text_hash(value) == stored_hashes(value)[1]
    assert stored_hashes(stored_value("aaaa", "bbbb")) == ("aaaa", "bbbb")
    assert stored_hashes(stored_value("aaaa", "")) == ("aaaa", "")


def test_the_cookie_as_recorded_is_what_sqlite_computes() -> None:
    """``cookie(n)`` (fleet, which reads ``PRAGMA schema_version``) is exactly what the
    :data:`COOKIE` expression gives inside SQL (sync()), so either reader matches a state row
    the other wrote."""
    import sqlite3

    from inline_sync.state import COOKIE, cookie

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a)")
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    assert conn.execute(f"SELECT {COOKIE}").fetchone()[0] == cookie(version) == f"v{version}"


def test_ignore_filter_is_reused_for_the_same_patterns() -> None:
    assert ignore_filter(("a_*",)) is ignore_filter(["a_*"])
    assert ignore_filter("a_*") is ignore_filter(("a_*",))
    assert ignore_filter() is ignore_filter(())
    assert ignore_filter(("b_*",)) is not ignore_filter(("a_*",))


@given(
    st.lists(st.sampled_from("ab*"), max_size=6).map("".join),
    st.text(alphabet="ab", max_size=6),
)
def test_star_globs_match_like_fnmatch(pattern: str, name: str) -> None:
    from fnmatch import fnmatchcase

    pattern = pattern or "*"
    assert NameFilter([pattern])(name) is (
        fnmatchcase(name, pattern) if any(c in pattern for c in "*?[") else name == pattern
    )
