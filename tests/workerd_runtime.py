"""The workerd binaries the tests run, and the real Python Workers runtime's Pyodide bundle.

Three workerd binaries, all from npm (pinned by package-lock.json):

* ``"wrangler"``: the one wrangler 4.86.0 bundles (1.20260426.1, SQLite 3.47);
* ``"pinned"``: npm ``workerd-pinned`` = ``workerd@1.20260822.1`` (SQLite 3.53), the binary whose
  sources build the real runtime's Pyodide bundle;
* ``"next"``: npm ``workerd-next`` = ``workerd@1.20261117.1`` (SQLite 3.54, whose authorizer
  refuses the 3.53 ALTER forms), the newest release when this was written.

wrangler runs another binary through ``MINIFLARE_WORKERD_PATH``.

The real runtime (a Python Worker on the ``workers`` SDK and workerd's own Pyodide loader) needs
workerd's "dev" Pyodide bundle, which workerd reads from ``--pyodide-bundle-disk-cache-dir`` and
never downloads (see workerd/README.md). It is built by ``workerd/build_pyodide_bundle.py`` from
npm ``pyodide@314.0.5`` and workerd's own sources at the binary's tag, which the project does
not contain: ``INLINE_SYNC_WORKERD_SRC``, default ``../shared/vendor/workerd-v1.20260822.1``
next to the repository. It is built once into ``.cache/workerd/`` (git-ignored; or
``INLINE_SYNC_WORKERD_CACHE``), in a directory named by a hash of every input.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"
REQUIRE_ENV = "INLINE_SYNC_REQUIRE_WORKERD"
SRC_ENV = "INLINE_SYNC_WORKERD_SRC"
CACHE_ENV = "INLINE_SYNC_WORKERD_CACHE"
VENDOR = REPO.parent / "shared" / "vendor"  # workerd-v<version>/ for each binary's sources
DEFAULT_SRC = VENDOR / "workerd-v1.20260822.1"
BUNDLE_SCRIPT = REPO / "workerd" / "build_pyodide_bundle.py"
BUNDLE_NAME = "pyodide_dev.capnp.bin"

#: which npm package holds each workerd binary (None: the one wrangler depends on)
WORKERD_PACKAGES: dict[str, str | None] = {
    "wrangler": None,
    "pinned": "workerd-pinned",
    "next": "workerd-next",
}
#: the binary whose sources the bundle is built from (workerd loads the bundle's JS against its
#: own built-in modules, so they must match)
BUNDLE_WORKERD = "pinned"
PYODIDE_DEV = NODE_MODULES / "pyodide-dev"
ESBUILD_DEV = NODE_MODULES / "esbuild-dev-bundle"

#: Python Workers need ``python_workers`` (wrangler insists on it for a ``.py`` main);
#: ``python_workers_development`` selects the "dev" bundle, which the release implied by the
#: compatibility date would otherwise override (``no_python_workers_20250116``).
PYTHON_FLAGS = ("python_workers", "python_workers_development", "no_python_workers_20250116")

_PLATFORMS = {
    ("Linux", "x86_64"): "linux-64",
    ("Linux", "aarch64"): "linux-arm64",
    ("Darwin", "arm64"): "darwin-arm64",
    ("Darwin", "x86_64"): "darwin-64",
}


def _missing(reason: str) -> None:
    """Skip with a one-line reason, or fail when INLINE_SYNC_REQUIRE_WORKERD is set (CI)."""
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason}; {REQUIRE_ENV} is set", pytrace=False)
    pytest.skip(reason)


def workerd_binary(which: str) -> Path | None:
    """Path of the native workerd binary ``which`` (a WORKERD_PACKAGES key), or None."""
    package = WORKERD_PACKAGES[which]
    plat = _PLATFORMS.get((platform.system(), platform.machine()))
    if plat is None:
        return None
    native = Path("@cloudflare") / f"workerd-{plat}" / "bin" / "workerd"
    if package is None:
        wanted = json.loads((NODE_MODULES / "wrangler" / "package.json").read_text())
        version = wanted.get("dependencies", {}).get("workerd")
        bases = [NODE_MODULES / "wrangler" / "node_modules", NODE_MODULES]
    else:
        meta = NODE_MODULES / package / "package.json"
        if not meta.exists():
            return None
        version = json.loads(meta.read_text())["version"]
        bases = [NODE_MODULES / package / "node_modules", NODE_MODULES]
    for base in bases:  # npm nests the platform package when another version is hoisted
        candidate = base / native
        meta = candidate.parent.parent / "package.json"
        if candidate.exists() and json.loads(meta.read_text())["version"] == version:
            return candidate
    return None


def binary_version(which: str) -> str:
    """The npm version of workerd binary ``which``, e.g. "1.20260822.1" (its release tag is
    ``v`` + that)."""
    binary = require_workerd_binary(which)
    return str(json.loads((binary.parent.parent / "package.json").read_text())["version"])


def workerd_version(which: str) -> str:
    """``workerd --version`` of binary ``which`` (e.g. "workerd 2026-08-22")."""
    binary = require_workerd_binary(which)
    res = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    return res.stdout.strip()


def require_workerd_binary(which: str) -> Path:
    binary = workerd_binary(which)
    if binary is None:
        _missing(f"workerd binary {which!r} not installed (run `npm ci` in {REPO})")
        raise AssertionError  # unreachable: _missing raises
    return binary


def workerd_sources(which: str = BUNDLE_WORKERD) -> Path:
    """workerd's sources at binary ``which``'s tag: INLINE_SYNC_WORKERD_SRC for the pinned
    binary; ``workerd-v<version>`` beside it for the others (beside the default,
    ``../shared/vendor/`` next to the repository, when it is not set)."""
    pinned = os.environ.get(SRC_ENV)
    if which == BUNDLE_WORKERD and pinned:
        return Path(pinned).resolve()
    vendor = Path(pinned).resolve().parent if pinned else VENDOR
    return (vendor / f"workerd-v{binary_version(which)}").resolve()


def require_real_runtime(which: str = BUNDLE_WORKERD) -> None:
    """Skip (fail in CI) unless everything the real Python Workers runtime needs on workerd
    binary ``which`` is here: above all, workerd's sources at that binary's tag (its Pyodide
    bundle's JavaScript is loaded against the binary's own built-in modules)."""
    require_workerd_binary(which)
    src = workerd_sources(which)
    if not (src / "src" / "pyodide" / "helpers.bzl").is_file():
        reason = (
            f"real Python Workers runtime on workerd {binary_version(which)} needs workerd's "
            f"sources at tag v{binary_version(which)} in {src}"
            + (f" (or {SRC_ENV})" if which == BUNDLE_WORKERD else "")
            + "; see workerd/README.md"
        )
        if which != BUNDLE_WORKERD:
            # Only the pinned binary's sources are required: a bundle built from another tag's
            # sources does not load (v1.20260822.1's on 1.20261117.1: 'No such module
            # "pyodideRuntime-internal:pyodide.asm"'), and the newer tags are not to be had
            # offline.
            pytest.skip(f"{reason}; a bundle from another tag's sources does not load there")
        # The project does not ship them: a user's fresh clone skips; only CI, where shared/
        # lies beside the clone, must have them.
        if os.environ.get("CI") != "true":
            pytest.skip(reason)
        _missing(reason)
    for path in (NODE_MODULES / "wrangler", PYODIDE_DEV, ESBUILD_DEV):
        if not path.exists():
            _missing(f"real Python Workers runtime needs `npm ci` in {REPO} (missing {path.name})")
    try:
        import capnp  # noqa: F401  (the bundle builder's one dependency)
    except ImportError:
        _missing("real Python Workers runtime needs pycapnp (pip install -e '.[test]')")


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or REPO / ".cache" / "workerd")


def _bundle_key(src: Path) -> str:
    """A hash of every input of the bundle: the build script, workerd's sources it reads,
    and the npm packages (their package.json names the exact version)."""
    digest = hashlib.sha256()
    inputs = [BUNDLE_SCRIPT, src / "src" / "workerd" / "jsg" / "modules.capnp"]
    inputs += sorted(p for p in (src / "src" / "pyodide").rglob("*") if p.is_file())
    inputs += [PYODIDE_DEV / "package.json", ESBUILD_DEV / "package.json"]
    for path in inputs:
        name = path.relative_to(src) if path.is_relative_to(src) else path.name
        digest.update(str(name).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def dev_bundle_dir(which: str = BUNDLE_WORKERD) -> Path:
    """The directory holding ``pyodide_dev.capnp.bin`` for workerd binary ``which``, built on
    first use (about 1 s)."""
    require_real_runtime(which)
    src = workerd_sources(which)
    target = cache_root() / f"pyodide-dev-{_bundle_key(src)}"
    if (target / BUNDLE_NAME).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:  # concurrent test processes build once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / BUNDLE_NAME).exists():
            return target
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        cmd = [
            sys.executable, str(BUNDLE_SCRIPT),
            "--workerd-src", str(src),
            "--pyodide", str(PYODIDE_DEV),
            "--esbuild", str(ESBUILD_DEV),
            "--out", str(partial / BUNDLE_NAME),
        ]  # fmt: skip
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if res.returncode != 0:
            raise RuntimeError(f"building the Pyodide dev bundle failed:\n{res.stderr[-6000:]}")
        (partial / "inputs.json").write_text(
            json.dumps({"workerd_src": str(src), "log": res.stderr.splitlines()[-1]}, indent=1)
        )
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(target)
        partial.rename(target)
    return target


WRAPPER = """#!/bin/sh
# wrangler (miniflare) runs this instead of its own workerd (MINIFLARE_WORKERD_PATH): the binary
# the harness chose, where to find the Pyodide dev bundle, and the memory snapshot to start from
# when there is one (tests/workerd_runtime.py writes this file).
set -- "$@" --pyodide-bundle-disk-cache-dir "$INLINE_SYNC_PYODIDE_BUNDLE_DIR"
if [ -n "$INLINE_SYNC_PYTHON_SNAPSHOT_DIR" ]; then
    set -- "$@" --python-snapshot-dir "$INLINE_SYNC_PYTHON_SNAPSHOT_DIR" \\
        --python-load-snapshot snapshot.bin
