import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { computeCid } from "../../content/cid";
import { fetchContent } from "../../content/fetch";
import { ContentStore } from "../../content/store";

const text = (value: string) => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let dir: string;
let store: ContentStore;
let gateway: http.Server;
let gatewayUrl: string;
// What the loopback gateway answers, by path.
const served = new Map<string, Uint8Array>();

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "triggerx-content-"));
  store = new ContentStore(dir);
  gateway = http.createServer((req, res) => {
    const body = served.get(req.url ?? "");
    if (body === undefined) {
      res.writeHead(404).end("not here");
      return;
    }
    res.writeHead(200).end(Buffer.from(body));
  });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => gateway.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const options = () => ({
  store,
  netPolicy: { allow: [new URL(gatewayUrl).host] },
  maxBytes: 1024,
});

describe("ContentStore", () => {
  it("keeps bytes under their CID and gives them back", async () => {
    const cid = await store.put(text("stored once"));

    expect(cid).toBe(computeCid(text("stored once")));
    expect(await store.put(text("stored once"))).toBe(cid);
    expect(decode((await store.get(cid)) as Uint8Array)).toBe("stored once");
    expect(await store.has(cid)).toBe(true);
  });

  it("answers undefined for a CID it does not hold and leaves no temp files", async () => {
    const missing = computeCid(text("never stored"));

    expect(await store.get(missing)).toBeUndefined();
    expect(await store.has(missing)).toBe(false);
    const files = readdirSync(dir, { recursive: true }) as string[];
    expect(files.filter((file) => file.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses a path in place of a CID", async () => {
    await expect(store.get("../../etc/passwd")).rejects.toMatchObject({
      code: "CONTENT_INVALID_CID",
    });
  });
});

describe("fetchContent", () => {
  it("reads an ipfs:// URL from the local store first", async () => {
    const cid = await store.put(text("local script"));

    const fetched = await fetchContent(`ipfs://${cid}`, options());

    expect(fetched).toMatchObject({ cid, verified: true, source: "store" });
    expect(decode(fetched.bytes)).toBe("local script");
  });

  it("fetches a gateway URL, checks it against its CID and keeps it", async () => {
    const bytes = text("from the gateway");
    const cid = computeCid(bytes);
    served.set(`/ipfs/${cid}`, bytes);

    const fetched = await fetchContent(`${gatewayUrl}/ipfs/${cid}`, options());

    expect(fetched).toMatchObject({ cid, verified: true });
    expect(await store.has(cid)).toBe(true);
  });

  it("tries the configured gateways for an ipfs:// URL", async () => {
    const bytes = text("only on a gateway");
    const cid = computeCid(bytes);
    served.set(`/ipfs/${cid}`, bytes);

    const fetched = await fetchContent(`ipfs://${cid}`, {
      ...options(),
      gateways: [`${gatewayUrl}/`],
    });

    expect(decode(fetched.bytes)).toBe("only on a gateway");
  });

  it("refuses bytes that do not match the CID", async () => {
    const cid = computeCid(text("what was promised"));
    served.set(`/ipfs/${cid}`, text("something else"));

    const error = await fetchContent(
      `${gatewayUrl}/ipfs/${cid}`,
      options(),
    ).catch((caught) => caught);

    expect(error.code).toBe("CONTENT_CID_MISMATCH");
    expect(error.message).toBe(
      `the bytes fetched for ${cid} do not match the CID`,
    );
    expect(await store.has(cid)).toBe(false);
  });

  it("says where it looked when nothing has the content", async () => {
    const cid = computeCid(text("nowhere"));

    const error = await fetchContent(`ipfs://${cid}`, {
      ...options(),
      gateways: [gatewayUrl],
    }).catch((caught) => caught);

    expect(error.code).toBe("CONTENT_NOT_FOUND");
    expect(error.details).toEqual([
      `${gatewayUrl}/ipfs/${cid} answered HTTP 404`,
    ]);
  });

  it("fetches a plain URL without anything to verify", async () => {
    served.set("/scripts/job.js", text("console.log('{}')"));

    const fetched = await fetchContent(
      `${gatewayUrl}/scripts/job.js`,
      options(),
    );

    expect(fetched).toMatchObject({ verified: false });
    expect(fetched.cid).toBe(computeCid(text("console.log('{}')")));
  });

  it("goes through the network guard: loopback needs an allow entry", async () => {
    served.set("/guarded", text("secret"));

    const error = await fetchContent(`${gatewayUrl}/guarded`, {
      ...options(),
      netPolicy: { allow: [] },
    }).catch((caught) => caught);

    expect(error.code).toBe("CONTENT_NOT_FOUND");
    expect(error.details[0]).toContain("refused");
  });

  it("refuses content over the byte limit", async () => {
    served.set("/big", new Uint8Array(2048));

    await expect(
      fetchContent(`${gatewayUrl}/big`, options()),
    ).rejects.toMatchObject({ code: "CONTENT_TOO_LARGE" });
  });

  it("refuses URLs it cannot read", async () => {
    await expect(
      fetchContent("ftp://example.com/x", options()),
    ).rejects.toMatchObject({ code: "CONTENT_INVALID_URL" });
    await expect(fetchContent("ipfs://nope", options())).rejects.toMatchObject({
      code: "CONTENT_INVALID_CID",
    });
  });
});
