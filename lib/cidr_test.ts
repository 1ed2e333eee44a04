import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cidrContains, parseCidr, parseCidrList } from "./cidr.ts";

describe("cidr", () => {
  it("masks the network to its prefix", () => {
    assert.deepEqual([...parseCidr("192.168.77.200/20")!.network], [192, 168, 64, 0]);
    assert.deepEqual([...parseCidr("2001:db8:abcd::/36")!.network.subarray(0, 6)], [
      0x20,
      0x01,
      0x0d,
      0xb8,
      0xa0,
      0x00,
    ]);
    assert.deepEqual([...parseCidr("1.2.3.4/0")!.network], [0, 0, 0, 0]);
  });

  it("rejects malformed ranges", () => {
    for (
      const bad of [
        "",
        "/8",
        "10.0.0.0/",
        "10.0.0.0/-1",
        "10.0.0.0/08",
        "10.0.0.0/33",
        "::/129",
        "10.0.0/8",
        "localhost",
        "10.0.0.0/8/8",
      ]
    ) {
      assert.equal(parseCidr(bad), null, bad);
    }
  });

  it("matches at every prefix boundary", () => {
    const r = parseCidrList("10.0.0.0/8,172.16.0.0/12,192.168.1.128/25,::1,fd00::/8");
    assert.ok(Array.isArray(r));
    const cases: [string, boolean][] = [
      ["10.0.0.0", true],
      ["10.255.255.255", true],
      ["11.0.0.0", false],
      ["172.31.255.255", true],
      ["172.32.0.0", false],
      ["172.15.255.255", false],
      ["192.168.1.128", true],
      ["192.168.1.255", true],
      ["192.168.1.127", false],
      ["::1", true],
      ["::2", false],
      ["fdff::1", true],
      ["fe00::1", false],
      ["::ffff:10.1.1.1", true],
      ["::ffff:11.1.1.1", false],
      ["not an address", false],
    ];
    for (const [address, expected] of cases) {
      assert.equal(cidrContains(r, address), expected, address);
    }
  });

  it("an empty list trusts nobody", () => {
    const r = parseCidrList("");
    assert.deepEqual(r, []);
    assert.equal(cidrContains(r as [], "127.0.0.1"), false);
  });

  it("0.0.0.0/0 trusts every IPv4 address and no IPv6 one", () => {
    const r = parseCidrList("0.0.0.0/0");
    assert.ok(Array.isArray(r));
    assert.equal(cidrContains(r, "203.0.113.9"), true);
    assert.equal(cidrContains(r, "2001:db8::1"), false);
  });
});
