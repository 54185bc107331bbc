import {
  BaseError,
  ContractFunctionRevertedError,
  ExecutionRevertedError,
  HttpRequestError,
  LimitExceededRpcError,
  NonceTooHighError,
  NonceTooLowError,
  TimeoutError,
  TransactionReceiptNotFoundError,
  WaitForTransactionReceiptTimeoutError,
} from "viem";
import { scrubUrl, TriggerxError } from "../errors/base";

/** Where a chain error happened, for its context lines. */
export type ChainErrorContext = { rpcUrl: string; action: string };

/**
 * Contract errors with a code of their own. A revert is final for the same
 * call, except `InsufficientGas`: the same submission with more gas may pass.
 */
const revertCodes: Record<string, { code: string; retryable: boolean }> = {
  TaskAlreadySubmitted: {
    code: "GATEWAY_TASK_ALREADY_SUBMITTED",
    retryable: false,
  },
  NotKeeper: { code: "GATEWAY_NOT_KEEPER", retryable: false },
  InsufficientGas: { code: "GATEWAY_INSUFFICIENT_GAS", retryable: true },
};

/**
 * Turns whatever viem threw into a `TriggerxError`: contract reverts by
 * their Solidity error name, nonce races and network failures as retryable
 * (the same transaction may pass once the node answers or the nonce is
 * fetched again), everything else as `CHAIN_REQUEST_FAILED`.
 */
export function toChainError(
  error: unknown,
  context: ChainErrorContext,
): TriggerxError {
  if (error instanceof TriggerxError) return error;

  const where = `${context.action} on ${scrubUrl(context.rpcUrl)}`;
  const base = error instanceof BaseError ? error : null;
  const revert = base?.walk((e) => e instanceof ContractFunctionRevertedError);
  if (revert instanceof ContractFunctionRevertedError) {
    return revertError(revert, where, error);
  }

  if (base?.walk(isNonceError)) {
    return new TriggerxError("CHAIN_NONCE", "The nonce was already used.", {
      details: [where, shortMessage(base)],
      retryable: true,
      cause: error,
    });
  }

  const network = base?.walk(isNetworkError);
  return new TriggerxError(
    network ? "CHAIN_NETWORK" : "CHAIN_REQUEST_FAILED",
    network ? "The chain did not answer." : "The chain refused a request.",
    {
      details: [where, base ? shortMessage(base) : String(error)],
      retryable: Boolean(network),
      cause: error,
    },
  );
}

/** Whether `error` says the EVM reverted, rather than the request failing. */
export function isRevert(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;

  return Boolean(
    error.walk(
      (e) =>
        e instanceof ExecutionRevertedError ||
        e instanceof ContractFunctionRevertedError,
    ),
  );
}

function revertError(
  revert: ContractFunctionRevertedError,
  where: string,
  cause: unknown,
): TriggerxError {
  const name = revert.data?.errorName ?? revert.reason ?? "unknown";
  const args = (revert.data?.args ?? []).map(String).join(", ");
  const known = revertCodes[name];

  return new TriggerxError(
    known?.code ?? "CHAIN_REVERTED",
    `The contract refused: ${name}(${args}).`,
    { details: [where], retryable: known?.retryable ?? false, cause },
  );
}

function isNonceError(error: unknown): boolean {
  return (
    error instanceof NonceTooLowError || error instanceof NonceTooHighError
  );
}

function isNetworkError(error: unknown): boolean {
  return (
    error instanceof HttpRequestError ||
    error instanceof TimeoutError ||
    error instanceof LimitExceededRpcError ||
    error instanceof TransactionReceiptNotFoundError ||
    error instanceof WaitForTransactionReceiptTimeoutError
  );
}

function shortMessage(error: BaseError): string {
  return error.shortMessage.split("\n")[0] ?? error.name;
}
