import { Worker } from "@temporalio/worker";
import type { Client } from "cassandra-driver";
import { createOrchestratorActivities } from "../activities/orchestrator";
import { connectReader } from "../chain/clients";
import { createLogger } from "../logging/logger";
import { ORCHESTRATOR_TASK_QUEUE } from "../workflows/client";
import { createContentClient } from "./content-client";
import type { RunningWorker } from "./temporal";
import { connectWorker, runWorker, workflowBundle } from "./temporal";

/** Configuration of the orchestrator worker. */
export type OrchestratorOptions = {
  temporalAddress: string;
  namespace?: string;
  /** Default `triggerx-orchestrator`. */
  taskQueue?: string;
  /** Bound to the network's keyspace. */
  cassandra: Client;
  rpcUrl: string;
  gateway: `0x${string}`;
  /** Blocks under a `TaskSubmitted` before storage applies; default 1. */
  confirmations?: number;
  /** The API, for records in the content store. */
  apiUrl: string;
};

/**
 * Starts the orchestrator worker: it runs the job workflows and their
 * database and chain-reading activities.
 */
export async function startOrchestratorWorker(
  options: OrchestratorOptions,
): Promise<RunningWorker> {
  const log = createLogger("orchestrator");
  const taskQueue = options.taskQueue ?? ORCHESTRATOR_TASK_QUEUE;
  const reader = await connectReader({
    rpcUrl: options.rpcUrl,
    pollingIntervalMs: 250,
  });
  const content = createContentClient(options.apiUrl);
  const connection = await connectWorker(options.temporalAddress);

  const worker = await Worker.create({
    connection,
    namespace: options.namespace ?? "default",
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createOrchestratorActivities({
      cassandra: options.cassandra,
      chain: { ...reader, gateway: options.gateway },
      confirmations: options.confirmations ?? 1,
      loadRecord: content.getRecord,
      log,
    }),
  });
  log.info({ taskQueue }, "orchestrator worker started");
  return runWorker(worker, taskQueue, () => connection.close());
}
