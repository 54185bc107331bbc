import { scrubUrl, TriggerxError } from "../errors/base";
import { guardedFetch } from "../sandbox/net/http";
import type { NetPolicy } from "../sandbox/net/policy";
import { computeCid, parseCid } from "./cid";
import type { ContentStore } from "./store";

/**
 * Fetching content by URL, the way a job's script URL is resolved:
 * - `ipfs://<cid>`: the local store first, then each gateway in turn as
 *   `<gateway>/ipfs/<cid>`;
 * - `http(s)://host/ipfs/<cid>` (a gateway URL): the local store first,
 *   then that URL, then the other gateways;
 * - any other `http(s)://` URL: fetched as it is, with nothing to verify.
 *
 * Every request goes through the network guard (`guardedFetch`), so a URL
 * cannot reach a loopback or private address unless the policy allows it.
 * Bytes that came by CID are checked against it before they are returned,
 * and kept in the local store for the next reader.
 */

/** Where a URL points, once parsed. */
export type ContentLocation =
  | { kind: "cid"; cid: string; gatewayUrl: string | undefined }
  | { kind: "url"; url: string };

/** Options of {@link fetchContent}. */
export interface FetchContentOptions {
  store: ContentStore;
  /** Gateway base URLs such as `https://ipfs.io`, tried in order. */
  gateways?: readonly string[];
  netPolicy: NetPolicy;
  /** Largest content accepted, in bytes. */
  maxBytes: number;
  /** Milliseconds for each request (the guard's default when omitted). */
  timeoutMs?: number;
}

/** Bytes fetched, with the CID they have and where they came from. */
export interface FetchedContent {
  bytes: Uint8Array;
  cid: string;
  /** True when the URL named a CID and the bytes were checked against it. */
  verified: boolean;
  /** `store` or the (scrubbed) URL that answered. */
  source: string;
}

/**
 * Parses a content URL (see the module comment for the forms).
 *
 * @throws TriggerxError `CONTENT_INVALID_URL`, `CONTENT_INVALID_CID`.
 */
export function parseContentUrl(url: string): ContentLocation {
  if (url.startsWith("ipfs://")) {
    const cid = url.slice("ipfs://".length).replace(/\/$/, "");
    return { kind: "cid", cid: parseCid(cid).cid, gatewayUrl: undefined };
  }

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidUrl(url);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalidUrl(url);
  }

  const match = /^\/ipfs\/([^/]+)\/?$/.exec(parsed.pathname);
  if (match?.[1] === undefined) return { kind: "url", url };
  return { kind: "cid", cid: parseCid(match[1]).cid, gatewayUrl: url };
}

/**
 * Fetches the content a URL names.
 *
 * @example
 * const { bytes, cid } = await fetchContent("ipfs://bafkrei…", {
 *   store, netPolicy: { allow: [] }, maxBytes: 1024 * 1024,
 * });
 * @throws TriggerxError `CONTENT_NOT_FOUND` (every source failed, with one
 *   detail line per attempt), `CONTENT_CID_MISMATCH` (a source answered with
 *   other bytes and none answered with the right ones),
 *   `CONTENT_INVALID_URL`, `CONTENT_INVALID_CID`, `CONTENT_TOO_LARGE`.
 */
export async function fetchContent(
  url: string,
  options: FetchContentOptions,
): Promise<FetchedContent> {
  const location = parseContentUrl(url);
  if (location.kind === "url") return fetchPlain(location.url, options);

  return fetchByCid(location.cid, location.gatewayUrl, options);
}

async function fetchPlain(
  url: string,
  options: FetchContentOptions,
): Promise<FetchedContent> {
  const outcome = await attempt(url, options);
  if ("failure" in outcome) {
    throw new TriggerxError(
      "CONTENT_NOT_FOUND",
      `could not fetch ${scrubUrl(url)}`,
      { details: [outcome.failure], retryable: true },
    );
  }

  const { bytes } = outcome;
  return {
    bytes,
    cid: computeCid(bytes),
    verified: false,
    source: scrubUrl(url),
  };
}

async function fetchByCid(
  cid: string,
  gatewayUrl: string | undefined,
  options: FetchContentOptions,
): Promise<FetchedContent> {
  const local = await options.store.get(cid);
  if (local !== undefined && computeCid(local) === cid) {
    return { bytes: local, cid, verified: true, source: "store" };
  }

  const failures: string[] = [];
  const mismatches: string[] = [];
  for (const url of candidateUrls(cid, gatewayUrl, options.gateways ?? [])) {
    const outcome = await attempt(url, options);
    if ("failure" in outcome) {
      failures.push(outcome.failure);
      continue;
    }

    const got = computeCid(outcome.bytes);
    if (got !== cid) {
      mismatches.push(`${scrubUrl(url)} answered bytes whose CID is ${got}`);
      continue;
    }
    await options.store.put(outcome.bytes);
    return { bytes: outcome.bytes, cid, verified: true, source: scrubUrl(url) };
  }

  if (mismatches.length > 0) {
    throw new TriggerxError(
      "CONTENT_CID_MISMATCH",
      `the bytes fetched for ${cid} do not match the CID`,
      { details: [...mismatches, ...failures] },
    );
  }
  throw new TriggerxError(
    "CONTENT_NOT_FOUND",
    `no source has the content ${cid}`,
    {
      details: failures.length
        ? failures
        : ["the local store does not hold it and no gateway is configured"],
      retryable: true,
    },
  );
}

function candidateUrls(
  cid: string,
  gatewayUrl: string | undefined,
  gateways: readonly string[],
): string[] {
  const urls = gateways.map(
    (base) => `${base.replace(/\/+$/, "")}/ipfs/${cid}`,
  );
  return [...new Set(gatewayUrl ? [gatewayUrl, ...urls] : urls)];
}

/** One GET; a failure is a detail line, except for a size over the limit. */
async function attempt(
  url: string,
  options: FetchContentOptions,
): Promise<{ bytes: Uint8Array } | { failure: string }> {
  try {
    const response = await guardedFetch(
      { method: "GET", url },
      options.netPolicy,
      {
        maxResponseBytes: options.maxBytes,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      },
    );
    if (response.status < 200 || response.status > 299) {
      return { failure: `${scrubUrl(url)} answered HTTP ${response.status}` };
    }
    return { bytes: response.body };
  } catch (error) {
    if (!(error instanceof TriggerxError)) throw error;
    if (error.code === "LIMIT_RESPONSE_BYTES") {
      throw new TriggerxError(
        "CONTENT_TOO_LARGE",
        `${scrubUrl(url)} has more than ${options.maxBytes} bytes`,
        { cause: error },
      );
    }
    return { failure: `${scrubUrl(url)}: ${error.message}` };
  }
}

function invalidUrl(url: string): TriggerxError {
  return new TriggerxError(
    "CONTENT_INVALID_URL",
    `${JSON.stringify(shortUrl(url))} is not a content URL`,
    {
      details: [
        "expected ipfs://<cid>, http(s)://<gateway>/ipfs/<cid> or an http(s) URL",
      ],
    },
  );
}

function shortUrl(url: string): string {
  const scrubbed = scrubUrl(url);
  if (scrubbed !== "<invalid url>") return scrubbed;
  return url.length > 80 ? `${url.slice(0, 77)}…` : url;
}
