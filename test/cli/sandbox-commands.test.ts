import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { json, type LoopbackServer, startServer } from "../sandbox/helpers";

const root = path.resolve(__dirname, "../..");
const compat = path.resolve(root, "../shared/compat");
const target = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** Runs `node bin/triggerx.js <args>` and collects what it printed. */
function triggerx(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, "bin/triggerx.js"), ...args],
      { cwd: root, env: { ...process.env, TRIGGERX_LOG_LEVEL: "silent" } },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
let prices: LoopbackServer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "triggerx-cli-"));
  prices = await startServer((_request, _body, response) =>
    json(response, { data: { amount: "2600", base: "ETH", currency: "USD" } }),
  );
});
afterAll(async () => {
  await prices.close();
  await rm(dir, { recursive: true, force: true });
});

describe("triggerx test", () => {
  it("prints one JSON object and exits 0 for a valid output", async () => {
    const { code, stdout } = await triggerx([
      "test",
      "examples/counter.ts",
      "--json",
      "--timestamp",
      "1700000000",
      "--storage",
      "count=5",
      "--storage",
      `target=${target}`,
    ]);

    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      ok: true,
      output: {
        shouldExecute: true,
        calldata: "0x5c36b186",
        storageUpdates: { count: "6" },
      },
      error: null,
      usage: { requests: 0 },
      hashes: { inputHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) },
    });
    expect(Object.keys(report.usage).sort()).toEqual([
      "fuel",
      "memoryBytes",
      "requests",
      "wallMs",
    ]);
  });

  it("runs the shared price-threshold.ts against a loopback server, and its record replays", async () => {
    const record = path.join(dir, "price.json");
    const run = await triggerx([
      "test",
      path.join(compat, "price-threshold.ts"),
      "--storage",
      `priceUrl=${prices.url}/spot`,
      "--allow-net",
      prices.hostPort,
      "--timestamp",
      "1700000000",
      "--record",
      record,
    ]);
    const replay = await triggerx(["replay", record, "--json"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("price-threshold.ts: ok");
    expect(run.stdout).toMatch(
      /#0 GET http:\/\/127\.0\.0\.1:\d+\/spot -> 200, \d+ bytes/,
    );
    expect(run.stdout).toContain('+ lastPrice = "2600"');
    expect(run.stdout).toMatch(/requests\s+1 \/ 20/);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({
      ok: true,
      divergence: null,
    });
  });

  it("reads storage from a file and keeps secrets out of the record file", async () => {
    const storage = path.join(dir, "storage.json");
    const script = path.join(dir, "secret.ts");
    const record = path.join(dir, "secret-record.json");
    await writeFile(storage, JSON.stringify({ count: "41", target }));
    await writeFile(
      script,
      `const key = process.env.SECRET_API_KEY;
       export default () => ({ shouldExecute: false, storageUpdates: {
         count: String(Number(process.env.TRIGGERX_STORAGE_count) + 1), seen: key } });\n`,
    );

    const { code, stdout } = await triggerx([
      "test",
      script,
      "--json",
      "--storage-file",
      storage,
      "--secret",
      "API_KEY=sk-very-secret",
      "--record",
      record,
    ]);

    expect(code).toBe(0);
    expect(JSON.parse(stdout).output.storageUpdates).toEqual({
      count: "42",
      seen: "<secret:API_KEY>",
    });
    expect(await readFile(record, "utf8")).not.toContain("sk-very-secret");
    expect((await triggerx(["replay", record])).code).toBe(0);
  });

  it("exits 1 with the error's code when the script fails", async () => {
    const script = path.join(dir, "loop.js");
    await writeFile(script, "while (true) {}\n");

    const { code, stdout } = await triggerx(["test", script, "--json"]);

    expect(code).toBe(1);
    expect(JSON.parse(stdout).error).toEqual({
      code: "LIMIT_FUEL",
      message: "script exceeded its fuel limit of 50000000",
    });
  });

  it("exits 2 when it is used wrongly", async () => {
    const results = await Promise.all([
      triggerx(["test", "examples/counter.ts", "--storage", "no-equals-sign"]),
      triggerx(["test", "examples/counter.ts", "--no-such-option"]),
      triggerx(["test", path.join(dir, "missing.ts")]),
      triggerx(["test", "examples/counter.ts", "--allow-net", "not a host"]),
    ]);

    expect(results.map((result) => result.code)).toEqual([2, 2, 2, 2]);
    expect(results[0]?.stderr).toContain("USAGE_BAD_PAIR");
  });
});

describe("triggerx replay", () => {
  it("exits 1 and names the request whose recorded response was edited", async () => {
    const file = path.join(dir, "edited.json");
    await triggerx([
      "test",
      "examples/price-threshold.ts",
      "--storage",
      `priceUrl=${prices.url}/spot`,
      "--storage",
      `target=${target}`,
      "--allow-net",
      prices.hostPort,
      "--record",
      file,
    ]);
    const content = JSON.parse(await readFile(file, "utf8"));
    const response = content.record.transcript.exchanges[0].response;
    response.bodyBase64 = Buffer.from(
      Buffer.from(response.bodyBase64, "base64")
        .toString()
        .replace("2600", "2700"),
    ).toString("base64");
    await writeFile(file, JSON.stringify(content));

    const { code, stdout } = await triggerx(["replay", file, "--json"]);

    expect(code).toBe(1);
    expect(JSON.parse(stdout).divergence).toMatchObject({
      kind: "request",
      index: 0,
    });
  });
});

describe("triggerx build", () => {
  it("bundles npm imports into one file that the sandbox runs", async () => {
    const bundle = path.join(dir, "viem-calldata.js");
    const build = await triggerx([
      "build",
      "examples/viem-calldata.ts",
      "-o",
      bundle,
    ]);
    const run = await triggerx([
      "test",
      bundle,
      "--json",
      "--timestamp",
      "1700006400",
      "--storage",
      `token=${target}`,
      "--storage",
      `recipient=${target}`,
    ]);

    expect(build.code).toBe(0);
    expect(await readFile(bundle, "utf8")).not.toMatch(/from\s+["']viem["']/);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).output.calldata).toMatch(/^0xa9059cbb/);
  });

  it("refuses node built-ins, which the sandbox does not have", async () => {
    const script = path.join(dir, "fs.ts");
    await writeFile(
      script,
      'import { readFileSync } from "node:fs";\nconsole.log(readFileSync("/etc/passwd"));\n',
    );

    const { code, stderr } = await triggerx([
      "build",
      script,
      "-o",
      path.join(dir, "fs.js"),
    ]);

    expect(code).toBe(1);
    expect(stderr).toContain("SCRIPT_COMPILE_FAILED");
  });
});
