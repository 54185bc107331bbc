import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** A service's command line and where its log and pid go. */
export type DetachedCommand = {
  command: string;
  argv: readonly string[];
  logPath: string;
  pidPath: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
};

/**
 * Starts a long-running service process detached from this one, so it
 * outlives the `triggerx services up` that started it. Standard output and
 * error go to `logPath` (appended); the pid goes to `pidPath`.
 */
export function spawnDetached(args: DetachedCommand): number {
  mkdirSync(path.dirname(args.logPath), { recursive: true });
  mkdirSync(path.dirname(args.pidPath), { recursive: true });
  const log = openSync(args.logPath, "a");

  try {
    const child = spawn(args.command, args.argv, {
      cwd: args.cwd,
      env: args.env ?? process.env,
      detached: true,
      stdio: ["ignore", log, log],
    });
    if (child.pid === undefined) {
      throw new Error(`could not start ${args.command}`);
    }
    child.unref();
    writeFileSync(args.pidPath, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** The pid in a pid file, if the file exists and the process is alive. */
export function livePid(pidPath: string): number | undefined {
  if (!existsSync(pidPath)) return undefined;

  const pid = Number(readFileSync(pidPath, "utf8").trim());
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
}

/** Whether a process exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }

  const status = readProcStatus(pid);
  return status === undefined || !/^State:\s+Z/m.test(status);
}

/**
 * Stops a process group politely (SIGTERM), then forcefully (SIGKILL) after
 * `graceMs`. Resolves once the process is gone.
 */
export async function stopProcess(
  pid: number,
  graceMs = 20_000,
): Promise<"stopped" | "killed"> {
  signal(pid, "SIGTERM");
  if (await waitUntil(() => !isAlive(pid), graceMs, 100)) return "stopped";

  signal(pid, "SIGKILL");
  await waitUntil(() => !isAlive(pid), 5_000, 50);
  return "killed";
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    // The service was started detached, so it leads its own process group;
    // signalling the group also stops any helper it forked.
    process.kill(-pid, name);
  } catch {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone.
    }
  }
}

/** Removes a pid file, ignoring a missing one. */
export function clearPid(pidPath: string): void {
  rmSync(pidPath, { force: true });
}

/** Resident memory of a process in bytes, from /proc (Linux only). */
export function residentBytes(pid: number): number | undefined {
  const match = readProcStatus(pid)?.match(/^VmRSS:\s+(\d+)\s+kB/m);
  return match?.[1] ? Number(match[1]) * 1024 : undefined;
}

function readProcStatus(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
}

/** Whether something accepts TCP connections on a loopback port. */
export function isPortListening(port: number, host = "127.0.0.1") {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Polls `check` every `intervalMs` until it returns true or `timeoutMs`
 * passes. A check that throws counts as not yet.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;

  while (Date.now() < deadline) {
    try {
      if (await check()) return true;
    } catch {
      // Not ready yet.
    }
    await sleep(intervalMs);
  }
  return false;
}

/** The last `lines` lines of a log file, for failure messages. */
export function tailFile(file: string, lines = 20): string[] {
  if (!existsSync(file)) return [];

  const size = statSync(file).size;
  const text = readFileSync(file, "utf8").slice(Math.max(0, size - 16_384));
  return text.trimEnd().split("\n").slice(-lines);
}
