import { createHash } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import {
  type Address,
  getAddress,
  type Hex,
  type LocalAccount,
  recoverMessageAddress,
} from "viem";
import { ApiError } from "./errors";

/**
 * Signed requests. A client proves which address sends a request by
 * signing, with EIP-191 `personal_sign`, a message that binds the method,
 * the path with its query, the time and the body's bytes:
 *
 * ```text
 * TriggerX API request
 * POST /api/jobs/123456789/pause
 * timestamp: 1767225600
 * body-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
 * ```
 *
 * (`body-sha256` is lower-case hex without `0x`; that one is of no bytes)
 *
 * and sending three headers: `x-triggerx-address`, `x-triggerx-timestamp`
 * (unix seconds) and `x-triggerx-signature` (0x-hex, 65 bytes). The server
 * accepts a timestamp within {@link MAX_CLOCK_SKEW_SECONDS} of its clock
 * and each signature once.
 */

/** How far a request's timestamp may be from the server's clock. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** The header naming the address that signed. */
export const ADDRESS_HEADER = "x-triggerx-address";
/** The header with the signed unix seconds. */
export const TIMESTAMP_HEADER = "x-triggerx-timestamp";
/** The header with the 65-byte signature, 0x-hex. */
export const SIGNATURE_HEADER = "x-triggerx-signature";

/** What is signed: the request as the server will see it. */
export interface SignedRequestParts {
  /** HTTP method, any case; signed in upper case. */
  method: string;
  /**
   * Path with its query string, `/api/jobs?owner=0x…`; signed in the form
   * {@link canonicalPath} gives.
   */
  path: string;
  /** The body's raw bytes; a string is taken as UTF-8; none is empty. */
  body?: Uint8Array | string | undefined;
  /** Unix seconds; now when omitted. */
  timestamp?: number;
}

/** The three authentication headers. */
export type SignedHeaders = {
  "x-triggerx-address": Address;
  "x-triggerx-timestamp": string;
  "x-triggerx-signature": Hex;
};

/**
 * The exact text a client signs for a request.
 *
 * @example
 * signedMessage({ method: "get", path: "/api/x", timestamp: 1 })
 * // "TriggerX API request\nGET /api/x\ntimestamp: 1\nbody-sha256: e3b0…b855"
 */
export function signedMessage(
  parts: SignedRequestParts & { timestamp: number },
): string {
  const body =
    typeof parts.body === "string"
      ? Buffer.from(parts.body, "utf8")
      : (parts.body ?? new Uint8Array());
  const bodyHash = createHash("sha256").update(body).digest("hex");

  return [
    "TriggerX API request",
    `${parts.method.toUpperCase()} ${canonicalPath(parts.path)}`,
    `timestamp: ${parts.timestamp}`,
    `body-sha256: ${bodyHash}`,
  ].join("\n");
}

/**
 * A path and query as a WHATWG URL serializes them, which is what `fetch`
 * sends: `/a b?q='x'` becomes `/a%20b?q=%27x%27`. Client and server both
 * sign this form, so a client whose library percent-encodes differently
 * still agrees with the server. Already-encoded text is left alone.
 */
export function canonicalPath(path: string): string {
  const url = new URL(path, "http://triggerx.invalid");
  return `${url.pathname}${url.search}`;
}

/**
 * Signs a request with a local account (a private key) and returns the
 * headers to send with it. Used by the CLI, the keeper and tests.
 *
 * @example
 * const headers = await signRequest(privateKeyToAccount(key), {
 *   method: "POST", path: "/api/jobs", body: JSON.stringify(jobs),
 * });
 */
export async function signRequest(
  account: LocalAccount,
  parts: SignedRequestParts,
): Promise<SignedHeaders> {
  const timestamp = parts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = await account.signMessage({
    message: signedMessage({ ...parts, timestamp }),
  });

  return {
    [ADDRESS_HEADER]: account.address,
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signature,
  };
}

/**
 * Remembers the signatures accepted within the clock-skew window, so a
 * captured request cannot be sent again. Entries are dropped once their
 * timestamp is out of the window, when a replay would fail as expired.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** Records a signature; false when it was seen before. */
  remember(signature: string, timestamp: number, nowSeconds: number): boolean {
    this.prune(nowSeconds);
    const key = signature.toLowerCase();
    if (this.seen.has(key)) return false;

    this.seen.set(key, timestamp + MAX_CLOCK_SKEW_SECONDS);
    return true;
  }

  private prune(nowSeconds: number): void {
    for (const [key, until] of this.seen) {
      if (until < nowSeconds) this.seen.delete(key);
    }
  }
}

