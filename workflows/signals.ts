import { defineQuery, defineSignal } from "@temporalio/workflow";

/** Stops a job's schedule until `resume`; a run under way finishes. */
export const pauseSignal = defineSignal("pause");

/** Restarts a paused job; a run missed while paused happens once, now. */
export const resumeSignal = defineSignal("resume");

/** Ends a job for good after any run under way. */
export const cancelSignal = defineSignal("cancel");

/** What a job workflow is doing, for operators and the API. */
export type JobWorkflowState = {
  status: "active" | "paused" | "completed" | "expired" | "cancelled";
  runs: number;
  nextRunAt: number;
};

export const stateQuery = defineQuery<JobWorkflowState>("state");
