import type { ExecutionRecord } from "../../records/record";
import { compileScript } from "../../sandbox/compile";
import { createSandboxPool, type SandboxPool } from "../../sandbox/pool";
import { replayRecord, runScript } from "../../sandbox/runtime";
import { inputs, json, type LoopbackServer, run, startServer } from "./helpers";

let pool: SandboxPool;
const servers: LoopbackServer[] = [];
beforeAll(() => {
  pool = createSandboxPool({ size: 2 });
});
afterAll(async () => {
  await pool.close();
  await Promise.all(servers.map((server) => server.close()));
});

async function server(
  handler: Parameters<typeof startServer>[0],
  host?: "127.0.0.1" | "::1",
) {
  const started = await startServer(handler, host);
  servers.push(started);
  return started;
}

const fetchAndReport = (url: string) => `
  let outcome;
  try {
    const response = await fetch(${JSON.stringify(url)});
    outcome = "status " + response.status;
  } catch (error) {
    outcome = error.name + ": " + error.message;
  }
  console.log(JSON.stringify({ shouldExecute: false, storageUpdates: { outcome } }));`;

const errorCodes = (record: ExecutionRecord) =>
  record.transcript.exchanges.map((exchange) =>
    "error" in exchange ? exchange.error.code : exchange.response.status,
  );

describe("requests to the network", () => {
  it("records each allowed request and its response", async () => {
    const api = await server((_request, body, response) =>
      json(response, { echo: body, price: "2100.5" }),
    );

    const { result, record } = await run(
      pool,
      `const response = await fetch("${api.url}/price?pair=ETH", {
         method: "POST", headers: { "X-Trace": "t1" }, body: "hello" });
       const data = await response.json();
       export default () => ({ shouldExecute: false, storageUpdates: { price: data.price } });`,
      { allowNet: [api.hostPort] },
    );

    expect(result.ok && result.output.storageUpdates).toEqual({
      price: "2100.5",
    });
    expect(result.usage.requests).toBe(1);
    const [exchange] = record.transcript.exchanges;
    expect(exchange?.request).toEqual({
      method: "POST",
      url: `${api.url}/price?pair=ETH`,
      headers: [
        ["content-type", "text/plain;charset=UTF-8"],
        ["x-trace", "t1"],
      ],
      body: { text: "hello" },
    });
    expect(exchange && "response" in exchange && exchange.response.status).toBe(
      200,
    );
  });

  it("refuses 127.0.0.1 when it is not allowed, and the server sees nothing", async () => {
    const target = await server((_request, _body, response) =>
      json(response, {}),
    );

    const { result, record } = await run(
      pool,
      fetchAndReport(`${target.url}/`),
    );

    expect(result.ok && result.output.storageUpdates.outcome).toMatch(
      /^TypeError: /,
    );
    expect(errorCodes(record)).toEqual(["NET_ADDRESS_REFUSED"]);
    expect(target.received).toEqual([]);
  });

  it("refuses [::1] when it is not allowed", async () => {
    const target = await server(
      (_request, _body, response) => json(response, {}),
      "::1",
    );

    const { record } = await run(pool, fetchAndReport(`${target.url}/`));

    expect(errorCodes(record)).toEqual(["NET_ADDRESS_REFUSED"]);
    expect(target.received).toEqual([]);
  });

  it("refuses a name that resolves to loopback", async () => {
    const target = await server((_request, _body, response) =>
      json(response, {}),
    );

    const { record } = await run(
      pool,
      fetchAndReport(`http://localhost:${target.port}/`),
    );

    expect(errorCodes(record)).toEqual(["NET_ADDRESS_REFUSED"]);
    expect(target.received).toEqual([]);
  });

  it("refuses a redirect from an allowed host to a loopback port that is not allowed", async () => {
    const hidden = await server((_request, _body, response) =>
      json(response, { secret: 1 }),
    );
    const allowed = await server((_request, _body, response) => {
      response.writeHead(302, { location: `${hidden.url}/admin` });
      response.end();
    });

    const { record } = await run(pool, fetchAndReport(`${allowed.url}/go`), {
      allowNet: [allowed.hostPort],
    });

    expect(errorCodes(record)).toEqual(["NET_ADDRESS_REFUSED"]);
    expect(allowed.received).toHaveLength(1);
    expect(hidden.received).toEqual([]);
  });
});

