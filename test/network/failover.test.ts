import type { ChildProcess } from "node:child_process";
import { privateKeyToAccount } from "viem/accounts";
import { listHealthyKeepers } from "../../store/keepers";
import { readStorage } from "../../store/storage";
import type { PriceServer } from "./harness";
import {
  createPriceJob,
  eventually,
  kill,
  listRuns,
  readTarget,
  spawnWorker,
  startPriceServer,
  startTestNetwork,
} from "./harness";

// Runs on a real schedule, chain and keepers take tens of seconds.
jest.setTimeout(180_000);
type Network = Awaited<ReturnType<typeof startTestNetwork>>;

describe("a keeper that dies in the middle of a run", () => {
  let prices: PriceServer;
  let network: Network;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    prices = await startPriceServer([2500]);
    network = await startTestNetwork("failover", [prices.hostPort], {
      keepers: 0,
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map(kill));
    await network?.cleanup();
    await prices?.close();
  });

  it("hands the task to another keeper; the target sees one call and storage advances once", async () => {
    const keepers = network.keeperKeys.slice(0, 2).map((key) => ({
      key,
      address: privateKeyToAccount(key).address.toLowerCase(),
    }));
    for (const keeper of keepers) {
      workers.push(
        spawnWorker(network, "keeper", [
          "--key",
          keeper.key,
          "--queue-prefix",
          network.queuePrefix,
          "--allow-net",
          prices.hostPort,
        ]),
      );
    }
    await eventually(
      () => listHealthyKeepers(network.cassandra),
      (healthy) => healthy.length === 2,
    );

    prices.hold();
    const jobId = await createPriceJob(
      network,
      prices,
      { recurring: false, time_interval: 1 },
      "wrapped",
    );
    await eventually(
      async () => prices.requests,
      (count) => count === 1,
    );

    // The first run goes to the first keeper in address order.
    const sorted = [...keepers].sort((a, b) =>
      a.address.localeCompare(b.address),
    );
    const first = sorted[0];
    const second = sorted[1];
    if (!first || !second) throw new Error("two keepers expected");
    const firstIndex = keepers.indexOf(first);
    const firstWorker = workers[firstIndex];
    if (!firstWorker) throw new Error("first keeper's process is missing");
    await kill(firstWorker);
    prices.release();

    const runs = await eventually(
      () => listRuns(network, jobId),
      (list) => list.length === 1,
      90_000,
    );

    expect(runs[0]?.execution_status).toBe("success");
    expect(runs[0]?.performer_address?.toLowerCase()).toBe(second.address);
    expect(prices.requests).toBe(2);
    expect(await readTarget(network, "swapCount")).toBe(1n);
    const storage = await readStorage(network.cassandra, BigInt(jobId));
    expect(storage.values.executionCount).toBe("1");
  });
});
