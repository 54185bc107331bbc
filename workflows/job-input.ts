/**
 * What a job workflow needs to know to schedule its runs. Everything else
 * (script, storage, limits) is read by activities at run time, so an owner's
 * storage edits reach the next run.
 */
export type JobWorkflowInput = {
  jobId: string;
  intervalSeconds: number;
  recurring: boolean;
  /** When the first run is due, epoch milliseconds. */
  firstRunAt: number;
  /** When the job stops, epoch milliseconds; null for never. */
  expiresAt: number | null;
  maxExecutionSeconds: number;
  /** History events after which the workflow continues as new; 4,000. */
  historyLimit?: number;
  /** Carried across continue-as-new. */
  carried?: { runs: number; nextRunAt: number; paused: boolean };
};
