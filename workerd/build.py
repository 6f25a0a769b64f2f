#!/usr/bin/env python3
"""Build the harness worker from the working tree.

    python workerd/build.py [--out DIR] [--app PATH] [--module NAME] [--schema PATH]
                            [--extra FILE ...]

Writes ``workerd/src/gen/`` (git-ignored) under the output directory:

* the Pyodide runtime files, copied from ``node_modules/pyodide`` (pinned in package-lock.json);
* ``app.zip``: the ``inline_sync/`` package of the working tree plus the Python app, unpacked
  into site-packages by the worker;
* ``schema.sql``: the schema text given with ``--schema`` (empty if none), written by the worker
  to ``/harness/schema.sql`` (env ``HARNESS_SCHEMA_PATH``);
* ``config.mjs``: the app module name and time limits.

With ``--out DIR`` other than the repository, the worker sources and ``wrangler.toml`` are copied
there too, so each test gets its own self-contained build (run wrangler with
``--config DIR/wrangler.toml``). Without it, the build goes into the working tree and
``npx wrangler dev`` works from the repository root.

``--app`` is a ``.py`` file (module = its stem), a package directory with ``__init__.py``
(module = its name), or a plain directory whose contents go to the top of site-packages (then
``--module`` names the module to import). Each ``--extra FILE`` (a module or package directory)
goes to the top of site-packages too, byte for byte: ``workerd/example_app.py`` runs with
``worker_examples/durable_object/src/notes_app.py`` and ``workerd/harness_app.py`` that way.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SRC = HERE / "src"
PYODIDE_FILES = (
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "pyodide.mjs",
    "pyodide-lock.json",
    "python_stdlib.zip",
)
DEFAULT_APP = HERE / "harness_app.py"
LIBRARY = REPO / "inline_sync"
BOOT_TIMEOUT_MS = 20_000  # blockConcurrencyWhile gives up after 30 s in all
ON_START_TIMEOUT_MS = 8_000


class BuildError(RuntimeError):
    pass


def _skip(path: Path) -> bool:
    return (
        "__pycache__" in path.parts or path.suffix in {".pyc", ".pyo"} or path.name.startswith(".")
    )


def _add_tree(zf: zipfile.ZipFile, root: Path, prefix: str) -> int:
    count = 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not _skip(rel):
            zf.write(path, f"{prefix}{rel.as_posix()}")
            count += 1
    return count


def _copy(src: Path, dst: Path) -> None:
    # A copy, never a hard link: wrangler watches every file of the worker, and Linux reports a
    # change of a file's link count (another test linking or deleting the same inode, pytest
    # removing an old temporary folder) as a change of the file, so a running `wrangler dev`
    # reloaded the worker in the middle of a test ("Your worker restarted mid-request").
    dst.unlink(missing_ok=True)
    shutil.copyfile(src, dst)


def build_app_zip(
    zip_path: Path, app: Path, module: str | None, extra: list[Path] | None = None
) -> tuple[str, list[str]]:
    """Write app.zip; return (module to import, top-level names in the zip)."""
    app = app.resolve()
    if not app.exists():
        raise BuildError(f"app not found: {app}")
    tops: list[str] = []
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        if LIBRARY.is_dir():
            _add_tree(zf, LIBRARY, "inline_sync/")
            tops.append("inline_sync")
        for path in extra or ():
            path = path.resolve()
            if path.is_file():
                zf.write(path, path.name)
                tops.append(path.name)
            elif path.is_dir():
                _add_tree(zf, path, f"{path.name}/")
                tops.append(path.name + "/")
            else:
                raise BuildError(f"extra module not found: {path}")
        if app.is_file():
            zf.write(app, app.name)
            tops.append(app.name)
            module = module or app.stem
        elif (app / "__init__.py").is_file():
            _add_tree(zf, app, f"{app.name}/")
            tops.append(app.name + "/")
            module = module or app.name
        else:
            _add_tree(zf, app, "")
            tops.extend(sorted(p.name for p in app.iterdir() if not _skip(Path(p.name))))
            if not module:
                raise BuildError(
                    f"{app} is a plain directory: say which module to import (--module)"
                )
    return module, tops


def ensure_recorded_wasm(wasm_dir: Path, pyodide_version: str) -> None:
    manifest = wasm_dir / "manifest.json"
    recorded = json.loads(manifest.read_text())["pyodide"] if manifest.is_file() else None
    if recorded == pyodide_version:
        return
    print(
        f"build.py: recorded wasm is for pyodide {recorded}, node_modules has {pyodide_version}: "
        f"recording again into {wasm_dir}\n"
        "  (run `node workerd/record_wasm.mjs` and commit workerd/src/wasm/)",
        file=sys.stderr,
    )
    subprocess.run(["node", str(HERE / "record_wasm.mjs"), str(wasm_dir)], check=True, cwd=REPO)


def build(
    out: Path = REPO,
    app: Path = DEFAULT_APP,
    module: str | None = None,
    schema: Path | None = None,
    boot_timeout_ms: int = BOOT_TIMEOUT_MS,
    on_start_timeout_ms: int = ON_START_TIMEOUT_MS,
    extra: list[Path] | None = None,
) -> dict[str, object]:
    out = out.resolve()
    pyodide_dir = REPO / "node_modules" / "pyodide"
    if not (pyodide_dir / "package.json").is_file():
        raise BuildError(f"{pyodide_dir} is missing: run `npm ci` in {REPO}")
    pyodide_version = json.loads((pyodide_dir / "package.json").read_text())["version"]

    src = out / "workerd" / "src"
    if out != REPO:
        # A self-contained copy: worker sources, recorded wasm and the wrangler config.
        if src.exists():
            shutil.rmtree(src)
        shutil.copytree(SRC, src, ignore=shutil.ignore_patterns("gen", "__pycache__"))
        shutil.copy2(REPO / "wrangler.toml", out / "wrangler.toml")
    ensure_recorded_wasm(src / "wasm", pyodide_version)

    gen = src / "gen"
    gen.mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_FILES:
        _copy(pyodide_dir / name, gen / name)

    module, tops = build_app_zip(gen / "app.zip", app, module, extra)
    schema_text = schema.read_text() if schema else ""
    (gen / "schema.sql").write_text(schema_text)
    config = {
        "appModule": module,
        "bootTimeoutMs": boot_timeout_ms,
        "onStartTimeoutMs": on_start_timeout_ms,
        "build": {
            "app": str(app),
            "schema": str(schema) if schema else None,
            "zip": tops,
            "pyodide": pyodide_version,
        },
    }
    (gen / "config.mjs").write_text(
        "// Generated by workerd/build.py. Do not edit.\nexport default "
        + json.dumps(config, indent=2)
        + ";\n"
    )
    return {"out": str(out), "config": str(out / "wrangler.toml"), **config}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--out", type=Path, default=REPO, help="output directory (default: the repository)"
    )
    ap.add_argument(
        "--app", type=Path, default=DEFAULT_APP, help="Python app: .py file or directory"
    )
    ap.add_argument("--module", help="module to import (default: derived from --app)")
    ap.add_argument("--schema", type=Path, help="schema text for /harness/schema.sql")
    ap.add_argument(
        "--extra",
        type=Path,
        action="append",
        default=[],
        help="another module file or package directory for the top of site-packages",
    )
    ap.add_argument("--boot-timeout-ms", type=int, default=BOOT_TIMEOUT_MS)
    ap.add_argument("--on-start-timeout-ms", type=int, default=ON_START_TIMEOUT_MS)
    args = ap.parse_args(argv)
    try:
        info = build(
            args.out,
            args.app,
            args.module,
            args.schema,
            args.boot_timeout_ms,
            args.on_start_timeout_ms,
            args.extra,
        )
    except (BuildError, subprocess.CalledProcessError) as e:
        print(f"build.py: {e}", file=sys.stderr)
        return 1
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
