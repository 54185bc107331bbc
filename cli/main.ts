import { Command, CommanderError } from "commander";
import { isTriggerxError } from "../errors/base";

/**
 * A command module registers its subcommand on the program. Modules are
 * loaded lazily so `triggerx test` does not pay for Temporal's client.
 */
type CommandModule = { register(program: Command): void };

const commandModules: Array<() => CommandModule> = [
  () => require("./commands/services"),
  () => require("./commands/test"),
  () => require("./commands/replay"),
  () => require("./commands/build"),
  () => require("./commands/dev"),
  () => require("./commands/worker"),
  () => require("./commands/deploy"),
  () => require("./commands/migrate"),
  () => require("./commands/api"),
  () => require("./commands/job"),
];

/** Exit code for a command used wrongly (unknown option, bad value). */
export const EXIT_USAGE = 2;

/** Runs the `triggerx` command line with the given arguments. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command("triggerx")
    .description("Custom script jobs whose every run can be re-executed.")
    .exitOverride()
    .showHelpAfterError();

  for (const load of commandModules) {
    load().register(program);
  }

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }

  const text = isTriggerxError(error)
    ? `error ${error.code}: ${error.describe()}`
    : `error: ${(error as Error).stack ?? String(error)}`;
  process.stderr.write(`${text}\n`);
  return 1;
}
