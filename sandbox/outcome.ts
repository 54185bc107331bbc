import type { Hex } from "viem" with { "resolution-mode": "import" };
import { isTriggerxError } from "../errors/base";
import { outputHash } from "../records/hashes";
import {
  createExecutionRecord,
  type ExecutionRecord,
  type RecordResult,
  type ScriptLanguage,
} from "../records/record";
import type { EngineResult } from "./engine";
import { exchangeHashes } from "./exchange-hashes";
import { parseScriptOutputLine } from "./output";
import type { Limits, RunInputs, RunResult } from "./types";

/**
 * Turning what the engine returned into a run's result and record. These
 * run in the worker thread, next to the engine, so that hashing a record
 * does not cost the caller's event loop; the pool falls back to running
 * them on the caller's thread for a run whose worker crashed.
 */

/** Everything a record needs besides the run itself. No secret values. */
export interface RecordContext {
  inputs: Omit<RunInputs, "secrets">;
  secretNames: string[];
  script: {
    hash: Hex;
    language: ScriptLanguage;
    cid: string | null;
    code: string;
    /** Whether the record holds `code` itself, or only its hash and CID. */
    inline: boolean;
  };
  runtimeBuild: string;
  limits: Limits;
}

/** A live run, finished: its result, record and per-exchange hashes. */
export interface LiveFinish {
  result: RunResult;
  record: ExecutionRecord;
  exchangeHashes: Hex[];
}

/** A replay, finished: its result and the outputHash it reached. */
export interface ReplayFinish {
  result: RunResult;
  outputHash: Hex | null;
}

/** Validates the output of a finished live run and builds its record. */
export function finishLive(
  context: RecordContext,
  engine: EngineResult,
  pinnedBlock: string | null,
): LiveFinish {
  const result = toRunResult(engine, context.limits, context.inputs.storage);
  const record = buildRecord(context, pinnedBlock, engine, result);

  return { result, record, exchangeHashes: exchangeHashes(record.transcript) };
}

/** Validates the output of a finished replay and hashes it. */
export function finishReplay(
  engine: EngineResult,
  limits: Limits,
  storage: Record<string, string>,
): ReplayFinish {
  const result = toRunResult(engine, limits, storage);

  return { result, outputHash: outputHash(toRecordResult(result)) };
}

/** The result of a run: the engine's error, or its output validated. */
function toRunResult(
  engine: EngineResult,
  limits: Limits,
  storage: Record<string, string>,
): RunResult {
  const base = { usage: engine.usage, console: engine.console };
  if (engine.error) {
    const { reproducible } = engine;
    return { ok: false, error: engine.error, reproducible, ...base };
  }

  try {
    const json = engine.output?.json ?? "";
    const output = parseScriptOutputLine(json, limits, storage);
    return { ok: true, output, reproducible: true, ...base };
  } catch (error) {
    if (!isTriggerxError(error)) throw error;
    return { ok: false, error: error.toJSON(), reproducible: true, ...base };
  }
}

/** The result as a record holds it. */
export function toRecordResult(result: RunResult): RecordResult {
  if (result.ok) return { status: "success", output: result.output };

  const { code, message } = result.error;
  return {
    status: "failed",
    error: { code, message },
    reproducible: result.reproducible,
  };
}

function buildRecord(
  context: RecordContext,
  pinnedBlock: string | null,
  engine: EngineResult,
  result: RunResult,
): ExecutionRecord {
  const { inputs, script } = context;
  const transcript = {
    ...(pinnedBlock === null ? {} : { pinnedBlock }),
    exchanges: engine.exchanges,
  };

  return createExecutionRecord({
    executionId: inputs.executionId,
    jobId: inputs.jobId,
    taskId: inputs.taskId,
    timestamp: inputs.timestamp,
    chainId: inputs.chainId,
    storage: inputs.storage,
    script: {
      hash: script.hash,
      language: script.language,
      cid: script.cid,
      source: script.inline ? script.code : null,
    },
    runtimeBuild: context.runtimeBuild,
    limits: context.limits,
    secretNames: context.secretNames,
    pinnedBlock,
    transcript,
    result: toRecordResult(result),
    usage: result.usage,
  });
}
