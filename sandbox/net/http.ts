import type { IncomingMessage } from "node:http";
import * as http from "node:http";
import * as https from "node:https";
import type { LookupFunction as NodeLookup } from "node:net";
import { scrubUrl, TriggerxError } from "../../errors/base";
import {
  type HttpHeaderList,
  normalizeHeaders,
} from "../../records/transcript";
import { checkDestination, systemResolver } from "./destination";
import {
  formatAllowEntry,
  type LookupAddress,
  type LookupFunction,
  type NetPolicy,
  parseAllowEntry,
} from "./policy";

/**
 * The one way a script's HTTP request leaves the keeper. Every destination
 * is resolved and classified before a socket opens, the connection goes to
 * exactly the address that was checked (a second DNS answer cannot swap it:
 * no DNS rebinding), every redirect hop is checked again, and the response
 * body is cut off at the run's byte limit.
 */

/** A request as a script makes it. */
export interface HttpRequest {
  method: string;
  url: string;
  headers?: HttpHeaderList | Record<string, string>;
  body?: Uint8Array | string | null;
}

/** The response after redirects. */
export interface HttpResponse {
  status: number;
  /** The URL that answered, after redirects. */
  url: string;
  /** Lower-case names, sorted; see `normalizeHeaders`. */
  headers: HttpHeaderList;
  body: Uint8Array;
}

/** Limits of one request. */
export interface FetchLimits {
  /** Bytes of the final response body. */
  maxResponseBytes: number;
  /** Milliseconds for the whole request, redirects included (10 000). */
  timeoutMs?: number;
}

/** Redirects followed before giving up, as browsers cap them too. */
export const MAX_REDIRECTS = 5;

const DEFAULT_TIMEOUT_MS = 10_000;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Methods that turn a connection into a tunnel or echo it (Fetch §2.2.1).
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);
// Fields the host sets itself, and hop-by-hop fields (RFC 9110 §7.6.1).
const HOST_HEADERS = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "proxy-connection",
  "proxy-authorization",
  // The script sees raw bytes and has no decompressor; asking for identity
  // keeps the recorded body what the script reads.
  "accept-encoding",
]);
// Fields a redirect to another origin must not carry along (Fetch §4.4).
const CREDENTIAL_HEADERS = new Set(["authorization", "cookie"]);

/**
 * Sends one HTTP(S) request under the network policy.
 *
 * @example
 * const response = await guardedFetch(
 *   { method: "GET", url: "https://api.example.com/price" },
 *   { allow: [] },
 *   { maxResponseBytes: 2 * 1024 * 1024 },
 * );
 * @throws TriggerxError `NET_INVALID_URL`, `NET_SCHEME_REFUSED`,
 *   `NET_DNS_FAILED`, `NET_ADDRESS_REFUSED`, `NET_INVALID_REQUEST`,
 *   `NET_REQUEST_FAILED`, `NET_TIMEOUT`, `NET_TOO_MANY_REDIRECTS`,
 *   `LIMIT_RESPONSE_BYTES`, `NET_INVALID_ALLOW_ENTRY`.
 */
export async function guardedFetch(
  request: HttpRequest,
  policy: NetPolicy,
  limits: FetchLimits,
): Promise<HttpResponse> {
  const allowed = new Set(
    policy.allow.map((entry) => formatAllowEntry(parseAllowEntry(entry))),
  );
  const lookup = policy.lookup ?? systemResolver;
  const controller = new AbortController();
  const timeoutMs = limits.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timer = setTimeout(() => controller.abort(), timeoutMs);

  const context = { allowed, lookup, limits, signal: controller.signal };
  const fetching = follow(request, context);
  // A resolver cannot be aborted; the race makes the deadline hold even
  // when one never answers. The loser's rejection is expected and dropped.
  fetching.catch(() => {});

  try {
    return await Promise.race([fetching, whenAborted(controller.signal)]);
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    throw new TriggerxError(
      "NET_TIMEOUT",
      `request to ${scrubUrl(request.url)} took longer than ${timeoutMs} ms`,
      { retryable: true, cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason), {
      once: true,
    });
  });
}

interface Context {
  allowed: ReadonlySet<string>;
  lookup: LookupFunction;
  limits: FetchLimits;
  signal: AbortSignal;
}

interface Hop {
  method: string;
  url: URL;
  headers: HttpHeaderList;
  body: Uint8Array | null;
}

async function follow(request: HttpRequest, context: Context) {
  let hop = firstHop(request);
  const trail: string[] = [];

  for (;;) {
    const target = await checkDestination(
      hop.url,
      context,
      redirectDetails(trail),
    );
    const response = await send(hop, target, context);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined) {
      return await readResponse(hop.url, response, context.limits);
    }

    response.destroy();
    trail.push(scrubUrl(hop.url.href));
    if (trail.length > MAX_REDIRECTS) {
      throw new TriggerxError(
        "NET_TOO_MANY_REDIRECTS",
        `request to ${trail[0]} was redirected more than ${MAX_REDIRECTS} times`,
        { details: trail.map((url) => `via ${url}`) },
      );
    }
    hop = redirectedHop(hop, response.statusCode ?? 0, location);
  }
}

