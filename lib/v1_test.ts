import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeV1, encodeV1, V1_MAX_LENGTH } from "./v1.ts";
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
      ["PROXY TCP4 1.2.3.04 5.6.7.8 1\t2\r\n", "V1_LEADING_ZERO", 11],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "V1_FIELD_COUNT", 30],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 1 2  \r\n", "V1_BAD_SPACE", 31],
      ["PROXY UNKNOWNX\r\n", "V1_BAD_PROTOCOL", 6],
      ["PROXY UNKNOWN\n", "V1_BAD_CRLF", 13],
      ["PROXY HTTP/1.1\r\n", "V1_BAD_PROTOCOL", 6],
      ["PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n", "V1_BAD_SPACE", 5],
      ["PROXY TCP4 1.2.3.4 5.6.7.8 1 2\x00\r\n", "V1_BAD_PORT", 29],
    ];
    for (const [line, code, offset] of cases) {
      assertError(decodeV1(ascii(line)), code as never, offset);
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
