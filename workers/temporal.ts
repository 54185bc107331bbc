import type { LogLevel } from "@temporalio/common";
import type { Worker, WorkflowBundleWithSourceMap } from "@temporalio/worker";
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
} from "@temporalio/worker";

let installed = false;
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * Installs the Temporal worker runtime once per process with a logger at
 * `TRIGGERX_TEMPORAL_LOG_LEVEL` (default WARN): the SDK's own INFO lines
 * about worker states drown the network's logs.
 */
export function installWorkerRuntime(): void {
  if (installed) return;

  installed = true;
  const level = (process.env.TRIGGERX_TEMPORAL_LOG_LEVEL ?? "WARN") as LogLevel;
  Runtime.install({ logger: new DefaultLogger(level) });
}

/**
 * The job workflow's code, bundled once per process and shared by every
 * worker in it (bundling takes seconds; workers start in milliseconds).
 */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve("../workflows/job"),
    logger: new DefaultLogger("WARN"),
  });
  return bundle;
}

/** Connects a worker to the Temporal frontend at `address`. */
export async function connectWorker(
  address: string,
): Promise<NativeConnection> {
  installWorkerRuntime();
  return NativeConnection.connect({ address });
}

/** A running worker and the way to stop it. */
export type RunningWorker = {
  taskQueue: string;
  /** Resolves when the worker stopped; rejects if it crashed. */
  done: Promise<void>;
  shutdown(): Promise<void>;
};

/** Runs a created worker until `shutdown`, then calls `close`. */
export function runWorker(
  worker: Worker,
  taskQueue: string,
  close: () => Promise<void>,
): RunningWorker {
  const done = worker.run().finally(close);

  return {
    taskQueue,
    done,
    async shutdown() {
      if (worker.getState() === "RUNNING") worker.shutdown();
      await done;
    },
  };
}
