import { randomInt } from "node:crypto";
import type { Request, Response } from "express";
import type { Logger } from "../logging/logger";
import { getJob, insertJob, type Job, setJobStatus } from "../store/jobs";
import { compareAndSetStorage } from "../store/storage";
import { claimJobIds, creditUser } from "../store/users";
import { jobWorkflowId, startJobWorkflow } from "../workflows/client";
import { signerOf } from "./auth";
import type { ApiDeps } from "./config";
import { ApiError } from "./errors";
import {
  CUSTOM_TASK_DEFINITION_ID,
  type JobRequest,
  parseJobRequests,
} from "./job-request";
import { type ResolvedScript, resolveJobScripts } from "./job-scripts";

/**
 * `POST /api/jobs`: creates custom script jobs and starts their workflows.
 * A request is all or nothing: every job is validated, every script fetched,
 * verified and compiled, and every job id claimed before the first job is
 * stored.
 */
export function createJobsHandler(deps: ApiDeps) {
  return async (req: Request, res: Response) => {
    const requests = parseJobRequests(req.body, deps.config);
    assertSignerOwnsAll(requests, res);

    const scripts = await resolveJobScripts(requests, {
      store: deps.content,
      gateways: deps.config.ipfsGateways,
      netPolicy: deps.config.netPolicy,
      maxBytes: deps.config.maxBodyBytes,
    });
    const ids = await claimIds(deps, signerOf(res), requests);
    const now = new Date();
    const jobs = requests.map((request, i) =>
      buildJob(request, scripts[i] as ResolvedScript, ids[i] as bigint, now),
    );

    const log = res.locals.log as Logger;
    await storeJobs(deps, jobs, requests);
    await startWorkflows(deps, jobs, log);
    const user = await creditUser(deps.cassandra, signerOf(res), {
      ether: sum(requests.map((job) => job.etherBalance)),
      token: sum(requests.map((job) => job.tokenBalance)),
    });
    log.info({ jobIds: ids.map(String) }, "jobs created");

    res.status(201).json({
      user_id: Number(user.userId),
      account_balance: user.accountBalance.toString(),
      token_balance: user.tokenBalance.toString(),
      job_ids: jobs.map((job) => job.jobId.toString()),
      task_definition_ids: jobs.map((job) => job.taskDefinitionId),
      time_frames: jobs.map((job) => job.timeFrame),
    });
  };
}

function assertSignerOwnsAll(requests: JobRequest[], res: Response): void {
  const signer = signerOf(res);
  const stranger = requests.find(
    (job) => job.userAddress.toLowerCase() !== signer.toLowerCase(),
  );
  if (stranger === undefined) return;

  throw new ApiError(
    403,
    "AUTH_NOT_OWNER",
    `jobs[${stranger.index}].user_address is ${stranger.userAddress}, but the request is signed by ${signer}`,
    {
      fields: [
        {
          path: `jobs[${stranger.index}].user_address`,
          message: "must be the address that signs the request",
        },
      ],
    },
  );
}

/**
 * Claims the ids asked for and new ones for the jobs that asked for none.
 * A taken id that was asked for is a 409; a generated one is drawn again.
 */
async function claimIds(
  deps: ApiDeps,
  owner: string,
  requests: JobRequest[],
): Promise<bigint[]> {
  for (const request of requests) {
    if (request.jobId === undefined) continue;
    if (await getJob(deps.cassandra, request.jobId)) throw jobExists(request);
  }

  for (let round = 0; round < 5; round++) {
    const ids = requests.map((request) => request.jobId ?? newJobId());
    const claim = await claimJobIds(deps.cassandra, owner, ids);
    if (claim.claimed) return ids;

    const asked = requests.find((request) => request.jobId === claim.taken);
    if (asked) throw jobExists(asked);
  }
  throw new ApiError(
    503,
    "JOB_ID_UNAVAILABLE",
    "could not draw a free job id",
    {
      retryable: true,
    },
  );
}

/**
 * A new job id: random, so ids say nothing about how many jobs exist, and
 * below 2^53 so it stays exact for clients that read it as a number.
 */
function newJobId(): bigint {
  const high = randomInt(1, 2 ** 21);
  const low = randomInt(0, 2 ** 32);
  return BigInt(high) * 2n ** 32n + BigInt(low);
}

function buildJob(
  request: JobRequest,
  script: ResolvedScript,
  jobId: bigint,
  now: Date,
): Job {
  return {
    jobId,
    taskDefinitionId: CUSTOM_TASK_DEFINITION_ID,
    userAddress: request.userAddress,
    jobTitle: request.jobTitle,
    recurring: request.recurring,
    scriptUrl: request.scriptUrl,
    scriptCid: script.cid,
    scriptLanguage: request.language,
    scriptHash: script.hash,
    timeInterval: request.timeInterval,
    timeFrame: request.timeFrame,
    // The first run is due at once; the next ones every interval after it.
    nextExecutionTime: now,
    maxExecutionTime: request.maxExecutionTime,
    challengePeriod: request.challengePeriod,
    expirationTime: new Date(now.getTime() + request.timeFrame * 1000),
    lastExecutedAt: null,
    status: "active",
    createdChainId: request.createdChainId,
    etherBalance: request.etherBalance,
    tokenBalance: request.tokenBalance,
    limits: {},
    workflowId: jobWorkflowId(jobId),
    createdAt: now,
  };
}

async function storeJobs(
  deps: ApiDeps,
  jobs: Job[],
  requests: JobRequest[],
): Promise<void> {
  for (const [i, job] of jobs.entries()) {
    const initial = requests[i]?.initialStorage ?? {};
    await insertJob(deps.cassandra, job);
    if (Object.keys(initial).length === 0) continue;

    await compareAndSetStorage(deps.cassandra, {
      jobId: job.jobId,
      expectedVersion: 0,
      updates: initial,
      before: {},
      executionId: "initial-storage",
    });
  }
}

/**
 * Starts each job's workflow. When Temporal refuses one, the jobs whose
 * workflows did not start are marked cancelled so no row claims to be
 * active without a workflow, and the request fails with 503.
 */
async function startWorkflows(
  deps: ApiDeps,
  jobs: Job[],
  log: Logger,
): Promise<void> {
  for (const [i, job] of jobs.entries()) {
    try {
      await startJobWorkflow(deps.temporal, job, {
        taskQueue: deps.config.taskQueue,
        historyLimit: deps.config.workflowHistoryLimit,
      });
    } catch (cause) {
      log.error(
        { err: cause, jobId: String(job.jobId) },
        "workflow start failed",
      );
      const unstarted = jobs.slice(i);
      for (const left of unstarted) {
        await setJobStatus(deps.cassandra, left.jobId, "cancelled");
      }
      throw new ApiError(
        503,
        "WORKFLOW_START_FAILED",
        `could not start the workflow of job ${job.jobId}; it and the jobs after it were cancelled`,
        { retryable: true, cause },
      );
    }
  }
}

function jobExists(request: JobRequest): ApiError {
  return new ApiError(
    409,
    "JOB_EXISTS",
    `jobs[${request.index}].job_id: job ${request.jobId} already exists`,
    {
      fields: [
        { path: `jobs[${request.index}].job_id`, message: "is taken already" },
      ],
    },
  );
}

function sum(values: bigint[]): bigint {
  return values.reduce((total, value) => total + value, 0n);
}
