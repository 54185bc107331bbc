import { isIP } from "node:net";
import { TriggerxError } from "../../errors/base";

/**
 * Who a script may reach besides the public internet. Scripts reach public
 * addresses freely; a loopback, private, link-local, metadata or other
 * non-public destination only when an operator allows its exact
 * `host:port` (the `--allow-net` option).
 */

/** One resolved address, as `dns.lookup` with `all: true` gives it. */
export interface LookupAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves a host name to every address it has. The default is the
 * system resolver (`dns.promises.lookup`); tests inject their own so that
 * no query leaves the machine.
 */
export type LookupFunction = (hostname: string) => Promise<LookupAddress[]>;

/** The outbound network policy of one run. */
export interface NetPolicy {
  /**
   * `host:port` entries a script may reach even when they are not public,
   * such as `localhost:8545` or `[::1]:8080`. See {@link parseAllowEntry}.
   */
  allow: readonly string[];
  /** Resolver to use instead of the system's. */
  lookup?: LookupFunction;
}

/** A parsed allow entry: host normalised as URLs normalise it. */
export interface AllowEntry {
  /** Lower-case host name, dotted-quad IPv4, or IPv6 without brackets. */
  host: string;
  port: number;
}

/**
 * Parses one `--allow-net` entry. The host is normalised the way a URL's
 * host is (lower case, IPv6 compressed), so `[0:0::1]:80` allows what
 * `http://[::1]:80/` asks for.
 *
 * @example
 * parseAllowEntry("LocalHost:8545") // { host: "localhost", port: 8545 }
 * parseAllowEntry("[::1]:8080")     // { host: "::1", port: 8080 }
 * @throws TriggerxError `NET_INVALID_ALLOW_ENTRY`
 */
export function parseAllowEntry(entry: string): AllowEntry {
  const match = /^(\[[^\]]*\]|[^:[\]/@?#\s]+):([0-9]{1,5})$/.exec(entry);
  const port = Number(match?.[2]);
  const host = match?.[1] && normalizeHost(match[1]);
  if (!host || !(port >= 1 && port <= 65535)) {
    throw new TriggerxError(
      "NET_INVALID_ALLOW_ENTRY",
      `invalid --allow-net entry ${JSON.stringify(entry)}`,
      {
        details: [
          "expected host:port, like api.example.com:443, 127.0.0.1:8545 or [::1]:8080",
        ],
      },
    );
  }

  return { host, port };
}

/** The text form of an entry: `host:port`, IPv6 hosts in brackets. */
export function formatAllowEntry(entry: AllowEntry): string {
  const host = isIP(entry.host) === 6 ? `[${entry.host}]` : entry.host;
  return `${host}:${entry.port}`;
}

/**
 * Normalises a host as the WHATWG URL parser does (so `0x7f.1` becomes
 * `127.0.0.1`), without brackets; `undefined` when it is not a valid host.
 */
function normalizeHost(host: string): string | undefined {
  try {
    const { hostname } = new URL(`http://${host}/`);
    return hostname.replace(/^\[(.*)\]$/, "$1") || undefined;
  } catch {
    return undefined;
  }
}
