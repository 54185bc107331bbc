import type { Command } from "commander";
import { readContractsFile } from "../../chain/deploy";
import { TriggerxError } from "../../errors/base";
import { createCassandraClient } from "../../store/client";
import { startKeeperWorker } from "../../workers/keeper";
import { startOrchestratorWorker } from "../../workers/orchestrator";
import type { RunningWorker } from "../../workers/temporal";
import { collect, parseInteger } from "../options";

type CommonFlags = {
  contractsFile?: string;
  temporalAddress: string;
  namespace: string;
  cassandra: string;
  keyspace: string;
  rpcUrl: string;
  gateway: string;
  apiUrl: string;
};

const env = process.env;

/**
 * `triggerx worker orchestrator | keeper`: one worker alone, configured by
 * flags or `TRIGGERX_*` variables, against any Temporal, Cassandra and EVM
 * JSON-RPC endpoint.
 */
export function register(program: Command): void {
  const worker = program
    .command("worker")
    .description("Run one worker of the network alone");

  withCommon(worker.command("orchestrator"))
    .description("Run job workflows and their database activities")
    .option("--task-queue <name>", "task queue", "triggerx-orchestrator")
    .option(
      "--confirmations <n>",
      "blocks under TaskSubmitted before storage applies",
      parseInteger(1),
      Number(env.TRIGGERX_CONFIRMATIONS ?? 1),
    )
    .action(
      async (
        flags: CommonFlags & { taskQueue: string; confirmations: number },
      ) => {
        const cassandra = cassandraOf(flags);
        await runUntilInterrupted(
          await startOrchestratorWorker({
            ...flags,
            cassandra,
            gateway: gatewayOf(flags),
          }),
          () => cassandra.shutdown(),
        );
      },
    );

  withCommon(worker.command("keeper"))
    .description("Perform tasks in the sandbox and send their transactions")
    .option("--key <hex>", "the keeper's private key", env.TRIGGERX_KEEPER_KEY)
    .option(
      "--allow-net <host:port>",
      "let scripts reach a host the outbound guard refuses (repeatable)",
      collect,
      env.TRIGGERX_ALLOW_NET?.split(",").filter(Boolean) ?? [],
    )
    .option(
      "--queue-prefix <prefix>",
      "prefix of the keeper's task queue",
      env.TRIGGERX_QUEUE_PREFIX ?? "triggerx",
    )
    .option(
      "--sandbox-threads <n>",
      "sandbox worker threads",
      parseInteger(1),
      2,
    )
    .action(
      async (
        flags: CommonFlags & {
          key?: string;
          allowNet: string[];
          sandboxThreads: number;
          queuePrefix: string;
        },
      ) => {
        if (!flags.key?.match(/^0x[0-9a-fA-F]{64}$/)) {
          throw new TriggerxError(
            "WORKER_KEY_MISSING",
            "a keeper needs --key or TRIGGERX_KEEPER_KEY (0x + 64 hex digits)",
          );
        }
        const cassandra = cassandraOf(flags);
        await runUntilInterrupted(
          await startKeeperWorker({
            ...flags,
            cassandra,
            privateKey: flags.key as `0x${string}`,
            gateway: gatewayOf(flags),
          }),
          () => cassandra.shutdown(),
        );
      },
    );
}

function withCommon(command: Command): Command {
  return command
    .option(
      "--temporal-address <host:port>",
      "Temporal frontend",
      env.TRIGGERX_TEMPORAL_ADDRESS ?? "127.0.0.1:7233",
    )
    .option(
      "--namespace <name>",
      "Temporal namespace",
      env.TRIGGERX_TEMPORAL_NAMESPACE ?? "default",
    )
    .option(
      "--cassandra <host:port,...>",
      "Cassandra contact points",
      env.TRIGGERX_CASSANDRA_CONTACT_POINTS ?? "127.0.0.1:9042",
    )
    .option(
      "--keyspace <name>",
      "keyspace",
      env.TRIGGERX_KEYSPACE ?? "triggerx",
    )
    .option(
      "--rpc-url <url>",
      "EVM JSON-RPC endpoint",
      env.TRIGGERX_RPC_URL ?? "http://127.0.0.1:8545",
    )
    .option("--gateway <address>", "TaskGateway address", env.TRIGGERX_GATEWAY)
    .option(
      "--contracts-file <file>",
      "the JSON written by triggerx deploy --out, for the gateway address",
      env.TRIGGERX_CONTRACTS_FILE,
    )
    .option(
      "--api-url <url>",
      "the network's API",
      env.TRIGGERX_API_URL ?? "http://127.0.0.1:8080",
    );
}

function cassandraOf(flags: CommonFlags) {
  return createCassandraClient({
    contactPoints: flags.cassandra.split(","),
    keyspace: flags.keyspace,
  });
}

function gatewayOf(flags: CommonFlags): `0x${string}` {
  if (flags.gateway || !flags.contractsFile) return address(flags.gateway);

  const contracts = readContractsFile(flags.contractsFile);
  return address(contracts?.gateway);
}

function address(value: string | undefined): `0x${string}` {
  if (value?.match(/^0x[0-9a-fA-F]{40}$/)) return value as `0x${string}`;

  throw new TriggerxError(
    "WORKER_GATEWAY_MISSING",
    "the gateway's address is needed: --gateway or TRIGGERX_GATEWAY",
  );
}

async function runUntilInterrupted(
  worker: RunningWorker,
  close: () => Promise<void>,
): Promise<void> {
  const stop = () => {
    worker.shutdown().catch(() => undefined);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.stderr.write(`worker polling ${worker.taskQueue}; Ctrl-C stops it\n`);

  try {
    await worker.done;
  } finally {
    await close();
  }
}