fi
exec "$INLINE_SYNC_WORKERD_BIN" "$@"
"""


SNAPSHOT_ENV = "INLINE_SYNC_PYTHON_SNAPSHOT"  # "0": start without a memory snapshot
SNAPSHOT_WORKER = """from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response("ok")
"""
SNAPSHOT_CONFIG = """using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w)],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const w :Workerd.Worker = (
  compatibilityDate = "2026-04-20",
  compatibilityFlags = [FLAGS],
  modules = [(name = "entry.py", pythonModule = embed "entry.py")],
);
"""


def snapshot_dir(which: str = BUNDLE_WORKERD) -> Path | None:
    """A directory with ``snapshot.bin``: workerd's baseline memory snapshot of the Python
    runtime (Pyodide booted, no user code), made once per bundle and binary by running a
    one-line Python Worker with ``--python-save-snapshot``. Starting from it (the wrapper adds
    ``--python-load-snapshot``) takes a Python Worker's start-up from several seconds to about
    one; production also starts Python Workers from a baseline snapshot. None when it cannot
    be made (then workers start without one) or INLINE_SYNC_PYTHON_SNAPSHOT=0."""
    if os.environ.get(SNAPSHOT_ENV) == "0":
        return None
    binary = require_workerd_binary(which)
    bundle = dev_bundle_dir(which)
    version = binary_version(which)
    target = cache_root() / f"snapshot-{bundle.name.removeprefix('pyodide-dev-')}-{version}"
    if (target / "snapshot.bin").exists():
        return target
    with open(cache_root() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / "snapshot.bin").exists():
            return target
        made = _save_snapshot(binary, bundle)
        if made is None:
            return None
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(target)
        made.rename(target)
        shutil.rmtree(made.parent, ignore_errors=True)
    return target


def _save_snapshot(binary: Path, bundle: Path) -> Path | None:
    work = Path(tempfile.mkdtemp(prefix="snapshot-", dir=cache_root()))
    (work / "entry.py").write_text(SNAPSHOT_WORKER)
    flags = ", ".join(f'"{flag}"' for flag in PYTHON_FLAGS)
    (work / "config.capnp").write_text(SNAPSHOT_CONFIG.replace("FLAGS", flags))
    out = work / "snapshot"
    out.mkdir()
    cmd = [
        str(binary), "serve", "config.capnp", "--experimental",
        "--pyodide-bundle-disk-cache-dir", str(bundle),
        "--python-snapshot-dir", str(out), "--python-save-snapshot",
    ]  # fmt: skip
    log = open(work / "workerd.log", "wb")  # noqa: SIM115  (closed below, after the process)
    proc = subprocess.Popen(cmd, cwd=work, stdout=log, stderr=subprocess.STDOUT)
    snapshot, last_size, stable_since = out / "snapshot.bin", -1, 0.0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            size = snapshot.stat().st_size if snapshot.exists() else -1
            if size != last_size:
                last_size, stable_since = size, time.monotonic()
            elif size > 0 and time.monotonic() - stable_since > 1.0:
                break  # written and no longer growing: workerd serves from here on
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
        log.close()
    if last_size <= 0 or not snapshot.exists() or snapshot.stat().st_size != last_size:
        print(
            f"[workerd_runtime] no memory snapshot ({work / 'workerd.log'}); starting without",
            file=sys.stderr,
        )
        return None  # the work folder stays, with workerd's log
    return out


def real_runtime_env(which: str = BUNDLE_WORKERD) -> dict[str, str]:
    """Environment for ``wrangler dev`` to run a Python Worker on workerd ``which``."""
    bundle = dev_bundle_dir(which)
    snapshot = snapshot_dir(which)
    wrapper = cache_root() / "workerd-wrapper.sh"
    if not wrapper.exists() or wrapper.read_text() != WRAPPER:
        tmp = wrapper.with_suffix(f".{os.getpid()}")
        tmp.write_text(WRAPPER)
        tmp.chmod(0o755)
        tmp.replace(wrapper)
    return {
        "MINIFLARE_WORKERD_PATH": str(wrapper),
        "INLINE_SYNC_WORKERD_BIN": str(require_workerd_binary(which)),
        "INLINE_SYNC_PYODIDE_BUNDLE_DIR": str(bundle),
        "INLINE_SYNC_PYTHON_SNAPSHOT_DIR": str(snapshot) if snapshot else "",
    }


def python_flag_args() -> list[str]:
    """``wrangler dev`` arguments that add the real runtime's compatibility flags, so that a
    worker's own wrangler.toml stays as users deploy it."""
    return [arg for flag in PYTHON_FLAGS for arg in ("--compatibility-flags", flag)]
