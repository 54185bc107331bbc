/**
 * How many job workflows one machine sustains. For each job count it
 * starts a whole local network (Temporal, Cassandra, anvil, API, the
 * orchestrator and two keepers in this process), creates that many jobs of
 * a trivial script that never sends a transaction, lets them run for a
 * measured window and reports, from the execution rows:
 * - lag: from a run's `next_execution_time` to the start of its execution
 *   activity on a keeper (p50, p99);
 * - completion: from that start to the run's row being written;
 * - runs per second completed end to end.
 *
 * Usage: npm run bench:network -- [--jobs 1000,10000] [--interval 10]
 *        [--seconds 60]
 * Everything listens on 127.0.0.1; the run stops by itself.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { ApiClient } from "../api/client";
import type { LocalNetwork } from "../network/local";
import { startLocalNetwork } from "../network/local";
import { scriptHash } from "../records/hashes";
import { resolveServiceConfig } from "../services/config";
import { servicesUp } from "../services/manager";
import { silentProgress } from "../services/progress";
import { createCassandraClient } from "../store/client";
import type { Job } from "../store/jobs";
import { insertJob } from "../store/jobs";
import { jobWorkflowId, startJobWorkflow } from "../workflows/client";

const TRIVIAL_SCRIPT = `console.log(JSON.stringify({
  shouldExecute: false,
  metadata: { timestamp: Date.now(), reason: "bench" },
}));
`;

type Options = { jobs: number[]; interval: number; seconds: number };

function parseArgs(argv: string[]): Options {
  const value = (name: string, fallback: string) => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? (argv[index + 1] ?? fallback) : fallback;
  };
  return {
    jobs: value("jobs", "1000,10000").split(",").map(Number),
    interval: Number(value("interval", "10")),
    seconds: Number(value("seconds", "60")),
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const services = resolveServiceConfig();
  await servicesUp(services, silentProgress);
  const results = [];

  for (const count of options.jobs) {
    results.push(await benchmark(services, count, options));
  }

  process.stdout.write(
    "\njobs   interval  runs/s  expected/s  lag p50   lag p99   run p50   run p99\n",
  );
  for (const r of results) {
    process.stdout.write(
      `${String(r.jobs).padEnd(7)}${`${options.interval}s`.padEnd(10)}${r.runsPerSecond.toFixed(1).padEnd(8)}${(r.jobs / options.interval).toFixed(1).padEnd(12)}${ms(r.lag.p50)}${ms(r.lag.p99)}${ms(r.run.p50)}${ms(r.run.p99)}\n`,
    );
  }
  const first = results[0];
  if (first) {
    process.stdout.write(
      `\nsustained/expected ratio at ${first.jobs} jobs: ${(first.runsPerSecond / (first.jobs / options.interval)).toFixed(2)}\n`,
    );
  }
}

async function benchmark(
  services: ReturnType<typeof resolveServiceConfig>,
  count: number,
  options: Options,
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "triggerx-bench-"));
  const keyspace = `bench_network_${count}`;
  await dropKeyspace(keyspace);
  const network = await startLocalNetwork({
    services: { ...services, dataDir: dir },
    keyspace,
    apiPort: 0,
    chainPort: 0,
    queuePrefix: `bench-${randomUUID().slice(0, 8)}`,
    minIntervalSeconds: 1,
    // Keepers are separate operators: each in its own process, as deployed,
    // so they do not share the orchestrator's and the API's event loop.
    keeperProcesses: true,
  });

  try {
    log(`${count} jobs: creating`);
    const began = Date.now();
    const firstRunAt = await createJobs(network, count, options.interval);
    log(
      `${count} jobs: created in ${((Date.now() - began) / 1000).toFixed(1)}s`,
    );

    // Measure only after every job has had its first run scheduled.
    const windowStart = firstRunAt + options.interval * 1000;
    const windowEnd = windowStart + options.seconds * 1000;
    await sleepUntil(windowEnd + 2_000);
    const rows = await readRuns(network, windowStart, windowEnd);

    return {
      jobs: count,
      runsPerSecond: rows.length / options.seconds,
      lag: percentiles(rows.map((row) => row.started - row.scheduled)),
      run: percentiles(rows.map((row) => row.written - row.started)),
    };
  } finally {
    log(`${count} jobs: stopping`);
    await terminate(network, count);
    await network.stop();
    await dropKeyspace(keyspace);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Stores the jobs and starts their workflows, first runs spread evenly
 * over one interval. The jobs skip the API's per-job script fetch and
 * compile (measured by the API's own tests), not its storage or workflow.
 */
