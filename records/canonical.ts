import { createHash } from "node:crypto";
import { TriggerxError } from "../errors/base";

/**
 * Serialises a JSON value in the canonical form of RFC 8785 (JSON
 * Canonicalization Scheme), so that equal values always hash equally:
 * - object keys sorted by their UTF-16 code units (RFC 8785 §3.2.3);
 * - numbers as ECMAScript's `Number.prototype.toString` writes them, `-0`
 *   as `0` (§3.2.2.3); `NaN` and infinities are refused;
 * - strings with the minimal JSON escapes (§3.2.2.2); lone surrogates are
 *   refused, as I-JSON (RFC 7493) requires;
 * - no whitespace.
 *
 * `undefined` object members are dropped, as `JSON.stringify` drops them.
 * Anything that is not a plain JSON value (`undefined` in an array, bigint,
 * functions, class instances such as `Date` or `Uint8Array`, cycles) throws
 * `CANONICAL_UNSUPPORTED_VALUE` rather than guessing an encoding.
 *
 * @example
 * canonicalJson({ b: [1e21, -0], a: "é" }) // '{"a":"é","b":[1e+21,0]}'
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, "$", new Set());
}

/**
 * SHA-256 of a string (as UTF-8) or of bytes, as `0x`-prefixed lower-case
 * hex. Every hash of a record is this function of a canonical encoding.
 *
 * @example
 * sha256Hex("") // "0xe3b0c442…b855"
 */
export function sha256Hex(data: string | Uint8Array): `0x${string}` {
  const digest = createHash("sha256").update(data).digest("hex");
  return `0x${digest}`;
}

function serialize(value: unknown, path: string, seen: Set<object>): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return serializeNumber(value, path);
  if (typeof value === "string") return serializeString(value, path);
  if (typeof value !== "object") throw unsupported(path, typeof value);

  if (seen.has(value)) throw unsupported(path, "a cycle");
  seen.add(value);
  const text = Array.isArray(value)
    ? serializeArray(value, path, seen)
    : serializeObject(value, path, seen);
  seen.delete(value);

  return text;
}

function serializeNumber(value: number, path: string): string {
  if (!Number.isFinite(value)) throw unsupported(path, String(value));

  // `String(-0)` is "0" already; ECMAScript's number-to-string is exactly the
  // algorithm RFC 8785 §3.2.2.3 prescribes.
  return String(value);
}

// In a `u` regular expression a surrogate pair is one code point, so only a
// surrogate without its partner matches.
const LONE_SURROGATE = /\p{Surrogate}/u;

function serializeString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) throw unsupported(path, "a lone surrogate");

  // For well-formed strings JSON.stringify writes the escapes of RFC 8785
  // §3.2.2.2: \b \t \n \f \r \" \\ and \u00xx (lower-case) for other
  // control characters, everything else verbatim.
  return JSON.stringify(value);
}

function serializeArray(
  value: readonly unknown[],
  path: string,
  seen: Set<object>,
): string {
  const items = value.map((item, index) => {
    const itemPath = `${path}[${index}]`;
    if (item === undefined) throw unsupported(itemPath, "undefined");
    return serialize(item, itemPath, seen);
  });

  return `[${items.join(",")}]`;
}

/**
 * A plain object, from this realm or another: Jest runs tests in a realm of
 * their own, and values a worker thread sends back are made in node's main
 * one, so comparing with this realm's `Object.prototype` is not enough.
 */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  if (proto === null) return true;

  return (
    Object.getPrototypeOf(proto) === null &&
    Object.prototype.toString.call(value) === "[object Object]" &&
    proto.constructor?.name === "Object"
  );
}

function serializeObject(value: object, path: string, seen: Set<object>) {
  if (!isPlainObject(value)) {
    throw unsupported(path, `an instance of ${value.constructor?.name}`);
  }

  const members: string[] = [];
  // Array.prototype.sort compares strings by UTF-16 code units (RFC 8785
  // §3.2.3 asks for exactly that order).
  for (const key of Object.keys(value).sort()) {
    const member: unknown = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    const memberPath = `${path}.${key}`;
    members.push(
      `${serializeString(key, memberPath)}:${serialize(member, memberPath, seen)}`,
    );
  }

  return `{${members.join(",")}}`;
}

function unsupported(path: string, what: string): TriggerxError {
  return new TriggerxError(
    "CANONICAL_UNSUPPORTED_VALUE",
    `cannot encode ${what} at ${path} as canonical JSON`,
    {
      details: [
        "canonical JSON (RFC 8785) takes null, booleans, finite numbers,",
        "well-formed strings, arrays and plain objects only",
      ],
    },
  );
}
