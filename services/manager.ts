import { mkdirSync, writeFileSync } from "node:fs";
import { TriggerxError } from "../errors/base";
import { createCassandraClient } from "../store/client";
import { migrate } from "../store/migrate";
import {
  cassandraCommand,
  isCassandraHealthy,
  isCassandraProvisioned,
  provisionCassandra,
} from "./cassandra";
import type { ServiceConfig } from "./config";
import { loadSavedConfig, logFile, pidFile, savedConfigPath } from "./config";
import type { DetachedCommand } from "./process";
import {
  clearPid,
  isAlive,
  isPortListening,
  livePid,
  residentBytes,
  spawnDetached,
  stopProcess,
  tailFile,
  waitUntil,
} from "./process";
import type { Progress } from "./progress";
import {
  isTemporalHealthy,
  isTemporalProvisioned,
  provisionTemporal,
  temporalAddress,
  temporalCommand,
  temporalUiUrl,
} from "./temporal";

/** One local service: how to provision, start and probe it. */
type ServiceDefinition = {
  name: "temporal" | "cassandra";
  ports(config: ServiceConfig): number[];
  isProvisioned(config: ServiceConfig): boolean;
  provision(config: ServiceConfig, progress: Progress): void;
  command(config: ServiceConfig): DetachedCommand;
  isHealthy(config: ServiceConfig): Promise<boolean>;
  endpoints(config: ServiceConfig): Record<string, string>;
  /** How long a cold start may take before it counts as failed. */
  startTimeoutMs: number;
};

const SERVICES: readonly ServiceDefinition[] = [
  {
    name: "temporal",
    ports: (c) => [c.temporal.port, c.temporal.uiPort],
    isProvisioned: isTemporalProvisioned,
    provision: provisionTemporal,
    command: temporalCommand,
    isHealthy: isTemporalHealthy,
    endpoints: (c) => ({ grpc: temporalAddress(c), ui: temporalUiUrl(c) }),
    startTimeoutMs: 60_000,
  },
  {
    name: "cassandra",
    ports: (c) => [c.cassandra.port, c.cassandra.storagePort],
    isProvisioned: isCassandraProvisioned,
    provision: provisionCassandra,
    command: cassandraCommand,
    isHealthy: isCassandraHealthy,
    endpoints: (c) => ({ cql: `127.0.0.1:${c.cassandra.port}` }),
    startTimeoutMs: 180_000,
  },
];

/** What `status` reports for one service. */
export type ServiceStatus = {
  name: string;
  provisioned: boolean;
  running: boolean;
  healthy: boolean;
  pid: number | null;
  residentBytes: number | null;
  endpoints: Record<string, string>;
  log: string;
};

/**
 * Provisions what is missing, starts what is not running, waits until every
 * service is healthy and applies the schema. Safe to run again: a healthy
 * service is left alone. If any step fails, the services this call started
 * are stopped again, so a failed `up` leaves nothing half-started.
 */
export async function servicesUp(
  config: ServiceConfig,
  progress: Progress,
): Promise<ServiceStatus[]> {
  mkdirSync(config.dataDir, { recursive: true });
  const started: Array<{ service: ServiceDefinition; pid: number }> = [];

  try {
    for (const service of SERVICES) {
      const pid = await startService(service, config, progress);
      if (pid !== undefined) started.push({ service, pid });
    }
    writeFileSync(savedConfigPath(config.dataDir), JSON.stringify(config));
    await applySchema(config, progress);
  } catch (error) {
    for (const { service, pid } of started.reverse()) {
      progress.step(service.name, `stopping after the failed start (${pid})`);
      await stopProcess(pid);
      clearPid(pidFile(config, service.name));
    }
    throw error;
  }

  return servicesStatus(config);
}

/** Starts one service; returns the pid when this call started it. */
async function startService(
  service: ServiceDefinition,
  config: ServiceConfig,
  progress: Progress,
): Promise<number | undefined> {
  const running = livePid(pidFile(config, service.name));
  if (running !== undefined) {
    refuseMovedPorts(service, config, running);
    await awaitHealthy(service, config, running, progress);
    progress.done(service.name, `already running (pid ${running})`);
    return undefined;
  }

  if (await service.isHealthy(config).catch(() => false)) {
    // Started from another data folder, or by hand: it answers as this
    // service should, so it is used rather than refused.
    progress.done(service.name, "already running on its ports");
    return undefined;
  }
  if (!service.isProvisioned(config)) {
    const began = Date.now();
    service.provision(config, progress);
    progress.done(service.name, `provisioned in ${seconds(began)}`);
  }
  await refuseTakenPorts(service, config);

  const began = Date.now();
  const pid = spawnDetached(service.command(config));
  progress.step(service.name, `started (pid ${pid}), waiting until healthy`);
  try {
    await awaitHealthy(service, config, pid, progress);
  } catch (error) {
    await stopProcess(pid);
    clearPid(pidFile(config, service.name));
    throw error;
  }

  progress.done(service.name, `healthy in ${seconds(began)}`);
  return pid;
}

