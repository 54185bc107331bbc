import { availableParallelism } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { buildSync } from "esbuild";
import { TriggerxError } from "../errors/base";
import { createLogger } from "../logging/logger";
import { failedResult } from "./engine";
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
  /**
   * Tasks sent to the worker, in the order it runs them; the first is
   * running, the others wait inside the worker (see {@link PIPELINE}).
   */
  sent: Pending[];
}

interface Pending {
  id: number;
  task: WorkerTask;
  resolve(answer: WorkerAnswer): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

/**
 * Tasks a worker holds at once. A worker runs one at a time; holding the
 * next one spares it a round trip to this thread between runs, which for
 * trivial scripts is a fifth of the time of a run.
 */
const PIPELINE = 2;

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
      for (const pending of slot.sent.splice(0)) {
        clearTimeout(pending.timer);
        pending.reject(error);
      }
    }

    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  /** Sends queued tasks to workers, the least loaded first. */
  private dispatch(): void {
    for (let depth = 0; depth < PIPELINE; depth++) {
      for (const slot of this.slots) {
        if (slot.sent.length > depth) continue;
        const pending = this.queue.shift();
        if (!pending) return;

        slot.sent.push(pending);
        if (slot.sent.length === 1) this.startClock(slot);
        slot.worker.postMessage({ id: pending.id, task: pending.task });
      }
    }
  }

  /** Starts the backstop of the task the worker runs now. */
  private startClock(slot: Slot): void {
    const running = slot.sent[0];
    if (!running) return;

    const limit = running.task.job.limits.wallTimeMs + TERMINATE_GRACE_MS;
    running.timer = setTimeout(() => this.stuck(slot), limit);
  }

  private spawn(): Slot {
    const worker = new Worker(workerBundle(), {
      eval: true,
      workerData: {
        variantPath: require.resolve("@jitl/quickjs-wasmfile-release-sync"),
        sources: loadGuestSources(),
      },
    });
    const slot: Slot = { worker, sent: [] };

    worker.on(
      "message",
      (message: { id?: number; answer?: string; log?: string }) => {
        if (message.log !== undefined) {
          logger.debug(
            { text: message.log },
            "sandbox engine printed a message",
          );
          return;
        }
        if (message.answer === undefined) return;
        if (slot.sent[0]?.id !== message.id) return;
        this.crashes = 0;
        // The answer comes as JSON text and is parsed here, so that its
        // objects belong to the caller's realm (a Jest test runs in a realm of
        // its own, and structured clones land in node's main one).
        this.settle(slot, JSON.parse(message.answer) as WorkerAnswer);
      },
    );
    worker.on("error", (error) => {
      logger.error({ err: error }, "sandbox worker failed");
      this.crashes++;
      this.replace(slot, "SANDBOX_CRASHED", error.message);
    });
    worker.on("exit", (code) => {
      if (this.closed || slot.sent.length === 0) return;
      this.replace(slot, "SANDBOX_CRASHED", `exit ${code}`);
    });

    return slot;
  }

  /** A worker that outlived its run's wall clock: terminate and replace it. */
  private stuck(slot: Slot): void {
    const running = slot.sent[0];
    if (!running) return;

    const { wallTimeMs } = running.task.job.limits;
    void slot.worker.terminate();
    this.replace(
      slot,
      "LIMIT_WALL_TIME",
      `script exceeded its wall time (ms) limit of ${wallTimeMs}`,
    );
  }

  /**
   * Replaces a dead or stuck worker. Its running task ends with `code`; the
   * tasks waiting behind it go back to the front of the queue.
   */
  private replace(slot: Slot, code: string, message: string): void {
    const [running, ...waiting] = slot.sent.splice(0);
    if (running) {
      clearTimeout(running.timer);
      running.resolve(crashed(running, code, message));
    }
    this.queue.unshift(...waiting);
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

  private settle(slot: Slot, answer: WorkerAnswer): void {
    const running = slot.sent.shift();
    if (!running) return;

    clearTimeout(running.timer);
    this.startClock(slot);
    running.resolve(answer);
    this.dispatch();
  }
}

function crashed(
  pending: Pending,
  code: string,
  message: string,
): WorkerAnswer {
  const { wallTimeMs } = pending.task.job.limits;
  const wallMs = code === "LIMIT_WALL_TIME" ? wallTimeMs : 0;

  return { result: failedResult({ code, message }, wallMs), pinnedBlock: null };
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
