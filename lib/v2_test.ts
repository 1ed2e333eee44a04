import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { HeaderInit } from "./header.ts";
import { decodeV2, encodeV2 } from "./v2.ts";
import { decodeHeader } from "./decode.ts";
import type { ErrorCode } from "./errors.ts";
import { createStreamDecoder } from "./stream.ts";
import { ascii, assertError, assertOk, concat, fromHex, SIG, tlv, v2 } from "./_testing.ts";

const TCP4 = [10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0xd2, 0x00, 0x50];
const TCP6 = [
  ...new Array(15).fill(0),
  1,
  0x20,
  0x01,
  0x0d,
  0xb8,
  ...new Array(11).fill(0),
  2,
  0,
  1,
  0,
  2,
];

function unixBlock(src: Uint8Array, dst: Uint8Array): Uint8Array {
  const block = new Uint8Array(216);
  block.set(src, 0);
  block.set(dst, 108);
  return block;
}

describe("decodeV2", () => {
  it("decodes every listed protocol", () => {
    assert.equal(assertOk(decodeV2(v2(0x21, 0x11, TCP4))).protocol, "TCP4");
    assert.equal(assertOk(decodeV2(v2(0x21, 0x12, TCP4))).protocol, "UDP4");
    const tcp6 = assertOk(decodeV2(v2(0x21, 0x21, TCP6)));
    assert.deepEqual(tcp6.source, { address: "::1", port: 1 });
    assert.deepEqual(tcp6.destination, { address: "2001:db8::2", port: 2 });
    assert.equal(assertOk(decodeV2(v2(0x21, 0x22, TCP6))).protocol, "UDP6");
    const paths = unixBlock(ascii("/run/a.sock"), ascii("/run/b.sock"));
    const unix = assertOk(decodeV2(v2(0x21, 0x31, paths)));
    assert.deepEqual([unix.protocol, unix.source, unix.destination], [
      "UNIX_STREAM",
      { path: "/run/a.sock" },
      { path: "/run/b.sock" },
    ]);
    assert.equal(assertOk(decodeV2(v2(0x21, 0x32, paths))).protocol, "UNIX_DGRAM");
  });

  it("reads a full 108-byte path and an abstract name", () => {
    const full = new Uint8Array(108).fill(0x61);
    const abstract = concat([0], ascii("haproxy-abns"));
    const h = assertOk(decodeV2(v2(0x21, 0x31, unixBlock(full, abstract))));
    assert.deepEqual(h.source, { path: "a".repeat(108) });
    assert.deepEqual(h.destination, { path: "@haproxy-abns" });
  });

  it("shows IPv4-mapped IPv6 in mixed notation", () => {
    const block = [...new Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 1, ...TCP6.slice(16)];
    assert.deepEqual(assertOk(decodeV2(v2(0x21, 0x21, block))).source, {
      address: "::ffff:192.0.2.1",
      port: 1,
    });
  });

  it("treats unlisted family/transport pairs as UNSPEC and skips len", () => {
    for (const fam of [0x01, 0x02, 0x10, 0x20, 0x30]) {
      const h = assertOk(decodeV2(v2(0x21, fam, TCP4)));
      assert.deepEqual([h.protocol, h.source, h.tlvs.length, h.headerLength], [
        "UNSPEC",
        null,
        0,
        28,
      ]);
    }
  });

  it("reads TLVs after an AF_UNSPEC preamble", () => {
    const h = assertOk(decodeV2(v2(0x21, 0x00, tlv(0x02, ascii("example.com")))));
    assert.equal(h.protocol, "UNSPEC");
    assert.deepEqual(h.tlvs.map((t) => [t.type, new TextDecoder().decode(t.value)]), [[
      2,
      "example.com",
    ]]);
  });

  it("names the offending byte, or the first byte of what is wrong as a whole", () => {
    const badSig = (i: number) => {
      const bytes = v2(0x21, 0x11, TCP4);
      bytes[i] = bytes[i]! ^ 0xff;
      return bytes;
    };
    // [input, code, offset, same through decodeHeader and the stream decoder byte by byte]
    const cases: [Uint8Array, ErrorCode, number][] = [
      [badSig(5), "NOT_PROXY", 5], // the signature byte that differs
      [badSig(11), "NOT_PROXY", 11],
      [v2(0x31, 0x11, TCP4), "V2_BAD_VERSION", 12], // the version nibble's byte
      [v2(0x22, 0x11, TCP4), "V2_BAD_COMMAND", 12],
      [v2(0x21, 0x41, TCP4), "V2_BAD_FAMILY", 13],
      [v2(0x21, 0x13, TCP4), "V2_BAD_TRANSPORT", 13],
      [v2(0x21, 0x11, TCP4.slice(0, 11)), "V2_LENGTH_TOO_SHORT", 14], // len, two bytes
      [v2(0x21, 0x11, TCP4, [0x04]), "TLV_STRAY_BYTES", 28], // the first stray byte
      [v2(0x21, 0x11, TCP4, tlv(0x04, []), [0x04, 0x00, 0x05, 1]), "TLV_OVERRUN", 31], // its type
      [v2(0x21, 0x11, TCP4, tlv(0x03, [1, 2, 3])), "CRC_BAD_LENGTH", 28],
    ];
    for (const [input, code, offset] of cases) {
      assertError(decodeV2(input), code, offset);
      assertError(decodeHeader(input), code, offset);
      const stream = createStreamDecoder();
      let step = stream.push(input.subarray(0, 1));
      for (let i = 1; i < input.length && step.state === "need-more"; i++) {
        step = stream.push(input.subarray(i, i + 1));
      }
      assert.ok(step.state === "error", code);
      assert.deepEqual([step.error.code, step.error.offset], [code, offset]);
    }
  });

  it("requires len to cover the address block", () => {
    const cases: [number, number][] = [
      [0x11, 12],
      [0x12, 12],
      [0x21, 36],
      [0x22, 36],
      [0x31, 216],
      [0x32, 216],
    ];
    for (const [fam, needed] of cases) {
      assertError(decodeV2(v2(0x21, fam, new Uint8Array(needed - 1))), "V2_LENGTH_TOO_SHORT", 14);
      assertOk(decodeV2(v2(0x21, fam, new Uint8Array(needed))));
    }
  });

  it("requires TLVs to tile the header exactly", () => {
    assertError(decodeV2(v2(0x21, 0x11, TCP4, [0x04])), "TLV_STRAY_BYTES", 28);
    assertError(decodeV2(v2(0x21, 0x11, TCP4, [0x04, 0x00])), "TLV_STRAY_BYTES", 28);
    assertError(
      decodeV2(v2(0x21, 0x11, TCP4, tlv(0x04, []), [0x04, 0x00, 0x05, 1, 2])),
      "TLV_OVERRUN",
      31,
    );
    const h = assertOk(decodeV2(v2(0x21, 0x11, TCP4, tlv(0x04, []), tlv(0xe1, [9]))));
    assert.deepEqual(h.tlvs.map((t) => [t.type, [...t.value]]), [[0x04, []], [0xe1, [9]]]);
  });

  it("rejects two CRC32C TLVs and a CRC32C of the wrong size", () => {
    assertError(
      decodeV2(v2(0x21, 0x11, TCP4, tlv(0x03, [0, 0, 0, 0]), tlv(0x03, [0, 0, 0, 0]))),
      "CRC_DUPLICATE",
      35,
    );
    assertError(decodeV2(v2(0x21, 0x11, TCP4, tlv(0x03, [0, 0, 0]))), "CRC_BAD_LENGTH");
  });

  it("decodes a header larger than one 536-byte segment", () => {
    const h = assertOk(decodeV2(v2(0x21, 0x11, TCP4, tlv(0x04, new Uint8Array(1000)))));
    assert.equal(h.headerLength, 16 + 12 + 1003);
  });

  it("verifies a CRC32C computed by haproxy's algorithm (known vector)", () => {
    // TCP4 127.0.0.1:12345 -> 127.0.0.2:443 with a CRC32C TLV; checksum computed
    // independently with a bitwise CRC32C over the header with the field zeroed.
    const bytes = v2(
      0x21,
      0x11,
      [127, 0, 0, 1, 127, 0, 0, 2, 0x30, 0x39, 0x01, 0xbb],
      tlv(0x03, [0, 0, 0, 0]),
    );
    let crc = 0xffffffff;
    for (const byte of bytes) {
      crc ^= byte;
      for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    }
    crc = ~crc >>> 0;
    bytes.set([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff], bytes.length - 4);
    assert.equal(assertOk(decodeV2(bytes)).crc32c, "valid");
  });
});

