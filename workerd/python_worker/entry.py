"""Harness worker for the real Python Workers runtime: a Python Durable Object (the ``workers``
SDK's ``DurableObject``) that runs a harness app against its real ``ctx.storage``.

The same app contract as the JavaScript harness (``workerd/src/worker.mjs``; see
workerd/README.md): ``on_construct(ctx)`` (optional) in the constructor, ``on_start(storage)``
inside ``ctx.blockConcurrencyWhile``, ``handle(storage, method, path, body)`` per request.
``tests/workerd_python.py`` copies this file to ``src/harness_entry.py`` of a generated worker,
next to ``inline_sync/``, the app module and ``harness_config.py`` (app module name, schema).

What ``on_start`` raises is caught, logged (``on_start RAISED <type>``) and reported at
``GET /startup-error`` and in an ``x-harness-startup-error`` header, instead of letting
``blockConcurrencyWhile`` reset the object (which would re-run it on every request).
``GET /__ping`` is answered by the worker without touching a Durable Object.
"""

import importlib
import inspect
import json
import os
import sys
import traceback
from urllib.parse import parse_qs, urlparse

import harness_config
from js import Promise, setTimeout
from pyodide.ffi import create_proxy
from workers import DurableObject, Response, WorkerEntrypoint

SCHEMA_PATH = "/tmp/harness/schema.sql"
os.makedirs(os.path.dirname(SCHEMA_PATH), exist_ok=True)
with open(SCHEMA_PATH, "w") as f:
    f.write(harness_config.SCHEMA)
os.environ["HARNESS_SCHEMA_PATH"] = SCHEMA_PATH

IMPORT_ERROR = None
try:
    app = importlib.import_module(harness_config.APP_MODULE)
except Exception as exc:  # reported per request, as the JS harness does
    app = None
    IMPORT_ERROR = {
        "phase": "import",
        "type": type(exc).__name__,
        "message": traceback.format_exc(),
        "python": True,
    }
    print(f"[inline_sync harness] app import RAISED {type(exc).__name__}", file=sys.stderr)


def error_info(phase, exc):
    return {
        "phase": phase,
        "type": type(exc).__name__,
        "message": "".join(traceback.format_exception(exc)),
        "python": True,
    }


def json_response(status, value, headers=None):
    return Response(
        json.dumps(value, separators=(",", ":")),  # as JSON.stringify in the JS harness
        status=status,
        headers={"content-type": "application/json", **(headers or {})},
    )


async def settle(value):
    return await value if inspect.isawaitable(value) else value


async def turn_event_loop():
    """Wait on a JavaScript timer, so that workerd's event loop turns and reads its clock.

    workerd arms an idle Durable Object's 10 s eviction timer from that clock, which stands
    still while code runs: after 10 s without I/O (a slow start on a loaded machine) a request
    would end with the clock 10 s behind and the object would be evicted at the loop's next
    turn, under the next request's feet (see workerd/src/worker.mjs, ``turnEventLoop``). 1 ms:
    a 0 ms timer did not make the loop wait here."""
    await Promise.new(lambda resolve, _reject: setTimeout(resolve, 1))


class HarnessDO(DurableObject):
    def __init__(self, ctx, env):
        super().__init__(ctx, env)
        self.startup_error = IMPORT_ERROR
        if app is None:
            return
        on_construct = getattr(app, "on_construct", None)
        if on_construct is not None:
            try:
                on_construct(ctx)
            except Exception as exc:
                self.startup_error = error_info("on_construct", exc)
                print(f"[inline_sync harness] on_construct RAISED {type(exc).__name__}")
        on_start = getattr(app, "on_start", None)
        if on_start is None:
            return

        async def run():
            try:
                await settle(on_start(ctx.storage))
            except Exception as exc:
                self.startup_error = error_info("on_start", exc)
                print(f"[inline_sync harness] on_start RAISED {type(exc).__name__}")
            finally:
                proxy.destroy()
                await turn_event_loop()

        # create_proxy: blockConcurrencyWhile may call the function after __init__ returned.
        proxy = create_proxy(run)
        ctx.blockConcurrencyWhile(proxy)

    async def fetch(self, request):
        try:
            return await self.answer(request)
        finally:
            await turn_event_loop()  # a long handle() too

    async def answer(self, request):
        path = urlparse(request.url).path
        error = self.startup_error
        headers = {"x-harness-startup-error": f"{error['phase']}: {error['type']}"} if error else {}
        if request.method == "GET" and path == "/startup-error":
            return json_response(200, error, headers)
        if request.method == "GET" and path == "/__harness/info":
            info = {"python": sys.version, "app": harness_config.APP_MODULE, "startupError": error}
            return json_response(200, info, headers)
        if app is None:
            return json_response(500, {"error": error}, headers)
        body = await request.text()
        try:
            result = await settle(app.handle(self.ctx.storage, request.method, path, body))
        except Exception as exc:
            return json_response(500, {"error": error_info("handle", exc)}, headers)
        status = 200
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], int):
            status, result = result
        return json_response(status, result, headers)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        url = urlparse(request.url)
        if url.path == "/__ping":
            return Response("ok")
        name = parse_qs(url.query).get("do", ["main"])[0]
        stub = self.env.HARNESS_DO.get(self.env.HARNESS_DO.idFromName(name))
        return await stub.fetch(request)
