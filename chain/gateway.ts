import { setTimeout as sleep } from "node:timers/promises";
import {
  type Address,
  type GetLogsReturnType,
  getAbiItem,
  type Hex,
} from "viem";
import { taskGatewayAbi } from "../contracts/artifacts/TaskGateway";
import { TriggerxError } from "../errors/base";
import { createLogger } from "../logging/logger";
import type { ChainReader, ChainWriter } from "./clients";
import { isRevert, toChainError } from "./errors";

/**
 * What keepers call to submit tasks through the gateway and to find out,
 * after a restart or a retry, whether a task already landed.
 *
 * Every function takes a connection (`connectReader`/`connectWriter` from
 * `./clients`) plus the gateway's address, and throws only `TriggerxError`s:
 * `GATEWAY_TASK_ALREADY_SUBMITTED`, `GATEWAY_NOT_KEEPER`, or a `CHAIN_*`
 * code from `toChainError` (retryable for nonce and network failures).
 */
export type GatewayReader = ChainReader & { gateway: Address };
export type GatewayWriter = ChainWriter & { gateway: Address };

export type SubmitTaskParams = {
  jobId: bigint;
  taskId: bigint;
  /** The contract to call, or `null` to submit the run's record only. */
  target: Address | null;
  /** Calldata for `target`; must be left out when `target` is `null`. */
  data?: Hex;
  /** Gas for the target's call; estimated when left out. */
  gasLimit?: bigint;
  /**
   * Gas for a call whose estimate reverts: the call is still submitted so
   * the gateway records its failure. Default 500 000.
   */
  fallbackGasLimit?: bigint;
  outputHash: Hex;
  recordCid: string;
};

/** One `TaskSubmitted` event with where it landed. */
export type TaskSubmittedEvent = {
  jobId: bigint;
  taskId: bigint;
  performer: Address;
  /** `null` for a record-only submission. */
  target: Address | null;
  success: boolean;
  outputHash: Hex;
  recordCid: string;
  /** The target's revert data (at most 256 bytes) when the call failed. */
  revertData: Hex | null;
  blockNumber: bigint;
  blockHash: Hex;
  transactionHash: Hex;
};

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** Headroom over the estimate: state can change before the call runs. */
const GAS_HEADROOM_PERCENT = 25n;

const taskSubmittedEvent = getAbiItem({
  abi: taskGatewayAbi,
  name: "TaskSubmitted",
});
const taskCallFailedEvent = getAbiItem({
  abi: taskGatewayAbi,
  name: "TaskCallFailed",
});

type SubmittedLog = GetLogsReturnType<
  typeof taskSubmittedEvent,
  [typeof taskSubmittedEvent],
  true,
  bigint,
  bigint
>[number];

const log = createLogger("chain.gateway");

/**
 * Sends `submitTask` for one task and returns the transaction hash. The
 * target's gas is estimated as a call from the gateway; the submission is
 * simulated first so a spent task id or an unregistered keeper fails here,
 * before any gas is paid.
 *
 * @example
 * const hash = await estimateAndSubmitTask(writer, {
 *   jobId: 7n, taskId: 42n, target, data: "0x94b918de…",
 *   outputHash, recordCid,
 * });
 * const landed = await waitForTaskSubmitted(writer, { taskId: 42n, txHash: hash });
 */
export async function estimateAndSubmitTask(
  client: GatewayWriter,
  params: SubmitTaskParams,
): Promise<Hex> {
  const context = { rpcUrl: client.rpcUrl, action: "submitTask" };
  const gasLimit = await targetGasLimit(client, params);
  const args = [
    params.jobId,
    params.taskId,
    params.target ?? ZERO_ADDRESS,
    params.data ?? "0x",
    gasLimit,
    params.outputHash,
    params.recordCid,
  ] as const;

  // TODO(chain): writeContract estimates gas again after simulateContract
  // ran the same call, so each submission costs one eth_call more than
  // needed; estimateContractGas also decodes reverts and could replace both.
  const submit = async () => {
    const { request } = await client.publicClient.simulateContract({
      account: client.account,
      address: client.gateway,
      abi: taskGatewayAbi,
      functionName: "submitTask",
      args,
    });
    return client.walletClient.writeContract(request);
  };

  try {
    const hash = await client.serialize(submit);
    log.info({ taskId: params.taskId, hash }, "task submitted");
    return hash;
  } catch (error) {
    throw toChainError(error, context);
  }
}

/** Whether the gateway has already accepted `taskId`, from anyone. */
export async function isTaskSubmitted(
  client: GatewayReader,
  taskId: bigint,
): Promise<boolean> {
  try {
    return await client.publicClient.readContract({
      address: client.gateway,
      abi: taskGatewayAbi,
      functionName: "taskSubmitted",
      args: [taskId],
    });
  } catch (error) {
    throw toChainError(error, { rpcUrl: client.rpcUrl, action: "read task" });
  }
}

/**
 * The `TaskSubmitted` event of `taskId`, or `null` when the task has not
 * landed. The gateway stores each task's block, so the log query spans one
 * block however old the task is (providers cap log ranges).
 */
