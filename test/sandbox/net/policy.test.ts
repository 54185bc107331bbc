import fc from "fast-check";
import { formatAllowEntry, parseAllowEntry } from "../../../sandbox/net/policy";

describe("parseAllowEntry", () => {
  it("normalises hosts the way URLs do", () => {
    expect(parseAllowEntry("LocalHost:8545")).toEqual({
      host: "localhost",
      port: 8545,
    });
    expect(parseAllowEntry("[0:0::1]:8080")).toEqual({
      host: "::1",
      port: 8080,
    });
    expect(parseAllowEntry("0x7f.1:80")).toEqual({
      host: "127.0.0.1",
      port: 80,
    });
    expect(parseAllowEntry("api.example.com:443")).toEqual({
      host: "api.example.com",
      port: 443,
    });
  });

  it("refuses entries that are not host:port", () => {
    for (const entry of [
      "localhost",
      "localhost:",
      ":80",
      "localhost:0",
      "localhost:65536",
      "::1:80",
      "http://localhost:80",
      "user@localhost:80",
      "local host:80",
      "[::1]",
    ]) {
      expect(() => parseAllowEntry(entry)).toThrow(
        expect.objectContaining({ code: "NET_INVALID_ALLOW_ENTRY" }),
      );
    }
    expect(() =>
      parseAllowEntry("localhost"),
    ).toThrowErrorMatchingInlineSnapshot(
      `"invalid --allow-net entry "localhost""`,
    );
  });

  it("reads back what it formats", () => {
    const host = fc.oneof(
      fc.ipV4(),
      fc.ipV6().map((ip) => parseAllowEntry(`[${ip}]:1`).host),
      fc.domain().map((name) => name.toLowerCase()),
    );

    fc.assert(
      fc.property(host, fc.integer({ min: 1, max: 65535 }), (h, port) => {
        const entry = parseAllowEntry(formatAllowEntry({ host: h, port }));
        expect(parseAllowEntry(formatAllowEntry(entry))).toEqual(entry);
      }),
    );
  });
});
