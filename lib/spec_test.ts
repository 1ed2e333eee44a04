// Every MUST / MUST NOT of shared/spec/proxy-protocol.txt that a codec can
// enforce, one test each, named by section. Rules for senders and receivers
// over sockets (atomic sends, UDP datagrams, timeouts) are tested with the
// transports; the fixtures corpus covers the same rules byte for byte.

import { describe, it } from "node:test";
import { crc32c } from "./crc32c.ts";
import assert from "node:assert/strict";
import { decodeHeader } from "./decode.ts";
import { encodeHeader } from "./encode.ts";
import type { HeaderInit } from "./header.ts";
import { createStreamDecoder } from "./stream.ts";
import { ascii, assertError, assertOk, concat, SIG, tlv, v2 } from "./_testing.ts";

// A TCP4 header, and its address block as bytes.
const TCP4: HeaderInit = {
  version: 2,
  protocol: "TCP4",
  source: { address: "127.0.0.1", port: 12345 },
  destination: { address: "127.0.0.2", port: 443 },
};
const TCP4_BODY = [127, 0, 0, 1, 127, 0, 0, 2, 0x30, 0x39, 0x01, 0xbb];

describe("§2 receivers", () => {
  it("§2 MUST: a version 1 receiver implements the human-readable format", () => {
    const h = assertOk(decodeHeader(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n")));
    assert.equal(h.version, 1);
  });

  it("§2 MUST: a version 2 receiver implements the binary format", () => {
    const h = assertOk(decodeHeader(v2(0x21, 0x11, TCP4_BODY)));
    assert.equal(h.version, 2);
    assert.deepEqual(h.source, { address: "127.0.0.1", port: 12345 });
  });

  it("§2 MUST NOT: no processing before a complete and valid header", () => {
    const whole = ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
    const decoder = createStreamDecoder();
    for (let i = 0; i < whole.length - 1; i++) {
      assert.equal(decoder.push(whole.subarray(i, i + 1)).state, "need-more", `byte ${i}`);
    }
    assert.equal(decoder.push(whole.subarray(whole.length - 1)).state, "done");
  });

  it("§2 MUST NOT guess: bytes without a header are rejected, never passed through", () => {
    for (
      const text of ["GET / HTTP/1.1\r\n", "\x16\x03\x01\x02\x00", "SSH-2.0-x\r\n", "EHLO x\r\n"]
    ) {
      assertError(decodeHeader(ascii(text)), "NOT_PROXY", 0);
    }
  });
});

describe("§2.1 version 1", () => {
  it("§2.1 MUST: IPv4 is exactly 4 integers in [0..255] separated by one dot", () => {
    assertOk(decodeHeader(ascii("PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\n")));
    // At the byte that breaks the dotted form, or the field (11) when it is wrong as a whole.
    const bad: [string, number][] = [
      ["256.1.1.1", 11],
      ["1.2.3", 11],
      ["1.2.3.4.5", 18],
      ["1..2.3", 13],
      ["1.2.3.4.", 18],
      ["+1.2.3.4", 11],
    ];
    for (const [address, offset] of bad) {
      assertError(
        decodeHeader(ascii(`PROXY TCP4 ${address} 1.1.1.1 1 2\r\n`)),
        "V1_BAD_ADDRESS",
        offset,
      );
    }
  });

  it("§2.1 MUST NOT: heading zeroes in front of numbers", () => {
    assertError(decodeHeader(ascii("PROXY TCP4 1.2.3.04 1.1.1.1 1 2\r\n")), "V1_LEADING_ZERO", 17);
    assertError(decodeHeader(ascii("PROXY TCP4 1.2.3.4 1.1.1.1 01 2\r\n")), "V1_LEADING_ZERO", 27);
    assertError(decodeHeader(ascii("PROXY TCP4 1.2.3.4 1.1.1.1 1 00\r\n")), "V1_LEADING_ZERO", 29);
  });

  it("§2.1 MUST: IPv6 decodes to exactly 128 bits", () => {
    assertOk(decodeHeader(ascii("PROXY TCP6 ::1 2001:db8::1 1 2\r\n")));
    for (
      const bad of ["1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1"]
    ) {
      assertError(decodeHeader(ascii(`PROXY TCP6 ${bad} ::1 1 2\r\n`)), "V1_BAD_ADDRESS", 11);
    }
    // A byte no IPv6 address holds: at that byte.
    assertError(decodeHeader(ascii("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n")), "V1_BAD_ADDRESS", 18);
  });

  it("§2.1 MUST: the protocol family dictates the address format", () => {
    assertError(decodeHeader(ascii("PROXY TCP4 ::1 ::1 1 2\r\n")), "V1_BAD_ADDRESS", 11);
    assertError(decodeHeader(ascii("PROXY TCP6 1.2.3.4 1.2.3.4 1 2\r\n")), "V1_BAD_ADDRESS", 11);
  });

  it("§2.1 MUST: ports are decimal integers in [0..65535]", () => {
    assertError(decodeHeader(ascii("PROXY TCP4 1.2.3.4 1.1.1.1 65536 2\r\n")), "V1_BAD_PORT", 27);
    assertError(decodeHeader(ascii("PROXY TCP4 1.2.3.4 1.1.1.1 1 0x10\r\n")), "V1_BAD_PORT", 30);
  });

  it("§2.1 MUST: exactly one space between fields", () => {
    assertError(decodeHeader(ascii("PROXY  TCP4 1.2.3.4 1.1.1.1 1 2\r\n")), "V1_BAD_SPACE", 6);
    assertError(decodeHeader(ascii("PROXY TCP4 1.2.3.4  1.1.1.1 1 2\r\n")), "V1_BAD_SPACE", 19);
    assertError(decodeHeader(ascii("PROXY\tTCP4 1.2.3.4 1.1.1.1 1 2\r\n")), "V1_BAD_SPACE", 5);
  });

  it("§2.1 MUST: the receiver supports the 107-byte worst case", () => {
    const f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    const line = `PROXY UNKNOWN ${f} ${f} 65535 65535\r\n`;
    assert.equal(line.length, 107);
    assert.equal(assertOk(decodeHeader(ascii(line))).headerLength, 107);
    const tcp6 = `PROXY TCP6 ${f} ${f} 65535 65535\r\n`;
    assert.equal(tcp6.length, 104);
    assertOk(decodeHeader(ascii(tcp6)));
  });

  it("§2.1 SHOULD (enforced): no CRLF within the first 107 bytes is invalid", () => {
    const line = `PROXY UNKNOWN ${"x".repeat(92)}\r\n`;
    assert.equal(line.length, 108);
    assertError(decodeHeader(ascii(line)), "V1_TOO_LONG", 106);
    assertError(decodeHeader(ascii(`PROXY UNKNOWN ${"x".repeat(200)}`)), "V1_TOO_LONG", 106);
  });

  it("§2.1 MUST: for UNKNOWN the receiver ignores anything before the CRLF", () => {
    const h = assertOk(decodeHeader(ascii("PROXY UNKNOWN whatever \x00 ::1 not-a-port\r\nDATA")));
    assert.equal(h.protocol, "UNKNOWN");
    assert.equal(h.source, null);
    assert.equal(h.headerLength, 41);
    assert.equal(assertOk(decodeHeader(ascii("PROXY UNKNOWN\r\n"))).headerLength, 15);
    // ...but a lone LF is never "before the CRLF": it would end the line for a lax receiver.
    assertError(decodeHeader(ascii("PROXY UNKNOWN a\nGET / HTTP/1.1\r\n")), "V1_BAD_CRLF", 15);
  });

  it("§2.1 MUST: wait for the CRLF before decoding the addresses", () => {
    assertError(decodeHeader(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2")), "TRUNCATED", 30);
    assertError(decodeHeader(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r")), "TRUNCATED", 31);
  });

  it("§2.1 MUST NOT: a single CR or LF ends the line", () => {
    assertError(decodeHeader(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\nGET")), "V1_BAD_CRLF", 30);
    assertError(decodeHeader(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rGET")), "V1_BAD_CRLF", 30);
    assertError(decodeHeader(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n\r\n")), "V1_BAD_CRLF", 30);
  });

  it("§2.1 MUST: any sequence that does not exactly match is discarded", () => {
    for (
      const [text, code] of [
        ["proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "NOT_PROXY"],
        ["PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", "V1_BAD_PROTOCOL"],
        ["PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "V1_BAD_PROTOCOL"],
        ["PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "V1_FIELD_COUNT"],
        ["PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "V1_FIELD_COUNT"],
        ["PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", "V1_BAD_SPACE"],
        [" PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "NOT_PROXY"],
      ] as const
    ) {
      assertError(decodeHeader(ascii(text)), code);
    }
  });
});

describe("§2.2 version 2", () => {
  it("§2.2 MUST: the signature holds a NUL and is not a C string", () => {
    const h = assertOk(decodeHeader(v2(0x21, 0x11, TCP4_BODY)));
    assert.equal(h.headerLength, 28);
    const damaged = v2(0x21, 0x11, TCP4_BODY);
    damaged[4] = 0x20;
    assertError(decodeHeader(damaged), "NOT_PROXY", 4);
  });

  it("§2.2 MUST: the receiver only accepts version 2", () => {
    for (const version of [0x0, 0x1, 0x3, 0xf]) {
      assertError(decodeHeader(v2((version << 4) | 1, 0x11, TCP4_BODY)), "V2_BAD_VERSION", 12);
    }
  });

  it("§2.2 MUST: LOCAL is accepted and its protocol block discarded, family included", () => {
    for (const fam of [0x11, 0x12, 0x21, 0xff]) {
      const h = assertOk(decodeHeader(v2(0x20, fam, TCP4_BODY)));
      assert.equal(h.command, "LOCAL");
      assert.equal(h.source, null);
      assert.equal(h.destination, null);
      assert.equal(h.headerLength, 28);
    }
  });

  it("§2.2 MUST: PROXY uses the addresses in the protocol block", () => {
    const h = assertOk(decodeHeader(v2(0x21, 0x11, TCP4_BODY)));
    assert.deepEqual(h.source, { address: "127.0.0.1", port: 12345 });
    assert.deepEqual(h.destination, { address: "127.0.0.2", port: 443 });
  });

  it("§2.2 MUST: connections with unexpected commands are dropped", () => {
    for (let command = 2; command <= 0xf; command++) {
      assertError(decodeHeader(v2(0x20 | command, 0x11, TCP4_BODY)), "V2_BAD_COMMAND", 12);
    }
  });

  it("§2.2 MUST: unspecified address families are rejected", () => {
    for (let family = 4; family <= 0xf; family++) {
      assertError(decodeHeader(v2(0x21, (family << 4) | 1, TCP4_BODY)), "V2_BAD_FAMILY", 13);
    }
  });

  it("§2.2 MUST: unspecified transport protocols are rejected", () => {
    for (let transport = 3; transport <= 0xf; transport++) {
      assertError(decodeHeader(v2(0x21, 0x10 | transport, TCP4_BODY)), "V2_BAD_TRANSPORT", 13);
    }
  });

  it("§2.2 MUST: UNSPEC with LOCAL is accepted and address information ignored", () => {
    const h = assertOk(decodeHeader(v2(0x20, 0x00, [0x04, 0x00, 0x02, 0xaa, 0xbb])));
    assert.equal(h.protocol, "UNSPEC");
    assert.equal(h.headerLength, 21);
    assert.equal(h.source, null);
  });

  it("§2.2.3 MUST: a LOCAL header's CRC32C is verified too", () => {
    const block = v2(0x20, 0x00, [0x03, 0x00, 0x04, 0, 0, 0, 0]);
    const sum = crc32c(block);
    const good = block.slice();
    good.set([sum >>> 24, (sum >>> 16) & 0xff, (sum >>> 8) & 0xff, sum & 0xff], 19);
    const h = assertOk(decodeHeader(good));
    assert.equal(h.command, "LOCAL");
    assert.equal(h.crc32c, "valid");
    assert.equal(h.source, null);
    const bad = good.slice();
    bad[22]! ^= 0xff;
    assertError(decodeHeader(bad), "CRC_MISMATCH", 16);
  });

  it("§2.2 MUST: len is always honoured, never assumed zero for LOCAL", () => {
    const local = v2(0x20, 0x00, new Uint8Array(300));
    const withPayload = concat(local, ascii("payload"));
    assert.equal(assertOk(decodeHeader(withPayload)).headerLength, 316);
    const proxy = v2(0x21, 0x11, TCP4_BODY, tlv(0x04, new Uint8Array(10)));
    assert.equal(assertOk(decodeHeader(proxy)).headerLength, 16 + 12 + 13);
  });

  it("§2.2 MUST NOT: parse an address before the whole block is in", () => {
    const whole = v2(0x21, 0x21, new Uint8Array(36));
    for (let n = 1; n < whole.length; n++) {
      assertError(decodeHeader(whole.subarray(0, n)), "TRUNCATED", n);
    }
  });

  it("§2.2 MUST: partial headers are rejected", () => {
    const header = v2(0x21, 0x11, TCP4_BODY);
    assertError(decodeHeader(header.subarray(0, 27)), "TRUNCATED", 27);
    // CVE-2019-14243: a length smaller than the address block.
    assertError(decodeHeader(concat(SIG, [0x21, 0x12, 0x00, 0x00])), "V2_LENGTH_TOO_SHORT", 14);
  });

  it("§2.2 MUST: neither signature is not this protocol and is dropped", () => {
    assertError(decodeHeader(ascii("\x0d\x0aHELLO")), "NOT_PROXY", 2);
    assertError(decodeHeader(new Uint8Array([0x16, 0x03, 0x01])), "NOT_PROXY", 0);
  });
});

describe("§2.2.3 CRC32C", () => {
  const header = (crc: readonly number[]) => v2(0x21, 0x11, TCP4_BODY, tlv(0x03, crc));

  it("§2.2.3 MUST (sender): zero the field, checksum the header, store the result", () => {
    const encoded = assertOk(encodeHeader({ ...TCP4, crc32c: true }));
    // Independent check: bitwise CRC32C over the header with the field zeroed.
    const zeroed = encoded.slice();
    zeroed.fill(0, zeroed.length - 4);
    const stored = new DataView(encoded.buffer).getUint32(encoded.length - 4);
    assert.equal(stored, bitwiseCrc32c(zeroed));
  });

  it("§2.2.3 MUST (receiver): a mismatch makes the connection invalid", () => {
    const good = header([0, 0, 0, 0]);
    const crc = bitwiseCrc32c(good);
    good.set([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff], good.length - 4);
    assert.equal(assertOk(decodeHeader(good)).crc32c, "valid");
    const bad = good.slice();
    bad[20]! ^= 1; // the source address changes, the checksum does not
    assertError(decodeHeader(bad), "CRC_MISMATCH", 28);
    assert.equal(assertOk(decodeHeader(bad, { allowCrcMismatch: true })).crc32c, "invalid");
  });
});

describe("§2.2.5 unique ID", () => {
  it("§2.2.5: the unique ID is up to 128 bytes", () => {
    assertOk(decodeHeader(v2(0x21, 0x11, TCP4_BODY, tlv(0x05, new Uint8Array(128)))));
    assertError(
      decodeHeader(v2(0x21, 0x11, TCP4_BODY, tlv(0x05, new Uint8Array(129)))),
      "UNIQUE_ID_TOO_LONG",
      28,
    );
  });
});

// Bit-at-a-time CRC32C (RFC 4960 appendix B), independent of lib/crc32c.ts.
function bitwiseCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (~crc) >>> 0;
}
