import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import type { Hex } from "viem" with { "resolution-mode": "import" };
import { isTriggerxError, TriggerxError } from "../../errors/base";
import type { ExecutionRecord } from "../../records/record";
import { compileScript } from "../../sandbox/compile";
import { parseAllowEntry } from "../../sandbox/net/policy";
import {
  applyStorageUpdates,
  type ScriptOutput,
  storageBytes,
} from "../../sandbox/output";
import { createSandboxPool } from "../../sandbox/pool";
import { type RunOutcome, runScript } from "../../sandbox/runtime";
import type { Limits, RunResult, Usage } from "../../sandbox/types";

/** Exit codes of the sandbox commands. */
export const EXIT_OK = 0;
/** The script failed, or a replay diverged. */
export const EXIT_FAILED = 1;
/** The command was used wrongly. */
export const EXIT_USAGE = 2;

/**
 * What `--record` writes and `triggerx replay` reads: the execution record
 * (which holds the script's bytes) and one hash per exchange, so that a
 * replay can name an exchange that was edited.
 */
export interface RecordFile {
  format: "triggerx-record";
  record: ExecutionRecord;
  exchangeHashes: Hex[];
}

interface TestOptions {
  storage: string[];
  storageFile?: string;
  secret: string[];
  timestamp?: string;
  jobId: string;
  taskId: string;
  executionId?: string;
  chainId: string;
  allowNet: string[];
  rpcUrl?: string;
  record?: string;
  json?: boolean;
}

/** Registers `triggerx test <script>`. */
export function register(program: Command): void {
  program
    .command("test")
    .description("Run a script once in the sandbox and report what it did.")
    .argument("<script>", "a TypeScript or JavaScript file")
    .option(
      "--storage <key=value>",
      "a storage entry (repeatable)",
      collect,
      [],
    )
    .option("--storage-file <file>", "storage as a JSON object of strings")
    .option(
      "--secret <NAME=value>",
      "a secret, seen as SECRET_<NAME> (repeatable)",
      collect,
      [],
    )
    .option("--timestamp <seconds>", "the run's logical time (default: now)")
    .option("--job-id <id>", "TRIGGERX_JOB_ID", "1")
    .option("--task-id <id>", "TRIGGERX_TASK_ID", "1")
    .option("--execution-id <id>", "TRIGGERX_EXECUTION_ID (default: random)")
    .option("--chain-id <id>", "TRIGGERX_CHAIN_ID", "1")
    .option(
      "--allow-net <host:port>",
      "let the script reach a non-public host (repeatable)",
      collect,
      [],
    )
    .option(
      "--rpc-url <url>",
      "JSON-RPC endpoint whose reads are pinned to one block",
    )
    .option("--record <file>", "write the execution record to this file")
    .option("--json", "print one JSON object instead of a report")
    .action(async (file: string, options: TestOptions) => {
      process.exitCode = await testCommand(file, options);
    });
}

async function testCommand(
  file: string,
  options: TestOptions,
): Promise<number> {
  let request: Awaited<ReturnType<typeof prepare>>;
  try {
    request = await prepare(file, options);
  } catch (error) {
    if (isTriggerxError(error) && error.code === "SCRIPT_COMPILE_FAILED") {
      return compileFailed(error, options.json === true);
    }
    return usageError(error);
  }

  const pool = createSandboxPool({ size: 1 });
  let outcome: RunOutcome;
  try {
    outcome = await runScript({ pool, ...request });
  } finally {
    await pool.close();
  }

  if (options.record) await writeRecordFile(options.record, outcome);
  const { result, record } = outcome;
  process.stdout.write(
    options.json
      ? `${JSON.stringify(jsonReport(result, record))}\n`
      : textReport(path.basename(file), outcome, request.inputs.storage),
  );

  return result.ok ? EXIT_OK : EXIT_FAILED;
}

