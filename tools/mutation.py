"""Mutation testing of the planning stages, by hand (not part of CI): docs/mutation-testing.md.

    pip install -e '.[mutation]'
    python tools/mutation.py                 # every planning module
    python tools/mutation.py diff state      # some of them
    python tools/mutation.py --report        # only summarise the last run's results
    python tools/mutation.py --retest diff   # after adding tests: the survivors again
    python tools/mutation.py --killers diff  # which test files killed the mutants
    python tools/mutation.py --slow diff     # the survivors against the slowest tests too
    python tools/mutation.py --whole diff    # the survivors against every test mutmut runs
    python tools/mutation.py --save          # keep the results in tools/mutation_results.json
    python tools/mutation.py --fresh-map     # collect the map of tests per function again first

Runs mutmut (configured in pyproject.toml, ``[tool.mutmut]``) at the lowest CPU priority with
one worker (``--jobs N`` for more), then prints per module: mutants, killed, survivors, those
judged equivalent (tools/mutation_equivalents.txt) and the score, killed / (mutants -
equivalent). Each survivor not judged equivalent is listed with its diff (``mutmut show NAME``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = (
    "diff", "capabilities", "planner", "rebuild", "scratch", "state", "ddl", "definitions",
    "apply", "introspect", "rounds", "scratch_round", "apply_round", "verify", "names",
    "drop_order", "virtual_tables", "statement_names", "view_columns",
    "set_aside",
)  # fmt: skip
EQUIVALENTS = ROOT / "tools" / "mutation_equivalents.txt"
# Left out of mutmut's selection (pyproject.toml) for their cost, 75 of the 103 s a survivor
# costs; ``--slow`` runs them on the survivors only, and a mutant they kill counts as killed.
SLOW_TESTS = ("tests/test_fault_sweeps.py", "tests/test_rebuild_data.py")
SLOW_KILLED = ROOT / "mutants" / "slow-killed.txt"
# The results kept in the repository (``--save``): mutmut's own (``mutants/``) are lost with
# the checkout. A run in a checkout without them starts from these, for every function whose
# source mutmut hashes the same, so only the mutants of changed functions are tested again.
RESULTS = ROOT / "tools" / "mutation_results.json"
# What counts as killed. A timeout is a mutant whose tests took over twice the CPU time of
# the unmutated run (mutmut limits CPU seconds, not wall time, so load does not cause one):
# in practice a loop that no longer ends, which the tests did notice.
# A segfault is a test process that crashed under the mutant (memory grown without end by a
# loop that no longer stops): noticed too.
_DETECTED = ("killed", "caught by type check", "timeout", "segfault")
_RESULT = re.compile(r"^\s+(?P<name>inline_sync\.(?P<module>\w+)\.\S+): (?P<status>.+)$")


def mutmut(*args: str, capture: bool = False) -> str:
    """Run the mutmut of this interpreter's environment in the repository root."""
    exe = Path(sys.executable).parent / "mutmut"
    proc = subprocess.run(
        [str(exe), *args], cwd=ROOT, check=True, text=True, capture_output=capture
    )
    return proc.stdout if capture else ""


def load_equivalents() -> list[tuple[str, str, str]]:
    """(function, text of a line the mutant changes, reason) per judged-equivalent mutant.

    One entry per line: ``module.function | mutated line (stripped) | why``. Keyed by text,
    not by mutant number, so the judgement survives edits elsewhere in the module."""
    entries = []
    for line in EQUIVALENTS.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            # The mutated line may hold " | " itself (a type union): the reason is after the
            # last separator, and holds none.
            function, rest = line.split(" | ", 1)
            text, reason = rest.rsplit(" | ", 1)
            entries.append((function.strip(), text.strip(), reason.strip()))
    return entries


def function_of(name: str) -> str:
    """``module.function`` (or ``module.Class.method``) of a mutant name."""
    module, _, rest = name.removeprefix("inline_sync.").partition(".")
    rest = re.sub(r"__mutmut_\d+$", "", rest).removeprefix("x_").removeprefix("xǁ")
    return module + "." + rest.replace("ǁ", ".")


