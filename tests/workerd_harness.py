"""Run Python code inside a real Durable Object (local workerd via ``wrangler dev``) from pytest.

    h = WorkerdHarness(tmp_path)
    h.build(app_module="workerd/harness_app.py", schema_sql="CREATE TABLE t(x);")
    h.start()
    try:
        h.sql("INSERT INTO t VALUES (?)", "a")
        assert h.sql("SELECT x FROM t") == [("a",)]
        h.stop()
        h.build(schema_sql="...new definitions...")   # same persist dir, new code/schema
        h.start()
    finally:
        h.stop()

The worker boots Pyodide, unpacks ``inline_sync/`` from the working tree plus the app module, and
calls ``app.on_start(storage)`` / ``app.handle(storage, method, path, body)`` with the real
``ctx.storage``. See workerd/README.md. Stdlib only (plus pytest for skip/fail).

``DevServer`` is the part every mode shares: ``wrangler dev`` in its own process group, on
loopback ports picked so that a collision (another process taking the port between the check
and workerd's bind) only costs a retry with new ports. The real Python Workers runtime's modes
live in ``workerd_python.py``.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
WRANGLER = REPO / "node_modules" / ".bin" / "wrangler"
PYODIDE = REPO / "node_modules" / "pyodide" / "package.json"
BUILD = REPO / "workerd" / "build.py"
DEFAULT_APP = REPO / "workerd" / "harness_app.py"
REQUIRE_ENV = "INLINE_SYNC_REQUIRE_WORKERD"

START_TIMEOUT_S = 90.0
REQUEST_TIMEOUT_S = 60.0  # a first request boots Pyodide (2-4 s); the DO gives up after 30 s


def require_workerd() -> None:
    """Skip (or, with INLINE_SYNC_REQUIRE_WORKERD set, fail) when the npm packages are missing."""
    missing = [str(p.relative_to(REPO)) for p in (WRANGLER, PYODIDE) if not p.exists()]
    if not missing:
        return
    reason = f"workerd harness needs `npm ci` in {REPO} (missing: {', '.join(missing)})"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason}; {REQUIRE_ENV} is set", pytrace=False)
    pytest.skip(reason)


# Ports are drawn below Linux's ephemeral range (32768-60999): the kernel hands those out to
# every bind(0) and outgoing connection on the machine, so a port found free there is the most
# likely to be taken again before workerd binds it.
PORT_RANGE = (20_000, 32_000)
START_ATTEMPTS = 5
BIND_ERRORS = ("Address already in use", "EADDRINUSE", "address in use")
READY_LINE = "Ready on "  # wrangler's "[wrangler:info] Ready on http://127.0.0.1:PORT"
RESTARTED = "Your worker restarted mid-request"  # wrangler's proxy: "send the request again"
RESTART_RETRIES = 2


def free_port(exclude: Sequence[int] = ()) -> int:
    """A loopback TCP port that was free a moment ago (the caller must cope with losing it)."""
    for _ in range(200):
        port = random.randint(*PORT_RANGE)
        if port in exclude:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:  # crowded range: let the OS pick
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WorkerdError(RuntimeError):
    pass


class PortInUse(WorkerdError):
    """wrangler or workerd could not bind one of its ports: start again on other ports."""


class WorkerdHTTPError(WorkerdError):
    """A non-2xx answer. ``data`` is the decoded JSON body (the app's or the worker's error)."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        self.status = status
        self.body = body
        try:
            self.data: Any = jsonlib.loads(body)
        except ValueError:
            self.data = None
        super().__init__(f"{method} {path} -> HTTP {status}: {body[:2000]}")


