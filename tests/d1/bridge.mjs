// Test-only bridge: serves a real local D1 database (miniflare's D1, SQLite inside workerd) to
// a Python test over stdin/stdout, one JSON request per line. See tests/real_d1.py.
// Request: {"db": name, "op": "batch" | "all", "statements": [[sql, params], ...]}
// There are DATABASES databases, "DB0", "DB1", ...: one per test, all in one miniflare.
// Answer:  {"ok": true, "results": [[row, ...], ...]} or {"ok": false, "error": message}
import { createInterface } from "node:readline";
import { Miniflare } from "miniflare";

const persist = process.argv[2] || false; // a directory keeps the databases across restarts
const DATABASES = 400;
const names = Array.from({ length: DATABASES }, (_, i) => `DB${i}`);
const mf = new Miniflare({
  modules: true,
  script: "export default { async fetch() { return new Response('ok'); } }",
  d1Databases: names,
  d1Persist: persist,
  compatibilityDate: "2026-04-20",
});
const databases = new Map();
async function database(name) {
  if (!databases.has(name)) databases.set(name, await mf.getD1Database(name));
  return databases.get(name);
}
const say = (answer) => process.stdout.write(JSON.stringify(answer) + "\n");
say({ ready: true });

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const request = JSON.parse(line);
  try {
    const db = await database(request.db);
    const prepared = request.statements.map(([sql, params]) =>
      params.length ? db.prepare(sql).bind(...params) : db.prepare(sql));
    const results = request.op === "batch"
      ? await db.batch(prepared)
      : [await prepared[0].all()];
    say({ ok: true, results: results.map((r) => r.results) });
  } catch (e) {
    say({ ok: false, error: String(e && e.message ? e.message : e) });
  }
}
await mf.dispose();
