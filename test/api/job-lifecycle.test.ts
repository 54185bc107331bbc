import { randomUUID } from "node:crypto";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { saveExecution } from "../../store/executions";
import { announceKeeper } from "../../store/keepers";
import { type ApiHarness, startHarness } from "./harness";

const owner = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
const keeper = privateKeyToAccount(generatePrivateKey());
const SCRIPT = "console.log(JSON.stringify({ shouldExecute: false }));\n";

let api: ApiHarness;
let jobId: string;

beforeAll(async () => {
  api = await startHarness("api_lifecycle_test");
  const upload = await api.call("POST", "/api/scripts", {
    account: owner,
    raw: SCRIPT,
  });
  const created = await api.call("POST", "/api/jobs", {
    account: owner,
    body: {
      jobs: [
        {
          user_address: owner.address,
          job_title: "Lifecycle",
          task_definition_id: 7,
          custom: true,
          language: "javascript",
          time_frame: 3600,
          recurring: true,
          created_chain_id: "31337",
          time_interval: 60,
          dynamic_arguments_script_url: upload.body.url,
          initial_storage: { threshold: "2000" },
        },
      ],
    },
  });
  expect(created.status).toBe(201);
  jobId = created.body.job_ids[0];
});

afterAll(async () => {
  await api.close();
});

/** The names of the signals the job's workflow has received, in order. */
async function signalsReceived(): Promise<string[]> {
  const history = await api.temporal.workflow
    .getHandle(`job-${jobId}`)
    .fetchHistory();
  return (history.events ?? []).flatMap((event) =>
    event.workflowExecutionSignaledEventAttributes?.signalName
      ? [event.workflowExecutionSignaledEventAttributes.signalName]
      : [],
  );
}

// Each step signs anew; a distinct second per step keeps two identical
// requests (pause, pause) from sharing a signature.
let clock = Math.floor(Date.now() / 1000) - 200;
const act = (method: string, path: string, body?: unknown) =>
  api.call(method, path, {
    account: owner,
    ...(body === undefined ? {} : { body }),
    timestamp: clock++,
  });

describe("a job's reads", () => {
  it("shows the job, its seeded storage and its workflow link", async () => {
    const shown = await api.call("GET", `/api/jobs/${jobId}`);

    expect(shown.status).toBe(200);
    expect(shown.body.job).toMatchObject({
      job_id: jobId,
      user_address: owner.address,
      status: "active",
      language: "javascript",
      time_interval: 60,
      script_hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });
    expect(shown.body.storage).toEqual({
      version: 1,
      values: { threshold: "2000" },
    });
    expect(shown.body.workflow).toEqual({
      id: `job-${jobId}`,
      url: `http://127.0.0.1:8233/namespaces/default/workflows/job-${jobId}`,
    });
  });

  it("lists the owner's jobs", async () => {
    const listed = await api.call(
      "GET",
      `/api/jobs?owner=${owner.address.toLowerCase()}`,
    );

    expect(
      listed.body.jobs.map((job: { job_id: string }) => job.job_id),
    ).toEqual([jobId]);
  });

  it("lists runs newest first and shows one with its record", async () => {
    const record = { version: 1, note: "a record" };
    const cid = await api.content.put(
      new TextEncoder().encode(JSON.stringify(record)),
    );
    const older = await saveRun(new Date(Date.now() - 60_000), null);
    const newer = await saveRun(new Date(), cid);

    const runs = await api.call("GET", `/api/jobs/${jobId}/runs?limit=5`);
    const shown = await api.call("GET", `/api/executions/${newer}`);

    expect(
      runs.body.runs.map((run: { execution_id: string }) => run.execution_id),
    ).toEqual([newer, older]);
    expect(shown.body.execution).toMatchObject({
      execution_id: newer,
      job_id: jobId,
      record_cid: cid,
      execution_status: "no_execution",
    });
    expect(shown.body.record).toEqual(record);
  });

  it("answers 404 and 400 with the API's error shape", async () => {
    const missing = await api.call("GET", "/api/jobs/42");
    const bad = await api.call("GET", "/api/jobs/abc/runs");
    const noRun = await api.call("GET", "/api/executions/nope");

    expect([missing.body, bad.body, noRun.body]).toMatchInlineSnapshot(`
[
  {
    "error": {
      "code": "JOB_NOT_FOUND",
      "message": "there is no job 42",
    },
  },
  {
    "error": {
      "code": "VALIDATION_FAILED",
      "fields": [
        {
          "message": "must be a positive decimal job id",
          "path": "id",
        },
      ],
      "message": "id: must be a positive decimal job id",
    },
  },
  {
    "error": {
      "code": "EXECUTION_NOT_FOUND",
      "message": "there is no execution nope",
    },
  },
]
`);
  });

  it("reports health", async () => {
    const health = await api.call("GET", "/api/health");

    expect(health).toEqual({
      status: 200,
      body: { status: "ok", cassandra: "ok", temporal: "ok" },
    });
  });
});

