import type { Client } from "@temporalio/client";
import { WorkflowExecutionAlreadyStartedError } from "@temporalio/client";
import type { Job } from "../store/jobs";
import type { JobWorkflowInput } from "./job-input";
import { cancelSignal, pauseSignal, resumeSignal } from "./signals";

/** The task queue of the orchestrator worker (workflows, database work). */
export const ORCHESTRATOR_TASK_QUEUE = "triggerx-orchestrator";

/** One workflow per job, found in the web UI as `job-<id>`. */
export function jobWorkflowId(jobId: bigint): string {
  return `job-${jobId}`;
}

/** The input a job's workflow starts from. */
export function jobWorkflowInput(
  job: Job,
  historyLimit?: number,
): JobWorkflowInput {
  return {
    ...(historyLimit === undefined ? {} : { historyLimit }),
    jobId: job.jobId.toString(),
    intervalSeconds: job.timeInterval,
    recurring: job.recurring,
    firstRunAt: job.nextExecutionTime.getTime(),
    expiresAt: job.expirationTime?.getTime() ?? null,
    maxExecutionSeconds: job.maxExecutionTime,
  };
}

/**
 * Starts the workflow of a new job. Starting it again is harmless: the
 * running workflow is kept, so a retried create does not run a job twice.
 */
export async function startJobWorkflow(
  client: Client,
  job: Job,
  options: { taskQueue?: string; historyLimit?: number } = {},
): Promise<string> {
  const workflowId = jobWorkflowId(job.jobId);

  try {
    await client.workflow.start("jobWorkflow", {
      taskQueue: options.taskQueue ?? ORCHESTRATOR_TASK_QUEUE,
      workflowId,
      args: [jobWorkflowInput(job, options.historyLimit)],
      searchAttributes: {
        TriggerxJobId: [job.jobId.toString()],
        TriggerxOwner: [job.userAddress.toLowerCase()],
      },
      memo: { title: job.jobTitle, script: job.scriptUrl },
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return workflowId;
}

/** Sends pause, resume or cancel to a job's workflow. */
export async function signalJob(
  client: Client,
  jobId: bigint,
  action: "pause" | "resume" | "cancel",
): Promise<void> {
  const signal = {
    pause: pauseSignal,
    resume: resumeSignal,
    cancel: cancelSignal,
  }[action];
  await client.workflow.getHandle(jobWorkflowId(jobId)).signal(signal);
}
