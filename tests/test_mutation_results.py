"""tools/mutation.py keeps mutmut's results in the repository (``--save``) and starts a fresh
checkout from them: a mutant keeps its result only while mutmut hashes its function as it did
when it was measured, so an edited function is tested again and nothing else is."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("mutmut")
from mutmut.mutation.file_mutation import mutate_file_contents

TOOL = Path(__file__).resolve().parent.parent / "tools" / "mutation.py"
if not TOOL.exists():  # under mutmut, whose copy of the tests has no tools/ beside it
    pytest.skip("tools/mutation.py is not beside the tests", allow_module_level=True)

SOURCE = """\
def double(x):
    return x * 2


def limit(x):
    return min(x, 10)
"""


def load_tool(root: Path) -> ModuleType:
    """tools/mutation.py with its paths moved under ``root``."""
    spec = importlib.util.spec_from_file_location("mutation_tool", TOOL)
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    sys.modules["mutation_tool"] = tool
    spec.loader.exec_module(tool)
    tool.ROOT = root
    tool.RESULTS = root / "tools" / "mutation_results.json"
    tool.SLOW_KILLED = root / "mutants" / "slow-killed.txt"
    return tool


def write_meta(root: Path, codes: dict[str, int | None]) -> None:
    """mutmut's record of module ``m`` as a run leaves it."""
    mutated = mutate_file_contents("inline_sync/m.py", (root / "inline_sync" / "m.py").read_text())
    meta = root / "mutants" / "inline_sync" / "m.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(
        json.dumps(
            {
                "exit_code_by_key": codes,
                "hash_by_function_name": dict(mutated.hash_by_function_name),
                "type_check_error_by_key": {},
                "durations_by_key": {},
                "estimated_durations_by_key": {},
            }
        )
    )


def seeded_codes(root: Path) -> dict[str, int | None]:
    meta = json.loads((root / "mutants" / "inline_sync" / "m.py.meta").read_text())
    return dict(meta["exit_code_by_key"])


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "inline_sync").mkdir()
    (tmp_path / "tools").mkdir()
    (tmp_path / "inline_sync" / "m.py").write_text(SOURCE)
    (tmp_path / "pyproject.toml").write_text('[tool.mutmut]\nsource_paths = ["inline_sync/"]\n')
    return tmp_path


def measured(root: Path) -> dict[str, int | None]:
    """A result for every mutant of ``m``: killed, but the first of each function survived
    and the last was not tested."""
    names = mutate_file_contents("inline_sync/m.py", SOURCE).mutant_names
    codes: dict[str, int | None] = {f"inline_sync.m.{n}": 1 for n in names}
    for function in ("x_double", "x_limit"):
        mine = [n for n in names if n.startswith(function + "__")]
        assert len(mine) >= 2
        codes[f"inline_sync.m.{mine[0]}"] = 0
        codes[f"inline_sync.m.{mine[-1]}"] = None
    return codes


def test_a_fresh_checkout_starts_from_the_saved_results(root: Path) -> None:
    tool = load_tool(root)
    codes = measured(root)
    write_meta(root, codes)
    tool.save_results(["m"])
    saved = json.loads(tool.RESULTS.read_text())
    assert set(saved["m"]) == {"x_double", "x_limit"}
    assert saved["m"]["x_double"]["codes"][0] == 0  # survived
    assert saved["m"]["x_double"]["codes"][-1] is None  # not tested

    (root / "mutants" / "inline_sync" / "m.py.meta").unlink()  # a new checkout
    assert tool.seed_results(["m"]) == ["m"]
    assert seeded_codes(root) == codes
    # Results already there are mutmut's own: never overwritten.
    assert tool.seed_results(["m"]) == []


def test_a_kept_survivor_can_be_shown_before_mutmut_has_run(root: Path) -> None:
    """``--retest`` matches kept survivors against the equivalents with ``mutmut show``
    before mutmut makes any mutant: the seeded checkout has the mutated copy already."""
    tool = load_tool(root)
    codes = measured(root)
    write_meta(root, codes)
    tool.save_results(["m"])
    (root / "mutants" / "inline_sync" / "m.py.meta").unlink()
    tool.seed_results(["m"])
    copy = root / "mutants" / "inline_sync" / "m.py"
    # Newer than its source: mutmut takes it as made and keeps the seeded record.
    assert copy.stat().st_mtime_ns > (root / "inline_sync" / "m.py").stat().st_mtime_ns
    survivor = next(k for k, v in codes.items() if v == 0 and ".x_limit__" in k)
    diff = tool.mutmut("show", survivor, capture=True)
    assert "-    return min(x, 10)" in diff and "+    return" in diff


def test_an_edited_function_is_tested_again_and_only_it(root: Path) -> None:
    tool = load_tool(root)
    codes = measured(root)
    write_meta(root, codes)
    tool.save_results(["m"])
    (root / "mutants" / "inline_sync" / "m.py.meta").unlink()
    (root / "inline_sync" / "m.py").write_text(SOURCE.replace("min(x, 10)", "min(x, 11)"))

    tool.seed_results(["m"])
    after = seeded_codes(root)
    assert {k: v for k, v in after.items() if ".x_double__" in k} == {
        k: v for k, v in codes.items() if ".x_double__" in k
    }
    limit = [v for k, v in after.items() if ".x_limit__" in k]
    assert limit and all(v is None for v in limit)


def test_a_survivor_the_slow_tests_killed_is_kept_as_killed(root: Path) -> None:
    tool = load_tool(root)
    codes = measured(root)
    write_meta(root, codes)
    survivor = next(k for k, v in codes.items() if v == 0)
    tool.SLOW_KILLED.write_text(survivor + "\n")
    tool.save_results(["m"])
    (root / "mutants" / "inline_sync" / "m.py.meta").unlink()

    tool.seed_results(["m"])
    assert seeded_codes(root)[survivor] == 1


def test_a_module_without_saved_results_is_left_to_mutmut(root: Path) -> None:
    tool = load_tool(root)
    assert tool.seed_results(["m"]) == []  # no record at all
    tool.RESULTS.write_text("{}")
    assert tool.seed_results(["m"]) == []
    assert not (root / "mutants" / "inline_sync" / "m.py.meta").exists()


def test_the_tool_measures_every_module_mutmut_mutates(tmp_path: Path) -> None:
    """The modules tools/mutation.py reports are the ones ``[tool.mutmut]`` mutates: a module
    added to one list only would be mutated and never reported, or reported as never run."""
    tomllib = pytest.importorskip("tomllib")  # (Python 3.11+)
    config = tomllib.loads((TOOL.parent.parent / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["mutmut"]["only_mutate"]
    mutated = {p.rsplit("/", 1)[1].removesuffix(".py") for p in patterns}
    assert mutated == set(load_tool(tmp_path).MODULES)
