import { TriggerxError } from "../../errors/base";

/**
 * What kind of destination an IP address is, for the outbound HTTP guard.
 * Only `public` addresses are reachable by scripts unless an operator allows
 * a host explicitly:
 * - `loopback`: the keeper itself (127.0.0.0/8, ::1);
 * - `private`: RFC 1918, unique-local fc00::/7, site-local fec0::/10,
 *   local-use NAT64 64:ff9b:1::/48;
 * - `link-local`: 169.254.0.0/16, fe80::/10;
 * - `cgnat`: shared address space 100.64.0.0/10 (RFC 6598);
 * - `metadata`: cloud instance metadata endpoints (169.254.169.254,
 *   169.254.170.2, 100.100.100.200, fd00:ec2::254);
 * - `unspecified`: 0.0.0.0/8 and :: (Linux routes 0.0.0.0 to the host);
 * - `multicast`: 224.0.0.0/4, ff00::/8;
 * - `reserved`: documentation, benchmarking, broadcast, future use,
 *   Teredo, deprecated IPv4-compatible forms and anything unallocated.
 */
export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "cgnat"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "reserved";

type Range<T> = readonly [prefix: T, length: number, kind: AddressClass];

// Most specific first: the first range that contains an address decides.
const IPV4_RANGES: readonly Range<bigint>[] = ranges(v4, [
  ["169.254.169.254", 32, "metadata"],
  ["169.254.170.2", 32, "metadata"],
  ["100.100.100.200", 32, "metadata"],
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "cgnat"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "reserved"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["198.51.100.0", 24, "reserved"],
  ["203.0.113.0", 24, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
]);

// IPv6 forms that carry an IPv4 address in their low 32 bits (or, for 6to4,
// in bits 16 to 48) are classified by that address: a 6to4 or NAT64 address
// of 127.0.0.1 reaches the keeper as surely as 127.0.0.1 does.
const IPV6_RANGES: readonly Range<bigint>[] = ranges(v6, [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["fd00:ec2::254", 128, "metadata"],
  ["64:ff9b:1::", 48, "private"],
  ["100::", 64, "reserved"],
  ["2001::", 23, "reserved"],
  ["2001:db8::", 32, "reserved"],
  ["3fff::", 20, "reserved"],
  ["fc00::", 7, "private"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "private"],
  ["ff00::", 8, "multicast"],
  ["2000::", 3, "public"],
]);

const EMBEDDED_IPV4: readonly [
  prefix: bigint,
  length: number,
  shift: bigint,
][] = (
  [
    ["::ffff:0:0", 96, 0n],
    ["64:ff9b::", 96, 0n],
    ["2002::", 16, 80n],
  ] as const
).map(([prefix, length, shift]) => [v6(prefix), length, shift]);

/**
 * Classifies an IPv4 or IPv6 address (brackets and a zone index such as
 * `%eth0` are allowed). Pure: no DNS, no sockets.
 *
 * @example
 * classifyAddress("169.254.169.254") // "metadata"
 * classifyAddress("::ffff:10.0.0.1") // "private"
 * classifyAddress("2606:4700::1111") // "public"
 * @throws TriggerxError `NET_INVALID_ADDRESS` when `ip` is not an address.
 */
export function classifyAddress(ip: string): AddressClass {
  const bare = ip.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  const v4 = parseIpv4(bare);
  if (v4 !== null) return classifyIpv4(v4);

  const v6 = parseIpv6(bare);
  if (v6 !== null) return classifyIpv6(v6);

  throw new TriggerxError(
    "NET_INVALID_ADDRESS",
    `${JSON.stringify(ip)} is not an IP address`,
  );
}

function classifyIpv4(address: number): AddressClass {
  for (const [prefix, length, kind] of IPV4_RANGES) {
    if (inRange(BigInt(address), prefix, length, 32)) return kind;
  }
  return "public";
}

function classifyIpv6(address: bigint): AddressClass {
  for (const [prefix, length, shift] of EMBEDDED_IPV4) {
    if (inRange(address, prefix, length, 128)) {
      return classifyIpv4(Number((address >> shift) & 0xffff_ffffn));
    }
  }
  for (const [prefix, length, kind] of IPV6_RANGES) {
    if (inRange(address, prefix, length, 128)) return kind;
  }

  // Outside 2000::/3 nothing is allocated for global unicast, including the
  // deprecated IPv4-compatible ::a.b.c.d.
  return "reserved";
}

function inRange(
  address: bigint,
  prefix: bigint,
  length: number,
  bits: number,
) {
  const shift = BigInt(bits - length);
  return address >> shift === prefix >> shift;
}

function ranges(
  parse: (text: string) => bigint,
  table: readonly Range<string>[],
): Range<bigint>[] {
  return table.map(([prefix, length, kind]) => [parse(prefix), length, kind]);
}

function v4(text: string): bigint {
  const parsed = parseIpv4(text);
  if (parsed === null) throw new Error(`malformed range ${text}`);
  return BigInt(parsed);
}

function v6(text: string): bigint {
  const parsed = parseIpv6(text);
  if (parsed === null) throw new Error(`malformed range ${text}`);
  return parsed;
}

/** Strict dotted decimal: four parts 0-255, no leading zeros. */
function parseIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;

  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

/** RFC 4291 text form, with `::` and an optional dotted-quad tail. */
function parseIpv6(text: string): bigint | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;

  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  if (head === null || tail === null) return null;

  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;

  const all = [
    ...head,
    ...Array<number>(halves.length === 2 ? missing : 0).fill(0),
    ...tail,
  ];
  return all.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

function groups(text: string): number[] | null {
  if (text === "") return [];

  const parts = text.split(":");
  const result: number[] = [];
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1;
    const quad = last && part.includes(".") ? parseIpv4(part) : null;
    if (quad !== null) {
      result.push(quad >>> 16, quad & 0xffff);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
    result.push(Number.parseInt(part, 16));
  }
  return result;
}
