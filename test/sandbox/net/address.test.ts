import fc from "fast-check";
import {
  type AddressClass,
  classifyAddress,
} from "../../../sandbox/net/address";

const cases: Record<AddressClass, string[]> = {
  public: [
    "1.1.1.1",
    "8.8.8.8",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.167.255.255",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001:81b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:0808:0808::1",
  ],
  loopback: [
    "127.0.0.1",
    "127.255.255.254",
    "::1",
    "[::1]",
    "0:0:0:0:0:0:0:1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "64:ff9b::127.0.0.1",
    "2002:7f00:0001::",
  ],
  private: [
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "fc00::1",
    "fd12:3456:789a::1",
    "fec0::1",
    "64:ff9b:1::a00:1",
    "::ffff:10.0.0.1",
    "::ffff:192.168.0.1",
    "2002:c0a8:0101::1",
  ],
  "link-local": [
    "169.254.0.1",
    "169.254.255.255",
    "fe80::1",
    "fe80::1%eth0",
    "febf::1",
    "::ffff:169.254.1.1",
  ],
  cgnat: ["100.64.0.1", "100.127.255.255", "::ffff:100.64.0.1"],
  metadata: [
    "169.254.169.254",
    "169.254.170.2",
    "100.100.100.200",
    "fd00:ec2::254",
    "::ffff:169.254.169.254",
    "::ffff:a9fe:a9fe",
    "64:ff9b::a9fe:a9fe",
    "2002:a9fe:a9fe::",
  ],
  unspecified: ["0.0.0.0", "0.1.2.3", "::", "::ffff:0.0.0.0"],
  multicast: ["224.0.0.1", "239.255.255.255", "ff02::1", "ff0e::1"],
  reserved: [
    "192.0.0.8",
    "192.0.2.1",
    "192.88.99.1",
    "198.18.0.1",
    "198.19.255.255",
    "198.51.100.1",
    "203.0.113.1",
    "240.0.0.1",
    "255.255.255.255",
    "2001:db8::1",
    "2001::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "3fff::1",
    "100::1",
    "::127.0.0.1",
    "::8.8.8.8",
    "4000::1",
  ],
};

describe("classifyAddress", () => {
  for (const [kind, addresses] of Object.entries(cases)) {
    it(`classifies ${addresses.join(", ")} as ${kind}`, () => {
      for (const address of addresses) {
        expect([address, classifyAddress(address)]).toEqual([address, kind]);
      }
    });
  }

  it("classifies an IPv4-mapped IPv6 address as its IPv4 address", () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(classifyAddress(`::ffff:${ip}`)).toBe(classifyAddress(ip));
      }),
    );
  });

  it("classifies NAT64 and 6to4 forms as the IPv4 address they carry", () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const [a, b, c, d] = ip.split(".").map(Number) as [
          number,
          number,
          number,
          number,
        ];
        const high = ((a << 8) | b).toString(16);
        const low = ((c << 8) | d).toString(16);

        expect(classifyAddress(`64:ff9b::${high}:${low}`)).toBe(
          classifyAddress(ip),
        );
        expect(classifyAddress(`2002:${high}:${low}::1`)).toBe(
          classifyAddress(ip),
        );
      }),
    );
  });

  it("never calls a private, loopback or link-local IPv4 address public", () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const inside = fc.oneof(
      fc.tuple(fc.constant(10), octet, octet, octet),
      fc.tuple(fc.constant(127), octet, octet, octet),
      fc.tuple(
        fc.constant(172),
        fc.integer({ min: 16, max: 31 }),
        octet,
        octet,
      ),
      fc.tuple(fc.constant(192), fc.constant(168), octet, octet),
      fc.tuple(fc.constant(169), fc.constant(254), octet, octet),
      fc.tuple(
        fc.constant(100),
        fc.integer({ min: 64, max: 127 }),
        octet,
        octet,
      ),
    );

    fc.assert(
      fc.property(inside, (parts) => {
        expect(classifyAddress(parts.join("."))).not.toBe("public");
      }),
    );
  });

  it("accepts every address form it may be given", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        expect(typeof classifyAddress(ip)).toBe("string");
      }),
    );
  });

  it("refuses what is not an address, including ambiguous IPv4 spellings", () => {
    for (const text of [
      "localhost",
      "127.1",
      "0x7f.0.0.1",
      "010.0.0.1",
      "1.2.3.256",
      "1:2:3",
      "1::2::3",
      "::fffff:1",
      "",
    ]) {
      expect(() => classifyAddress(text)).toThrow(
        expect.objectContaining({ code: "NET_INVALID_ADDRESS" }),
      );
    }
    expect(() => classifyAddress("127.1")).toThrowErrorMatchingInlineSnapshot(
      `""127.1" is not an IP address"`,
    );
  });
});
