import { domainSeparator, type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type AnvilChain, startAnvil } from "../../chain/anvil";
import { type ChainReader, connectReader } from "../../chain/clients";
import {
  deployNetworkContracts,
  type NetworkContracts,
} from "../../chain/deploy";
import { taskGatewayAbi } from "../../contracts/artifacts/TaskGateway";
import {
  recordSignaturePayload,
  recordTypedData,
} from "../../records/signature";

let anvil: AnvilChain;
let contracts: NetworkContracts;
let reader: ChainReader;

const record = {
  executionId: "exec-7-42",
  jobId: "7",
  taskId: "42",
  inputHash: keccak256(toHex("input")),
  outputHash: keccak256(toHex("output")),
};

beforeAll(async () => {
  anvil = await startAnvil();
  contracts = await deployNetworkContracts({
    rpcUrl: anvil.rpcUrl,
    deployerKey: anvil.accounts[0]?.privateKey ?? "0x",
    keepers: [],
    pollingIntervalMs: 50,
  });
  reader = await connectReader({ rpcUrl: anvil.rpcUrl });
});

afterAll(async () => {
  await anvil?.stop();
});

function recoverOnChain(payload: typeof record, signature: Hex) {
  return reader.publicClient.readContract({
    address: contracts.gateway,
    abi: taskGatewayAbi,
    functionName: "recoverRecordSigner",
    args: [recordSignaturePayload(payload), signature],
  });
}

describe("record signatures on chain", () => {
  const performer = privateKeyToAccount(
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  );
  const domain = () => ({
    chainId: contracts.chainId,
    verifyingContract: contracts.gateway,
  });

  it("recovers the performer of a record signed with viem", async () => {
    const signature = await performer.signTypedData(
      recordTypedData(record, domain()),
    );

    expect(await recoverOnChain(record, signature)).toBe(performer.address);
  });

  it("uses the domain separator of the records module's domain", async () => {
    const { domain: typedDomain } = recordTypedData(record, domain());
    const separator = await reader.publicClient.readContract({
      address: contracts.gateway,
      abi: taskGatewayAbi,
      functionName: "recordDomainSeparator",
    });

    expect(separator).toBe(domainSeparator({ domain: typedDomain ?? {} }));
  });

  it("recovers someone else when any signed field changes", async () => {
    const signature = await performer.signTypedData(
      recordTypedData(record, domain()),
    );
    const tampered = { ...record, outputHash: keccak256(toHex("other")) };

    expect(await recoverOnChain(tampered, signature)).not.toBe(
      performer.address,
    );
  });

  it("refuses a malleable copy of a signature", async () => {
    const signature = await performer.signTypedData(
      recordTypedData(record, domain()),
    );
    const order =
      0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${signature.slice(66, 130)}`);
    const v = signature.slice(130) === "1b" ? "1c" : "1b";
    const flipped =
      `${signature.slice(0, 66)}${(order - s).toString(16).padStart(64, "0")}${v}` as Hex;

    expect(await recoverOnChain(record, flipped)).toBe(
      "0x0000000000000000000000000000000000000000",
    );
  });
});
