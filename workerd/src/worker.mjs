// Test harness worker: a JavaScript Durable Object that runs Python (upstream Pyodide) against
// its real ctx.storage. Built by workerd/build.py; see workerd/README.md.
//
// Python app contract (module named in gen/config.mjs, unpacked from gen/app.zip):
//   on_start(storage)                      called once per DO instance, inside
//                                          ctx.blockConcurrencyWhile, may be async
//   handle(storage, method, path, body)    called per request, may be async; returns a
//                                          JSON-able value, or a tuple (status, value)
//   on_construct(ctx)                      optional: called with the DO's real `ctx`, the way a
//                                          Python Durable Object's __init__ is (it may call
//                                          ctx.blockConcurrencyWhile itself); synchronously in
//                                          the constructor when the isolate's Pyodide is up,
//                                          else right after the boot
// `storage` is the raw JsProxy of ctx.storage. The schema text the build was given is at
// /harness/schema.sql (env HARNESS_SCHEMA_PATH).
import { INDEX_URL, wasmStats } from "./shims.mjs";
import "./gen/pyodide.asm.js"; // defines globalThis._createPyodideModule
import { loadPyodide, version as pyodideVersion } from "./gen/pyodide.mjs";
import lockFileText from "./gen/pyodide-lock.json";
import appZip from "./gen/app.zip";
import schemaSql from "./gen/schema.sql";
import config from "./gen/config.mjs";
import { DurableObject } from "cloudflare:workers";

const SCHEMA_PATH = "/harness/schema.sql";
const log = (...a) => console.log("[inline_sync harness]", ...a);

// ---- one Pyodide per isolate -------------------------------------------------------------
let runtimePromise = null;
let bootedRuntime = null; // set once the boot has finished: lets constructors call Python synchronously

