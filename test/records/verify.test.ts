import { sha256Hex } from "../../records/canonical";
import { createExecutionRecord } from "../../records/record";
import { verifyRecordHashes } from "../../records/verify";
import { sampleFields, sampleRecord } from "./fixtures";

describe("verifyRecordHashes", () => {
  it("finds nothing wrong with a record as it was created", () => {
    expect(verifyRecordHashes(sampleRecord())).toEqual({
      ok: true,
      mismatches: [],
    });
  });

  it("survives a round trip through JSON", () => {
    const copy = JSON.parse(JSON.stringify(sampleRecord()));

    expect(verifyRecordHashes(copy).ok).toBe(true);
  });

  it("catches a storage snapshot changed after hashing", () => {
    const record = sampleRecord();
    record.storage.snapshot.counter = "4";

    expect(fieldsOf(verifyRecordHashes(record))).toEqual([
      "storage.hash",
      "inputHash",
    ]);
  });

  it("catches a transcript response changed after hashing", () => {
    const record = sampleRecord();
    const exchange = record.transcript.exchanges[0];
    if (!exchange || !("response" in exchange)) throw new Error("fixture");
    exchange.response.bodyBase64 = Buffer.from("{}").toString("base64");

    expect(fieldsOf(verifyRecordHashes(record))).toEqual([
      "transcriptHash",
      "inputHash",
    ]);
  });

  it("catches an output changed after hashing", () => {
    const record = sampleRecord();
    if (record.result.status !== "success") throw new Error("fixture");
    record.result.output.storageUpdates.lastPrice = "9999";

    expect(verifyRecordHashes(record).mismatches).toEqual([
      {
        field: "outputHash",
        recorded: sampleRecord().outputHash,
        computed: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      },
    ]);
  });

  it("catches inline source that is not the hashed script", () => {
    const record = sampleRecord();
    record.script.source = "console.log('something else')";

    expect(fieldsOf(verifyRecordHashes(record))).toEqual(["script.hash"]);
  });

  it("catches a pinned block that differs from the transcript's", () => {
    const record = { ...sampleRecord(), pinnedBlock: "1" };

    expect(fieldsOf(verifyRecordHashes(record))).toEqual([
      "pinnedBlock",
      "inputHash",
    ]);
  });

  it("catches an output hash claimed for a run that has none", () => {
    const record = sampleRecord({
      result: {
        status: "failed",
        error: { code: "LIMIT_WALL_TIME", message: "stopped" },
        reproducible: false,
      },
    });

    expect(record.outputHash).toBeNull();
    expect(
      verifyRecordHashes({ ...record, outputHash: sha256Hex("x") }).mismatches,
    ).toEqual([
      { field: "outputHash", recorded: sha256Hex("x"), computed: null },
    ]);
  });
});

describe("createExecutionRecord", () => {
  it("sorts secret names and leaves performer and signature empty", () => {
    const record = sampleRecord({ secretNames: ["B_KEY", "A_KEY"] });

    expect(record).toMatchObject({
      version: 1,
      secretNames: ["A_KEY", "B_KEY"],
      performer: null,
      signature: null,
    });
  });

  it("refuses a pinned block that differs from the transcript's", () => {
    expect(() =>
      createExecutionRecord(sampleFields({ pinnedBlock: null })),
    ).toThrowErrorMatchingInlineSnapshot(
      `"the record's pinned block differs from its transcript's"`,
    );
  });
});

function fieldsOf(result: { mismatches: Array<{ field: string }> }) {
  return result.mismatches.map(({ field }) => field);
}
