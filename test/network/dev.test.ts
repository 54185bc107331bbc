import type { ChildProcess } from "node:child_process";
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client, Connection } from "@temporalio/client";
import { createPublicClient, http } from "viem";
import { priceTargetAbi } from "../../contracts/artifacts/PriceTarget";
import { createCassandraClient } from "../../store/client";
import { jobWorkflowId } from "../../workflows/client";
import { eventually } from "./harness";

// Starts the whole network twice as a user would; tens of seconds.
jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin/triggerx.js");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function triggerx(args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("triggerx dev", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "triggerx-dev-"));
  const keyspace = "test_network_dev";
  let args: string[];
  let dev: ChildProcess | undefined;
  let jobId: string | undefined;

  beforeAll(async () => {
    args = [
      BIN,
      "dev",
      "--data-dir",
      dataDir,
      "--port",
      String(await freePort()),
      "--chain-port",
      String(await freePort()),
      "--keyspace",
      keyspace,
      "--queue-prefix",
      `dev-${randomUUID().slice(0, 8)}`,
      "--min-interval",
      "1",
    ];
    const admin = createCassandraClient();
    await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await admin.shutdown();
  });

  afterAll(async () => {
    if (dev && dev.exitCode === null) dev.kill("SIGKILL");
    if (jobId) await terminateJob(jobId);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<{ gateway: string; target: string }> {
    dev = spawn(process.execPath, args, { cwd: ROOT, stdio: "pipe" });
    let output = "";
    dev.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    dev.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    await eventually(
      async () => output,
      (text) =>
        text.includes("The network is running") || dev?.exitCode !== null,
      180_000,
    );
    expect(output).toContain("The network is running");
    return JSON.parse(readFileSync(path.join(dataDir, "dev.json"), "utf8"))
      .contracts;
  }

  async function stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) =>
      dev?.once("exit", (code) => resolve(code)),
    );
    dev?.kill("SIGINT");
    return exited;
  }

  const count = async () => {
    const show = triggerx([
      "job",
      "show",
      String(jobId),
      "--json",
      "--data-dir",
      dataDir,
    ]);
    return Number(JSON.parse(show.stdout).storage.values.count ?? 0);
  };

  it("runs jobs created with the job commands and no flags but the data folder", async () => {
    const { target } = await start();
    const { rpcUrl } = JSON.parse(
      readFileSync(path.join(dataDir, "dev.json"), "utf8"),
    );

    const created = triggerx([
      "job",
      "create",
      "examples/counter.ts",
      "--interval",
      "1",
      "--storage",
      `target=${target}`,
      "--storage",
      "every=2",
      "--data-dir",
      dataDir,
      "--json",
    ]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    jobId = JSON.parse(created.stdout).job_id;

    await eventually(count, (value) => value >= 2, 60_000);
    // Every second run pings the example target through the gateway.
    const client = createPublicClient({ transport: http(rpcUrl) });
    const pings = () =>
      client.readContract({
        address: target as `0x${string}`,
        abi: priceTargetAbi,
        functionName: "pingCount",
      });
    await eventually(pings, (value) => value >= 1n, 60_000);
  });

  it("stops cleanly on Ctrl-C and resumes the same jobs and chain when started again", async () => {
    expect(await stop()).toBe(0);
    const before = await count().catch(() => 0);

    const contracts = JSON.parse(
      readFileSync(path.join(dataDir, "dev.json"), "utf8"),
    ).contracts;
    const again = await start();
    expect(again.gateway).toBe(contracts.gateway);

    await eventually(count, (value) => value >= before + 2, 60_000);
    expect(await stop()).toBe(0);
  });
});

async function terminateJob(jobId: string) {
  const connection = await Connection.connect({
    address: process.env.TRIGGERX_TEMPORAL_ADDRESS ?? "127.0.0.1:7233",
  });
  try {
    await new Client({ connection }).workflow
      .getHandle(jobWorkflowId(BigInt(jobId)))
      .terminate("test over")
      .catch(() => undefined);
  } finally {
    await connection.close();
  }
}
