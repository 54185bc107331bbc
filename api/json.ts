import type { ExecutionRow } from "../store/executions";
import type { Job } from "../store/jobs";
import type { StorageSnapshot } from "../store/storage";

/**
 * How rows look in API answers: snake_case names as in the tables, ids and
 * wei amounts as decimal strings (they do not fit a JSON number), times as
 * ISO 8601 strings.
 */

/** A job as the API shows it. */
export function jobJson(job: Job): Record<string, unknown> {
  return {
    job_id: job.jobId.toString(),
    user_address: job.userAddress,
    job_title: job.jobTitle,
    task_definition_id: job.taskDefinitionId,
    status: job.status,
    is_active: job.status === "active",
    is_completed: ["completed", "expired", "cancelled"].includes(job.status),
    recurring: job.recurring,
    language: job.scriptLanguage,
    dynamic_arguments_script_url: job.scriptUrl,
    script_cid: job.scriptCid,
    script_hash: job.scriptHash,
    time_interval: job.timeInterval,
    time_frame: job.timeFrame,
    next_execution_time: iso(job.nextExecutionTime),
    last_executed_at: iso(job.lastExecutedAt),
    expiration_time: iso(job.expirationTime),
    max_execution_time: job.maxExecutionTime,
    challenge_period: job.challengePeriod,
    created_chain_id: job.createdChainId,
    ether_balance: job.etherBalance.toString(),
    token_balance: job.tokenBalance.toString(),
    limits: job.limits,
    workflow_id: job.workflowId,
    created_at: iso(job.createdAt),
  };
}

/** A job's storage as the API shows it. */
export function storageJson(snapshot: StorageSnapshot) {
  return { version: snapshot.version, values: snapshot.values };
}

/** An execution row as the API shows it: every column, snake_case. */
export function executionJson(row: ExecutionRow): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([name, value]) => [snakeCase(name), plain(value)]),
  );
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function plain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}

function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}
