import { readFile } from "node:fs/promises";
import path from "node:path";
import { compileScript } from "../../sandbox/compile";
import { createSandboxPool, type SandboxPool } from "../../sandbox/pool";
import { replayRecord, runScript } from "../../sandbox/runtime";
import { inputs, json, type LoopbackServer, startServer } from "./helpers";

/** The repository's root, and the shared compatibility scripts next to it. */
const root = path.resolve(__dirname, "../..");
const compat = path.resolve(root, "../shared/compat");

let pool: SandboxPool;
let prices: LoopbackServer;
let amount = "2500.25";
beforeAll(async () => {
  pool = createSandboxPool({ size: 1 });
  prices = await startServer((_request, _body, response) =>
    json(response, { data: { base: "ETH", currency: "USD", amount } }),
  );
});
afterAll(async () => {
  await pool.close();
  await prices.close();
});

async function runPriceThreshold(storage: Record<string, string>) {
  const file = path.join(compat, "price-threshold.ts");
  const script = await compileScript(await readFile(file, "utf8"), file);
  return runScript({
    pool,
    script,
    inputs: inputs({
      storage: { priceUrl: `${prices.url}/v2/prices/ETH-USD/spot`, ...storage },
    }),
    allowNet: [prices.hostPort],
  });
}

describe("the shared price-threshold.ts, unchanged", () => {
  it("asks to execute when the price is over the threshold", async () => {
    amount = "2500.25";
    const { result, record } = await runPriceThreshold({ executionCount: "2" });

    expect(result.ok && result.output).toEqual({
      shouldExecute: true,
      targetContract: "0x742D35CC6634c0532925A3b844BC9E7595F0BEb0",
      calldata: `0x94b918de${(250025).toString(16).padStart(64, "0")}`,
      storageUpdates: {
        executionCount: "3",
        lastExecutionTime: "1700000000000",
        lastPrice: "2500.25",
      },
      metadata: {
        timestamp: 1_700_000_000_000,
        reason: "Price 2500.25 exceeded threshold 2000",
        gasEstimate: 150000,
      },
    });
    expect(prices.received.at(-1)?.url).toBe("/v2/prices/ETH-USD/spot");
    expect((await replayRecord(record, { pool })).ok).toBe(true);
  });

  it("does not execute when the price is under the threshold", async () => {
    amount = "1500";
    const { result } = await runPriceThreshold({ threshold: "2000" });

    expect(result.ok && result.output).toMatchObject({
      shouldExecute: false,
      storageUpdates: { executionCount: "1", lastPrice: "1500" },
    });
  });
});
