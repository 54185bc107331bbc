import type { Limits } from "../sandbox/types";

/** A keeper that may be handed a task, and the queue its worker polls. */
export type KeeperRef = { address: string; taskQueue: string };

/**
 * Everything a keeper needs to perform one task, fixed by the orchestrator
 * before any keeper sees it: the same plan goes to the next keeper when
 * one fails, so every attempt runs on the same inputs.
 */
export type TaskPlan = {
  jobId: string;
  taskId: string;
  executionId: string;
  runIndex: number;
  /** When the run was due, epoch milliseconds; the script's clock. */
  scheduledAt: number;
  chainId: string;
  /** The job's schedule, so completion can say when the next run is due. */
  intervalSeconds: number;
  recurring: boolean;
  script: {
    cid: string;
    url: string;
    hash: string;
    language: "typescript" | "javascript" | "go";
  };
  storage: { version: number; values: Record<string, string> };
  limits: Partial<Limits>;
  keepers: KeeperRef[];
};

/** Why the orchestrator did not plan a run. */
export type SkippedRun = { skipped: string };

/**
 * What a keeper reports after performing a task. `kind` says how far it
 * got:
 * - `performed`: the script ran (successfully or not) and its record was
 *   stored; `txHash` is set when a transaction was sent;
 * - `already-submitted`: the gateway already had this task (an earlier
 *   keeper landed it before failing), so nothing was run or sent again.
 */
export type TaskOutcome =
  | {
      kind: "performed";
      performer: string;
      recordCid: string;
      outputHash: string | null;
      inputHash: string;
      signature: string;
      shouldExecute: boolean;
      targetContract: string | null;
      calldata: string | null;
      storageUpdates: Record<string, string | null>;
      error: { code: string; message: string } | null;
      reproducible: boolean;
      txHash: string | null;
      runtimeBuild: string;
      pinnedBlock: string | null;
      /** When the keeper began the task, epoch milliseconds. */
      actualTime: number;
    }
  | {
      kind: "already-submitted";
      performer: string;
      recordCid: string;
      outputHash: string;
      txHash: string;
    };

/** How a run ended, as the job workflow sees it. */
export type RunSummary = {
  executionId: string;
  status: "success" | "failed" | "no_execution" | "conflicting";
  errorCode: string | null;
};
