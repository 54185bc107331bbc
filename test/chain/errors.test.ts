import { createServer } from "node:net";
import { NonceTooLowError, TransactionExecutionError } from "viem";
import { connectReader } from "../../chain/clients";
import { toChainError } from "../../chain/errors";

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

describe("toChainError", () => {
  it("marks an unreachable node as retryable and hides credentials in the URL", async () => {
    const port = await closedPort();
    const rpcUrl = `http://user:secret@127.0.0.1:${port}/rpc?key=abc`;

    const failure = await connectReader({ rpcUrl }).catch((e: unknown) => e);

    expect(failure).toMatchObject({
      code: "CHAIN_NETWORK",
      retryable: true,
      message: "The chain did not answer.",
    });
    expect((failure as { details: string[] }).details[0]).toBe(
      `connect on http://***@127.0.0.1:${port}/rpc?…`,
    );
  });

  it("marks a nonce race as retryable", () => {
    const nonce = new NonceTooLowError({ nonce: 3 });
    const sent = new TransactionExecutionError(nonce, {} as never);

    const error = toChainError(sent, {
      rpcUrl: "http://127.0.0.1:8545",
      action: "submitTask",
    });

    expect(error).toMatchObject({ code: "CHAIN_NONCE", retryable: true });
  });
});
