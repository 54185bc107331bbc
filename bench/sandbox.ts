/**
 * Benchmark of the script sandbox: runs per second and latency of a fresh
 * QuickJS sandbox per run, against a Deno subprocess per run (`deno run`
 * with no permissions) and a Node subprocess per run (after an esbuild
 * transpile), for a trivial script and for a script that encodes calldata
 * with viem; and the time of a replay against the time of the original run.
 *
 * `npm run bench:sandbox`. Every measurement is bounded by a run count and a
 * time budget, so the whole benchmark stays under about two minutes. Nothing
 * touches the network: the scripts make no requests, and Deno's update
 * check is switched off.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { type CompiledScript, compileScript } from "../sandbox/compile";
import { createSandboxPool, type SandboxPool } from "../sandbox/pool";
import { replayRecord, runScript } from "../sandbox/runtime";
import type { RunInputs } from "../sandbox/types";

const root = path.resolve(__dirname, "..");
const denoBinary = path.join(root, "node_modules/deno/deno");

const TRIVIAL = `console.log(JSON.stringify({ shouldExecute: false, storageUpdates: { n: "1" } }));\n`;

const VIEM = `import { encodeFunctionData, parseAbi, parseUnits } from "viem";
const abi = parseAbi(["function transfer(address to, uint256 amount) returns (bool)"]);
const calldata = encodeFunctionData({
  abi,
  functionName: "transfer",
  args: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", parseUnits("2.5", 18)],
});
console.log(JSON.stringify({ shouldExecute: true,
  targetContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3", calldata }));
`;

const inputs: RunInputs = {
  jobId: "1",
  taskId: "1",
  executionId: "bench",
  timestamp: 1_700_000_000,
  chainId: "1",
  storage: {},
  secrets: {},
};

/** Throughput and latency of one way of running a script. */
interface Measurement {
  runs: number;
  runsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  const pool = createSandboxPool({ size: cores });
  const dir = await mkdtemp(path.join(tmpdir(), "triggerx-bench-"));
  try {
    await warmUp(pool);
    const lines: string[] = [
      `cores: ${cores}, sandbox pool: ${pool.size} workers`,
    ];

    for (const [name, source] of [
      ["trivial", TRIVIAL],
      ["viem calldata", VIEM],
    ] as const) {
      const script = await compileScript(source, "bench.ts", {
        resolveDir: root,
      });
      const file = path.join(dir, `${name.replace(" ", "-")}.mjs`);
      await writeFile(file, script.code);

      const sandbox = await measureSandbox(pool, script, cores * 2);
      const deno = await measureProcess(
        denoBinary,
        ["run", "--no-config", "--no-lock", file],
        cores,
      );
      const node = await measureProcess(process.execPath, [file], cores);
      lines.push(
        "",
        `${name} script`,
        row("sandbox (fresh QuickJS per run)", sandbox),
        row("deno subprocess per run", deno),
        row("node subprocess per run", node),
        `  sandbox / deno: ${ratio(sandbox, deno)}x runs/s; sandbox / node: ${ratio(sandbox, node)}x runs/s`,
      );
    }

    lines.push("", await measureReplay(pool));
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function warmUp(pool: SandboxPool): Promise<void> {
  const script = await compileScript(TRIVIAL, "warm.ts");
  await Promise.all(
    Array.from({ length: pool.size * 4 }, () =>
      runScript({ pool, script, inputs }),
    ),
  );
}

/** Runs the script in the sandbox, `concurrency` at a time. */
async function measureSandbox(
  pool: SandboxPool,
  script: CompiledScript,
  concurrency: number,
): Promise<Measurement> {
  return measure(concurrency, 3_000, 10_000, async () => {
    const { result } = await runScript({ pool, script, inputs });
    if (!result.ok)
      throw new Error(`benchmark script failed: ${result.error.message}`);
  });
}

/** Starts one subprocess per run, `concurrency` at a time. */
async function measureProcess(
  command: string,
  args: string[],
  concurrency: number,
): Promise<Measurement> {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? tmpdir(),
    DENO_NO_UPDATE_CHECK: "1",
    DENO_NO_PROMPT: "1",
    DENO_DIR: path.join(tmpdir(), "triggerx-bench-deno"),
    NO_COLOR: "1",
  };

  return measure(concurrency, 8_000, 60, () => spawn(command, args, env));
}

function spawn(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env }, (error, stdout) => {
      if (error) return reject(error);
      if (!stdout.includes("shouldExecute"))
        return reject(new Error(`no output from ${command}`));
      resolve();
    });
  });
}

/**
 * Calls `once` from `concurrency` loops until `budgetMs` has passed or
 * `maxRuns` runs are done, and measures each call.
 */
async function measure(
  concurrency: number,
  budgetMs: number,
  maxRuns: number,
  once: () => Promise<void>,
): Promise<Measurement> {
  const latencies: number[] = [];
  const started = performance.now();
  const loop = async () => {
    while (
      performance.now() - started < budgetMs &&
      latencies.length < maxRuns
    ) {
      const t = performance.now();
      await once();
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));

  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    runs: latencies.length,
    runsPerSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

/** Mean time of a replay and of the original run of the viem script. */
async function measureReplay(pool: SandboxPool): Promise<string> {
  const script = await compileScript(VIEM, "bench.ts", { resolveDir: root });
  const runs: number[] = [];
  const replays: number[] = [];
  for (let i = 0; i < 200; i++) {
    let t = performance.now();
    const { record } = await runScript({ pool, script, inputs });
    runs.push(performance.now() - t);

    t = performance.now();
    const report = await replayRecord(record, { pool });
    replays.push(performance.now() - t);
    if (!report.ok)
      throw new Error(`replay diverged: ${report.divergence?.message}`);
  }

  const run = mean(runs);
  const replay = mean(replays);
  return [
    "replay of the viem calldata script (sequential, 200 of each)",
    `  original run: ${run.toFixed(2)} ms mean, replay: ${replay.toFixed(2)} ms mean, replay / run: ${(replay / run).toFixed(2)}`,
  ].join("\n");
}

function row(label: string, m: Measurement): string {
  return `  ${label.padEnd(34)} ${m.runsPerSecond.toFixed(1).padStart(8)} runs/s  p50 ${m.p50Ms.toFixed(2).padStart(8)} ms  p99 ${m.p99Ms.toFixed(2).padStart(8)} ms  (${m.runs} runs)`;
}

function ratio(a: Measurement, b: Measurement): string {
  return (a.runsPerSecond / b.runsPerSecond).toFixed(1);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return (
    sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ??
    Number.NaN
  );
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

void main();
