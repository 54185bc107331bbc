import fc from "fast-check";
import { buildEnv } from "../../sandbox/env";
import { limitExceeded } from "../../sandbox/errors";
import { pinRpcBody } from "../../sandbox/rpc";
import { MAX_MEMORY_BYTES, resolveLimits } from "../../sandbox/runtime";
import { DEFAULT_LIMITS } from "../../sandbox/types";
import { inputs } from "./helpers";

describe("resolveLimits", () => {
  it("fills in the defaults of the script contract", () => {
    expect(resolveLimits({ fuel: 1000 })).toEqual({
      ...DEFAULT_LIMITS,
      fuel: 1000,
    });
    expect(DEFAULT_LIMITS).toMatchObject({
      memoryBytes: 128 * 1024 * 1024,
      maxRequests: 20,
      maxResponseBytes: 2 * 1024 * 1024,
      maxOutputBytes: 64 * 1024,
      maxStorageKeys: 100,
      maxValueBytes: 4096,
      maxStorageBytes: 64 * 1024,
    });
  });

  it("refuses limits that are not positive integers or over the heap", () => {
    expect(() =>
      resolveLimits({ maxRequests: -1 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"limit maxRequests must be a positive integer"`,
    );
    expect(() =>
      resolveLimits({ memoryBytes: MAX_MEMORY_BYTES + 1 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"limit memoryBytes may be at most 1006632960"`,
    );
  });

  it("names each tripped limit and its value in one shape", () => {
    expect(
      limitExceeded("LIMIT_FUEL", "fuel", 50_000_000).message,
    ).toMatchInlineSnapshot(`"script exceeded its fuel limit of 50000000"`);
    expect(
      limitExceeded("LIMIT_REQUESTS", "request count", 20).toJSON(),
    ).toMatchInlineSnapshot(`
{
  "code": "LIMIT_REQUESTS",
  "details": [],
  "message": "script exceeded its request count limit of 20",
}
`);
  });
});

describe("buildEnv", () => {
  it("gives every storage key its own variable and the whole storage as JSON", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/), fc.string()),
        (storage) => {
          const env = buildEnv(inputs({ storage }));

          expect(JSON.parse(env.TRIGGERX_STORAGE ?? "")).toEqual(storage);
          for (const [key, value] of Object.entries(storage)) {
            expect(env[`TRIGGERX_STORAGE_${key}`]).toBe(value);
          }
        },
      ),
    );
  });
});

describe("pinRpcBody", () => {
  it("is idempotent and touches only floating block tags", () => {
    const block = fc.oneof(
      fc.constantFrom("latest", "pending", "earliest", "safe", "finalized"),
      fc.bigInt({ min: 0n, max: 1n << 40n }).map((n) => `0x${n.toString(16)}`),
    );
    fc.assert(
      fc.property(
        block,
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        (tag, pinned) => {
          const body = JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "eth_call",
            params: [{ to: "0x1" }, tag],
          });

          const once = pinRpcBody(body, pinned.toString()).body;

          const expected =
            tag === "latest" || tag === "pending"
              ? `0x${pinned.toString(16)}`
              : tag;
          expect(JSON.parse(once).params[1]).toBe(expected);
          expect(pinRpcBody(once, pinned.toString()).body).toBe(once);
        },
      ),
    );
  });
});
