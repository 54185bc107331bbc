import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isTriggerxError, type TriggerxError } from "../../../errors/base";
import {
  type FetchLimits,
  guardedFetch,
  type HttpRequest,
} from "../../../sandbox/net/http";
import type { LookupFunction, NetPolicy } from "../../../sandbox/net/policy";
import { installTripwire } from "./tripwire";

const limits: FetchLimits = { maxResponseBytes: 1024 };
let removeTripwire: () => void;
const servers: TestServer[] = [];

beforeAll(() => {
  removeTripwire = installTripwire();
});

afterAll(() => removeTripwire());

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface TestServer {
  port: number;
  origin: string;
  connections: () => number;
  requests: http.IncomingMessage[];
  bodies: string[];
  close: () => Promise<void>;
}

async function startServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<TestServer> {
  let connections = 0;
  const requests: http.IncomingMessage[] = [];
  const bodies: string[] = [];
  const server = http.createServer(async (req, res) => {
    requests.push(req);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    bodies.push(Buffer.concat(chunks).toString());
    handler(req, res);
  });
  server.on("connection", () => {
    connections += 1;
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  const testServer: TestServer = {
    port,
    origin: `http://127.0.0.1:${port}`,
    connections: () => connections,
    requests,
    bodies,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
  servers.push(testServer);
  return testServer;
}

function answer(text: string, status = 200) {
  return (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(status, { "Content-Type": "text/plain", "X-Test": "yes" });
    res.end(text);
  };
}

function redirectTo(location: (server: string) => string, status = 302) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(status, { Location: location(req.url ?? "/") });
    res.end();
  };
}

function lookupReturning(...addresses: string[]) {
  const calls: string[] = [];
  const lookup: LookupFunction = async (hostname) => {
    calls.push(hostname);
    return addresses.map((address) => ({
      address,
      family: address.includes(":") ? 6 : 4,
    }));
  };
  return { lookup, calls };
}

async function refusal(
  request: HttpRequest,
  policy: NetPolicy,
  fetchLimits = limits,
): Promise<TriggerxError> {
  const error = await guardedFetch(request, policy, fetchLimits).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isTriggerxError(error))
    throw new Error(`expected a TriggerxError, got ${error}`);
  return error;
}

function withoutPorts(text: string, ...servers: TestServer[]): string {
  return servers.reduce(
    (result, server, i) =>
      result.replaceAll(String(server.port), `PORT${i + 1}`),
    text,
  );
}

