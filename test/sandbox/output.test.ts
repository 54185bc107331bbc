import fc from "fast-check";
import { getAddress } from "viem";
import { isTriggerxError } from "../../errors/base";
import {
  applyStorageUpdates,
  type OutputLimits,
  parseScriptOutput,
  parseScriptOutputLine,
  storageBytes,
} from "../../sandbox/output";

const limits: OutputLimits = {
  maxOutputBytes: 64 * 1024,
  maxStorageKeys: 100,
  maxValueBytes: 4096,
  maxStorageBytes: 64 * 1024,
};
const lower = "0xd8da6bf26964af9d7eed9e03e53415d37aa96045";
const checksummed = getAddress(lower);
const call = {
  shouldExecute: true,
  targetContract: lower,
  calldata: "0xA9059CBB",
};

function parse(raw: unknown, before: Record<string, string> = {}) {
  return parseScriptOutput(raw, limits, before);
}

describe("parseScriptOutput", () => {
  it("normalises a call: checksummed target, lower-case calldata", () => {
    expect(parse({ ...call, storageUpdates: { b: "2", a: null } })).toEqual({
      shouldExecute: true,
      targetContract: checksummed,
      calldata: "0xa9059cbb",
      storageUpdates: { a: null, b: "2" },
      metadata: null,
    });
  });

  it("drops target and calldata when the script does not execute", () => {
    expect(
      parse({ shouldExecute: false, targetContract: "junk", calldata: 7 }),
    ).toEqual({
      shouldExecute: false,
      targetContract: null,
      calldata: null,
      storageUpdates: {},
      metadata: null,
    });
  });

  it("keeps metadata but never self-reported calls", () => {
    const output = parse({
      shouldExecute: false,
      metadata: { reason: "price moved", apiCalls: 3, contractCalls: [] },
    });

    expect(output.metadata).toEqual({ reason: "price moved" });
  });

  it("refuses output that is not an object", () => {
    expect(() => parse([call])).toThrowErrorMatchingInlineSnapshot(
      `"script output must be a JSON object, got an array"`,
    );
    expect(() => parse(null)).toThrowErrorMatchingInlineSnapshot(
      `"script output must be a JSON object, got null"`,
    );
    expect(() => parse(undefined)).toThrowErrorMatchingInlineSnapshot(
      `"script output must be a JSON object, got nothing"`,
    );
  });

  it("refuses a shouldExecute that is not a boolean", () => {
    expect(() =>
      parse({ shouldExecute: "true" }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"output.shouldExecute must be a boolean, got "true""`,
    );
  });

  it("refuses a missing, malformed or wrongly checksummed target", () => {
    expect(() =>
      parse({ ...call, targetContract: undefined }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"output.targetContract must be 0x and 40 hex digits when shouldExecute is true, got nothing"`,
    );
    expect(() =>
      parse({ ...call, targetContract: "0x1234" }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"output.targetContract must be 0x and 40 hex digits when shouldExecute is true, got "0x1234""`,
    );

    const flipped = flipCaseOfFirstLetter(checksummed);
    expect(() =>
      parse({ ...call, targetContract: flipped }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"output.targetContract 0xD8dA6BF26964aF9D7eEd9e03E53415D37aA96045 has a wrong EIP-55 checksum"`,
    );
  });

  it("accepts an address in one case throughout, which carries no checksum", () => {
    const upper = `0x${lower.slice(2).toUpperCase()}`;

    expect(parse({ ...call, targetContract: upper }).targetContract).toBe(
      checksummed,
    );
    expect(parse({ ...call, targetContract: checksummed }).targetContract).toBe(
      checksummed,
    );
  });

  it("refuses calldata that is not even-length hex with a selector", () => {
    expect(() =>
      parse({ ...call, calldata: "a9059cbb" }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"output.calldata must be 0x-prefixed hex when shouldExecute is true, got "a9059cbb""`,
    );
    expect(() =>
      parse({ ...call, calldata: "0xa9059cb" }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"output.calldata has an odd number of hex digits"`,
    );
    expect(() =>
      parse({ ...call, calldata: "0xa905" }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"output.calldata must hold at least a 4-byte function selector, got 2 bytes"`,
    );
  });

  it("refuses storage updates of the wrong shape", () => {
    expect(() =>
      parse({ shouldExecute: false, storageUpdates: ["a"] }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"output.storageUpdates must be an object of strings and nulls, got an array"`,
    );
    expect(() =>
      parse({ shouldExecute: false, storageUpdates: { "last-price": "1" } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"output.storageUpdates key "last-price" may use only letters, digits and _"`,
    );
    expect(() =>
      parse({ shouldExecute: false, storageUpdates: { price: 1234 } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"output.storageUpdates.price must be a string or null, got a number"`,
    );
  });

  it("names the storage limit that trips, and its value", () => {
    const tight = {
      ...limits,
      maxStorageKeys: 2,
      maxValueBytes: 4,
      maxStorageBytes: 10,
    };
    const run = (updates: object, before: Record<string, string> = {}) =>
      parseScriptOutput(
        { shouldExecute: false, storageUpdates: updates },
        tight,
        before,
      );

    expect(() => run({ v: "\u20ac\u20ac" })).toThrowErrorMatchingInlineSnapshot(
      `"output.storageUpdates.v is 6 bytes, over the limit maxValueBytes = 4"`,
    );
    expect(() =>
      run({ c: "3" }, { a: "1", b: "2" }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"storage would hold 3 keys after the updates, over the limit maxStorageKeys = 2"`,
    );
    expect(() =>
      run({ bb: "2222" }, { aaa: "111" }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"storage would hold 12 bytes after the updates, over the limit maxStorageBytes = 10"`,
    );
  });

  it("counts keys after deletions, so a full storage can swap keys", () => {
    const tight = { ...limits, maxStorageKeys: 2 };
    const output = parseScriptOutput(
      { shouldExecute: false, storageUpdates: { a: null, c: "3" } },
      tight,
      { a: "1", b: "2" },
    );

    expect(output.storageUpdates).toEqual({ a: null, c: "3" });
  });

  it("refuses output over maxOutputBytes", () => {
    const small = { ...limits, maxOutputBytes: 32 };
    const raw = { shouldExecute: false, metadata: { note: "x".repeat(20) } };

    expect(() =>
      parseScriptOutput(raw, small, {}),
    ).toThrowErrorMatchingInlineSnapshot(
      `"script output is 66 bytes, over the limit maxOutputBytes = 32"`,
    );
  });

  it("refuses metadata that is not an object", () => {
    expect(() =>
      parse({ shouldExecute: false, metadata: "hi" }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"output.metadata must be an object, got "hi""`,
    );
  });

  it("throws only TriggerxErrors, whatever the script returns", () => {
    fc.assert(
      fc.property(outputLike(), (raw) => {
        try {
          parse(raw);
        } catch (error) {
          expect(isTriggerxError(error)).toBe(true);
        }
      }),
    );
  });

  it("accepts every well-formed output and keeps its updates", () => {
    fc.assert(
      fc.property(validOutput(), (raw) => {
        const output = parse(raw);

        expect(output.storageUpdates).toEqual(raw.storageUpdates);
        expect(output.shouldExecute).toBe(raw.shouldExecute);
      }),
    );
  });
});

describe("parseScriptOutputLine", () => {
  it("reads the last non-blank line of standard output", () => {
    const stdout = `debug line\n${JSON.stringify({ shouldExecute: false })}\n\n`;

    expect(parseScriptOutputLine(stdout, limits, {}).shouldExecute).toBe(false);
  });

  it("says when there is no line or it is not JSON", () => {
    expect(() =>
      parseScriptOutputLine(" \n", limits, {}),
    ).toThrowErrorMatchingInlineSnapshot(
      `"the script printed no output line to standard output"`,
    );
    // The parser's own words differ between engines, so they stay out of the
    // message and only the cause carries them.
    expect(() => parseScriptOutputLine("{oops", limits, {})).toThrow(
      expect.objectContaining({
        code: "OUTPUT_NOT_JSON",
        message: "the last line of standard output is not valid JSON",
      }),
    );
  });
});

describe("applyStorageUpdates", () => {
  it("sets, overwrites and deletes keys", () => {
    expect(
      applyStorageUpdates({ a: "1", b: "2" }, { a: null, b: "x", c: "3" }),
    ).toEqual({
      b: "x",
      c: "3",
    });
  });

  it("keeps a key named __proto__ as an ordinary key", () => {
    const after = applyStorageUpdates({}, JSON.parse('{"__proto__":"v"}'));

    expect(Object.getPrototypeOf(after)).toBe(Object.prototype);
    expect(Object.keys(after)).toEqual(["__proto__"]);
  });

  it("matches the updates key by key and leaves the rest alone", () => {
    fc.assert(
      fc.property(storage(), updates(), (before, changes) => {
        const frozen = structuredClone(before);
        const after = applyStorageUpdates(before, changes);

        expect(before).toEqual(frozen);
        for (const key of new Set([
          ...Object.keys(before),
          ...Object.keys(changes),
        ])) {
          const change = Object.hasOwn(changes, key)
            ? changes[key]
            : before[key];
          expect(Object.hasOwn(after, key) ? after[key] : null).toBe(
            change ?? null,
          );
        }
      }),
    );
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(storage(), updates(), (before, changes) => {
        const once = applyStorageUpdates(before, changes);
        expect(applyStorageUpdates(once, changes)).toEqual(once);
      }),
    );
  });
});

describe("storageBytes", () => {
  it("counts keys and values as UTF-8", () => {
    expect(storageBytes({ ab: "\u20ac" })).toBe(5);
  });
});

const keyChars = "abcXYZ019_";
const key = fc.string({
  unit: fc.constantFrom(...keyChars),
  minLength: 1,
  maxLength: 8,
});

function storage() {
  return fc.dictionary(key, fc.string({ maxLength: 8 }), { maxKeys: 10 });
}

function updates() {
  return fc.dictionary(
    key,
    fc.option(fc.string({ maxLength: 8 }), { nil: null }),
    {
      maxKeys: 10,
    },
  );
}

function validOutput() {
  return fc.record({
    shouldExecute: fc.boolean(),
    targetContract: fc
      .uint8Array({ minLength: 20, maxLength: 20 })
      .map((bytes) => getAddress(`0x${Buffer.from(bytes).toString("hex")}`)),
    calldata: fc
      .uint8Array({ minLength: 4, maxLength: 64 })
      .map((bytes) => `0x${Buffer.from(bytes).toString("hex")}`),
    storageUpdates: updates(),
  });
}

function outputLike() {
  return fc.oneof(
    fc.anything(),
    validOutput().chain((valid) =>
      fc.record({
        shouldExecute: fc.oneof(
          fc.constant(valid.shouldExecute),
          fc.anything(),
        ),
        targetContract: fc.oneof(
          fc.constant(valid.targetContract),
          fc.anything(),
        ),
        calldata: fc.oneof(
          fc.constant(valid.calldata),
          fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFx") }),
          fc.anything(),
        ),
        storageUpdates: fc.oneof(
          fc.constant(valid.storageUpdates),
          fc.dictionary(fc.string(), fc.anything()),
        ),
        metadata: fc.anything(),
      }),
    ),
  );
}

function flipCaseOfFirstLetter(address: string): string {
  const index = address.slice(2).search(/[a-fA-F]/) + 2;
  const char = address.charAt(index);
  const flipped =
    char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase();
  return address.slice(0, index) + flipped + address.slice(index + 1);
}
