import fc from "fast-check";
import {
  type HttpExchange,
  normalizeHeaders,
  placeholderSecrets,
  redactExchange,
  redactSecrets,
  redactSecretsInBytes,
} from "../../records/transcript";

describe("redactSecrets", () => {
  it("replaces each secret value with its placeholder", () => {
    expect(
      redactSecrets("Bearer tok-123 for acct-9", {
        TOKEN: "tok-123",
        ACCOUNT: "acct-9",
      }),
    ).toBe("Bearer <secret:TOKEN> for <secret:ACCOUNT>");
  });

  it("prefers the longest secret where two overlap", () => {
    const secrets = { SHORT: "abc", LONG: "abcdef" };

    expect(redactSecrets("abcdef abc", secrets)).toBe(
      "<secret:LONG> <secret:SHORT>",
    );
  });

  it("never rescans a placeholder it wrote", () => {
    expect(redactSecrets("xy", { A: "xy", B: "secret" })).toBe("<secret:A>");
    expect(redactSecrets("q", { A: "q", B: "<secret:A>" })).toBe("<secret:A>");
  });

  it("redacts URL-encoded secrets to the URL-encoded placeholder", () => {
    const secrets = { KEY: "a+b/c=" };

    expect(
      redactSecrets(`https://api.test/?key=${encodeURIComponent("a+b/c=")}`, {
        ...secrets,
      }),
    ).toBe(`https://api.test/?key=${encodeURIComponent("<secret:KEY>")}`);
  });

  it("ignores empty secrets and treats pattern characters literally", () => {
    expect(redactSecrets("a.c abc", { EMPTY: "", DOT: "a.c" })).toBe(
      "<secret:DOT> abc",
    );
  });

  it("leaves no secret value behind", () => {
    const name = fc.stringMatching(/^[A-Z][A-Z_]{0,7}$/);
    const secretValue = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter(
        (value) => !"<secret:>ABCDEFGHIJKLMNOPQRSTUVWXYZ_".includes(value),
      )
      .filter((value) => !/[<>:A-Z_]/.test(value));

    fc.assert(
      fc.property(
        fc.dictionary(name, secretValue, { minKeys: 1, maxKeys: 4 }),
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 6 }),
        (secrets, fillers) => {
          const values = Object.values(secrets);
          const text = fillers
            .map((filler, i) => filler + values[i % values.length])
            .join("");

          const redacted = redactSecrets(text, secrets);
          for (const value of values) expect(redacted).not.toContain(value);
        },
      ),
    );
  });

  it("leaves a redacted text as it is when a replay redacts with placeholders", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.dictionary(fc.stringMatching(/^[A-Z]{1,4}$/), fc.string()),
        (text, secrets) => {
          const once = redactSecrets(text, secrets);
          const placeholders = placeholderSecrets(Object.keys(secrets));
          expect(redactSecrets(once, placeholders)).toBe(once);
        },
      ),
    );
  });
});

describe("redactSecretsInBytes", () => {
  it("finds the UTF-8 bytes of a secret inside binary data", () => {
    const bytes = new Uint8Array([0xff, ...Buffer.from("k\u20acy"), 0x00]);

    expect(Buffer.from(redactSecretsInBytes(bytes, { K: "k\u20acy" }))).toEqual(
      Buffer.from([0xff, ...Buffer.from("<secret:K>"), 0x00]),
    );
  });
});

describe("normalizeHeaders", () => {
  it("lower-cases names and sorts stably by name", () => {
    expect(
      normalizeHeaders([
        ["Set-Cookie", "b=2"],
        ["Accept", "*/*"],
        ["set-cookie", "a=1"],
      ]),
    ).toEqual([
      ["accept", "*/*"],
      ["set-cookie", "b=2"],
      ["set-cookie", "a=1"],
    ]);
    expect(normalizeHeaders({ "X-B": "1", A: "2" })).toEqual([
      ["a", "2"],
      ["x-b", "1"],
    ]);
  });
});

describe("redactExchange", () => {
  const secrets = { API_KEY: "s3cr3t" };

  it("redacts URL, headers, bodies and the final URL of a response", () => {
    const exchange: HttpExchange = {
      index: 0,
      request: {
        method: "POST",
        url: "https://api.test/v1?key=s3cr3t",
        headers: [["authorization", "Bearer s3cr3t"]],
        body: { text: '{"key":"s3cr3t"}' },
      },
      response: {
        status: 200,
        url: "https://api.test/v1?key=s3cr3t",
        headers: [["x-echo", "s3cr3t"]],
        bodyBase64: Buffer.from("you sent s3cr3t").toString("base64"),
      },
    };

    const redacted = redactExchange(exchange, secrets);

    expect(JSON.stringify(redacted)).not.toContain("s3cr3t");
    expect(redacted).toMatchObject({
      request: {
        url: "https://api.test/v1?key=<secret:API_KEY>",
        headers: [["authorization", "Bearer <secret:API_KEY>"]],
        body: { text: '{"key":"<secret:API_KEY>"}' },
      },
    });
    if (!("response" in redacted)) throw new Error("expected a response");
    expect(Buffer.from(redacted.response.bodyBase64, "base64").toString()).toBe(
      "you sent <secret:API_KEY>",
    );
  });

  it("redacts the message of a failed exchange", () => {
    const exchange: HttpExchange = {
      index: 3,
      request: {
        method: "GET",
        url: "https://s3cr3t.test/",
        headers: [],
        body: { base64: Buffer.from("s3cr3t").toString("base64") },
      },
      error: { code: "NET_REQUEST_FAILED", message: "s3cr3t.test: refused" },
    };

    expect(redactExchange(exchange, secrets)).toEqual({
      index: 3,
      request: {
        method: "GET",
        url: "https://<secret:API_KEY>.test/",
        headers: [],
        body: { base64: Buffer.from("<secret:API_KEY>").toString("base64") },
      },
      error: {
        code: "NET_REQUEST_FAILED",
        message: "<secret:API_KEY>.test: refused",
      },
    });
  });
});
