import type { Request } from "express";
import { getJob, type Job } from "../store/jobs";
import type { ApiDeps } from "./config";
import { invalidFields, notFound } from "./errors";

/** A route parameter as text; empty when absent. */
export function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === "string" ? value : "";
}

/**
 * The job a route's `:id` names.
 *
 * @throws ApiError 400 `VALIDATION_FAILED` for an id that is not a positive
 *   decimal, 404 `JOB_NOT_FOUND`.
 */
export async function loadJob(deps: ApiDeps, req: Request): Promise<Job> {
  const id = parseJobId(param(req, "id"));
  const job = await getJob(deps.cassandra, id);
  if (job === undefined) {
    throw notFound("JOB_NOT_FOUND", `there is no job ${id}`);
  }
  return job;
}

function parseJobId(text: string): bigint {
  if (/^[1-9][0-9]{0,18}$/.test(text) && BigInt(text) < 2n ** 63n) {
    return BigInt(text);
  }
  throw invalidFields([
    { path: "id", message: "must be a positive decimal job id" },
  ]);
}
