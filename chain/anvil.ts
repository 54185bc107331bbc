import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type Hex, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { TriggerxError } from "../errors/base";
import { createLogger } from "../logging/logger";

/**
 * A local anvil chain for development and tests, run from the binary that
 * the `@foundry-rs/anvil` npm package installs. It listens on loopback only.
 */

/** The mnemonic anvil derives its dev accounts from unless told otherwise. */
export const ANVIL_MNEMONIC =
  "test test test test test test test test test test test junk";

export type StartAnvilOptions = {
  /** Port to listen on; a free one is chosen when left out. */
  port?: number;
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /**
   * Loads the chain from this file when it exists and writes the chain back
   * on `stop()`, so contracts and balances survive a restart.
   */
  stateFile?: string;
  /** Default 31337. */
  chainId?: number;
  /** Seconds between blocks; by default a block is mined per transaction. */
  blockTime?: number;
  /** Default `ANVIL_MNEMONIC`. */
  mnemonic?: string;
  /** Number of funded dev accounts; default 10. */
  accountCount?: number;
  /** Appends anvil's own output to this file; otherwise it is dropped. */
  logFile?: string;
  /** How long to wait for the first answer to `eth_chainId`; default 30 s. */
  startTimeoutMs?: number;
};

export type AnvilAccount = { address: Hex; privateKey: Hex };

export type AnvilChain = {
  rpcUrl: string;
  chainId: number;
  /** The funded dev accounts, in derivation order. */
  accounts: AnvilAccount[];
  /** Stops anvil and, with a state file, waits for it to write the state. */
  stop(): Promise<void>;
};

const log = createLogger("chain.anvil");

/**
 * Starts anvil and resolves once it answers JSON-RPC.
 *
 * @example
 * const chain = await startAnvil({ stateFile: ".data/anvil.json" });
 * // ... chain.rpcUrl, chain.accounts[0].privateKey
 * await chain.stop();
 */
export async function startAnvil(
  options: StartAnvilOptions = {},
): Promise<AnvilChain> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await findFreePort(host));
  await assertPortFree(host, port);

  const chainId = options.chainId ?? 31337;
  const mnemonic = options.mnemonic ?? ANVIL_MNEMONIC;
  const accountCount = options.accountCount ?? 10;
  const args = anvilArgs({
    ...options,
    host,
    port,
    chainId,
    mnemonic,
    accountCount,
  });

  const child = spawn(anvilBinaryPath(), args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = captureOutput(child, options.logFile);
  const rpcUrl = `http://${host}:${port}`;
  log.info({ rpcUrl, anvilPid: child.pid }, "anvil starting");

  // An anvil outliving the process that started it would hold its port.
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));

  await waitUntilAnswering(rpcUrl, child, output, options.startTimeoutMs);

  return {
    rpcUrl,
    chainId,
    accounts: deriveAccounts(mnemonic, accountCount),
    stop: async () => {
      await stopChild(child);
      await output.closed;
    },
  };
}

/** Where the anvil binary of this platform's npm package is. */
export function anvilBinaryPath(): string {
  const override = process.env.TRIGGERX_ANVIL_BIN;
  if (override) return override;

  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    const manifest = require.resolve(`${pkg}/package.json`);
    const exe = process.platform === "win32" ? "anvil.exe" : "anvil";
    return manifest.replace(/package\.json$/, `bin/${exe}`);
  } catch (cause) {
    throw new TriggerxError("CHAIN_ANVIL_MISSING", "No anvil binary.", {
      details: [
        `${pkg} is not installed; run npm install, or set TRIGGERX_ANVIL_BIN.`,
      ],
      cause,
    });
  }
}

function anvilArgs(
  options: StartAnvilOptions & {
    host: string;
    port: number;
    chainId: number;
    mnemonic: string;
    accountCount: number;
  },
): string[] {
  const args = ["--host", options.host, "--port", String(options.port)];
  args.push("--chain-id", String(options.chainId));
  args.push("--mnemonic", options.mnemonic);
  args.push("--accounts", String(options.accountCount));

  if (options.blockTime !== undefined) {
    args.push("--block-time", String(options.blockTime));
  }
  if (options.stateFile !== undefined) {
    args.push("--state", options.stateFile);
  }
  return args;
}

function deriveAccounts(mnemonic: string, count: number): AnvilAccount[] {
  return Array.from({ length: count }, (_, addressIndex) => {
    const account = mnemonicToAccount(mnemonic, { addressIndex });
    const key = account.getHdKey().privateKey;
    if (!key) throw new Error("HD key without a private key");
    return { address: account.address, privateKey: toHex(key) };
  });
}

/**
 * Keeps the last lines of anvil's output for error messages; `closed`
 * settles once the log file (if any) has everything anvil wrote.
 */
type OutputTail = { lines: string[]; closed: Promise<void> };

function captureOutput(child: ChildProcess, logFile?: string): OutputTail {
  const lines: string[] = [];
  const file = logFile ? createWriteStream(logFile, { flags: "a" }) : null;
  const closed = file
    ? new Promise<void>((resolve) => file.once("close", resolve))
    : Promise.resolve();

  const onData = (chunk: Buffer) => {
    file?.write(chunk);
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 20));
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  // "close", not "exit": only then have both pipes delivered their last data.
  child.once("close", () => file?.end());
  return { lines, closed };
}

async function waitUntilAnswering(
  rpcUrl: string,
  child: ChildProcess,
  output: OutputTail,
  timeoutMs = 30_000,
): Promise<void> {
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;

  while (Date.now() < deadline) {
    if (exited) throw startFailed("anvil exited while starting.", output);
    if (await answersChainId(rpcUrl)) return;
    await sleep(50);
  }

  await stopChild(child);
  throw startFailed(`anvil did not answer within ${timeoutMs} ms.`, output);
}

async function answersChainId(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_chainId",
        params: [],
      }),
    });
    const body = (await response.json()) as { result?: string };
    return typeof body.result === "string";
  } catch {
    return false;
  }
}

function startFailed(message: string, output: OutputTail): TriggerxError {
  return new TriggerxError("CHAIN_START_FAILED", message, {
    details: output.lines.slice(-5),
    retryable: true,
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;

  const exited = new Promise<void>((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  // anvil writes its state file on SIGTERM; SIGKILL only if it hangs.
  const forced = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(forced);
  log.info({ anvilPid: child.pid }, "anvil stopped");
}

async function assertPortFree(host: string, port: number): Promise<void> {
  const server = createServer();
  const taken = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(true));
    server.listen(port, host, () => resolve(false));
  });
  if (!taken) {
    await closeServer(server);
    return;
  }

  throw new TriggerxError("CHAIN_PORT_TAKEN", "The anvil port is taken.", {
    details: [
      `Something already listens on ${host}:${port}.`,
      "Stop it, or start anvil on another port.",
    ],
  });
}

async function findFreePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await closeServer(server);
  if (address === null || typeof address === "string") {
    throw new Error("listening socket without a port");
  }
  return address.port;
}

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
