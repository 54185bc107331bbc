import path from "node:path";
import { Connection, Client as TemporalClient } from "@temporalio/client";
import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { resolveApiConfig } from "../../api/config";
import { startApiServer } from "../../api/server";
import { ContentStore } from "../../content/store";
import { parseAllowEntry } from "../../sandbox/net/policy";
import { resolveServiceConfig } from "../../services/config";
import { createCassandraClient } from "../../store/client";
import { collect, parseInteger, parsePort } from "../options";

type ApiFlags = {
  port: number;
  host: string;
  dataDir?: string;
  temporalAddress?: string;
  temporalUiUrl?: string;
  cassandra?: string;
  keyspace: string;
  allowNet: string[];
  ipfsGateway: string[];
  publicUrl?: string;
  taskQueue?: string;
  minInterval?: number;
};

/**
 * `triggerx api`: the HTTP API alone, against Temporal and Cassandra that
 * run elsewhere. Flags win over `TRIGGERX_*` variables, which win over the
 * local services' defaults (see `resolveServiceConfig`).
 */
export function register(program: Command): void {
  program
    .command("api")
    .description("Run the HTTP API alone (jobs, scripts, content by CID)")
    .addOption(
      new Option("--port <port>", "port to listen on")
        .default(Number(process.env.TRIGGERX_API_PORT ?? 8080))
        .argParser(parsePort),
    )
    .option(
      "--host <host>",
      "interface to listen on",
      process.env.TRIGGERX_API_HOST ?? "127.0.0.1",
    )
    .option("--data-dir <dir>", "data folder; content goes in <dir>/content")
    .option("--temporal-address <host:port>", "Temporal's gRPC address")
    .option("--temporal-ui-url <url>", "Temporal web UI, for workflow links")
    .option(
      "--cassandra <host:port>",
      "a Cassandra contact point (repeat as a comma-separated list)",
    )
    .option(
      "--keyspace <name>",
      "Cassandra keyspace",
      process.env.TRIGGERX_KEYSPACE ?? "triggerx",
    )
    .option(
      "--allow-net <host:port>",
      "let script URLs reach a host the outbound guard refuses (repeatable)",
      collectAllowEntry,
      [],
    )
    .option(
      "--ipfs-gateway <url>",
      "IPFS gateway for ipfs:// scripts the store lacks (repeatable)",
      collect,
      [],
    )
    .option("--public-url <url>", "base URL clients reach the API at")
    .option("--task-queue <name>", "task queue job workflows start on")
    .addOption(
      new Option(
        "--min-interval <s>",
        "network minimum of a job's interval (10)",
      ).argParser(parseInteger(1)),
    )
    .action(runApi);
}

async function runApi(flags: ApiFlags): Promise<void> {
  const services = resolveServiceConfig({ dataDir: flags.dataDir });
  const cassandra = createCassandraClient({
    keyspace: flags.keyspace,
    ...(flags.cassandra ? { contactPoints: flags.cassandra.split(",") } : {}),
  });
  const connection = await Connection.connect({
    address:
      flags.temporalAddress ??
      process.env.TRIGGERX_TEMPORAL_ADDRESS ??
      `127.0.0.1:${services.temporal.port}`,
  });
  const config = resolveApiConfig({
    ...(flags.taskQueue ? { taskQueue: flags.taskQueue } : {}),
    ...(flags.minInterval ? { minIntervalSeconds: flags.minInterval } : {}),
    ...(flags.allowNet.length ? { netPolicy: { allow: flags.allowNet } } : {}),
    ...(flags.ipfsGateway.length ? { ipfsGateways: flags.ipfsGateway } : {}),
    ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
    temporalUiUrl:
      flags.temporalUiUrl ??
      process.env.TRIGGERX_TEMPORAL_UI_URL ??
      `http://127.0.0.1:${services.temporal.uiPort}`,
  });

  const api = await startApiServer({
    host: flags.host,
    port: flags.port,
    cassandra,
    temporal: new TemporalClient({
      connection,
      namespace: services.temporal.namespace,
    }),
    content: new ContentStore(path.join(services.dataDir, "content")),
    config,
  });
  process.stdout.write(`API listening on ${api.url}\n`);

  await untilInterrupted();
  await api.close();
  await connection.close();
  await cassandra.shutdown();
}

function collectAllowEntry(value: string, previous: string[]): string[] {
  try {
    parseAllowEntry(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return collect(value, previous);
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}