describe("replays of requests", () => {
  it("serves concurrent responses in the order the run observed them, whatever order the script asked in", async () => {
    // The server answers /slow only after /release, which the script asks
    // for once it has seen /fast: the script asks for slow first and sees
    // it last.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const api = await server((request, _body, response) => {
      if (request.url === "/slow") {
        void released.then(() => json(response, { name: "slow" }));
        return;
      }
      if (request.url === "/release") release();
      json(response, { name: request.url?.slice(1) });
    });
    const source = `
      const seen = [];
      const get = (path) => fetch("${api.url}" + path).then((r) => r.json()).then((d) => seen.push(d.name));
      const slow = get("/slow");
      await get("/fast");
      await get("/release");
      await slow;
      console.log(JSON.stringify({ shouldExecute: false, storageUpdates: { seen: seen.join(",") } }));`;

    const { record, result } = await run(pool, source, {
      allowNet: [api.hostPort],
    });
    const replays = await Promise.all(
      Array.from({ length: 4 }, () => replayRecord(record, { pool })),
    );

    expect(result.ok && result.output.storageUpdates.seen).toBe(
      "fast,release,slow",
    );
    expect(record.transcript.exchanges.map((e) => e.request.url)).toEqual([
      `${api.url}/fast`,
      `${api.url}/release`,
      `${api.url}/slow`,
    ]);
    for (const replay of replays) {
      expect(replay.ok).toBe(true);
      expect(replay.outputHash).toBe(record.outputHash);
    }
    expect(api.received).toHaveLength(3);
  });

  it("names the request when a replayed script asks for something else", async () => {
    const api = await server((_request, _body, response) =>
      json(response, { v: 1 }),
    );
    const { record } = await run(
      pool,
      `await fetch("${api.url}/a"); await fetch("${api.url}/b");
       console.log(JSON.stringify({ shouldExecute: false }));`,
      { allowNet: [api.hostPort] },
    );
    const changed = await compileScript(
      `await fetch("${api.url}/a"); await fetch("${api.url}/c");
       console.log(JSON.stringify({ shouldExecute: false }));`,
      "script.ts",
    );

    const report = await replayRecord(record, {
      pool,
      scriptSource: changed.code,
    });

    expect(report.ok).toBe(false);
    expect(report.divergence).toMatchObject({
      kind: "request",
      index: 1,
      message: "replay diverged at request #1: the script's url differs",
    });
    expect(report.divergence?.details).toEqual([
      `url: record ${api.url}/b, script ${api.url}/c`,
    ]);
    expect(report.mismatches.map((m) => m.field)).toEqual(["script.hash"]);
    expect(api.received).toHaveLength(2);
  });

  it("names the recorded request that a replayed script never made", async () => {
    const api = await server((_request, _body, response) =>
      json(response, { v: 1 }),
    );
    const { record } = await run(
      pool,
      `await fetch("${api.url}/a"); await fetch("${api.url}/b");
       console.log(JSON.stringify({ shouldExecute: false }));`,
      { allowNet: [api.hostPort] },
    );
    const shorter = await compileScript(
      `await fetch("${api.url}/a"); console.log(JSON.stringify({ shouldExecute: false }));`,
      "script.ts",
    );

    const report = await replayRecord(record, {
      pool,
      scriptSource: shorter.code,
    });

    expect(report.divergence).toMatchObject({
      kind: "request",
      index: 1,
      message:
        "replay diverged at request #1: the script finished without making the recorded request",
      details: [`the record holds GET ${api.url}/b`],
    });
  });

  it("names the request whose recorded response was edited", async () => {
    const api = await server((request, _body, response) =>
      json(response, { price: request.url === "/one" ? "100" : "200" }),
    );
    const script = await compileScript(
      `const one = await (await fetch("${api.url}/one")).json();
       const two = await (await fetch("${api.url}/two")).json();
       export default () => ({ shouldExecute: false,
         storageUpdates: { sum: String(Number(one.price) + Number(two.price)) } });`,
      "script.ts",
    );
    const outcome = await runScript({
      pool,
      script,
      inputs: inputs(),
      allowNet: [api.hostPort],
    });
    const edited: ExecutionRecord = JSON.parse(JSON.stringify(outcome.record));
    const exchange = edited.transcript.exchanges[1];
    if (!exchange || !("response" in exchange)) throw new Error("no response");
    const body = Buffer.from(exchange.response.bodyBase64, "base64");
    body[body.indexOf("2")] = "3".charCodeAt(0);
    exchange.response.bodyBase64 = body.toString("base64");

    const report = await replayRecord(edited, {
      pool,
      exchangeHashes: outcome.exchangeHashes,
    });
    const plain = await replayRecord(edited, { pool });

    expect(report.ok).toBe(false);
    expect(report.divergence).toMatchObject({ kind: "request", index: 1 });
    expect(report.result.ok && report.result.output.storageUpdates).toEqual({
      sum: "400",
    });
    expect(plain.ok).toBe(false);
    expect(plain.divergence).toMatchObject({
      kind: "output",
      field: "storageUpdates",
    });
    expect(plain.mismatches.map((m) => m.field)).toContain("transcriptHash");
  });

  it("never touches the network in a replay", async () => {
    const api = await server((_request, _body, response) =>
      json(response, { v: 1 }),
    );
    const { record } = await run(
      pool,
      `await fetch("${api.url}/once"); console.log(JSON.stringify({ shouldExecute: false }));`,
      { allowNet: [api.hostPort] },
    );

    await replayRecord(record, { pool });
    await replayRecord(record, { pool });

    expect(api.received).toHaveLength(1);
  });
});
