import { Context } from "@temporalio/activity";
import type { GatewayWriter } from "../chain/gateway";
import { estimateAndSubmitTask, findTaskSubmitted } from "../chain/gateway";
import { isTriggerxError } from "../errors/base";
import type { Logger } from "../logging/logger";
import type { ExecutionRecord } from "../records/record";
import { recordTypedData } from "../records/signature";
import type { CompiledScript } from "../sandbox/compile";
import type { ScriptOutput } from "../sandbox/output";
import type { SandboxPool } from "../sandbox/pool";
import { runScript } from "../sandbox/runtime";
import type { TaskOutcome, TaskPlan } from "./types";

/** What a keeper's activities work with. */
export type KeeperDeps = {
  pool: SandboxPool;
  chain: GatewayWriter;
  /** Fetches a script by CID, checks its hash and compiles it (cached). */
  loadScript(script: TaskPlan["script"]): Promise<CompiledScript>;
  /** Stores a signed record in the content store; returns its CID. */
  storeRecord(record: ExecutionRecord): Promise<string>;
  /** Hosts scripts may reach although they are not public (`host:port`). */
  allowNet: readonly string[];
  /** JSON-RPC endpoint scripts read the chain through, pinned per run. */
  scriptRpcUrl?: string;
  log: Logger;
};

const HEARTBEAT_MS = 2_000;

/**
 * Activities of a keeper worker, run on the keeper's own task queue.
 */
export function createKeeperActivities(deps: KeeperDeps) {
  return {
    /**
     * Performs one task: runs the script in the sandbox, signs and stores
     * the record, and sends the transaction through the gateway when the
     * script asks for one. A task that an earlier keeper already landed is
     * reported, not run again.
     */
    async performTask(plan: TaskPlan): Promise<TaskOutcome> {
      const heartbeat = setInterval(() => {
        Context.current().heartbeat();
      }, HEARTBEAT_MS);

      try {
        return await perform(deps, plan);
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}

export type KeeperActivities = ReturnType<typeof createKeeperActivities>;

async function perform(deps: KeeperDeps, plan: TaskPlan): Promise<TaskOutcome> {
  const startedAt = Date.now();
  const landed = await alreadySubmitted(deps, plan);
  if (landed) return landed;

  const log = deps.log.child({ jobId: plan.jobId, taskId: plan.taskId });
  const { record, result } = await runInSandbox(deps, plan);

  const signed = await sign(deps, record);
  const recordCid = await deps.storeRecord(signed);
  const output = result.ok ? (result.output as ScriptOutput) : null;
  log.info(
    { ok: result.ok, shouldExecute: output?.shouldExecute ?? false, recordCid },
    "script ran",
  );

  let txHash: string | null = null;
  if (output?.shouldExecute && signed.outputHash) {
    const sent = await submit(deps, plan, output, signed.outputHash, recordCid);
    if (typeof sent !== "string") return sent;
    txHash = sent;
  }

  return {
    kind: "performed",
    performer: deps.chain.account.address,
    recordCid,
    outputHash: signed.outputHash,
    inputHash: signed.inputHash,
    signature: signed.signature ?? "",
    shouldExecute: output?.shouldExecute ?? false,
    targetContract: output?.targetContract ?? null,
    calldata: output?.calldata ?? null,
    storageUpdates: output?.storageUpdates ?? {},
    error: result.ok
      ? null
      : { code: result.error.code, message: result.error.message },
    reproducible: result.reproducible,
    txHash,
    runtimeBuild: signed.runtimeBuild,
    pinnedBlock: signed.pinnedBlock,
    actualTime: startedAt,
  };
}

/** Runs the plan's script once, live, on the plan's inputs. */
async function runInSandbox(deps: KeeperDeps, plan: TaskPlan) {
  const script = await deps.loadScript(plan.script);

  return runScript({
    pool: deps.pool,
    script,
    scriptCid: plan.script.cid,
    inputs: {
      jobId: plan.jobId,
      taskId: plan.taskId,
      executionId: plan.executionId,
      timestamp: Math.floor(plan.scheduledAt / 1000),
      chainId: plan.chainId,
      storage: plan.storage.values,
      // TODO(keeper): inject the job's secrets once the network re-encrypts
      // them to the keeper's key; until then the API refuses jobs with any.
      secrets: {},
    },
    limits: plan.limits,
    allowNet: deps.allowNet,
    ...(deps.scriptRpcUrl ? { rpcUrl: deps.scriptRpcUrl } : {}),
  });
}

async function sign(
  deps: KeeperDeps,
  record: ExecutionRecord,
): Promise<ExecutionRecord> {
  const performed = { ...record, performer: deps.chain.account.address };
  const signature = await deps.chain.walletClient.signTypedData(
    recordTypedData(performed, {
      chainId: deps.chain.chain.id,
      verifyingContract: deps.chain.gateway,
    }),
  );
  return { ...performed, signature };
}

/**
 * Sends the task's transaction. If another keeper's submission of the same
 * task got there first, the gateway refuses this one and that submission
 * is reported instead.
 */
async function submit(
  deps: KeeperDeps,
  plan: TaskPlan,
  output: ScriptOutput,
  outputHash: string,
  recordCid: string,
): Promise<string | TaskOutcome> {
  try {
    return await estimateAndSubmitTask(deps.chain, {
      jobId: BigInt(plan.jobId),
      taskId: BigInt(plan.taskId),
      target: output.targetContract as `0x${string}`,
      data: output.calldata as `0x${string}`,
      outputHash: outputHash as `0x${string}`,
      recordCid,
    });
  } catch (error) {
    if (!isTriggerxError(error)) throw error;
    if (error.code !== "GATEWAY_TASK_ALREADY_SUBMITTED") throw error;

    const landed = await alreadySubmitted(deps, plan);
    if (landed) return landed;
    throw error;
  }
}

async function alreadySubmitted(
  deps: KeeperDeps,
  plan: TaskPlan,
): Promise<TaskOutcome | undefined> {
  const event = await findTaskSubmitted(deps.chain, BigInt(plan.taskId));
  if (!event) return undefined;

  return {
    kind: "already-submitted",
    performer: event.performer,
    recordCid: event.recordCid,
    outputHash: event.outputHash,
    txHash: event.transactionHash,
  };
}
