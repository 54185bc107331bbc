import type { Hex } from "viem" with { "resolution-mode": "import" };
import { TriggerxError } from "../errors/base";
import { scriptHash } from "../records/hashes";
import type { ExecutionRecord, RecordResult } from "../records/record";
import { placeholderSecrets } from "../records/transcript";
import { type HashMismatch, verifyRecordHashes } from "../records/verify";
import { runtimeBuildId } from "./build-id";
import type { CompiledScript } from "./compile";
import type { EngineJob } from "./engine";
import { buildEnv } from "./env";
import { replayDiverged } from "./errors";
import { exchangeHashes } from "./exchange-hashes";
import { parseAllowEntry } from "./net/policy";
import {
  finishLive,
  finishReplay,
  type RecordContext,
  toRecordResult,
} from "./outcome";
import type { SandboxPool } from "./pool";
import {
  DEFAULT_LIMITS,
  type Limits,
  type RunInputs,
  type RunResult,
} from "./types";

/**
 * The public face of the sandbox: run a script once and get its execution
 * record, or replay a record and learn whether it holds.
 */

/** The file name every script runs under, live or in a replay. */
const SCRIPT_FILENAME = "script.js";

/** What {@link runScript} needs. */
export interface RunRequest {
  /** Workers to run on; see `createSandboxPool`. */
  pool: SandboxPool;
  /** The script, from `compileScript` or `precompiledScript`. */
  script: CompiledScript;
  inputs: RunInputs;
  /** Overrides of {@link DEFAULT_LIMITS}. */
  limits?: Partial<Limits>;
  /** `host:port` entries the script may reach although they are not public. */
  allowNet?: readonly string[];
  /** The job's JSON-RPC endpoint; reads to it are pinned to one block. */
  rpcUrl?: string;
  /** Content id of the script, when it was fetched by one. */
  scriptCid?: string;
  /**
   * Whether the record holds the script's bytes (default true, which makes
   * it self-contained). With `false` the record names the script by hash
   * and `scriptCid` only, and a replay needs `scriptSource`.
   */
  inlineScript?: boolean;
}

/** A run's record and its result. */
export interface RunOutcome {
  record: ExecutionRecord;
  result: RunResult;
  /** Per-exchange hashes, which let a replay name an edited exchange. */
  exchangeHashes: Hex[];
}

/**
 * Runs a script once, live: its requests go out through the guarded HTTP
 * client, its responses are recorded in the order it observed them, and
 * the run becomes an {@link ExecutionRecord}. Never throws for anything the
 * script does: failures are in `result` and in the record.
 *
 * @throws TriggerxError `LIMIT_INVALID` or `NET_INVALID_ALLOW_ENTRY` for
 *   bad limits or allow entries, `SANDBOX_POOL_CLOSED` when the pool is.
 *
 * @example
 * const { record, result } = await runScript({ pool, script, inputs });
 * if (result.ok) console.log(result.output.shouldExecute, record.outputHash);
 */
export async function runScript(request: RunRequest): Promise<RunOutcome> {
  const limits = resolveLimits(request.limits);
  if (request.inlineScript === false && !request.scriptCid) {
    throw new TriggerxError(
      "RECORD_NO_SCRIPT",
      "a record without the script's bytes needs the script's CID",
    );
  }
  for (const entry of request.allowNet ?? []) parseAllowEntry(entry);
  const { inputs } = request;
  const job = engineJob(request.script, inputs, limits, inputs.secrets);
  if (request.rpcUrl) job.rpcUrl = request.rpcUrl;

  const { secrets, ...recorded } = inputs;
  const context: RecordContext = {
    inputs: recorded,
    secretNames: Object.keys(secrets),
    script: {
      hash: request.script.hash,
      language: request.script.language,
      cid: request.scriptCid ?? null,
      code: request.script.code,
      inline: request.inlineScript ?? true,
    },
    runtimeBuild: runtimeBuildId(),
    limits,
  };

  const answer = await request.pool.run({
    mode: "live",
    job,
    policy: { allow: [...(request.allowNet ?? [])] },
    context,
  });

  // The worker builds the record; only a crashed worker leaves it to us.
  return answer.live ?? finishLive(context, answer.result, answer.pinnedBlock);
}

