import { WorkflowNotFoundError } from "@temporalio/client";
import type { Request, Response } from "express";
import type { Logger } from "../logging/logger";
import { type Job, type JobStatus, setJobStatus } from "../store/jobs";
import { signalJob } from "../workflows/client";
import { assertOwner, signerOf } from "./auth";
import type { ApiDeps } from "./config";
import { conflict } from "./errors";
import { loadJob } from "./job-params";

/** What an owner may do to a running job. */
export type JobAction = "pause" | "resume" | "cancel";

/**
 * The moves an owner may make (see `JobStatus` for the states); any other
 * is a 409 `JOB_INVALID_STATE`. `completed`, `expired` and `cancelled` are
 * final.
 */
export const JOB_TRANSITIONS: Readonly<
  Record<JobAction, { from: readonly JobStatus[]; to: JobStatus }>
> = {
  pause: { from: ["active"], to: "paused" },
  resume: { from: ["paused"], to: "active" },
  cancel: { from: ["active", "paused"], to: "cancelled" },
};

/** `POST /api/jobs/:id/<action>`, signed by the job's owner. */
export function changeJobState(deps: ApiDeps, action: JobAction) {
  return async (req: Request, res: Response) => {
    const job = await loadJob(deps, req);
    assertOwner(res, job.userAddress, `job ${job.jobId}`);
    const { from, to } = JOB_TRANSITIONS[action];
    if (!from.includes(job.status)) {
      throw conflict(
        "JOB_INVALID_STATE",
        `cannot ${action} job ${job.jobId}: it is ${job.status} (${action} needs a job that is ${from.join(" or ")})`,
      );
    }

    // The signal goes first: the row never claims a state that the
    // workflow was not told about.
    await signal(deps, job, action);
    await setJobStatus(deps.cassandra, job.jobId, to);
    (res.locals.log as Logger).info(
      { jobId: String(job.jobId), action, signer: signerOf(res) },
      "job state changed",
    );
    res.json({ job_id: job.jobId.toString(), status: to });
  };
}

async function signal(deps: ApiDeps, job: Job, action: JobAction) {
  try {
    await signalJob(deps.temporal, job.jobId, action);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    throw conflict(
      "JOB_WORKFLOW_NOT_RUNNING",
      `cannot ${action} job ${job.jobId}: its workflow ${job.workflowId} is not running`,
    );
  }
}
