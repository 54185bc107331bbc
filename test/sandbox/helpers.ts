import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { compileScript } from "../../sandbox/compile";
import type { SandboxPool } from "../../sandbox/pool";
import { type RunRequest, runScript } from "../../sandbox/runtime";
import type { RunInputs } from "../../sandbox/types";

/** Inputs of a run, with every field a test does not care about filled in. */
export function inputs(overrides: Partial<RunInputs> = {}): RunInputs {
  return {
    jobId: "7",
    taskId: "70",
    executionId: "exec-0001",
    timestamp: 1_700_000_000,
    chainId: "31337",
    storage: {},
    secrets: {},
    ...overrides,
  };
}

/** Compiles `source` and runs it once in `pool`. */
export async function run(
  pool: SandboxPool,
  source: string,
  options: Partial<Omit<RunRequest, "pool" | "script">> & {
    filename?: string;
  } = {},
) {
  const { filename = "script.ts", ...rest } = options;
  const script = await compileScript(source, filename);
  return runScript({ pool, script, inputs: inputs(rest.inputs), ...rest });
}

/** A handler for a loopback test server. */
export type Handler = (
  request: http.IncomingMessage,
  body: string,
  response: http.ServerResponse,
) => void;

/** An HTTP server on a loopback address, with the requests it received. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` (or `http://[::1]:<port>`). */
  url: string;
  /** `host:port`, as the allow list takes it. */
  hostPort: string;
  port: number;
  received: Array<{ method: string; url: string; body: string }>;
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 (or ::1) on a free port. Tests talk only
 * to servers like this one.
 */
export async function startServer(
  handler: Handler,
  host: "127.0.0.1" | "::1" = "127.0.0.1",
): Promise<LoopbackServer> {
  const received: LoopbackServer["received"] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({
        method: request.method ?? "",
        url: request.url ?? "",
        body,
      });
      handler(request, body, response);
    });
  });
  server.listen(0, host);
  await once(server, "listening");

  const { port } = server.address() as AddressInfo;
  const shown = host === "::1" ? "[::1]" : host;
  return {
    url: `http://${shown}:${port}`,
    hostPort: `${shown}:${port}`,
    port,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Replies with JSON. */
export function json(response: http.ServerResponse, value: unknown): void {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify(value));
}
