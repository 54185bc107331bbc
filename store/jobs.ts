import type { Client } from "cassandra-driver";
import { types } from "cassandra-driver";

/**
 * The life of a job:
 * - `active`: its workflow runs it every `timeInterval` seconds;
 * - `paused`: its workflow waits for a resume signal; storage may be edited;
 * - `completed`: a one-shot job that ran;
 * - `expired`: `expirationTime` passed (`time_frame` after creation);
 * - `cancelled`: its owner cancelled it.
 * `active` and `paused` move into each other by signal; the other three
 * are final.
 */
export type JobStatus =
  | "active"
  | "paused"
  | "completed"
  | "expired"
  | "cancelled";

/** A custom script job as stored in `custom_jobs`. */
export type Job = {
  jobId: bigint;
  taskDefinitionId: number;
  userAddress: string;
  jobTitle: string;
  recurring: boolean;
  scriptUrl: string;
  scriptCid: string;
  scriptLanguage: "typescript" | "javascript" | "go";
  scriptHash: string;
  timeInterval: number;
  timeFrame: number;
  nextExecutionTime: Date;
  maxExecutionTime: number;
  challengePeriod: number;
  expirationTime: Date | null;
  lastExecutedAt: Date | null;
  status: JobStatus;
  createdChainId: string;
  etherBalance: bigint;
  tokenBalance: bigint;
  /** Per-job limits (a subset of the sandbox's limits), JSON in the row. */
  limits: Record<string, number>;
  workflowId: string;
  createdAt: Date;
};

const FINAL: readonly JobStatus[] = ["completed", "expired", "cancelled"];

const long = (value: bigint) => types.Long.fromString(value.toString());
const varint = (value: bigint) => types.Integer.fromString(value.toString());

/** Stores a new job and indexes it under its owner. */
export async function insertJob(client: Client, job: Job): Promise<void> {
  const now = new Date();
  await client.batch(
    [
      {
        query: `INSERT INTO custom_jobs (job_id, task_definition_id, user_address, job_title, recurring,
          custom_script_url, script_cid, script_language, script_hash, time_interval, time_frame,
          next_execution_time, max_execution_time, challenge_period, expiration_time, last_executed_at,
          is_completed, is_active, status, created_chain_id, ether_balance, token_balance, limits,
          workflow_id, created_at, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [
          long(job.jobId),
          job.taskDefinitionId,
          job.userAddress,
          job.jobTitle,
          job.recurring,
          job.scriptUrl,
          job.scriptCid,
          job.scriptLanguage,
          job.scriptHash,
          job.timeInterval,
          long(BigInt(job.timeFrame)),
          job.nextExecutionTime,
          job.maxExecutionTime,
          job.challengePeriod,
          job.expirationTime,
          job.lastExecutedAt,
          FINAL.includes(job.status),
          job.status === "active",
          job.status,
          job.createdChainId,
          varint(job.etherBalance),
          varint(job.tokenBalance),
          JSON.stringify(job.limits),
          job.workflowId,
          job.createdAt,
          now,
        ],
      },
      {
        query:
          "INSERT INTO jobs_by_owner (user_address, created_at, job_id, job_title) VALUES (?, ?, ?, ?)",
        params: [
          job.userAddress.toLowerCase(),
          job.createdAt,
          long(job.jobId),
          job.jobTitle,
        ],
      },
    ],
    { prepare: true, logged: true },
  );
}

/** Reads one job, or `undefined` when there is none with that id. */
export async function getJob(
  client: Client,
  jobId: bigint,
): Promise<Job | undefined> {
  const result = await client.execute(
    "SELECT * FROM custom_jobs WHERE job_id = ?",
    [long(jobId)],
  );
  const row = result.first();
  return row ? rowToJob(row) : undefined;
}

/** Job ids of one owner, newest first. */
export async function listJobIdsByOwner(
  client: Client,
  owner: string,
  limit = 100,
): Promise<bigint[]> {
  const result = await client.execute(
    "SELECT job_id FROM jobs_by_owner WHERE user_address = ? LIMIT ?",
    [owner.toLowerCase(), limit],
  );
  return result.rows.map((row) => BigInt(row.job_id.toString()));
}

/** Moves a job to another state. */
export async function setJobStatus(
  client: Client,
  jobId: bigint,
  status: JobStatus,
): Promise<void> {
  await client.execute(
    "UPDATE custom_jobs SET status = ?, is_active = ?, is_completed = ?, updated_at = ? WHERE job_id = ?",
    [
      status,
      status === "active",
      FINAL.includes(status),
      new Date(),
      long(jobId),
    ],
  );
}

/** Records that a run happened and when the next one is due. */
export async function recordJobRun(
  client: Client,
  args: { jobId: bigint; executedAt: Date; nextExecutionTime: Date | null },
): Promise<void> {
  await client.execute(
    "UPDATE custom_jobs SET last_executed_at = ?, next_execution_time = ?, updated_at = ? WHERE job_id = ?",
    [args.executedAt, args.nextExecutionTime, new Date(), long(args.jobId)],
  );
}

function rowToJob(row: types.Row): Job {
  return {
    jobId: BigInt(row.job_id.toString()),
    taskDefinitionId: row.task_definition_id,
    userAddress: row.user_address,
    jobTitle: row.job_title ?? "",
    recurring: row.recurring,
    scriptUrl: row.custom_script_url,
    scriptCid: row.script_cid,
    scriptLanguage: row.script_language,
    scriptHash: row.script_hash,
    timeInterval: row.time_interval,
    timeFrame: Number(row.time_frame?.toString() ?? 0),
    nextExecutionTime: row.next_execution_time,
    maxExecutionTime: row.max_execution_time,
    challengePeriod: row.challenge_period,
    expirationTime: row.expiration_time,
    lastExecutedAt: row.last_executed_at,
    status: row.status,
    createdChainId: row.created_chain_id,
    etherBalance: BigInt(row.ether_balance?.toString() ?? "0"),
    tokenBalance: BigInt(row.token_balance?.toString() ?? "0"),
    limits: JSON.parse(row.limits ?? "{}"),
    workflowId: row.workflow_id,
    createdAt: row.created_at,
  };
}
