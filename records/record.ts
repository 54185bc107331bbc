import type { Address, Hex } from "viem";
import { TriggerxError } from "../errors/base";
import type { ScriptOutput } from "../sandbox/output";
import type { Limits, Usage } from "../sandbox/types";
import { inputHash, outputHash, storageHash, transcriptHash } from "./hashes";
import type { Transcript } from "./transcript";

/**
 * The execution record: what one run of a custom script job read, did and
 * produced, with the two hashes that commit to it. Anyone holding a record
 * (and the script it names) can replay the run; a replay with the same
 * runtime build must reach the same `outputHash`, or the record is provably
 * wrong. docs/records.md describes every field and both hashes.
 */

/**
 * Version of the record format. It is hashed into `inputHash`, so a record
 * of one version can never be mistaken for a record of another.
 */
export const RECORD_VERSION = 1 as const;

/** The languages a script may be written in. */
export type ScriptLanguage = "javascript" | "typescript" | "go";

/** Which script ran: its hash always, its bytes by CID or inline. */
export interface RecordScript {
  /** SHA-256 of the exact bytes that ran (`0x` + 64 hex digits). */
  hash: Hex;
  language: ScriptLanguage;
  /** Content id the bytes can be fetched by, or `null`. */
  cid: string | null;
  /** The bytes themselves as UTF-8 text, or `null`. */
  source: string | null;
}

/** A failure the record reports instead of an output. */
export interface RecordError {
  code: string;
  message: string;
}

/**
 * How the run ended. `reproducible` is false only when the run was stopped
 * by something outside it (the wall-clock backstop, a crashed worker): such
 * a run has no result, so it has no `outputHash` and can never be grounds
 * for slashing.
 */
export type RecordResult =
  | { status: "success"; output: ScriptOutput }
  | { status: "failed"; error: RecordError; reproducible: boolean };

/** The storage snapshot a run read, and its hash. */
export interface RecordStorage {
  snapshot: Record<string, string>;
  /** {@link storageHash} of `snapshot`. */
  hash: Hex;
}

/** One execution record. */
export interface ExecutionRecord {
  version: typeof RECORD_VERSION;
  /** Id of this execution; it also seeds every source of randomness. */
  executionId: string;
  /** Decimal job id. */
  jobId: string;
  /** Decimal task id. */
  taskId: string;
  /** The run's logical time, unix seconds; the script's clock starts here. */
  timestamp: number;
  /** Decimal id of the job's target chain. */
  chainId: string;
  storage: RecordStorage;
  script: RecordScript;
  /** Engine binary hash and host-bridge version the run used. */
  runtimeBuild: string;
  /** The limits the run was held to. */
  limits: Limits;
  /**
   * Names of the secrets the run received, sorted. Their values are never
   * recorded; a replay gets `<secret:NAME>` for each.
   */
  secretNames: string[];
  /** Decimal block number chain reads were pinned to, or `null`. */
  pinnedBlock: string | null;
  transcript: Transcript;
  /** {@link transcriptHash} of `transcript`. */
  transcriptHash: Hex;
  result: RecordResult;
  /** What the run consumed; informational, in no hash. */
  usage: Usage;
  /** Commitment to everything the run is a function of. */
  inputHash: Hex;
  /** Commitment to the result; `null` for a non-reproducible failure. */
  outputHash: Hex | null;
  /** Address of the keeper that ran it, once known. */
  performer: Address | null;
  /** EIP-712 signature of the performer (see `recordTypedData`), once made. */
  signature: Hex | null;
}

/** What {@link createExecutionRecord} needs: a record without its hashes. */
export type ExecutionRecordFields = Omit<
  ExecutionRecord,
  | "version"
  | "storage"
  | "transcriptHash"
  | "inputHash"
  | "outputHash"
  | "performer"
  | "signature"
> & {
  storage: Record<string, string>;
  performer?: Address | null;
  signature?: Hex | null;
};

/**
 * Assembles a record and computes its hashes. Secret names are sorted; the
 * transcript must already be redacted (see `redactExchange`). Performer and
 * signature default to `null` until the keeper signs.
 *
 * @throws TriggerxError `RECORD_INCONSISTENT` when `pinnedBlock` differs
 *   from the transcript's.
 *
 * @example
 * const record = createExecutionRecord({ executionId, jobId: "7", ... });
 * record.inputHash // "0x…"
 */
export function createExecutionRecord(
  fields: ExecutionRecordFields,
): ExecutionRecord {
  const { storage, performer, signature, ...rest } = fields;
  if (rest.pinnedBlock !== (rest.transcript.pinnedBlock ?? null)) {
    throw new TriggerxError(
      "RECORD_INCONSISTENT",
      "the record's pinned block differs from its transcript's",
      {
        details: [
          `record: ${rest.pinnedBlock}, transcript: ${rest.transcript.pinnedBlock ?? null}`,
        ],
      },
    );
  }

  const withoutHashes = {
    ...rest,
    version: RECORD_VERSION,
    storage: { snapshot: storage, hash: storageHash(storage) },
    secretNames: [...rest.secretNames].sort(),
    transcriptHash: transcriptHash(rest.transcript),
  };

  return {
    ...withoutHashes,
    inputHash: inputHash(withoutHashes),
    outputHash: outputHash(rest.result),
    performer: performer ?? null,
    signature: signature ?? null,
  };
}