export async function findTaskSubmitted(
  client: GatewayReader,
  taskId: bigint,
): Promise<TaskSubmittedEvent | null> {
  const context = { rpcUrl: client.rpcUrl, action: "find task" };
  try {
    const submission = await client.publicClient.readContract({
      address: client.gateway,
      abi: taskGatewayAbi,
      functionName: "submissionOf",
      args: [taskId],
    });
    if (submission.blockNumber === 0n) return null;

    const block = {
      fromBlock: submission.blockNumber,
      toBlock: submission.blockNumber,
    };
    const [submitted] = await client.publicClient.getLogs({
      address: client.gateway,
      event: taskSubmittedEvent,
      args: { taskId },
      strict: true,
      ...block,
    });
    if (!submitted) throw logMissing(taskId);

    const [failed] = submission.success
      ? []
      : await client.publicClient.getLogs({
          address: client.gateway,
          event: taskCallFailedEvent,
          args: { taskId },
          strict: true,
          ...block,
        });
    return toEvent(submitted, failed?.args.revertData ?? null);
  } catch (error) {
    throw toChainError(error, context);
  }
}

export type WaitForTaskOptions = {
  taskId: bigint;
  /** Blocks that must hold the event, its own included; default 1. */
  confirmations?: number;
  /**
   * The submission's transaction, when known: if it reverted and no one
   * else submitted the task, the wait fails at once instead of timing out.
   */
  txHash?: Hex;
  /** Default 120 s; then `GATEWAY_WAIT_TIMEOUT`, retryable. */
  timeoutMs?: number;
};

/**
 * Waits until `taskId`'s `TaskSubmitted` event is `confirmations` blocks
 * deep and returns it. The event may come from another keeper's
 * transaction: compare `performer` to learn whose submission won.
 */
export async function waitForTaskSubmitted(
  client: GatewayReader,
  options: WaitForTaskOptions,
): Promise<TaskSubmittedEvent> {
  const confirmations = BigInt(options.confirmations ?? 1);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;

  while (Date.now() < deadline) {
    const event = await findTaskSubmitted(client, options.taskId);
    if (event && (await isConfirmed(client, event, confirmations))) {
      return event;
    }
    if (!event && options.txHash) {
      await assertNotReverted(client, options.taskId, options.txHash);
    }
    await sleep(client.publicClient.pollingInterval);
  }

  throw new TriggerxError(
    "GATEWAY_WAIT_TIMEOUT",
    `Task ${options.taskId} was not confirmed within ${timeoutMs} ms.`,
    { details: [`confirmations: ${confirmations}`], retryable: true },
  );
}

async function targetGasLimit(
  client: GatewayWriter,
  params: SubmitTaskParams,
): Promise<bigint> {
  if (params.gasLimit !== undefined) return params.gasLimit;
  if (!params.target) return 0n;

  try {
    const estimate = await client.publicClient.estimateGas({
      account: client.gateway,
      to: params.target,
      data: params.data ?? "0x",
    });
    return (estimate * (100n + GAS_HEADROOM_PERCENT)) / 100n;
  } catch (error) {
    if (!isRevert(error)) {
      throw toChainError(error, { rpcUrl: client.rpcUrl, action: "estimate" });
    }

    // The gateway records a failed call; submitting it keeps the record of
    // the run honest, and the keeper pays only for the gas the call used.
    log.warn(
      { taskId: params.taskId, target: params.target },
      "target call reverts in estimation, submitting with fallback gas",
    );
    return params.fallbackGasLimit ?? 500_000n;
  }
}

function toEvent(
  log: SubmittedLog,
  revertData: Hex | null,
): TaskSubmittedEvent {
  const { args } = log;
  return {
    jobId: args.jobId,
    taskId: args.taskId,
    performer: args.performer,
    target: args.target === ZERO_ADDRESS ? null : args.target,
    success: args.success,
    outputHash: args.outputHash,
    recordCid: args.recordCid,
    revertData,
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    transactionHash: log.transactionHash,
  };
}

/** The node answered the storage read from a newer block than its logs. */
function logMissing(taskId: bigint): TriggerxError {
  return new TriggerxError("CHAIN_LOG_MISSING", "No TaskSubmitted log.", {
    details: [`task ${taskId}: the node has not indexed its block yet`],
    retryable: true,
  });
}

async function isConfirmed(
  client: GatewayReader,
  event: TaskSubmittedEvent,
  confirmations: bigint,
): Promise<boolean> {
  const head = await client.publicClient.getBlockNumber({ cacheTime: 0 });
  if (head - event.blockNumber + 1n < confirmations) return false;

  // A reorg may have dropped the block the event was read from.
  const block = await client.publicClient.getBlock({
    blockNumber: event.blockNumber,
  });
  return block.hash === event.blockHash;
}

async function assertNotReverted(
  client: GatewayReader,
  taskId: bigint,
  txHash: Hex,
): Promise<void> {
  const receipt = await client.publicClient
    .getTransactionReceipt({ hash: txHash })
    .catch(() => null);
  if (receipt?.status !== "reverted") return;

  // Another keeper's submission may have landed in the same block.
  if (await findTaskSubmitted(client, taskId)) return;
  throw new TriggerxError(
    "GATEWAY_SUBMISSION_REVERTED",
    `The submission of task ${taskId} reverted.`,
    { details: [`transaction ${txHash}`, `block ${receipt.blockNumber}`] },
  );
}