/**
 * A service this data folder already runs keeps the ports it was started
 * with; asking for others is refused instead of probing the wrong port.
 */
function refuseMovedPorts(
  service: ServiceDefinition,
  config: ServiceConfig,
  pid: number,
): void {
  const saved = loadSavedConfig(config.dataDir);
  if (!saved) return;

  const running = service.ports(saved);
  const asked = service.ports(config);
  if (running.join() === asked.join()) return;

  throw new TriggerxError(
    "SERVICE_RUNNING_ON_OTHER_PORTS",
    `${service.name} already runs from this data folder (pid ${pid}) on ports ${running.join(", ")}`,
    { details: ["stop it with triggerx services down to change its ports"] },
  );
}

async function refuseTakenPorts(
  service: ServiceDefinition,
  config: ServiceConfig,
): Promise<void> {
  for (const port of service.ports(config)) {
    if (!(await isPortListening(port))) continue;

    throw new TriggerxError(
      "SERVICE_PORT_TAKEN",
      `${service.name}: port ${port} on 127.0.0.1 is already in use by another process`,
      {
        details: [
          "stop that process, or choose other ports (see triggerx services up --help)",
        ],
      },
    );
  }
}

async function awaitHealthy(
  service: ServiceDefinition,
  config: ServiceConfig,
  pid: number,
  progress: Progress,
): Promise<void> {
  let died = false;
  const healthy = await waitUntil(async () => {
    died = !isAlive(pid);
    return died || (await service.isHealthy(config));
  }, service.startTimeoutMs);

  if (healthy && !died) return;

  const log = logFile(config, service.name);
  progress.step(service.name, "failed; see the log below");
  throw new TriggerxError(
    "SERVICE_START_FAILED",
    died
      ? `${service.name}: the process exited while starting`
      : `${service.name}: not healthy after ${service.startTimeoutMs / 1000}s`,
    { details: [`log: ${log}`, ...tailFile(log)], retryable: !died },
  );
}

async function applySchema(
  config: ServiceConfig,
  progress: Progress,
): Promise<void> {
  const client = createCassandraClient({
    contactPoints: [`127.0.0.1:${config.cassandra.port}`],
  });

  try {
    const applied = await migrate(client, { keyspace: "triggerx" });
    progress.done(
      "schema",
      applied.length === 0
        ? "keyspace triggerx is up to date"
        : `applied ${applied.join(", ")} to keyspace triggerx`,
    );
  } finally {
    await client.shutdown();
  }
}

/** Reports every service: provisioned, running, healthy, where, its log. */
export async function servicesStatus(
  config: ServiceConfig,
): Promise<ServiceStatus[]> {
  return Promise.all(
    SERVICES.map(async (service) => {
      const pid = livePid(pidFile(config, service.name)) ?? null;
      const healthy =
        pid !== null && (await service.isHealthy(config).catch(() => false));

      return {
        name: service.name,
        provisioned: service.isProvisioned(config),
        running: pid !== null,
        healthy,
        pid,
        residentBytes: pid === null ? null : (residentBytes(pid) ?? null),
        endpoints: service.endpoints(config),
        log: logFile(config, service.name),
      };
    }),
  );
}

/** Stops every running service; their data stays in the data folder. */
export async function servicesDown(
  config: ServiceConfig,
  progress: Progress,
): Promise<void> {
  for (const service of [...SERVICES].reverse()) {
    const pidPath = pidFile(config, service.name);
    const pid = livePid(pidPath);
    if (pid === undefined) {
      clearPid(pidPath);
      progress.done(service.name, "not running");
      continue;
    }

    progress.step(service.name, `stopping (pid ${pid})`);
    const how = await stopProcess(pid);
    clearPid(pidPath);
    progress.done(service.name, how);
  }
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}
