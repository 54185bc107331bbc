import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { Hex } from "viem" with { "resolution-mode": "import" };
import { TriggerxError } from "../../errors/base";
import type { ExecutionRecord } from "../../records/record";
import { createSandboxPool } from "../../sandbox/pool";
import { type ReplayReport, replayRecord } from "../../sandbox/runtime";
import {
  EXIT_FAILED,
  EXIT_OK,
  type RecordFile,
  usageError,
  usageLines,
} from "./test";

/**
 * Registers `triggerx replay <record>`: re-executes a record written by
 * `triggerx test --record` (or a bare execution record) without touching
 * the network, and checks that it reaches the recorded outputHash.
 */
export function register(program: Command): void {
  program
    .command("replay")
    .description(
      "Re-execute an execution record offline and check its outputHash.",
    )
    .argument("<record>", "a record file")
    .option("--json", "print one JSON object instead of a report")
    .action(async (file: string, options: { json?: boolean }) => {
      process.exitCode = await replayCommand(file, options.json === true);
    });
}

async function replayCommand(file: string, json: boolean): Promise<number> {
  let loaded: { record: ExecutionRecord; exchangeHashes?: Hex[] };
  try {
    loaded = await readRecordFile(file);
  } catch (error) {
    return usageError(error);
  }

  const pool = createSandboxPool({ size: 1 });
  let report: ReplayReport;
  try {
    report = await replayRecord(loaded.record, {
      pool,
      ...(loaded.exchangeHashes
        ? { exchangeHashes: loaded.exchangeHashes }
        : {}),
    });
  } catch (error) {
    return usageError(error);
  } finally {
    await pool.close();
  }

  process.stdout.write(
    json
      ? `${JSON.stringify(jsonReport(report))}\n`
      : textReport(report, loaded.record),
  );
  return report.ok ? EXIT_OK : EXIT_FAILED;
}

/** Reads a {@link RecordFile}, or a bare execution record. */
export async function readRecordFile(
  file: string,
): Promise<{ record: ExecutionRecord; exchangeHashes?: Hex[] }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new TriggerxError(
      "USAGE_BAD_RECORD",
      `cannot read a record from ${file}`,
      {
        details: [(error as Error).message],
      },
    );
  }

  const wrapped = parsed as Partial<RecordFile>;
  if (wrapped.format === "triggerx-record" && wrapped.record) {
    return {
      record: wrapped.record,
      ...(wrapped.exchangeHashes
        ? { exchangeHashes: wrapped.exchangeHashes }
        : {}),
    };
  }
  const bare = parsed as Partial<ExecutionRecord>;
  if (bare && typeof bare === "object" && bare.transcript && bare.script) {
    return { record: bare as ExecutionRecord };
  }

  throw new TriggerxError(
    "USAGE_BAD_RECORD",
    `${file} holds no execution record`,
  );
}

function jsonReport(report: ReplayReport) {
  return {
    ok: report.ok,
    outputHash: report.outputHash,
    recordedOutputHash: report.recordedOutputHash,
    divergence: report.divergence ?? null,
    sameRuntimeBuild: report.runtimeBuild.same,
    error: report.result.ok
      ? null
      : {
          code: report.result.error.code,
          message: report.result.error.message,
        },
  };
}

function textReport(report: ReplayReport, record: ExecutionRecord): string {
  const lines = [
    report.ok ? "replay matches the record" : "replay diverged from the record",
    `  recorded outputHash  ${report.recordedOutputHash}`,
    `  replayed outputHash  ${report.outputHash}`,
  ];
  if (!report.runtimeBuild.same) {
    lines.push(
      "warning: the record names another runtime build; this replay is not authoritative",
      `  recorded ${report.runtimeBuild.recorded}`,
      `  current  ${report.runtimeBuild.current}`,
    );
  }
  const { divergence } = report;
  if (divergence) {
    lines.push("divergence", `  ${divergence.message}`);
    lines.push(...divergence.details.map((line) => `    ${line}`));
  }
  for (const mismatch of report.mismatches) {
    lines.push(`  record field ${mismatch.field} does not match its content`);
  }
  if (!report.result.ok) {
    lines.push(
      "replayed error",
      `  ${report.result.error.code}: ${report.result.error.message}`,
    );
  }
  lines.push("usage", ...usageLines(report.result.usage, record.limits));

  return `${lines.join("\n")}\n`;
}
