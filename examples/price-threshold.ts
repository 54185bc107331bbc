/**
 * A price threshold job: reads a price from an HTTP API and, when it is over
 * the threshold, calls `swap(uint256)` on the target with the price in cents.
 *
 * Storage it reads: `priceUrl`, `threshold`, `target`; storage it writes:
 * `lastPrice`, `runs`. Run it with
 * `triggerx test examples/price-threshold.ts --storage priceUrl=... --allow-net host:port`.
 */

interface Output {
  shouldExecute: boolean;
  targetContract?: string;
  calldata?: string;
  storageUpdates: Record<string, string>;
  metadata: { reason: string };
}

const SWAP_SELECTOR = "94b918de"; // swap(uint256)

function setting(key: string, fallback?: string): string {
  const value = process.env[`TRIGGERX_STORAGE_${key}`] ?? fallback;
  if (value === undefined) throw new Error(`storage key ${key} is not set`);
  return value;
}

function swapCalldata(priceCents: bigint): string {
  return `0x${SWAP_SELECTOR}${priceCents.toString(16).padStart(64, "0")}`;
}

export default async function main(): Promise<Output> {
  const response = await fetch(setting("priceUrl"), {
    headers: { accept: "application/json" },
  });
  if (!response.ok) throw new Error(`price API answered ${response.status}`);

  const body = (await response.json()) as { data: { amount: string } };
  const price = Number.parseFloat(body.data.amount);
  const threshold = Number(setting("threshold", "2000"));
  const runs = Number(setting("runs", "0")) + 1;
  const storageUpdates = { lastPrice: String(price), runs: String(runs) };

  if (price <= threshold) {
    return {
      shouldExecute: false,
      storageUpdates,
      metadata: { reason: `price ${price} is not over ${threshold}` },
    };
  }

  return {
    shouldExecute: true,
    targetContract: setting("target"),
    calldata: swapCalldata(BigInt(Math.round(price * 100))),
    storageUpdates,
    metadata: { reason: `price ${price} is over ${threshold}` },
  };
}