async function prepare(file: string, options: TestOptions) {
  const source = await readSource(file);
  const script = await compileScript(source, file, {
    resolveDir: path.dirname(path.resolve(file)),
  });
  for (const entry of options.allowNet) parseAllowEntry(entry);
  const storage = {
    ...(options.storageFile ? await readStorageFile(options.storageFile) : {}),
    ...pairs(options.storage, "--storage"),
  };

  return {
    script,
    inputs: {
      jobId: options.jobId,
      taskId: options.taskId,
      executionId: options.executionId ?? randomUUID(),
      timestamp: parseTimestamp(options.timestamp),
      chainId: options.chainId,
      storage,
      secrets: pairs(options.secret, "--secret"),
    },
    allowNet: options.allowNet,
    ...(options.rpcUrl ? { rpcUrl: options.rpcUrl } : {}),
  };
}

/** Writes a {@link RecordFile}. */
export async function writeRecordFile(
  file: string,
  outcome: RunOutcome,
): Promise<void> {
  const content: RecordFile = {
    format: "triggerx-record",
    record: outcome.record,
    exchangeHashes: outcome.exchangeHashes,
  };
  await writeFile(file, `${JSON.stringify(content, null, 2)}\n`);
}

function jsonReport(result: RunResult, record: ExecutionRecord) {
  const { fuel, memoryBytes, wallMs, requests } = result.usage;
  const hashes = { inputHash: record.inputHash, outputHash: record.outputHash };
  const usage = { fuel, memoryBytes, wallMs, requests };
  if (result.ok) {
    return { ok: true, output: result.output, error: null, usage, hashes };
  }

  const { code, message } = result.error;
  return { ok: false, output: null, error: { code, message }, usage, hashes };
}

function textReport(
  name: string,
  outcome: RunOutcome,
  storageBefore: Record<string, string>,
): string {
  const { result, record } = outcome;
  const lines = [`${name}: ${result.ok ? "ok" : "failed"}`];

  if (result.ok) {
    const { output } = result;
    lines.push("output", `  shouldExecute   ${output.shouldExecute}`);
    if (output.targetContract)
      lines.push(`  targetContract  ${output.targetContract}`);
    if (output.calldata) lines.push(`  calldata        ${output.calldata}`);
    if (output.metadata)
      lines.push(`  metadata        ${JSON.stringify(output.metadata)}`);
    lines.push("storage", ...storageDiff(storageBefore, output.storageUpdates));
  } else {
    lines.push("error", `  ${result.error.code}: ${result.error.message}`);
    lines.push(...result.error.details.map((line) => `    ${line}`));
    if (!result.reproducible)
      lines.push("  (not reproducible: the run has no result)");
  }

  lines.push("requests", ...requestLines(record));
  lines.push("usage", ...usageLines(result.usage, record.limits));
  if (result.ok) {
    lines.push(
      ...outputUsageLines(result.output, storageBefore, record.limits),
    );
  }
  if (result.console.length > 0) {
    lines.push(
      "console",
      ...result.console.map((line) => `  ${line.level}: ${line.text}`),
    );
  }
  lines.push(
    "hashes",
    `  inputHash   ${record.inputHash}`,
    `  outputHash  ${record.outputHash}`,
  );

  return `${lines.join("\n")}\n`;
}

function storageDiff(
  before: Record<string, string>,
  updates: Record<string, string | null>,
): string[] {
  const keys = Object.keys(updates).sort();
  if (keys.length === 0) return ["  (unchanged)"];

  return keys.map((key) => {
    const value = updates[key];
    const old = before[key];
    if (value === null) return `  - ${key} (was ${JSON.stringify(old)})`;
    if (old === undefined) return `  + ${key} = ${JSON.stringify(value)}`;
    return `  ~ ${key}: ${JSON.stringify(old)} -> ${JSON.stringify(value)}`;
  });
}