// workerd arms an idle Durable Object's 10 s eviction timer from its event loop's clock, which
// is read only when the loop turns and so stands still while JavaScript runs. A request that ran
// for 10 s without waiting on I/O (booting Pyodide takes that long on a loaded machine) would
// end with the clock 10 s behind, and the object would be evicted at the loop's next turn, under
// the next request's feet ("Network connection lost", which wrangler's proxy reports as "Your
// worker restarted mid-request"). Waiting on a timer makes the loop wait and read the clock (1 ms:
// the real Python runtime was seen to run a 0 ms timer without that).
const turnEventLoop = () => new Promise((resolve) => setTimeout(resolve, 1));

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const misses = wasmStats.misses.length
        ? ` Unrecorded wasm modules: ${JSON.stringify(wasmStats.misses)} (re-run node workerd/record_wasm.mjs).`
        : "";
      reject(new Error(`${what} did not finish within ${ms} ms.${misses}`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function bootRuntime() {
  const started = performance.now();
  const pyodide = await withTimeout(
    loadPyodide({
      indexURL: INDEX_URL,
      lockFileContents: lockFileText,
      env: { HOME: "/harness", HARNESS_SCHEMA_PATH: SCHEMA_PATH, PYTHONDONTWRITEBYTECODE: "1" },
      stdout: (s) => console.log(s),
      stderr: (s) => console.error(s),
    }),
    config.bootTimeoutMs,
    "[inline_sync harness] loadPyodide()",
  );
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  pyodide.unpackArchive(appZip, "zip", { extractDir: sitePackages });
  pyodide.FS.mkdirTree("/harness");
  pyodide.FS.writeFile(SCHEMA_PATH, schemaSql);
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
  let app;
  try {
    app = pyodide.pyimport(config.appModule);
  } catch (e) {
    e.harnessPhase = "import";
    throw e;
  }
  const onStart = app.on_start;
  const handle = app.handle;
  if (typeof handle !== "function") throw new Error(`Python module ${config.appModule} has no handle()`);
  // performance.now() only advances across I/O in workerd, so this is a lower bound.
  log(`pyodide ${pyodideVersion} up, app ${config.appModule} imported, wasm lookups ${wasmStats.hits}`,
      `(${Math.round(performance.now() - started)} ms by the isolate's clock)`);
  const onConstruct = typeof app.on_construct === "function" ? app.on_construct : null;
  bootedRuntime = { pyodide, app, onStart: typeof onStart === "function" ? onStart : null, handle, onConstruct };
  return bootedRuntime;
}

function runtime() {
  runtimePromise ??= bootRuntime();
  return runtimePromise;
}

// ---- value conversion --------------------------------------------------------------------
function pyErrorInfo(e) {
  return {
    type: e?.type ?? e?.name ?? "Error",
    message: String(e?.message ?? e),
    python: e?.constructor?.name === "PythonError",
  };
}

async function settle(result) {
  if (result && typeof result.then === "function") return await result;
  return result;
}

// Python value (or JS value Pyodide already converted) -> [status, JSON text]
function toJsonResponse(result) {
  let status = 200;
  let value = result;
  try {
    if (value && typeof value.toJs === "function") {
      if (value.type === "tuple" && value.length === 2 && typeof value.get(0) === "number") {
        status = value.get(0);
        const inner = value.get(1);
        value = inner && typeof inner.toJs === "function" ? convert(inner, true) : inner;
      } else {
        value = convert(value, false);
      }
    }
  } finally {
    if (result && typeof result.destroy === "function") result.destroy();
  }
  const text = JSON.stringify(value ?? null, (_k, v) =>
    typeof v === "bigint" ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v,
  );
  return [status, text];
}

function convert(proxy, destroy) {
  try {
    return proxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  } finally {
    if (destroy) proxy.destroy();
  }
}

function json(status, value, headers = {}) {
  return new Response(typeof value === "string" ? value : JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

// ---- the Durable Object ------------------------------------------------------------------
export class HarnessDO extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    // The worker's bindings (a D1 database among them), for Python apps: `js.harnessEnv`.
    globalThis.harnessEnv = env;
    this.startupError = null;
    this.rt = null;
    // on_construct: like a Python DO's __init__, synchronously in the constructor when Pyodide is
    // already up in this isolate. What it throws is reported like an on_start error; what its own
    // ctx.blockConcurrencyWhile callback throws resets the object, as in production.
    const constructNow = (rt) => {
      try {
        rt.onConstruct(ctx)?.destroy?.();
      } catch (e) {
        this.startupError = { phase: "on_construct", ...pyErrorInfo(e) };
        console.error(`[inline_sync harness] on_construct RAISED ${this.startupError.type}:`, this.startupError.message);
      }
    };
    const constructed = !!bootedRuntime?.onConstruct;
    if (constructed) constructNow(bootedRuntime);
    // If this callback threw, workerd would reset the object and every later request would
    // construct it again; so failures are caught, logged loudly and reported per request.
    const booting = ctx.blockConcurrencyWhile(async () => {
      try {
        await this.start(ctx);
      } finally {
        await turnEventLoop();
      }
    });
    if (!constructed) booting.then(() => { if (this.rt?.onConstruct) constructNow(this.rt); });
  }

  // Boot Pyodide (once per isolate), then on_start; failures are kept in this.startupError.
  async start(ctx) {
    try {
      this.rt = await runtime();
    } catch (e) {
      this.startupError = { phase: e?.harnessPhase ?? "boot", ...pyErrorInfo(e) };
      console.error("[inline_sync harness] BOOT FAILED:", e?.stack ?? e);
      return;
    }
    if (!this.rt.onStart) return;
    try {
      const result = await withTimeout(settle(this.rt.onStart(ctx.storage)), config.onStartTimeoutMs, "on_start()");
      result?.destroy?.();
    } catch (e) {
      this.startupError = { phase: "on_start", ...pyErrorInfo(e) };
      console.error(`[inline_sync harness] on_start RAISED ${this.startupError.type}:`, this.startupError.message);
    }
  }

  async fetch(request) {
    try {
      return await this.answer(request);
    } finally {
      await turnEventLoop(); // a long handle() too (see turnEventLoop)
    }
  }

  async answer(request) {
    const url = new URL(request.url);
    const path = url.pathname;
    const headers = this.startupError
      ? { "x-harness-startup-error": `${this.startupError.phase}: ${this.startupError.type}` }
      : {};
    if (request.method === "GET" && path === "/startup-error") return json(200, this.startupError, headers);
    if (request.method === "GET" && path === "/__harness/info") {
      return json(200, { pyodide: pyodideVersion, app: config.appModule, build: config.build, wasm: wasmStats,
                         startupError: this.startupError }, headers);
    }
    if (!this.rt) return json(500, { error: this.startupError }, headers);
    const body = await request.text();
    let result;
    try {
      result = await settle(this.rt.handle(this.ctx.storage, request.method, path, body));
    } catch (e) {
      return json(500, { error: pyErrorInfo(e) }, headers);
    }
    try {
      const [status, text] = toJsonResponse(result);
      return json(status, text, headers);
    } catch (e) {
      return json(500, { error: { ...pyErrorInfo(e), message: `could not convert result to JSON: ${e?.message ?? e}` } }, headers);
    }
  }
}

// ---- the worker: GET /__ping answers without touching the DO (readiness probe); everything
// else goes to the DO named by ?do=NAME (default "main").
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/__ping") return new Response("ok");
    const name = url.searchParams.get("do") ?? "main";
    return env.HARNESS_DO.get(env.HARNESS_DO.idFromName(name)).fetch(request);
  },
};
