import type { Request, Response } from "express";
import { applyStorageUpdates, type StorageUpdates } from "../sandbox/output";
import { DEFAULT_LIMITS } from "../sandbox/types";
import type { Job } from "../store/jobs";
import { compareAndSetStorage, readStorage } from "../store/storage";
import { assertOwner, signerOf } from "./auth";
import type { ApiDeps } from "./config";
import { ApiError, conflict, type FieldError, invalidFields } from "./errors";
import { loadJob } from "./job-params";
import { checkStorageValues } from "./job-request";
import { storageJson } from "./json";

/** An owner's edit of a job's storage. */
export interface StorageEdit {
  updates: StorageUpdates;
  /** The version the owner read; the storage's current one when absent. */
  expectedVersion: number | undefined;
}

/**
 * `PUT /api/jobs/:id/storage` with `{ set?, delete?, expected_version? }`,
 * signed by the owner. Only a paused job's storage may change, so no run
 * reads it half edited; the edit is one compare-and-swap, like a run's.
 */
export function editStorage(deps: ApiDeps) {
  return async (req: Request, res: Response) => {
    const job = await loadJob(deps, req);
    assertOwner(res, job.userAddress, `job ${job.jobId}`);
    if (job.status !== "paused") {
      throw conflict(
        "JOB_NOT_PAUSED",
        `job ${job.jobId} is ${job.status}: pause it before editing its storage`,
      );
    }

    const edit = parseStorageEdit(req.body);
    const snapshot = await readStorage(deps.cassandra, job.jobId);
    const expected = edit.expectedVersion ?? snapshot.version;
    if (expected !== snapshot.version) {
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

    const after = await readStorage(deps.cassandra, job.jobId);
    res.json({ storage: storageJson(after) });
  };
}

/**
 * Validates an edit's body.
 *
 * @throws ApiError 400 `VALIDATION_FAILED`.
 */
export function parseStorageEdit(body: unknown): StorageEdit {
  const edit = (typeof body === "object" && body !== null ? body : {}) as {
    set?: unknown;
    delete?: unknown;
    expected_version?: unknown;
  };
  const set = edit.set ?? {};
  const removed = edit.delete ?? [];
  const version = edit.expected_version;
  const fields: FieldError[] = [];

  const setProblem = checkSet(set);
  if (setProblem) fields.push({ path: "set", message: setProblem });
  if (!Array.isArray(removed) || removed.some((k) => typeof k !== "string")) {
    fields.push({ path: "delete", message: "must be an array of keys" });
  }
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

/** Key and value rules of `set`; the totals are checked after the edit. */
function checkSet(set: unknown): string | undefined {
  if (typeof set !== "object" || set === null || Array.isArray(set)) {
    return "must be an object of string values";
  }
  const checked = checkStorageValues(set as Record<string, unknown>, {
    ...DEFAULT_LIMITS,
    maxStorageKeys: Number.POSITIVE_INFINITY,
    maxStorageBytes: Number.POSITIVE_INFINITY,
  });
  return typeof checked === "string" ? checked : undefined;
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