def added_lines(diff: str) -> list[str]:
    return [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+") and ln[1:].strip()]


def equivalent_entry(name: str, equivalents: list[tuple[str, str, str]]) -> tuple[int | None, str]:
    """The index of the equivalents entry that judges mutant ``name`` (None if none does) and
    the mutant's diff."""
    diff = mutmut("show", name, capture=True)
    changed = added_lines(diff.split("\n", 1)[1] if "\n" in diff else diff)
    match = next(
        (
            i
            for i, (fn, text, _) in enumerate(equivalents)
            if fn == function_of(name) and any(text == c for c in changed)
        ),
        None,
    )
    return match, diff


def killers(modules: list[str]) -> None:
    """Per module, how many mutants each test file killed first (mutants/mutmut-killers.tsv,
    written by tests/conftest.py): which tests have killing power, and which never kill."""
    log = ROOT / "mutants" / "mutmut-killers.tsv"
    if not log.exists():
        print("no kills recorded yet")
        return
    latest: dict[str, str] = {}  # a mutant tested again: its last kill counts
    for line in log.read_text("utf-8").splitlines():
        mutant, test, _ = line.split("\t")
        latest[mutant] = test
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for mutant, test in latest.items():
        counts[mutant.split(".")[1]][test.split("::")[0]] += 1
    for module in modules:
        if counts.get(module):
            print(f"\n{module}: mutants killed first by each test file")
            for file, n in sorted(counts[module].items(), key=lambda kv: -kv[1]):
                print(f"{n:>7}  {file}")


def slow_killed() -> set[str]:
    """The survivors of mutmut's selection that ``--slow`` found killed by SLOW_TESTS."""
    return set(SLOW_KILLED.read_text("utf-8").split()) if SLOW_KILLED.exists() else set()


def whole_selection() -> list[str]:
    """The pytest arguments of every test mutmut runs (``[tool.mutmut]``'s selection)."""
    import tomllib  # (Python 3.11+, as mutmut 3 is)

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    return list(config["pytest_add_cli_args_test_selection"])


def slow(modules: list[str], tests: list[str] | tuple[str, ...] = SLOW_TESTS) -> None:
    """Run ``tests`` against each survivor not judged equivalent and not tried yet; note
    the mutants they kill in SLOW_KILLED. Each run is a process of its own, with the mutant
    named in ``MUTANT_UNDER_TEST`` and the mutated copy first on the path, as mutmut has it."""
    equivalents = load_equivalents()
    done = slow_killed()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "mutants"))
    for name, status in statuses(modules).items():
        if (
            status != "survived"
            or name in done
            or equivalent_entry(name, equivalents)[0] is not None
        ):
            continue
        env["MUTANT_UNDER_TEST"] = name
        args = ["-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", "not workerd"]
        proc = subprocess.run(
            [sys.executable, *args, *tests], cwd=ROOT / "mutants", env=env,
            capture_output=True, text=True,
        )  # fmt: skip
        which = "the whole selection" if tests != SLOW_TESTS else ", ".join(SLOW_TESTS)
        print(f"{name}: {'killed' if proc.returncode == 1 else 'survived'} by {which}")
        if proc.returncode == 1:
            with SLOW_KILLED.open("a", encoding="utf-8") as out:
                out.write(name + "\n")


def save_results(modules: list[str]) -> None:
    """Write RESULTS from mutmut's results in ``mutants/``: per module and function, the
    source hash mutmut keyed them by and the exit code of each mutant (None: not tested),
    a survivor ``--slow`` killed counting as killed. Modules with no results here keep
    their entry."""
    record = json.loads(RESULTS.read_text("utf-8")) if RESULTS.exists() else {}
    killed_slow = slow_killed()
    for module in modules:
        meta_path = ROOT / "mutants" / "inline_sync" / f"{module}.py.meta"
        if not meta_path.exists():
            continue
        meta = json.loads(meta_path.read_text("utf-8"))
        codes: dict[str, list[int | None]] = defaultdict(list)
        for key, code in meta["exit_code_by_key"].items():
            function, _, number = key.removeprefix(f"inline_sync.{module}.").rpartition("__mutmut_")
            column = codes[function]
            column.extend([None] * (int(number) - len(column)))
            column[int(number) - 1] = 1 if code == 0 and key in killed_slow else code
        record[module] = {
            function: {"hash": digest, "codes": codes.get(function, [])}
            for function, digest in sorted(meta["hash_by_function_name"].items())
        }
    # One function a line: a new measurement shows as a readable diff.
    lines = [
        f"  {json.dumps(module)}: {{\n"
        + ",\n".join(
            f"    {json.dumps(function)}: {json.dumps(entry, sort_keys=True)}"
            for function, entry in record[module].items()
        )
        + "\n  }"
        for module in sorted(record)
    ]
    RESULTS.write_text("{\n" + ",\n".join(lines) + "\n}\n", "utf-8")


