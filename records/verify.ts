import {
  inputHash,
  outputHash,
  scriptHash,
  storageHash,
  transcriptHash,
} from "./hashes";
import { type ExecutionRecord, RECORD_VERSION } from "./record";

/** A hash (or derived field) of a record that does not match its content. */
export interface HashMismatch {
  field:
    | "version"
    | "storage.hash"
    | "script.hash"
    | "pinnedBlock"
    | "transcriptHash"
    | "inputHash"
    | "outputHash";
  recorded: string | number | null;
  computed: string | number | null;
}

/**
 * Recomputes every hash of a record from its content and lists those that
 * differ. The script hash is checked only when the source is inline.
 * A record with no mismatches is internally consistent; whether its output
 * is *true* takes a replay.
 */
export function verifyRecordHashes(record: ExecutionRecord): {
  ok: boolean;
  mismatches: HashMismatch[];
} {
  const storage = { hash: storageHash(record.storage.snapshot) };
  const transcript = transcriptHash(record.transcript);
  const mismatches: HashMismatch[] = [];
  const check = (
    field: HashMismatch["field"],
    recorded: HashMismatch["recorded"],
    computed: HashMismatch["computed"],
  ) => {
    if (recorded !== computed) mismatches.push({ field, recorded, computed });
  };

  check("version", record.version, RECORD_VERSION);
  check("storage.hash", record.storage.hash, storage.hash);
  if (record.script.source !== null) {
    check("script.hash", record.script.hash, scriptHash(record.script.source));
  }
  check(
    "pinnedBlock",
    record.pinnedBlock,
    record.transcript.pinnedBlock ?? null,
  );
  check("transcriptHash", record.transcriptHash, transcript);
  check(
    "inputHash",
    record.inputHash,
    inputHash({ ...record, storage, transcriptHash: transcript }),
  );
  check("outputHash", record.outputHash, outputHash(record.result));

  return { ok: mismatches.length === 0, mismatches };
}
