#!/usr/bin/env node
// Records the small WebAssembly modules that Pyodide/Emscripten compile from bytes at run time,
// so the worker can serve them precompiled (workerd refuses to compile wasm from bytes).
//
//   node workerd/record_wasm.mjs [OUT_DIR]      (default OUT_DIR: workerd/src/wasm)
//
// It boots the pinned npm `pyodide` in Node, wraps WebAssembly.Module / compile / instantiate,
// keeps every module of RECORD_MAX_BYTES or less that was compiled from bytes (except the 8-byte
// JSPI probe, which must keep failing in workerd so Pyodide turns JSPI off), exercises the paths
// the worker uses (unpackArchive, FS.writeFile, pyimport, calls both ways, async, errors), and
// writes the files below. A module is recorded before Node compiles it, so the set does not
// depend on Node's wasm features: Pyodide's wasm-GC "sentinel" module fails to compile in Node 20
// but is recorded, and workerd (which compiles recorded modules at load) then uses it.
// Output:
//   OUT_DIR/wNNN.wasm        one file per distinct module (imported by the worker as CompiledWasm)
//   OUT_DIR/index.mjs        imports them all and maps base64(bytes) -> WebAssembly.Module
//   OUT_DIR/manifest.json    pyodide version, node version, sizes (build.py checks the version)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const RECORD_MAX_BYTES = 4096;
const PROBE_MAX_BYTES = 8; // `new WebAssembly.Module(<magic+version>)`: Pyodide's JSPI probe

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const outDir = path.resolve(process.argv[2] ?? path.join(here, "src", "wasm"));
const require = createRequire(path.join(repo, "package.json"));
const pyodideDir = path.dirname(require.resolve("pyodide/package.json"));
const pyodideVersion = JSON.parse(fs.readFileSync(path.join(pyodideDir, "package.json"), "utf8")).version;

const seen = new Map(); // base64 -> {bytes, hits}
let hits = 0;
function toBytes(src) {
  if (src instanceof ArrayBuffer) return new Uint8Array(src.slice(0));
  if (ArrayBuffer.isView(src)) return new Uint8Array(src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength));
  return null;
}
function note(src) {
  const bytes = toBytes(src);
  if (!bytes || bytes.length <= PROBE_MAX_BYTES || bytes.length > RECORD_MAX_BYTES) return;
  const key = Buffer.from(bytes).toString("base64");
  hits++;
  const entry = seen.get(key);
  if (entry) entry.hits++;
  else seen.set(key, { bytes, hits: 1 });
}

const W = WebAssembly;
const origModule = W.Module;
const origCompile = W.compile;
const origInstantiate = W.instantiate;
W.Module = new Proxy(origModule, {
  construct(target, args, newTarget) {
    note(args[0]);
    return Reflect.construct(target, args, newTarget);
  },
});
W.compile = function (src, ...rest) {
  note(src);
  return origCompile.call(W, src, ...rest);
};
W.instantiate = function (src, ...rest) {
  if (!(src instanceof origModule)) note(src);
  return origInstantiate.call(W, src, ...rest);
};

const { loadPyodide } = await import(path.join(pyodideDir, "pyodide.mjs"));
const py = await loadPyodide({ indexURL: pyodideDir + "/", stdout: () => {}, stderr: (s) => console.error(s) });

// A tiny zip made by Python itself, unpacked the way the worker unpacks app.zip.
const zipBytes = py.runPython(`
import io, zipfile
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("rec_probe_pkg/__init__.py", "VALUE = 1\\n")
buf.getvalue()
`).toJs();
const sitePackages = py.runPython("import sysconfig; sysconfig.get_path('purelib')");
py.unpackArchive(zipBytes, "zip", { extractDir: sitePackages });
py.FS.mkdirTree("/harness");
py.FS.writeFile("/harness/schema.sql", "CREATE TABLE t(x);\n");