function firstHop(request: HttpRequest): Hop {
  const method = request.method.toUpperCase();
  if (FORBIDDEN_METHODS.has(method)) {
    throw new TriggerxError(
      "NET_INVALID_REQUEST",
      `request method ${method} is not allowed`,
    );
  }
  const body =
    typeof request.body === "string"
      ? new TextEncoder().encode(request.body)
      : (request.body ?? null);

  return {
    method,
    url: parseUrl(request.url),
    headers: normalizeHeaders(request.headers ?? []),
    body,
  };
}

/** The next request after a redirect, as the Fetch standard builds it. */
function redirectedHop(hop: Hop, status: number, location: string): Hop {
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch (cause) {
    throw new TriggerxError(
      "NET_INVALID_URL",
      `${scrubUrl(hop.url.href)} redirected to an invalid URL`,
      { cause },
    );
  }

  const toGet =
    (status === 303 && hop.method !== "HEAD") ||
    ((status === 301 || status === 302) && hop.method === "POST");
  const sameOrigin = url.origin === hop.url.origin;
  const headers = hop.headers.filter(
    ([name]) =>
      (sameOrigin || !CREDENTIAL_HEADERS.has(name)) &&
      (!toGet || !name.startsWith("content-")),
  );

  return {
    method: toGet ? "GET" : hop.method,
    url,
    headers,
    body: toGet ? null : hop.body,
  };
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new TriggerxError(
      "NET_INVALID_URL",
      `${JSON.stringify(scrubUrl(text))} is not a valid URL`,
      { cause },
    );
  }

  return url;
}

/** Opens the connection to the checked address and sends the request. */
function send(
  hop: Hop,
  target: LookupAddress,
  context: Context,
): Promise<IncomingMessage> {
  const { url } = hop;
  const client = url.protocol === "https:" ? https : http;
  const headers = hop.headers.filter(([name]) => !HOST_HEADERS.has(name));
  if (hop.body !== null) {
    headers.push(["content-length", String(hop.body.byteLength)]);
  }

  return new Promise((resolve, reject) => {
    try {
      const request = client.request({
        method: hop.method,
        hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: url.port,
        path: `${url.pathname}${url.search}`,
        headers: headerObject(headers),
        agent: false,
        signal: context.signal,
        lookup: pinnedLookup(target),
        family: target.family,
      });
      request.once("response", resolve);
      request.once("error", (cause) => reject(requestFailed(url, cause)));
      request.end(hop.body ?? undefined);
    } catch (cause) {
      // Node validates header names and values before any socket opens.
      reject(
        new TriggerxError(
          "NET_INVALID_REQUEST",
          `request to ${scrubUrl(url.href)} is malformed`,
          { cause },
        ),
      );
    }
  });
}

/**
 * A `lookup` for `net.connect` that answers with the address already
 * checked, whatever the name: the socket cannot reach anything else.
 */
function pinnedLookup(target: LookupAddress): NodeLookup {
  return (_hostname, options, callback) => {
    if (options.all) {
      callback(null, [target]);
      return;
    }
    callback(null, target.address, target.family);
  };
}

/** Reads the body up to the byte limit. */
function readResponse(
  url: URL,
  response: IncomingMessage,
  limits: FetchLimits,
): Promise<HttpResponse> {
  const max = limits.maxResponseBytes;
  const declared = Number(response.headers["content-length"]);
  if (declared > max) {
    response.destroy();
    return Promise.reject(tooLarge(url, max));
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    response.on("data", (chunk: Buffer) => {
      received += chunk.byteLength;
      if (received > max) {
        response.destroy();
        reject(tooLarge(url, max));
        return;
      }
      chunks.push(chunk);
    });
    response.once("error", (cause) => reject(requestFailed(url, cause)));
    // A connection cut mid-body ends the stream without "end"; a promise
    // that is settled already ignores this.
    response.once("close", () => {
      if (!response.complete) reject(requestFailed(url, "connection closed"));
    });
    response.once("end", () =>
      resolve({
        status: response.statusCode ?? 0,
        url: url.href,
        headers: headerPairs(response.rawHeaders),
        body: new Uint8Array(Buffer.concat(chunks)),
      }),
    );
  });
}

/** Node sends an array value as repeated fields, in order. */
function headerObject(list: HttpHeaderList): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of list) {
    if (!Object.hasOwn(headers, name)) {
      Object.defineProperty(headers, name, {
        value: [],
        enumerable: true,
        writable: true,
      });
    }
    headers[name]?.push(value);
  }
  return headers;
}

function headerPairs(raw: readonly string[]): HttpHeaderList {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    pairs.push([raw[i] as string, raw[i + 1] as string]);
  }
  return normalizeHeaders(pairs);
}

function redirectDetails(trail: readonly string[]): string[] {
  const last = trail.at(-1);
  if (last === undefined) return [];
  return [
    `after a redirect from ${last} (hop ${trail.length} of at most ${MAX_REDIRECTS})`,
  ];
}

function requestFailed(url: URL, cause: unknown): TriggerxError {
  if (cause instanceof TriggerxError) return cause;
  return new TriggerxError(
    "NET_REQUEST_FAILED",
    `request to ${scrubUrl(url.href)} failed`,
    { retryable: true, cause },
  );
}

function tooLarge(url: URL, max: number): TriggerxError {
  return new TriggerxError(
    "LIMIT_RESPONSE_BYTES",
    `response from ${scrubUrl(url.href)} is over the limit maxResponseBytes = ${max}`,
  );
}
