import { WorkflowNotFoundError } from "@temporalio/client";
import { type Request, type Response, Router } from "express";
import { isAddress } from "viem";
import { applyStorageUpdates, type StorageUpdates } from "../sandbox/output";
import { DEFAULT_LIMITS } from "../sandbox/types";
import { getExecution, listRunsByJob } from "../store/executions";
import {
  getJob,
  type Job,
  type JobStatus,
  listJobIdsByOwner,
  setJobStatus,
} from "../store/jobs";
import { compareAndSetStorage, readStorage } from "../store/storage";
import { signalJob } from "../workflows/client";
import { assertOwner, type requireSigner, signerOf } from "./auth";
import { bodyParsers } from "./body";
import type { ApiDeps } from "./config";
import { createJobsHandler } from "./create-jobs";
import { ApiError, conflict, invalidFields, notFound } from "./errors";
import { checkStorageValues } from "./job-request";
import { executionJson, jobJson, storageJson } from "./json";

/**
 * Jobs, their runs and their storage. Reads need no signature; creating a
 * job and changing one need its owner's.
 *
 * What an owner may do in each state (see `JobStatus`):
 * - `pause`: active → paused;
 * - `resume`: paused → active;
 * - `cancel`: active or paused → cancelled;
 * - edit storage: only while paused, so no run reads it half-edited.
 * Anything else is a 409.
 */
export function jobRoutes(
  deps: ApiDeps,
  signed: ReturnType<typeof requireSigner>,
): Router {
  const router = Router();
  const body = bodyParsers(deps.config.maxBodyBytes);

  router.post("/api/jobs", body, signed, createJobsHandler(deps));
  router.get("/api/jobs", listJobs(deps));
  router.get("/api/jobs/:id", showJob(deps));
  router.get("/api/jobs/:id/runs", listRuns(deps));
  router.get("/api/executions/:id", showExecution(deps));
  for (const action of ["pause", "resume", "cancel"] as const) {
    router.post(
      `/api/jobs/:id/${action}`,
      body,
      signed,
      changeState(deps, action),
    );
  }
  router.put("/api/jobs/:id/storage", body, signed, editStorage(deps));

  return router;
}

const MAX_RUNS = 100;

function listJobs(deps: ApiDeps) {
  return async (req: Request, res: Response) => {
    const owner = req.query.owner;
    if (typeof owner !== "string" || !isAddress(owner, { strict: false })) {
      throw invalidFields([
        {
          path: "owner",
          message: "must be the owner's address, 0x and 40 hex digits",
        },
      ]);
    }

    const ids = await listJobIdsByOwner(deps.cassandra, owner);
    const jobs = await Promise.all(ids.map((id) => getJob(deps.cassandra, id)));
    res.json({
      jobs: jobs.filter((job): job is Job => job !== undefined).map(jobJson),
    });
  };
}

function showJob(deps: ApiDeps) {
  return async (req: Request, res: Response) => {
    const job = await loadJob(deps, param(req, "id"));
    const storage = await readStorage(deps.cassandra, job.jobId);
    res.json({
      job: jobJson(job),
      storage: storageJson(storage),
      workflow: {
        id: job.workflowId,
        url: `${deps.config.temporalUiUrl}/namespaces/default/workflows/${encodeURIComponent(job.workflowId)}`,
      },
    });
  };
}

function listRuns(deps: ApiDeps) {
  return async (req: Request, res: Response) => {
    const job = await loadJob(deps, param(req, "id"));
    const limit = parseLimit(req.query.limit);
    const runs = await listRunsByJob(deps.cassandra, job.jobId, limit);
    res.json({ runs: runs.map(executionJson) });
  };
}

function showExecution(deps: ApiDeps) {
  return async (req: Request, res: Response) => {
    const id = param(req, "id");
    const row = await getExecution(deps.cassandra, id);
    if (row === undefined) {
      throw notFound("EXECUTION_NOT_FOUND", `there is no execution ${id}`);
    }

    const bytes = row.recordCid
      ? await deps.content.get(row.recordCid)
      : undefined;
    res.json({
      execution: executionJson(row),
      record: bytes ? JSON.parse(Buffer.from(bytes).toString("utf8")) : null,
    });
  };
}

const TRANSITIONS: Record<
  "pause" | "resume" | "cancel",
  { from: readonly JobStatus[]; to: JobStatus }
> = {
  pause: { from: ["active"], to: "paused" },
  resume: { from: ["paused"], to: "active" },
  cancel: { from: ["active", "paused"], to: "cancelled" },
};

function changeState(deps: ApiDeps, action: "pause" | "resume" | "cancel") {
  return async (req: Request, res: Response) => {
    const job = await loadJob(deps, param(req, "id"));
    assertOwner(res, job.userAddress, `job ${job.jobId}`);
    const { from, to } = TRANSITIONS[action];
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
    (res.locals.log ?? undefined)?.info(
      { jobId: String(job.jobId), action, signer: signerOf(res) },
      "job state changed",
    );
    res.json({ job_id: job.jobId.toString(), status: to });
  };
}

