import type { Client as TemporalClient } from "@temporalio/client";
import type { Client as CassandraClient } from "cassandra-driver";
import type { ContentStore } from "../content/store";
import type { Logger } from "../logging/logger";
import type { NetPolicy } from "../sandbox/net/policy";
import { ORCHESTRATOR_TASK_QUEUE } from "../workflows/client";

/** How the API behaves; see {@link resolveApiConfig} for the defaults. */
export interface ApiConfig {
  /** Task queue the job workflows start on. */
  taskQueue: string;
  /**
   * History events after which a job workflow continues as new; default
   * 4,000 (`TRIGGERX_WORKFLOW_HISTORY_LIMIT`).
   */
  workflowHistoryLimit: number;
  /** Shortest `time_interval` a job may have, seconds. */
  minIntervalSeconds: number;
  /** Longest `time_interval` a job may have, seconds. */
  maxIntervalSeconds: number;
  /** Who the API may reach when it fetches a job's script by URL. */
  netPolicy: NetPolicy;
  /** IPFS gateways tried for `ipfs://` script URLs the store lacks. */
  ipfsGateways: string[];
  /** Base URL of Temporal's web UI, for workflow links. */
  temporalUiUrl: string;
  /**
   * Base URL clients reach this API at, for `gatewayUrl` answers; when
   * absent, the request's own scheme and host.
   */
  publicUrl: string | undefined;
  /** Largest JSON or script body, bytes. */
  maxBodyBytes: number;
  /** Largest execution record uploaded to `/api/content`, bytes. */
  maxContentBytes: number;
}

/** What the API works with. The caller owns every client and closes it. */
export interface ApiDeps {
  /** Cassandra client bound to the network's keyspace. */
  cassandra: CassandraClient;
  temporal: TemporalClient;
  content: ContentStore;
  config: ApiConfig;
  /** Parent of the per-request loggers; `createLogger("api")` by default. */
  logger?: Logger;
}

/** Defaults for what neither the caller nor the environment sets. */
export const API_DEFAULTS = {
  minIntervalSeconds: 10,
  workflowHistoryLimit: 4_000,
  maxIntervalSeconds: 365 * 24 * 3600,
  temporalUiUrl: "http://127.0.0.1:8233",
  maxBodyBytes: 8 * 1024 * 1024,
  // A record holds its transcript: up to 20 responses of 2 MiB each.
  maxContentBytes: 64 * 1024 * 1024,
} as const;

/**
 * Completes a configuration from the environment, then the defaults:
 * `TRIGGERX_MIN_INTERVAL_SECONDS` (10), `TRIGGERX_MAX_INTERVAL_SECONDS`
 * (one year), `TRIGGERX_TEMPORAL_UI_URL` (http://127.0.0.1:8233),
 * `TRIGGERX_PUBLIC_URL`, `TRIGGERX_IPFS_GATEWAYS` (comma separated, none),
 * `TRIGGERX_ALLOW_NET` (comma separated `host:port`, none).
 */
export function resolveApiConfig(
  config: Partial<ApiConfig> = {},
  env: NodeJS.ProcessEnv = process.env,
): ApiConfig {
  return {
    taskQueue: config.taskQueue ?? ORCHESTRATOR_TASK_QUEUE,
    workflowHistoryLimit:
      config.workflowHistoryLimit ??
      envNumber(env.TRIGGERX_WORKFLOW_HISTORY_LIMIT) ??
      API_DEFAULTS.workflowHistoryLimit,
    minIntervalSeconds:
      config.minIntervalSeconds ??
      envNumber(env.TRIGGERX_MIN_INTERVAL_SECONDS) ??
      API_DEFAULTS.minIntervalSeconds,
    maxIntervalSeconds:
      config.maxIntervalSeconds ??
      envNumber(env.TRIGGERX_MAX_INTERVAL_SECONDS) ??
      API_DEFAULTS.maxIntervalSeconds,
    netPolicy: config.netPolicy ?? { allow: envList(env.TRIGGERX_ALLOW_NET) },
    ipfsGateways: config.ipfsGateways ?? envList(env.TRIGGERX_IPFS_GATEWAYS),
    temporalUiUrl: trimSlash(
      config.temporalUiUrl ??
        env.TRIGGERX_TEMPORAL_UI_URL ??
        API_DEFAULTS.temporalUiUrl,
    ),
    publicUrl: optionalTrim(config.publicUrl ?? env.TRIGGERX_PUBLIC_URL),
    maxBodyBytes: config.maxBodyBytes ?? API_DEFAULTS.maxBodyBytes,
    maxContentBytes: config.maxContentBytes ?? API_DEFAULTS.maxContentBytes,
  };
}

function envNumber(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const number = Number(value);
  return Number.isSafeInteger(number) && number > 0 ? number : undefined;
}

function envList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function optionalTrim(url: string | undefined): string | undefined {
  return url ? trimSlash(url) : undefined;
}
