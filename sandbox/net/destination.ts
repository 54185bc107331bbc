import { lookup as systemLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { scrubUrl, TriggerxError } from "../../errors/base";
import { createLogger } from "../../logging/logger";
import { type AddressClass, classifyAddress } from "./address";
import {
  formatAllowEntry,
  type LookupAddress,
  type LookupFunction,
} from "./policy";

/** What a destination is checked against. */
export interface DestinationPolicy {
  /** Normalised `host:port` entries (see `formatAllowEntry`). */
  allowed: ReadonlySet<string>;
  lookup: LookupFunction;
}

const logger = createLogger("net");

/**
 * Decides whether a request may go to `url`, and to which address. Only
 * http and https are allowed. The host is resolved (an address literal is
 * taken as it is); every address it resolves to must be public, or allowed
 * by `address:port`, unless the `host:port` itself is allowed. A resolver
 * that mixes a public and a private answer is therefore refused.
 *
 * Returns the address to connect to, so the connection reaches exactly what
 * was checked. `details` are added to a refusal (the redirect that led here).
 *
 * @throws TriggerxError `NET_SCHEME_REFUSED`, `NET_DNS_FAILED`,
 *   `NET_ADDRESS_REFUSED`.
 */
export async function checkDestination(
  url: URL,
  policy: DestinationPolicy,
  details: readonly string[] = [],
): Promise<LookupAddress> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TriggerxError(
      "NET_SCHEME_REFUSED",
      `request to ${scrubUrl(url.href)} refused: only http and https are allowed`,
      { details },
    );
  }

  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  const entry = formatAllowEntry({ host, port });
  const addresses = await resolve(host, policy.lookup);
  if (policy.allowed.has(entry)) return addresses[0];

  for (const { address } of addresses) {
    const kind = classifyAddress(address);
    const byAddress = formatAllowEntry({ host: address, port });
    if (kind === "public" || policy.allowed.has(byAddress)) continue;

    logger.debug({ host, port, address, kind }, "outbound request refused");
    throw refused(entry, host, address, kind, details);
  }

  return addresses[0];
}

/** The system resolver, every address in the order it gives them. */
export async function systemResolver(
  hostname: string,
): Promise<LookupAddress[]> {
  const answers = await systemLookup(hostname, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));
}

async function resolve(
  host: string,
  lookup: LookupFunction,
): Promise<[LookupAddress, ...LookupAddress[]]> {
  const family = isIP(host);
  if (family === 4 || family === 6) return [{ address: host, family }];

  let addresses: LookupAddress[];
  try {
    addresses = await lookup(host);
  } catch (cause) {
    throw dnsFailed(host, cause);
  }

  const [first, ...rest] = addresses;
  if (first === undefined) throw dnsFailed(host, "no addresses");
  return [first, ...rest];
}

function refused(
  entry: string,
  host: string,
  address: string,
  kind: AddressClass,
  details: readonly string[],
): TriggerxError {
  const article = /^[aeiou]/.test(kind) ? "an" : "a";
  const what =
    host === address
      ? `${article} ${kind} address`
      : `${host} resolves to ${address}, ${article} ${kind} address`;

  return new TriggerxError(
    "NET_ADDRESS_REFUSED",
    `request to ${entry} refused: ${what} (allow it with --allow-net ${entry})`,
    { details },
  );
}

function dnsFailed(host: string, cause: unknown): TriggerxError {
  return new TriggerxError("NET_DNS_FAILED", `could not resolve ${host}`, {
    retryable: true,
    cause,
  });
}
