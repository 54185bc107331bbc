import type { ChildProcess, StdioOptions } from "node:child_process";
import { spawn } from "node:child_process";
import path from "node:path";

const BIN = path.resolve(__dirname, "../bin/triggerx.js");

/** Where a worker process finds the rest of the network. */
export type WorkerProcessOptions = {
  temporalAddress: string;
  /** Cassandra contact points, `host:port[,host:port]`. */
  cassandra: string;
  keyspace: string;
  rpcUrl: string;
  gateway: string;
  apiUrl: string;
  /** Flags of the worker kind (`--key`, `--task-queue`, ...). */
  extra: readonly string[];
  /**
   * Added to this process's environment; keys go here rather than on the
   * command line, where any local user could read them.
   */
  env?: Record<string, string>;
  /** Default: output ignored, errors to this process's standard error. */
  stdio?: StdioOptions;
};

/**
 * Runs one worker as its own process, through the same command line an
 * operator uses (`triggerx worker keeper|orchestrator`), so it has its own
 * event loop and can be stopped or killed on its own.
 */
export function spawnWorkerProcess(
  kind: "keeper" | "orchestrator",
  options: WorkerProcessOptions,
): ChildProcess {
  const args = [
    BIN,
    "worker",
    kind,
    "--temporal-address",
    options.temporalAddress,
    "--cassandra",
    options.cassandra,
    "--keyspace",
    options.keyspace,
    "--rpc-url",
    options.rpcUrl,
    "--gateway",
    options.gateway,
    "--api-url",
    options.apiUrl,
    ...options.extra,
  ];
  return spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: options.stdio ?? ["ignore", "ignore", "inherit"],
  });
}

/**
 * Stops a worker process with `signal` and waits until it exited; SIGTERM
 * lets it finish its tasks and deregister, SIGKILL is a crash.
 */
export async function stopWorkerProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;

  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}
