import dns from "node:dns";
import net from "node:net";
import { installTripwire } from "./tripwire";

// The tripwire is checked against a stand-in for the real `connect`, so even
// a broken tripwire cannot open a socket here.
describe("installTripwire", () => {
  const proto = net.Socket.prototype as unknown as {
    connect: (...args: unknown[]) => unknown;
  };
  const realConnect = proto.connect;
  const calls: unknown[][] = [];
  let remove: () => void;

  beforeEach(() => {
    calls.length = 0;
    proto.connect = (...args: unknown[]) => {
      calls.push(args);
      return undefined;
    };
    remove = installTripwire();
  });

  afterEach(() => {
    remove();
    proto.connect = realConnect;
  });

  it("stops a socket to an address outside loopback", () => {
    const socket = new net.Socket();

    expect(() => socket.connect({ host: "10.0.0.1", port: 9 })).toThrow(
      "tripwire: a test tried to connect to 10.0.0.1",
    );
    expect(calls).toHaveLength(0);
  });

  it("lets a loopback socket through", () => {
    new net.Socket().connect({ host: "127.0.0.1", port: 9 });

    expect(calls).toHaveLength(1);
  });

  it("checks what a name resolves to before the socket uses it", () => {
    const options = {
      host: "rebind.test",
      port: 9,
      lookup: (
        _host: string,
        _options: unknown,
        callback: (error: Error | null, address: unknown) => void,
      ) => callback(null, [{ address: "10.0.0.1", family: 4 }]),
    };
    new net.Socket().connect(options as net.TcpSocketConnectOpts);
    const results: unknown[] = [];
    options.lookup("rebind.test", { all: true }, (error) =>
      results.push(error?.message),
    );

    expect(results).toEqual(["tripwire: a test tried to connect to 10.0.0.1"]);
  });

  it("refuses DNS queries for names other than localhost", () => {
    const realLookup = dns.promises.lookup;
    const queried: string[] = [];
    remove();
    dns.promises.lookup = (async (hostname: string) => {
      queried.push(hostname);
      return [];
    }) as unknown as typeof dns.promises.lookup;
    remove = installTripwire();

    try {
      expect(() => dns.promises.lookup("example.test")).toThrow(
        "tripwire: a test tried to resolve example.test",
      );
      expect(queried).toEqual([]);
    } finally {
      remove();
      dns.promises.lookup = realLookup;
      remove = installTripwire();
    }
  });
});