describe("guardedFetch", () => {
  it("fetches from a loopback server that the operator allowed", async () => {
    const server = await startServer(answer("hello"));

    const response = await guardedFetch(
      { method: "GET", url: `${server.origin}/price?x=1` },
      { allow: [`127.0.0.1:${server.port}`] },
      limits,
    );

    expect(response.status).toBe(200);
    expect(Buffer.from(response.body).toString()).toBe("hello");
    expect(response.url).toBe(`${server.origin}/price?x=1`);
    expect(response.headers).toContainEqual(["x-test", "yes"]);
    expect(server.requests[0]?.url).toBe("/price?x=1");
  });

  it("refuses a loopback server that is not allowed, without connecting", async () => {
    const server = await startServer(answer("hello"));

    const error = await refusal(
      { method: "GET", url: `${server.origin}/` },
      { allow: [] },
    );

    expect(error.code).toBe("NET_ADDRESS_REFUSED");
    expect(withoutPorts(error.message, server)).toMatchInlineSnapshot(
      `"request to 127.0.0.1:PORT1 refused: a loopback address (allow it with --allow-net 127.0.0.1:PORT1)"`,
    );
    expect(server.connections()).toBe(0);
  });

  it("does not let an allowed port open the other ports of the host", async () => {
    const server = await startServer(answer("hello"));

    const error = await refusal(
      { method: "GET", url: `${server.origin}/` },
      { allow: [`127.0.0.1:${server.port + 1}`] },
    );

    expect(error.code).toBe("NET_ADDRESS_REFUSED");
    expect(server.connections()).toBe(0);
  });

  it("refuses localhost, resolved by the system resolver", async () => {
    const server = await startServer(answer("hello"));

    const error = await refusal(
      { method: "GET", url: `http://localhost:${server.port}/` },
      { allow: [] },
    );

    expect(error.code).toBe("NET_ADDRESS_REFUSED");
    expect(withoutPorts(error.message, server)).toMatch(
      /^request to localhost:PORT1 refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address \(allow it with --allow-net localhost:PORT1\)$/,
    );
    expect(server.connections()).toBe(0);
  });

  it("refuses a name that resolves to a private address before connecting", async () => {
    const { lookup, calls } = lookupReturning("10.0.0.1");

    const error = await refusal(
      { method: "GET", url: "http://intranet.test/" },
      { allow: [], lookup },
    );

    expect(calls).toEqual(["intranet.test"]);
    expect(error.message).toMatchInlineSnapshot(
      `"request to intranet.test:80 refused: intranet.test resolves to 10.0.0.1, a private address (allow it with --allow-net intranet.test:80)"`,
    );
  });

  it("refuses a name that resolves to the metadata endpoint", async () => {
    const { lookup } = lookupReturning("169.254.169.254");

    const error = await refusal(
      { method: "GET", url: "https://metadata.test/latest/meta-data/" },
      { allow: [], lookup },
    );

    expect(error.message).toMatchInlineSnapshot(
      `"request to metadata.test:443 refused: metadata.test resolves to 169.254.169.254, a metadata address (allow it with --allow-net metadata.test:443)"`,
    );
  });

  it("refuses a name when any one of its addresses is not public", async () => {
    const { lookup } = lookupReturning("93.184.215.14", "fd00:ec2::254");

    const error = await refusal(
      { method: "GET", url: "http://mixed.test/" },
      { allow: [], lookup },
    );

    expect(error.message).toMatchInlineSnapshot(
      `"request to mixed.test:80 refused: mixed.test resolves to fd00:ec2::254, a metadata address (allow it with --allow-net mixed.test:80)"`,
    );
  });

  it("refuses address literals without asking the resolver", async () => {
    const { lookup, calls } = lookupReturning("127.0.0.1");

    const metadata = await refusal(
      { method: "GET", url: "http://169.254.169.254/latest/" },
      { allow: [], lookup },
    );
    const mapped = await refusal(
      { method: "GET", url: "http://[::ffff:a9fe:a9fe]/" },
      { allow: [], lookup },
    );
    const decimal = await refusal(
      { method: "GET", url: "http://2852039166/" },
      { allow: [], lookup },
    );

    expect(calls).toEqual([]);
    expect(metadata.message).toMatchInlineSnapshot(
      `"request to 169.254.169.254:80 refused: a metadata address (allow it with --allow-net 169.254.169.254:80)"`,
    );
    expect(mapped.message).toMatchInlineSnapshot(
      `"request to [::ffff:a9fe:a9fe]:80 refused: a metadata address (allow it with --allow-net [::ffff:a9fe:a9fe]:80)"`,
    );
    expect(decimal.code).toBe("NET_ADDRESS_REFUSED");
  });

  it("connects to the address it checked, asking the resolver once", async () => {
    const server = await startServer(answer("pinned"));
    let answers = 0;
    // A rebinding resolver: a safe answer first, then a private one.
    const lookup: LookupFunction = async () => {
      answers += 1;
      const address = answers === 1 ? "127.0.0.1" : "10.0.0.1";
      return [{ address, family: 4 }];
    };

    const response = await guardedFetch(
      { method: "GET", url: `http://rebind.test:${server.port}/` },
      { allow: [`127.0.0.1:${server.port}`], lookup },
      limits,
    );

    expect(Buffer.from(response.body).toString()).toBe("pinned");
    expect(answers).toBe(1);
    expect(server.requests[0]?.headers.host).toBe(`rebind.test:${server.port}`);
  });

  it("allows a name the operator listed, wherever it resolves", async () => {
    const server = await startServer(answer("named"));
    const { lookup } = lookupReturning("127.0.0.1");

    const response = await guardedFetch(
      { method: "GET", url: `http://node.test:${server.port}/` },
      { allow: [`NODE.test:${server.port}`], lookup },
      limits,
    );

    expect(Buffer.from(response.body).toString()).toBe("named");
  });

  it("checks every redirect hop and refuses one to a port not allowed", async () => {
    const target = await startServer(answer("secret admin page"));
    const start = await startServer(redirectTo(() => `${target.origin}/admin`));

    const error = await refusal(
      { method: "GET", url: `${start.origin}/` },
      { allow: [`127.0.0.1:${start.port}`] },
    );

    expect(
      withoutPorts(error.describe(), start, target),
    ).toMatchInlineSnapshot(`
"request to 127.0.0.1:PORT2 refused: a loopback address (allow it with --allow-net 127.0.0.1:PORT2)
  after a redirect from http://127.0.0.1:PORT1/ (hop 1 of at most 5)"
`);
    expect(start.connections()).toBe(1);
    expect(target.connections()).toBe(0);
  });

  it("follows allowed redirects and reports the final URL", async () => {
    const server = await startServer((req, res) => {
      if (req.url === "/old") {
        res.writeHead(301, { Location: "/new" });
        res.end();
        return;
      }
      answer("moved")(req, res);
    });

    const response = await guardedFetch(
      { method: "GET", url: `${server.origin}/old` },
      { allow: [`127.0.0.1:${server.port}`] },
      limits,
    );

    expect(Buffer.from(response.body).toString()).toBe("moved");
    expect(response.url).toBe(`${server.origin}/new`);
  });

  it("gives up after five redirects", async () => {
    const server = await startServer(redirectTo((path) => `${path}x`));

    const error = await refusal(
      { method: "GET", url: `${server.origin}/` },
      { allow: [`127.0.0.1:${server.port}`] },
    );

    expect(error.code).toBe("NET_TOO_MANY_REDIRECTS");
    expect(withoutPorts(error.message, server)).toMatchInlineSnapshot(
      `"request to http://127.0.0.1:PORT1/ was redirected more than 5 times"`,
    );
    expect(server.requests).toHaveLength(6);
  });

  it("drops credentials on a redirect to another origin, keeps them on the same", async () => {
    const other = await startServer(answer("other"));
    const start = await startServer((req, res) => {
      const next = req.url === "/" ? "/same" : `${other.origin}/`;
      redirectTo(() => next, 307)(req, res);
    });
    const allow = [`127.0.0.1:${start.port}`, `127.0.0.1:${other.port}`];

    await guardedFetch(
      {
        method: "POST",
        url: `${start.origin}/`,
        headers: { Authorization: "Bearer t", "X-Kept": "1" },
        body: "payload",
      },
      { allow },
      limits,
    );

    expect(start.requests.map((req) => req.headers.authorization)).toEqual([
      "Bearer t",
      "Bearer t",
    ]);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    expect(other.requests[0]?.headers["x-kept"]).toBe("1");
    expect(other.requests[0]?.method).toBe("POST");
    expect(other.bodies[0]).toBe("payload");
  });

  it("turns a POST into a GET without body on 303", async () => {
    const server = await startServer((req, res) => {
      if (req.url === "/form") return redirectTo(() => "/done", 303)(req, res);
      answer("done")(req, res);
    });

    await guardedFetch(
      {
        method: "POST",
        url: `${server.origin}/form`,
        headers: { "Content-Type": "text/plain" },
        body: "a=1",
      },
      { allow: [`127.0.0.1:${server.port}`] },
      limits,
    );

    expect(server.requests.map((req) => req.method)).toEqual(["POST", "GET"]);
    expect(server.bodies).toEqual(["a=1", ""]);
    expect(server.requests[1]?.headers["content-type"]).toBeUndefined();
  });

  it("stops reading a declared body over the limit", async () => {
    const server = await startServer(answer("x".repeat(2000)));

    const error = await refusal(
      { method: "GET", url: `${server.origin}/big` },
      { allow: [`127.0.0.1:${server.port}`] },
    );

    expect(withoutPorts(error.message, server)).toMatchInlineSnapshot(
      `"response from http://127.0.0.1:PORT1/big is over the limit maxResponseBytes = 1024"`,
    );
    expect(error.code).toBe("LIMIT_RESPONSE_BYTES");
  });

  it("stops reading a streamed body once it passes the limit", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      for (let i = 0; i < 10; i++) res.write(Buffer.alloc(512));
      res.end();
    });

    const error = await refusal(
      { method: "GET", url: `${server.origin}/stream` },
      { allow: [`127.0.0.1:${server.port}`] },
    );

    expect(error.code).toBe("LIMIT_RESPONSE_BYTES");
  });

  it("accepts a body of exactly the limit", async () => {
    const server = await startServer(answer("y".repeat(1024)));

    const response = await guardedFetch(
      { method: "GET", url: `${server.origin}/` },
      { allow: [`127.0.0.1:${server.port}`] },
      limits,
    );

    expect(response.body.byteLength).toBe(1024);
  });

  it("refuses schemes other than http and https", async () => {
    const error = await refusal(
      { method: "GET", url: "file:///etc/passwd" },
      { allow: [] },
    );

    expect(error.code).toBe("NET_SCHEME_REFUSED");
    expect(error.message).toMatchInlineSnapshot(
      `"request to file:///etc/passwd refused: only http and https are allowed"`,
    );
  });

  it("refuses a redirect to another scheme", async () => {
    const server = await startServer(redirectTo(() => "ftp://127.0.0.1/x"));

    const error = await refusal(
      { method: "GET", url: `${server.origin}/` },
      { allow: [`127.0.0.1:${server.port}`] },
    );

    expect(error.code).toBe("NET_SCHEME_REFUSED");
  });

  it("keeps credentials in a URL out of its messages", async () => {
    const error = await refusal(
      { method: "GET", url: "ftp://user:pw@files.test/a?token=1" },
      { allow: [] },
    );

    expect(error.message).toMatchInlineSnapshot(
      `"request to ftp://***@files.test/a?… refused: only http and https are allowed"`,
    );
  });

  it("reports a resolver failure as retryable", async () => {
    const lookup: LookupFunction = async () => {
      throw new Error("ENOTFOUND");
    };

    const error = await refusal(
      { method: "GET", url: "http://missing.test/" },
      { allow: [], lookup },
    );

    expect(error.message).toMatchInlineSnapshot(
      `"could not resolve missing.test"`,
    );
    expect(error.retryable).toBe(true);
  });

  it("times out a server that never answers", async () => {
    const server = await startServer(() => {});

    const error = await refusal(
      { method: "GET", url: `${server.origin}/` },
      { allow: [`127.0.0.1:${server.port}`] },
      { ...limits, timeoutMs: 50 },
    );

    expect(withoutPorts(error.message, server)).toMatchInlineSnapshot(
      `"request to http://127.0.0.1:PORT1/ took longer than 50 ms"`,
    );
    expect(error.code).toBe("NET_TIMEOUT");
  });

  it("times out a resolver that never answers", async () => {
    const lookup: LookupFunction = () => new Promise(() => {});

    const error = await refusal(
      { method: "GET", url: "http://slow-dns.test/" },
      { allow: [], lookup },
      { ...limits, timeoutMs: 50 },
    );

    expect(error.code).toBe("NET_TIMEOUT");
  });

  it("refuses methods that open tunnels", async () => {
    const error = await refusal(
      { method: "connect", url: "http://127.0.0.1:1/" },
      { allow: ["127.0.0.1:1"] },
    );

    expect(error.message).toMatchInlineSnapshot(
      `"request method CONNECT is not allowed"`,
    );
  });

  it("sends neither a script's Host nor its Accept-Encoding", async () => {
    const server = await startServer(answer("plain"));

    await guardedFetch(
      {
        method: "GET",
        url: `${server.origin}/`,
        headers: { Host: "evil.test", "Accept-Encoding": "gzip" },
      },
      { allow: [`127.0.0.1:${server.port}`] },
      limits,
    );

    expect(server.requests[0]?.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(server.requests[0]?.headers["accept-encoding"]).toBeUndefined();
  });

  it("refuses a malformed allow entry", async () => {
    const error = await refusal(
      { method: "GET", url: "http://127.0.0.1/" },
      { allow: ["127.0.0.1"] },
    );

    expect(error.code).toBe("NET_INVALID_ALLOW_ENTRY");
  });

  it("reports header values node refuses to send as a malformed request", async () => {
    const server = await startServer(answer("never"));

    const error = await refusal(
      {
        method: "GET",
        url: `${server.origin}/`,
        headers: { "x-a": "1\r\nx-b: 2" },
      },
      { allow: [`127.0.0.1:${server.port}`] },
    );

    expect(error.code).toBe("NET_INVALID_REQUEST");
    expect(server.connections()).toBe(0);
  });
});