async function signal(
  deps: ApiDeps,
  job: Job,
  action: "pause" | "resume" | "cancel",
): Promise<void> {
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

function editStorage(deps: ApiDeps) {
  return async (req: Request, res: Response) => {
    const job = await loadJob(deps, param(req, "id"));
    assertOwner(res, job.userAddress, `job ${job.jobId}`);
    if (job.status !== "paused") {
      throw conflict(
        "JOB_NOT_PAUSED",
        `job ${job.jobId} is ${job.status}: pause it before editing its storage`,
      );
    }

    const edit = parseStorageEdit(req.body);
    const snapshot = await readStorage(deps.cassandra, job.jobId);
    if (
      edit.expectedVersion !== undefined &&
      edit.expectedVersion !== snapshot.version
    ) {
      throw versionConflict(job, snapshot.version);
    }
    checkLimits(job, applyStorageUpdates(snapshot.values, edit.updates));

    const swap = await compareAndSetStorage(deps.cassandra, {
      jobId: job.jobId,
      expectedVersion: snapshot.version,
      updates: edit.updates,
      before: snapshot.values,
      executionId: `owner:${signerOf(res).toLowerCase()}`,
    });
    if (!swap.applied) throw versionConflict(job, swap.currentVersion);

    res.json({
      storage: storageJson(await readStorage(deps.cassandra, job.jobId)),
    });
  };
}

function parseStorageEdit(body: unknown): {
  updates: StorageUpdates;
  expectedVersion: number | undefined;
} {
  const edit = (typeof body === "object" && body !== null ? body : {}) as {
    set?: unknown;
    delete?: unknown;
    expected_version?: unknown;
  };
  const fields = [];
  const set = edit.set ?? {};
  const removed = edit.delete ?? [];
  if (typeof set !== "object" || set === null || Array.isArray(set)) {
    fields.push({ path: "set", message: "must be an object of string values" });
  } else {
    const checked = checkStorageValues(set as Record<string, unknown>, {
      ...DEFAULT_LIMITS,
      maxStorageKeys: Number.POSITIVE_INFINITY,
      maxStorageBytes: Number.POSITIVE_INFINITY,
    });
    if (typeof checked === "string")
      fields.push({ path: "set", message: checked });
  }
  if (
    !Array.isArray(removed) ||
    removed.some((key) => typeof key !== "string")
  ) {
    fields.push({ path: "delete", message: "must be an array of keys" });
  }
  const version = edit.expected_version;
  if (version !== undefined && !Number.isSafeInteger(version)) {
    fields.push({
      path: "expected_version",
      message: "must be a whole number",
    });
  }
  if (fields.length > 0) throw invalidFields(fields);

  const updates: StorageUpdates = { ...(set as Record<string, string>) };
  for (const key of removed as string[]) updates[key] = null;
  if (Object.keys(updates).length === 0) {
    throw invalidFields([
      { path: "set", message: "give keys to set or delete" },
    ]);
  }
  return { updates, expectedVersion: version as number | undefined };
}

function checkLimits(job: Job, after: Record<string, string>): void {
  const limits = { ...DEFAULT_LIMITS, ...job.limits };
  const checked = checkStorageValues(after, limits);
  if (typeof checked === "string") {
    throw new ApiError(
      400,
      "STORAGE_LIMIT",
      `the storage after this edit ${checked}`,
    );
  }
}

function versionConflict(job: Job, version: number): ApiError {
  return new ApiError(
    409,
    "STORAGE_VERSION_CONFLICT",
    `the storage of job ${job.jobId} changed meanwhile (now at version ${version}); read it and try again`,
    { retryable: true },
  );
}

async function loadJob(
  deps: ApiDeps,
  idText: string | undefined,
): Promise<Job> {
  const id = parseJobId(idText);
  const job = await getJob(deps.cassandra, id);
  if (job === undefined)
    throw notFound("JOB_NOT_FOUND", `there is no job ${id}`);
  return job;
}

function parseJobId(text: string | undefined): bigint {
  if (text && /^[1-9][0-9]{0,18}$/.test(text) && BigInt(text) < 2n ** 63n) {
    return BigInt(text);
  }
  throw invalidFields([
    { path: "id", message: "must be a positive decimal job id" },
  ]);
}

function parseLimit(value: unknown): number {
  if (value === undefined) return 20;
  const limit = Number(value);
  if (Number.isSafeInteger(limit) && limit >= 1 && limit <= MAX_RUNS)
    return limit;
  throw invalidFields([
    { path: "limit", message: `must be a whole number from 1 to ${MAX_RUNS}` },
  ]);
}

function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === "string" ? value : "";
}
