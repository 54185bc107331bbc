import { isTriggerxError } from "../errors/base";
import { normalizeHeaders } from "../records/transcript";
import { guardedFetch } from "./net/http";
import type { NetPolicy } from "./net/policy";
import type { Outcome, Sender } from "./network";

/**
 * The network policy a worker applies to live requests: the operator's
 * allow list. (A custom resolver cannot cross into a worker thread.)
 */
export type LivePolicy = Pick<NetPolicy, "allow">;

/**
 * A {@link Sender} that performs requests through the guarded HTTP client:
 * DNS is resolved and checked on the host, every redirect hop is checked,
 * responses are capped at `maxResponseBytes`. Failures become outcomes
 * with the guard's error code, which the script sees as a `TypeError`.
 */
export function liveSender(
  policy: LivePolicy,
  maxResponseBytes: number,
): Sender {
  return async (request) => {
    try {
      const response = await guardedFetch(
        {
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: request.body,
        },
        { allow: policy.allow },
        { maxResponseBytes },
      );
      return {
        response: {
          status: response.status,
          url: response.url,
          headers: normalizeHeaders(response.headers),
          bodyBase64: Buffer.from(response.body).toString("base64"),
        },
      };
    } catch (error) {
      return { error: failure(error) };
    }
  };
}

/**
 * Asks the chain for its block number once, at the start of a run; every
 * JSON-RPC read of the run is pinned to it.
 */
export async function fetchPinnedBlock(
  sender: Sender,
  rpcUrl: string,
): Promise<{ block: string } | { error: { code: string; message: string } }> {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "eth_blockNumber",
    params: [],
  });
  const outcome: Outcome = await sender({
    method: "POST",
    url: rpcUrl,
    headers: [["content-type", "application/json"]],
    body: new Uint8Array(Buffer.from(body, "utf8")),
  });
  if ("error" in outcome)
    return { error: rpcUnavailable(outcome.error.message) };

  try {
    const text = Buffer.from(outcome.response.bodyBase64, "base64").toString();
    const { result } = JSON.parse(text) as { result?: unknown };
    if (typeof result !== "string") throw new Error("no result in the answer");
    return { block: BigInt(result).toString(10) };
  } catch (error) {
    return { error: rpcUnavailable((error as Error).message) };
  }
}

function rpcUnavailable(reason: string) {
  return {
    code: "RPC_UNAVAILABLE",
    message: `could not read the block number from the RPC URL: ${reason}`,
  };
}

function failure(error: unknown): { code: string; message: string } {
  if (isTriggerxError(error))
    return { code: error.code, message: error.message };

  return {
    code: "NET_FAILED",
    message: (error as Error)?.message ?? String(error),
  };
}
