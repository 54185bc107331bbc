import path from "node:path";
import { jobWorkflowId } from "../../workflows/client";
import {
  compatJob,
  eventually,
  listRuns,
  ownerRequest,
  startTestNetwork,
  uploadScript,
} from "./harness";

// Runs on a real schedule; tens of seconds.
jest.setTimeout(180_000);

type Network = Awaited<ReturnType<typeof startTestNetwork>>;

const COUNTER = path.resolve(__dirname, "../../examples/counter.ts");

describe("the job schedule on a running network", () => {
  let network: Network;
  let script: string;

  beforeAll(async () => {
    network = await startTestNetwork("schedule", [], {
      workflowHistoryLimit: 40,
    });
    script = await uploadScript(network, COUNTER);
  }, 120_000);

  afterAll(async () => {
    await network?.cleanup();
  });

  async function createJob(overrides: Record<string, unknown>) {
    const created = await ownerRequest(network, "POST", "/api/jobs", [
      compatJob(network, {
        dynamic_arguments_script_url: script,
        initial_storage: { every: "1000000" },
        ...overrides,
      }),
    ]);
    expect(created.status).toBe(201);
    return String(created.json.job_ids[0]);
  }

  const runsOf = async (jobId: string): Promise<number[]> =>
    (await listRuns(network, jobId)).map((run) =>
      Date.parse(run.scheduled_time),
    );

  it("runs on the grid of its first run and, after a pause, once for the missed slots", async () => {
    const jobId = await createJob({ time_interval: 2 });
    const before = await eventually(
      () => runsOf(jobId),
      (runs) => runs.length >= 2,
    );

    await ownerRequest(network, "POST", `/api/jobs/${jobId}/pause`);
    const pausedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const whilePaused = await runsOf(jobId);
    await ownerRequest(network, "POST", `/api/jobs/${jobId}/resume`);
    const resumedAt = Date.now();
    const after = await eventually(
      () => runsOf(jobId),
      (runs) => runs.length >= whilePaused.length + 2,
    );
    await ownerRequest(network, "POST", `/api/jobs/${jobId}/cancel`);

    const first = before[0] ?? 0;
    for (const scheduled of after) expect((scheduled - first) % 2_000).toBe(0);
    // At most the run under way when the pause arrived ends during it.
    expect(whilePaused.length).toBeLessThanOrEqual(before.length + 1);
    const catchUp = after.filter((t) => t > pausedAt && t < resumedAt);
    expect(catchUp).toHaveLength(1);
    const next = after[after.indexOf(catchUp[0] ?? 0) + 1] ?? 0;
    expect(next).toBeGreaterThan(resumedAt);
  });

  it("ends an expired job and marks it so", async () => {
    const jobId = await createJob({ time_interval: 1, time_frame: 3 });

    const job = await eventually(
      async () =>
        (await ownerRequest(network, "GET", `/api/jobs/${jobId}`)).json,
      (answer) => answer.job.status === "expired",
      30_000,
    );
    expect(job.job.is_active).toBe(false);
    expect((await runsOf(jobId)).length).toBeLessThanOrEqual(4);
  });

  it("completes a one-shot job after its single run", async () => {
    const jobId = await createJob({ time_interval: 1, recurring: false });

    await eventually(
      async () =>
        (await ownerRequest(network, "GET", `/api/jobs/${jobId}`)).json,
      (answer) => answer.job.status === "completed",
      30_000,
    );
    expect(await runsOf(jobId)).toHaveLength(1);
  });

  it("continues as new to keep its history short, counting every run", async () => {
    const jobId = await createJob({ time_interval: 1 });
    const handle = network.temporal.workflow.getHandle(
      jobWorkflowId(BigInt(jobId)),
    );
    const firstRun = (await handle.describe()).runId;

    const runs = await eventually(
      () => runsOf(jobId),
      (list) => list.length >= 6,
      60_000,
    );
    await ownerRequest(network, "POST", `/api/jobs/${jobId}/cancel`);

    const now = await handle.describe();
    expect(now.runId).not.toBe(firstRun);
    expect(now.historyLength).toBeLessThan(80);
    const job = await ownerRequest(network, "GET", `/api/jobs/${jobId}`);
    const counted = Number(job.json.storage.values.count);
    expect(counted).toBeGreaterThanOrEqual(runs.length);
    expect(new Set(runs).size).toBe(runs.length);
  });
});
