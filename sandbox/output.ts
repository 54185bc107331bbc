import { type Address, getAddress, type Hex } from "viem";
import { TriggerxError } from "../errors/base";
import type { Limits } from "./types";

/**
 * Validation of what a script hands back: the JSON object printed as the
 * last line of standard output, or returned by a default-exported function.
 * Bad output becomes a `TriggerxError` with a specific code, never a crash
 * and never a storage change; the error names the field and, for a limit,
 * the limit and its value.
 */

/** The limits an output is checked against (a subset of {@link Limits}). */
export type OutputLimits = Pick<
  Limits,
  "maxOutputBytes" | "maxStorageKeys" | "maxValueBytes" | "maxStorageBytes"
>;

/** Key to new value; `null` deletes the key. */
export type StorageUpdates = Record<string, string | null>;

/** A validated, normalised script output. */
export interface ScriptOutput {
  shouldExecute: boolean;
  /**
   * EIP-55 checksummed target when `shouldExecute` is true; `null` otherwise
   * (a target given with `shouldExecute: false` has no effect and is dropped).
   */
  targetContract: Address | null;
  /** Lower-case calldata when `shouldExecute` is true; `null` otherwise. */
  calldata: Hex | null;
  /** The updates, keys sorted; `{}` when the script gave none. */
  storageUpdates: StorageUpdates;
  /**
   * Whatever the script said about itself; informational only. Self-reported
   * `apiCalls` and `contractCalls` are dropped: the transcript records the
   * real I/O.
   */
  metadata: Record<string, unknown> | null;
}

/**
 * Storage keys become environment variable names (`TRIGGERX_STORAGE_<key>`),
 * so they are limited to ASCII letters, digits and `_`.
 */
export const STORAGE_KEY_PATTERN = /^[A-Za-z0-9_]+$/;

const UNTRUSTED_METADATA = ["apiCalls", "contractCalls"];

/**
 * Validates a script's output and normalises it (see {@link ScriptOutput}).
 * `storageBefore` is the snapshot the run read; the storage limits apply to
 * the storage as it would be after the updates.
 *
 * Unknown top-level fields are ignored.
 *
 * @throws TriggerxError `OUTPUT_NOT_OBJECT`, `OUTPUT_INVALID_SHOULD_EXECUTE`,
 *   `OUTPUT_INVALID_ADDRESS`, `OUTPUT_INVALID_CALLDATA`,
 *   `OUTPUT_INVALID_STORAGE_UPDATES`, `OUTPUT_INVALID_STORAGE_KEY`,
 *   `OUTPUT_INVALID_STORAGE_VALUE`, `OUTPUT_INVALID_METADATA`,
 *   `LIMIT_OUTPUT_BYTES`, `LIMIT_STORAGE_KEYS`, `LIMIT_STORAGE_VALUE`,
 *   `LIMIT_STORAGE_TOTAL`.
 */
export function parseScriptOutput(
  raw: unknown,
  limits: OutputLimits,
  storageBefore: Record<string, string>,
): ScriptOutput {
  if (!isPlainObject(raw)) {
    throw outputError(
      "OUTPUT_NOT_OBJECT",
      `script output must be a JSON object, got ${describe(raw)}`,
    );
  }
  checkOutputBytes(raw, limits);

  const { shouldExecute } = raw;
  if (typeof shouldExecute !== "boolean") {
    throw outputError(
      "OUTPUT_INVALID_SHOULD_EXECUTE",
      `output.shouldExecute must be a boolean, got ${describe(shouldExecute)}`,
    );
  }

  const storageUpdates = parseStorageUpdates(raw.storageUpdates, limits);
  checkStorageAfter(storageBefore, storageUpdates, limits);

  return {
    shouldExecute,
    targetContract: shouldExecute ? parseAddress(raw.targetContract) : null,
    calldata: shouldExecute ? parseCalldata(raw.calldata) : null,
    storageUpdates,
    metadata: parseMetadata(raw.metadata),
  };
}

