#!/usr/bin/env python3
"""Build workerd's "dev" Pyodide bundle (``pyodide_dev.capnp.bin``) offline, without Bazel.

Why: a Python Worker (compatibility flag ``python_workers``) makes workerd download its Pyodide
bundle at start-up and check it against a sha256 compiled into the binary, so it cannot start
without internet access. The experimental flag ``python_workers_development`` selects the bundle
version "dev" instead, which workerd reads only from ``--pyodide-bundle-disk-cache-dir DIR``
(file ``DIR/pyodide_dev.capnp.bin``) and never downloads or checks. This script makes that file
from the same inputs workerd's own build uses (``src/pyodide/helpers.bzl``, ``_python_bundle``):

  1. ``pyodide.asm.mjs`` from npm ``pyodide``, patched with the text replacements listed in
     ``helpers.bzl`` (``_REPLACEMENTS[<version>]``; read from the file, not copied here).
  2. ``internal/pool/emscriptenSetup.ts`` bundled with esbuild into ``emscriptenSetup.js``,
     using workerd's ``internal/pool/esbuild.config.mjs`` (its resolver plugin maps
     ``pyodide-internal:...`` imports) and the same options as the Bazel ``esbuild`` rule.
  3. A ``workerd::jsg::Bundle`` capnp message (``src/workerd/jsg/modules.capnp``) holding three
     internal modules, named as workerd's ``internal/python.ts`` imports them:
     ``pyodideRuntime-internal:emscriptenSetup`` (JS), ``...:pyodide.asm.wasm`` (wasm) and
     ``...:python_stdlib.zip`` (data).

Requirements (tested versions):
  * Python 3 (3.11) with ``pycapnp`` from PyPI (2.2.4); it ships ``capnp/c++.capnp``, which
    ``modules.capnp`` imports.
  * Node.js >= 20 (20.20.2) on PATH, or ``--node``.
  * npm packages, installed with ``npm i pyodide@314.0.5 esbuild@0.28.1 workerd@1.20260822.1``:
    ``pyodide`` must be a version that the workerd sources' ``helpers.bzl`` knows (314.0.5 at
    workerd v1.20260822.1, which is what that tag's "dev" bundle is built from); ``esbuild``
    0.28.1 (another version may change the bytes of emscriptenSetup.js); ``workerd`` is not
    used here, but the bundle must be run by the workerd binary whose sources were given (the
    bundle's JS calls into that binary's built-in modules).
  * workerd's own sources at the tag of that binary: ``src/pyodide`` and
    ``src/workerd/jsg/modules.capnp`` (``shared/vendor/workerd-v1.20260822.1``, Apache-2.0).

Usage:
  python3 build_pyodide_dev_bundle.py --workerd-src shared/vendor/workerd-v1.20260822.1 \\
      --pyodide node_modules/pyodide --esbuild node_modules/esbuild \\
      --out pyodide-cache/pyodide_dev.capnp.bin

The build takes about a second and is reproducible: with the versions above the output is
13,683,720 bytes, sha256 883fb67741043c9ae8f2062bab448d5fbc6f978146f21463abbd8948fb9a8cab,
wherever it runs (esbuild works relative to the scratch folder, see bundle_emscripten_setup).

Then run ``workerd serve CONFIG --experimental --pyodide-bundle-disk-cache-dir pyodide-cache``
with compatibilityFlags ``["python_workers_development", "no_python_workers_20250116"]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The esbuild ``external`` list of the ``emscriptenSetup`` rule in helpers.bzl.
ESBUILD_EXTERNALS = [
    "child_process",
    "crypto",
    "fs",
    "path",
    "url",
    "vm",
    "ws",
    "node:child_process",
    "node:crypto",
    "node:fs",
    "node:path",
    "node:url",
    "node:vm",
    "node:stream",
    "node:tls",
    "node:net",
    "node:module",
    "internal:unsafe-eval",
]

# Module names in the bundle: ``wd_js_bundle(import_name = "pyodideRuntime", ...)``.
MODULE_PREFIX = "pyodideRuntime-internal:"


def log(msg: str) -> None:
    print(f"[build_pyodide_dev_bundle] {msg}", file=sys.stderr)


def load_replacements(helpers_bzl: Path, version: str) -> list[tuple[str, str]]:
    """Return ``_REPLACEMENTS[version]`` from helpers.bzl.

    The block from ``_PRELUDE = `` up to ``def _python_bundle(`` is plain Starlark data (strings,
    lists, a dict, ``+``), which is also valid Python, so it is executed as such.
    """
    text = helpers_bzl.read_text()
    start = text.index("_PRELUDE = ")
    end = text.index("def _python_bundle(")
    scope: dict = {}
    exec(compile(text[start:end], str(helpers_bzl), "exec"), {"__builtins__": {}}, scope)
    table = scope["_REPLACEMENTS"]
    if version not in table:
        raise SystemExit(
            f"pyodide {version} is not in helpers.bzl _REPLACEMENTS (known: {sorted(table)}); "
            "install the pyodide version these workerd sources were built for"
        )
    # Bazel's expand_template gets dict(...) of the pairs and applies them one after another,
    # each replacing every occurrence; str.replace in the same order does the same.
    return [(old, new) for old, new in dict(table[version]).items()]


def patch_pyodide_asm(src: Path, dst: Path, replacements: list[tuple[str, str]]) -> None:
    text = src.read_text()
    for old, new in replacements:
        n = text.count(old)
        log(f"  x{n:<3} {old[:60]!r}")
        text = text.replace(old, new)
    # The last replacement turns the file into the ES module emscriptenSetup.ts imports from; if
    # it did not match, esbuild would fail later with a less obvious error.
    if "export { _createPyodideModule }" not in text:
        raise SystemExit(f"{src}: the module-export patch did not apply; wrong pyodide version?")
    dst.write_text(text)


def bundle_emscripten_setup(
    workerd_pyodide: Path, work: Path, version: str, esbuild_dir: Path, node: str
) -> Path:
    """Run esbuild on internal/pool/emscriptenSetup.ts, as the Bazel rule does.

    Layout expected by esbuild.config.mjs (its plugin takes the root as three levels above the
    config file): ROOT/internal/... and ROOT/<version>/generated/{pyodide.asm.mjs,
    esbuild.config.mjs}, with ROOT = WORK/src/pyodide as in a workerd checkout. Only the rule's
    sources are copied (internal/pool/*.ts, internal/util.ts, internal/const.ts), so no
    tsconfig.json is picked up, as in Bazel. esbuild runs with its working directory at WORK, so
    the file-name comments it writes ("// src/pyodide/internal/util.ts") and hence the bundle's
    bytes do not depend on where WORK is.
    """
    root = work / "src" / "pyodide"
    generated = root / version / "generated"
    (root / "internal" / "pool").mkdir(parents=True, exist_ok=True)
    for ts in (workerd_pyodide / "internal" / "pool").glob("*.ts"):
        shutil.copy2(ts, root / "internal" / "pool" / ts.name)
    for name in ("util.ts", "const.ts"):
        shutil.copy2(workerd_pyodide / "internal" / name, root / "internal" / name)

    config = (workerd_pyodide / "internal" / "pool" / "esbuild.config.mjs").read_text()
    (generated / "esbuild.config.mjs").write_text(config.replace("%PYODIDE_VERSION%", version))

    out = generated / "emscriptenSetup.js"
    options = {
        "entryPoints": [str(root / "internal" / "pool" / "emscriptenSetup.ts")],
        "outfile": str(out),
        "bundle": True,
        "format": "esm",
        "target": "esnext",
        "platform": "browser",  # the Bazel rule's default
        "external": ESBUILD_EXTERNALS,
        "logLevel": "warning",
        "absWorkingDir": str(work),
    }
    driver = work / "run_esbuild.mjs"
    main = json.dumps(str(esbuild_dir / "lib" / "main.js"))
    config_file = json.dumps(str(generated / "esbuild.config.mjs"))
    driver.write_text(
        "import { pathToFileURL } from 'node:url';\n"
        f"const esbuild = await import(pathToFileURL({main}).href);\n"
        f"const cfg = (await import(pathToFileURL({config_file}).href)).default;\n"
        f"await esbuild.build({{ ...cfg, ...{json.dumps(options)} }});\n"
    )
    subprocess.run([node, str(driver)], check=True)
    return out


def write_bundle(modules_capnp: Path, out: Path, emscripten_setup: Path, pyodide: Path) -> None:
    import capnp  # pycapnp

    capnp.remove_import_hook()
    # modules.capnp imports "/capnp/c++.capnp", which pycapnp ships inside its package folder.
    include = str(Path(capnp.__file__).resolve().parent.parent)
    schema = capnp.load(str(modules_capnp), imports=[include])

    bundle = schema.Bundle.new_message()
    mods = bundle.init("modules", 3)
    mods[0].name = MODULE_PREFIX + "emscriptenSetup"
    mods[0].src = emscripten_setup.read_bytes()
    mods[0].type = "internal"
    mods[1].name = MODULE_PREFIX + "pyodide.asm.wasm"
    mods[1].wasm = (pyodide / "pyodide.asm.wasm").read_bytes()
    mods[1].type = "internal"
    mods[2].name = MODULE_PREFIX + "python_stdlib.zip"
    mods[2].data = (pyodide / "python_stdlib.zip").read_bytes()
    mods[2].type = "internal"

    out.parent.mkdir(parents=True, exist_ok=True)
    data = bundle.to_bytes()  # standard (unpacked) capnp framing, as `capnp eval -o binary`
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    log(f"wrote {out} ({len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}...)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--workerd-src",
        required=True,
        type=Path,
        help="workerd sources at the binary's tag (has src/pyodide, src/workerd/jsg)",
    )
    ap.add_argument("--pyodide", required=True, type=Path, help="node_modules/pyodide")
    ap.add_argument("--esbuild", required=True, type=Path, help="node_modules/esbuild")
    ap.add_argument(
        "--out",
        required=True,
        type=Path,
        help="output file; workerd wants it named pyodide_dev.capnp.bin",
    )
    ap.add_argument("--node", default="node", help="Node.js executable (default: node on PATH)")
    ap.add_argument("--work", type=Path, help="keep intermediate files here (default: a temp dir)")
    args = ap.parse_args()

    workerd_pyodide = args.workerd_src.resolve() / "src" / "pyodide"
    modules_capnp = args.workerd_src.resolve() / "src" / "workerd" / "jsg" / "modules.capnp"
    pyodide = args.pyodide.resolve()
    esbuild_dir = args.esbuild.resolve()
    for p in (
        workerd_pyodide / "helpers.bzl",
        modules_capnp,
        pyodide / "pyodide.asm.mjs",
        pyodide / "pyodide.asm.wasm",
        pyodide / "python_stdlib.zip",
        esbuild_dir / "lib" / "main.js",
    ):
        if not p.is_file():
            raise SystemExit(f"missing input: {p}")
    if args.out.name != "pyodide_dev.capnp.bin":
        log("note: workerd only looks for the file name pyodide_dev.capnp.bin")

    version = json.loads((pyodide / "package.json").read_text())["version"]
    log(f"pyodide {version}")
    replacements = load_replacements(workerd_pyodide / "helpers.bzl", version)

    with tempfile.TemporaryDirectory(prefix="pyodide-dev-bundle-") as tmp:
        work = (args.work or Path(tmp)).resolve()
        generated = work / "src" / "pyodide" / version / "generated"
        generated.mkdir(parents=True, exist_ok=True)
        log("patching pyodide.asm.mjs (helpers.bzl replacements):")
        patch_pyodide_asm(pyodide / "pyodide.asm.mjs", generated / "pyodide.asm.mjs", replacements)
        log("bundling emscriptenSetup.ts with esbuild")
        setup_js = bundle_emscripten_setup(workerd_pyodide, work, version, esbuild_dir, args.node)
        write_bundle(modules_capnp, args.out.resolve(), setup_js, pyodide)


if __name__ == "__main__":
    main()