/** The first place where a replay and its record part ways. */
export interface Divergence {
  /** `request`: a request or response; `output`: the result; `record`: its hashes. */
  kind: "request" | "output" | "record";
  /** Index of the exchange, for `request`. */
  index?: number;
  /** The field that differs, for `output` and `record`. */
  field?: string;
  message: string;
  details: readonly string[];
}

/** What {@link replayRecord} found. */
export interface ReplayReport {
  /** True when the replay reached the record's `outputHash`. */
  ok: boolean;
  recordedOutputHash: Hex | null;
  outputHash: Hex | null;
  /** The first divergence, when not ok. */
  divergence?: Divergence;
  /** The replay's own result. */
  result: RunResult;
  /** Hashes of the record that do not match its content. */
  mismatches: HashMismatch[];
  /**
   * The runtime build the record names, and whether this host runs the same
   * one. Only a replay on the same build is authoritative.
   */
  runtimeBuild: { recorded: string; current: string; same: boolean };
}

/** Options of {@link replayRecord}. */
export interface ReplayOptions {
  pool: SandboxPool;
  /** The script's bytes, when the record does not hold them inline. */
  scriptSource?: string;
  /** Per-exchange hashes saved with the record (see {@link RunOutcome}). */
  exchangeHashes?: readonly Hex[];
}

/**
 * Re-executes a record without touching the network: the transcript is
 * served in its order, secrets are replaced by their placeholders, the
 * clock and randomness are those of the record. The report says whether
 * the replay reached the recorded `outputHash` and, if not, where the
 * two first differ.
 *
 * @example
 * const report = await replayRecord(record, { pool });
 * if (!report.ok) console.log(report.divergence?.message);
 */
export async function replayRecord(
  record: ExecutionRecord,
  options: ReplayOptions,
): Promise<ReplayReport> {
  const code = options.scriptSource ?? record.script.source;
  if (code === null) {
    throw new TriggerxError(
      "REPLAY_NO_SCRIPT",
      "the record does not hold its script and none was given",
      { details: [`script hash ${record.script.hash}`] },
    );
  }

  const secrets = placeholderSecrets(record.secretNames);
  const inputs: RunInputs = { ...recordInputs(record), secrets };
  const script = {
    code,
    filename: SCRIPT_FILENAME,
    language: record.script.language,
    hash: record.script.hash,
  };
  const job = engineJob(script, inputs, record.limits, secrets);

  const answer = await options.pool.run({
    mode: "replay",
    job,
    exchanges: record.transcript.exchanges,
    storage: inputs.storage,
  });
  const { result, outputHash } =
    answer.replay ?? finishReplay(answer.result, record.limits, inputs.storage);

  return report(record, options, result, outputHash);
}

function report(
  record: ExecutionRecord,
  options: ReplayOptions,
  result: RunResult,
  outputHash: Hex | null,
): ReplayReport {
  const { mismatches } = verifyRecordHashes(record);
  const given = options.scriptSource;
  const givenHash = given === undefined ? undefined : scriptHash(given);
  if (givenHash !== undefined && givenHash !== record.script.hash) {
    // The caller's script is not the one the record names.
    mismatches.push({
      field: "script.hash",
      recorded: record.script.hash,
      computed: givenHash,
    });
  }

  const current = runtimeBuildId();
  const base = {
    recordedOutputHash: record.outputHash,
    outputHash,
    result,
    mismatches,
    runtimeBuild: {
      recorded: record.runtimeBuild,
      current,
      same: record.runtimeBuild === current,
    },
  };
  const divergence =
    noResult(record, result) ??
    editedExchange(record, options.exchangeHashes) ??
    requestDivergence(result) ??
    outputDivergence(record, result, outputHash) ??
    recordDivergence(mismatches);

  if (!divergence) return { ok: true, ...base };
  return { ok: false, ...base, divergence };
}

function noResult(
  record: ExecutionRecord,
  result: RunResult,
): Divergence | undefined {
  if (record.outputHash === null) {
    return {
      kind: "record",
      field: "outputHash",
      message:
        "the record has no result to check: its run was not reproducible",
      details: [],
    };
  }
  if (!result.ok && !result.reproducible) {
    return {
      kind: "output",
      field: "status",
      message: "the replay was not reproducible and reached no result",
      details: [`${result.error.code}: ${result.error.message}`],
    };
  }

  return undefined;
}

