import { createHash } from "node:crypto";
import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from "quickjs-emscripten-core";
import { isTriggerxError, TriggerxError } from "../errors/base";
import {
  type HttpExchange,
  normalizeHeaders,
  type RecordedRequest,
  redactExchange,
  redactSecrets,
} from "../records/transcript";
import { limitExceeded, scriptFailed } from "./errors";
import type { Delivery, Network, Outcome, SendRequest } from "./network";
import { toHttpBody } from "./network";
import { isRpcRequest, pinRpcBody } from "./rpc";
import type { ConsoleLine, Limits, Usage } from "./types";

/**
 * QuickJS calls the interrupt handler once every this many interrupt polls
 * (`JS_INTERRUPT_COUNTER_INIT` in quickjs.c); a poll happens on every call
 * and loop back-edge. Fuel is counted in polls.
 */
export const FUEL_PER_INTERRUPT = 10_000;

/** Fuel charged for each timer callback, so idle intervals cannot spin. */
export const FUEL_PER_TIMER = 10_000;

/** QuickJS stack limit; deep recursion stops here with `LIMIT_STACK`. */
export const STACK_BYTES = 512 * 1024;

/** Console text a run keeps for its record; later lines are dropped. */
const CONSOLE_KEEP_BYTES = 256 * 1024;

/** The guest sources: the core prelude and the lazily loaded modules. */
export interface GuestSources {
  core: string;
  modules: Record<string, string>;
}

/** One run as the engine sees it: compiled JavaScript plus its world. */
export interface EngineJob {
  /** The script as an ES module, already compiled to JavaScript. */
  script: string;
  filename: string;
  /** `process.env` as the script sees it (secrets included, or their placeholders). */
  env: Record<string, string>;
  /** The run's logical time in milliseconds since the epoch. */
  timeMs: number;
  /** Seeds `Math.random` and `crypto`; the execution id. */
  randomSeed: string;
  limits: Limits;
  /** Secret values to redact from everything the run writes down. */
  secrets: Record<string, string>;
  rpcUrl?: string;
  /** Decimal block number that JSON-RPC reads are pinned to. */
  pinnedBlock?: string;
}

/** The output of a run that ended normally, still unvalidated. */
export interface EngineOutput {
  /** `default`: an exported function's return value; `stdout`: the last line. */
  form: "default" | "stdout";
  /** The output as JSON text, secrets redacted. */
  json: string;
}

/** What the engine hands back: everything a record needs. */
export interface EngineResult {
  output?: EngineOutput;
  error?: { code: string; message: string; details: readonly string[] };
  reproducible: boolean;
  usage: Usage;
  console: ConsoleLine[];
  exchanges: HttpExchange[];
  /** Set when the module may be damaged and should not run again. */
  tainted?: true;
}

/**
 * Runs one script in a fresh QuickJS runtime and context of `module`,
 * sending its requests to `network`. Never throws for anything the script
 * does; errors of the script end up in the result.
 */
export async function runInQuickJS(
  module: QuickJSWASMModule,
  sources: GuestSources,
  job: EngineJob,
  network: Network,
): Promise<EngineResult> {
  const run = new Run(module, sources, job, network);
  return run.execute();
}

/**
 * The result of a run that never reached the script: the worker failed, or
 * the pinned block could not be read. Nothing was used but, for a run cut
 * off by the wall clock, its `wallMs`.
 */
export function failedResult(
  error: { code: string; message: string },
  wallMs = 0,
): EngineResult {
  return {
    error: { ...error, details: [] },
    reproducible: false,
    usage: { ...emptyUsage(), wallMs },
    console: [],
    exchanges: [],
  };
}

function emptyUsage(): Usage {
  return {
    fuel: 0,
    memoryBytes: 0,
    wallMs: 0,
    requests: 0,
    requestBytes: 0,
    responseBytes: 0,
  };
}

/**
 * Bytes of the WebAssembly heap of a QuickJS module. It only grows; the
 * worker replaces a module whose heap grew far past its start.
 */
export function wasmHeapBytes(module: QuickJSWASMModule): number {
  const inner = (module as unknown as { module: { HEAPU8: Uint8Array } })
    .module;
  return inner.HEAPU8.byteLength;
}

