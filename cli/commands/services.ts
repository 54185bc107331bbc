import type { Command } from "commander";
import { Option } from "commander";
import type { ServiceOptions } from "../../services/config";
import { resolveServiceConfig } from "../../services/config";
import type { ServiceStatus } from "../../services/manager";
import {
  servicesDown,
  servicesStatus,
  servicesUp,
} from "../../services/manager";
import { terminalProgress } from "../../services/progress";
import { parsePort } from "../options";

type ServicesFlags = ServiceOptions & { json?: boolean };

/** `triggerx services up | status | down`: the local Temporal and Cassandra. */
export function register(program: Command): void {
  const services = program
    .command("services")
    .description("Provision, start, inspect and stop Temporal and Cassandra");

  withServiceOptions(services.command("up"))
    .description("Provision if needed, start, wait until healthy, migrate")
    .action(async (flags: ServicesFlags) => {
      const config = resolveServiceConfig(flags);
      const statuses = await servicesUp(config, terminalProgress());
      printStatus(statuses, flags.json);
    });

  withServiceOptions(services.command("status"))
    .description("What runs where, healthy or not")
    .action(async (flags: ServicesFlags) => {
      const statuses = await servicesStatus(resolveServiceConfig(flags));
      printStatus(statuses, flags.json);
      if (!statuses.every((status) => status.healthy)) process.exitCode = 1;
    });

  withServiceOptions(services.command("down"))
    .description("Stop the services; their data is kept")
    .action(async (flags: ServicesFlags) => {
      await servicesDown(resolveServiceConfig(flags), terminalProgress());
    });
}

function withServiceOptions(command: Command): Command {
  return command
    .option("--data-dir <dir>", "data and logs (default .data)")
    .option("--tools-dir <dir>", "provisioned binaries (default .tools)")
    .addOption(
      new Option(
        "--temporal-port <port>",
        "Temporal gRPC port (7233)",
      ).argParser(parsePort),
    )
    .addOption(
      new Option(
        "--temporal-ui-port <port>",
        "Temporal web UI port (8233)",
      ).argParser(parsePort),
    )
    .addOption(
      new Option(
        "--cassandra-port <port>",
        "Cassandra CQL port (9042)",
      ).argParser(parsePort),
    )
    .option("--json", "print machine-readable JSON");
}

function printStatus(statuses: ServiceStatus[], json = false): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
    return;
  }

  for (const status of statuses) {
    const state = status.healthy
      ? "healthy"
      : status.running
        ? "running, not healthy"
        : "stopped";
    const memory = status.residentBytes
      ? `, ${(status.residentBytes / 2 ** 20).toFixed(0)} MiB resident`
      : "";
    const pid = status.pid ? ` (pid ${status.pid}${memory})` : "";
    process.stdout.write(`${status.name}: ${state}${pid}\n`);
    for (const [name, value] of Object.entries(status.endpoints)) {
      process.stdout.write(`  ${name.padEnd(5)} ${value}\n`);
    }
    process.stdout.write(`  log   ${status.log}\n`);
  }
}
