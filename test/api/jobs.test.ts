import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { signRequest } from "../../api/auth";
import { computeCid } from "../../content/cid";
import { listJobIdsByOwner } from "../../store/jobs";
import { type Answer, type ApiHarness, startHarness } from "./harness";

const compat = path.resolve(__dirname, "../../../shared/compat");
const compatBody = JSON.parse(
  readFileSync(path.join(compat, "create-job.json"), "utf8"),
) as Array<Record<string, unknown>>;
const priceScript = readFileSync(
  path.join(compat, "price-threshold.ts"),
  "utf8",
);

const owner = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());

let api: ApiHarness;
let gateway: http.Server;
let gatewayHost: string;
let scriptUrl: string;

beforeAll(async () => {
  gateway = http.createServer((_req, res) => res.end("not the script"));
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  gatewayHost = `127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  api = await startHarness("api_jobs_test", {
    netPolicy: { allow: [gatewayHost] },
  });

  const upload = await api.call("POST", "/api/scripts", {
    account: owner,
    raw: priceScript,
  });
  scriptUrl = upload.body.url;
});

afterAll(async () => {
  await api.close();
  await new Promise((resolve) => gateway.close(resolve));
});

/** The compat body with a real script and the signer as owner. */
function compatJobs(changes: Record<string, unknown> = {}) {
  return compatBody.map((job) => ({
    ...job,
    dynamic_arguments_script_url: scriptUrl,
    user_address: owner.address,
    ...changes,
  }));
}

async function rowCount(table: string): Promise<number> {
  const result = await api.cassandra.execute(`SELECT count(*) FROM ${table}`);
  return Number(result.first()?.count ?? 0);
}

describe("POST /api/scripts and GET /ipfs/:cid", () => {
  it("stores a script and serves it by CID, immutable", async () => {
    const upload = await api.call("POST", "/api/scripts", {
      account: owner,
      body: {
        source: "export default async () => ({ shouldExecute: false })",
        filename: "a.ts",
      },
    });
    const cid = computeCid(
      new TextEncoder().encode(
        "export default async () => ({ shouldExecute: false })",
      ),
    );

    expect(upload.status).toBe(201);
    expect(upload.body).toEqual({
      cid,
      url: `ipfs://${cid}`,
      gatewayUrl: `${api.url}/ipfs/${cid}`,
      sha256: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });

    const response = await fetch(`${api.url}/ipfs/${cid}`);
    expect(await response.text()).toContain("shouldExecute: false");
    expect(response.headers.get("cache-control")).toBe(
      "public, max-age=31536000, immutable",
    );
  });

  it("answers 404 for content it does not hold and 400 for a bad CID", async () => {
    const missing = await api.call(
      "GET",
      `/ipfs/${computeCid(new Uint8Array([1]))}`,
    );
    const bad = await api.call("GET", "/ipfs/not-a-cid");

    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("CONTENT_NOT_FOUND");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("CONTENT_INVALID_CID");
  });
});