def seed_results(modules: list[str]) -> list[str]:
    """Start a checkout without mutmut's results from RESULTS: for each module with no
    results in ``mutants/`` yet, write mutmut's record of it (``X.py.meta``) with the kept
    exit code of every mutant whose function mutmut hashes as it did when it was measured,
    and the mutated copy with its index of lines, as mutmut makes them: ``--retest`` shows
    the kept survivors (to match them against the equivalents) before mutmut has run. mutmut
    then tests only the mutants with no kept result. Returns the modules seeded."""
    if not RESULTS.exists():
        return []
    from mutmut.mutation.data import MutantLineSpans
    from mutmut.mutation.file_mutation import mutate_file_contents  # the hash mutmut keys by

    record = json.loads(RESULTS.read_text("utf-8"))
    seeded = []
    for module in modules:
        meta_path = ROOT / "mutants" / "inline_sync" / f"{module}.py.meta"
        if module not in record or meta_path.exists():
            continue
        source = ROOT / "inline_sync" / f"{module}.py"
        mutated = mutate_file_contents(str(source.relative_to(ROOT)), source.read_text("utf-8"))
        kept = record[module]
        exit_codes: dict[str, int | None] = {}
        for name in mutated.mutant_names:
            function, _, number = name.rpartition("__mutmut_")
            entry = kept.get(function)
            same = entry is not None and entry["hash"] == mutated.hash_by_function_name[function]
            codes = entry["codes"] if same else []
            exit_codes[f"inline_sync.{module}.{name}"] = (
                codes[int(number) - 1] if int(number) <= len(codes) else None
            )
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        # Newer than the source, so mutmut takes the copy as made and keeps this record.
        meta_path.with_suffix("").write_text(mutated.code, "utf-8")
        spans = {n: [s.start, s.end] for n, s in mutated.line_span_by_function_name.items()}
        meta_path.with_suffix(".spans").write_text(
            json.dumps({"version": MutantLineSpans.format_version, "spans": spans}), "utf-8"
        )
        meta_path.write_text(
            json.dumps(
                {
                    "exit_code_by_key": exit_codes,
                    "hash_by_function_name": dict(mutated.hash_by_function_name),
                    "type_check_error_by_key": {},
                    "durations_by_key": {},
                    "estimated_durations_by_key": {},
                }
            ),
            "utf-8",
        )
        seeded.append(module)
    return seeded


def report(modules: list[str]) -> int:
    """Print the per-module table and the survivors; 0 when every module reaches 95 %."""
    results: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name, status in statuses(modules).items():
        results[name.split(".")[1]].append((name, status))
    equivalents = load_equivalents()
    killed_slow = slow_killed()
    used: set[int] = set()
    rows = []
    open_survivors: list[tuple[str, str, str]] = []
    for module in modules:
        counts: dict[str, int] = defaultdict(int)
        equivalent = 0
        for name, status in results.get(module, []):
            status = "killed" if status == "survived" and name in killed_slow else status
            counts[status] += 1
            if status in _DETECTED or status == "not checked":
                continue
            match, diff = equivalent_entry(name, equivalents)
            if match is not None:
                equivalent += 1
                used.add(match)
            else:
                open_survivors.append((module, name, status + "\n" + diff))
        total = sum(counts.values())
        tested = total - counts["not checked"]
        killed = sum(counts[s] for s in _DETECTED)
        score = killed / (tested - equivalent) if tested > equivalent else 1.0
        rows.append((module, total, tested, killed, tested - killed, equivalent, score))
    print(
        f"\n{'module':<14}{'mutants':>8}{'tested':>8}{'killed':>8}{'alive':>7}{'equiv':>7}"
        f"{'score':>8}"
    )
    for module, total, tested, killed, alive, equivalent, score in rows:
        print(f"{module:<14}{total:>8}{tested:>8}{killed:>8}{alive:>7}{equivalent:>7}{score:>8.1%}")
    for module, name, text in open_survivors:
        print(f"\n== {module}: {name}: {text.rstrip()}")
    complete = {r[0] for r in rows if r[1] == r[2]}  # a module whose every mutant was tested
    stale = [
        e for i, e in enumerate(equivalents) if i not in used and e[0].split(".")[0] in complete
    ]
    for fn, text, _ in stale:
        print(f"\n(equivalence entry matched no survivor; delete it if it is stale: {fn} | {text})")
    untested = sum(r[1] - r[2] for r in rows)
    if untested:
        print(f"\n{untested} mutant(s) not tested yet: run again to go on where this run stopped")
    return 0 if not untested and all(r[6] >= 0.95 for r in rows) else 1


