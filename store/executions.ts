import type { Client } from "cassandra-driver";
import { types } from "cassandra-driver";

/**
 * The outcome of one run as `custom_script_executions` keeps it:
 * - `success`: the script asked for a transaction and it was confirmed;
 * - `no_execution`: the script decided not to send one;
 * - `failed`: the script failed (its error code says why) or no keeper
 *   could run it;
 * - `conflicting`: the run's storage updates met storage that had moved on,
 *   so they were refused.
 */
export type ExecutionStatus =
  | "success"
  | "failed"
  | "no_execution"
  | "conflicting";

/** One run's row, with camelCase names of the table's columns. */
export type ExecutionRow = {
  executionId: string;
  jobId: bigint;
  taskId: bigint;
  scheduledTime: Date;
  actualTime: Date | null;
  performerAddress: string | null;
  inputTimestamp: number;
  inputStorage: string | null;
  inputStorageVersion: number;
  inputHash: string | null;
  shouldExecute: boolean | null;
  targetContract: string | null;
  calldata: string | null;
  storageUpdates: string | null;
  outputHash: string | null;
  scriptHash: string | null;
  runtimeBuild: string | null;
  pinnedBlock: bigint | null;
  recordCid: string | null;
  signature: string | null;
  txHash: string | null;
  txSuccess: boolean | null;
  executionStatus: ExecutionStatus;
  executionError: string | null;
  errorCode: string | null;
  verificationStatus: "pending" | "verified" | "challenged";
  challengeDeadline: Date | null;
  createdAt: Date;
};

const COLUMNS: ReadonlyArray<[keyof ExecutionRow, string]> = [
  ["executionId", "execution_id"],
  ["jobId", "job_id"],
  ["taskId", "task_id"],
  ["scheduledTime", "scheduled_time"],
  ["actualTime", "actual_time"],
  ["performerAddress", "performer_address"],
  ["inputTimestamp", "input_timestamp"],
  ["inputStorage", "input_storage"],
  ["inputStorageVersion", "input_storage_version"],
  ["inputHash", "input_hash"],
  ["shouldExecute", "should_execute"],
  ["targetContract", "target_contract"],
  ["calldata", "calldata"],
  ["storageUpdates", "storage_updates"],
  ["outputHash", "output_hash"],
  ["scriptHash", "script_hash"],
  ["runtimeBuild", "runtime_build"],
  ["pinnedBlock", "pinned_block"],
  ["recordCid", "record_cid"],
  ["signature", "signature"],
  ["txHash", "tx_hash"],
  ["txSuccess", "tx_success"],
  ["executionStatus", "execution_status"],
  ["executionError", "execution_error"],
  ["errorCode", "error_code"],
  ["verificationStatus", "verification_status"],
  ["challengeDeadline", "challenge_deadline"],
  ["createdAt", "created_at"],
];

const BIGINTS = new Set<keyof ExecutionRow>([
  "jobId",
  "taskId",
  "inputTimestamp",
  "inputStorageVersion",
  "pinnedBlock",
]);

/**
 * Writes a run's row and its entry in the job's run list. Writing the same
 * execution again overwrites it, so a retried activity is harmless.
 */
export async function saveExecution(
  client: Client,
  row: ExecutionRow,
): Promise<void> {
  const names = COLUMNS.map(([, column]) => column);
  const values = COLUMNS.map(([field]) => toCql(field, row[field]));

  await client.batch(
    [
      {
        query: `INSERT INTO custom_script_executions (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
        params: values,
      },
      {
        query:
          "INSERT INTO executions_by_job (job_id, scheduled_time, execution_id, task_id, execution_status) VALUES (?, ?, ?, ?, ?)",
        params: [
          toCql("jobId", row.jobId),
          row.scheduledTime,
          row.executionId,
          toCql("taskId", row.taskId),
          row.executionStatus,
        ],
      },
    ],
    { prepare: true, logged: true },
  );
}

/** One run by its execution id. */
export async function getExecution(
  client: Client,
  executionId: string,
): Promise<ExecutionRow | undefined> {
  const result = await client.execute(
    "SELECT * FROM custom_script_executions WHERE execution_id = ?",
    [executionId],
  );
  const row = result.first();
  return row ? fromRow(row) : undefined;
}

/** A job's runs, newest first. */
export async function listRunsByJob(
  client: Client,
  jobId: bigint,
  limit = 20,
): Promise<ExecutionRow[]> {
  const ids = await client.execute(
    "SELECT execution_id FROM executions_by_job WHERE job_id = ? LIMIT ?",
    [toCql("jobId", jobId), limit],
  );
  const rows = await Promise.all(
    ids.rows.map((row) => getExecution(client, row.execution_id)),
  );
  return rows.filter((row): row is ExecutionRow => row !== undefined);
}

function toCql(field: keyof ExecutionRow, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (BIGINTS.has(field)) return types.Long.fromString(String(value));

  return value;
}

function fromRow(row: types.Row): ExecutionRow {
  const entries = COLUMNS.map(([field, column]) => {
    const value = row[column];
    if (value === null || value === undefined) return [field, null];
    if (field === "inputTimestamp" || field === "inputStorageVersion") {
      return [field, Number(value.toString())];
    }
    if (BIGINTS.has(field)) return [field, BigInt(value.toString())];

    return [field, value];
  });
  return Object.fromEntries(entries) as ExecutionRow;
}
