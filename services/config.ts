import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * Where the local services live and which loopback ports they use.
 *
 * Defaults: tools in `<repo>/.tools` (or `TRIGGERX_TOOLS_DIR`), data in
 * `<repo>/.data` (or `TRIGGERX_DATA_DIR`), Temporal on 7233 with its web UI
 * on 8233, Cassandra's native protocol on 9042. `up` writes the resolved
 * configuration into the data folder so `status` and `down` find the same
 * ports without being told again.
 */
export type ServiceConfig = {
  toolsDir: string;
  dataDir: string;
  temporal: { port: number; uiPort: number; namespace: string };
  cassandra: {
    port: number;
    storagePort: number;
    jmxPort: number;
    heapMb: number;
  };
};

export type ServiceOptions = {
  toolsDir?: string | undefined;
  dataDir?: string | undefined;
  temporalPort?: number | undefined;
  temporalUiPort?: number | undefined;
  cassandraPort?: number | undefined;
};

export const REPO_ROOT = path.resolve(__dirname, "..");

const SAVED_CONFIG = "services.json";

/** Resolves options over environment variables over defaults. */
export function resolveServiceConfig(
  options: ServiceOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ServiceConfig {
  const dataDir = path.resolve(
    options.dataDir || env.TRIGGERX_DATA_DIR || path.join(REPO_ROOT, ".data"),
  );
  const saved = loadSavedConfig(dataDir);
  const cassandraPort =
    options.cassandraPort ??
    envPort(env.TRIGGERX_CASSANDRA_PORT) ??
    saved?.cassandra.port ??
    9042;

  return {
    toolsDir: path.resolve(
      options.toolsDir ||
        env.TRIGGERX_TOOLS_DIR ||
        path.join(REPO_ROOT, ".tools"),
    ),
    dataDir,
    temporal: {
      port:
        options.temporalPort ??
        envPort(env.TRIGGERX_TEMPORAL_PORT) ??
        saved?.temporal.port ??
        7233,
      uiPort:
        options.temporalUiPort ??
        envPort(env.TRIGGERX_TEMPORAL_UI_PORT) ??
        saved?.temporal.uiPort ??
        8233,
      namespace: env.TRIGGERX_TEMPORAL_NAMESPACE ?? "default",
    },
    cassandra: {
      port: cassandraPort,
      // Gossip and JMX ports follow the native port so two nodes started
      // with different --cassandra-port values do not collide.
      storagePort:
        saved?.cassandra.storagePort ?? 7000 + (cassandraPort - 9042),
      jmxPort: saved?.cassandra.jmxPort ?? 7199 + (cassandraPort - 9042),
      heapMb: Number(env.TRIGGERX_CASSANDRA_HEAP_MB ?? 512),
    },
  };
}

/** The path of the configuration that `up` saved in the data folder. */
export function savedConfigPath(dataDir: string): string {
  return path.join(dataDir, SAVED_CONFIG);
}

/** The configuration the last successful `up` in this data folder saved. */
export function loadSavedConfig(dataDir: string): ServiceConfig | undefined {
  const file = savedConfigPath(dataDir);
  if (!existsSync(file)) return undefined;

  return JSON.parse(readFileSync(file, "utf8")) as ServiceConfig;
}

function envPort(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;

  return Number(value);
}

/** The folder of one service's logs, named by `status`. */
export function logFile(config: ServiceConfig, service: string): string {
  return path.join(config.dataDir, "logs", `${service}.log`);
}

/** The pid file of one service's process. */
export function pidFile(config: ServiceConfig, service: string): string {
  return path.join(config.dataDir, "run", `${service}.pid`);
}
