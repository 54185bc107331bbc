import type { Client } from "cassandra-driver";
import { types } from "cassandra-driver";

/**
 * A job's storage as one run sees it: the values and the version they are
 * at. A job that never stored anything is at version 0 with no values.
 */
export type StorageSnapshot = {
  version: number;
  values: Record<string, string>;
};

/** New values by key; `null` deletes the key. */
export type StorageUpdates = Record<string, string | null>;

/** What a compare-and-swap did. */
export type StorageSwap =
  | { applied: true; version: number }
  | { applied: false; currentVersion: number };

/** Reads a job's storage and its version in one partition read. */
export async function readStorage(
  client: Client,
  jobId: bigint,
): Promise<StorageSnapshot> {
  const result = await client.execute(
    "SELECT storage_key, storage_value, storage_version FROM script_storage WHERE job_id = ?",
    [types.Long.fromString(jobId.toString())],
  );
  const values: Record<string, string> = {};
  let version = 0;

  for (const row of result.rows) {
    version = toNumber(row.storage_version);
    if (row.storage_key !== null && row.storage_value !== null) {
      values[row.storage_key] = row.storage_value;
    }
  }
  return { version, values };
}

/**
 * Applies `updates` only if the job's storage is still at
 * `expectedVersion`, and moves it to the next version, in one lightweight
 * transaction: a conditional batch on the job's partition, whose condition
 * is the static `storage_version` column. A stale version changes nothing
 * and reports the version found instead.
 *
 * The new snapshot is then kept in `script_storage_history` under its
 * version so old records can be replayed against the storage they read.
 */
export async function compareAndSetStorage(
  client: Client,
  args: {
    jobId: bigint;
    expectedVersion: number;
    updates: StorageUpdates;
    before: Record<string, string>;
    executionId: string;
  },
): Promise<StorageSwap> {
  const jobId = types.Long.fromString(args.jobId.toString());
  const next = args.expectedVersion + 1;
  const now = new Date();
  // A partition that was never written has no static column yet; the
  // condition "= null" matches exactly that case.
  const expected =
    args.expectedVersion === 0
      ? null
      : types.Long.fromNumber(args.expectedVersion);

  const queries = [
    {
      query:
        "UPDATE script_storage SET storage_version = ? WHERE job_id = ? IF storage_version = ?",
      params: [types.Long.fromNumber(next), jobId, expected],
    },
    ...Object.entries(args.updates).map(([key, value]) =>
      value === null
        ? {
            query:
              "DELETE FROM script_storage WHERE job_id = ? AND storage_key = ?",
            params: [jobId, key],
          }
        : {
            query:
              "UPDATE script_storage SET storage_value = ?, updated_at = ? WHERE job_id = ? AND storage_key = ?",
            params: [value, now, jobId, key],
          },
    ),
  ];

  const result = await client.batch(queries, { prepare: true });
  const row = result.first();
  if (!row?.["[applied]"]) {
    return {
      applied: false,
      currentVersion: toNumber(row?.storage_version ?? null),
    };
  }

  await recordHistory(client, { ...args, version: next, at: now });
  return { applied: true, version: next };
}

async function recordHistory(
  client: Client,
  args: {
    jobId: bigint;
    version: number;
    updates: StorageUpdates;
    before: Record<string, string>;
    executionId: string;
    at: Date;
  },
): Promise<void> {
  const snapshot: Record<string, string> = { ...args.before };
  for (const [key, value] of Object.entries(args.updates)) {
    if (value === null) delete snapshot[key];
    else snapshot[key] = value;
  }

  await client.execute(
    "INSERT INTO script_storage_history (job_id, storage_version, snapshot, execution_id, applied_at) VALUES (?, ?, ?, ?, ?)",
    [
      types.Long.fromString(args.jobId.toString()),
      types.Long.fromNumber(args.version),
      JSON.stringify(snapshot),
      args.executionId,
      args.at,
    ],
  );
}

function toNumber(value: types.Long | null | undefined): number {
  return value ? value.toNumber() : 0;
}

/**
 * Which execution moved a job's storage to `version`, if any did. Used to
 * tell a run whose updates already applied (and whose completion is being
 * retried) from a run that lost the compare-and-swap to another.
 */
export async function executionAtVersion(
  client: Client,
  jobId: bigint,
  version: number,
): Promise<string | undefined> {
  const result = await client.execute(
    "SELECT execution_id FROM script_storage_history WHERE job_id = ? AND storage_version = ?",
    [types.Long.fromString(jobId.toString()), types.Long.fromNumber(version)],
  );
  return result.first()?.execution_id ?? undefined;
}
