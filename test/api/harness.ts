import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Connection, Client as TemporalClient } from "@temporalio/client";
import type { Client as CassandraClient } from "cassandra-driver";
import type { LocalAccount } from "viem";
import { signRequest } from "../../api/auth";
import { type ApiConfig, resolveApiConfig } from "../../api/config";
import { type ApiServer, startApiServer } from "../../api/server";
import { ContentStore } from "../../content/store";
import { freshKeyspace } from "../setup/cassandra";

/**
 * An API on a loopback port over a fresh keyspace, the real Temporal and a
 * content store in a temporary folder. Workflows start on a task queue of
 * their own that no worker polls; `close()` terminates the workflows of the
 * jobs created through `call`.
 */
export interface ApiHarness {
  url: string;
  cassandra: CassandraClient;
  temporal: TemporalClient;
  content: ContentStore;
  config: ApiConfig;
  /** Sends a request, signed by `account` when one is given. */
  call(
    method: string,
    path: string,
    options?: CallOptions,
  ): Promise<{ status: number; body: Answer }>;
  /** Has `close()` terminate the workflow of a job created elsewhere. */
  track(jobId: string): void;
  close(): Promise<void>;
}

/** A decoded answer; tests read it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: answers are asserted on, not typed
export type Answer = any;

/** A request body as JSON or raw text, signed by `account` if given. */
export interface CallOptions {
  account?: LocalAccount;
  body?: unknown;
  raw?: string;
  /** The signature's timestamp; now when omitted. */
  timestamp?: number;
}

export async function startHarness(
  keyspace: string,
  config: Partial<ApiConfig> = {},
): Promise<ApiHarness> {
  const cassandra = await freshKeyspace(keyspace);
  const connection = await Connection.connect({
    address: process.env.TRIGGERX_TEMPORAL_ADDRESS ?? "127.0.0.1:7233",
  });
  const temporal = new TemporalClient({ connection });
  const dir = mkdtempSync(path.join(os.tmpdir(), "triggerx-api-"));
  const content = new ContentStore(dir);
  const resolved = resolveApiConfig({
    taskQueue: `api-test-${randomUUID()}`,
    ...config,
  });
  const started: string[] = [];
  const server: ApiServer = await startApiServer({
    cassandra,
    temporal,
    content,
    config: resolved,
  });

  return {
    url: server.url,
    cassandra,
    temporal,
    content,
    config: resolved,
    async call(method, target, options = {}) {
      const answer = await send(server.url, method, target, options);
      if (target === "/api/jobs" && answer.status === 201) {
        started.push(...(answer.body.job_ids as string[]));
      }
      return answer;
    },
    track(jobId) {
      started.push(jobId);
    },
    async close() {
      await terminateWorkflows(temporal, started);
      await server.close();
      await connection.close();
      await cassandra.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function send(
  base: string,
  method: string,
  target: string,
  options: CallOptions,
): Promise<{ status: number; body: Answer }> {
  const json = options.body !== undefined;
  const body = json ? JSON.stringify(options.body) : options.raw;
  const headers: Record<string, string> = {
    "content-type": json ? "application/json" : "text/plain",
  };
  if (options.account) {
    Object.assign(
      headers,
      await signRequest(options.account, {
        method,
        path: target,
        body,
        ...(options.timestamp ? { timestamp: options.timestamp } : {}),
      }),
    );
  }

  const response = await fetch(`${base}${target}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    body:
      text && response.headers.get("content-type")?.includes("json")
        ? JSON.parse(text)
        : text,
  };
}

/** Terminates the workflows of the jobs the harness saw created. */
async function terminateWorkflows(
  temporal: TemporalClient,
  jobIds: readonly string[],
): Promise<void> {
  for (const jobId of jobIds) {
    await temporal.workflow
      .getHandle(`job-${jobId}`)
      .terminate("test finished")
      .catch(() => undefined);
  }
}
