import { scriptHash } from "../../records/hashes";
import {
  createExecutionRecord,
  type ExecutionRecordFields,
} from "../../records/record";
import { DEFAULT_LIMITS } from "../../sandbox/types";

/** Source of the script the sample records ran. */
export const SAMPLE_SOURCE =
  "console.log(JSON.stringify({ shouldExecute: false }));\n";

/** The fields of a plausible run, for tests to vary. */
export function sampleFields(
  overrides: Partial<ExecutionRecordFields> = {},
): ExecutionRecordFields {
  return {
    executionId: "6f1c0a52-0d3e-4c7a-9b7e-2a4b8c9d0e1f",
    jobId: "42",
    taskId: "7",
    timestamp: 1_700_000_000,
    chainId: "31337",
    storage: { lastPrice: "1234.56", counter: "3" },
    script: {
      hash: scriptHash(SAMPLE_SOURCE),
      language: "javascript",
      cid: null,
      source: SAMPLE_SOURCE,
    },
    runtimeBuild: "quickjs-0.32.0+bridge-1",
    limits: { ...DEFAULT_LIMITS },
    secretNames: ["API_KEY"],
    pinnedBlock: "19000000",
    transcript: {
      pinnedBlock: "19000000",
      exchanges: [
        {
          index: 0,
          request: {
            method: "GET",
            url: "https://prices.test/eth?key=<secret:API_KEY>",
            headers: [["accept", "application/json"]],
            body: null,
          },
          response: {
            status: 200,
            url: "https://prices.test/eth?key=<secret:API_KEY>",
            headers: [["content-type", "application/json"]],
            bodyBase64: Buffer.from('{"price":1250.1}').toString("base64"),
          },
        },
      ],
    },
    result: {
      status: "success",
      output: {
        shouldExecute: true,
        targetContract: "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045",
        calldata: "0xa9059cbb",
        storageUpdates: { lastPrice: "1250.1" },
        metadata: { reason: "price moved" },
      },
    },
    usage: {
      fuel: 1234,
      memoryBytes: 2_000_000,
      wallMs: 12,
      requests: 1,
      requestBytes: 0,
      responseBytes: 16,
    },
    ...overrides,
  };
}

/** A complete record of the sample run. */
export function sampleRecord(overrides: Partial<ExecutionRecordFields> = {}) {
  return createExecutionRecord(sampleFields(overrides));
}
