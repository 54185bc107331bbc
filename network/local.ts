import { mkdirSync } from "node:fs";
import path from "node:path";
import { Connection, Client as TemporalClient } from "@temporalio/client";
import type { Client } from "cassandra-driver";
import { resolveApiConfig } from "../api/config";
import { startApiServer } from "../api/server";
import type { AnvilChain } from "../chain/anvil";
import { startAnvil } from "../chain/anvil";
import type { NetworkContracts } from "../chain/deploy";
import { loadOrDeploy } from "../chain/deploy";
import { ContentStore } from "../content/store";
import { TriggerxError } from "../errors/base";
import { createLogger } from "../logging/logger";
import type { ServiceConfig } from "../services/config";
import { temporalAddress, temporalUiUrl } from "../services/temporal";
import { createCassandraClient } from "../store/client";
import { listHealthyKeepers } from "../store/keepers";
import { migrate } from "../store/migrate";
import { startKeeperWorker } from "../workers/keeper";
import { startOrchestratorWorker } from "../workers/orchestrator";
import type { RunningWorker } from "../workers/temporal";
import { ORCHESTRATOR_TASK_QUEUE } from "../workflows/client";
import { spawnWorkerProcess, stopWorkerProcess } from "./worker-process";

/** How to assemble a network on this machine. */
export type LocalNetworkOptions = {
  services: ServiceConfig;
  /** Default `triggerx`; tests use one keyspace each. */
  keyspace?: string;
  /** API port; default 8080 (0 picks a free one). */
  apiPort?: number;
  /** Anvil port; default 8545 (0 picks a free one). */
  chainPort?: number;
  /** Keeps the chain between starts; default `<data dir>/chain`. */
  chainDir?: string;
  /** Number of keeper workers; default 2. */
  keepers?: number;
  /**
   * Runs each keeper in a process of its own, as operators do, rather than
   * in this one; default false. With 300 jobs this halved the lag: keepers
   * in the orchestrator's process made its event loop the bottleneck.
   */
  keeperProcesses?: boolean;
  /** Whether this process runs the orchestrator worker; default true. */
  orchestrator?: boolean;
  /** `host:port` entries keepers' scripts may reach although private. */
  allowNet?: readonly string[];
  /** Prefix of every task queue; default `triggerx`. */
  queuePrefix?: string;
  /** Network minimum of a job's interval, seconds; default 10. */
  minIntervalSeconds?: number;
  /** Blocks under a `TaskSubmitted` before storage applies; default 1. */
  confirmations?: number;
  /** History events after which job workflows continue as new. */
  workflowHistoryLimit?: number;
};

/** A running local network and the handles to its parts. */
export type LocalNetwork = {
  apiUrl: string;
  rpcUrl: string;
  temporalUiUrl: string;
  chain: AnvilChain;
  contracts: NetworkContracts;
  /** Funded key of a job owner, for trying the network out. */
  ownerKey: `0x${string}`;
  cassandra: Client;
  temporal: TemporalClient;
  keyspace: string;
  queuePrefix: string;
  orchestratorQueue: string;
  /** Keys of the registered keepers, whether running here or not. */
  keeperKeys: Array<`0x${string}`>;
  /** Addresses of the keepers this network started. */
  keepers: string[];
  stop(): Promise<void>;
};

/** Dev-chain accounts: the deployer, then the keepers, then the owner. */
const DEPLOYER = 0;
const FIRST_KEEPER = 1;
const MAX_KEEPERS = 4;
const OWNER = FIRST_KEEPER + MAX_KEEPERS;

/**
 * Starts a whole network on this machine on top of running Temporal and
 * Cassandra: an anvil chain with the contracts deployed (kept across
 * restarts), the API, the orchestrator worker and keeper workers.
 */
