import { createSandboxPool, type SandboxPool } from "../../sandbox/pool";
import { replayRecord } from "../../sandbox/runtime";
import { json, type LoopbackServer, run, startServer } from "./helpers";

let pool: SandboxPool;
let api: LoopbackServer;
beforeAll(async () => {
  pool = createSandboxPool({ size: 2 });
  api = await startServer((_request, _body, response) => json(response, {}));
});
afterAll(async () => {
  await pool.close();
  await api.close();
});

const errorOf = (result: Awaited<ReturnType<typeof run>>["result"]) =>
  result.ok
    ? undefined
    : { code: result.error.code, message: result.error.message };

const storageOf = (result: Awaited<ReturnType<typeof run>>["result"]) => {
  if (!result.ok) throw new Error(`run failed: ${result.error.message}`);
  return result.output.storageUpdates;
};

/** After each hostile script the pool must still run an honest one. */
async function expectHostUnharmed() {
  const { result } = await run(
    pool,
    `export default () => ({ shouldExecute: false, storageUpdates: { fine: "yes" } })`,
  );
  expect(storageOf(result)).toEqual({ fine: "yes" });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe("hostile scripts", () => {
  afterEach(expectHostUnharmed);

  it("stops an infinite loop at its fuel limit", async () => {
    const { result, record } = await run(pool, `while (true) {}`, {
      limits: { fuel: 5_000_000 },
    });

    expect(errorOf(result)).toEqual({
      code: "LIMIT_FUEL",
      message: "script exceeded its fuel limit of 5000000",
    });
    expect(record.result).toMatchObject({
      status: "failed",
      reproducible: true,
    });
  });

  it("stops a loop that catches everything", async () => {
    const { result } = await run(
      pool,
      `for (;;) { try { while (true) {} } catch {} }`,
      { limits: { fuel: 5_000_000 } },
    );

    expect(errorOf(result)?.code).toBe("LIMIT_FUEL");
  });

  it("stops a run at the wall clock when fuel would allow more, with no result", async () => {
    const { result, record } = await run(pool, `while (true) {}`, {
      limits: { fuel: 1e15, wallTimeMs: 200 },
    });
    const replay = await replayRecord(record, { pool });

    expect(errorOf(result)).toEqual({
      code: "LIMIT_WALL_TIME",
      message: "script exceeded its wall time (ms) limit of 200",
    });
    expect(record.result).toMatchObject({
      status: "failed",
      reproducible: false,
    });
    expect(record.outputHash).toBeNull();
    expect(replay.ok).toBe(false);
    expect(replay.divergence).toMatchObject({
      kind: "record",
      field: "outputHash",
    });
  });

  it("stops a memory bomb at its memory limit", async () => {
    const { result } = await run(
      pool,
      `const hoard = [];
       for (;;) hoard.push("x".repeat(1 << 20) + hoard.length, new Uint8Array(1 << 20));`,
      { limits: { memoryBytes: 32 * 1024 * 1024 } },
    );

    expect(errorOf(result)).toEqual({
      code: "LIMIT_MEMORY",
      message: "script exceeded its memory (bytes) limit of 33554432",
    });
  });

  it("refuses a single allocation over the memory limit", async () => {
    const { result } = await run(pool, `new Uint8Array(64 * 1024 * 1024);`, {
      limits: { memoryBytes: 32 * 1024 * 1024 },
    });

    expect(errorOf(result)?.code).toBe("LIMIT_MEMORY");
  });

  it("stops deep recursion at the stack limit", async () => {
    const { result } = await run(
      pool,
      `function down(n) { return down(n + 1) + 1; } down(0);`,
    );

    expect(errorOf(result)).toEqual({
      code: "LIMIT_STACK",
      message: "script exceeded its stack (bytes) limit of 524288",
    });
  });

  it("refuses a 100 MB output without copying it out of the sandbox", async () => {
    const { result } = await run(
      pool,
      `const big = "x".repeat(100 * 1024 * 1024);
       export default () => ({ shouldExecute: false, storageUpdates: { big } });`,
      { limits: { memoryBytes: 512 * 1024 * 1024 } },
    );

    expect(errorOf(result)).toEqual({
      code: "LIMIT_OUTPUT_BYTES",
      message: "script exceeded its output size limit of 65536",
    });
  });

  it("refuses a 100 MB line of standard output", async () => {
    const { result } = await run(
      pool,
      `console.log("x".repeat(100 * 1024 * 1024));`,
      {
        limits: { memoryBytes: 512 * 1024 * 1024 },
      },
    );

    expect(errorOf(result)?.code).toBe("LIMIT_OUTPUT_BYTES");
    expect(result.console[0]?.text).toBe(
      "<104857600 characters over the output limit>",
    );
  });

  it("stops a request flood at the request limit", async () => {
    const { result } = await run(
      pool,
      `await Promise.all(Array.from({ length: 100 }, (_, i) => fetch("${api.url}/" + i)));`,
      { allowNet: [api.hostPort] },
    );

    expect(errorOf(result)).toEqual({
      code: "LIMIT_REQUESTS",
      message: "script exceeded its request count limit of 20",
    });
    expect(api.received.length).toBeLessThanOrEqual(20);
  });

  it("gives the script no process, require, node modules or host objects", async () => {
    const { result } = await run(
      pool,
      `const probe = (f) => { try { return String(f()); } catch (e) { return "threw " + e.name; } };
       let imported;
       try { const name = "node:" + "fs"; await import(name); imported = "loaded"; }
       catch (e) { imported = "threw " + e.name; }
       export default () => ({ shouldExecute: false, storageUpdates: {
         processKeys: Object.keys(process).join(","),
         require: typeof require,
         module: typeof module,
         imported,
         viaConstructor: probe(() => globalThis.constructor.constructor("return typeof process.binding")()),
         viaFunction: probe(() => Function("return Object.keys(this).filter(k => k.startsWith('__')).join()")()),
         buffer: typeof Buffer,
         setImmediate: typeof setImmediate,
       } })`,
    );

    expect(storageOf(result)).toEqual({
      processKeys: "env",
      require: "undefined",
      module: "undefined",
      imported: "threw ReferenceError",
      viaConstructor: "undefined",
      viaFunction: "",
      buffer: "undefined",
      setImmediate: "undefined",
    });
  });

  it("keeps prototype pollution inside the sandbox", async () => {
    const { result } = await run(
      pool,
      `Object.prototype.polluted = "yes";
       Array.prototype.polluted = "yes";
       JSON.parse = () => ({ shouldExecute: true });
       console.log('{"shouldExecute":false,"__proto__":{"polluted":"yes","shouldExecute":true},"storageUpdates":{"constructor":"x"}}');`,
    );

    expect(result.ok && result.output).toMatchObject({
      shouldExecute: false,
      storageUpdates: { constructor: "x" },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("cannot hand the host a malformed request by replacing JSON.stringify", async () => {
    const { result } = await run(
      pool,
      `JSON.stringify = () => '{"method":1,"url":{},"headers":"x"}';
       let outcome;
       try { await fetch("${api.url}/"); outcome = "sent"; } catch (e) { outcome = e.name + ": " + e.message; }
       console.log('{"shouldExecute":false,"storageUpdates":{"outcome":"' + outcome + '"}}');`,
      { allowNet: [api.hostPort] },
    );

    expect(storageOf(result)).toEqual({
      outcome: "TypeError: fetch was given a malformed request",
    });
  });

  it("cannot confuse the bridge by replacing built-ins", async () => {
    const { result } = await run(
      pool,
      `Promise.prototype.then = function () { throw new Error("hijacked"); };
       JSON.stringify = () => "{}";
       export default () => ({ shouldExecute: false });`,
    );

    expect(result.ok || errorOf(result)?.code === "SCRIPT_ERROR").toBe(true);
  });
});
