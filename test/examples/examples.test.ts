import { readFile } from "node:fs/promises";
import path from "node:path";
import { decodeFunctionData, parseAbi } from "viem";
import { compileScript } from "../../sandbox/compile";
import { createSandboxPool, type SandboxPool } from "../../sandbox/pool";
import { replayRecord, runScript } from "../../sandbox/runtime";
import {
  inputs,
  json,
  type LoopbackServer,
  startServer,
} from "../sandbox/helpers";

const examples = path.resolve(__dirname, "../../examples");
const target = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

let pool: SandboxPool;
let prices: LoopbackServer;
beforeAll(async () => {
  pool = createSandboxPool({ size: 2 });
  prices = await startServer((_request, _body, response) =>
    json(response, { data: { amount: "2345.67", base: "ETH" } }),
  );
});
afterAll(async () => {
  await pool.close();
  await prices.close();
});

async function runExample(
  file: string,
  storage: Record<string, string>,
  timestamp?: number,
) {
  const source = await readFile(path.join(examples, file), "utf8");
  const script = await compileScript(source, file, { resolveDir: examples });
  const outcome = await runScript({
    pool,
    script,
    inputs: inputs({ storage, ...(timestamp ? { timestamp } : {}) }),
    allowNet: [prices.hostPort],
  });
  const replay = await replayRecord(outcome.record, { pool });
  expect(replay.ok).toBe(true);
  return outcome;
}

describe("examples", () => {
  it("price-threshold.ts swaps when the price is over the threshold", async () => {
    const { result } = await runExample("price-threshold.ts", {
      priceUrl: `${prices.url}/spot`,
      threshold: "2000",
      target,
      runs: "4",
    });

    expect(result.ok && result.output).toMatchObject({
      shouldExecute: true,
      targetContract: target,
      calldata: `0x94b918de${(234567).toString(16).padStart(64, "0")}`,
      storageUpdates: { lastPrice: "2345.67", runs: "5" },
    });
  });

  it("price-threshold.ts waits when the price is under the threshold", async () => {
    const { result } = await runExample("price-threshold.ts", {
      priceUrl: `${prices.url}/spot`,
      threshold: "3000",
      target,
    });

    expect(result.ok && result.output).toMatchObject({
      shouldExecute: false,
      storageUpdates: { lastPrice: "2345.67", runs: "1" },
    });
  });

  it("viem-calldata.ts encodes an ERC-20 transfer with viem", async () => {
    const recipient = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const { result } = await runExample(
      "viem-calldata.ts",
      { token: target, recipient, amount: "2.5" },
      1_700_000_000 - 22 * 3600 + 2 * 3600,
    );

    if (!result.ok) throw new Error(result.error.message);
    expect(result.output.shouldExecute).toBe(true);
    const decoded = decodeFunctionData({
      abi: parseAbi([
        "function transfer(address to, uint256 amount) returns (bool)",
      ]),
      data: result.output.calldata ?? "0x",
    });
    expect(decoded.args).toEqual([recipient, 2_500_000_000_000_000_000n]);
  });

  it("counter.ts counts every run and calls the target every third", async () => {
    const runs = [];
    let storage: Record<string, string> = { target, every: "3" };
    for (let i = 0; i < 3; i++) {
      const { result } = await runExample("counter.ts", storage);
      if (!result.ok) throw new Error(result.error.message);
      runs.push(result.output.shouldExecute);
      storage = { ...storage, count: result.output.storageUpdates.count ?? "" };
    }

    expect(runs).toEqual([false, false, true]);
    expect(storage.count).toBe("3");
  });
});
