import fc from "fast-check";
import { canonicalJson, sha256Hex } from "../../records/canonical";

describe("canonicalJson", () => {
  it("sorts keys and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: [true, null, { d: "x", c: 2 }] })).toBe(
      '{"a":[true,null,{"c":2,"d":"x"}],"b":1}',
    );
  });

  it("orders keys by UTF-16 code units, not by code points", () => {
    // U+1F600 is stored as the pair D83D DE00, which sorts before U+FB33.
    const value = {
      "\u{FB33}": 7,
      "\u{1F600}": 6,
      "\u20ac": 5,
      "\u00f6": 4,
      "\u0080": 3,
      "1": 2,
      "\r": 1,
    };

    expect(canonicalJson(value)).toBe(
      '{"\\r":1,"1":2,"\u0080":3,"\u00f6":4,"\u20ac":5,"\u{1F600}":6,"\u{FB33}":7}',
    );
  });

  it("writes numbers the way ECMAScript does", () => {
    const cases: Array<[number, string]> = [
      [0, "0"],
      [-0, "0"],
      [1, "1"],
      [-1.5, "-1.5"],
      [1e21, "1e+21"],
      [1e20, "100000000000000000000"],
      [1e-6, "0.000001"],
      [1e-7, "1e-7"],
      [333333333.3333333, "333333333.3333333"],
      [5e-324, "5e-324"],
      [1.7976931348623157e308, "1.7976931348623157e+308"],
      [9007199254740992, "9007199254740992"],
    ];

    for (const [input, text] of cases) expect(canonicalJson(input)).toBe(text);
  });

  it("escapes only what JSON requires", () => {
    expect(canonicalJson('"\\/\b\f\n\r\t\u000f\u007f\u20ac\u{1F600}')).toBe(
      '"\\"\\\\/\\b\\f\\n\\r\\t\\u000f\u007f\u20ac\u{1F600}"',
    );
  });

  it("drops undefined members of objects", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it("refuses values JSON cannot carry canonically", () => {
    expect(() =>
      canonicalJson({ a: [1, Number.NaN] }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"cannot encode NaN at $.a[1] as canonical JSON"`,
    );
    expect(() =>
      canonicalJson(Number.POSITIVE_INFINITY),
    ).toThrowErrorMatchingInlineSnapshot(
      `"cannot encode Infinity at $ as canonical JSON"`,
    );
    expect(() => canonicalJson([undefined])).toThrowErrorMatchingInlineSnapshot(
      `"cannot encode undefined at $[0] as canonical JSON"`,
    );
    expect(() => canonicalJson({ n: 1n })).toThrowErrorMatchingInlineSnapshot(
      `"cannot encode bigint at $.n as canonical JSON"`,
    );
    expect(() =>
      canonicalJson({ d: new Date(0) }),
    ).toThrowErrorMatchingInlineSnapshot(
      `"cannot encode an instance of Date at $.d as canonical JSON"`,
    );
    expect(() => canonicalJson("a\ud800b")).toThrowErrorMatchingInlineSnapshot(
      `"cannot encode a lone surrogate at $ as canonical JSON"`,
    );

    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrowErrorMatchingInlineSnapshot(
      `"cannot encode a cycle at $.self as canonical JSON"`,
    );
  });

  it("encodes a value shared by two members twice, since it is no cycle", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe(
      '{"a":{"x":1},"b":{"x":1}}',
    );
  });

  it("does not depend on the order in which keys were inserted", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.infiniteStream(fc.nat()),
        (object, randoms) => {
          const entries = Object.entries(object);
          const shuffled = entries
            .map((entry) => ({ entry, rank: randoms.next().value }))
            .sort((a, b) => a.rank - b.rank)
            .map(({ entry }) => entry);

          expect(canonicalJson(Object.fromEntries(shuffled))).toBe(
            canonicalJson(object),
          );
        },
      ),
    );
  });

  it("is a fixed point of parse and canonicalize", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonicalJson(value);
        expect(canonicalJson(JSON.parse(once))).toBe(once);
      }),
    );
  });

  it("keeps the value: parsing the text gives back an equal value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false }), (value) => {
        const normalized = JSON.parse(JSON.stringify(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(normalized);
      }),
    );
  });
});

describe("sha256Hex", () => {
  it("hashes strings as UTF-8 and bytes as they are", () => {
    expect(sha256Hex("")).toBe(
      "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(sha256Hex("\u20ac")).toBe(
      sha256Hex(new Uint8Array([0xe2, 0x82, 0xac])),
    );
  });
});