/**
 * The heap a module has when it is new; the memory limit of a run is
 * counted above it (see {@link Run.onInterrupt}).
 */
const heapBaselines = new WeakMap<QuickJSWASMModule, number>();

/** Records the heap size of a fresh module, before any run. */
export function markHeapBaseline(module: QuickJSWASMModule): void {
  heapBaselines.set(module, wasmHeapBytes(module));
}

type StdoutLine = { text: string } | { oversized: number };

class Run {
  private readonly runtime: QuickJSRuntime;
  private readonly context: QuickJSContext;
  private readonly handles: QuickJSHandle[] = [];
  private readonly startedAt = performance.now();
  private readonly deadline: number;
  private readonly heapCeiling: number;
  private fuel = 0;
  private fatal: TriggerxError | undefined;
  private reproducible = true;
  private nextRequestId = 1;
  private randomCounter = 0;
  private lastStdout: StdoutLine | undefined;
  private consoleBytes = 0;
  private readonly consoleLines: ConsoleLine[] = [];
  private readonly exchanges: HttpExchange[] = [];
  private readonly usage = emptyUsage();

  constructor(
    private readonly module: QuickJSWASMModule,
    private readonly sources: GuestSources,
    private readonly job: EngineJob,
    private readonly network: Network,
  ) {
    this.deadline = this.startedAt + job.limits.wallTimeMs;
    const baseline = heapBaselines.get(module) ?? wasmHeapBytes(module);
    this.heapCeiling = baseline + job.limits.memoryBytes;
    this.runtime = module.newRuntime();
    this.runtime.setMemoryLimit(job.limits.memoryBytes);
    this.runtime.setMaxStackSize(STACK_BYTES);
    this.runtime.setInterruptHandler(() => this.onInterrupt());
    this.context = this.runtime.newContext();
  }

  async execute(): Promise<EngineResult> {
    let output: EngineOutput | undefined;
    let error: TriggerxError | undefined;
    try {
      output = await this.loop();
      // A replay must have served every recorded exchange.
      this.network.finish();
    } catch (caught) {
      error = this.fatal ?? toTriggerxError(caught);
    }

    // After running out of memory QuickJS may fail to tear down cleanly;
    // the result stands, and the worker replaces the module.
    let tainted: true | undefined;
    try {
      this.runtime.setMemoryLimit(-1);
      if (error?.code !== "LIMIT_MEMORY") {
        this.usage.memoryBytes = this.memoryInUse();
      }
      this.dispose();
    } catch {
      tainted = true;
    }

    return { ...this.result(output, error), ...(tainted ? { tainted } : {}) };
  }

  private result(
    output: EngineOutput | undefined,
    error: TriggerxError | undefined,
  ): EngineResult {
    this.usage.fuel = this.fuel;
    this.usage.wallMs = Math.round(performance.now() - this.startedAt);
    const base = {
      reproducible: this.reproducible,
      usage: this.usage,
      console: this.consoleLines,
      exchanges: this.exchanges,
    };
    if (error) return { ...base, error: error.toJSON() };

    return output ? { ...base, output } : base;
  }

  private async loop(): Promise<EngineOutput> {
    const control = this.boot();
    const settled = this.evaluateScript(control);
    let stdoutForm = false;

    for (;;) {
      this.drainJobs();

      if (!stdoutForm) {
        const done = this.readSettled(settled);
        if (done?.form === "default") return done;
        if (done) stdoutForm = true;
      }

      if (this.network.pending > 0) {
        this.deliver(control, await this.nextDelivery());
        continue;
      }

      if (this.call(control, "hasTimers") === true) {
        this.chargeFuel(FUEL_PER_TIMER);
        this.call(control, "fireTimer");
        continue;
      }

      if (stdoutForm) return this.stdoutOutput();

      throw new TriggerxError(
        "SCRIPT_UNSETTLED",
        "script's top-level code never settled",
        { details: ["it awaits a promise that nothing can resolve"] },
      );
    }
  }

  /** Evaluates the core prelude and returns its control object. */
  private boot(): QuickJSHandle {
    const ctx = this.context;
    const core = this.keep(
      this.unwrap(ctx.evalCode(this.sources.core, "triggerx:core")),
    );
    const host = this.keep(ctx.newObject());
    this.defineHostFunctions(host);

    const config = JSON.stringify({ time: this.job.timeMs, env: this.job.env });
    const configHandle = this.keep(ctx.newString(config));
    return this.keep(
      this.unwrap(ctx.callFunction(core, ctx.undefined, host, configHandle)),
    );
  }

