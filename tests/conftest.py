"""Hooks and fixtures shared by every test module.

Under mutation testing (``tools/mutation.py``; mutmut names the mutant in
``MUTANT_UNDER_TEST`` in the process that tests it) the test that killed each mutant is
appended to ``mutants/mutmut-killers.tsv``: the measure of which tests have killing power,
by which the selection is ordered and trimmed (docs/mutation-testing.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("MUTANT_UNDER_TEST", "").startswith("inline_sync."):
        _forget_caches()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # mutmut passes a mutant's tests in no particular order and stops at the first failure:
    # fastest first (the durations of its stats run), so a killed mutant costs its unit tests.
    if os.environ.get("MUTANT_UNDER_TEST", "").startswith("inline_sync."):
        import json

        try:
            with open("mutmut-stats.json", encoding="utf-8") as stats:
                took = json.load(stats)["duration_by_test"]
        except (OSError, ValueError, KeyError):
            return
        items.sort(key=lambda item: took.get(item.nodeid, 0.0))


def pytest_runtest_setup(item: pytest.Item) -> None:
    # mutmut's stats run records which tests call each function: with a cache answering, a
    # test that parses what an earlier one parsed would not be recorded as calling the parser.
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        _forget_caches()


def _forget_caches() -> None:
    """mutmut forks each mutant's test run from a process that ran the tests unmutated: what
    that process cached (parsed statements, hashes, ignore filters, template databases) would
    answer in place of the mutated code, and its mutants would survive untested. Emptied: every
    ``lru_cache`` of the package, every dictionary it fills through ``cache.remember`` (found
    in the source, so a new cache is not missed), and the few it fills by hand."""
    import re
    import sys

    remembered = re.compile(r"\bremember\((_[A-Za-z0-9_]+),")
    for name, module in list(sys.modules.items()):
        if not name.startswith("inline_sync"):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):  # functools.lru_cache
                value.cache_clear()
        path = getattr(module, "__file__", None)
        if path and path.endswith(".py"):
            with open(path, encoding="utf-8") as source:
                for cache in set(remembered.findall(source.read())):
                    getattr(module, cache).clear()
    if "inline_sync.d1" in sys.modules:
        sys.modules["inline_sync.d1"]._ACCEPTED.clear()  # D1's accepted ALTER forms
    if "inline_sync.testing" in sys.modules:
        sys.modules["inline_sync.testing"].clear_cache()  # template databases


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if report.failed and mutant.startswith("inline_sync."):
        # mutmut runs the tests with the working directory in mutants/
        with open("mutmut-killers.tsv", "a", encoding="utf-8") as out:
            out.write(f"{mutant}\t{report.nodeid}\t{report.when}\n")


@pytest.fixture(scope="module")
def bridge() -> Iterator[Any]:
    """Real local D1 (miniflare's, behind tests/d1/bridge.mjs; a ``real_d1.D1Bridge``): one
    Node process per test module, started only when a test asks for it."""
    from real_d1 import D1Bridge

    b = D1Bridge()
    yield b
    b.close()