/**
 * Reads the output from a script's standard output: the last line that is
 * not blank, parsed as JSON, then {@link parseScriptOutput}.
 *
 * @throws TriggerxError `OUTPUT_MISSING`, `OUTPUT_NOT_JSON`, and everything
 *   {@link parseScriptOutput} throws.
 */
export function parseScriptOutputLine(
  stdout: string,
  limits: OutputLimits,
  storageBefore: Record<string, string>,
): ScriptOutput {
  const line = stdout
    .split("\n")
    .map((text) => text.trim())
    .findLast((text) => text !== "");
  if (line === undefined) {
    throw outputError(
      "OUTPUT_MISSING",
      "the script printed no output line to standard output",
    );
  }
  if (utf8Bytes(line) > limits.maxOutputBytes) {
    throw outputBytesError(utf8Bytes(line), limits);
  }

  return parseScriptOutput(parseJson(line), limits, storageBefore);
}

/**
 * The storage after a run: `before` with each update applied, a `null`
 * deleting its key. Pure; keys of the result are sorted.
 *
 * @example
 * applyStorageUpdates({ a: "1", b: "2" }, { a: null, c: "3" })
 * // { b: "2", c: "3" }
 */
export function applyStorageUpdates(
  before: Record<string, string>,
  updates: StorageUpdates,
): Record<string, string> {
  const after = new Map(Object.entries(before));
  for (const [key, value] of Object.entries(updates)) {
    if (value === null) after.delete(key);
    else after.set(key, value);
  }

  // fromEntries defines own properties, so a key named `__proto__` stays an
  // ordinary key instead of replacing the prototype.
  return Object.fromEntries([...after].sort(([a], [b]) => compare(a, b)));
}

/** Bytes a storage occupies: the UTF-8 bytes of every key and value. */
export function storageBytes(storage: Record<string, string>): number {
  let total = 0;
  for (const [key, value] of Object.entries(storage)) {
    total += utf8Bytes(key) + utf8Bytes(value);
  }
  return total;
}

function checkOutputBytes(raw: object, limits: OutputLimits): void {
  let text: string;
  try {
    text = JSON.stringify(raw);
  } catch (cause) {
    throw outputError(
      "OUTPUT_NOT_JSON",
      "script output cannot be serialised as JSON",
      { cause },
    );
  }

  const bytes = utf8Bytes(text);
  if (bytes > limits.maxOutputBytes) throw outputBytesError(bytes, limits);
}

function parseAddress(value: unknown): Address {
  const field = "output.targetContract";
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw outputError(
      "OUTPUT_INVALID_ADDRESS",
      `${field} must be 0x and 40 hex digits when shouldExecute is true, got ${describe(value)}`,
    );
  }

  // EIP-55: all-lower and all-upper hex carry no checksum; mixed case must
  // be the checksum, or the address was mistyped.
  const checksummed = getAddress(value.toLowerCase());
  const digits = value.slice(2);
  const uniform =
    digits === digits.toLowerCase() || digits === digits.toUpperCase();
  if (!uniform && value !== checksummed) {
    throw outputError(
      "OUTPUT_INVALID_ADDRESS",
      `${field} ${value} has a wrong EIP-55 checksum`,
      { details: [`the checksummed form is ${checksummed}`] },
    );
  }

  return checksummed;
}

function parseCalldata(value: unknown): Hex {
  const field = "output.calldata";
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]*$/.test(value)) {
    throw outputError(
      "OUTPUT_INVALID_CALLDATA",
      `${field} must be 0x-prefixed hex when shouldExecute is true, got ${describe(value)}`,
    );
  }
  if (value.length % 2 !== 0) {
    throw outputError(
      "OUTPUT_INVALID_CALLDATA",
      `${field} has an odd number of hex digits`,
    );
  }

  const bytes = (value.length - 2) / 2;
  if (bytes < 4) {
    throw outputError(
      "OUTPUT_INVALID_CALLDATA",
      `${field} must hold at least a 4-byte function selector, got ${bytes} bytes`,
    );
  }

  return value.toLowerCase() as Hex;
}