// Exercise the FFI the way the worker and the apps do (JS -> Python -> JS and back).
const fakeStorage = {
  sql: {
    exec(q, ...params) {
      if (q.startsWith("FAIL")) throw new Error("no such table: x: SQLITE_ERROR");
      const rows = [{ a: 1, b: null, c: "x" }];
      return { toArray: () => rows, raw: () => ({ toArray: () => rows.map(Object.values) }), columnNames: ["a", "b", "c"], rowsRead: 1, rowsWritten: 0 };
    },
  },
  transactionSync(fn) {
    return fn();
  },
  kv: { put() {}, get: () => "v" },
};
py.runPython(`
import importlib, json, asyncio, traceback, sys
importlib.invalidate_caches()
import rec_probe_pkg
from pyodide.ffi import create_proxy, to_js, JsException, jsnull, JsProxy

def on_start(storage):
    storage.sql.exec("CREATE TABLE t(x)")
    def body():
        storage.sql.exec("INSERT INTO t VALUES (?)", 1, "a", 2.5, None)
        return 1
    p = create_proxy(body)
    try:
        storage.transactionSync(p)
    finally:
        p.destroy()
    storage.transactionSync(lambda: None)
    rows = storage.sql.exec("SELECT 1").toArray().to_py()
    raw = storage.sql.exec("SELECT 1").raw().toArray().to_py()
    try:
        storage.sql.exec("FAIL")
    except JsException as e:
        str(e)
    storage.kv.put("k", to_js({"a": [1, 2]}))
    return {"rows": rows, "raw": raw, "none": None, "t": (1, 2)}

def handle(storage, method, path, body):
    return json.loads(body or "{}")

def raises(storage):
    raise ValueError("boom")

async def async_start(storage):
    await asyncio.sleep(0)
    return on_start(storage)
`);
const g = py.globals;
for (const name of ["on_start", "handle", "raises", "async_start"]) {
  const fn = g.get(name);
  try {
    let r = name === "handle" ? fn(fakeStorage, "POST", "/x", '{"a": [1, null]}') : fn(fakeStorage);
    if (r && typeof r.then === "function") r = await r;
    if (r && typeof r.toJs === "function") {
      JSON.stringify(r.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false }));
      r.destroy();
    }
  } catch (e) {
    if (name !== "raises") throw e;
    String(e.type) + e.message;
  } finally {
    fn.destroy();
  }
}
py.pyimport("json").destroy();

// Write the recording.
fs.mkdirSync(outDir, { recursive: true });
for (const f of fs.readdirSync(outDir)) {
  if (/^w\d+\.wasm$/.test(f) || f === "index.mjs" || f === "manifest.json") fs.unlinkSync(path.join(outDir, f));
}
const entries = [...seen.entries()].sort((a, b) => a[0].localeCompare(b[0]));
const imports = [];
const mapLines = [];
const files = [];
entries.forEach(([key, { bytes, hits: n }], i) => {
  const name = `w${String(i).padStart(3, "0")}.wasm`;
  fs.writeFileSync(path.join(outDir, name), bytes);
  imports.push(`import m${i} from "./${name}";`);
  mapLines.push(`  [${JSON.stringify(key)}, m${i}],`);
  files.push({ file: name, bytes: bytes.length, hits: n });
});
fs.writeFileSync(
  path.join(outDir, "index.mjs"),
  `// Generated by workerd/record_wasm.mjs for pyodide ${pyodideVersion}. Do not edit.\n` +
    imports.join("\n") +
    `\n\nexport const pyodideVersion = ${JSON.stringify(pyodideVersion)};\n` +
    `export const recordedModules = new Map([\n${mapLines.join("\n")}\n]);\n`,
);
const manifest = {
  pyodide: pyodideVersion,
  node: process.version,
  record_max_bytes: RECORD_MAX_BYTES,
  modules: files.length,
  total_bytes: files.reduce((s, f) => s + f.bytes, 0),
  hits_during_recording: hits,
  files,
};
fs.writeFileSync(path.join(outDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`recorded ${files.length} wasm modules (${manifest.total_bytes} bytes, ${hits} compiles) for pyodide ${pyodideVersion} into ${outDir}`);
process.exit(0);
