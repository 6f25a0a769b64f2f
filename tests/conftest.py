"""Hooks shared by every test module.

Under mutation testing (``tools/mutation.py``; mutmut names the mutant in
``MUTANT_UNDER_TEST`` in the process that tests it) the test that killed each mutant is
appended to ``mutants/mutmut-killers.tsv``: the measure of which tests have killing power,
by which the selection is ordered and trimmed (docs/mutation-testing.md)."""

from __future__ import annotations

import os

import pytest


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if report.failed and mutant.startswith("inline_sync."):
        # mutmut runs the tests with the working directory in mutants/
        with open("mutmut-killers.tsv", "a", encoding="utf-8") as out:
            out.write(f"{mutant}\t{report.nodeid}\t{report.when}\n")
