import { createHash } from "node:crypto";
import { TriggerxError } from "../errors/base";

/**
 * Content identifiers (CIDs) for the bytes the network stores: scripts and
 * execution records. Every CID here is the one form an IPFS node gives a
 * single raw block, so any IPFS gateway can serve it and any client can
 * check the bytes against it:
 * - CID version 1;
 * - multicodec `raw` (0x55): the bytes themselves, no UnixFS wrapping;
 * - multihash sha2-256 (0x12) with a 32-byte digest;
 * - multibase base32, lower case, no padding, prefix `b`.
 *
 * Specs: github.com/multiformats/cid, multicodec's table, unsigned-varint,
 * RFC 4648 §6 (base32).
 */

const CID_VERSION = 1;
const RAW_CODEC = 0x55;
const SHA2_256 = 0x12;
const DIGEST_BYTES = 32;
const BASE32_PREFIX = "b";
const BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** What a CID says about the bytes it names. */
export interface ParsedCid {
  /** The CID in its canonical text form (base32, lower case). */
  cid: string;
  /** SHA-256 of the bytes. */
  digest: Uint8Array;
}

/**
 * The CIDv1 (raw, sha2-256, base32) of some bytes.
 *
 * @example
 * computeCid(new TextEncoder().encode("hello"))
 * // "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"
 */
export function computeCid(bytes: Uint8Array): string {
  const digest = createHash("sha256").update(bytes).digest();
  const binary = Uint8Array.from([
    ...encodeVarint(CID_VERSION),
    ...encodeVarint(RAW_CODEC),
    ...encodeVarint(SHA2_256),
    ...encodeVarint(DIGEST_BYTES),
    ...digest,
  ]);
  return BASE32_PREFIX + encodeBase32(binary);
}

/**
 * Checks that `text` is a CID of the form {@link computeCid} makes and
 * returns the digest it carries. Upper-case base32 (`B…`) is accepted and
 * normalised, as multibase allows.
 *
 * @throws TriggerxError `CONTENT_INVALID_CID`, naming what is wrong.
 */
export function parseCid(text: string): ParsedCid {
  const cid = text.startsWith("B") ? text.toLowerCase() : text;
  if (!cid.startsWith(BASE32_PREFIX)) {
    throw invalid(text, "expected a CIDv1 in base32 (starting with b)");
  }

  const binary = decodeBase32(cid.slice(1));
  if (binary === undefined) throw invalid(text, "it is not valid base32");

  const fields = readFields(binary);
  if (fields === undefined) throw invalid(text, "it is truncated");
  const [version, codec, hash, length, offset] = fields;
  if (version !== CID_VERSION) {
    throw invalid(text, `version ${version} is not 1`);
  }
  if (codec !== RAW_CODEC) {
    throw invalid(text, `codec 0x${codec.toString(16)} is not raw (0x55)`);
  }
  if (hash !== SHA2_256 || length !== DIGEST_BYTES) {
    throw invalid(text, "its hash is not a 32-byte sha2-256 digest");
  }
  if (binary.length - offset !== DIGEST_BYTES) {
    throw invalid(text, "its digest length does not match the multihash");
  }

  return { cid, digest: binary.slice(offset) };
}

/** Whether `bytes` are the bytes that `cid` names. */
export function matchesCid(cid: string, bytes: Uint8Array): boolean {
  return computeCid(bytes) === parseCid(cid).cid;
}

/**
 * Unsigned LEB128 as multiformats' unsigned-varint spec writes it: seven
 * bits per byte, least significant group first, high bit set on every byte
 * but the last.
 */
export function encodeVarint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

/**
 * Reads one varint at `offset`; `undefined` when the bytes end first or the
 * value is longer than the spec's nine bytes.
 */
export function decodeVarint(
  bytes: Uint8Array,
  offset: number,
): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    const byte = bytes[offset + i];
    if (byte === undefined) return undefined;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, next: offset + i + 1 };
  }
  return undefined;
}

/** RFC 4648 §6 base32, lower-case alphabet, without `=` padding. */
export function encodeBase32(bytes: Uint8Array): string {
  let text = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += BASE32_ALPHABET[(buffer >> bits) & 0x1f];
    }
    buffer &= (1 << bits) - 1;
  }
  // The last group is padded with zero bits on the right (RFC 4648 §6).
  if (bits > 0) text += BASE32_ALPHABET[(buffer << (5 - bits)) & 0x1f];
  return text;
}

/**
 * Decodes unpadded lower-case base32; `undefined` for a character outside
 * the alphabet, an impossible length or non-zero padding bits.
 */
export function decodeBase32(text: string): Uint8Array | undefined {
  // 1, 3 and 6 characters of a final group cannot come from whole bytes.
  if ([1, 3, 6].includes(text.length % 8)) return undefined;

  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const index = BASE32_ALPHABET.indexOf(char);
    if (index < 0) return undefined;
    buffer = (buffer << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  if (buffer !== 0) return undefined;
  return Uint8Array.from(bytes);
}

function readFields(
  binary: Uint8Array,
): [number, number, number, number, number] | undefined {
  const values: number[] = [];
  let offset = 0;
  for (let i = 0; i < 4; i++) {
    const read = decodeVarint(binary, offset);
    if (read === undefined) return undefined;
    values.push(read.value);
    offset = read.next;
  }
  const [version, codec, hash, length] = values as [
    number,
    number,
    number,
    number,
  ];
  return [version, codec, hash, length, offset];
}

function invalid(text: string, reason: string): TriggerxError {
  const shown = text.length > 80 ? `${text.slice(0, 77)}…` : text;
  return new TriggerxError(
    "CONTENT_INVALID_CID",
    `${JSON.stringify(shown)} is not a CID this network uses: ${reason}`,
    {
      details: ["expected CIDv1, raw codec, sha2-256, base32 (bafkrei…)"],
    },
  );
}
