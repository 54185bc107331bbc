import { createHash } from "node:crypto";
import fc from "fast-check";
import {
  computeCid,
  decodeBase32,
  decodeVarint,
  encodeBase32,
  encodeVarint,
  parseCid,
} from "../../content/cid";

const text = (value: string) => new TextEncoder().encode(value);

describe("computeCid", () => {
  // Worked by hand from the CID spec: the binary CID is
  // 0x01 (version) 0x55 (raw) 0x12 (sha2-256) 0x20 (32 bytes) + digest.
  // Its first 5 bytes 01 55 12 20 2c, as 5-bit groups:
  // 00000 00101 01010 10001 00100 01000 00101 100.. -> a f k r e i f ...,
  // so every raw sha2-256 CIDv1 starts with "bafkrei".
  it("writes the CID of 'hello' as IPFS does for a raw block", () => {
    expect(computeCid(text("hello"))).toBe(
      "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq",
    );
  });

  it("writes the CID of no bytes", () => {
    expect(computeCid(new Uint8Array())).toBe(
      "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
    );
  });

  it("carries the sha-256 digest that parseCid gives back", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        const digest = createHash("sha256").update(bytes).digest("hex");
        const parsed = parseCid(computeCid(bytes));
        expect(Buffer.from(parsed.digest).toString("hex")).toBe(digest);
      }),
    );
  });
});

describe("base32 and varints", () => {
  it("encodes the RFC 4648 test vectors, lower case and unpadded", () => {
    const vectors: Array<[string, string]> = [
      ["", ""],
      ["f", "my"],
      ["fo", "mzxq"],
      ["foo", "mzxw6"],
      ["foob", "mzxw6yq"],
      ["fooba", "mzxw6ytb"],
      ["foobar", "mzxw6ytboi"],
    ];
    for (const [plain, encoded] of vectors) {
      expect(encodeBase32(text(plain))).toBe(encoded);
      expect(decodeBase32(encoded)).toEqual(text(plain));
    }
  });

  it("round-trips any bytes through base32", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeBase32(encodeBase32(bytes))).toEqual(bytes);
      }),
    );
  });

  it("writes varints seven bits at a time, low group first", () => {
    expect(encodeVarint(0x55)).toEqual([0x55]);
    expect(encodeVarint(0x80)).toEqual([0x80, 0x01]);
    expect(encodeVarint(300)).toEqual([0xac, 0x02]);
    expect(decodeVarint(Uint8Array.from([0xac, 0x02]), 0)).toEqual({
      value: 300,
      next: 2,
    });
  });
});

describe("parseCid", () => {
  const hello = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq";

  it("accepts upper-case base32 and gives the canonical form", () => {
    expect(parseCid(hello.toUpperCase()).cid).toBe(hello);
  });

  it("refuses text that is not a CID the network uses", () => {
    const messages = [
      "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
      "bafkrei!",
      hello.slice(0, 21),
      // A dag-pb CIDv1: codec 0x70, its bytes are a UnixFS node.
      "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
    ].map((cid) => {
      try {
        parseCid(cid);
        return "accepted";
      } catch (error) {
        return `${(error as { code: string }).code}: ${(error as Error).message}`;
      }
    });

    expect(messages).toMatchInlineSnapshot(`
[
  "CONTENT_INVALID_CID: "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG" is not a CID this network uses: expected a CIDv1 in base32 (starting with b)",
  "CONTENT_INVALID_CID: "bafkrei!" is not a CID this network uses: it is not valid base32",
  "CONTENT_INVALID_CID: "bafkreibm6jg3ux5qumhc" is not a CID this network uses: it is not valid base32",
  "CONTENT_INVALID_CID: "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi" is not a CID this network uses: codec 0x70 is not raw (0x55)",
]
`);
  });
});