describe("bodies", () => {
  it("over the limit are refused with 413", async () => {
    const refused = await api.call("POST", "/api/scripts", {
      account: owner,
      raw: "x".repeat(api.config.maxBodyBytes + 1),
    });

    expect(refused).toEqual({
      status: 413,
      body: {
        error: {
          code: "BODY_TOO_LARGE",
          message: "the request body is too large",
        },
      },
    });
  });

  it("that claim JSON and are not are refused with 400", async () => {
    const response = await fetch(`${api.url}/api/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[{",
    });

    expect(response.status).toBe(400);
    const body = (await response.json()) as Answer;
    expect(body.error.code).toBe("BODY_INVALID_JSON");
  });
});

describe("POST /api/jobs", () => {
  it("accepts the compat body as an array and answers as documented", async () => {
    const created = await api.call("POST", "/api/jobs", {
      account: owner,
      body: compatJobs(),
    });

    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      user_id: expect.any(Number),
      account_balance: "1000000000000000000",
      token_balance: "5000000000000000000",
      job_ids: ["123456789"],
      task_definition_ids: [7],
      time_frames: [604800],
    });

    const handle = api.temporal.workflow.getHandle("job-123456789");
    const description = await handle.describe();
    expect(description.taskQueue).toBe(api.config.taskQueue);
  });

  it("accepts the same array under jobs, keeps the user id and adds the balances", async () => {
    const first = await api.call("GET", `/api/jobs?owner=${owner.address}`);
    const jobs = compatJobs({ job_id: undefined });

    const created = await api.call("POST", "/api/jobs", {
      account: owner,
      body: { jobs },
    });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      account_balance: "2000000000000000000",
      token_balance: "10000000000000000000",
      task_definition_ids: [7],
      time_frames: [604800],
    });
    expect(created.body.job_ids).toEqual([
      expect.stringMatching(/^[1-9][0-9]*$/),
    ]);
    expect(created.body.job_ids[0]).not.toBe("123456789");
    expect(first.body.jobs).toHaveLength(1);
  });

  it("refuses a job id that is taken", async () => {
    // Another second than the first create's, or the identical request
    // would carry the identical signature and be refused as a replay.
    const again = await api.call("POST", "/api/jobs", {
      account: owner,
      body: compatJobs(),
      timestamp: Math.floor(Date.now() / 1000) - 100,
    });

    expect(again.status).toBe(409);
    expect(again.body).toMatchInlineSnapshot(`
{
  "error": {
    "code": "JOB_EXISTS",
    "fields": [
      {
        "message": "is taken already",
        "path": "jobs[0].job_id",
      },
    ],
    "message": "jobs[0].job_id: job 123456789 already exists",
  },
}
`);
  });

  describe("refuses, storing nothing,", () => {
    const refusals: Array<{
      name: string;
      changes: () => Record<string, unknown>;
    }> = [
      {
        name: "a script URL that does not resolve",
        changes: () => ({
          dynamic_arguments_script_url: `ipfs://${computeCid(new TextEncoder().encode("nobody has this"))}`,
        }),
      },
      {
        name: "an interval below the network minimum, and other bad fields",
        changes: () => ({
          time_interval: 5,
          time_frame: 0,
          language: "python",
          created_chain_id: 11155111,
        }),
      },
      {
        name: "initial storage over the limits",
        changes: () => ({
          initial_storage: { "bad key": "x", big: "y".repeat(5000) },
        }),
      },
      {
        name: "secrets, which the network cannot take yet",
        changes: () => ({ secrets: { API_KEY: "plain text" } }),
      },
      {
        name: "a Go script, which the sandbox cannot run yet",
        changes: () => ({ language: "go" }),
      },
    ];

    it.each(refusals)("$name", async ({ changes }) => {
      const before = await rowCount("custom_jobs");

      const refused = await api.call("POST", "/api/jobs", {
        account: owner,
        body: compatJobs({ job_id: "555", ...changes() }),
      });

      expect(refused.status).toBe(400);
      expect(refused.body).toMatchSnapshot();
      expect(await rowCount("custom_jobs")).toBe(before);
      expect(await rowCount("job_ids")).toBe(before);
    });

    it("bytes that do not match the CID", async () => {
      const cid = computeCid(new TextEncoder().encode("the promised script"));

      const refused = await api.call("POST", "/api/jobs", {
        account: owner,
        body: compatJobs({
          job_id: "556",
          dynamic_arguments_script_url: `http://${gatewayHost}/ipfs/${cid}`,
        }),
      });

      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe("SCRIPT_CID_MISMATCH");
      expect(
        JSON.stringify(refused.body).replaceAll(gatewayHost, "<gateway>"),
      ).toMatchInlineSnapshot(
        `"{"error":{"code":"SCRIPT_CID_MISMATCH","message":"jobs[0].dynamic_arguments_script_url: the bytes fetched for bafkreie5subeqnhz7z5prudtqqw6brlfjinby4hnp2xso5wxpfcragye7i do not match the CID: http://<gateway>/ipfs/bafkreie5subeqnhz7z5prudtqqw6brlfjinby4hnp2xso5wxpfcragye7i answered bytes whose CID is bafkreiethmmypnaili74mrp5xi3ykvfeuktiz3lcbaufr7lvqaosopbiai","fields":[{"path":"jobs[0].dynamic_arguments_script_url","message":"the bytes fetched for bafkreie5subeqnhz7z5prudtqqw6brlfjinby4hnp2xso5wxpfcragye7i do not match the CID: http://<gateway>/ipfs/bafkreie5subeqnhz7z5prudtqqw6brlfjinby4hnp2xso5wxpfcragye7i answered bytes whose CID is bafkreiethmmypnaili74mrp5xi3ykvfeuktiz3lcbaufr7lvqaosopbiai"}]}}"`,
      );
    });

    it("a script that does not compile", async () => {
      const upload = await api.call("POST", "/api/scripts", {
        account: owner,
        raw: "const price: number = ;\nconsole.log(price);\n",
      });

      const refused = await api.call("POST", "/api/jobs", {
        account: owner,
        body: compatJobs({
          job_id: "557",
          dynamic_arguments_script_url: upload.body.url,
        }),
      });

      expect(refused.status).toBe(400);
      expect(refused.body).toMatchInlineSnapshot(`
{
  "error": {
    "code": "SCRIPT_COMPILE_FAILED",
    "fields": [
      {
        "message": "could not compile script.ts: script.ts:1:22: Unexpected ";"",
        "path": "jobs[0].dynamic_arguments_script_url",
      },
    ],
    "message": "jobs[0].dynamic_arguments_script_url: could not compile script.ts: script.ts:1:22: Unexpected ";"",
  },
}
`);
    });

    it("a job of another owner (403), even when one job is right", async () => {
      const refused = await api.call("POST", "/api/jobs", {
        account: stranger,
        body: [
          ...compatJobs({ job_id: "558", user_address: stranger.address }),
          ...compatJobs({ job_id: "559" }),
        ],
      });

      expect(refused.status).toBe(403);
      expect(
        JSON.stringify(refused.body)
          .replaceAll(owner.address, "<owner>")
          .replaceAll(stranger.address, "<stranger>"),
      ).toMatchInlineSnapshot(
        `"{"error":{"code":"AUTH_NOT_OWNER","message":"jobs[1].user_address is <owner>, but the request is signed by <stranger>","fields":[{"path":"jobs[1].user_address","message":"must be the address that signs the request"}]}}"`,
      );
      expect(await listJobIdsByOwner(api.cassandra, stranger.address)).toEqual(
        [],
      );
    });
  });
});

