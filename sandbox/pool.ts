import { availableParallelism } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { buildSync } from "esbuild";
import { TriggerxError } from "../errors/base";
import { createLogger } from "../logging/logger";
import type { EngineResult } from "./engine";
import { loadGuestSources } from "./guest-sources";
import type { WorkerAnswer, WorkerTask } from "./worker";

/**
 * Time a worker gets past a run's wall-clock limit before the pool
 * terminates it. The worker enforces the limit itself; this only catches a
 * thread that stopped answering.
 */
const TERMINATE_GRACE_MS = 2_000;

/** Workers dying in a row, without one answer, after which the pool gives up. */
const MAX_CRASHES = 3;

const logger = createLogger("sandbox-pool");

/**
 * A pool of worker threads that run scripts. Runs never execute on the
 * caller's event loop, so a busy script cannot delay the keeper's timers or
 * heartbeats; each worker runs one script at a time, each in a fresh QuickJS
 * runtime.
 */
export interface SandboxPool {
  /** Number of worker threads. */
  readonly size: number;
  /** Runs one task on the next free worker. */
  run(task: WorkerTask): Promise<WorkerAnswer>;
  /** Terminates the workers; queued and running tasks fail. */
  close(): Promise<void>;
}

/** Options of {@link createSandboxPool}. */
export interface SandboxPoolOptions {
  /** Worker threads; default: the machine's parallelism, at most 4. */
  size?: number;
}

/**
 * Starts a pool of sandbox workers. Close it when done, or the process
 * stays alive.
 *
 * @example
 * const pool = createSandboxPool({ size: 2 });
 * try {
 *   const { record } = await runScript({ pool, script, inputs });
 * } finally {
 *   await pool.close();
 * }
 */
export function createSandboxPool(
  options: SandboxPoolOptions = {},
): SandboxPool {
  const size = options.size ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(size) || size < 1) {
    throw new TriggerxError("SANDBOX_POOL_SIZE", `invalid pool size ${size}`);
  }

  return new WorkerPool(size);
}

interface Slot {
  worker: Worker;
  busy: Pending | undefined;
}

interface Pending {
  id: number;
  task: WorkerTask;
  resolve(answer: WorkerAnswer): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

class WorkerPool implements SandboxPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers that died in a row without answering; see {@link MAX_CRASHES}. */
  private crashes = 0;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  run(task: WorkerTask): Promise<WorkerAnswer> {
    if (this.closed) {
      return Promise.reject(
        new TriggerxError("SANDBOX_POOL_CLOSED", "the sandbox pool is closed"),
      );
    }

    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const error = new TriggerxError(
      "SANDBOX_POOL_CLOSED",
      "the sandbox pool was closed",
    );
    for (const pending of this.queue.splice(0)) pending.reject(error);
    for (const slot of this.slots) {
      if (slot.busy) this.settle(slot, undefined, error);
    }

    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const pending = this.queue.shift();
      if (!pending) return;

      slot.busy = pending;
      const limit = pending.task.job.limits.wallTimeMs + TERMINATE_GRACE_MS;
      pending.timer = setTimeout(() => this.stuck(slot), limit);
      slot.worker.postMessage({ id: pending.id, task: pending.task });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(workerBundle(), {
      eval: true,
      workerData: {
        variantPath: require.resolve("@jitl/quickjs-wasmfile-release-sync"),
        sources: loadGuestSources(),
      },
    });
    const slot: Slot = { worker, busy: undefined };

    worker.on("message", (message: { id: number; answer: string }) => {
      if (slot.busy?.id !== message.id) return;
      this.crashes = 0;
      // The answer comes as JSON text and is parsed here, so that its
      // objects belong to the caller's realm (a Jest test runs in a realm of
      // its own, and structured clones land in node's main one).
      this.settle(slot, JSON.parse(message.answer) as WorkerAnswer);
    });
    worker.on("error", (error) => {
      logger.error({ err: error }, "sandbox worker failed");
      this.crashes++;
      this.replace(slot, crashed(slot.busy, "SANDBOX_CRASHED", error.message));
    });
    worker.on("exit", (code) => {
      if (this.closed || !slot.busy) return;
      this.replace(slot, crashed(slot.busy, "SANDBOX_CRASHED", `exit ${code}`));
    });

    return slot;
  }

  /** A worker that outlived its run's wall clock: terminate and replace it. */
  private stuck(slot: Slot): void {
    const pending = slot.busy;
    if (!pending) return;

    const { wallTimeMs } = pending.task.job.limits;
    const answer = crashed(
      pending,
      "LIMIT_WALL_TIME",
      `script exceeded its wall time (ms) limit of ${wallTimeMs}`,
    );
    void slot.worker.terminate();
    this.replace(slot, answer);
  }

  private replace(slot: Slot, answer: WorkerAnswer | undefined): void {
    if (slot.busy && answer) this.settle(slot, answer);
    slot.busy = undefined;
    if (this.closed) return;
    if (this.crashes >= MAX_CRASHES) {
      // Workers that die before answering anything will not get better by
      // being restarted: fail what is queued instead of looping.
      void this.close();
      return;
    }

    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots[index] = this.spawn();
    this.dispatch();
  }

  private settle(slot: Slot, answer?: WorkerAnswer, error?: Error): void {
    const pending = slot.busy;
    if (!pending) return;

    clearTimeout(pending.timer);
    slot.busy = undefined;
    if (error || !answer) pending.reject(error ?? new Error("no answer"));
    else pending.resolve(answer);
    this.dispatch();
  }
}

function crashed(
  pending: Pending | undefined,
  code: string,
  message: string,
): WorkerAnswer | undefined {
  if (!pending) return undefined;

  const result: EngineResult = {
    error: { code, message, details: [] },
    reproducible: false,
    usage: {
      fuel: 0,
      memoryBytes: 0,
      wallMs:
        code === "LIMIT_WALL_TIME" ? pending.task.job.limits.wallTimeMs : 0,
      requests: 0,
      requestBytes: 0,
      responseBytes: 0,
    },
    console: [],
    exchanges: [],
  };
  return { result, pinnedBlock: null };
}

let bundle: string | undefined;

/**
 * The worker's code as one CommonJS file, bundled from `worker.ts` once per
 * process. Evaluating a bundle (rather than pointing the worker at the
 * TypeScript file) is what lets the same pool run under tsx, Jest and node.
 */
function workerBundle(): string {
  bundle ??= buildSync({
    entryPoints: [path.join(__dirname, "worker.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    logLevel: "silent",
  }).outputFiles[0]?.text;
  if (!bundle) throw new Error("could not bundle the sandbox worker");

  return bundle;
}