def statuses(modules: list[str]) -> dict[str, str]:
    """The last known status of every mutant of ``modules`` (empty before the first run)."""
    if not (ROOT / "mutants").is_dir():
        return {}
    found = {}
    for line in mutmut("results", "--all", "true", capture=True).splitlines():
        m = _RESULT.match(line)
        if m and m["module"] in modules:
            found[m["name"]] = m["status"]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", choices=[[], *MODULES], metavar="MODULE")
    parser.add_argument("--report", action="store_true", help="summarise the last run only")
    parser.add_argument(
        "--retest",
        action="store_true",
        help="test the survivors not judged equivalent again (after adding tests), and the "
        "mutants no test reached (after new tests, or a module new to the selection)",
    )
    parser.add_argument(
        "--killers", action="store_true", help="which test files killed the mutants, per module"
    )
    parser.add_argument(
        "--slow", action="store_true", help=f"the survivors against {', '.join(SLOW_TESTS)}"
    )
    parser.add_argument(
        "--whole",
        action="store_true",
        help="the survivors against every test mutmut runs (its map of which tests reach a "
        "function is stale after code moved: docs/mutation-testing.md)",
    )
    parser.add_argument(
        "--save", action="store_true", help=f"keep the results in {RESULTS.relative_to(ROOT)}"
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help=f"in a checkout without results, test every mutant (do not start from {RESULTS.name})",
    )
    parser.add_argument(
        "--fresh-map",
        action="store_true",
        help="collect mutmut's map of which tests call each function again first (it is stale "
        "after code moved: docs/mutation-testing.md)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="mutants tested at once (default 1; each is a process)"
    )
    args = parser.parse_args(argv)
    modules = list(args.modules or MODULES)
    if args.killers:
        killers(modules)
        return 0
    if args.save:
        save_results(modules)
        return report(modules)
    if args.slow or args.whole:
        os.nice(19)
        slow(modules, whole_selection() if args.whole else SLOW_TESTS)
    elif not args.report:
        os.nice(19)  # others' work first: the mutants run on idle CPU only
        # mutmut re-tests every mutant it is given by name: name only those still to decide.
        # A survivor judged equivalent would only survive again, at the cost of every test.
        # mutmut makes the mutants of changed code when it runs, after the names are chosen:
        # a second round takes the new ones (not checked yet) that the first did not name.
        # A module added to [tool.mutmut] after mutmut copied it unmutated stays so while its
        # source is unchanged (mutmut remakes a copy older than its source only): remove it.
        for module in modules:
            copy = ROOT / "mutants" / "inline_sync" / f"{module}.py"
            if copy.exists() and not copy.with_suffix(".py.meta").exists():
                copy.unlink()
        if args.fresh_map:
            (ROOT / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
        if not args.fresh and (seeded := seed_results(modules)):
            print(f"started from {RESULTS.relative_to(ROOT)}: {', '.join(seeded)}")
        equivalents = load_equivalents()
        tried: set[str] = set()
        for _ in range(2):
            known = statuses(modules)
            names = [
                n
                for n, status in known.items()
                if n not in tried
                and (
                    status == "not checked"
                    or (
                        args.retest
                        and status in ("survived", "suspicious", "no tests")
                        and (status != "survived" or equivalent_entry(n, equivalents)[0] is None)
                    )
                )
            ]
            # A module with no results yet: all of its mutants (mutmut makes them first).
            measured = {n.split(".")[1] for n in known}
            names += [f"inline_sync.{m}.*" for m in modules if m not in measured]
            if not names:
                break
            if SLOW_KILLED.exists():  # what is tested again starts afresh
                SLOW_KILLED.write_text("".join(n + "\n" for n in slow_killed() - set(names)))
            mutmut("run", "--max-children", str(args.jobs), *names)
            tried.update(names)
    return report(modules)


if __name__ == "__main__":
    sys.exit(main())
