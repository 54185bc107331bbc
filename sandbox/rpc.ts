/**
 * Pins a script's JSON-RPC reads to one block. A run fetches the chain's
 * block number once at its start (the *pinned block*); every request to the
 * job's RPC URL that names `latest` or `pending`, or omits the block, is
 * rewritten to name the pinned block instead, so a validator can check each
 * recorded answer against any archive node. `eth_blockNumber` is answered
 * with the pinned block without asking the node.
 */

/** Where each method takes its block parameter (Ethereum JSON-RPC spec). */
const BLOCK_PARAM_INDEX: Readonly<Record<string, number>> = {
  eth_call: 1,
  eth_estimateGas: 1,
  eth_createAccessList: 1,
  eth_getBalance: 1,
  eth_getCode: 1,
  eth_getTransactionCount: 1,
  eth_getStorageAt: 2,
  eth_getProof: 2,
  eth_feeHistory: 1,
  eth_getBlockByNumber: 0,
  eth_getBlockTransactionCountByNumber: 0,
  eth_getUncleCountByBlockNumber: 0,
  eth_getTransactionByBlockNumberAndIndex: 0,
};

const FLOATING_TAGS = new Set(["latest", "pending"]);

/** A JSON-RPC request body after pinning. */
export interface PinnedRpcBody {
  /** The body to send (the original text when nothing changed). */
  body: string;
  /** A response to serve without asking the node, for `eth_blockNumber`. */
  localResponse?: string;
}

/** True when a request goes to the job's RPC endpoint as JSON-RPC. */
export function isRpcRequest(
  method: string,
  url: string,
  rpcUrl: string | undefined,
): boolean {
  if (!rpcUrl || method !== "POST") return false;

  return normalizeUrl(url) === normalizeUrl(rpcUrl);
}

/**
 * Rewrites the block parameters of a JSON-RPC body (one call or a batch) to
 * `pinnedBlock`, a decimal block number. Bodies that are not JSON-RPC pass
 * through unchanged.
 *
 * @example
 * pinRpcBody('{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0xab"]}', "16")
 * // { body: '{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0xab","0x10"]}' }
 */
export function pinRpcBody(text: string, pinnedBlock: string): PinnedRpcBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { body: text };
  }

  const blockHex = `0x${BigInt(pinnedBlock).toString(16)}`;
  if (isCall(parsed) && parsed.method === "eth_blockNumber") {
    const answer = { jsonrpc: "2.0", id: parsed.id ?? null, result: blockHex };
    return { body: text, localResponse: JSON.stringify(answer) };
  }

  const calls = Array.isArray(parsed) ? parsed : [parsed];
  let changed = false;
  for (const call of calls) {
    if (isCall(call) && pinCall(call, blockHex)) changed = true;
  }

  return { body: changed ? JSON.stringify(parsed) : text };
}

interface RpcCall {
  method: string;
  params?: unknown;
  id?: unknown;
}

function isCall(value: unknown): value is RpcCall {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as RpcCall).method === "string"
  );
}

function pinCall(call: RpcCall, blockHex: string): boolean {
  if (call.method === "eth_getLogs") return pinLogFilter(call, blockHex);

  const index = BLOCK_PARAM_INDEX[call.method];
  if (index === undefined) return false;

  const params = call.params ?? [];
  if (!Array.isArray(params) || params.length < index) return false;

  const block = params[index];
  if (block !== undefined && !FLOATING_TAGS.has(block as string)) return false;

  params[index] = blockHex;
  call.params = params;
  return true;
}

function pinLogFilter(call: RpcCall, blockHex: string): boolean {
  const [filter] = Array.isArray(call.params) ? call.params : [];
  if (typeof filter !== "object" || filter === null) return false;
  if ("blockHash" in filter) return false;

  const range = filter as { fromBlock?: unknown; toBlock?: unknown };
  let changed = false;
  for (const key of ["fromBlock", "toBlock"] as const) {
    const block = range[key];
    if (block === undefined || FLOATING_TAGS.has(block as string)) {
      range[key] = blockHex;
      changed = true;
    }
  }

  return changed;
}

function normalizeUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}