describe("a job's owner", () => {
  it("alone may pause it", async () => {
    const refused = await api.call("POST", `/api/jobs/${jobId}/pause`, {
      account: stranger,
    });

    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("AUTH_NOT_OWNER");
  });

  it("cannot edit storage while the job is active", async () => {
    const refused = await act("PUT", `/api/jobs/${jobId}/storage`, {
      set: { threshold: "2500" },
    });

    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "JOB_NOT_PAUSED" });
  });

  it("pauses it, and the workflow receives the signal", async () => {
    const paused = await act("POST", `/api/jobs/${jobId}/pause`);
    const again = await act("POST", `/api/jobs/${jobId}/pause`);

    expect(paused.body).toEqual({ job_id: jobId, status: "paused" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("JOB_INVALID_STATE");
    expect(await signalsReceived()).toEqual(["pause"]);
  });

  it("edits storage while paused, within the limits", async () => {
    const edited = await act("PUT", `/api/jobs/${jobId}/storage`, {
      set: {
        threshold: "2500",
        target: "0x0000000000000000000000000000000000000001",
      },
    });
    const deleted = await act("PUT", `/api/jobs/${jobId}/storage`, {
      delete: ["target"],
      expected_version: 2,
    });
    const stale = await act("PUT", `/api/jobs/${jobId}/storage`, {
      set: { x: "1" },
      expected_version: 2,
    });
    const tooBig = await act("PUT", `/api/jobs/${jobId}/storage`, {
      set: { big: "x".repeat(5000) },
    });

    expect(edited.body.storage).toEqual({
      version: 2,
      values: {
        threshold: "2500",
        target: "0x0000000000000000000000000000000000000001",
      },
    });
    expect(deleted.body.storage).toEqual({
      version: 3,
      values: { threshold: "2500" },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("STORAGE_VERSION_CONFLICT");
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.message).toMatchInlineSnapshot(
      `"set: big is over the limit maxValueBytes = 4096"`,
    );
  });

  it("resumes it, then cancels it for good", async () => {
    const resumed = await act("POST", `/api/jobs/${jobId}/resume`);
    const cancelled = await act("POST", `/api/jobs/${jobId}/cancel`);
    const revived = await act("POST", `/api/jobs/${jobId}/resume`);

    expect(resumed.body.status).toBe("active");
    expect(cancelled.body.status).toBe("cancelled");
    expect(revived.status).toBe(409);
    expect(
      revived.body.error.message.replace(jobId, "<id>"),
    ).toMatchInlineSnapshot(
      `"cannot resume job <id>: it is cancelled (resume needs a job that is paused)"`,
    );
    expect(await signalsReceived()).toEqual(["pause", "resume", "cancel"]);
  });
});

describe("POST /api/content", () => {
  it("takes records from registered keepers only", async () => {
    const body = JSON.stringify({ version: 1 });
    const refused = await api.call("POST", "/api/content", {
      account: keeper,
      raw: body,
    });
    await announceKeeper(api.cassandra, {
      address: keeper.address,
      role: "keeper",
      taskQueue: "keeper-test",
      status: "active",
    });
    const stored = await api.call("POST", "/api/content", {
      account: keeper,
      raw: body,
      timestamp: Math.floor(Date.now() / 1000) - 100,
    });

    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("AUTH_NOT_KEEPER");
    expect(stored.status).toBe(201);
    const served = await fetch(`${api.url}/ipfs/${stored.body.cid}`);
    expect(await served.text()).toBe(body);
  });
});

async function saveRun(scheduledTime: Date, recordCid: string | null) {
  const executionId = randomUUID();
  await saveExecution(api.cassandra, {
    executionId,
    jobId: BigInt(jobId),
    taskId: BigInt(scheduledTime.getTime()),
    scheduledTime,
    actualTime: scheduledTime,
    performerAddress: keeper.address,
    inputTimestamp: Math.floor(scheduledTime.getTime() / 1000),
    inputStorage: "{}",
    inputStorageVersion: 1,
    inputHash: null,
    shouldExecute: false,
    targetContract: null,
    calldata: null,
    storageUpdates: null,
    outputHash: null,
    scriptHash: null,
    runtimeBuild: null,
    pinnedBlock: null,
    recordCid,
    signature: null,
    txHash: null,
    txSuccess: null,
    executionStatus: "no_execution",
    executionError: null,
    errorCode: null,
    verificationStatus: "pending",
    challengeDeadline: null,
    createdAt: scheduledTime,
  });
  return executionId;
}
