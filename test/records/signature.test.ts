import {
  concat,
  encodeAbiParameters,
  hashTypedData,
  keccak256,
  recoverTypedDataAddress,
  toHex,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  RECORD_SIGNATURE_TYPE,
  recordTypedData,
} from "../../records/signature";
import { sampleRecord } from "./fixtures";

const domain = {
  chainId: 31337,
  verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
} as const;
// A throwaway key made up for this test; it holds nothing anywhere.
const performer = privateKeyToAccount(`0x${"11".repeat(32)}`);

describe("recordTypedData", () => {
  it("hashes as a Solidity contract would rebuild it by hand", () => {
    const record = sampleRecord();
    const text = (value: string) => keccak256(toHex(value));
    const domainSeparator = keccak256(
      encodeAbiParameters(
        [
          { type: "bytes32" },
          { type: "bytes32" },
          { type: "bytes32" },
          { type: "uint256" },
          { type: "address" },
        ],
        [
          text(
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
          ),
          text("TriggerX Execution Record"),
          text("1"),
          31337n,
          domain.verifyingContract,
        ],
      ),
    );
    const structHash = keccak256(
      encodeAbiParameters(
        [
          { type: "bytes32" },
          { type: "bytes32" },
          { type: "uint256" },
          { type: "uint256" },
          { type: "bytes32" },
          { type: "bytes32" },
        ],
        [
          text(RECORD_SIGNATURE_TYPE),
          text(record.executionId),
          42n,
          7n,
          record.inputHash,
          record.outputHash ?? zeroHash,
        ],
      ),
    );

    expect(hashTypedData(recordTypedData(record, domain))).toBe(
      keccak256(concat(["0x1901", domainSeparator, structHash])),
    );
  });

  it("lets anyone recover the performer from a signed record", async () => {
    const typedData = recordTypedData(sampleRecord(), domain);
    const signature = await performer.signTypedData(typedData);

    await expect(
      recoverTypedDataAddress({ ...typedData, signature }),
    ).resolves.toBe(performer.address);
  });

  it("signs the zero hash for a run that has no output hash", () => {
    const record = sampleRecord({
      result: {
        status: "failed",
        error: { code: "LIMIT_WALL_TIME", message: "stopped" },
        reproducible: false,
      },
    });

    expect(recordTypedData(record, domain).message.outputHash).toBe(zeroHash);
  });

  it("refuses ids that are not decimal integers", () => {
    expect(() =>
      recordTypedData({ ...sampleRecord(), jobId: "0x2a" }, domain),
    ).toThrowErrorMatchingInlineSnapshot(
      `"record jobId must be a decimal integer, got "0x2a""`,
    );
  });
});