function requestLines(record: ExecutionRecord): string[] {
  const { exchanges } = record.transcript;
  if (exchanges.length === 0) return ["  (none)"];

  return exchanges.map((exchange) => {
    const { method, url } = exchange.request;
    if ("error" in exchange) {
      return `  #${exchange.index} ${method} ${url} -> ${exchange.error.code}: ${exchange.error.message}`;
    }
    const bytes = Buffer.from(
      exchange.response.bodyBase64,
      "base64",
    ).byteLength;
    return `  #${exchange.index} ${method} ${url} -> ${exchange.response.status}, ${bytes} bytes`;
  });
}

/** Usage against each limit, one line per limit. */
export function usageLines(usage: Usage, limits: Limits): string[] {
  const row = (label: string, used: number, limit: number, unit = "") =>
    `  ${label.padEnd(15)} ${used}${unit} / ${limit}${unit}`;

  return [
    row("fuel", usage.fuel, limits.fuel),
    row("memory", usage.memoryBytes, limits.memoryBytes, " B"),
    row("wall time", usage.wallMs, limits.wallTimeMs, " ms"),
    row("requests", usage.requests, limits.maxRequests),
    `  ${"response bytes".padEnd(15)} ${usage.responseBytes} (each at most ${limits.maxResponseBytes})`,
  ];
}

/** Output and storage sizes against their limits. */
function outputUsageLines(
  output: ScriptOutput,
  before: Record<string, string>,
  limits: Limits,
): string[] {
  const after = applyStorageUpdates(before, output.storageUpdates);
  const keys = Object.keys(after).length;
  const row = (label: string, used: number, limit: number) =>
    `  ${label.padEnd(15)} ${used} / ${limit}`;

  return [
    row("storage keys", keys, limits.maxStorageKeys),
    row("storage bytes", storageBytes(after), limits.maxStorageBytes),
  ];
}

async function readSource(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new TriggerxError("USAGE_FILE_UNREADABLE", `cannot read ${file}`, {
      details: [(error as Error).message],
    });
  }
}

async function readStorageFile(file: string): Promise<Record<string, string>> {
  const parsed = JSON.parse(await readSource(file)) as unknown;
  const valid =
    typeof parsed === "object" &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((value) => typeof value === "string");
  if (!valid) {
    throw new TriggerxError(
      "USAGE_BAD_STORAGE_FILE",
      `${file} must hold a JSON object of string values`,
    );
  }

  return parsed as Record<string, string>;
}

function pairs(entries: string[], option: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf("=");
    if (at <= 0) {
      throw new TriggerxError(
        "USAGE_BAD_PAIR",
        `${option} takes key=value, got ${JSON.stringify(entry)}`,
      );
    }
    // `__proto__` is a valid key; plain assignment would not keep it.
    Object.defineProperty(result, entry.slice(0, at), {
      value: entry.slice(at + 1),
      enumerable: true,
    });
  }

  return result;
}

function parseTimestamp(value: string | undefined): number {
  if (value === undefined) return Math.floor(Date.now() / 1000);
  if (!/^\d+$/.test(value)) {
    throw new TriggerxError(
      "USAGE_BAD_TIMESTAMP",
      `--timestamp takes unix seconds, got ${JSON.stringify(value)}`,
    );
  }

  return Number(value);
}

function compileFailed(error: TriggerxError, json: boolean): number {
  const { code, message } = error;
  if (json) {
    const report = {
      ok: false,
      output: null,
      error: { code, message },
      usage: null,
      hashes: null,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    process.stdout.write(`error ${code}: ${error.describe()}\n`);
  }

  return EXIT_FAILED;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Prints a usage problem and returns {@link EXIT_USAGE}; a script that does
 * not compile counts as one. Other errors propagate.
 */
export function usageError(error: unknown): number {
  if (!isTriggerxError(error)) throw error;

  process.stderr.write(`error ${error.code}: ${error.describe()}\n`);
  return EXIT_USAGE;
}
