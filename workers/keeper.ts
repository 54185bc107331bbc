import { Worker } from "@temporalio/worker";
import type { Client } from "cassandra-driver";
import { privateKeyToAccount } from "viem/accounts";
import { createKeeperActivities } from "../activities/keeper";
import type { TaskPlan } from "../activities/types";
import { connectWriter } from "../chain/clients";
import { TriggerxError } from "../errors/base";
import { createLogger } from "../logging/logger";
import { scriptHash } from "../records/hashes";
import type { CompiledScript } from "../sandbox/compile";
import { compileScript } from "../sandbox/compile";
import { createSandboxPool } from "../sandbox/pool";
import { announceKeeper } from "../store/keepers";
import { createContentClient } from "./content-client";
import type { RunningWorker } from "./temporal";
import { connectWorker, runWorker } from "./temporal";

/** Configuration of one keeper worker. */
export type KeeperOptions = {
  temporalAddress: string;
  namespace?: string;
  /** Bound to the network's keyspace; the keeper announces itself there. */
  cassandra: Client;
  privateKey: `0x${string}`;
  rpcUrl: string;
  gateway: `0x${string}`;
  apiUrl: string;
  /** `host:port` entries scripts may reach although they are not public. */
  allowNet?: readonly string[];
  /** Sandbox worker threads; default 2. */
  sandboxThreads?: number;
  /**
   * Prefix of the keeper's task queue; networks sharing one Temporal
   * namespace (test suites, say) keep their keepers apart with it.
   */
  queuePrefix?: string;
};

/** How often a keeper tells the network it is alive. */
const ANNOUNCE_MS = 5_000;

/** The task queue a keeper's worker polls. */
export function keeperTaskQueue(address: string, prefix = "triggerx"): string {
  return `${prefix}-keeper-${address.toLowerCase()}`;
}

/**
 * Starts a keeper: a worker on the keeper's own task queue that performs
 * tasks in a sandbox pool and sends transactions with the keeper's key. It
 * announces itself every few seconds so the orchestrator hands it tasks.
 */
export async function startKeeperWorker(
  options: KeeperOptions,
): Promise<RunningWorker & { address: string }> {
  const account = privateKeyToAccount(options.privateKey);
  const taskQueue = keeperTaskQueue(account.address, options.queuePrefix);
  const log = createLogger("keeper").child({ keeper: account.address });
  const chain = await connectWriter({
    rpcUrl: options.rpcUrl,
    privateKey: options.privateKey,
    pollingIntervalMs: 250,
  });
  const content = createContentClient(options.apiUrl, account);
  const pool = createSandboxPool({ size: options.sandboxThreads ?? 2 });
  const connection = await connectWorker(options.temporalAddress);

  const worker = await Worker.create({
    connection,
    namespace: options.namespace ?? "default",
    taskQueue,
    activities: createKeeperActivities({
      pool,
      chain: { ...chain, gateway: options.gateway },
      loadScript: scriptLoader(content.get),
      storeRecord: content.putRecord,
      allowNet: [...(options.allowNet ?? []), hostPortOf(options.rpcUrl)],
      scriptRpcUrl: options.rpcUrl,
      log,
    }),
  });

  const announce = (status: "active" | "offline") =>
    announceKeeper(options.cassandra, {
      address: account.address,
      role: "keeper",
      taskQueue,
      status,
    });
  await announce("active");
  const timer = setInterval(() => {
    announce("active").catch((err) => log.warn({ err }, "announce failed"));
  }, ANNOUNCE_MS);

  log.info({ taskQueue }, "keeper worker started");
  const running = runWorker(worker, taskQueue, async () => {
    clearInterval(timer);
    await announce("offline").catch(() => undefined);
    await pool.close();
    await connection.close();
  });
  return { ...running, address: account.address };
}

/**
 * Fetches scripts by CID, checks them against the job's script hash and
 * compiles them, keeping compiled scripts by hash: a job's script is
 * fetched and compiled once per keeper, not once per run.
 */
function scriptLoader(get: (cid: string) => Promise<Uint8Array>) {
  const cache = new Map<string, Promise<CompiledScript>>();

  const load = async (script: TaskPlan["script"]): Promise<CompiledScript> => {
    const bytes = await get(script.cid);
    if (scriptHash(bytes) !== script.hash) {
      throw new TriggerxError(
        "SCRIPT_HASH_MISMATCH",
        `script ${script.cid} does not match the job's script hash`,
      );
    }

    const extension = script.language === "typescript" ? "ts" : "js";
    return compileScript(
      new TextDecoder().decode(bytes),
      `script.${extension}`,
    );
  };

  return (script: TaskPlan["script"]): Promise<CompiledScript> => {
    const cached = cache.get(script.hash);
    if (cached) return cached;

    const loading = load(script);
    cache.set(script.hash, loading);
    loading.catch(() => cache.delete(script.hash));
    return loading;
  };
}

/**
 * The chain endpoint is the operator's own configuration, so scripts may
 * reach it even on a private address (a local node, say).
 *
 * TODO(keeper): let scripts send only read methods to it; today a script
 * can send any JSON-RPC method the node accepts.
 */
function hostPortOf(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
  return `${parsed.hostname}:${port}`;
}
