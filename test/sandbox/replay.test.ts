import fc from "fast-check";
import { compileScript } from "../../sandbox/compile";
import { STORAGE_KEY_PATTERN } from "../../sandbox/output";
import { createSandboxPool, type SandboxPool } from "../../sandbox/pool";
import { replayRecord, runScript } from "../../sandbox/runtime";
import { inputs, type LoopbackServer, run, startServer } from "./helpers";

let pool: SandboxPool;
let api: LoopbackServer;
let reply = { status: 200, body: "{}" };
beforeAll(async () => {
  pool = createSandboxPool({ size: 2 });
  api = await startServer((_request, _body, response) => {
    response.writeHead(reply.status, { "content-type": "application/json" });
    response.end(reply.body);
  });
});
afterAll(async () => {
  await pool.close();
  await api.close();
});

/** A script whose output depends on everything a run can observe. */
const observer = (url: string) => `
  const response = await fetch("${url}", { method: "POST", body: process.env.TRIGGERX_STORAGE });
  const text = await response.text();
  await new Promise((resolve) => setTimeout(resolve, 250));
  const digest = [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  export default () => ({
    shouldExecute: false,
    storageUpdates: {
      status: String(response.status),
      digest: String(digest),
      keys: String(Object.keys(JSON.parse(process.env.TRIGGERX_STORAGE)).length),
      random: String(Math.random()),
      uuid: crypto.randomUUID(),
      now: String(Date.now()),
    },
  });`;

describe("replays", () => {
  it("reach the same outputHash many times, on every worker thread", async () => {
    reply = { status: 200, body: '{"price":"1.5"}' };
    const { record, result } = await run(pool, observer(`${api.url}/observe`), {
      allowNet: [api.hostPort],
      inputs: inputs({ storage: { a: "1" } }),
    });
    expect(result.ok).toBe(true);

    const reports = await Promise.all(
      Array.from({ length: 24 }, () => replayRecord(record, { pool })),
    );

    const hashes = new Set(reports.map((report) => report.outputHash));
    expect([...hashes]).toEqual([record.outputHash]);
    expect(reports.every((report) => report.ok)).toBe(true);
  });

  it("take the script from the caller when the record names it by CID only", async () => {
    const script = await compileScript(
      `export default () => ({ shouldExecute: false, storageUpdates: { r: String(Math.random()) } })`,
      "script.ts",
    );
    const { record } = await runScript({
      pool,
      script,
      inputs: inputs(),
      scriptCid: "bafy-example",
      inlineScript: false,
    });

    const report = await replayRecord(record, {
      pool,
      scriptSource: script.code,
    });

    expect(record.script).toMatchObject({
      cid: "bafy-example",
      source: null,
      hash: script.hash,
    });
    expect(report.ok).toBe(true);
    await expect(replayRecord(record, { pool })).rejects.toThrow(
      "the record does not hold its script and none was given",
    );
  });

  it("see the same stack traces as the original run", async () => {
    const { record, result } = await run(
      pool,
      `function where() { return new Error("here").stack; }
       export default () => ({ shouldExecute: false, storageUpdates: { stack: where() } });`,
      { filename: "named-differently.ts" },
    );

    const report = await replayRecord(record, { pool });

    expect(result.ok && result.output.storageUpdates.stack).toContain(
      "script.js",
    );
    expect(report.ok).toBe(true);
  });

  it("reproduce any run over random storage and responses", async () => {
    const storageKey = fc
      .stringMatching(STORAGE_KEY_PATTERN)
      .filter((k) => k.length <= 16);
    const storage = fc.dictionary(storageKey, fc.string({ maxLength: 40 }), {
      maxKeys: 8,
    });
    const response = fc.record({
      status: fc.constantFrom(200, 201, 404, 500),
      body: fc.oneof(fc.json(), fc.string({ maxLength: 200 })),
    });

    await fc.assert(
      fc.asyncProperty(
        storage,
        response,
        fc.uuid(),
        async (snapshot, answer, executionId) => {
          reply = answer;
          const { record } = await run(pool, observer(`${api.url}/observe`), {
            allowNet: [api.hostPort],
            inputs: inputs({ storage: snapshot, executionId }),
          });

          const report = await replayRecord(record, { pool });

          expect(report.divergence).toBeUndefined();
          expect(report.outputHash).toBe(record.outputHash);
          expect(report.mismatches).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
  });
});
