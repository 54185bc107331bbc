import type { Logger } from "pino";
import pino from "pino";

export type { Logger };

/**
 * Creates the process logger. Messages are constant text; data goes in
 * fields, errors under `err`. The level comes from `TRIGGERX_LOG_LEVEL`
 * (default `info`; tests default to `silent`).
 *
 * Secret values never reach a logger: fields named like credentials are
 * redacted as a second line of defence behind the runtime's own scrubbing.
 */
export function createLogger(name: string): Logger {
  const fallback = process.env.JEST_WORKER_ID ? "silent" : "info";

  return pino({
    name,
    level: process.env.TRIGGERX_LOG_LEVEL ?? fallback,
    redact: {
      paths: ["*.secret", "*.secrets", "*.privateKey", "*.password"],
      censor: "<redacted>",
    },
  });
}
