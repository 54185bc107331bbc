/**
 * A stateful counter: every run adds one to `count` in storage, and every
 * `every`-th run (default 3) calls `ping()` on the target contract (the
 * example `PriceTarget` that `triggerx dev` deploys has it).
 * Storage updates apply only after the run's result is accepted, so the
 * count is exact even when a run is retried on another keeper.
 */

const PING_SELECTOR = "0x5c36b186"; // ping()

const env = process.env;
const count = Number(env.TRIGGERX_STORAGE_count ?? "0") + 1;
const every = Number(env.TRIGGERX_STORAGE_every ?? "3");
const due = count % every === 0;

const output = {
  shouldExecute: due,
  ...(due
    ? {
        targetContract: env.TRIGGERX_STORAGE_target,
        calldata: PING_SELECTOR,
      }
    : {}),
  storageUpdates: { count: String(count) },
  metadata: { reason: due ? `run ${count} is due` : `run ${count} is not due` },
};

console.log(JSON.stringify(output));
