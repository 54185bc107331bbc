import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freshKeyspace } from "../../setup/cassandra";

const bin = path.resolve(__dirname, "../../../bin/triggerx.js");

let child: ChildProcess | undefined;
let dataDir: string;

beforeAll(async () => {
  const cassandra = await freshKeyspace("cli_api_test");
  await cassandra.shutdown();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "triggerx-cli-api-"));
});

afterAll(() => {
  if (child?.pid !== undefined && child.exitCode === null)
    child.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves with the first stdout line that matches, or the exit. */
function firstLine(process: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    process.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const line = seen.split("\n").find((text) => pattern.test(text));
      if (line !== undefined) resolve(line);
    });
    process.once("exit", (code) =>
      reject(new Error(`exited with ${code}: ${seen}`)),
    );
  });
}

describe("triggerx api", () => {
  it("serves the API alone on the port it is given, and stops on SIGTERM", async () => {
    const port = await freePort();
    child = spawn(
      process.execPath,
      [
        bin,
        "api",
        "--port",
        String(port),
        "--keyspace",
        "cli_api_test",
        "--data-dir",
        dataDir,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );

    const line = await firstLine(child, /listening/);
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);

    expect(line).toBe(`API listening on http://127.0.0.1:${port}`);
    expect(await health.json()).toEqual({
      status: "ok",
      cassandra: "ok",
      temporal: "ok",
    });

    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("refuses a bad --allow-net entry as misuse", async () => {
    const run = spawn(process.execPath, [bin, "api", "--allow-net", "nope"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    run.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });

    const code = await new Promise((resolve) => run.once("exit", resolve));

    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toMatchInlineSnapshot(
      `"error: option '--allow-net <host:port>' argument 'nope' is invalid. invalid --allow-net entry "nope""`,
    );
  });
});
