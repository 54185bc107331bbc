import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { guardedFetch } from "../../../sandbox/net/http";
import type { LookupFunction } from "../../../sandbox/net/policy";
import { installTripwire } from "./tripwire";

// A throwaway self-signed certificate for the made-up name tls.test, made
// by the openssl command for this run only.
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "triggerx-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-nodes", "-days", "1"],
        ...["-pkeyopt", "ec_paramgen_curve:prime256v1"],
        ...["-subj", "/CN=tls.test", "-addext", "subjectAltName=DNS:tls.test"],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      ],
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(join(dir, "key.pem")),
      cert: readFileSync(join(dir, "cert.pem")),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("guardedFetch over https", () => {
  let removeTripwire: () => void;
  let server: https.Server;
  let port: number;
  const serverNames: string[] = [];

  beforeAll(async () => {
    removeTripwire = installTripwire();
    const credentials = selfSignedCertificate();
    const context = createSecureContext(credentials);
    server = https.createServer(
      {
        ...credentials,
        SNICallback: (name, callback) => {
          serverNames.push(name);
          callback(null, context);
        },
      },
      (_req, res) => res.end("secure"),
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, "close");
    removeTripwire();
  });

  it("connects to the checked address but verifies the certificate for the URL's name", async () => {
    const lookup: LookupFunction = async () => [
      { address: "127.0.0.1", family: 4 },
    ];

    const error = await guardedFetch(
      { method: "GET", url: `https://tls.test:${port}/` },
      { allow: [`tls.test:${port}`], lookup },
      { maxResponseBytes: 1024 },
    ).catch((caught: unknown) => caught);

    // The name went out as SNI, and the self-signed certificate was not
    // trusted: verification is on, against the name, not the address.
    expect(error).toMatchObject({
      code: "NET_REQUEST_FAILED",
      cause: { code: "DEPTH_ZERO_SELF_SIGNED_CERT" },
    });
    expect(serverNames).toEqual(["tls.test"]);
  });
});
