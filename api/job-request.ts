import { type Address, getAddress } from "viem";
import { parseContentUrl } from "../content/fetch";
import { isTriggerxError } from "../errors/base";
import { STORAGE_KEY_PATTERN, storageBytes } from "../sandbox/output";
import { DEFAULT_LIMITS, type Limits } from "../sandbox/types";
import type { FieldError } from "./errors";
import { invalidFields } from "./errors";

/**
 * Validation of a `POST /api/jobs` body: an array of jobs in the shape job
 * owners already send (see docs/api.md), or the same array under `"jobs"`.
 * Every invalid field is reported at once, by path, such as
 * `jobs[0].time_interval`. Fields the network does not use
 * (`job_cost_prediction`, `timezone`, `is_safe`, ...) are ignored.
 */

/** A job request whose fields passed validation. */
export interface JobRequest {
  /** Position in the request, for field paths. */
  index: number;
  /** The id the owner asked for; one is generated when absent. */
  jobId: bigint | undefined;
  userAddress: Address;
  jobTitle: string;
  language: "typescript" | "javascript" | "go";
  scriptUrl: string;
  timeInterval: number;
  timeFrame: number;
  recurring: boolean;
  createdChainId: string;
  etherBalance: bigint;
  tokenBalance: bigint;
  initialStorage: Record<string, string>;
  maxExecutionTime: number;
  challengePeriod: number;
}

/** The network's bounds that job requests are checked against. */
export interface JobBounds {
  minIntervalSeconds: number;
  maxIntervalSeconds: number;
}

/** Custom script jobs are task definition 7. */
export const CUSTOM_TASK_DEFINITION_ID = 7;
/** Default wall-clock deadline of one run, seconds. */
export const DEFAULT_MAX_EXECUTION_TIME = 30;
/** The network's largest wall-clock deadline of one run, seconds. */
export const MAX_EXECUTION_TIME = 300;
/** Default challenge window of a run, seconds. */
export const DEFAULT_CHALLENGE_PERIOD = 3600;
/** Longest challenge window, seconds (30 days). */
export const MAX_CHALLENGE_PERIOD = 30 * 24 * 3600;
/** Jobs one request may create. */
export const MAX_JOBS_PER_REQUEST = 50;

const LANGUAGES = ["typescript", "javascript", "go"] as const;
const MAX_JOB_ID = 2n ** 63n - 1n;
const MAX_TITLE_LENGTH = 200;

/**
 * Parses and validates a create-jobs body.
 *
 * @throws ApiError 400 `VALIDATION_FAILED` with one entry per invalid field.
 */
export function parseJobRequests(
  body: unknown,
  bounds: JobBounds,
): JobRequest[] {
  const items = jobArray(body);
  const errors: FieldError[] = [];
  const jobs = items.map((item, index) =>
    parseJob(item, index, bounds, errors),
  );
  checkDuplicateIds(jobs, errors);

  if (errors.length > 0) throw invalidFields(errors);
  return jobs;
}

function jobArray(body: unknown): unknown[] {
  const items =
    isObject(body) && !Array.isArray(body) && "jobs" in body ? body.jobs : body;
  if (!Array.isArray(items)) {
    throw invalidFields([
      {
        path: "jobs",
        message: 'the body must be an array of jobs, or { "jobs": [...] }',
      },
    ]);
  }
  if (items.length === 0 || items.length > MAX_JOBS_PER_REQUEST) {
    throw invalidFields([
      {
        path: "jobs",
        message: `must hold from 1 to ${MAX_JOBS_PER_REQUEST} jobs`,
      },
    ]);
  }
  return items;
}

