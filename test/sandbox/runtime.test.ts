import { createSandboxPool, type SandboxPool } from "../../sandbox/pool";
import { inputs, run } from "./helpers";

let pool: SandboxPool;
beforeAll(() => {
  pool = createSandboxPool({ size: 2 });
});
afterAll(() => pool.close());

const storageOf = (result: Awaited<ReturnType<typeof run>>["result"]) => {
  if (!result.ok) throw new Error(`run failed: ${result.error.message}`);
  return result.output.storageUpdates;
};

describe("runScript", () => {
  it("takes the output from a default-exported async function", async () => {
    const { result, record } = await run(
      pool,
      `export default async function () {
        return { shouldExecute: true, targetContract: "0x0000000000000000000000000000000000000001",
          calldata: "0x12345678", metadata: { reason: "always" } };
      }`,
    );

    expect(result.ok).toBe(true);
    expect(result.ok && result.output.calldata).toBe("0x12345678");
    expect(record.result.status).toBe("success");
    expect(record.outputHash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("takes the output from the last line of standard output", async () => {
    const { result } = await run(
      pool,
      `console.log("thinking");
       console.log(JSON.stringify({ shouldExecute: false, storageUpdates: { a: "1" } }));
       console.log("");`,
    );

    expect(storageOf(result)).toEqual({ a: "1" });
    expect(result.console.map((line) => line.text)).toEqual([
      "thinking",
      '{"shouldExecute":false,"storageUpdates":{"a":"1"}}',
      "",
    ]);
  });

  it("shows the script exactly the environment of the script contract", async () => {
    const { result } = await run(
      pool,
      `export default () => ({ shouldExecute: false,
        storageUpdates: { env: JSON.stringify(process.env) } })`,
      {
        inputs: inputs({
          storage: { b: "2", a: "1" },
          secrets: { API_KEY: "k-123" },
        }),
      },
    );

    expect(JSON.parse(storageOf(result).env as string)).toEqual({
      TRIGGERX_JOB_ID: "7",
      TRIGGERX_TASK_ID: "70",
      TRIGGERX_EXECUTION_ID: "exec-0001",
      TRIGGERX_TIMESTAMP: "1700000000",
      TRIGGERX_CHAIN_ID: "31337",
      TRIGGERX_STORAGE_a: "1",
      TRIGGERX_STORAGE_b: "2",
      TRIGGERX_STORAGE: '{"a":"1","b":"2"}',
      SECRET_API_KEY: "<secret:API_KEY>",
    });
  });

  it("starts the clock at the run's timestamp and moves it only through timers", async () => {
    const { result } = await run(
      pool,
      `const start = Date.now();
       const order = [];
       setTimeout(() => order.push("b"), 2000);
       setTimeout(() => order.push("a"), 1000);
       const id = setTimeout(() => order.push("never"), 1500);
       clearTimeout(id);
       await new Promise((resolve) => setTimeout(resolve, 5000));
       console.log(JSON.stringify({ shouldExecute: false, storageUpdates: {
         start: String(start), end: String(Date.now()), order: order.join(""),
         iso: new Date().toISOString(), local: new Date(0).toString(),
         hours: String(new Date(0).getHours()), offset: String(new Date().getTimezoneOffset()) } }));`,
    );

    expect(storageOf(result)).toEqual({
      start: "1700000000000",
      end: "1700000005000",
      order: "ab",
      iso: "2023-11-14T22:13:25.000Z",
      local: "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)",
      hours: "0",
      offset: "0",
    });
  });

  it("treats delays as Node does, so the clock cannot overflow", async () => {
    const { result } = await run(
      pool,
      `const fired = [];
       setTimeout(() => fired.push("huge:" + (Date.now() - 1700000000000)), 1e400);
       setTimeout(() => fired.push("nan:" + (Date.now() - 1700000000000)), Number.NaN);
       setTimeout(() => fired.push("ten:" + (Date.now() - 1700000000000)), 10);
       await new Promise((resolve) => setTimeout(resolve, 20));
       export default () => ({ shouldExecute: false, storageUpdates: { fired: fired.join(",") } });`,
    );

    expect(storageOf(result)).toEqual({ fired: "huge:1,nan:1,ten:10" });
  });

  it("draws the same random values for the same execution id, other values for another", async () => {
    const source = `export default () => ({ shouldExecute: false, storageUpdates: {
      r: String(Math.random()), u: crypto.randomUUID(),
      b: String(crypto.getRandomValues(new Uint8Array(4))) } })`;
    const first = await run(pool, source);
    const again = await run(pool, source);
    const other = await run(pool, source, {
      inputs: inputs({ executionId: "exec-0002" }),
    });

    expect(storageOf(again.result)).toEqual(storageOf(first.result));
    expect(storageOf(other.result).r).not.toEqual(storageOf(first.result).r);
    expect(storageOf(first.result).u).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("removes the APIs that observe garbage collection", async () => {
    const { result } = await run(
      pool,
      `export default () => ({ shouldExecute: false, storageUpdates: {
        w: typeof WeakRef, f: typeof FinalizationRegistry, i: typeof Intl } })`,
    );

    expect(storageOf(result)).toEqual({
      w: "undefined",
      f: "undefined",
      i: "undefined",
    });
  });

  it("provides the web APIs that bundled libraries use", async () => {
    const { result } = await run(
      pool,
      `const url = new URL("/v2/prices?x=1&y=a+b#top", "https://API.example.com:443/base/");
       url.searchParams.append("z", "é");
       const bytes = new TextEncoder().encode("héllo €");
       const headers = new Headers({ "X-One": "1" });
       headers.append("x-one", "2");
       const response = new Response(JSON.stringify({ ok: 1 }), { status: 201 });
       const clone = structuredClone({ a: [1, { b: 2 }], d: new Date(5) });
       export default async () => ({ shouldExecute: false, storageUpdates: {
         href: url.href, host: url.host, y: url.searchParams.get("y"),
         bytes: String(bytes.length), text: new TextDecoder().decode(bytes),
         b64: btoa("hi there"), unb64: atob("aGkgdGhlcmU="),
         headers: headers.get("X-ONE"), status: String(response.status),
         body: JSON.stringify(await response.json()),
         clone: JSON.stringify(clone), cloneDate: String(clone.d instanceof Date),
         queued: await new Promise((resolve) => queueMicrotask(() => resolve("yes"))) } })`,
    );

    expect(storageOf(result)).toEqual({
      href: "https://api.example.com/v2/prices?x=1&y=a+b&z=%C3%A9#top",
      host: "api.example.com",
      y: "a b",
      bytes: "10",
      text: "héllo €",
      b64: "aGkgdGhlcmU=",
      unb64: "hi there",
      headers: "1, 2",
      status: "201",
      body: '{"ok":1}',
      clone: '{"a":[1,{"b":2}],"d":"1970-01-01T00:00:00.005Z"}',
      cloneDate: "true",
      queued: "yes",
    });
  });

  it("reports a thrown error with its code, and records it", async () => {
    const { result, record } = await run(
      pool,
      `throw new TypeError("no price today")`,
    );

    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({
      code: "SCRIPT_ERROR",
      message: "script threw TypeError: no price today",
    });
    expect(record.result).toMatchObject({
      status: "failed",
      error: { code: "SCRIPT_ERROR" },
      reproducible: true,
    });
  });

  it("reports invalid output with the validator's code", async () => {
    const { result } = await run(
      pool,
      `export default () => ({ shouldExecute: true, targetContract: "0x12", calldata: "0x" })`,
    );

    expect(!result.ok && result.error.code).toBe("OUTPUT_INVALID_ADDRESS");
  });

  it("reports a script that prints nothing", async () => {
    const { result } = await run(pool, `const x = 1;`);

    expect(!result.ok && result.error.code).toBe("OUTPUT_MISSING");
  });

  it("reports a top-level await that nothing can settle", async () => {
    const { result } = await run(pool, `await new Promise(() => {});`);

    expect(!result.ok && result.error.code).toBe("SCRIPT_UNSETTLED");
  });

  it("keeps secret values out of the record, the console and errors", async () => {
    const { result, record } = await run(
      pool,
      `console.log("key is " + process.env.SECRET_API_KEY);
       throw new Error("leaked " + process.env.SECRET_API_KEY);`,
      { inputs: inputs({ secrets: { API_KEY: "sk-live-abcdef" } }) },
    );

    const written = JSON.stringify({ result, record });
    expect(written).not.toContain("sk-live-abcdef");
    expect(result.console[0]?.text).toBe("key is <secret:API_KEY>");
    expect(record.secretNames).toEqual(["API_KEY"]);
  });
});
