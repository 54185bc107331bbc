import { Context } from "@temporalio/activity";
import type { Client } from "cassandra-driver";
import type { GatewayReader, TaskSubmittedEvent } from "../chain/gateway";
import { waitForTaskSubmitted } from "../chain/gateway";
import type { Logger } from "../logging/logger";
import type { ExecutionRecord } from "../records/record";
import type { ExecutionRow, ExecutionStatus } from "../store/executions";
import { getExecution, saveExecution } from "../store/executions";
import { getJob, recordJobRun, setJobStatus } from "../store/jobs";
import { listHealthyKeepers } from "../store/keepers";
import {
  compareAndSetStorage,
  executionAtVersion,
  readStorage,
} from "../store/storage";
import { executionIdOf, nextSlot, taskIdOf } from "../workflows/schedule";
import type { RunSummary, SkippedRun, TaskOutcome, TaskPlan } from "./types";

/** What the orchestrator's activities work with. */
export type OrchestratorDeps = {
  cassandra: Client;
  chain: GatewayReader;
  /** Blocks a `TaskSubmitted` event must be under before storage applies. */
  confirmations: number;
  /** Loads a record from the content store by CID, verifying its bytes. */
  loadRecord(cid: string): Promise<ExecutionRecord>;
  log: Logger;
};

/** The accepted parts of a performed run, whoever performed it. */
type AcceptedRun = {
  performer: string;
  recordCid: string;
  outputHash: string | null;
  inputHash: string | null;
  signature: string | null;
  shouldExecute: boolean;
  targetContract: string | null;
  calldata: string | null;
  storageUpdates: Record<string, string | null>;
  error: { code: string; message: string } | null;
  txHash: string | null;
  runtimeBuild: string | null;
  pinnedBlock: string | null;
  actualTime: number | null;
};

/**
 * Activities of the orchestrator worker: the database and chain work that
 * surrounds each run. Each is safe to retry: planning reads, completion
 * checks what already happened before it writes.
 */
export function createOrchestratorActivities(deps: OrchestratorDeps) {
  // Every run's plan needs the healthy keepers; reading the table once per
  // KEEPERS_TTL_MS instead of once per run keeps a scan off the hot path.
  // Keepers count as healthy for 15 s after their last announcement, so a
  // list this old is still right.
  const healthyKeepers = cachedFor(KEEPERS_TTL_MS, () =>
    listHealthyKeepers(deps.cassandra),
  );

  return {
    /** Fixes a run's inputs: job, storage snapshot, healthy keepers. */
    async planTask(args: {
      jobId: string;
      runIndex: number;
      scheduledAt: number;
    }): Promise<TaskPlan | SkippedRun> {
      const jobId = BigInt(args.jobId);
      const [job, storage, keepers] = await Promise.all([
        getJob(deps.cassandra, jobId),
        readStorage(deps.cassandra, jobId),
        healthyKeepers(),
      ]);
      if (!job) return { skipped: "job not found" };
      if (job.status !== "active") return { skipped: `job is ${job.status}` };

      return {
        jobId: args.jobId,
        taskId: taskIdOf(args.jobId, args.runIndex),
        executionId: executionIdOf(args.jobId, args.runIndex),
        runIndex: args.runIndex,
        scheduledAt: args.scheduledAt,
        chainId: job.createdChainId,
        intervalSeconds: job.timeInterval,
        recurring: job.recurring,
        script: {
          cid: job.scriptCid,
          url: job.scriptUrl,
          hash: job.scriptHash,
          language: job.scriptLanguage,
        },
        storage,
        limits: job.limits,
        keepers: keepers.map(({ address, taskQueue }) => ({
          address,
          taskQueue,
        })),
      };
    },

    /**
     * Accepts a run: confirms its `TaskSubmitted` when it sent a
     * transaction, applies its storage updates once (compare-and-swap on
     * the version the run read), and writes its execution row.
     */
    async completeTask(args: {
      plan: TaskPlan;
      outcome: TaskOutcome | null;
      failure: string | null;
    }): Promise<RunSummary> {
      // A local activity (a run without a transaction) has no heartbeat.
      const context = Context.current();
      const heartbeat = context.info.isLocal
        ? undefined
        : setInterval(() => context.heartbeat(), 2_000);
      try {
        return await complete(deps, args);
      } finally {
        clearInterval(heartbeat);
      }
    },

    /** Marks a job as ended by its workflow. */
    async endJob(args: {
      jobId: string;
      status: "completed" | "expired" | "cancelled";
    }): Promise<void> {
      await setJobStatus(deps.cassandra, BigInt(args.jobId), args.status);
    },
  };
}