/** Options of {@link requireSigner}. */
export interface RequireSignerOptions {
  /** Where accepted signatures are remembered; one per app by default. */
  replays?: ReplayGuard;
  /** The clock in unix seconds; tests may move it. */
  now?: () => number;
}

/**
 * Express middleware that checks a signed request and sets
 * `res.locals.signer` to the checksummed address that signed it. The raw
 * body must be in `req.rawBody` (see the app's body parsers).
 *
 * Answers 401 `AUTH_MISSING`, `AUTH_INVALID_SIGNATURE`, `AUTH_EXPIRED` or
 * `AUTH_REPLAYED`.
 */
export function requireSigner(options: RequireSignerOptions = {}) {
  // TODO(api): share replay protection across API replicas (a Cassandra
  // table with a TTL); each replica remembers only what it accepted.
  const replays = options.replays ?? new ReplayGuard();
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  return async (req: Request, res: Response, next: NextFunction) => {
    const signer = await verifySignedRequest(req, replays, now());
    res.locals.signer = signer;
    next();
  };
}

/** The address that signed the request, set by {@link requireSigner}. */
export function signerOf(res: Response): Address {
  const signer = res.locals.signer as Address | undefined;
  if (!signer) throw new Error("requireSigner() did not run for this route");
  return signer;
}

/** Refuses the request unless `owner` is the signer (403 AUTH_NOT_OWNER). */
export function assertOwner(res: Response, owner: string, what: string): void {
  if (signerOf(res).toLowerCase() === owner.toLowerCase()) return;

  throw new ApiError(
    403,
    "AUTH_NOT_OWNER",
    `${what} belongs to ${owner}, not to the signer ${signerOf(res)}`,
  );
}

async function verifySignedRequest(
  req: Request,
  replays: ReplayGuard,
  nowSeconds: number,
): Promise<Address> {
  const address = req.get(ADDRESS_HEADER);
  const timestampText = req.get(TIMESTAMP_HEADER);
  const signature = req.get(SIGNATURE_HEADER);
  if (!address || !timestampText || !signature) {
    throw new ApiError(
      401,
      "AUTH_MISSING",
      "this request must be signed: send x-triggerx-address, x-triggerx-timestamp and x-triggerx-signature",
    );
  }

  const timestamp = parseTimestamp(timestampText);
  if (Math.abs(nowSeconds - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
    throw new ApiError(
      401,
      "AUTH_EXPIRED",
      `the request's timestamp ${timestamp} is more than ${MAX_CLOCK_SKEW_SECONDS} seconds from the server's clock (${nowSeconds})`,
    );
  }

  const signer = await recoverSigner(req, timestamp, signature);
  if (signer.toLowerCase() !== address.toLowerCase()) {
    throw invalidSignature(
      `the signature was made by ${signer}, not ${address}`,
    );
  }
  if (!replays.remember(signature, timestamp, nowSeconds)) {
    throw new ApiError(
      401,
      "AUTH_REPLAYED",
      "this signature was used before; sign each request anew (identical requests signed within one second share a signature)",
    );
  }

  return getAddress(signer);
}

async function recoverSigner(
  req: Request,
  timestamp: number,
  signature: string,
): Promise<Address> {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw invalidSignature("the signature must be 0x and 65 bytes of hex");
  }

  const message = signedMessage({
    method: req.method,
    path: req.originalUrl,
    body: (req as RawBodyRequest).rawBody,
    timestamp,
  });
  try {
    return await recoverMessageAddress({
      message,
      signature: signature as Hex,
    });
  } catch (cause) {
    throw invalidSignature("the signature cannot be recovered", cause);
  }
}

function parseTimestamp(text: string): number {
  if (/^[0-9]{1,12}$/.test(text)) return Number(text);

  throw invalidSignature("x-triggerx-timestamp must be unix seconds");
}

function invalidSignature(reason: string, cause?: unknown): ApiError {
  return new ApiError(
    401,
    "AUTH_INVALID_SIGNATURE",
    `invalid request signature: ${reason}`,
    {
      details: [
        "sign: TriggerX API request\\n<METHOD> <path?query>\\ntimestamp: <ts>\\nbody-sha256: <hex>",
      ],
      cause,
    },
  );
}

/** A request whose body parser kept the raw bytes. */
export type RawBodyRequest = Request & { rawBody?: Buffer };