describe("decodeV2: LOCAL and family 0x00", () => {
  const addr4 = [192, 0, 2, 1, 198, 51, 100, 2, 0xdc, 0x04, 0x01, 0xbb];

  it("LOCAL reads TLVs after the announced family's address block, reports no addresses", () => {
    const unspec = assertOk(decodeV2(v2(0x20, 0x00, tlv(0x01, ascii("h2")))));
    assert.deepEqual(unspec.tlvs.map((t) => [t.type, [...t.value]]), [[0x01, [0x68, 0x32]]]);
    const tcp4 = assertOk(decodeV2(v2(0x20, 0x11, addr4, tlv(0x02, ascii("a.example")))));
    assert.equal(tcp4.command, "LOCAL");
    assert.equal(tcp4.source, null);
    assert.equal(tcp4.destination, null);
    assert.deepEqual(tcp4.tlvs.map((t) => t.type), [0x02]);
  });

  it("LOCAL with malformed TLVs is invalid, as PROXY would be", () => {
    assertError(decodeV2(v2(0x20, 0x00, [0x01, 0xff, 0xff])), "TLV_OVERRUN", 16);
    assertError(decodeV2(v2(0x20, 0x11, addr4, [0x04])), "TLV_STRAY_BYTES", 28);
  });

  it("LOCAL skips a block shorter than its family's addresses, or of unknown size", () => {
    const short = assertOk(decodeV2(v2(0x20, 0x21, addr4)));
    assert.deepEqual([short.tlvs.length, short.headerLength], [0, 28]);
    const unknown = assertOk(decodeV2(v2(0x20, 0x10, [0xff, 0xff, 0xff])));
    assert.deepEqual([unknown.tlvs.length, unknown.headerLength], [0, 19]);
  });

  it("family 0x00 has no address block: an address-sized block is read as TLVs", () => {
    assertError(decodeV2(v2(0x21, 0x00, addr4)), "TLV_OVERRUN", 21);
    // 0x10 (AF_INET, UNSPEC transport) is an unlisted pair: its block is skipped whole.
    assert.equal(assertOk(decodeV2(v2(0x21, 0x10, addr4))).headerLength, 28);
  });
});

