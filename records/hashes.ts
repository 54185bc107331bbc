import { getAddress, type Hex, isAddress } from "viem";
import type { ScriptOutput } from "../sandbox/output";
import { canonicalJson, sha256Hex } from "./canonical";
import type { ExecutionRecord, RecordResult } from "./record";
import type { Transcript } from "./transcript";

/**
 * The hashes of an execution record. Every one is SHA-256 over RFC 8785
 * canonical JSON (see `canonicalJson`), written `0x` + 64 lower-case hex
 * digits, so it fits a `bytes32` on chain. docs/records.md lists the exact
 * objects hashed.
 */

/** SHA-256 of a script's exact bytes (a string is taken as UTF-8). */
export function scriptHash(bytes: Uint8Array | string): Hex {
  return sha256Hex(bytes);
}

/** Hash of a storage snapshot: its canonical JSON object. */
export function storageHash(snapshot: Record<string, string>): Hex {
  return sha256Hex(canonicalJson(snapshot));
}

/** Hash of a transcript: its canonical JSON, exchanges in call order. */
export function transcriptHash(transcript: Transcript): Hex {
  return sha256Hex(canonicalJson(transcript));
}

/** The parts of a record that `inputHash` commits to. */
export type InputHashFields = Pick<
  ExecutionRecord,
  | "version"
  | "executionId"
  | "jobId"
  | "taskId"
  | "timestamp"
  | "chainId"
  | "runtimeBuild"
  | "limits"
  | "secretNames"
  | "pinnedBlock"
  | "transcriptHash"
> & {
  storage: Pick<ExecutionRecord["storage"], "hash">;
  script: Pick<ExecutionRecord["script"], "hash">;
};

/**
 * Commitment to everything a run is a function of: the record version, ids,
 * logical time, chain, storage hash, script hash, runtime build, the limits
 * that can decide the result (all but the wall-clock backstop), the secret
 * names, the pinned block and the transcript hash. The execution id is in
 * because it seeds the script's randomness.
 */
export function inputHash(fields: InputHashFields): Hex {
  const { wallTimeMs: _wallClockOnly, ...limits } = fields.limits;

  return sha256Hex(
    canonicalJson({
      version: fields.version,
      executionId: fields.executionId,
      jobId: fields.jobId,
      taskId: fields.taskId,
      timestamp: fields.timestamp,
      chainId: fields.chainId,
      storageHash: fields.storage.hash,
      scriptHash: fields.script.hash,
      runtimeBuild: fields.runtimeBuild,
      limits,
      secretNames: [...fields.secretNames].sort(),
      pinnedBlock: fields.pinnedBlock,
      transcriptHash: fields.transcriptHash,
    }),
  );
}

/**
 * Commitment to a run's result, or `null` when it has none.
 * - success: `{shouldExecute, targetContract, calldata, storageUpdates}`,
 *   target checksummed or null, calldata lower-case or null, `null` in
 *   `storageUpdates` deleting a key;
 * - reproducible failure: `{status: "failed", code}` — the message is left
 *   out so that wording may change between builds without changing hashes;
 * - non-reproducible failure (stopped by the wall clock): `null`.
 */
export function outputHash(result: RecordResult): Hex | null {
  if (result.status === "success") return successHash(result.output);
  if (!result.reproducible) return null;

  return sha256Hex(
    canonicalJson({ status: "failed", code: result.error.code }),
  );
}

function successHash(output: ScriptOutput): Hex {
  const { shouldExecute, targetContract, calldata, storageUpdates } = output;

  return sha256Hex(
    canonicalJson({
      shouldExecute,
      targetContract:
        targetContract && isAddress(targetContract, { strict: false })
          ? getAddress(targetContract)
          : targetContract,
      calldata: calldata && (calldata.toLowerCase() as Hex),
      storageUpdates,
    }),
  );
}