async function createJobs(
  network: LocalNetwork,
  count: number,
  interval: number,
): Promise<number> {
  const owner = privateKeyToAccount(network.ownerKey);
  const upload = await new ApiClient(network.apiUrl, owner).uploadScript(
    TRIVIAL_SCRIPT,
  );
  const firstRunAt = Date.now() + 30_000 + count * 5;
  const now = new Date();

  for (let start = 0; start < count; start += 50) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 50); i++) {
      const job: Job = {
        jobId: BigInt(1_000_000 + i),
        taskDefinitionId: 7,
        userAddress: owner.address,
        jobTitle: `bench ${i}`,
        recurring: true,
        scriptUrl: upload.url,
        scriptCid: upload.cid,
        scriptLanguage: "javascript",
        scriptHash: scriptHash(TRIVIAL_SCRIPT),
        timeInterval: interval,
        timeFrame: 3600,
        nextExecutionTime: new Date(
          firstRunAt + Math.floor((i / count) * interval * 1000),
        ),
        maxExecutionTime: 30,
        challengePeriod: 3600,
        expirationTime: null,
        lastExecutedAt: null,
        status: "active",
        createdChainId: String(network.chain.chainId),
        etherBalance: 0n,
        tokenBalance: 0n,
        limits: {},
        workflowId: jobWorkflowId(BigInt(1_000_000 + i)),
        createdAt: now,
      };
      batch.push(
        insertJob(network.cassandra, job).then(() =>
          startJobWorkflow(network.temporal, job, {
            taskQueue: network.orchestratorQueue,
          }),
        ),
      );
    }
    await Promise.all(batch);
  }
  return firstRunAt;
}

async function readRuns(network: LocalNetwork, from: number, to: number) {
  const rows: Array<{ scheduled: number; started: number; written: number }> =
    [];
  let pageState: string | undefined;
  do {
    const page = await network.cassandra.execute(
      "SELECT scheduled_time, actual_time, created_at FROM custom_script_executions",
      [],
      { prepare: true, fetchSize: 5_000, ...(pageState ? { pageState } : {}) },
    );
    for (const row of page.rows) {
      const scheduled = (row.scheduled_time as Date).getTime();
      if (scheduled < from || scheduled >= to) continue;

      rows.push({
        scheduled,
        started: (row.actual_time as Date).getTime(),
        written: (row.created_at as Date).getTime(),
      });
    }
    pageState = page.pageState ?? undefined;
  } while (pageState);
  return rows;
}

async function terminate(network: LocalNetwork, count: number) {
  for (let start = 0; start < count; start += 50) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 50); i++) {
      const handle = network.temporal.workflow.getHandle(
        jobWorkflowId(BigInt(1_000_000 + i)),
      );
      batch.push(handle.terminate("benchmark over").catch(() => undefined));
    }
    await Promise.all(batch);
  }
}

async function dropKeyspace(keyspace: string) {
  const admin = createCassandraClient();
  try {
    await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  } finally {
    await admin.shutdown();
  }
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0
      ? Number.NaN
      : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ??
        Number.NaN);
  return { p50: at(0.5), p99: at(0.99) };
}

function ms(value: number): string {
  return `${Number.isNaN(value) ? "-" : value.toFixed(0)} ms`.padEnd(10);
}

function sleepUntil(time: number) {
  return new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, time - Date.now())),
  );
}

function log(message: string) {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