describe("encodeV2", () => {
  const tcp4 = (sourcePort: number, destinationPort: number): HeaderInit => ({
    version: 2,
    protocol: "TCP4",
    source: { address: "10.0.0.1", port: sourcePort },
    destination: { address: "10.0.0.2", port: destinationPort },
  });

  it("writes the spec's byte layout for TCP4", () => {
    const r = assertOk(encodeV2(tcp4(1234, 80)));
    assert.deepEqual(r, concat(SIG, fromHex("21 11 00 0c 0a000001 0a000002 04d2 0050")));
  });

  it("writes LOCAL as fam 0, len 0 (what haproxy's health checks send)", () => {
    const r = assertOk(encodeV2({ version: 2, command: "LOCAL", protocol: "TCP4" }));
    assert.deepEqual(r, concat(SIG, [0x20, 0x00, 0x00, 0x00]));
  });

  it("writes UNIX paths NUL padded, abstract names with a leading NUL", () => {
    const r = assertOk(encodeV2({
      version: 2,
      protocol: "UNIX_STREAM",
      source: { path: "/tmp/a" },
      destination: { path: "@abns" },
    }));
    assert.equal(r.length, 16 + 216);
    assert.deepEqual([...r.subarray(16, 23)], [...ascii("/tmp/a"), 0]);
    assert.deepEqual([...r.subarray(124, 129)], [0, ...ascii("abns")]);
  });

  it("appends TLVs in order and the CRC32C last", () => {
    const r = assertOk(encodeV2({
      ...tcp4(1, 2),
      tlvs: [{ type: 0x02, value: ascii("a.example") }, { type: 0x05, value: ascii("id") }],
      crc32c: true,
    }));
    assert.deepEqual([...r.subarray(28, 40)], [0x02, 0, 9, ...ascii("a.example")]);
    assert.deepEqual([...r.subarray(40, 45)], [0x05, 0, 2, ...ascii("id")]);
    assert.deepEqual([...r.subarray(45, 48)], [0x03, 0, 4]);
    assert.equal(r.length, 52);
  });

  it("refuses bad addresses, ports and sizes", () => {
    const v4 = { address: "10.0.0.1", port: 1 };
    assertError(
      encodeV2({ version: 2, protocol: "TCP6", source: v4, destination: v4 }),
      "ENCODE_BAD_ADDRESS",
    );
    assertError(encodeV2({ version: 2, protocol: "TCP4", source: v4 }), "ENCODE_BAD_ADDRESS");
    assertError(
      encodeV2({
        version: 2,
        protocol: "TCP4",
        source: v4,
        destination: { address: "10.0.0.2", port: -1 },
      }),
      "ENCODE_BAD_PORT",
    );
    assertError(
      encodeV2({
        version: 2,
        protocol: "UNIX_STREAM",
        source: { path: "x".repeat(109) },
        destination: { path: "y" },
      }),
      "ENCODE_BAD_ADDRESS",
    );
    assertError(
      encodeV2({ version: 2, protocol: "UNSPEC", tlvs: [{ type: 256, value: new Uint8Array(1) }] }),
      "ENCODE_TOO_LARGE",
    );
    assertError(
      encodeV2({
        version: 2,
        protocol: "UNSPEC",
        tlvs: [{ type: 0x04, value: new Uint8Array(65536) }],
      }),
      "ENCODE_TOO_LARGE",
    );
    assertError(
      encodeV2({
        version: 2,
        protocol: "UNSPEC",
        tlvs: [{ type: 4, value: new Uint8Array(40000) }, {
          type: 4,
          value: new Uint8Array(40000),
        }],
      }),
      "ENCODE_TOO_LARGE",
    );
  });
});
