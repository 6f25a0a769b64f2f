"""The caches a mutant's test run empties first (``tests/conftest.py``, under mutmut).

mutmut forks each mutant's test run from a process that ran the tests unmutated: what that
process cached (parsed statements, hashes, ignore filters, template databases) would answer in
place of the mutated code, and its mutants would survive untested.

A module of its own, not part of ``conftest.py``: pytest executes a conftest afresh in every
run, while this module, once imported by mutmut's own process, is inherited by each forked run
with the sources already read (the mutated copies are large: reading them again cost 0.4 s a
mutant).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

_REMEMBER = re.compile(r"\bremember\((_[A-Za-z0-9_]+),")
_REMEMBERED: dict[str, set[str]] = {}


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


if "MUTANT_UNDER_TEST" in os.environ:  # under mutmut: read them all before it forks
    _spec = importlib.util.find_spec("inline_sync")
    for _package in (_spec.submodule_search_locations or []) if _spec else []:
        for _source in Path(_package).rglob("*.py"):
            remembered(str(_source))
