import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { Connection } from "@temporalio/client";
import { TriggerxError } from "../errors/base";
import type { ServiceConfig } from "./config";
import { logFile, pidFile } from "./config";
import type { DetachedCommand } from "./process";
import type { Progress } from "./progress";

/**
 * The Temporal dev server: the `temporal` CLI's `server start-dev`, which
 * runs the whole Temporal service and its web UI in one process on a SQLite
 * file. The CLI is built from the Go module proxy with `go install`, pinned
 * to one release (the newest one whose module carries no `replace`
 * directive, which `go install` refuses).
 */
export const TEMPORAL_CLI_MODULE = "github.com/temporalio/cli";
export const TEMPORAL_CLI_VERSION = "1.5.1";

/** Path of the pinned `temporal` binary inside the tools folder. */
export function temporalBinary(config: ServiceConfig): string {
  return path.join(
    config.toolsDir,
    `temporal-${TEMPORAL_CLI_VERSION}`,
    "temporal",
  );
}

/** Whether the pinned binary is already in the tools folder. */
export function isTemporalProvisioned(config: ServiceConfig): boolean {
  return existsSync(temporalBinary(config));
}

/**
 * Builds the pinned `temporal` binary into the tools folder unless it is
 * already there. The build goes to a scratch folder first and is moved into
 * place at the end, so an interrupted build never looks finished.
 */
export function provisionTemporal(
  config: ServiceConfig,
  progress: Progress,
): void {
  if (isTemporalProvisioned(config)) return;

  const target = temporalBinary(config);
  const scratch = `${path.dirname(target)}.partial`;
  const pkg = `${TEMPORAL_CLI_MODULE}/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;
  progress.step("temporal", `building ${pkg} with go install (minutes)`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });

  const ldflags = `-X ${TEMPORAL_CLI_MODULE}/temporalcli.Version=${TEMPORAL_CLI_VERSION}`;
  const build = spawnSync("go", ["install", `-ldflags=${ldflags}`, pkg], {
    env: { ...process.env, GOBIN: scratch, CGO_ENABLED: "0" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (build.error || build.status !== 0) {
    throw new TriggerxError(
      "SERVICE_PROVISION_FAILED",
      `temporal: go install ${pkg} failed`,
      {
        details: tailLines(`${build.stderr ?? ""}${build.error ?? ""}`),
        retryable: true,
      },
    );
  }

  rmSync(path.dirname(target), { recursive: true, force: true });
  renameSync(scratch, path.dirname(target));
}

/** The command line that starts the dev server with this configuration. */
export function temporalCommand(config: ServiceConfig): DetachedCommand {
  const dbFile = path.join(config.dataDir, "temporal", "temporal.db");
  mkdirSync(path.dirname(dbFile), { recursive: true });

  return {
    command: temporalBinary(config),
    argv: [
      "server",
      "start-dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(config.temporal.port),
      "--ui-port",
      String(config.temporal.uiPort),
      "--db-filename",
      dbFile,
      "--namespace",
      config.temporal.namespace,
      // Search attributes the job workflows are indexed by in the web UI.
      "--search-attribute",
      "TriggerxJobId=Keyword",
      "--search-attribute",
      "TriggerxOwner=Keyword",
      // One partition per task queue: with several, a task can sit in a
      // partition no poller is waiting on until it is forwarded, which
      // showed as seconds between a workflow task's scheduling and its start
      // with 1,000 jobs (see bench/network.ts).
      "--dynamic-config-value",
      "matching.numTaskqueueReadPartitions=1",
      "--dynamic-config-value",
      "matching.numTaskqueueWritePartitions=1",
      // Write-ahead logging lets readers and the writer proceed together,
      // and syncing at checkpoints instead of at every commit keeps the
      // server from spending its time in fsync under load.
      "--sqlite-pragma",
      "journal_mode=wal",
      "--sqlite-pragma",
      "synchronous=normal",
      "--log-level",
      "warn",
    ],
    logPath: logFile(config, "temporal"),
    pidPath: pidFile(config, "temporal"),
  };
}

/** The gRPC address clients and workers connect to. */
export function temporalAddress(config: ServiceConfig): string {
  return `127.0.0.1:${config.temporal.port}`;
}

/** The web UI address. */
export function temporalUiUrl(config: ServiceConfig): string {
  return `http://127.0.0.1:${config.temporal.uiPort}`;
}

/**
 * Healthy means the frontend answers a system-info call, the namespace
 * exists, and the web UI serves its page.
 */
export async function isTemporalHealthy(
  config: ServiceConfig,
): Promise<boolean> {
  const connection = await Connection.connect({
    address: temporalAddress(config),
    connectTimeout: 2_000,
  });

  try {
    await connection.workflowService.getSystemInfo({});
    await connection.workflowService.describeNamespace({
      namespace: config.temporal.namespace,
    });
  } finally {
    await connection.close();
  }

  const ui = await fetch(temporalUiUrl(config), {
    signal: AbortSignal.timeout(2_000),
  });
  return ui.ok;
}

function tailLines(text: string, lines = 20): string[] {
  return text.trimEnd().split("\n").slice(-lines);
}
