import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeV1, encodeV1, V1_MAX_LENGTH } from "./v1.ts";
import { createStreamDecoder } from "./stream.ts";
import { ascii, assertError, assertOk } from "./_testing.ts";
import type { ErrorCode } from "./errors.ts";
import type { HeaderInit, InetEndpoint, Protocol } from "./header.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

// §2.1's example line, and the endpoints it carries.
const EXAMPLE = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
const EXAMPLE_SOURCE: InetEndpoint = { address: "192.168.0.1", port: 56324 };
const EXAMPLE_DESTINATION: InetEndpoint = { address: "192.168.0.11", port: 443 };

describe("decodeV1", () => {
  it("decodes the spec's example line and leaves the payload alone", () => {
    const h = assertOk(decodeV1(ascii(`${EXAMPLE}GET / HTTP/1.1\r\n`)));
    assert.deepEqual(h, {
      version: 1,
      command: "PROXY",
      protocol: "TCP4",
      source: EXAMPLE_SOURCE,
      destination: EXAMPLE_DESTINATION,
      tlvs: [],
      crc32c: null,
      headerLength: 47,
    });
  });

  it("prints IPv6 in RFC 5952 form whatever the sender wrote", () => {
    const h = assertOk(
      decodeV1(ascii("PROXY TCP6 2001:0DB8:0:0:0:0:0:0001 ::FFFF:10.0.0.1 0 65535\r\n")),
    );
    assert.deepEqual(h.source, { address: "2001:db8::1", port: 0 });
    assert.deepEqual(h.destination, { address: "::ffff:10.0.0.1", port: 65535 });
  });

  it("accepts ports 0 and 65535 and octets 0 and 255", () => {
    const h = assertOk(decodeV1(ascii("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n")));
    assert.deepEqual(h.destination, { address: "255.255.255.255", port: 65535 });
  });

  it("points at the offending byte", () => {
    const cases: [string, string, number][] = [
      ["PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n", "V1_BAD_PORT", 29],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", "V1_BAD_PORT", 27],
      ["PROXY TCP4 1.2.3.4 5.6.7.8  1 2\r\n", "V1_BAD_SPACE", 27],
      ["PROXY TCP4 1.2.3.4 05.6.7.8 1 2\r\n", "V1_LEADING_ZERO", 19],
      ["PROXY TCP4 1.2.3.4\r\n", "V1_FIELD_COUNT", 18],
      ["PROXY TCP4\r\n", "V1_FIELD_COUNT", 10],
      ["PROXY TCP4 \r\n", "V1_BAD_SPACE", 10],
      ["PROXY\r\n", "V1_FIELD_COUNT", 5],
      ["PROXY \r\n", "V1_BAD_SPACE", 5],
      ["PROXY TCP4 1.2.3.04 5.6.7.8 1\t2\r\n", "V1_LEADING_ZERO", 17],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "V1_FIELD_COUNT", 30],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 1 2  \r\n", "V1_BAD_SPACE", 31],
      ["PROXY UNKNOWNX\r\n", "V1_BAD_PROTOCOL", 13],
      ["PROXY UNKNOWN\n", "V1_BAD_CRLF", 13],
      ["PROXY HTTP/1.1\r\n", "V1_BAD_PROTOCOL", 6],
      ["PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n", "V1_BAD_SPACE", 5],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 1 2\x00\r\n", "V1_BAD_PORT", 30],
    ];
    for (const [line, code, offset] of cases) {
      assertError(decodeV1(ascii(line)), code as never, offset);
    }
  });

  it("names the byte that breaks a field, and the field: the same whole and byte by byte", () => {
    // [line, code, offset, field start, field length]: one byte at fault is the offset; a field
    // wrong as a whole (a number out of range, too few groups) is at its first byte.
    const cases: [string, ErrorCode, number, number, number][] = [
      ["PROXY TCP4 1.2.3.4 5.6.7.08 1 2\r\n", "V1_LEADING_ZERO", 25, 19, 8],
      ["PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", "V1_LEADING_ZERO", 11, 11, 8],
      ["PROXY TCP4 1.02.3.4 5.6.7.8 1 2\r\n", "V1_LEADING_ZERO", 13, 11, 8],
      ["PROXY TCP4 1.2.3.00 5.6.7.8 1 2\r\n", "V1_LEADING_ZERO", 17, 11, 8],
      ["PROXY TCP6 ::ffff:1.2.3.04 ::1 1 2\r\n", "V1_LEADING_ZERO", 24, 11, 15],
      ["PROXY TCP6 ::ffff:0102:1.2.3.04 ::1 1 2\r\n", "V1_LEADING_ZERO", 29, 11, 20],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n", "V1_LEADING_ZERO", 27, 27, 3],
      ["PROXY TCP4 1.2.3.4x 5.6.7.8 1 2\r\n", "V1_BAD_ADDRESS", 18, 11, 8],
      ["PROXY TCP4 0x7f.0.0.1 5.6.7.8 1 2\r\n", "V1_BAD_ADDRESS", 12, 11, 10],
      ["PROXY TCP4 1..3.4 5.6.7.8 1 2\r\n", "V1_BAD_ADDRESS", 13, 11, 6],
      ["PROXY TCP4 .1.2.3 5.6.7.8 1 2\r\n", "V1_BAD_ADDRESS", 11, 11, 6],
      ["PROXY TCP4 1.2.3.4. 5.6.7.8 1 2\r\n", "V1_BAD_ADDRESS", 18, 11, 8],
      ["PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n", "V1_BAD_ADDRESS", 18, 11, 9],
      ["PROXY TCP4 1.2.3.4 2001:db8::1 1 2\r\n", "V1_BAD_ADDRESS", 23, 19, 11],
      ["PROXY TCP6 ::1 ::g 1 2\r\n", "V1_BAD_ADDRESS", 17, 15, 3],
      ["PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", "V1_BAD_ADDRESS", 18, 11, 12],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 80a 2\r\n", "V1_BAD_PORT", 29, 27, 3],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 1 8\x000\r\n", "V1_BAD_PORT", 30, 29, 3],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 80\t443\r\n", "V1_BAD_PORT", 29, 27, 6],
      ["PROXY TCP44 1.2.3.4 5.6.7.8 1 2\r\n", "V1_BAD_PROTOCOL", 10, 6, 5],
      ["PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "V1_BAD_PROTOCOL", 9, 6, 4],
      ["PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", "V1_BAD_PROTOCOL", 7, 6, 4],
      ["PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n", "V1_BAD_PROTOCOL", 10, 6, 12],
      ["PROXY UNKN\r\n", "V1_BAD_PROTOCOL", 10, 6, 4],
      ["PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", "V1_BAD_PROTOCOL", 6, 6, 4],
      // Wrong as a whole: the field's first byte.
      ["PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", "V1_BAD_ADDRESS", 11, 11, 9],
      ["PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", "V1_BAD_ADDRESS", 11, 11, 5],
      ["PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n", "V1_BAD_ADDRESS", 11, 11, 13],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 99999 2\r\n", "V1_BAD_PORT", 27, 27, 5],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 1 123456\r\n", "V1_BAD_PORT", 29, 29, 6],
    ];
    for (const [line, code, offset, fieldAt, fieldLength] of cases) {
      const input = ascii(line);
      const r = decodeV1(input);
      assertError(r, code, offset);
      assert.ok(!r.ok);
      assert.deepEqual(r.error.field, { offset: fieldAt, length: fieldLength }, line);
      // The stream decoder, fed one byte at a time, reports the same place.
      const stream = createStreamDecoder();
      let step = stream.push(input.subarray(0, 1));
      for (let i = 1; i < input.length && step.state === "need-more"; i++) {
        step = stream.push(input.subarray(i, i + 1));
      }
      assert.ok(step.state === "error", line);
      assert.deepEqual([step.error.code, step.error.offset], [code, offset], line);
    }
  });

  it("names no field for errors that are not about one", () => {
    for (const line of ["PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "PROXYTCP4\r\n", "PROXY TCP4\r\n"]) {
      const r = decodeV1(ascii(line));
      assert.ok(!r.ok && r.error.field === undefined, line);
    }
  });

  it("rejects a bad protocol before the line is complete", () => {
    assertError(decodeV1(ascii("PROXY HTTP")), "V1_BAD_PROTOCOL", 6);
    assertError(decodeV1(ascii("PROXY TC")), "TRUNCATED", 8);
    assertError(decodeV1(ascii("PROXY UNKNO")), "TRUNCATED", 11);
  });

  it("needs the LF within the first 107 bytes", () => {
    const line = "PROXY UNKNOWN " + "a".repeat(V1_MAX_LENGTH - 16) + "\r\n";
    assert.equal(line.length, V1_MAX_LENGTH);
    assertOk(decodeV1(ascii(line)));
    const longer = "PROXY UNKNOWN " + "a".repeat(V1_MAX_LENGTH - 15) + "\r\n";
    assertError(decodeV1(ascii(longer)), "V1_TOO_LONG", 106);
    // CR at byte 106 with the LF at 107 is one byte too late, even before the LF arrives.
    assertError(decodeV1(ascii(longer.slice(0, 107))), "V1_TOO_LONG", 106);
    // A protocol that cannot become valid is rejected at once, whatever follows.
    assertError(decodeV1(ascii("PROXY " + "A".repeat(200))), "V1_BAD_PROTOCOL", 6);
  });
});

