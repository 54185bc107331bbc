import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createPublicClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { signRequest } from "../../api/auth";
import { priceTargetAbi } from "../../contracts/artifacts/PriceTarget";
import type { LocalNetwork, LocalNetworkOptions } from "../../network/local";
import { startLocalNetwork } from "../../network/local";
import {
  spawnWorkerProcess,
  stopWorkerProcess,
} from "../../network/worker-process";
import { resolveServiceConfig } from "../../services/config";
import { createCassandraClient } from "../../store/client";

/** The compatibility cases users already write, shared beside the repo. */
export const COMPAT_DIR = path.resolve(__dirname, "../../../shared/compat");

/** A loopback HTTP server whose answer a test can change between runs. */
export type PriceServer = {
  url: string;
  hostPort: string;
  requests: number;
  /** Answers request n with `prices[n]`, the last one from then on. */
  setPrices(prices: number[]): void;
  /** Holds every answer until `release` is called. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
};

/** Serves `{ data: { amount } }` like a spot-price API, on 127.0.0.1. */
export async function startPriceServer(
  initial: number[],
): Promise<PriceServer> {
  let prices = initial;
  let held: Array<() => void> | null = null;
  const server = createServer((_request, response) => {
    const price = prices[Math.min(state.requests, prices.length - 1)] ?? 0;
    state.requests += 1;
    const answer = () =>
      response
        .setHeader("content-type", "application/json")
        .end(JSON.stringify({ data: { amount: price.toFixed(2) } }));
    if (held) held.push(answer);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const state: PriceServer = {
    url: `http://127.0.0.1:${port}/v2/prices/ETH-USD/spot`,
    hostPort: `127.0.0.1:${port}`,
    requests: 0,
    setPrices: (next) => {
      prices = next;
    },
    hold: () => {
      held = [];
    },
    release: () => {
      const waiting = held ?? [];
      held = null;
      for (const answer of waiting) answer();
    },
    close: () =>
      new Promise((resolve) => {
        state.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return state;
}

/**
 * A whole network for one test file: its own keyspace, task queues, chain
 * and content folder, on the shared Temporal and Cassandra.
 */
export async function startTestNetwork(
  name: string,
  allowNet: string[],
  parts: Pick<
    LocalNetworkOptions,
    "keepers" | "orchestrator" | "workflowHistoryLimit"
  > = {},
): Promise<LocalNetwork & { cleanup(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `triggerx-${name}-`));
  const keyspace = `test_network_${name}`;
  const admin = createCassandraClient();
  await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await admin.shutdown();

  const services = { ...resolveServiceConfig(), dataDir: dir };
  const network = await startLocalNetwork({
    services,
    keyspace,
    apiPort: 0,
    chainPort: 0,
    chainDir: path.join(dir, "chain"),
    allowNet,
    queuePrefix: `${name}-${randomUUID().slice(0, 8)}`,
    minIntervalSeconds: 1,
    ...parts,
  });
  return {
    ...network,
    async cleanup() {
      await terminateWorkflows(network);
      await network.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
type Answer = { status: number; json: any };

/** Calls the API as the network's development owner, signed. */
export async function ownerRequest(
  network: LocalNetwork,
  method: string,
  pathname: string,
  body?: unknown,
): Promise<Answer> {
  const text = body === undefined ? "" : JSON.stringify(body);
  const account = privateKeyToAccount(network.ownerKey);
  const headers = await signRequest(account, {
    method,
    path: pathname,
    body: text,
  });
  const response = await fetch(`${network.apiUrl}${pathname}`, {
    method,
    headers: { ...headers, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: text }),
  });
  return { status: response.status, json: await response.json() };
}

/** Uploads a script through the API; returns its `ipfs://` URL. */
export async function uploadScript(
  network: LocalNetwork,
  file: string,
): Promise<string> {
  const source = readFileSync(file, "utf8");
  const upload = await ownerRequest(network, "POST", "/api/scripts", {
    source,
    filename: path.basename(file),
  });
  if (upload.status !== 200 && upload.status !== 201) {
    throw new Error(`upload failed: ${JSON.stringify(upload.json)}`);
  }
  return upload.json.url;
}

/** The compat create-job body, pointed at a script, owner and storage. */
export function compatJob(
  network: LocalNetwork,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const [job] = JSON.parse(
    readFileSync(path.join(COMPAT_DIR, "create-job.json"), "utf8"),
  );
  return {
    ...job,
    job_id: undefined,
    user_address: privateKeyToAccount(network.ownerKey).address,
    created_chain_id: String(network.chain.chainId),
    ...overrides,
  };
}

/** Polls `read` until `done` holds for its value, or fails after `ms`. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline) {
      throw new Error(
        `condition not met in ${ms} ms; last value: ${JSON.stringify(last, bigintSafe)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await read();
  }
  return last;
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * Runs one worker of a test network as its own process, through the
 * command line an operator uses, so a test can kill it for real.
 */
export function spawnWorker(
  network: LocalNetwork,
  kind: "keeper" | "orchestrator",
  extra: string[],
): ChildProcess {
  const config = resolveServiceConfig();
  return spawnWorkerProcess(kind, {
    temporalAddress: `127.0.0.1:${config.temporal.port}`,
    cassandra: `127.0.0.1:${config.cassandra.port}`,
    keyspace: network.keyspace,
    rpcUrl: network.rpcUrl,
    gateway: network.contracts.gateway,
    apiUrl: network.apiUrl,
    extra,
    env: { TRIGGERX_LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
}

/** Kills a worker process at once, as a crash would, and waits for it. */
export function kill(child: ChildProcess): Promise<void> {
  return stopWorkerProcess(child, "SIGKILL");
}

/** Mines `blocks` blocks on the test chain. */
export async function mine(network: LocalNetwork, blocks: number) {
  await fetch(network.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "anvil_mine",
      params: [`0x${blocks.toString(16)}`],
    }),
  });
}

/** Reads a public counter of the example target contract. */
export async function readTarget(
  network: LocalNetwork,
  functionName: "lastPrice" | "swapCount" | "pingCount",
): Promise<bigint> {
  const client = createPublicClient({ transport: http(network.rpcUrl) });
  return (await client.readContract({
    address: network.contracts.target,
    abi: priceTargetAbi,
    functionName,
  })) as bigint;
}

/** Ends the job workflows a test network started, so none outlive it. */
export async function terminateWorkflows(network: LocalNetwork) {
  const query = `TaskQueue = '${network.orchestratorQueue}' AND ExecutionStatus = 'Running'`;
  for await (const workflow of network.temporal.workflow.list({ query })) {
    await network.temporal.workflow
      .getHandle(workflow.workflowId)
      .terminate("test over")
      .catch(() => undefined);
  }
}

/** A run as `GET /api/jobs/:id/runs` lists it (the fields tests read). */
export type RunAnswer = {
  execution_id: string;
  execution_status: string;
  scheduled_time: string;
  performer_address: string | null;
  tx_hash: string | null;
  record_cid: string | null;
  error_code: string | null;
};

/** A job's runs, oldest first. */
export async function listRuns(
  network: LocalNetwork,
  jobId: string,
): Promise<RunAnswer[]> {
  const { json } = await ownerRequest(
    network,
    "GET",
    `/api/jobs/${jobId}/runs?limit=100`,
  );
  return (json.runs as RunAnswer[]).slice().reverse();
}

/**
 * Creates a job of the shared compat price-threshold script, reading its
 * price from `prices` and calling the example target; `wrapped` sends the
 * job array under `"jobs"`, the other shape the API takes.
 */
export async function createPriceJob(
  network: LocalNetwork,
  prices: PriceServer,
  overrides: Record<string, unknown>,
  shape: "array" | "wrapped" = "array",
): Promise<string> {
  const url = await uploadScript(
    network,
    path.join(COMPAT_DIR, "price-threshold.ts"),
  );
  const jobs = [
    compatJob(network, {
      dynamic_arguments_script_url: url,
      initial_storage: {
        priceUrl: prices.url,
        target: network.contracts.target,
      },
      ...overrides,
    }),
  ];
  const created = await ownerRequest(
    network,
    "POST",
    "/api/jobs",
    shape === "array" ? jobs : { jobs },
  );
  if (created.status !== 201) {
    throw new Error(`job refused: ${JSON.stringify(created.json)}`);
  }
  return String(created.json.job_ids[0]);
}
