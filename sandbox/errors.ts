import { TriggerxError } from "../errors/base";

/**
 * The errors a run can end with, by code. Limit errors name the limit and
 * its value; none of them is retryable, because a run is a pure function of
 * its inputs and trips the same limit again, except the wall clock.
 */
export const SANDBOX_ERROR_CODES = [
  "LIMIT_FUEL",
  "LIMIT_MEMORY",
  "LIMIT_STACK",
  "LIMIT_REQUESTS",
  "LIMIT_RESPONSE_BYTES",
  "LIMIT_OUTPUT_BYTES",
  "LIMIT_WALL_TIME",
  "SCRIPT_ERROR",
  "SCRIPT_UNSETTLED",
  "SCRIPT_COMPILE_FAILED",
  "OUTPUT_MISSING",
  "OUTPUT_NOT_JSON",
  "REPLAY_DIVERGED",
  "SANDBOX_CRASHED",
] as const;

/** A code from {@link SANDBOX_ERROR_CODES}. */
export type SandboxErrorCode = (typeof SANDBOX_ERROR_CODES)[number];

/**
 * A limit the script went over. The message has one shape for every limit:
 * `script exceeded its fuel limit of 50000000`.
 */
export function limitExceeded(
  code: SandboxErrorCode,
  what: string,
  value: number,
  details: readonly string[] = [],
): TriggerxError {
  return new TriggerxError(
    code,
    `script exceeded its ${what} limit of ${value}`,
    {
      details,
      retryable: code === "LIMIT_WALL_TIME",
    },
  );
}

/** The script threw, or rejected, and nothing caught it. */
export function scriptFailed(
  name: string,
  message: string,
  stack: string,
): TriggerxError {
  const details = stack
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);

  return new TriggerxError("SCRIPT_ERROR", `script threw ${name}: ${message}`, {
    details,
  });
}

/**
 * A replay asked for something other than the record holds. `index` is the
 * position of the exchange in the transcript (the order in which the
 * original run observed responses).
 */
export function replayDiverged(
  index: number,
  message: string,
  details: readonly string[] = [],
): TriggerxError & { index: number } {
  const error = new TriggerxError(
    "REPLAY_DIVERGED",
    `replay diverged at request #${index}: ${message}`,
    { details },
  );

  return Object.assign(error, { index });
}
