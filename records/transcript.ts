/**
 * The transcript of a run: every HTTP exchange the script made through the
 * host, in the order it made them. A replay serves these responses instead
 * of touching the network, so the transcript is the run's whole view of the
 * outside world. Its responses are the performer's claim; chain reads in it
 * are checkable against any archive node at `pinnedBlock`.
 *
 * Nothing in a transcript may hold a secret value: whatever is written into
 * one passes through {@link redactExchange} first.
 */

/**
 * Header fields as `[name, value]` pairs: names lower-cased, pairs sorted by
 * name, repeated fields kept in the order they were sent (a list, not a map,
 * so that `set-cookie` and friends survive). See {@link normalizeHeaders}.
 */
export type HttpHeaderList = Array<[name: string, value: string]>;

/** A body: UTF-8 text when it decodes as such, base64 otherwise. */
export type HttpBody = { text: string } | { base64: string };

/** A request as the script made it (URL as given, before redirects). */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: HttpHeaderList;
  body: HttpBody | null;
}

/** The response the script received, after any redirects. */
export interface RecordedResponse {
  status: number;
  /** The final URL, after redirects; scripts can read it. */
  url: string;
  headers: HttpHeaderList;
  bodyBase64: string;
}

/** A request that got no response: refused, timed out, over a limit. */
export interface RecordedError {
  code: string;
  message: string;
}

/** One request and what came of it; `index` counts from 0 in call order. */
export type HttpExchange = {
  index: number;
  request: RecordedRequest;
} & ({ response: RecordedResponse } | { error: RecordedError });

/** All the external I/O of one run. */
export interface Transcript {
  /** Decimal block number every chain read of the run was pinned to. */
  pinnedBlock?: string;
  exchanges: HttpExchange[];
}

/**
 * Lower-cases header names and sorts the pairs by name; the sort is stable,
 * so repeated fields keep their relative order.
 *
 * @example
 * normalizeHeaders({ "X-B": "1", Accept: "*\/*" })
 * // [["accept", "*\/*"], ["x-b", "1"]]
 */
export function normalizeHeaders(
  headers: Iterable<readonly [string, string]> | Record<string, string>,
): HttpHeaderList {
  const pairs: Iterable<readonly [string, string]> =
    Symbol.iterator in headers ? headers : Object.entries(headers);
  const list: HttpHeaderList = [];
  for (const [name, value] of pairs) list.push([name.toLowerCase(), value]);

  return list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The text that stands for secret `name` in records and replays. */
export function secretPlaceholder(name: string): string {
  return `<secret:${name}>`;
}

/**
 * The secrets a replay runs with: every name mapped to its placeholder, so a
 * script that copies a secret into a request produces the recorded request.
 */
export function placeholderSecrets(
  names: Iterable<string>,
): Record<string, string> {
  return Object.fromEntries(
    [...names].map((name) => [name, secretPlaceholder(name)]),
  );
}

/**
 * Replaces every secret value in `value` with `<secret:NAME>`.
 *
 * One left-to-right pass; at each position the longest matching secret wins,
 * and placeholders are never scanned again, so one secret that contains
 * another is redacted whole. A secret's URL-encoded form
 * (`encodeURIComponent`) is redacted too, to the URL-encoded placeholder —
 * exactly what a replay produces when the script encodes its placeholder.
 * Empty secret values are ignored. Other encodings (base64 in a Basic
 * authorization header, hashes) are not recognised.
 *
 * @example
 * redactSecrets("key=abc&k2=abcd", { A: "abc", B: "abcd" })
 * // "key=<secret:A>&k2=<secret:B>"
 */
export function redactSecrets(
  value: string,
  secrets: Record<string, string>,
): string {
  return replaceAll(
    value,
    redactionTable(secrets, (text) => text),
  );
}

/**
 * {@link redactSecrets} for bytes: finds the UTF-8 bytes of each secret (and
 * of its URL-encoded form), so binary bodies are covered as well as text.
 */
export function redactSecretsInBytes(
  bytes: Uint8Array,
  secrets: Record<string, string>,
): Uint8Array {
  // Latin-1 maps each byte to one code unit and back, so a string search on
  // it is a byte search.
  const asLatin1 = (text: string) =>
    Buffer.from(text, "utf8").toString("latin1");
  const table = redactionTable(secrets, asLatin1);
  if (table.size === 0) return bytes;

  const redacted = replaceAll(Buffer.from(bytes).toString("latin1"), table);
  return new Uint8Array(Buffer.from(redacted, "latin1"));
}

/** Redacts every place of an exchange that a secret could reach. */
export function redactExchange(
  exchange: HttpExchange,
  secrets: Record<string, string>,
): HttpExchange {
  const text = (value: string) => redactSecrets(value, secrets);
  const headers = (list: HttpHeaderList): HttpHeaderList =>
    list.map(([name, value]) => [name, text(value)]);
  const { request } = exchange;
  const redactedRequest: RecordedRequest = {
    method: request.method,
    url: text(request.url),
    headers: headers(request.headers),
    body: request.body && redactBody(request.body, secrets),
  };

  if ("error" in exchange) {
    const { code, message } = exchange.error;
    return {
      index: exchange.index,
      request: redactedRequest,
      error: { code, message: text(message) },
    };
  }

  const { response } = exchange;
  return {
    index: exchange.index,
    request: redactedRequest,
    response: {
      status: response.status,
      url: text(response.url),
      headers: headers(response.headers),
      bodyBase64: redactBase64(response.bodyBase64, secrets),
    },
  };
}

function redactBody(body: HttpBody, secrets: Record<string, string>) {
  if ("text" in body) return { text: redactSecrets(body.text, secrets) };
  return { base64: redactBase64(body.base64, secrets) };
}

function redactBase64(base64: string, secrets: Record<string, string>) {
  const bytes = Buffer.from(base64, "base64");
  return Buffer.from(redactSecretsInBytes(bytes, secrets)).toString("base64");
}

/**
 * Maps each searchable form of each secret to its replacement, both passed
 * through `encode`. Forms are found raw and URL-encoded.
 */
function redactionTable(
  secrets: Record<string, string>,
  encode: (text: string) => string,
): Map<string, string> {
  const table = new Map<string, string>();
  // Sorted by name so that two secrets with one value redact the same way
  // on every host.
  for (const name of Object.keys(secrets).sort()) {
    const secret = secrets[name];
    if (!secret) continue;
    const placeholder = secretPlaceholder(name);
    for (const [form, replacement] of [
      [secret, placeholder],
      [uriEncoded(secret), uriEncoded(placeholder)],
    ] as const) {
      if (form && !table.has(encode(form))) {
        table.set(encode(form), encode(replacement ?? placeholder));
      }
    }
  }

  return table;
}

function uriEncoded(text: string): string | undefined {
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone surrogate has no URL encoding, so nothing can carry it encoded.
    return undefined;
  }
}

function replaceAll(value: string, table: Map<string, string>): string {
  if (table.size === 0) return value;

  // Alternatives of a regular expression are tried in order, so listing the
  // longest first makes the longest match win at each position.
  const forms = [...table.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(forms.map(escapeRegExp).join("|"), "g");

  return value.replace(pattern, (match) => table.get(match) ?? match);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