describe("request signatures", () => {
  const body = JSON.stringify(compatBody);

  async function post(headers: Record<string, string>, sent = body) {
    const response = await fetch(`${api.url}/api/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: sent,
    });
    return { status: response.status, body: (await response.json()) as Answer };
  }

  it("are required", async () => {
    const refused = await post({});

    expect(refused.status).toBe(401);
    expect(refused.body).toMatchInlineSnapshot(`
{
  "error": {
    "code": "AUTH_MISSING",
    "message": "this request must be signed: send x-triggerx-address, x-triggerx-timestamp and x-triggerx-signature",
  },
}
`);
  });

  it("must cover the body that was sent", async () => {
    const headers = await signRequest(owner, {
      method: "POST",
      path: "/api/jobs",
      body,
    });

    const refused = await post(headers, `${body} `);

    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("AUTH_INVALID_SIGNATURE");
    expect(refused.body.error.message).toMatch(
      /^invalid request signature: the signature was made by 0x[0-9a-fA-F]{40}, not 0x/,
    );
  });

  it("expire after five minutes", async () => {
    const headers = await signRequest(owner, {
      method: "POST",
      path: "/api/jobs",
      body,
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });

    const refused = await post(headers);

    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("AUTH_EXPIRED");
  });

  it("are accepted once", async () => {
    const raw = "console.log(JSON.stringify({ shouldExecute: false }))";
    const headers = await signRequest(owner, {
      method: "POST",
      path: "/api/scripts",
      body: raw,
    });
    const send = () =>
      fetch(`${api.url}/api/scripts`, {
        method: "POST",
        headers: { "content-type": "text/plain", ...headers },
        body: raw,
      });

    expect((await send()).status).toBe(201);
    const replayed = await send();
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchInlineSnapshot(`
{
  "error": {
    "code": "AUTH_REPLAYED",
    "message": "this signature was used before; sign each request anew (identical requests signed within one second share a signature)",
  },
}
`);
  });
});
