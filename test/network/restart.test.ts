import type { ChildProcess } from "node:child_process";
import { readStorage } from "../../store/storage";
import type { PriceServer } from "./harness";
import {
  createPriceJob,
  eventually,
  kill,
  mine,
  ownerRequest,
  readTarget,
  spawnWorker,
  startPriceServer,
  startTestNetwork,
} from "./harness";

// Runs on a real schedule, chain and keepers take tens of seconds.
jest.setTimeout(180_000);
type Network = Awaited<ReturnType<typeof startTestNetwork>>;

describe("workers restarted between a transaction and its confirmation", () => {
  let prices: PriceServer;
  let network: Network;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    prices = await startPriceServer([2500]);
    network = await startTestNetwork("restart", [prices.hostPort], {
      keepers: 1,
      orchestrator: false,
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map(kill));
    await network?.cleanup();
    await prices?.close();
  });

  const orchestrator = () =>
    spawnWorker(network, "orchestrator", [
      "--task-queue",
      network.orchestratorQueue,
      "--confirmations",
      "3",
    ]);

  it("applies the run's storage updates exactly once", async () => {
    const first = orchestrator();
    workers.push(first);
    const jobId = BigInt(
      await createPriceJob(network, prices, {
        recurring: false,
        time_interval: 1,
      }),
    );
    const seeded = await readStorage(network.cassandra, jobId);

    // The transaction lands; its confirmation needs blocks that no one
    // mines until the orchestrator that waits for them is gone.
    await eventually(
      () => readTarget(network, "swapCount"),
      (count) => count === 1n,
      90_000,
    );
    await kill(first);
    workers.push(orchestrator());
    await mine(network, 3);

    const runs = await eventually(
      async () =>
        (await ownerRequest(network, "GET", `/api/jobs/${jobId}/runs`)).json
          .runs as Array<{ execution_status: string }>,
      (list) => list.length === 1,
      90_000,
    );
    expect(runs[0]?.execution_status).toBe("success");

    const storage = await readStorage(network.cassandra, jobId);
    expect(storage.version).toBe(seeded.version + 1);
    expect(storage.values.executionCount).toBe("1");
    expect(await readTarget(network, "swapCount")).toBe(1n);
    const history = await network.cassandra.execute(
      "SELECT storage_version FROM script_storage_history WHERE job_id = ?",
      [jobId.toString()],
      { prepare: true },
    );
    expect(history.rowLength).toBe(seeded.version + 1);
  });
});