export async function startLocalNetwork(
  options: LocalNetworkOptions,
): Promise<LocalNetwork> {
  const log = createLogger("network");
  const keyspace = options.keyspace ?? "triggerx";
  const prefix = options.queuePrefix ?? "triggerx";
  const orchestratorQueue =
    prefix === "triggerx" ? ORCHESTRATOR_TASK_QUEUE : `${prefix}-orchestrator`;
  const chainDir =
    options.chainDir ?? path.join(options.services.dataDir, "chain");
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };

  try {
    const cassandra = await connectCassandra(options.services, keyspace);
    stops.push(() => cassandra.shutdown());

    const logs = path.join(options.services.dataDir, "logs");
    mkdirSync(logs, { recursive: true });
    mkdirSync(chainDir, { recursive: true });
    const chain = await startAnvil({
      // Port 0 asks for any free port, which startAnvil picks itself.
      ...(options.chainPort === 0 ? {} : { port: options.chainPort ?? 8545 }),
      stateFile: path.join(chainDir, "state.json"),
      logFile: path.join(logs, "anvil.log"),
      accountCount: OWNER + 1,
    });
    stops.push(() => chain.stop());
    const keeperCount = Math.min(options.keepers ?? 2, MAX_KEEPERS);
    const keeperAccounts = chain.accounts.slice(
      FIRST_KEEPER,
      FIRST_KEEPER + MAX_KEEPERS,
    );
    const contracts = await loadOrDeploy(
      path.join(chainDir, "contracts.json"),
      {
        rpcUrl: chain.rpcUrl,
        deployerKey: account(chain, DEPLOYER).privateKey,
        keepers: keeperAccounts.map((keeper) => keeper.address),
      },
    );

    const connection = await Connection.connect({
      address: temporalAddress(options.services),
    });
    stops.push(() => connection.close());
    const temporal = new TemporalClient({ connection });

    const api = await startApiServer({
      port: options.apiPort ?? 8080,
      cassandra,
      temporal,
      content: new ContentStore(path.join(options.services.dataDir, "content")),
      config: resolveApiConfig({
        taskQueue: orchestratorQueue,
        minIntervalSeconds: options.minIntervalSeconds ?? 10,
        ...(options.workflowHistoryLimit
          ? { workflowHistoryLimit: options.workflowHistoryLimit }
          : {}),
        netPolicy: { allow: [...(options.allowNet ?? [])] },
        temporalUiUrl: temporalUiUrl(options.services),
      }),
    });
    stops.push(() => api.close());

    if (options.orchestrator ?? true) {
      const orchestrator = await startOrchestratorWorker({
        temporalAddress: temporalAddress(options.services),
        taskQueue: orchestratorQueue,
        cassandra,
        rpcUrl: chain.rpcUrl,
        gateway: contracts.gateway,
        confirmations: options.confirmations ?? 1,
        apiUrl: api.url,
      });
      stops.push(() => orchestrator.shutdown());
    }

    const stopKeepers = await startKeepers(
      options,
      keeperAccounts.slice(0, keeperCount),
      {
        temporalAddress: temporalAddress(options.services),
        cassandra,
        keyspace,
        rpcUrl: chain.rpcUrl,
        gateway: contracts.gateway,
        apiUrl: api.url,
        queuePrefix: prefix,
      },
    );
    stops.push(stopKeepers);

    log.info({ api: api.url, rpc: chain.rpcUrl }, "local network started");
    return {
      apiUrl: api.url,
      rpcUrl: chain.rpcUrl,
      temporalUiUrl: temporalUiUrl(options.services),
      chain,
      contracts,
      ownerKey: account(chain, OWNER).privateKey,
      cassandra,
      temporal,
      keyspace,
      queuePrefix: prefix,
      orchestratorQueue,
      keeperKeys: keeperAccounts.map((keeper) => keeper.privateKey),
      keepers: keeperAccounts
        .slice(0, keeperCount)
        .map((keeper) => keeper.address),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Starts the keepers, in this process or each in its own; returns how to
 * stop them all.
 */
async function startKeepers(
  options: LocalNetworkOptions,
  accounts: AnvilChain["accounts"],
  where: {
    temporalAddress: string;
    cassandra: Client;
    keyspace: string;
    rpcUrl: string;
    gateway: `0x${string}`;
    apiUrl: string;
    queuePrefix: string;
  },
): Promise<() => Promise<void>> {
  const allowNet = options.allowNet ?? [];

  if (options.keeperProcesses) {
    const children = accounts.map((account) =>
      spawnWorkerProcess("keeper", {
        ...where,
        cassandra: `127.0.0.1:${options.services.cassandra.port}`,
        env: { TRIGGERX_KEEPER_KEY: account.privateKey },
        extra: [
          "--queue-prefix",
          where.queuePrefix,
          ...allowNet.flatMap((entry) => ["--allow-net", entry]),
        ],
      }),
    );
    await waitForKeepers(where.cassandra, accounts.length);
    return async () => {
      await Promise.all(children.map((child) => stopWorkerProcess(child)));
    };
  }

  const workers: RunningWorker[] = [];
  for (const account of accounts) {
    workers.push(
      await startKeeperWorker({
        ...where,
        privateKey: account.privateKey,
        allowNet,
      }),
    );
  }
  return async () => {
    await Promise.all(workers.map((worker) => worker.shutdown()));
  };
}

async function waitForKeepers(cassandra: Client, count: number) {
  const deadline = Date.now() + 60_000;
  while ((await listHealthyKeepers(cassandra)).length < count) {
    if (Date.now() > deadline) {
      throw new TriggerxError(
        "NETWORK_KEEPERS_MISSING",
        `${count} keeper processes did not announce themselves within 60 s`,
        { details: ["their errors are on this process's standard error"] },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function connectCassandra(
  services: ServiceConfig,
  keyspace: string,
): Promise<Client> {
  const contactPoints = [`127.0.0.1:${services.cassandra.port}`];
  const admin = createCassandraClient({ contactPoints });
  try {
    await migrate(admin, { keyspace });
  } finally {
    await admin.shutdown();
  }

  return createCassandraClient({ contactPoints, keyspace });
}

function account(chain: AnvilChain, index: number) {
  const found = chain.accounts[index];
  if (!found) throw new Error(`anvil has no account ${index}`);

  return found;
}
