import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { Option } from "commander";
import { startLocalNetwork } from "../../network/local";
import { resolveServiceConfig } from "../../services/config";
import {
  servicesDown,
  servicesStatus,
  servicesUp,
} from "../../services/manager";
import { terminalProgress } from "../../services/progress";
import { collect, parseInteger, parsePort } from "../options";

type DevFlags = {
  port: number;
  chainPort: number;
  keepers: number;
  allowNet: string[];
  dataDir?: string;
  minInterval: number;
  keyspace: string;
  queuePrefix: string;
};

/** What `triggerx dev` leaves for the job commands to find it by. */
export type DevFile = {
  apiUrl: string;
  temporalUiUrl: string;
  rpcUrl: string;
  chainId: number;
  ownerKey: string;
  contracts: Record<string, unknown>;
};

/** The name of the file, in the data folder, that describes the network. */
export const DEV_FILE = "dev.json";

/** `triggerx dev`: the whole network on this machine, in one command. */
export function register(program: Command): void {
  program
    .command("dev")
    .description(
      "Run the whole network locally: Temporal, Cassandra, anvil, API, workers",
    )
    .addOption(
      new Option("--port <port>", "API port")
        .default(8080)
        .argParser(parsePort),
    )
    .addOption(
      new Option("--chain-port <port>", "anvil's JSON-RPC port")
        .default(8545)
        .argParser(parsePort),
    )
    .addOption(
      new Option("--keepers <n>", "keeper workers (1 to 4)")
        .default(2)
        .argParser(parseInteger(1)),
    )
    .addOption(
      new Option("--min-interval <s>", "network minimum of a job's interval")
        .default(10)
        .argParser(parseInteger(1)),
    )
    .option(
      "--allow-net <host:port>",
      "let scripts reach a host the outbound guard refuses (repeatable)",
      collect,
      [],
    )
    .option("--data-dir <dir>", "data, logs and chain state (default .data)")
    .option("--keyspace <name>", "Cassandra keyspace", "triggerx")
    .option(
      "--queue-prefix <prefix>",
      "prefix of the network's task queues, to run two networks on one Temporal",
      "triggerx",
    )
    .action(runDev);
}

async function runDev(flags: DevFlags): Promise<void> {
  const services = resolveServiceConfig({ dataDir: flags.dataDir });
  const wasRunning = (await servicesStatus(services)).some((s) => s.running);
  await servicesUp(services, terminalProgress());

  const network = await startLocalNetwork({
    services,
    apiPort: flags.port,
    chainPort: flags.chainPort,
    keepers: flags.keepers,
    keeperProcesses: true,
    allowNet: flags.allowNet,
    minIntervalSeconds: flags.minInterval,
    keyspace: flags.keyspace,
    queuePrefix: flags.queuePrefix,
  });
  const devFile: DevFile = {
    apiUrl: network.apiUrl,
    temporalUiUrl: network.temporalUiUrl,
    rpcUrl: network.rpcUrl,
    chainId: network.chain.chainId,
    ownerKey: network.ownerKey,
    contracts: network.contracts,
  };
  writeFileSync(
    path.join(services.dataDir, DEV_FILE),
    `${JSON.stringify(devFile, null, 2)}\n`,
  );
  process.stdout.write(banner(devFile, flags));

  await untilInterrupted();
  process.stderr.write("\nstopping the network…\n");
  await network.stop();
  if (!wasRunning) await servicesDown(services, terminalProgress());
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

function banner(dev: DevFile, flags: DevFlags): string {
  const contracts = dev.contracts as { gateway: string; target: string };
  return `
The network is running. Ctrl-C stops it; starting again resumes it.

  API            ${dev.apiUrl}
  Temporal UI    ${dev.temporalUiUrl}
  Chain RPC      ${dev.rpcUrl} (chain ${dev.chainId})
  Gateway        ${contracts.gateway}
  Example target ${contracts.target}
  Keepers        ${flags.keepers}${flags.allowNet.length ? `, scripts may reach ${flags.allowNet.join(", ")}` : ""}

Try it (in another terminal):

  npx triggerx job create examples/counter.ts --interval ${Math.max(flags.minInterval, 10)} \\
      --storage target=${contracts.target}
  npx triggerx job show <job id printed above>

`;
}