function editedExchange(
  record: ExecutionRecord,
  saved: readonly Hex[] | undefined,
): Divergence | undefined {
  if (!saved) return undefined;

  const computed = exchangeHashes(record.transcript);
  const index = computed.findIndex((hash, i) => hash !== saved[i]);
  if (index < 0 && computed.length === saved.length) return undefined;

  const at = index < 0 ? computed.length : index;
  const error = replayDiverged(
    at,
    "the recorded exchange was edited after the run",
    [
      `saved hash ${saved[at] ?? "none"}, the record's exchange hashes to ${computed[at] ?? "none"}`,
    ],
  );
  return {
    kind: "request",
    index: at,
    message: error.message,
    details: error.details,
  };
}

function requestDivergence(result: RunResult): Divergence | undefined {
  if (result.ok || result.error.code !== "REPLAY_DIVERGED") return undefined;

  const { message, details } = result.error;
  const match = /request #(\d+)/.exec(message);
  return { kind: "request", index: Number(match?.[1] ?? 0), message, details };
}

function outputDivergence(
  record: ExecutionRecord,
  result: RunResult,
  outputHash: Hex | null,
): Divergence | undefined {
  if (outputHash === record.outputHash) return undefined;

  const field = firstDifferingField(record.result, toRecordResult(result));
  return {
    kind: "output",
    field,
    message: `replay reached a different output: ${field} differs`,
    details: [
      `recorded outputHash ${record.outputHash}`,
      `replayed outputHash ${outputHash}`,
    ],
  };
}

function recordDivergence(mismatches: HashMismatch[]): Divergence | undefined {
  const [first] = mismatches;
  if (!first) return undefined;

  return {
    kind: "record",
    field: first.field,
    message: `the record's ${first.field} does not match its content`,
    details: [`recorded ${first.recorded}`, `computed ${first.computed}`],
  };
}

function firstDifferingField(
  recorded: RecordResult,
  replayed: RecordResult,
): string {
  if (recorded.status !== replayed.status) return "status";
  if (recorded.status === "failed" && replayed.status === "failed") {
    return "error.code";
  }
  if (recorded.status !== "success" || replayed.status !== "success")
    return "status";

  for (const field of [
    "shouldExecute",
    "targetContract",
    "calldata",
    "storageUpdates",
  ] as const) {
    if (
      JSON.stringify(recorded.output[field]) !==
      JSON.stringify(replayed.output[field])
    ) {
      return field;
    }
  }
  return "output";
}

/** Fills in {@link DEFAULT_LIMITS} for every limit not given. */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new TriggerxError(
        "LIMIT_INVALID",
        `limit ${key} must be a positive integer`,
        {
          details: [`got ${value}`],
        },
      );
    }
    limits[key as keyof Limits] = value;
  }
  if (limits.memoryBytes > MAX_MEMORY_BYTES) {
    throw new TriggerxError(
      "LIMIT_INVALID",
      `limit memoryBytes may be at most ${MAX_MEMORY_BYTES}`,
      {
        details: [
          `got ${limits.memoryBytes}`,
          "a worker's heap is capped at 1 GiB",
        ],
      },
    );
  }

  return limits;
}

/**
 * The largest memory limit a run may have: a worker's WebAssembly heap is
 * capped at 1 GiB, and the module itself needs some of it.
 */
export const MAX_MEMORY_BYTES = 960 * 1024 * 1024;

function engineJob(
  script: CompiledScript,
  inputs: RunInputs,
  limits: Limits,
  secrets: Record<string, string>,
): EngineJob {
  return {
    script: script.code,
    // Stack traces name the file, and a script can read them: one name for
    // every run keeps a replay's traces equal to the original's.
    filename: SCRIPT_FILENAME,
    env: buildEnv(inputs),
    timeMs: inputs.timestamp * 1000,
    randomSeed: inputs.executionId,
    limits,
    secrets,
  };
}

function recordInputs(record: ExecutionRecord): Omit<RunInputs, "secrets"> {
  return {
    jobId: record.jobId,
    taskId: record.taskId,
    executionId: record.executionId,
    timestamp: record.timestamp,
    chainId: record.chainId,
    storage: record.storage.snapshot,
  };
}
