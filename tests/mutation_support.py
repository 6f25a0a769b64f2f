"""What ``tests/conftest.py`` does under mutmut (docs/mutation-testing.md): empty the
package's caches before a mutant's tests, and run first the tests that killed other mutants of
the same function.

mutmut forks each mutant's test run from a process that ran the tests unmutated: what that
process cached (parsed statements, hashes, ignore filters, template databases) would answer in
place of the mutated code, and its mutants would survive untested.

A module of its own, not part of ``conftest.py``: pytest executes a conftest afresh in every
run, while this module, once imported by mutmut's own process, is inherited by each forked run
with what it read already there (the mutated sources are large: reading them again cost 0.4 s
a mutant).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import Any

_KILLERS = Path("mutmut-killers.tsv")  # mutmut runs the tests in mutants/
_REMEMBER = re.compile(r"\bremember\((_[A-Za-z0-9_]+),")
_REMEMBERED: dict[str, set[str]] = {}
# Function (the mutant's name without its number) -> test -> mutants of it that the
# test was the first to kill, in the runs before this one.
_KILLED_BY: dict[str, dict[str, int]] = {}


def forget_caches() -> None:
    """Empty every ``lru_cache`` of the package, every dictionary it fills through
    ``cache.remember`` (found in the source, so a new cache is not missed), and the few it
    fills by hand."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("inline_sync"):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):  # functools.lru_cache
                value.cache_clear()
        path = getattr(module, "__file__", None)
        if path and path.endswith(".py"):
            for cache in remembered(path):
                getattr(module, cache).clear()
    if "inline_sync.d1" in sys.modules:
        sys.modules["inline_sync.d1"]._ACCEPTED.clear()  # D1's accepted ALTER forms
    if "inline_sync.testing" in sys.modules:
        sys.modules["inline_sync.testing"].clear_cache()  # template databases


def remembered(path: str) -> set[str]:
    """The names of the dictionaries the source file at ``path`` fills through
    ``cache.remember``, read once per file."""
    if path not in _REMEMBERED:
        with open(path, encoding="utf-8") as source:
            _REMEMBERED[path] = set(_REMEMBER.findall(source.read()))
    return _REMEMBERED[path]


def killers_first(items: list[Any], mutant: str) -> None:
    """Reorder ``items`` (pytest's, fastest first as mutmut passes them) so that the tests
    that killed other mutants of ``mutant``'s function come first, the most killing first.
    A killed mutant then costs a test or two, not the hundreds of faster tests that pass
    before the one that fails (a function every sync goes through is called by thousands)."""
    killed_by = _KILLED_BY.get(mutant.rpartition("__mutmut_")[0])
    if killed_by:
        items.sort(key=lambda item: -killed_by.get(item.nodeid, 0))  # stable: fastest next


if "MUTANT_UNDER_TEST" in os.environ:  # under mutmut: read them all before it forks
    if _KILLERS.exists():
        for _line in _KILLERS.read_text("utf-8").splitlines():
            _killed, _, _rest = _line.partition("\t")
            _test = _rest.partition("\t")[0]
            _tests = _KILLED_BY.setdefault(_killed.rpartition("__mutmut_")[0], {})
            _tests[_test] = _tests.get(_test, 0) + 1
    _spec = importlib.util.find_spec("inline_sync")
    for _package in (_spec.submodule_search_locations or []) if _spec else []:
        for _source in Path(_package).rglob("*.py"):
            remembered(str(_source))
