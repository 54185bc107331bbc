import { createSandboxPool, type SandboxPool } from "../../sandbox/pool";
import { isRpcRequest, pinRpcBody } from "../../sandbox/rpc";
import { replayRecord } from "../../sandbox/runtime";
import { json, run, startServer } from "./helpers";

const call = (method: string, params?: unknown[]) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method,
    ...(params ? { params } : {}),
  });

describe("pinRpcBody", () => {
  it("pins latest, pending and omitted block tags to the pinned block", () => {
    expect(
      JSON.parse(
        pinRpcBody(call("eth_call", [{ to: "0x1" }, "latest"]), "16").body,
      ).params,
    ).toEqual([{ to: "0x1" }, "0x10"]);
    expect(
      JSON.parse(pinRpcBody(call("eth_getBalance", ["0xab"]), "16").body)
        .params,
    ).toEqual(["0xab", "0x10"]);
    expect(
      JSON.parse(
        pinRpcBody(call("eth_getStorageAt", ["0xab", "0x0", "pending"]), "255")
          .body,
      ).params,
    ).toEqual(["0xab", "0x0", "0xff"]);
    expect(
      JSON.parse(
        pinRpcBody(call("eth_getBlockByNumber", ["latest", false]), "1").body,
      ).params,
    ).toEqual(["0x1", false]);
  });

  it("leaves explicit blocks, other methods and non-JSON bodies alone", () => {
    const explicit = call("eth_call", [{ to: "0x1" }, "0x5"]);
    expect(pinRpcBody(explicit, "16").body).toBe(explicit);
    expect(pinRpcBody(call("eth_chainId"), "16").body).toBe(
      call("eth_chainId"),
    );
    expect(pinRpcBody("not json", "16").body).toBe("not json");
  });

  it("pins each call of a batch and the range of a log filter", () => {
    const batch = JSON.stringify([
      JSON.parse(call("eth_getCode", ["0xab"])),
      JSON.parse(call("eth_getLogs", [{ address: "0xab" }])),
    ]);

    const pinned = JSON.parse(pinRpcBody(batch, "16").body);

    expect(pinned[0].params).toEqual(["0xab", "0x10"]);
    expect(pinned[1].params).toEqual([
      { address: "0xab", fromBlock: "0x10", toBlock: "0x10" },
    ]);
  });

  it("answers eth_blockNumber with the pinned block", () => {
    expect(
      JSON.parse(
        pinRpcBody(call("eth_blockNumber", []), "16").localResponse ?? "",
      ),
    ).toEqual({
      jsonrpc: "2.0",
      id: 1,
      result: "0x10",
    });
  });

  it("recognises only POSTs to the RPC URL", () => {
    expect(
      isRpcRequest("POST", "http://127.0.0.1:8545/", "http://127.0.0.1:8545"),
    ).toBe(true);
    expect(
      isRpcRequest("GET", "http://127.0.0.1:8545/", "http://127.0.0.1:8545"),
    ).toBe(false);
    expect(
      isRpcRequest("POST", "http://127.0.0.1:8546/", "http://127.0.0.1:8545"),
    ).toBe(false);
  });
});

describe("runs with an RPC URL", () => {
  let pool: SandboxPool;
  beforeAll(() => {
    pool = createSandboxPool({ size: 1 });
  });
  afterAll(() => pool.close());

  it("pins every read to the block read at the start, and replays without the node", async () => {
    const node = await startServer((_request, body, response) => {
      const request = JSON.parse(body);
      if (request.method === "eth_blockNumber")
        return json(response, {
          jsonrpc: "2.0",
          id: request.id,
          result: "0x2a",
        });
      json(response, {
        jsonrpc: "2.0",
        id: request.id,
        result: request.params,
      });
    });
    const rpcUrl = `${node.url}/`;

    const { record, result } = await run(
      pool,
      `const rpc = (method, params) => fetch("${rpcUrl}", { method: "POST",
         headers: { "content-type": "application/json" },
         body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) }).then((r) => r.json());
       const balance = await rpc("eth_getBalance", ["0x00000000000000000000000000000000000000ab", "latest"]);
       const head = await rpc("eth_blockNumber", []);
       export default () => ({ shouldExecute: false,
         storageUpdates: { seen: JSON.stringify(balance.result), head: head.result } });`,
      { rpcUrl, allowNet: [node.hostPort] },
    );
    const replay = await replayRecord(record, { pool });
    await node.close();

    expect(record.pinnedBlock).toBe("42");
    expect(result.ok && result.output.storageUpdates).toEqual({
      seen: '["0x00000000000000000000000000000000000000ab","0x2a"]',
      head: "0x2a",
    });
    expect(node.received.map((r) => JSON.parse(r.body).method)).toEqual([
      "eth_blockNumber",
      "eth_getBalance",
    ]);
    expect(record.transcript.exchanges[0]?.request.body).toEqual({
      text: '{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x00000000000000000000000000000000000000ab","latest"]}',
    });
    expect(replay.ok).toBe(true);
  });
});
