import {
  condition,
  continueAsNew,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from "@temporalio/workflow";
import type { KeeperActivities } from "../activities/keeper";
import type { OrchestratorActivities } from "../activities/orchestrator";
import type { RunSummary, TaskOutcome, TaskPlan } from "../activities/types";
import type { JobWorkflowInput } from "./job-input";
import { nextSlot } from "./schedule";
import type { JobWorkflowState } from "./signals";
import { cancelSignal, pauseSignal, resumeSignal, stateQuery } from "./signals";

/**
 * Planning, ending and completing runs without a transaction are short
 * database work: local activities, run by
 * the orchestrator worker inside the workflow task itself, which saves a
 * round trip through a task queue on every run's critical path.
 */
const planning = proxyLocalActivities<OrchestratorActivities>({
  startToCloseTimeout: "30 seconds",
  retry: { maximumAttempts: 10, initialInterval: "1 second" },
});

const orchestrator = proxyActivities<OrchestratorActivities>({
  startToCloseTimeout: "5 minutes",
  // Completion may wait for confirmations; it heartbeats meanwhile, so an
  // orchestrator that dies is noticed in seconds and another retries it.
  heartbeatTimeout: "15 seconds",
  retry: { maximumAttempts: 20, initialInterval: "1 second" },
});

/**
 * Histories past this many events start afresh with continue-as-new, so
 * replaying a job's workflow stays cheap however long the job lives.
 */
const HISTORY_LIMIT = 4_000;

/**
 * The life of one custom job. It sleeps on a durable timer until the next
 * run is due, has the orchestrator plan the task (job, storage snapshot,
 * healthy keepers), hands the task to one keeper after another until one
 * performs it, then has the orchestrator confirm the result and apply the
 * storage updates once. Pause, resume and cancel arrive as signals.
 */
export async function jobWorkflow(input: JobWorkflowInput): Promise<string> {
  let paused = input.carried?.paused ?? false;
  let cancelled = false;
  let runs = input.carried?.runs ?? 0;
  let nextRunAt = input.carried?.nextRunAt ?? input.firstRunAt;
  const state = (): JobWorkflowState => ({
    status: cancelled ? "cancelled" : paused ? "paused" : "active",
    runs,
    nextRunAt,
  });

  setHandler(pauseSignal, () => {
    paused = true;
  });
  setHandler(resumeSignal, () => {
    paused = false;
  });
  setHandler(cancelSignal, () => {
    cancelled = true;
  });
  setHandler(stateQuery, state);

  for (;;) {
    if (cancelled) return await end(input, "cancelled");
    if (paused) {
      await condition(() => !paused || cancelled);
      continue;
    }
    if (input.expiresAt !== null && nextRunAt > input.expiresAt) {
      return await end(input, "expired");
    }

    const wait = nextRunAt - Date.now();
    if (wait > 0 && (await condition(() => paused || cancelled, wait))) {
      continue;
    }

    await runOnce(input, runs, nextRunAt);
    runs += 1;
    if (!input.recurring) return await end(input, "completed");

    nextRunAt = nextSlot(nextRunAt, input.intervalSeconds * 1000, Date.now());
    if (workflowInfo().historyLength > (input.historyLimit ?? HISTORY_LIMIT)) {
      await continueAsNew<typeof jobWorkflow>({
        ...input,
        carried: { runs, nextRunAt, paused },
      });
    }
  }
}

async function runOnce(
  input: JobWorkflowInput,
  runIndex: number,
  scheduledAt: number,
): Promise<void> {
  const plan = await planning.planTask({
    jobId: input.jobId,
    runIndex,
    scheduledAt,
  });
  if ("skipped" in plan) {
    log.info("run skipped", { jobId: input.jobId, reason: plan.skipped });
    return;
  }

  const { outcome, failure } = await performOnSomeKeeper(input, plan);
  // Completion waits for confirmations only when a transaction was sent;
  // without one it is a few database writes, done as a local activity.
  const sentTransaction = outcome !== null && outcome.txHash !== null;
  const complete = sentTransaction ? orchestrator : planning;
  const summary: RunSummary = await complete.completeTask({
    plan,
    outcome,
    failure,
  });
  log.info("run finished", { ...summary });
}

/**
 * Offers the task to the plan's keepers in turn, starting at a different
 * one each run. A keeper whose worker is gone is noticed when the task is
 * not picked up (schedule-to-start) or stops heartbeating; the same plan
 * then goes to the next keeper.
 */
async function performOnSomeKeeper(
  input: JobWorkflowInput,
  plan: TaskPlan,
): Promise<{ outcome: TaskOutcome | null; failure: string | null }> {
  let failure = plan.keepers.length === 0 ? "no healthy keeper" : null;

  for (let attempt = 0; attempt < plan.keepers.length; attempt++) {
    const keeper =
      plan.keepers[(plan.runIndex + attempt) % plan.keepers.length];
    if (!keeper) continue;

    const { performTask } = proxyActivities<KeeperActivities>({
      taskQueue: keeper.taskQueue,
      scheduleToStartTimeout: "15 seconds",
      startToCloseTimeout: `${input.maxExecutionSeconds + 120} seconds`,
      heartbeatTimeout: "10 seconds",
      retry: { maximumAttempts: 1 },
    });
    try {
      return { outcome: await performTask(plan), failure: null };
    } catch (error) {
      failure = `keeper ${keeper.address}: ${(error as Error).message}`;
      log.warn("keeper failed a task", {
        taskId: plan.taskId,
        keeper: keeper.address,
        error: failure,
      });
    }
  }
  return { outcome: null, failure };
}

async function end(
  input: JobWorkflowInput,
  status: "completed" | "expired" | "cancelled",
): Promise<string> {
  await planning.endJob({ jobId: input.jobId, status });
  return status;
}
