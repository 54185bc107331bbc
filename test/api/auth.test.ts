import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, {
  type NextFunction,
  type Request,
  type Response,
} from "express";
import fc from "fast-check";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  MAX_CLOCK_SKEW_SECONDS,
  ReplayGuard,
  requireSigner,
  signedMessage,
  signRequest,
} from "../../api/auth";
import { bodyParsers } from "../../api/body";
import type { ApiError } from "../../api/errors";

// anvil's first development account; never use it for anything real.
const account = privateKeyToAccount(
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
);

describe("signedMessage", () => {
  it("binds the method, the path with its query, the time and the body", () => {
    expect(
      signedMessage({
        method: "post",
        path: "/api/jobs/123456789/storage?dry=1",
        body: '{"set":{"threshold":"2500"}}',
        timestamp: 1767225600,
      }),
    ).toMatchInlineSnapshot(`
"TriggerX API request
POST /api/jobs/123456789/storage?dry=1
timestamp: 1767225600
body-sha256: cf0bfbd1977770fb335b7c403cfcd66cc3cf3a0256832cdcb9c6b3c6c1ca37c8"
`);
  });

  it("hashes a missing body as empty bytes", () => {
    expect(
      signedMessage({
        method: "POST",
        path: "/api/jobs/1/pause",
        timestamp: 1,
      }),
    ).toContain(
      "body-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });
});

describe("signRequest", () => {
  it("gives the three headers of the worked example in docs/api.md", async () => {
    const headers = await signRequest(account, {
      method: "POST",
      path: "/api/jobs/123456789/pause",
      timestamp: 1767225600,
    });

    expect(headers).toMatchInlineSnapshot(`
{
  "x-triggerx-address": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  "x-triggerx-signature": "0x7775053895a3c80f16a6836229eb82141c0712833f9366a2fbc9d3e204f17cd7738f878c5f583ce1d21cf688524101db01d4576654ab7d0fec8975270df905a11c",
  "x-triggerx-timestamp": "1767225600",
}
`);
  });
});

describe("ReplayGuard", () => {
  it("accepts a signature once, and forgets it when it could only expire", () => {
    const guard = new ReplayGuard();

    expect(guard.remember("0xAB", 1000, 1000)).toBe(true);
    expect(guard.remember("0xab", 1000, 1100)).toBe(false);
    expect(guard.remember("0xab", 1000, 1001 + MAX_CLOCK_SKEW_SECONDS)).toBe(
      true,
    );
  });
});

describe("requireSigner", () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app = express();
    app.use(bodyParsers(1024 * 1024));
    app.all("/{*rest}", requireSigner(), (_req, res) => {
      res.json({ signer: res.locals.signer });
    });
    app.use(
      (error: ApiError, _req: Request, res: Response, _next: NextFunction) => {
        res.status(error.status).json(error.body());
      },
    );
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("accepts any request its signer signed, exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT"),
        fc.webPath(),
        fc.webQueryParameters(),
        fc.string(),
        async (method, pathname, query, text) => {
          // The query goes raw: fetch percent-encodes some of it on the way.
          const path = `/x${encodeURI(pathname)}${query ? `?${query}` : ""}`;
          const body = method === "GET" ? undefined : text;
          const signer = privateKeyToAccount(generatePrivateKey());
          const headers = await signRequest(signer, { method, path, body });
          const send = () =>
            fetch(`${url}${path}`, {
              method,
              headers: { ...headers, "content-type": "text/plain" },
              ...(body === undefined ? {} : { body }),
            });

          const first = await send();
          expect(await first.json()).toEqual({ signer: signer.address });
          expect((await send()).status).toBe(401);
        },
      ),
      { numRuns: 25 },
    );
  });
});