function parseStorageUpdates(
  value: unknown,
  limits: OutputLimits,
): StorageUpdates {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    throw outputError(
      "OUTPUT_INVALID_STORAGE_UPDATES",
      `output.storageUpdates must be an object of strings and nulls, got ${describe(value)}`,
    );
  }

  const entries = Object.entries(value).sort(([a], [b]) => compare(a, b));
  for (const [key, update] of entries) checkUpdate(key, update, limits);

  return Object.fromEntries(entries) as StorageUpdates;
}

function checkUpdate(key: string, value: unknown, limits: OutputLimits) {
  if (!STORAGE_KEY_PATTERN.test(key)) {
    throw outputError(
      "OUTPUT_INVALID_STORAGE_KEY",
      `output.storageUpdates key ${JSON.stringify(key)} may use only letters, digits and _`,
      { details: ["keys become environment variables TRIGGERX_STORAGE_<key>"] },
    );
  }

  const field = `output.storageUpdates.${key}`;
  if (value !== null && typeof value !== "string") {
    throw outputError(
      "OUTPUT_INVALID_STORAGE_VALUE",
      `${field} must be a string or null, got ${describe(value)}`,
    );
  }

  const bytes = value === null ? 0 : utf8Bytes(value);
  if (bytes > limits.maxValueBytes) {
    throw outputError(
      "LIMIT_STORAGE_VALUE",
      `${field} is ${bytes} bytes, over the limit maxValueBytes = ${limits.maxValueBytes}`,
    );
  }
}

function checkStorageAfter(
  before: Record<string, string>,
  updates: StorageUpdates,
  limits: OutputLimits,
): void {
  // A run that changes nothing cannot make the storage worse, so a storage
  // that exceeds limits lowered after it was written keeps working.
  if (Object.keys(updates).length === 0) return;

  const after = applyStorageUpdates(before, updates);
  const keys = Object.keys(after).length;
  if (keys > limits.maxStorageKeys) {
    throw outputError(
      "LIMIT_STORAGE_KEYS",
      `storage would hold ${keys} keys after the updates, over the limit maxStorageKeys = ${limits.maxStorageKeys}`,
    );
  }

  const bytes = storageBytes(after);
  if (bytes > limits.maxStorageBytes) {
    throw outputError(
      "LIMIT_STORAGE_TOTAL",
      `storage would hold ${bytes} bytes after the updates, over the limit maxStorageBytes = ${limits.maxStorageBytes}`,
      { details: ["every key and value counts, as UTF-8 bytes"] },
    );
  }
}

function parseMetadata(value: unknown): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) {
    throw outputError(
      "OUTPUT_INVALID_METADATA",
      `output.metadata must be an object, got ${describe(value)}`,
    );
  }

  return Object.fromEntries(
    Object.entries(value).filter(([key]) => !UNTRUSTED_METADATA.includes(key)),
  );
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (cause) {
    // The parser's own message differs between engine versions, and error
    // messages land in records, so it stays in `cause` only.
    throw outputError(
      "OUTPUT_NOT_JSON",
      "the last line of standard output is not valid JSON",
      { cause },
    );
  }
}

function outputBytesError(bytes: number, limits: OutputLimits) {
  return outputError(
    "LIMIT_OUTPUT_BYTES",
    `script output is ${bytes} bytes, over the limit maxOutputBytes = ${limits.maxOutputBytes}`,
  );
}

function outputError(
  code: string,
  message: string,
  options: { details?: readonly string[]; cause?: unknown } = {},
): TriggerxError {
  return new TriggerxError(code, message, { ...options, retryable: false });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short description for messages: "a number", "an array", `"0x12"`. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return quote(value);
  const type = typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function quote(text: string): string {
  return text.length > 48
    ? `${JSON.stringify(text.slice(0, 45))}…`
    : JSON.stringify(text);
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
