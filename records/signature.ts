import {
  type Address,
  type Hex,
  type TypedDataDefinition,
  zeroHash,
} from "viem";
import { TriggerxError } from "../errors/base";
import type { ExecutionRecord } from "./record";

/**
 * The EIP-712 structure a performer signs over a record, shared by the
 * keeper (which signs), validators (which check) and the challenge contract
 * (which recovers the signer on chain). One definition, so the three cannot
 * drift apart.
 */

/** Name of the EIP-712 domain of record signatures. */
export const RECORD_DOMAIN_NAME = "TriggerX Execution Record";

/** Version of the EIP-712 domain of record signatures. */
export const RECORD_DOMAIN_VERSION = "1";

/**
 * The typed-data `types` of a record signature. In Solidity the type string
 * is {@link RECORD_SIGNATURE_TYPE}.
 */
export const RECORD_SIGNATURE_TYPES = {
  ExecutionRecord: [
    { name: "executionId", type: "string" },
    { name: "jobId", type: "uint256" },
    { name: "taskId", type: "uint256" },
    { name: "inputHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
  ],
} as const;

/** The EIP-712 type string, whose keccak-256 is the struct's type hash. */
export const RECORD_SIGNATURE_TYPE =
  "ExecutionRecord(string executionId,uint256 jobId,uint256 taskId,bytes32 inputHash,bytes32 outputHash)";

/** The message a performer signs. */
export interface RecordSignaturePayload {
  executionId: string;
  jobId: bigint;
  taskId: bigint;
  inputHash: Hex;
  /** The record's output hash; all zeros when it has none. */
  outputHash: Hex;
}

/** Where signatures are checked: the chain and the verifying contract. */
export interface RecordDomainParameters {
  chainId: number | bigint;
  verifyingContract: Address;
}

/** The EIP-712 domain of record signatures on one chain and contract. */
export function recordSignatureDomain(parameters: RecordDomainParameters) {
  return {
    name: RECORD_DOMAIN_NAME,
    version: RECORD_DOMAIN_VERSION,
    chainId: parameters.chainId,
    verifyingContract: parameters.verifyingContract,
  } as const;
}

/**
 * The signed message of a record. A record without an output hash (a run
 * stopped by the wall clock) signs the zero hash in its place.
 *
 * @throws TriggerxError `RECORD_INVALID_ID` when the job or task id is not
 *   a decimal integer.
 */
export function recordSignaturePayload(
  record: Pick<
    ExecutionRecord,
    "executionId" | "jobId" | "taskId" | "inputHash" | "outputHash"
  >,
): RecordSignaturePayload {
  return {
    executionId: record.executionId,
    jobId: decimalId("jobId", record.jobId),
    taskId: decimalId("taskId", record.taskId),
    inputHash: record.inputHash,
    outputHash: record.outputHash ?? zeroHash,
  };
}

/**
 * Everything `signTypedData`, `hashTypedData` or `verifyTypedData` of viem
 * need to sign or check a record.
 *
 * @example
 * const typedData = recordTypedData(record, { chainId: 31337, verifyingContract });
 * const signature = await account.signTypedData(typedData);
 */
export function recordTypedData(
  record: Parameters<typeof recordSignaturePayload>[0],
  domain: RecordDomainParameters,
): TypedDataDefinition<typeof RECORD_SIGNATURE_TYPES, "ExecutionRecord"> {
  return {
    domain: recordSignatureDomain(domain),
    types: RECORD_SIGNATURE_TYPES,
    primaryType: "ExecutionRecord",
    message: recordSignaturePayload(record),
  };
}

function decimalId(field: string, value: string): bigint {
  if (!/^(0|[1-9][0-9]*)$/.test(value)) {
    throw new TriggerxError(
      "RECORD_INVALID_ID",
      `record ${field} must be a decimal integer, got ${JSON.stringify(value)}`,
    );
  }
  return BigInt(value);
}
