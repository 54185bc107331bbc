import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AnvilChain, startAnvil } from "../../chain/anvil";
import { connectReader } from "../../chain/clients";

describe("startAnvil", () => {
  let anvil: AnvilChain | undefined;
  const dir = mkdtempSync(join(tmpdir(), "triggerx-anvil-"));

  afterEach(async () => {
    await anvil?.stop();
    anvil = undefined;
  });

  it("answers JSON-RPC on loopback with the chain id and dev accounts asked for", async () => {
    anvil = await startAnvil({ chainId: 4242, accountCount: 3 });
    const reader = await connectReader({ rpcUrl: anvil.rpcUrl });
    const [first] = anvil.accounts;

    expect(anvil.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(reader.chain.id).toBe(4242);
    expect(anvil.accounts).toHaveLength(3);
    expect(first?.address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(
      await reader.publicClient.getBalance({ address: first?.address ?? "0x" }),
    ).toBeGreaterThan(0n);
  });

  it("writes anvil's output to the log file when asked", async () => {
    const logFile = join(dir, "anvil.log");

    anvil = await startAnvil({ logFile });
    await anvil.stop();

    expect(readFileSync(logFile, "utf8")).toContain("Listening on");
  });

  it("writes the chain to the state file when stopped", async () => {
    const stateFile = join(dir, "state.json");

    anvil = await startAnvil({ stateFile });
    await anvil.stop();

    expect(existsSync(stateFile)).toBe(true);
  });

  it("refuses a port that something else listens on", async () => {
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;

    try {
      await expect(startAnvil({ port })).rejects.toMatchObject({
        code: "CHAIN_PORT_TAKEN",
        details: [
          `Something already listens on 127.0.0.1:${port}.`,
          "Stop it, or start anvil on another port.",
        ],
      });
    } finally {
      server.close();
    }
  });
});