  /** Evaluates the script module; returns the guest promise of its output. */
  private evaluateScript(control: QuickJSHandle): QuickJSHandle {
    const ctx = this.context;
    const evaluated = ctx.evalCode(this.job.script, this.job.filename, {
      type: "module",
      strict: true,
    });
    const moduleResult = this.keep(this.unwrap(evaluated));

    return this.keep(
      this.unwrap(ctx.callMethod(control, "settle", [moduleResult])),
    );
  }

  private readSettled(settled: QuickJSHandle): EngineOutput | undefined {
    const ctx = this.context;
    const state = ctx.getPromiseState(settled);
    if (state.type === "pending") return undefined;
    if (state.type === "rejected") this.throwGuestError(state.error);

    const kind = ctx.getProp(state.value, "kind");
    const json = ctx.getProp(state.value, "json");
    const length = ctx.getProp(state.value, "length");
    try {
      if (ctx.getString(kind) === "stdout") {
        return { form: "stdout", json: "" };
      }
      return {
        form: "default",
        json: this.outputText(json, ctx.getNumber(length)),
      };
    } finally {
      kind.dispose();
      json.dispose();
      length.dispose();
      if (!state.notAPromise) state.value.dispose();
    }
  }

  private outputText(handle: QuickJSHandle, length: number): string {
    const { maxOutputBytes } = this.job.limits;
    if (length > maxOutputBytes) {
      throw limitExceeded("LIMIT_OUTPUT_BYTES", "output size", maxOutputBytes);
    }

    const text = this.context.getString(handle);
    if (Buffer.byteLength(text, "utf8") > maxOutputBytes) {
      throw limitExceeded("LIMIT_OUTPUT_BYTES", "output size", maxOutputBytes);
    }

    return redactSecrets(text, this.job.secrets);
  }

  private stdoutOutput(): EngineOutput {
    const line = this.lastStdout;
    if (!line) {
      throw new TriggerxError(
        "OUTPUT_MISSING",
        "script printed no output line and exported no default function",
      );
    }
    if ("oversized" in line) {
      const { maxOutputBytes } = this.job.limits;
      throw limitExceeded("LIMIT_OUTPUT_BYTES", "output size", maxOutputBytes, [
        `its last line of output has ${line.oversized} characters`,
      ]);
    }

    return { form: "stdout", json: line.text };
  }

  private drainJobs(): void {
    for (;;) {
      if (this.fatal) throw this.fatal;
      if (!this.runtime.hasPendingJob()) return;

      const result = this.runtime.executePendingJobs();
      if (result.error) this.throwGuestError(result.error);
    }
  }