const KEEPERS_TTL_MS = 2_000;

/** Memoizes `load` for `ttlMs`; a failed load is not kept. */
function cachedFor<T>(ttlMs: number, load: () => Promise<T>) {
  let cached: { value: Promise<T>; until: number } | undefined;

  return (): Promise<T> => {
    if (cached && Date.now() < cached.until) return cached.value;

    const value = load();
    cached = { value, until: Date.now() + ttlMs };
    value.catch(() => {
      cached = undefined;
    });
    return value;
  };
}

export type OrchestratorActivities = ReturnType<
  typeof createOrchestratorActivities
>;

async function complete(
  deps: OrchestratorDeps,
  args: { plan: TaskPlan; outcome: TaskOutcome | null; failure: string | null },
): Promise<RunSummary> {
  const { plan } = args;
  const done = await getExecution(deps.cassandra, plan.executionId);
  if (done) return summaryOf(done);

  const run = args.outcome && (await acceptedRun(deps, args.outcome));
  const row = run
    ? await settle(deps, plan, run)
    : failedRow(plan, "NO_KEEPER_PERFORMED", args.failure);

  await saveExecution(deps.cassandra, row);
  await recordJobRun(deps.cassandra, {
    jobId: BigInt(plan.jobId),
    executedAt: row.actualTime ?? new Date(),
    nextExecutionTime: plan.recurring
      ? new Date(
          nextSlot(plan.scheduledAt, plan.intervalSeconds * 1000, Date.now()),
        )
      : null,
  });
  deps.log.info(
    {
      jobId: plan.jobId,
      executionId: plan.executionId,
      status: row.executionStatus,
    },
    "run completed",
  );
  return summaryOf(row);
}

/**
 * The run as the network accepts it. When an earlier keeper landed the
 * task before failing, its on-chain submission wins and its record (by
 * the CID in the event) says what the run produced.
 */
async function acceptedRun(
  deps: OrchestratorDeps,
  outcome: TaskOutcome,
): Promise<AcceptedRun> {
  if (outcome.kind === "performed") return { ...outcome };

  const record = await deps.loadRecord(outcome.recordCid);
  const output =
    record.result.status === "success" ? record.result.output : null;
  return {
    performer: outcome.performer,
    recordCid: outcome.recordCid,
    outputHash: outcome.outputHash,
    inputHash: record.inputHash,
    signature: record.signature,
    shouldExecute: output?.shouldExecute ?? false,
    targetContract: output?.targetContract ?? null,
    calldata: output?.calldata ?? null,
    storageUpdates: output?.storageUpdates ?? {},
    error: null,
    txHash: outcome.txHash,
    runtimeBuild: record.runtimeBuild,
    pinnedBlock: record.pinnedBlock,
    actualTime: null,
  };
}

/** Error code and message a run's row carries for statuses that need one. */
const STATUS_ERRORS: Partial<
  Record<ExecutionStatus, { code: string; message: string }>
> = {
  conflicting: {
    code: "STORAGE_CONFLICT",
    message: "storage moved on since the run read it; its updates were refused",
  },
  failed: {
    code: "TARGET_CALL_FAILED",
    message: "the target contract's call failed; the submission was recorded",
  },
};

async function settle(
  deps: OrchestratorDeps,
  plan: TaskPlan,
  run: AcceptedRun,
): Promise<ExecutionRow> {
  if (run.error) {
    return {
      ...baseRow(plan, run),
      executionStatus: "failed",
      errorCode: run.error.code,
      executionError: run.error.message,
    };
  }

  const landed = run.txHash ? await confirm(deps, plan, run) : null;
  if (landed && "executionStatus" in landed) return landed;

  const applied = await applyStorage(deps, plan, run);
  const status = runStatus(applied, run.shouldExecute, landed?.success);
  return {
    ...baseRow(plan, run),
    txHash: landed?.transactionHash ?? null,
    txSuccess: landed?.success ?? null,
    executionStatus: status,
    errorCode: STATUS_ERRORS[status]?.code ?? null,
    executionError: STATUS_ERRORS[status]?.message ?? null,
  };
}

