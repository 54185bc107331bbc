import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { isTriggerxError, TriggerxError } from "../../errors/base";
import { compileScript } from "../../sandbox/compile";
import { EXIT_FAILED, EXIT_OK, usageError } from "./test";

interface BuildOptions {
  output: string;
  minify?: boolean;
}

/**
 * Registers `triggerx build <script> -o <file>`: one ES module with every
 * npm import bundled in, for upload as a job's script. Node built-ins are
 * refused, because the sandbox has none.
 */
export function register(program: Command): void {
  program
    .command("build")
    .description(
      "Bundle a script and its npm imports into one file the sandbox runs.",
    )
    .argument("<script>", "a TypeScript or JavaScript file")
    .requiredOption("-o, --output <file>", "where to write the bundle")
    .option("--minify", "minify the bundle")
    .action(async (file: string, options: BuildOptions) => {
      process.exitCode = await buildCommand(file, options);
    });
}

async function buildCommand(
  file: string,
  options: BuildOptions,
): Promise<number> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (error) {
    return usageError(
      new TriggerxError("USAGE_FILE_UNREADABLE", `cannot read ${file}`, {
        details: [(error as Error).message],
      }),
    );
  }

  try {
    const script = await compileScript(source, file, {
      resolveDir: path.dirname(path.resolve(file)),
      minify: options.minify === true,
    });
    await writeFile(options.output, script.code);
    const bytes = Buffer.byteLength(script.code, "utf8");
    process.stdout.write(
      `wrote ${options.output}: ${bytes} bytes, sha256 ${script.hash}\n`,
    );
    return EXIT_OK;
  } catch (error) {
    if (!isTriggerxError(error)) throw error;
    process.stderr.write(`error ${error.code}: ${error.describe()}\n`);
    return EXIT_FAILED;
  }
}
