import dns from "node:dns";
import dnsPromises from "node:dns/promises";
import net from "node:net";
import { classifyAddress } from "../../../sandbox/net/address";

/**
 * A safety net for network tests: while installed, any socket this process
 * opens to an address outside loopback, and any DNS query for a name other
 * than `localhost`, fails before a packet leaves. The guard under test is
 * meant to refuse such destinations itself; the tripwire makes sure that a
 * broken guard fails its tests instead of reaching out.
 *
 * Node modules are imported by default import so that the patches land on
 * the modules themselves, not on an interop copy.
 *
 * @returns a function that removes the tripwire.
 */
export function installTripwire(): () => void {
  const restores = [
    patchSocketConnect(),
    patch(dns, "lookup", guardCallbackLookup),
    patch(dnsPromises, "lookup", guardPromiseLookup),
    patch(dns.promises, "lookup", guardPromiseLookup),
  ];

  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

type AnyFunction = (...args: never[]) => unknown;

function patch<T extends object, K extends keyof T>(
  target: T,
  key: K,
  wrap: (original: T[K]) => T[K],
): () => void {
  const original = target[key];
  Object.defineProperty(target, key, {
    value: wrap(original),
    configurable: true,
    writable: true,
  });
  return () =>
    Object.defineProperty(target, key, {
      value: original,
      configurable: true,
      writable: true,
    });
}

function patchSocketConnect(): () => void {
  const proto = net.Socket.prototype as unknown as {
    connect: (...args: unknown[]) => unknown;
  };

  return patch(
    proto,
    "connect",
    (original) =>
      function guardedConnect(this: unknown, ...args: unknown[]) {
        const first = args[0];
        const options = (
          Array.isArray(first)
            ? first[0]
            : typeof first === "object"
              ? first
              : {}
        ) as { host?: string; path?: string; lookup?: AnyFunction };
        const host =
          typeof first === "number" && typeof args[1] === "string"
            ? args[1]
            : (options.host ?? "localhost");

        if (options.path === undefined) {
          if (net.isIP(host)) assertLoopback(host);
          else options.lookup = checkedLookup(options.lookup ?? dns.lookup);
        }
        return original.apply(this, args);
      },
  );
}

function checkedLookup(original: AnyFunction): AnyFunction {
  return ((hostname: string, opts: unknown, callback: AnyFunction) => {
    (original as (...args: unknown[]) => void)(
      hostname,
      opts,
      (error: Error | null, address: unknown, family: unknown) => {
        if (error) return callback(error as never);
        const list = Array.isArray(address) ? address : [{ address }];
        try {
          for (const entry of list) assertLoopback(entry.address);
        } catch (tripped) {
          return callback(tripped as never);
        }
        callback(null as never, address as never, family as never);
      },
    );
  }) as AnyFunction;
}

function guardCallbackLookup<T>(original: T): T {
  return ((hostname: string, ...rest: unknown[]) => {
    assertLocalName(hostname);
    return (original as (...args: unknown[]) => unknown)(hostname, ...rest);
  }) as T;
}

function guardPromiseLookup<T>(original: T): T {
  return ((hostname: string, ...rest: unknown[]) => {
    assertLocalName(hostname);
    return (original as (...args: unknown[]) => unknown)(hostname, ...rest);
  }) as T;
}

function assertLocalName(hostname: string): void {
  if (hostname === "localhost" || net.isIP(hostname)) return;
  throw new Error(`tripwire: a test tried to resolve ${hostname}`);
}

function assertLoopback(address: string): void {
  if (classifyAddress(address) === "loopback") return;
  throw new Error(`tripwire: a test tried to connect to ${address}`);
}