  private async nextDelivery(): Promise<Delivery> {
    const remaining = this.deadline - performance.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.wallTimeExceeded()), remaining);
    });

    try {
      return await Promise.race([this.network.next(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private deliver(control: QuickJSHandle, delivery: Delivery): void {
    const outcome = redactOutcome(delivery, this.job.secrets);
    this.exchanges.push({
      index: this.exchanges.length,
      request: delivery.request,
      ...outcome,
    });

    const ctx = this.context;
    const id = this.keep(ctx.newNumber(delivery.id));
    if ("error" in outcome) {
      if (outcome.error.code.startsWith("LIMIT_")) {
        this.fatal = new TriggerxError(
          outcome.error.code,
          outcome.error.message,
        );
        throw this.fatal;
      }
      const message = this.keep(ctx.newString(outcome.error.message));
      this.unwrapDisposing(ctx.callMethod(control, "fail", [id, message]));
      return;
    }

    const { response } = outcome;
    const body = Buffer.from(response.bodyBase64, "base64");
    const { maxResponseBytes } = this.job.limits;
    this.usage.responseBytes += body.byteLength;
    if (body.byteLength > maxResponseBytes) {
      this.fatal = limitExceeded(
        "LIMIT_RESPONSE_BYTES",
        "response size",
        maxResponseBytes,
        [`request #${this.exchanges.length - 1} got ${body.byteLength} bytes`],
      );
      throw this.fatal;
    }

    const meta = JSON.stringify({
      status: response.status,
      headers: response.headers,
      url: response.url,
    });
    const metaHandle = this.keep(ctx.newString(meta));
    const bodyHandle = this.keep(ctx.newArrayBuffer(toArrayBuffer(body)));
    this.unwrapDisposing(
      ctx.callMethod(control, "deliver", [id, metaHandle, bodyHandle]),
    );
  }

  private defineHostFunctions(host: QuickJSHandle): void {
    const ctx = this.context;
    const define = (
      name: string,
      fn: (...args: QuickJSHandle[]) => QuickJSHandle | undefined,
    ) => {
      const handle = ctx.newFunction(name, fn);
      ctx.setProp(host, name, handle);
      handle.dispose();
    };

    define("log", (level, text, length) => this.onLog(level, text, length));
    define("fetch", (meta, body) => this.onFetch(meta, body));
    define("random", () => this.onRandom());
    define("source", (name) => this.onSource(name));
  }

  private onLog(
    levelHandle: QuickJSHandle | undefined,
    textHandle: QuickJSHandle | undefined,
    lengthHandle: QuickJSHandle | undefined,
  ): undefined {
    if (!levelHandle || !textHandle || !lengthHandle) return undefined;

    const level = this.context.getString(levelHandle) as ConsoleLine["level"];
    const length = this.context.getNumber(lengthHandle);
    const toStdout = level === "log" || level === "info" || level === "debug";
    if (length > this.job.limits.maxOutputBytes) {
      if (toStdout) this.lastStdout = { oversized: length };
      this.keepLine(level, `<${length} characters over the output limit>`);
      return undefined;
    }

    const text = redactSecrets(
      this.context.getString(textHandle),
      this.job.secrets,
    );
    const line = lastLine(text);
    if (toStdout && line !== undefined) this.lastStdout = { text: line };
    this.keepLine(level, text);
    return undefined;
  }

  private keepLine(level: ConsoleLine["level"], text: string): void {
    this.consoleBytes += text.length;
    if (this.consoleBytes > CONSOLE_KEEP_BYTES) return;

    this.consoleLines.push({ level, text });
  }

  private onFetch(
    metaHandle: QuickJSHandle | undefined,
    bodyHandle: QuickJSHandle | undefined,
  ): QuickJSHandle {
    const { maxRequests } = this.job.limits;
    if (this.usage.requests >= maxRequests) {
      this.fatal = limitExceeded(
        "LIMIT_REQUESTS",
        "request count",
        maxRequests,
      );
      throw this.fatal;
    }
    if (!metaHandle) throw new TypeError("fetch needs a request");

    this.usage.requests++;
    const send = this.sendRequest(metaHandle, bodyHandle);
    this.usage.requestBytes += send.body?.byteLength ?? 0;

    // The record holds the request as the script made it; the pinned form
    // that went out follows from it and the record's pinned block.
    const recorded = this.recordedRequest(send);
    const id = this.nextRequestId++;
    this.network.issue(id, recorded, this.pinned(send));
    return this.context.newNumber(id);
  }

  private sendRequest(
    metaHandle: QuickJSHandle,
    bodyHandle: QuickJSHandle | undefined,
  ): SendRequest {
    const meta = parseRequestMeta(this.context.getString(metaHandle));
    let body: Uint8Array | null = null;
    if (bodyHandle && this.context.typeof(bodyHandle) === "object") {
      const view = this.context.getArrayBuffer(bodyHandle);
      body = new Uint8Array(view.value);
      view.dispose();
    }

    return { ...meta, body };
  }

  /** The request with its JSON-RPC block tags pinned, when it is one. */
  private pinned(send: SendRequest): SendRequest {
    const { rpcUrl, pinnedBlock } = this.job;
    const { body } = send;
    if (!body || !pinnedBlock || !isRpcRequest(send.method, send.url, rpcUrl)) {
      return send;
    }

    const pinned = pinRpcBody(Buffer.from(body).toString("utf8"), pinnedBlock);
    return {
      ...send,
      body: new Uint8Array(Buffer.from(pinned.body, "utf8")),
      ...(pinned.localResponse === undefined
        ? {}
        : { localResponse: pinned.localResponse }),
    };
  }

  private recordedRequest(send: SendRequest): RecordedRequest {
    const request: RecordedRequest = {
      method: send.method,
      url: send.url,
      headers: normalizeHeaders(send.headers),
      body: toHttpBody(send.body),
    };
    const exchange = redactExchange(
      { index: 0, request, error: { code: "", message: "" } },
      this.job.secrets,
    );

    return exchange.request;
  }

  /** 64 bytes of the run's random stream: SHA-256 in counter mode. */
  private onRandom(): QuickJSHandle {
    const blocks = [0, 1].map(() => {
      const counter = this.randomCounter++;
      return createHash("sha256")
        .update(`triggerx-random:${this.job.randomSeed}:${counter}`)
        .digest();
    });

    return this.context.newArrayBuffer(toArrayBuffer(Buffer.concat(blocks)));
  }

  private onSource(nameHandle: QuickJSHandle | undefined): QuickJSHandle {
    const name = nameHandle ? this.context.getString(nameHandle) : "";
    const source = this.sources.modules[name];
    if (source === undefined) throw new Error(`no guest module ${name}`);

    return this.context.newString(source);
  }

  private onInterrupt(): boolean {
    if (this.fatal) return true;

    this.fuel += FUEL_PER_INTERRUPT;
    if (this.fuel > this.job.limits.fuel) {
      this.fatal = this.fuelExceeded();
      return true;
    }
    if (performance.now() > this.deadline) {
      this.fatal = this.wallTimeExceeded();
      return true;
    }
    if (wasmHeapBytes(this.module) > this.heapCeiling) {
      this.fatal = this.heapExceeded();
      return true;
    }

    return false;
  }

  /**
   * QuickJS's own accounting in this build refuses single allocations over
   * the limit but does not add allocations up (measured: two hundred 1 MB
   * strings fit under a 10 MB limit), so the limit is also enforced on the
   * WebAssembly heap. Heap growth depends on the allocator's history, so a
   * run stopped here is not reproducible.
   * TODO(sandbox): count allocations deterministically (a build of QuickJS
   * whose malloc_usable_size works, or an allocator hook) so that this
   * limit can decide a result.
   */
  private heapExceeded(): TriggerxError {
    this.reproducible = false;
    return limitExceeded(
      "LIMIT_MEMORY",
      "memory (bytes)",
      this.job.limits.memoryBytes,
      ["the WebAssembly heap outgrew the limit"],
    );
  }

  private chargeFuel(amount: number): void {
    this.fuel += amount;
    if (this.fuel <= this.job.limits.fuel) return;

    this.fatal = this.fuelExceeded();
    throw this.fatal;
  }

  private fuelExceeded(): TriggerxError {
    return limitExceeded("LIMIT_FUEL", "fuel", this.job.limits.fuel);
  }

  private wallTimeExceeded(): TriggerxError {
    this.reproducible = false;
    this.fatal ??= limitExceeded(
      "LIMIT_WALL_TIME",
      "wall time (ms)",
      this.job.limits.wallTimeMs,
      ["a run stopped by the wall clock has no result"],
    );

    return this.fatal;
  }

  /** Turns a guest exception into the error of the run. */
  private scriptError(handle: QuickJSHandle): TriggerxError {
    if (this.fatal) return this.fatal;

    this.runtime.setMemoryLimit(-1);
    const dumped = this.context.dump(handle) as unknown;
    const { name, message, stack } = describeThrown(dumped);
    const { memoryBytes } = this.job.limits;
    if (name === "InternalError" && message === "out of memory") {
      return limitExceeded("LIMIT_MEMORY", "memory (bytes)", memoryBytes);
    }
    if (/stack overflow|call stack size/i.test(message)) {
      return limitExceeded("LIMIT_STACK", "stack (bytes)", STACK_BYTES);
    }
    if (message === "interrupted") return this.fuelExceeded();

    return redactError(scriptFailed(name, message, stack), this.job.secrets);
  }

  private call(control: QuickJSHandle, method: string): unknown {
    const result = this.context.callMethod(control, method, []);
    if (result.error) this.throwGuestError(result.error);

    const value = this.context.dump(result.value) as unknown;
    result.value.dispose();
    return value;
  }

  private unwrap(
    result: ReturnType<QuickJSContext["evalCode"]>,
  ): QuickJSHandle {
    if (!result.error) return result.value;

    this.throwGuestError(result.error);
  }

  /** Throws the run's error for a guest exception, freeing its handle. */
  private throwGuestError(handle: QuickJSHandle): never {
    const error = this.scriptError(handle);
    handle.dispose();
    throw error;
  }

  private unwrapDisposing(result: ReturnType<QuickJSContext["evalCode"]>) {
    this.unwrap(result).dispose();
  }

  private keep(handle: QuickJSHandle): QuickJSHandle {
    this.handles.push(handle);
    return handle;
  }

  /**
   * QuickJS's estimate of the bytes in use. `computeMemoryUsage` would
   * create a second context per run for its answer (measured: 0.2 ms, a
   * fifth of a trivial run), so the same C function is called with the
   * run's own context. Internals of quickjs-emscripten 0.32.0.
   */
  private memoryInUse(): number {
    const runtime = this.runtime as unknown as {
      ffi: { QTS_RuntimeComputeMemoryUsage(rt: number, ctx: number): number };
      rt: { value: number };
    };
    const context = this.context as unknown as {
      ctx: { value: number };
      getMemory(rt: number): { heapValueHandle(ptr: number): QuickJSHandle };
    };
    const pointer = runtime.ffi.QTS_RuntimeComputeMemoryUsage(
      runtime.rt.value,
      context.ctx.value,
    );
    const handle = context.getMemory(runtime.rt.value).heapValueHandle(pointer);
    const size = this.context.getProp(handle, "memory_used_size");
    const bytes = this.context.getNumber(size);
    size.dispose();
    handle.dispose();

    return bytes;
  }

  private dispose(): void {
    for (const handle of this.handles) {
      if (handle.alive) handle.dispose();
    }
    this.context.dispose();
    this.runtime.dispose();
  }
}

/**
 * The request the guest's `fetch` describes. The guest builds it with
 * `JSON.stringify`, which a script can replace, so its shape is checked
 * rather than trusted.
 */
function parseRequestMeta(text: string): {
  method: string;
  url: string;
  headers: Array<[string, string]>;
} {
  const meta = JSON.parse(text) as Record<string, unknown>;
  const { method, url, headers } = meta;
  const pairs =
    Array.isArray(headers) &&
    headers.every(
      (pair) =>
        Array.isArray(pair) &&
        pair.length === 2 &&
        typeof pair[0] === "string" &&
        typeof pair[1] === "string",
    );
  if (typeof method !== "string" || typeof url !== "string" || !pairs) {
    throw new TypeError("fetch was given a malformed request");
  }

  return { method, url, headers: headers as Array<[string, string]> };
}

function describeThrown(dumped: unknown): {
  name: string;
  message: string;
  stack: string;
} {
  if (typeof dumped === "object" && dumped !== null) {
    const error = dumped as {
      name?: unknown;
      message?: unknown;
      stack?: unknown;
    };
    return {
      name: typeof error.name === "string" ? error.name : "Error",
      message: typeof error.message === "string" ? error.message : "",
      stack: typeof error.stack === "string" ? error.stack : "",
    };
  }

  return { name: "a value", message: String(dumped), stack: "" };
}

function redactOutcome(
  delivery: Delivery,
  secrets: Record<string, string>,
): Outcome {
  const redacted = redactExchange(
    { index: 0, request: delivery.request, ...delivery.outcome },
    secrets,
  );
  if ("error" in redacted) return { error: redacted.error };

  return { response: redacted.response };
}

function redactError(
  error: TriggerxError,
  secrets: Record<string, string>,
): TriggerxError {
  return new TriggerxError(error.code, redactSecrets(error.message, secrets), {
    details: error.details.map((line) => redactSecrets(line, secrets)),
  });
}

function toTriggerxError(error: unknown): TriggerxError {
  if (isTriggerxError(error)) return error;

  return new TriggerxError("SANDBOX_CRASHED", "the sandbox failed", {
    details: [String((error as Error)?.message ?? error)],
    cause: error,
  });
}

/** The last line of `text` that is not blank, trimmed. */
function lastLine(text: string): string | undefined {
  return text
    .split("\n")
    .map((line) => line.trim())
    .findLast((line) => line !== "");
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}
