import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { saveExecution } from "../../../store/executions";
import { type ApiHarness, startHarness } from "../../api/harness";

const bin = path.resolve(__dirname, "../../../bin/triggerx.js");
const script = path.resolve(
  __dirname,
  "../../../../shared/compat/price-threshold.ts",
);
const key = generatePrivateKey();
const owner = privateKeyToAccount(key);

let api: ApiHarness;
let emptyDataDir: string;
let jobId: string;

/** Runs the CLI without blocking this process, which serves the API. */
function triggerx(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        timeout: 120_000,
        env: { ...process.env, TRIGGERX_DATA_DIR: emptyDataDir },
      },
      (error, stdout, stderr) => {
        const code = error
          ? Number((error as { code?: unknown }).code ?? 1)
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const target = () => ["--api", api.url, "--key", key];

beforeAll(async () => {
  api = await startHarness("cli_job_test");
  emptyDataDir = mkdtempSync(path.join(os.tmpdir(), "triggerx-cli-job-"));
});

afterAll(async () => {
  await api.close();
  rmSync(emptyDataDir, { recursive: true, force: true });
});

describe("triggerx job", () => {
  it("creates a job from a script file and prints its id", async () => {
    const created = await triggerx([
      "job",
      "create",
      script,
      "--interval",
      "30",
      "--storage",
      "threshold=2000",
      "--title",
      "Price threshold",
      ...target(),
    ]);

    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const match = /^job ([0-9]+) created$/m.exec(created.stdout);
    jobId = match?.[1] as string;
    expect(jobId).toBeDefined();
    expect(created.stdout).toContain(`workflows/job-${jobId}`);
    // The API's harness terminates the workflows it saw created.
    api.track(jobId);

    const shown = await api.call("GET", `/api/jobs/${jobId}`);
    expect(shown.body.job).toMatchObject({
      user_address: owner.address,
      job_title: "Price threshold",
      language: "typescript",
      time_interval: 30,
      recurring: true,
    });
  });

  it("shows the job, its storage and its latest runs", async () => {
    const recordCid = await api.content.put(new TextEncoder().encode("{}"));
    await saveRun(new Date(Date.now() - 60_000), {
      executionStatus: "failed",
      errorCode: "LIMIT_FUEL",
    });
    await saveRun(new Date(), {
      executionStatus: "success",
      txHash: `0x${"ab".repeat(32)}`,
      recordCid,
    });

    const shown = await triggerx(["job", "show", jobId, "--api", api.url]);

    expect(shown.code).toBe(0);
    const lines = shown.stdout.split("\n");
    expect(lines[0]).toBe(`job ${jobId}  Price threshold  (active)`);
    expect(shown.stdout).toContain("storage (version 1)\n  threshold = 2000\n");
    expect(shown.stdout).toContain(
      `web UI      http://127.0.0.1:8233/namespaces/default/workflows/job-${jobId}`,
    );
    const runs = lines.slice(lines.indexOf("runs (newest first)") + 1);
    expect(runs[0]).toContain(
      `success  tx 0x${"ab".repeat(32)}  record ${api.url}/ipfs/${recordCid}`,
    );
    expect(runs[1]).toContain("failed  error LIMIT_FUEL");
  });

  it("pauses it, as its owner", async () => {
    const paused = await triggerx(["job", "pause", jobId, ...target()]);
    const shown = await triggerx([
      "job",
      "show",
      jobId,
      "--json",
      "--api",
      api.url,
    ]);

    expect(paused).toMatchObject({ code: 0, stdout: `job ${jobId} paused\n` });
    expect(JSON.parse(shown.stdout).job.status).toBe("paused");
  });

  it("fails with the API's error code when the state does not allow it", async () => {
    const cancelled = await triggerx(["job", "cancel", jobId, ...target()]);
    const revived = await triggerx(["job", "resume", jobId, ...target()]);

    expect(cancelled.code).toBe(0);
    expect(revived.code).toBe(1);
    expect(revived.stderr.replace(jobId, "<id>")).toMatchInlineSnapshot(`
"error JOB_INVALID_STATE: cannot resume job <id>: it is cancelled (resume needs a job that is paused)
"
`);
  });

  it("is a usage error without an API to talk to, or without --interval", async () => {
    const noTarget = await triggerx(["job", "pause", "1"]);
    const noInterval = await triggerx(["job", "create", script, ...target()]);

    expect(noTarget.code).toBe(2);
    expect(
      noTarget.stderr.split("\n")[0]?.replace(emptyDataDir, "<data>"),
    ).toMatchInlineSnapshot(
      `"error: no API address: pass --api <url> --key <hex>, or start \`triggerx dev\`, which writes <data>/dev.json"`,
    );
    expect(noInterval.code).toBe(2);
    expect(noInterval.stderr).toContain("--interval <s>");
  });
});

async function saveRun(
  scheduledTime: Date,
  fields: {
    executionStatus: "success" | "failed";
    errorCode?: string;
    txHash?: string;
    recordCid?: string;
  },
) {
  await saveExecution(api.cassandra, {
    executionId: randomUUID(),
    jobId: BigInt(jobId),
    taskId: 1n,
    scheduledTime,
    actualTime: scheduledTime,
    performerAddress: null,
    inputTimestamp: Math.floor(scheduledTime.getTime() / 1000),
    inputStorage: null,
    inputStorageVersion: 1,
    inputHash: null,
    shouldExecute: null,
    targetContract: null,
    calldata: null,
    storageUpdates: null,
    outputHash: null,
    scriptHash: null,
    runtimeBuild: null,
    pinnedBlock: null,
    recordCid: fields.recordCid ?? null,
    signature: null,
    txHash: fields.txHash ?? null,
    txSuccess: null,
    executionStatus: fields.executionStatus,
    executionError: null,
    errorCode: fields.errorCode ?? null,
    verificationStatus: "pending",
    challengeDeadline: null,
    createdAt: scheduledTime,
  });
}