function parseJob(
  item: unknown,
  index: number,
  bounds: JobBounds,
  errors: FieldError[],
): JobRequest {
  const prefix = `jobs[${index}]`;
  const job = isObject(item) ? item : {};
  if (!isObject(item) || Array.isArray(item)) {
    errors.push({ path: prefix, message: "must be an object" });
  }
  const check = fieldChecker(job, prefix, errors);

  check("task_definition_id", (value) =>
    value === CUSTOM_TASK_DEFINITION_ID
      ? undefined
      : "must be 7 (a custom script job)",
  );
  check("custom", (value) =>
    value === true ? undefined : "must be true for a custom script job",
  );
  // TODO(api): take secrets encrypted to the network's key once keepers
  // can decrypt them; until then a job that needs them is refused rather
  // than run without them.
  check("secrets", (value) =>
    value === undefined || value === null
      ? undefined
      : "secrets are not supported by this network yet",
  );

  return {
    index,
    jobId: check("job_id", optionalJobId, undefined),
    userAddress: check("user_address", address, "0x" as Address),
    jobTitle: check("job_title", title, ""),
    language: check("language", language, "typescript"),
    scriptUrl: check("dynamic_arguments_script_url", scriptUrl, ""),
    timeInterval: check("time_interval", interval(bounds), 0),
    timeFrame: check("time_frame", positiveSeconds, 0),
    recurring: check("recurring", boolean, true),
    createdChainId: check("created_chain_id", chainId, ""),
    etherBalance: check("ether_balance", balance, 0n),
    tokenBalance: check("token_balance", balance, 0n),
    initialStorage: check("initial_storage", storage(DEFAULT_LIMITS), {}),
    maxExecutionTime: check("max_execution_time", executionTime, 0),
    challengePeriod: check("challenge_period", challengePeriod, 0),
  };
}

/**
 * A field parser: the parsed value, or a message saying what is wrong.
 * `value` is `undefined` when the field is absent.
 */
type Parser<T> = (value: unknown) => { ok: T } | string | undefined;

function fieldChecker(
  job: Record<string, unknown>,
  prefix: string,
  errors: FieldError[],
) {
  return <T>(
    name: string,
    parse: Parser<T> | ((value: unknown) => string | undefined),
    fallback?: T,
  ): T => {
    const result = parse(job[name]);
    if (typeof result === "string") {
      errors.push({ path: `${prefix}.${name}`, message: result });
      return fallback as T;
    }
    return result === undefined ? (fallback as T) : (result.ok as T);
  };
}

const optionalJobId: Parser<bigint | undefined> = (value) => {
  if (value === undefined || value === null) return { ok: undefined };
  if (typeof value !== "string" || !/^[1-9][0-9]{0,18}$/.test(value)) {
    return 'must be a positive decimal string, such as "123456789"';
  }
  const id = BigInt(value);
  return id <= MAX_JOB_ID ? { ok: id } : "must fit in a signed 64-bit integer";
};

const address: Parser<Address> = (value) => {
  if (value === undefined) return "is required";
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    return "must be an address: 0x and 40 hex digits";
  }
  return { ok: getAddress(value.toLowerCase()) };
};

const title: Parser<string> = (value) => {
  if (value === undefined || value === null) return { ok: "" };
  if (typeof value !== "string") return "must be a string";
  if (value.length > MAX_TITLE_LENGTH) {
    return `must be at most ${MAX_TITLE_LENGTH} characters`;
  }
  return { ok: value };
};

const language: Parser<JobRequest["language"]> = (value) => {
  if (value === undefined) return "is required";
  const found = LANGUAGES.find((name) => name === value);
  return found ? { ok: found } : `must be one of ${LANGUAGES.join(", ")}`;
};

const scriptUrl: Parser<string> = (value) => {
  if (value === undefined || value === "") return "is required";
  if (typeof value !== "string") return "must be a URL string";
  try {
    parseContentUrl(value);
  } catch (error) {
    if (!isTriggerxError(error)) throw error;
    return error.message;
  }
  return { ok: value };
};

function interval(bounds: JobBounds): Parser<number> {
  return (value) => {
    if (value === undefined) return "is required";
    if (!Number.isSafeInteger(value))
      return "must be a whole number of seconds";
    const seconds = value as number;
    if (seconds < bounds.minIntervalSeconds) {
      return `must be at least ${bounds.minIntervalSeconds} seconds (the network minimum)`;
    }
    if (seconds > bounds.maxIntervalSeconds) {
      return `must be at most ${bounds.maxIntervalSeconds} seconds (the network maximum)`;
    }
    return { ok: seconds };
  };
}

