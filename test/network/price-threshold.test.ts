import { Worker } from "@temporalio/worker";
import type { ExecutionRecord } from "../../records/record";
import { createSandboxPool } from "../../sandbox/pool";
import { replayRecord } from "../../sandbox/runtime";
import { workflowBundle } from "../../workers/temporal";
import { jobWorkflowId } from "../../workflows/client";
import type { PriceServer } from "./harness";
import {
  createPriceJob,
  eventually,
  listRuns,
  ownerRequest,
  readTarget,
  startPriceServer,
  startTestNetwork,
} from "./harness";

// Runs on a real schedule, chain and keepers take tens of seconds.
jest.setTimeout(180_000);
type Network = Awaited<ReturnType<typeof startTestNetwork>>;

describe("a custom job end to end, through the API", () => {
  let prices: PriceServer;
  let network: Network;
  let jobId: string;

  beforeAll(async () => {
    // One request per run: below, above, then below the threshold of 2000.
    prices = await startPriceServer([1500, 2500, 1800]);
    network = await startTestNetwork("e2e", [prices.hostPort]);
  }, 120_000);

  afterAll(async () => {
    await network?.cleanup();
    await prices?.close();
  });

  it("runs the price-threshold script on schedule, sends a transaction only above the threshold, and carries storage", async () => {
    jobId = await createPriceJob(network, prices, { time_interval: 2 });

    const runs = await eventually(
      () => listRuns(network, jobId),
      (list) => list.length >= 3,
      90_000,
    );
    await ownerRequest(network, "POST", `/api/jobs/${jobId}/pause`);

    expect(runs.slice(0, 3).map((run) => run.execution_status)).toEqual([
      "no_execution",
      "success",
      "no_execution",
    ]);
    expect(runs[0]?.tx_hash).toBeNull();
    expect(runs[1]?.tx_hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(runs[2]?.tx_hash).toBeNull();

    expect(await readTarget(network, "lastPrice")).toBe(250_000n);
    expect(await readTarget(network, "swapCount")).toBe(1n);

    const job = await ownerRequest(network, "GET", `/api/jobs/${jobId}`);
    const finalRuns = await listRuns(network, jobId);
    expect(job.json.storage.values.executionCount).toBe(
      String(
        finalRuns.filter((run) => run.execution_status !== "failed").length,
      ),
    );
    expect(job.json.storage.values.lastPrice).toBeDefined();
  });

  it("leaves a record for every run that replays to the same output hash", async () => {
    const runs = await listRuns(network, jobId);
    const pool = createSandboxPool({ size: 2 });

    try {
      for (const run of runs) {
        expect(run.record_cid).toMatch(/^b[a-z2-7]+$/);
        const { json } = await ownerRequest(
          network,
          "GET",
          `/api/executions/${run.execution_id}`,
        );
        const record = json.record as ExecutionRecord;
        const report = await replayRecord(record, { pool });

        expect(report.divergence).toBeUndefined();
        expect(report.ok).toBe(true);
        expect(report.outputHash).toBe(record.outputHash);
      }
    } finally {
      await pool.close();
    }
  });

  it("keeps the job workflow deterministic under Temporal's replayer", async () => {
    const handle = network.temporal.workflow.getHandle(
      jobWorkflowId(BigInt(jobId)),
    );
    const history = await handle.fetchHistory();

    await expect(
      Worker.runReplayHistory(
        { workflowBundle: await workflowBundle() },
        history,
        handle.workflowId,
      ),
    ).resolves.toBeUndefined();
  });
});