class DevServer:
    """``wrangler dev`` for one worker, started and stopped by the tests; HTTP helpers.

    Subclasses say what to run: ``_config()`` (the wrangler.toml), ``_extra_args()`` and
    ``_extra_env()``. The persisted state (``persist_dir``) outlives ``stop()``, so ``start()``
    after ``stop()`` restarts on the same Durable Object storage (and D1 databases).
    """

    #: readiness probe: a path and the statuses that mean "the worker answers"; None: no
    #: request (wrangler's "Ready on" line, then the port accepts), so that the test's first
    #: request is the worker's first (a worker that syncs on its first request, whatever the
    #: path, would otherwise sync on the probe)
    ready_path: str | None = "/__ping"
    ready_statuses: tuple[int, ...] = (200,)

    def __init__(self, tmp_path: Path, *, persist_dir: Path | None = None) -> None:
        self.root = Path(tmp_path) / "workerd-harness"
        self.out = self.root / "build"
        self.persist_dir = Path(persist_dir) if persist_dir else self.root / "state"
        self.log_path = self.root / "wrangler.log"
        self.root.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        self.start_attempts = 0  # wrangler launches by the last start(), retries included
        self.restart_retries = 0  # requests sent again after "restarted mid-request"
        self.build_info: dict[str, Any] | None = None  # what the last build() wrote
        #: more compatibility flags for the next start() (``--compatibility-flags``)
        self.compatibility_flags: list[str] = []
        self._log_offset = 0

    # ---- what to run (subclasses) ----------------------------------------------------------
    def _config(self) -> Path:
        return self.out / "wrangler.toml"

    def _extra_args(self) -> list[str]:
        return []

    def _extra_env(self) -> dict[str, str]:
        return {}

    def _prepare(self) -> None:
        """Called by start() before launching: build what is missing."""
        if self.build_info is None:
            self.build()

    def build(self) -> dict[str, Any]:
        """Write the worker into ``out`` (its ``wrangler.toml`` and sources) and return what
        was built; start() calls it when nothing was built yet."""
        raise NotImplementedError

    # ---- process -------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "CI": "true",  # no interactive prompts
                "WRANGLER_SEND_METRICS": "false",
                "WRANGLER_SEND_ERROR_REPORTS": "false",
                "WRANGLER_HIDE_BANNER": "true",
                "WRANGLER_LOG_PATH": str(self.root / "wrangler-logs"),
                "WRANGLER_REGISTRY_PATH": str(self.root / "wrangler-registry"),
                "WRANGLER_CI_DISABLE_CONFIG_WATCHING": "true",
                "CLOUDFLARE_CF_FETCH_ENABLED": "false",  # no request to workers.cloudflare.com
                "NO_COLOR": "1",
                "FORCE_COLOR": "0",
            }
        )
        env.update(self._extra_env())
        return env

    def start(self, timeout: float = START_TIMEOUT_S) -> float:
        """Start ``wrangler dev`` on free loopback ports; return seconds until it answered.

        A launch that fails because a port was taken meanwhile (by anything on the machine) is
        retried with new ports, up to START_ATTEMPTS times. Readiness is ``ready_path``
        (``GET /__ping``, answered by the worker without touching the Durable Object, so the
        next request to the DO is the first one in a fresh isolate)."""
        self._prepare()
        if self.proc is not None:
            raise WorkerdError("already started")
        self.start_attempts = 0
        tried: list[int] = []
        while True:
            self.start_attempts += 1
            try:
                return self._launch(timeout, tried)
            except PortInUse:
                if self.start_attempts >= START_ATTEMPTS:
                    raise

    def _launch(self, timeout: float, tried: list[int]) -> float:
        self.port = free_port(tried)
        inspector = free_port([*tried, self.port])
        tried += [self.port, inspector]
        cmd = [
            str(WRANGLER), "dev",
            "--config", str(self._config()),
            "--ip", "127.0.0.1",
            "--port", str(self.port),
            "--inspector-port", str(inspector),
            "--persist-to", str(self.persist_dir),
            "--show-interactive-dev-session=false",
            "--log-level", "log",
            *self._extra_args(),
            *(arg for flag in self.compatibility_flags for arg in ("--compatibility-flags", flag)),
        ]  # fmt: skip
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== {' '.join(cmd)}\n".encode())
            log.flush()
            t0 = time.monotonic()
            self.proc = subprocess.Popen(
                cmd, cwd=self._config().parent, env=self._env(), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = t0 + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            exited = self.proc.poll() is not None
            output = self.output(tail=1_000_000)
            if any(text in output for text in BIND_ERRORS):
                self.stop()
                raise PortInUse(f"port taken (attempt {self.start_attempts})\n{output[-4000:]}")
            if exited:
                code = self.proc.returncode
                self.proc = None
                raise WorkerdError(
                    f"wrangler exited with {code} before answering\n{output[-12_000:]}"
                )
            status = self._probe()
            if isinstance(status, int) and status in self.ready_statuses:
                return time.monotonic() - t0
            last_error = status if isinstance(status, Exception) else None
            time.sleep(0.1)
        self.stop()
        raise WorkerdError(
            f"wrangler did not answer within {timeout:.0f} s ({last_error})\n{self.output()}"
        )

    def _probe(self) -> int | Exception:
        """Status of GET ready_path, or the connection error. The probe may wait long for its
        answer: wrangler accepts connections before workerd has loaded the worker. Without a
        ready_path: the first ready status once wrangler has said it is ready and the port
        accepts connections (wrangler holds requests until workerd has loaded the worker)."""
        if self.ready_path is None:
            if f"{READY_LINE}{self.url}" not in self.output(tail=1_000_000):
                return WorkerdError("not ready yet")
            try:
                socket.create_connection(("127.0.0.1", self.port or 0), timeout=5).close()
            except OSError as e:
                return e
            return self.ready_statuses[0]
        try:
            with urllib.request.urlopen(f"{self.url}{self.ready_path}", timeout=30) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)
        except (urllib.error.URLError, OSError) as e:
            return e

    def stop(self, timeout: float = 15.0) -> None:
        """Stop wrangler and its workerd children (the whole process group): SIGTERM, then
        SIGKILL for whatever is still alive after ``timeout`` seconds."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                proc.poll()
                if proc.returncode is not None and not _group_alive(proc.pid):
                    return
                time.sleep(0.05)
        raise WorkerdError(f"process group {proc.pid} survived SIGKILL")

    def __enter__(self) -> DevServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def output(self, tail: int = 12_000) -> str:
        """wrangler's and workerd's output since the last start() (console.log from the DO too)."""
        if not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as f:
            f.seek(self._log_offset)
            text = f.read().decode(errors="replace")
        return text[-tail:]

    def wait_for_output(
        self, text: str | re.Pattern[str], timeout: float = 10.0, *, count: int = 1
    ) -> str:
        """Wait until ``text`` (a string or a compiled pattern) shows ``count`` times in
        output(): workerd flushes console output late, a line at a time."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.output(tail=1_000_000)
            found = out.count(text) if isinstance(text, str) else len(text.findall(out))
            if found >= count:
                return out
            if time.monotonic() >= deadline:
                raise WorkerdError(
                    f"{text!r} not {count} times in wrangler output after {timeout} s\n"
                    f"{out[-12_000:]}"
                )
            time.sleep(0.1)

    # ---- requests ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self.port is None:
            raise WorkerdError("not started")
        return f"http://127.0.0.1:{self.port}"

    def raw_request(
        self, method: str, path: str, json: Any = None, *, timeout: float = REQUEST_TIMEOUT_S
    ) -> tuple[int, dict[str, str], str]:
        """(status, headers, body text); never raises for HTTP errors.

        A request that wrangler's proxy answers 503 "Your worker restarted mid-request" (it
        reloaded the worker meanwhile and asks the client to send it again; it resends GET and
        HEAD itself) is sent again, RESTART_RETRIES times at most, counted in
        ``restart_retries``. The proxy also gives that answer for any request whose connection
        to the worker was lost (it compares the request's URL, path included, with the worker's
        bare URL), as when workerd evicted a Durable Object under a request: the harness
        workers prevent that (``turnEventLoop`` in workerd/src/worker.mjs), so tests can assert
        that ``restart_retries`` stays 0."""
        data = None if json is None else jsonlib.dumps(json).encode()
        for attempt in range(RESTART_RETRIES + 1):
            status, headers, body = self._send(method, path, data, timeout)
            if not (status == 503 and body.startswith(RESTARTED)) or attempt == RESTART_RETRIES:
                break
            self.restart_retries += 1
            time.sleep(0.2)
        return status, headers, body

    def _send(
        self, method: str, path: str, data: bytes | None, timeout: float
    ) -> tuple[int, dict[str, str], str]:
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        if data is not None:
            req.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers.items()), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers.items()), e.read().decode(errors="replace")
        except (urllib.error.URLError, OSError) as e:
            raise WorkerdError(f"{method} {path} failed: {e}\n{self.output()}") from e

    def request(
        self, method: str, path: str, json: Any = None, *, timeout: float = REQUEST_TIMEOUT_S
    ) -> Any:
        """Decoded JSON answer; raises WorkerdHTTPError (with .status, .data) if not 2xx."""
        status, _headers, body = self.raw_request(method, path, json, timeout=timeout)
        if not 200 <= status < 300:
            raise WorkerdHTTPError(method, path, status, body)
        return jsonlib.loads(body) if body else None

    def sql_result(self, query: str, *params: Any) -> dict[str, Any]:
        """POST /sql: {"columns", "rows", "rows_read", "rows_written"}."""
        return self.request("POST", "/sql", {"sql": query, "params": list(params)})  # type: ignore[no-any-return]

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run one statement in the Durable Object (through the app's /sql); rows as tuples."""
        return [tuple(row) for row in self.sql_result(query, *params)["rows"]]

    def startup_error(self) -> dict[str, Any] | None:
        """What on_start (or the boot / app import) raised in this DO, or None.

        A dict: phase ("boot", "import", "on_start"), type, message (with the Python
        traceback), python (whether it was a Python exception)."""
        return self.request("GET", "/startup-error")  # type: ignore[no-any-return]


@dataclass(frozen=True)
class AppBuild:
    """The arguments of an app-contract build, resolved: paths absolute, the schema as text."""

    app: Path  # a .py file, a package directory, or a plain directory (then ``module``)
    module: str | None
    extra: tuple[Path, ...]
    schema_sql: str | None  # None: no schema text
    on_start_timeout_ms: int | None


def repo_path(path: str | Path) -> Path:
    """``path``, relative paths taken from the repository root."""
    path = Path(path)
    return path if path.is_absolute() else REPO / path


class AppHarness(DevServer):
    """A harness that runs the app contract (``on_start``/``handle``/``on_construct``, see
    workerd/README.md): ``build()`` resolves the arguments; each mode's ``_write()`` writes
    its worker."""

    def build(
        self,
        app_module: str | Path = DEFAULT_APP,
        schema_sql: str | None = None,
        *,
        schema_path: str | Path | None = None,
        module: str | None = None,
        extra: Sequence[str | Path] = (),
        on_start_timeout_ms: int | None = None,
    ) -> dict[str, Any]:
        """Build the worker: ``inline_sync/`` from the working tree + ``app_module`` (a .py
        file, a package dir, or a plain dir with ``module`` naming the entry module; relative
        paths are taken from the repository root) + the schema text (``schema_sql``, or the
        file ``schema_path``), which the worker puts at /harness/schema.sql. ``extra``: more
        module files or package directories for the top of site-packages (relative to the
        repository). ``on_start_timeout_ms``: the JS-hosted worker's limit for ``on_start``
        (the real runtime's own 30 s limit applies there)."""
        if self.proc is not None:
            raise WorkerdError("stop() before build(): wrangler would reload half-written files")
        if schema_sql is not None and schema_path is not None:
            raise ValueError("give schema_sql or schema_path, not both")
        if schema_path is not None:
            schema_sql = Path(schema_path).read_text()
        spec = AppBuild(
            repo_path(app_module),
            module,
            tuple(repo_path(item) for item in extra),
            schema_sql,
            on_start_timeout_ms,
        )
        self.build_info = self._write(spec)
        return self.build_info

    def _write(self, spec: AppBuild) -> dict[str, Any]:
        raise NotImplementedError


class WorkerdHarness(AppHarness):
    """The JavaScript-hosted mode: a JS Durable Object that boots npm ``pyodide`` (0.28, the
    production Python Workers' Pyodide line) and runs a Python app against its ``ctx.storage``;
    built from the working tree into ``tmp_path`` by ``workerd/build.py``.

    ``workerd``: which workerd binary runs it: ``"wrangler"`` (the one wrangler bundles,
    default), or a key of ``workerd_runtime.WORKERD_PACKAGES`` (``"pinned"``, ``"next"``),
    passed to wrangler through ``MINIFLARE_WORKERD_PATH``.
    """

    mode = "js"

    def __init__(
        self, tmp_path: Path, *, persist_dir: Path | None = None, workerd: str = "wrangler"
    ) -> None:
        require_workerd()
        self.workerd = workerd
        self._workerd_env: dict[str, str] = {}
        if workerd != "wrangler":
            from workerd_runtime import require_workerd_binary

            self._workerd_env = {"MINIFLARE_WORKERD_PATH": str(require_workerd_binary(workerd))}
        super().__init__(tmp_path, persist_dir=persist_dir)
        self._builds = 0

    def _extra_env(self) -> dict[str, str]:
        return self._workerd_env

    def _write(self, spec: AppBuild) -> dict[str, Any]:
        """``workerd/build.py --out``: the JS worker, recorded wasm, Pyodide's files, and
        ``gen/app.zip`` (``inline_sync/`` + the app + ``extra``)."""
        cmd = [sys.executable, str(BUILD), "--out", str(self.out), "--app", str(spec.app)]
        if spec.module:
            cmd += ["--module", spec.module]
        for path in spec.extra:
            cmd += ["--extra", str(path)]
        if spec.on_start_timeout_ms is not None:
            cmd += ["--on-start-timeout-ms", str(spec.on_start_timeout_ms)]
        if spec.schema_sql is not None:
            self._builds += 1
            schema_path = self.root / f"schema-{self._builds}.sql"
            schema_path.write_text(spec.schema_sql)
            cmd += ["--schema", str(schema_path)]
        res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise WorkerdError(
                f"workerd/build.py failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"
            )
        info: dict[str, Any] = jsonlib.loads(res.stdout.strip().splitlines()[-1])
        return info


def _group_alive(pgid: int) -> bool:
    """Is any process of group ``pgid`` still running (zombies do not count)?"""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _ppid, group = stat[stat.rfind(")") + 2 :].split()[:3]
        if int(group) == pgid and state != "Z":
            return True
    return False
