"""Tests written to kill surviving mutants of ``inline_sync/names.py`` (issue 14,
docs/mutation-testing.md). Each names, in its docstring, the mutations it catches."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inline_sync import names
from inline_sync.names import NameFilter


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("ab", "a*b*b"),  # the middle part may not reach into the last one
        ("aXa", "a*a*a"),  # nor be found before the first one ends
        ("xb", "*b*b*"),  # each middle part after the one before it
        ("xbb", "*b*b*"),
        ("legacy_x_old", "legacy_*_old"),
        ("legacy__old", "legacy_*_*old"),
        ("legacy_old", "legacy_*_*old"),
        ("a", "a*a"),  # first and last part overlap in the name: no match
        ("ab", "ab*b"),
    ],
)
def test_star_globs_match_as_fnmatch_does(name: str, pattern: str) -> None:
    """``*``-only globs take their own path: it agrees with fnmatch on each part's place
    (kills the last part's end moved, a middle part searched from the start, and the next
    search starting anywhere but after the part found)."""
    assert NameFilter([pattern])(name) is fnmatchcase(name, pattern)


@settings(max_examples=400, deadline=None)
@given(name=st.text("ab", max_size=6), pattern=st.text("ab*", min_size=1, max_size=6))
def test_star_globs_agree_with_fnmatch_everywhere(name: str, pattern: str) -> None:
    """The same over every small name and ``*`` glob (kills the overlap test answered the
    other way round, and any other disagreement with fnmatch)."""
    assert NameFilter([pattern])(name) is fnmatchcase(name, pattern)


def test_a_name_seen_before_is_answered_from_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The filter runs on every name at every start: a name seen before is not matched
    again (kills the memo not read, read under another key, or holding no answer)."""
    calls: list[str] = []
    real = names._star_match

    def counting(name: str, parts: list[str]) -> bool:
        calls.append(name)
        return real(name, parts)

    monkeypatch.setattr(names, "_star_match", counting)
    keep = NameFilter(["a*b*c"])
    assert [keep("aXbYc"), keep("aXbYc"), keep("nope"), keep("nope")] == [True, True, False, False]
    assert calls == ["axbyc", "nope"]


def test_the_memo_stops_growing_at_ten_thousand_names() -> None:
    """A process that meets endless new names keeps at most 10,000 answers (kills the bound
    moved by one)."""
    keep = NameFilter(["x*"])
    for i in range(10_005):
        keep(f"n{i}")
    assert len(keep._seen) == 10_000
    assert keep("n10004") is False  # (answered all the same)
