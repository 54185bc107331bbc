import fc from "fast-check";
import { canonicalJson, sha256Hex } from "../../records/canonical";
import {
  inputHash,
  outputHash,
  storageHash,
  transcriptHash,
} from "../../records/hashes";
import type { RecordResult } from "../../records/record";
import { sampleRecord } from "./fixtures";

const target = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045";

function success(
  output: Partial<Extract<RecordResult, { status: "success" }>["output"]>,
): RecordResult {
  return {
    status: "success",
    output: {
      shouldExecute: false,
      targetContract: null,
      calldata: null,
      storageUpdates: {},
      metadata: null,
      ...output,
    },
  };
}

describe("outputHash", () => {
  it("hashes the canonical JSON of the call and the storage updates", () => {
    const result = success({
      shouldExecute: true,
      targetContract: target,
      calldata: "0xa9059cbb",
      storageUpdates: { z: "1", a: null },
    });

    expect(outputHash(result)).toBe(
      sha256Hex(
        `{"calldata":"0xa9059cbb","shouldExecute":true,"storageUpdates":{"a":null,"z":"1"},"targetContract":"${target}"}`,
      ),
    );
  });

  it("hashes a run without a call with null target and calldata", () => {
    expect(outputHash(success({}))).toBe(
      sha256Hex(
        '{"calldata":null,"shouldExecute":false,"storageUpdates":{},"targetContract":null}',
      ),
    );
  });

  it("leaves metadata out, since it proves nothing", () => {
    expect(outputHash(success({ metadata: { reason: "x" } }))).toBe(
      outputHash(success({})),
    );
  });

  it("does not depend on the spelling of the target or calldata", () => {
    const call = { shouldExecute: true, calldata: "0xA9059CBB" as const };

    expect(outputHash(success({ ...call, targetContract: target }))).toBe(
      outputHash(
        success({
          ...call,
          targetContract: target.toLowerCase() as `0x${string}`,
          calldata: "0xa9059cbb",
        }),
      ),
    );
  });

  it("commits to the storage updates: changing one changes the hash", () => {
    const updates = fc.dictionary(
      fc.stringMatching(/^[a-z]{1,4}$/),
      fc.option(fc.string({ maxLength: 4 }), { nil: null }),
      { minKeys: 1 },
    );

    fc.assert(
      fc.property(updates, fc.string({ maxLength: 4 }), (storageUpdates, v) => {
        const [key, value] = Object.entries(storageUpdates)[0] ?? ["", null];
        fc.pre(value !== v);
        const changed = { ...storageUpdates, [key]: v };

        expect(outputHash(success({ storageUpdates: changed }))).not.toBe(
          outputHash(success({ storageUpdates })),
        );
      }),
    );
  });

  it("hashes a reproducible failure by its code only", () => {
    const failure = (message: string): RecordResult => ({
      status: "failed",
      error: { code: "LIMIT_FUEL", message },
      reproducible: true,
    });

    expect(outputHash(failure("ran out of fuel"))).toBe(
      sha256Hex('{"code":"LIMIT_FUEL","status":"failed"}'),
    );
    expect(outputHash(failure("other words"))).toBe(
      outputHash(failure("ran out of fuel")),
    );
  });

  it("gives a run stopped by the wall clock no output hash", () => {
    expect(
      outputHash({
        status: "failed",
        error: { code: "LIMIT_WALL_TIME", message: "stopped" },
        reproducible: false,
      }),
    ).toBeNull();
  });
});

describe("inputHash", () => {
  const record = sampleRecord();

  it("hashes the canonical JSON of the documented fields", () => {
    const { wallTimeMs: _ignored, ...limits } = record.limits;

    expect(record.inputHash).toBe(
      sha256Hex(
        canonicalJson({
          version: 1,
          executionId: record.executionId,
          jobId: "42",
          taskId: "7",
          timestamp: 1_700_000_000,
          chainId: "31337",
          storageHash: storageHash(record.storage.snapshot),
          scriptHash: record.script.hash,
          runtimeBuild: record.runtimeBuild,
          limits,
          secretNames: ["API_KEY"],
          pinnedBlock: "19000000",
          transcriptHash: transcriptHash(record.transcript),
        }),
      ),
    );
  });

  it("changes with every input a replay depends on", () => {
    const variants = [
      { ...record, executionId: "other" },
      { ...record, jobId: "43" },
      { ...record, taskId: "8" },
      { ...record, timestamp: record.timestamp + 1 },
      { ...record, chainId: "1" },
      { ...record, storage: { ...record.storage, hash: sha256Hex("x") } },
      { ...record, script: { ...record.script, hash: sha256Hex("y") } },
      { ...record, runtimeBuild: "quickjs-0.33.0+bridge-1" },
      { ...record, limits: { ...record.limits, fuel: 1 } },
      { ...record, secretNames: [] },
      { ...record, pinnedBlock: "19000001" },
      { ...record, transcriptHash: sha256Hex("z") },
    ];
    const hashes = new Set(variants.map(inputHash));

    expect(hashes.size).toBe(variants.length);
    expect(hashes.has(record.inputHash)).toBe(false);
  });

  it("ignores the wall-clock backstop and the order of secret names", () => {
    expect(
      inputHash({
        ...record,
        limits: { ...record.limits, wallTimeMs: 1 },
        secretNames: ["B", "A"],
      }),
    ).toBe(inputHash({ ...record, secretNames: ["A", "B"] }));
  });
});

describe("storageHash", () => {
  it("does not depend on the order keys were written in", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), (snapshot) => {
        const reversed = Object.fromEntries(Object.entries(snapshot).reverse());
        expect(storageHash(reversed)).toBe(storageHash(snapshot));
      }),
    );
  });
});
