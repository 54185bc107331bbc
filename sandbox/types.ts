/**
 * Types shared by the script sandbox, the records and the host-side network
 * guard. A *run* is one execution of a script with one set of inputs; its
 * *usage* is what it consumed, measured against its *limits*.
 */

import type { ScriptOutput } from "./output";

/**
 * Resource limits of one run. Every limit that trips names itself in the
 * error (`LIMIT_FUEL`, `LIMIT_MEMORY`, ...). Defaults are
 * {@link DEFAULT_LIMITS}; a job may lower or raise them within the network's
 * maxima.
 */
export interface Limits {
  /**
   * Interpreter ticks: QuickJS polls for interrupts on every call and loop
   * back-edge; every poll is one unit of fuel. Deterministic.
   */
  fuel: number;
  /** Bytes the QuickJS allocator may hold for the run. Deterministic. */
  memoryBytes: number;
  /** HTTP requests the script may issue. */
  maxRequests: number;
  /** Bytes of one HTTP response body. */
  maxResponseBytes: number;
  /** Bytes of the script's output object, serialised as JSON. */
  maxOutputBytes: number;
  /** Keys in the storage after the run's updates are applied. */
  maxStorageKeys: number;
  /** Bytes of one stored value. */
  maxValueBytes: number;
  /** Bytes of all stored keys and values together. */
  maxStorageBytes: number;
  /**
   * Wall-clock backstop in milliseconds. A run stopped by it has no result
   * and is marked not reproducible; it is never grounds for slashing.
   */
  wallTimeMs: number;
}

/** The defaults of DESIGN section 2, plus fuel and the wall-clock backstop. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  fuel: 50_000_000,
  memoryBytes: 128 * 1024 * 1024,
  maxRequests: 20,
  maxResponseBytes: 2 * 1024 * 1024,
  maxOutputBytes: 64 * 1024,
  maxStorageKeys: 100,
  maxValueBytes: 4 * 1024,
  maxStorageBytes: 64 * 1024,
  wallTimeMs: 30_000,
});

/**
 * The inputs of one run: everything the script sees from the host besides
 * the responses to its own requests.
 */
export interface RunInputs {
  /** Decimal job id, `TRIGGERX_JOB_ID`. */
  jobId: string;
  /** Decimal task id, `TRIGGERX_TASK_ID`. */
  taskId: string;
  /** Id of this execution record, `TRIGGERX_EXECUTION_ID`; seeds randomness. */
  executionId: string;
  /** Logical time of the run in unix seconds, `TRIGGERX_TIMESTAMP`. */
  timestamp: number;
  /** Decimal chain id of the job's target chain, `TRIGGERX_CHAIN_ID`. */
  chainId: string;
  /** The storage snapshot the run reads, key to value. */
  storage: Record<string, string>;
  /**
   * Decrypted secrets by name, seen as `SECRET_<NAME>`. Values never reach a
   * record: they are replaced by `<secret:NAME>` wherever they would be
   * written, and replays run with those placeholders.
   */
  secrets: Record<string, string>;
}

/** What a run consumed. */
export interface Usage {
  /** Interpreter ticks used (see {@link Limits.fuel}). */
  fuel: number;
  /** Bytes the QuickJS allocator held at the end of the run. */
  memoryBytes: number;
  /** Wall-clock milliseconds; informational, never part of a hash. */
  wallMs: number;
  /** HTTP requests issued. */
  requests: number;
  /** Bytes of request bodies sent. */
  requestBytes: number;
  /** Bytes of response bodies received. */
  responseBytes: number;
}

/** A log line the script wrote through `console`. */
export interface ConsoleLine {
  level: "log" | "info" | "warn" | "error" | "debug";
  text: string;
}

/**
 * The outcome of one run, before it is wrapped in an execution record.
 * `output` is the script's validated output when `ok` is true; `error` says
 * why there is none otherwise.
 */
export type RunResult =
  | {
      ok: true;
      /** The validated output, as `parseScriptOutput` returns it. */
      output: ScriptOutput;
      usage: Usage;
      console: ConsoleLine[];
      /** False only when the wall-clock backstop stopped the run. */
      reproducible: true;
    }
  | {
      ok: false;
      error: { code: string; message: string; details: readonly string[] };
      usage: Usage;
      console: ConsoleLine[];
      reproducible: boolean;
    };
