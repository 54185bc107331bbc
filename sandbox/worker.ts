import { parentPort, workerData } from "node:worker_threads";
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSWASMModule,
} from "quickjs-emscripten-core";
import type { HttpExchange } from "../records/transcript";
import type { EngineJob, EngineResult, GuestSources } from "./engine";
import {
  failedResult,
  markHeapBaseline,
  runInQuickJS,
  wasmHeapBytes,
} from "./engine";
import { fetchPinnedBlock, type LivePolicy, liveSender } from "./live-sender";
import { LiveNetwork, type Network, ReplayNetwork } from "./network";
import {
  finishLive,
  finishReplay,
  type LiveFinish,
  type RecordContext,
  type ReplayFinish,
} from "./outcome";

/**
 * The entry point of a sandbox worker thread. It loads the QuickJS
 * WebAssembly module once and runs one job at a time, each in a fresh
 * QuickJS runtime. This file is bundled by esbuild and evaluated as plain
 * JavaScript, so it works the same under tsx, Jest and node.
 */

/** A job as the pool sends it to a worker. */
export type WorkerTask =
  | { mode: "live"; job: EngineJob; policy: LivePolicy; context: RecordContext }
  | {
      mode: "replay";
      job: EngineJob;
      exchanges: HttpExchange[];
      storage: Record<string, string>;
    };

/**
 * A worker's answer: the engine's result and the block reads were pinned
 * to, and the finished run (result validated, record built) when the worker
 * got that far.
 */
export interface WorkerAnswer {
  result: EngineResult;
  pinnedBlock: string | null;
  live?: LiveFinish;
  replay?: ReplayFinish;
}

interface WorkerData {
  variantPath: string;
  sources: GuestSources;
}

/**
 * Hard ceiling of a module's WebAssembly heap, whatever a job's memory
 * limit: past it every allocation fails inside QuickJS, so even a script
 * that slips past the per-run checks cannot take the keeper's memory.
 */
const MAX_HEAP_BYTES = 1024 * 1024 * 1024;
const PAGE_BYTES = 64 * 1024;

// The project's TypeScript settings leave out the DOM and WebAssembly types.
const { Memory } = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (size: { initial: number; maximum: number }) => object;
    };
  }
).WebAssembly;

const { variantPath, sources } = workerData as WorkerData;
// The variant is required at run time by absolute path, so its .wasm file is
// found next to it rather than next to this bundle.
const variant = require(variantPath).default;
let module = freshModule();

/**
 * A module's heap never shrinks, and after an out-of-memory error its
 * allocator state is in doubt; past this much growth the worker starts a
 * fresh module for the next run.
 */
const HEAP_SLACK_BYTES = 32 * 1024 * 1024;

async function freshModule(): Promise<QuickJSWASMModule> {
  const customized = newVariant(variant, {
    wasmMemory: new Memory({
      initial: (16 * 1024 * 1024) / PAGE_BYTES,
      maximum: MAX_HEAP_BYTES / PAGE_BYTES,
    }) as never,
    // emscripten prints failed assertions (after running out of memory);
    // they go to the pool's debug log instead of standard error.
    emscriptenModule: {
      printErr: (text: string) => parentPort?.postMessage({ log: text }),
    } as never,
  });
  const created = await newQuickJSWASMModuleFromVariant(customized);
  markHeapBaseline(created);
  return created;
}

// The pool may send the next task before this one is done; runs happen one
// at a time, in the order they came.
let previous: Promise<void> = Promise.resolve();
parentPort?.on("message", (message: { id: number; task: WorkerTask }) => {
  previous = previous.then(async () => {
    let answer: WorkerAnswer;
    try {
      answer = finish(message.task, await handle(message.task));
    } catch (error) {
      const reason = (error as Error)?.message ?? String(error);
      answer = {
        result: failedResult({ code: "SANDBOX_CRASHED", message: reason }),
        pinnedBlock: null,
      };
    }
    parentPort?.postMessage({ id: message.id, answer: JSON.stringify(answer) });
  });
});

function finish(task: WorkerTask, answer: WorkerAnswer): WorkerAnswer {
  const { result, pinnedBlock } = answer;
  if (task.mode === "live") {
    return { ...answer, live: finishLive(task.context, result, pinnedBlock) };
  }

  const { limits } = task.job;
  return { ...answer, replay: finishReplay(result, limits, task.storage) };
}

async function handle(task: WorkerTask): Promise<WorkerAnswer> {
  const job = { ...task.job };
  let network: Network;
  if (task.mode === "replay") {
    network = new ReplayNetwork(task.exchanges);
  } else {
    const sender = liveSender(task.policy, job.limits.maxResponseBytes);
    if (job.rpcUrl) {
      const pinned = await fetchPinnedBlock(sender, job.rpcUrl);
      if ("error" in pinned)
        return { result: failedResult(pinned.error), pinnedBlock: null };
      job.pinnedBlock = pinned.block;
    }
    network = new LiveNetwork(sender);
  }

  const current = await module;
  const baseline = wasmHeapBytes(current);
  try {
    const result = await runInQuickJS(current, sources, job, network);
    const grown = wasmHeapBytes(current) - baseline > HEAP_SLACK_BYTES;
    if (grown || result.tainted || result.error?.code === "LIMIT_MEMORY") {
      module = freshModule();
    }
    return { result, pinnedBlock: job.pinnedBlock ?? null };
  } catch (error) {
    // The engine returns the script's failures; reaching here means the
    // module itself is in doubt, so the next job gets a fresh one.
    module = freshModule();
    const message = (error as Error)?.message ?? String(error);
    return {
      result: failedResult({ code: "SANDBOX_CRASHED", message }),
      pinnedBlock: null,
    };
  }
}
