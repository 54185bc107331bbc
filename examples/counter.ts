/**
 * A stateful counter: every run adds one to `count` in storage, and every
 * `every`-th run (default 3) calls `increment()` on the target contract.
 * Storage updates apply only after the run's result is accepted, so the
 * count is exact even when a run is retried on another keeper.
 */

const INCREMENT_SELECTOR = "0xd09de08a"; // increment()

const env = process.env;
const count = Number(env.TRIGGERX_STORAGE_count ?? "0") + 1;
const every = Number(env.TRIGGERX_STORAGE_every ?? "3");
const due = count % every === 0;

const output = {
  shouldExecute: due,
  ...(due
    ? {
        targetContract: env.TRIGGERX_STORAGE_target,
        calldata: INCREMENT_SELECTOR,
      }
    : {}),
  storageUpdates: { count: String(count) },
  metadata: { reason: due ? `run ${count} is due` : `run ${count} is not due` },
};

console.log(JSON.stringify(output));
