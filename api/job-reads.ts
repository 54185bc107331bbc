import type { Request, Response } from "express";
import { isAddress } from "viem";
import { getExecution, listRunsByJob } from "../store/executions";
import { getJob, type Job, listJobIdsByOwner } from "../store/jobs";
import { readStorage } from "../store/storage";
import type { ApiDeps } from "./config";
import { invalidFields, notFound } from "./errors";
import { loadJob, param } from "./job-params";
import { executionJson, jobJson, storageJson } from "./json";

/** Runs one `GET /api/jobs/:id/runs` may ask for. */
export const MAX_RUNS = 100;

/** `GET /api/jobs?owner=0x…`: an owner's jobs, newest first. */
export function listJobs(deps: ApiDeps) {
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

/** `GET /api/jobs/:id`: the job, its storage and its workflow link. */
export function showJob(deps: ApiDeps) {
  return async (req: Request, res: Response) => {
    const job = await loadJob(deps, req);
    const storage = await readStorage(deps.cassandra, job.jobId);
    // TODO(api): take the namespace from deps.temporal; the link is wrong
    // for an API whose workflows run outside Temporal's default namespace.
    const workflowPath = `namespaces/default/workflows/${encodeURIComponent(job.workflowId)}`;
    res.json({
      job: jobJson(job),
      storage: storageJson(storage),
      workflow: {
        id: job.workflowId,
        url: `${deps.config.temporalUiUrl}/${workflowPath}`,
      },
    });
  };
}

/** `GET /api/jobs/:id/runs?limit=`: a job's runs, newest first. */
export function listRuns(deps: ApiDeps) {
  return async (req: Request, res: Response) => {
    const job = await loadJob(deps, req);
    const limit = parseLimit(req.query.limit);
    const runs = await listRunsByJob(deps.cassandra, job.jobId, limit);
    res.json({ runs: runs.map(executionJson) });
  };
}

/** `GET /api/executions/:id`: one run, with its record when stored. */
export function showExecution(deps: ApiDeps) {
  return async (req: Request, res: Response) => {
    const id = param(req, "id");
    const row = await getExecution(deps.cassandra, id);
    if (row === undefined) {
      throw notFound("EXECUTION_NOT_FOUND", `there is no execution ${id}`);
    }

    const bytes = row.recordCid
      ? await deps.content.get(row.recordCid)
      : undefined;
    res.json({ execution: executionJson(row), record: parseRecord(bytes) });
  };
}

/** A record as JSON; null when there is none or it is not JSON. */
function parseRecord(bytes: Uint8Array | undefined): unknown {
  if (bytes === undefined) return null;
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return null;
  }
}

function parseLimit(value: unknown): number {
  if (value === undefined) return 20;
  const limit = Number(value);
  if (Number.isSafeInteger(limit) && limit >= 1 && limit <= MAX_RUNS) {
    return limit;
  }
  throw invalidFields([
    { path: "limit", message: `must be a whole number from 1 to ${MAX_RUNS}` },
  ]);
}