const positiveSeconds: Parser<number> = (value) => {
  if (value === undefined) return "is required";
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    return "must be a whole number of seconds greater than 0";
  }
  return { ok: value as number };
};

const boolean: Parser<boolean> = (value) => {
  if (value === undefined) return "is required";
  return typeof value === "boolean" ? { ok: value } : "must be true or false";
};

const chainId: Parser<string> = (value) => {
  if (value === undefined) return "is required";
  if (typeof value !== "string" || !/^[1-9][0-9]{0,77}$/.test(value)) {
    return 'must be a decimal string, such as "11155111"';
  }
  return { ok: value };
};

const balance: Parser<bigint> = (value) => {
  if (value === undefined || value === null) return { ok: 0n };
  if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(value)) {
    return 'must be a decimal string of wei, such as "1000000000000000000"';
  }
  return { ok: BigInt(value) };
};

const executionTime: Parser<number> = (value) => {
  if (value === undefined || value === null) {
    return { ok: DEFAULT_MAX_EXECUTION_TIME };
  }
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    return "must be a whole number of seconds, at least 1";
  }
  if ((value as number) > MAX_EXECUTION_TIME) {
    return `must be at most ${MAX_EXECUTION_TIME} seconds (the network maximum)`;
  }
  return { ok: value as number };
};

const challengePeriod: Parser<number> = (value) => {
  if (value === undefined || value === null) {
    return { ok: DEFAULT_CHALLENGE_PERIOD };
  }
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    return "must be a whole number of seconds, at least 1";
  }
  if ((value as number) > MAX_CHALLENGE_PERIOD) {
    return `must be at most ${MAX_CHALLENGE_PERIOD} seconds (30 days)`;
  }
  return { ok: value as number };
};

/**
 * A storage object's check against the storage limits: keys are letters,
 * digits and `_` (they become environment variable names), values strings.
 */
export function storage(
  limits: Pick<Limits, "maxStorageKeys" | "maxValueBytes" | "maxStorageBytes">,
): Parser<Record<string, string>> {
  return (value) => {
    if (value === undefined || value === null) return { ok: {} };
    if (!isObject(value) || Array.isArray(value)) {
      return "must be an object of string values";
    }
    return checkStorageValues(value, limits);
  };
}

/**
 * Checks a whole storage (keys and values) against the limits; returns the
 * values, or the first problem as a message.
 */
export function checkStorageValues(
  values: Record<string, unknown>,
  limits: Pick<Limits, "maxStorageKeys" | "maxValueBytes" | "maxStorageBytes">,
): { ok: Record<string, string> } | string {
  const entries = Object.entries(values);
  for (const [key, item] of entries) {
    if (!STORAGE_KEY_PATTERN.test(key)) {
      return `key ${JSON.stringify(key)} may use only letters, digits and _`;
    }
    if (typeof item !== "string") {
      return `${key} must be a string`;
    }
    if (Buffer.byteLength(item) > limits.maxValueBytes) {
      return `${key} is over the limit maxValueBytes = ${limits.maxValueBytes}`;
    }
  }
  if (entries.length > limits.maxStorageKeys) {
    return `holds ${entries.length} keys, over the limit maxStorageKeys = ${limits.maxStorageKeys}`;
  }

  const ok = Object.fromEntries(entries) as Record<string, string>;
  const bytes = storageBytes(ok);
  if (bytes > limits.maxStorageBytes) {
    return `holds ${bytes} bytes, over the limit maxStorageBytes = ${limits.maxStorageBytes}`;
  }
  return { ok };
}

function checkDuplicateIds(jobs: JobRequest[], errors: FieldError[]): void {
  const seen = new Set<bigint>();
  for (const job of jobs) {
    if (job.jobId === undefined) continue;
    if (seen.has(job.jobId)) {
      errors.push({
        path: `jobs[${job.index}].job_id`,
        message: "appears twice in this request",
      });
    }
    seen.add(job.jobId);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
