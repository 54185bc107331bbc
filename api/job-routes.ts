import { Router } from "express";
import type { requireSigner } from "./auth";
import { bodyParsers } from "./body";
import type { ApiDeps } from "./config";
import { createJobsHandler } from "./create-jobs";
import { changeJobState } from "./job-actions";
import { listJobs, listRuns, showExecution, showJob } from "./job-reads";
import { editStorage } from "./storage-edit";

/**
 * Jobs, their runs and their storage. Reads need no signature; creating a
 * job needs its owner's, and so does every change to one: pause, resume,
 * cancel (see `JOB_TRANSITIONS`) and storage edits while paused.
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
    const route = `/api/jobs/:id/${action}`;
    router.post(route, body, signed, changeJobState(deps, action));
  }
  router.put("/api/jobs/:id/storage", body, signed, editStorage(deps));

  return router;
}
