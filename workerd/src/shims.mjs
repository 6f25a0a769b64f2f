// Evaluated before pyodide.asm.js (ES imports run in order): makes upstream Pyodide take its
// web-worker code path inside workerd and serves the wasm it would otherwise fetch or compile.
// See workerd/README.md and the notes it cites for the error each piece fixes.
import pyodideWasm from "./gen/pyodide.asm.wasm"; // CompiledWasm: workerd compiles it at load
import stdlibZip from "./gen/python_stdlib.zip"; // Data (ArrayBuffer)
import { recordedModules } from "./wasm/index.mjs";

// Pyodide resolves every file against this made-up base; nothing is fetched from the network.
export const INDEX_URL = "https://pyodide.invalid/";
const WASM_URL = INDEX_URL + "pyodide.asm.wasm";
const STDLIB_URL = INDEX_URL + "python_stdlib.zip";
const WASM_MARKER = Symbol("pyodide.asm.wasm");

// "Cannot determine runtime environment": look like a web worker.
globalThis.location ??= new URL(INDEX_URL);
globalThis.importScripts ??= () => {
  throw new TypeError("importScripts is not available in workerd");
};
// "addEventListener(): useCapture must be false.": Pyodide's setImmediate fallback uses
// postMessage/addEventListener; give it timers instead.
globalThis.setImmediate ??= (fn, ...args) => setTimeout(fn, 0, ...args);
globalThis.clearImmediate ??= (id) => clearTimeout(id);

// fetch(): serve the two files Pyodide loads by URL; everything else goes to the real fetch.
const realFetch = globalThis.fetch;
globalThis.fetch = async function (input, init) {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input?.url;
  if (url === WASM_URL) {
    const res = new Response("pyodide.asm.wasm is served precompiled");
    res[WASM_MARKER] = true;
    return res;
  }
  if (url === STDLIB_URL) return new Response(stdlibZip);
  return realFetch.call(this, input, init);
};

// Wasm from bytes is refused by workerd ("Wasm code generation disallowed by embedder"):
// look small modules up among the ones record_wasm.mjs recorded, by their exact bytes.
export const wasmStats = { hits: 0, misses: [] };
const W = WebAssembly;
const origModule = W.Module;
const origCompile = W.compile;
const origInstantiate = W.instantiate;
const origInstantiateStreaming = W.instantiateStreaming;

function bytesOf(src) {
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  if (ArrayBuffer.isView(src)) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  return null;
}
function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
function lookup(src) {
  const bytes = bytesOf(src);
  if (!bytes) return null;
  const mod = recordedModules.get(base64(bytes));
  if (mod) {
    wasmStats.hits++;
    return mod;
  }
  if (bytes.length > 8) {
    // 8 bytes = Pyodide's JSPI probe, which is meant to fail here. Anything else is a module
    // record_wasm.mjs never saw: Pyodide will hang ("wasm instantiation failed!").
    const miss = { bytes: bytes.length, head: base64(bytes.subarray(0, 48)) };
    wasmStats.misses.push(miss);
    console.error(
      `[inline_sync harness] wasm module of ${bytes.length} bytes compiled from bytes was not recorded; ` +
        `re-run "node workerd/record_wasm.mjs" after exercising this path in it. head=${miss.head}`,
    );
  }
  return null;
}

W.Module = new Proxy(origModule, {
  construct(target, args, newTarget) {
    return lookup(args[0]) ?? Reflect.construct(target, args, newTarget);
  },
});
W.compile = function (src, ...rest) {
  const mod = lookup(src);
  return mod ? Promise.resolve(mod) : origCompile.call(W, src, ...rest);
};
W.instantiate = async function (src, imports) {
  if (src instanceof origModule) return origInstantiate.call(W, src, imports);
  const mod = lookup(src);
  if (mod) return { module: mod, instance: await origInstantiate.call(W, mod, imports) };
  return origInstantiate.call(W, src, imports);
};
W.instantiateStreaming = async function (source, imports) {
  const res = await source;
  if (res && res[WASM_MARKER]) {
    return { module: pyodideWasm, instance: await origInstantiate.call(W, pyodideWasm, imports) };
  }
  return origInstantiateStreaming.call(W, res, imports);
};