/**
 * Waits for the run's `TaskSubmitted` under the configured confirmations.
 * An event that carries another output or record than the run's is a
 * failed row instead.
 */
async function confirm(
  deps: OrchestratorDeps,
  plan: TaskPlan,
  run: AcceptedRun,
): Promise<TaskSubmittedEvent | ExecutionRow> {
  const event = await waitForTaskSubmitted(deps.chain, {
    taskId: BigInt(plan.taskId),
    confirmations: deps.confirmations,
    txHash: run.txHash as `0x${string}`,
  });
  if (
    event.outputHash === run.outputHash &&
    event.recordCid === run.recordCid
  ) {
    return event;
  }

  return {
    ...baseRow(plan, run),
    executionStatus: "failed",
    errorCode: "CONFIRMATION_MISMATCH",
    executionError: `TaskSubmitted carries output ${event.outputHash} and record ${event.recordCid}, not the run's`,
    txHash: event.transactionHash,
  };
}

function runStatus(
  applied: boolean,
  shouldExecute: boolean,
  targetSucceeded: boolean | undefined,
): ExecutionStatus {
  if (!applied) return "conflicting";
  if (!shouldExecute) return "no_execution";

  return targetSucceeded ? "success" : "failed";
}

/**
 * Applies the run's storage updates if storage is still at the version the
 * run read. A retried completion finds its own execution at the next
 * version in the history and counts as applied.
 */
async function applyStorage(
  deps: OrchestratorDeps,
  plan: TaskPlan,
  run: AcceptedRun,
): Promise<boolean> {
  if (Object.keys(run.storageUpdates).length === 0) return true;

  const jobId = BigInt(plan.jobId);
  const swap = await compareAndSetStorage(deps.cassandra, {
    jobId,
    expectedVersion: plan.storage.version,
    updates: run.storageUpdates,
    before: plan.storage.values,
    executionId: plan.executionId,
  });
  if (swap.applied) return true;

  const winner = await executionAtVersion(
    deps.cassandra,
    jobId,
    plan.storage.version + 1,
  );
  return winner === plan.executionId;
}

function baseRow(plan: TaskPlan, run: AcceptedRun | null): ExecutionRow {
  return {
    executionId: plan.executionId,
    jobId: BigInt(plan.jobId),
    taskId: BigInt(plan.taskId),
    scheduledTime: new Date(plan.scheduledAt),
    actualTime: run?.actualTime ? new Date(run.actualTime) : new Date(),
    performerAddress: run?.performer ?? null,
    inputTimestamp: Math.floor(plan.scheduledAt / 1000),
    inputStorage: JSON.stringify(plan.storage.values),
    inputStorageVersion: plan.storage.version,
    inputHash: run?.inputHash ?? null,
    shouldExecute: run?.shouldExecute ?? null,
    targetContract: run?.targetContract ?? null,
    calldata: run?.calldata ?? null,
    storageUpdates: run ? JSON.stringify(run.storageUpdates) : null,
    outputHash: run?.outputHash ?? null,
    scriptHash: plan.script.hash,
    runtimeBuild: run?.runtimeBuild ?? null,
    pinnedBlock: run?.pinnedBlock ? BigInt(run.pinnedBlock) : null,
    recordCid: run?.recordCid ?? null,
    signature: run?.signature ?? null,
    txHash: run?.txHash ?? null,
    txSuccess: null,
    executionStatus: "failed",
    executionError: null,
    errorCode: null,
    verificationStatus: "pending",
    challengeDeadline: null,
    createdAt: new Date(),
  };
}

function failedRow(
  plan: TaskPlan,
  code: string,
  message: string | null,
): ExecutionRow {
  return {
    ...baseRow(plan, null),
    executionStatus: "failed",
    errorCode: code,
    executionError: message,
  };
}

function summaryOf(row: ExecutionRow): RunSummary {
  return {
    executionId: row.executionId,
    status: row.executionStatus,
    errorCode: row.errorCode,
  };
}