describe("encodeV1", () => {
  it("encodes TCP4, TCP6 and both UNKNOWN forms", () => {
    // [protocol, source, destination, expected line]
    const addressed: [Protocol, InetEndpoint, InetEndpoint, string][] = [
      ["TCP4", EXAMPLE_SOURCE, EXAMPLE_DESTINATION, EXAMPLE],
      [
        "TCP6",
        { address: "0:0:0:0:0:FFFF:1.2.3.4", port: 1 },
        { address: "fe80:0000::0001", port: 2 },
        "PROXY TCP6 ::ffff:1.2.3.4 fe80::1 1 2\r\n",
      ],
      [
        "UNKNOWN",
        { address: "::1", port: 1 },
        { address: "::2", port: 2 },
        "PROXY UNKNOWN ::1 ::2 1 2\r\n",
      ],
    ];
    for (const [protocol, source, destination, line] of addressed) {
      const encoded = encodeV1({ version: 1, protocol, source, destination });
      assert.equal(text(assertOk(encoded)), line, protocol);
    }
    assert.equal(
      text(assertOk(encodeV1({ version: 1, protocol: "UNKNOWN" }))),
      "PROXY UNKNOWN\r\n",
    );
  });

  it("refuses what version 1 cannot say", () => {
    const src = { address: "1.2.3.4", port: 1 };
    const tcp4To = (destination: InetEndpoint): HeaderInit => ({
      version: 1,
      protocol: "TCP4",
      source: src,
      destination,
    });
    const refused: [HeaderInit, ErrorCode][] = [
      [{ version: 1, protocol: "UDP4", source: src, destination: src }, "ENCODE_UNSUPPORTED"],
      [{ version: 1, command: "LOCAL", protocol: "UNKNOWN" }, "ENCODE_UNSUPPORTED"],
      [{ ...tcp4To(src), tlvs: [{ type: 1, value: new Uint8Array(1) }] }, "ENCODE_UNSUPPORTED"],
      [{ version: 1, protocol: "TCP4", source: src }, "ENCODE_BAD_ADDRESS"],
      [tcp4To({ address: "::1", port: 1 }), "ENCODE_BAD_ADDRESS"],
      [tcp4To({ address: "1.2.3.04", port: 1 }), "ENCODE_BAD_ADDRESS"],
      [tcp4To({ address: "1.2.3.4", port: 65536 }), "ENCODE_BAD_PORT"],
    ];
    for (const [init, code] of refused) assertError(encodeV1(init), code);
  });
});
