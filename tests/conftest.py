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
from mutation_support import forget_caches, killers_first


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("MUTANT_UNDER_TEST", "").startswith("inline_sync."):
        forget_caches()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if mutant.startswith("inline_sync."):
        killers_first(items, mutant)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # mutmut's stats run records which tests call each function: with a cache answering, a
    # test that parses what an earlier one parsed would not be recorded as calling the parser.
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        forget_caches()


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
