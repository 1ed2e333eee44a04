import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  alpnTlv,
  authorityTlv,
  AWS_SUBTYPE_VPCE_ID,
  awsVpceTlv,
  AZURE_SUBTYPE_LINK_ID,
  azureLinkIdTlv,
  checkTlv,
  CRC32C_VALUE_LENGTH,
  describeTlv,
  encodeTlvs,
  gcpPscTlv,
  netnsTlv,
  noopTlv,
  rawTlv,
  SSL_PREFIX_LENGTH,
  SslClient,
  type SslInit,
  SslSubtype,
  sslTlv,
  TLV_HEADER_LENGTH,
  TLV_VALUE_MAX,
  tlvName,
  tlvsLength,
  TlvType,
  UNIQUE_ID_MAX_LENGTH,
  uniqueIdTlv,
} from "./tlv.ts";

/** ASCII/UTF-8 bytes of a string literal (test input, not code under test). */
function utf8(text: string): number[] {
  return [...new TextEncoder().encode(text)];
}

/** A sub-TLV or TLV as bytes: type, 2-byte big-endian length, value. */
function tlvBytes(type: number, value: number[]): number[] {
  return [type, value.length >> 8, value.length & 0xff, ...value];
}

/**
 * Places one TLV after `prefix` filler bytes, like a decoder sees it after the
 * fixed header and addresses. Returns the buffer and the value range.
 */
function placed(prefix: number, type: number, value: number[]) {
  const buf = new Uint8Array([...new Array(prefix).fill(0xaa), ...tlvBytes(type, value)]);
  return { buf, start: prefix + 3, end: buf.length };
}

function describeBytes(type: number, value: number[]) {
  return describeTlv({ type, value: new Uint8Array(value) });
}

// The type numbers by name: §2.2's registered types and the vendors' (the names tlvName
// gives), §2.2.8's range bounds, and §2.2.6's SSL sub-TLV types.
const NAMED_TYPES: [number, string][] = [
  [0x01, "ALPN"],
  [0x02, "AUTHORITY"],
  [0x03, "CRC32C"],
  [0x04, "NOOP"],
  [0x05, "UNIQUE_ID"],
  [0x20, "SSL"],
  [0x30, "NETNS"],
  [0xe0, "GCP"],
  [0xea, "AWS"],
  [0xee, "AZURE"],
];
const RANGE_BOUNDS: [number, string][] = [
  [0xe0, "MIN_CUSTOM"],
  [0xef, "MAX_CUSTOM"],
  [0xf0, "MIN_EXPERIMENT"],
  [0xf7, "MAX_EXPERIMENT"],
  [0xf8, "MIN_FUTURE"],
  [0xff, "MAX_FUTURE"],
];
// §2.2.6's textual SSL sub-TLVs: type, name, the sslTlv field, an example value.
const SSL_TEXT_SUBTYPES: [number, string, keyof SslInit, string][] = [
  [0x21, "VERSION", "version", "TLSv1.3"],
  [0x22, "CN", "cn", "client.example"],
  [0x23, "CIPHER", "cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
  [0x24, "SIG_ALG", "sigAlg", "RSA-SHA256"],
  [0x25, "KEY_ALG", "keyAlg", "RSA2048"],
  [0x26, "GROUP", "group", "secp256r1"],
  [0x27, "SIG_SCHEME", "sigScheme", "rsa_pss_rsae_sha256"],
];
const SSL_SUBTYPES: [number, string][] = [
  ...SSL_TEXT_SUBTYPES.map(([type, name]): [number, string] => [type, name]),
  [0x28, "CLIENT_CERT"],
];

/** The JSON of an SSL value whose sub-TLVs are the example texts in order, then `more`. */
function sslJson(client: number, clientFlags: string[], verify: number, ...more: object[]) {
  const texts = SSL_TEXT_SUBTYPES.map(([type, name, , text]) => {
    const hex = utf8(text).map((b) => b.toString(16).padStart(2, "0")).join("");
    return { type, name, value: text, hex };
  });
  return { client, clientFlags, verify, tlvs: [...texts, ...more] };
}

/** A table of [number, name] rows as the object `{ name: number }`. */
function byName(rows: [number, string][]): Record<string, number> {
  return Object.fromEntries(rows.map(([n, name]) => [name, n]));
}

describe("constants", () => {
  it("match the spec", () => {
    assert.equal(TLV_HEADER_LENGTH, 3);
    assert.equal(UNIQUE_ID_MAX_LENGTH, 128);
    assert.equal(SSL_PREFIX_LENGTH, 5);
    assert.equal(CRC32C_VALUE_LENGTH, 4);
    assert.equal(TLV_VALUE_MAX, 65535);
    assert.deepEqual({ ...TlvType }, byName([...NAMED_TYPES, ...RANGE_BOUNDS]));
    assert.deepEqual({ ...SslSubtype }, byName(SSL_SUBTYPES));
    assert.deepEqual({ ...SslClient }, { SSL: 0x01, CERT_CONN: 0x02, CERT_SESS: 0x04 });
    assert.equal(AWS_SUBTYPE_VPCE_ID, 0x01);
    assert.equal(AZURE_SUBTYPE_LINK_ID, 0x01);
  });
});

describe("tlvName", () => {
  it("names the registered and vendor types", () => {
    for (const [type, name] of NAMED_TYPES) assert.equal(tlvName(type), name);
  });

  it("names every range boundary", () => {
    const cases: [number, string][] = [
      [0x00, "UNASSIGNED"],
      [0x06, "UNASSIGNED"],
      [0x1f, "UNASSIGNED"],
      [0x21, "UNASSIGNED"], // an SSL subtype is not a top-level type
      [0x28, "UNASSIGNED"],
      [0x2f, "UNASSIGNED"],
      [0x31, "UNASSIGNED"],
      [0xdf, "UNASSIGNED"],
      [0xe0, "GCP"],
      [0xe1, "CUSTOM"],
      [0xe9, "CUSTOM"],
      [0xeb, "CUSTOM"],
      [0xed, "CUSTOM"],
      [0xef, "CUSTOM"],
      [0xf0, "EXPERIMENT"],
      [0xf7, "EXPERIMENT"],
      [0xf8, "FUTURE"],
      [0xff, "FUTURE"],
      [0x100, "UNASSIGNED"],
      [-1, "UNASSIGNED"],
      [0xe1 + 0.5, "UNASSIGNED"],
      [NaN, "UNASSIGNED"],
    ];
    for (const [type, name] of cases) assert.equal(tlvName(type), name, `type ${type}`);
  });

  it("gives each name to the right number of byte values", () => {
    const counts: Record<string, number> = {};
    for (let type = 0; type < 256; type++) {
      const name = tlvName(type);
      counts[name] = (counts[name] ?? 0) + 1;
    }
    assert.deepEqual(counts, {
      UNASSIGNED: 256 - 10 - 13 - 8 - 8,
      ALPN: 1,
      AUTHORITY: 1,
      CRC32C: 1,
      NOOP: 1,
      UNIQUE_ID: 1,
      SSL: 1,
      NETNS: 1,
      GCP: 1,
      CUSTOM: 13, // 16 minus GCP, AWS, AZURE
      AWS: 1,
      AZURE: 1,
      EXPERIMENT: 8,
      FUTURE: 8,
    });
  });
});

describe("describeTlv", () => {
  it("ALPN as a string", () => {
    assert.deepEqual(describeBytes(0x01, [0x68, 0x32]), {
      type: 1,
      name: "ALPN",
      value: "h2",
      hex: "6832",
    });
  });

  it("AUTHORITY as UTF-8, invalid bytes replaced, a BOM kept", () => {
    assert.deepEqual(describeBytes(0x02, [0x62, 0xc3, 0xbc, 0x63, 0x68, 0x65, 0x72]), {
      type: 2,
      name: "AUTHORITY",
      value: "bücher",
      hex: "62c3bc63686572",
    });
    assert.deepEqual(describeBytes(0x02, [0x61, 0xff, 0x62]), {
      type: 2,
      name: "AUTHORITY",
      value: "a\ufffdb",
      hex: "61ff62",
    });
    assert.equal(describeBytes(0x02, [0xef, 0xbb, 0xbf, 0x61]).value, "\ufeffa");
  });

  it("CRC32C as a big-endian uint32, null unless 4 bytes", () => {
    assert.deepEqual(describeBytes(0x03, [0xe3, 0x06, 0x92, 0x83]), {
      type: 3,
      name: "CRC32C",
      value: 3808858755,
      hex: "e3069283",
    });
    assert.deepEqual(describeBytes(0x03, [0x00, 0x00, 0x01, 0x00]).value, 256);
    assert.deepEqual(describeBytes(0x03, [1, 2, 3]), {
      type: 3,
      name: "CRC32C",
      value: null,
      hex: "010203",
    });
  });

  it("NOOP as null", () => {
    assert.deepEqual(describeBytes(0x04, [0, 0, 0]), {
      type: 4,
      name: "NOOP",
      value: null,
      hex: "000000",
    });
    assert.deepEqual(describeBytes(0x04, []), { type: 4, name: "NOOP", value: null, hex: "" });
  });

  it("UNIQUE_ID as a string when valid UTF-8, else null", () => {
    assert.deepEqual(describeBytes(0x05, [0x61, 0x62, 0x63]), {
      type: 5,
      name: "UNIQUE_ID",
      value: "abc",
      hex: "616263",
    });
    assert.deepEqual(describeBytes(0x05, [0xc3, 0x28]), {
      type: 5,
      name: "UNIQUE_ID",
      value: null,
      hex: "c328",
    });
    assert.equal(describeBytes(0x05, []).value, "");
  });

  it("NETNS as a string", () => {
    assert.deepEqual(describeBytes(0x30, [0x62, 0x6c, 0x75, 0x65]), {
      type: 0x30,
      name: "NETNS",
      value: "blue",
      hex: "626c7565",
    });
  });

  it("SSL with a single VERSION sub-TLV, bytes written out", () => {
    const value = [0x01, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x03, 0x54, 0x4c, 0x53];
    assert.deepEqual(describeBytes(0x20, value), {
      type: 0x20,
      name: "SSL",
      value: {
        client: 1,
        clientFlags: ["SSL"],
        verify: 0,
        tlvs: [{ type: 0x21, name: "VERSION", value: "TLS", hex: "544c53" }],
      },
      hex: "0100000000210003544c53",
    });
  });

  it("SSL with every sub-TLV, an unknown one, and a big-endian verify", () => {
    const value = [
      0x05, // SSL | CERT_SESS
      0x00,
      0x00,
      0x01,
      0x02, // verify 258
      ...SSL_TEXT_SUBTYPES.flatMap(([type, , , text]) => tlvBytes(type, utf8(text))),
      ...tlvBytes(0x28, [0x30, 0x82, 0x01, 0x0a, 0xff]),
      ...tlvBytes(0x29, [0x78]),
      ...tlvBytes(0x22, []),
    ];
    const json = describeBytes(0x20, value);
    assert.equal(json.name, "SSL");
    assert.deepEqual(
      json.value,
      sslJson(
        5,
        ["SSL", "CERT_SESS"],
        258,
        { type: 0x28, name: "CLIENT_CERT", value: "MIIBCv8=", hex: "3082010aff" },
        { type: 0x29, name: "UNASSIGNED", value: null, hex: "78" },
        { type: 0x22, name: "CN", value: "", hex: "" },
      ),
    );
  });

  it("SSL client flags and a bare prefix", () => {
    assert.deepEqual(describeBytes(0x20, [0x00, 0x00, 0x00, 0x00, 0x00]).value, {
      client: 0,
      clientFlags: [],
      verify: 0,
      tlvs: [],
    });
    assert.deepEqual(describeBytes(0x20, [0xff, 0xff, 0xff, 0xff, 0xfe]).value, {
      client: 255,
      clientFlags: ["SSL", "CERT_CONN", "CERT_SESS"],
      verify: 4294967294,
      tlvs: [],
    });
    assert.deepEqual(describeBytes(0x20, [0x06, 0x00, 0x00, 0x00, 0x00]).value, {
      client: 6,
      clientFlags: ["CERT_CONN", "CERT_SESS"],
      verify: 0,
      tlvs: [],
    });
  });

  it("CLIENT_CERT base64 with each padding length", () => {
    const cert = (der: number[]) =>
      (describeBytes(0x20, [0x03, 0, 0, 0, 0, ...tlvBytes(0x28, der)]).value as {
        tlvs: { value: unknown }[];
      }).tlvs[0]?.value;
    assert.equal(cert([]), "");
    assert.equal(cert([0x30]), "MA==");
    assert.equal(cert([0x30, 0x82]), "MII=");
    assert.equal(cert([0x30, 0x82, 0x01]), "MIIB");
    assert.equal(cert([0xfb, 0xff, 0xbf]), "+/+/");
  });

  it("malformed SSL as null, bytes still in hex", () => {
    assert.deepEqual(describeBytes(0x20, [0x01, 0, 0, 0]), {
      type: 0x20,
      name: "SSL",
      value: null,
      hex: "01000000",
    });
    // Sub-TLV declares 4 bytes, 3 remain.
    assert.equal(describeBytes(0x20, [0x01, 0, 0, 0, 0, 0x21, 0, 4, 0x54, 0x4c, 0x53]).value, null);
    // Two stray bytes after the prefix.
    assert.equal(describeBytes(0x20, [0x01, 0, 0, 0, 0, 0x21, 0]).value, null);
  });

  it("AWS VPC endpoint ID, other subtypes, empty", () => {
    const value = [0x01, 0x76, 0x70, 0x63, 0x65, 0x2d, 0x61, 0x62, 0x63, 0x31, 0x32, 0x33];
    assert.deepEqual(describeBytes(0xea, value), {
      type: 0xea,
      name: "AWS",
      value: { subtype: 1, vpceId: "vpce-abc123" },
      hex: "01767063652d616263313233",
    });
    assert.deepEqual(describeBytes(0xea, [0x01]).value, { subtype: 1, vpceId: "" });
    assert.deepEqual(describeBytes(0xea, [0x02, 0x41]), {
      type: 0xea,
      name: "AWS",
      value: { subtype: 2 },
      hex: "0241",
    });
    assert.deepEqual(describeBytes(0xea, []), { type: 0xea, name: "AWS", value: null, hex: "" });
  });

  it("Azure LINKID little-endian, exactly 5 bytes of subtype 1", () => {
    assert.deepEqual(describeBytes(0xee, [0x01, 0xc1, 0x45, 0x00, 0x21]), {
      type: 0xee,
      name: "AZURE",
      value: { subtype: 1, linkId: 0x210045c1 },
      hex: "01c1450021",
    });
    assert.deepEqual(describeBytes(0xee, [0x01, 0xff, 0xff, 0xff, 0xff]).value, {
      subtype: 1,
      linkId: 4294967295,
    });
    assert.equal(describeBytes(0xee, [0x02, 0x01, 0x01, 0x01, 0x01]).value, null);
    assert.equal(describeBytes(0xee, [0x01, 0x01, 0x01, 0x01]).value, null);
    assert.equal(describeBytes(0xee, [0x01, 0x01, 0x01, 0x01, 0x01, 0x01]).value, null);
    assert.equal(describeBytes(0xee, []).value, null);
  });

  it("GCP PSC connection ID as a decimal string, exactly 8 bytes", () => {
    assert.deepEqual(describeBytes(0xe0, [0xff, 0xff, 0xff, 0xff, 0xc0, 0xa8, 0x64, 0x02]), {
      type: 0xe0,
      name: "GCP",
      value: { pscConnectionId: "18446744072646845442" },
      hex: "ffffffffc0a86402",
    });
    // 2^53 + 1: not representable as a number.
    assert.deepEqual(describeBytes(0xe0, [0x00, 0x20, 0, 0, 0, 0, 0, 0x01]).value, {
      pscConnectionId: "9007199254740993",
    });
    assert.deepEqual(describeBytes(0xe0, [0, 0, 0, 0, 0, 0, 0, 0]).value, {
      pscConnectionId: "0",
    });
    assert.equal(describeBytes(0xe0, [0, 0, 0, 0, 0, 0, 1]).value, null);
    assert.equal(describeBytes(0xe0, [0, 0, 0, 0, 0, 0, 0, 0, 1]).value, null);
  });

  it("CUSTOM, EXPERIMENT, FUTURE and UNASSIGNED as null", () => {
    assert.deepEqual(describeBytes(0xe5, [0x01]), {
      type: 0xe5,
      name: "CUSTOM",
      value: null,
      hex: "01",
    });
    assert.deepEqual(describeBytes(0xf3, [0xab]), {
      type: 0xf3,
      name: "EXPERIMENT",
      value: null,
      hex: "ab",
    });
    assert.deepEqual(describeBytes(0xfa, []), { type: 0xfa, name: "FUTURE", value: null, hex: "" });
    assert.deepEqual(describeBytes(0x10, [0x41]), {
      type: 0x10,
      name: "UNASSIGNED",
      value: null,
      hex: "41",
    });
  });

  it("reads a value that is a view into a larger buffer", () => {
    const header = new Uint8Array([0x99, 0x99, 0xee, 0, 5, 0x01, 0x02, 0x00, 0x00, 0x00, 0x99]);
    assert.deepEqual(describeTlv({ type: 0xee, value: header.subarray(5, 10) }), {
      type: 0xee,
      name: "AZURE",
      value: { subtype: 1, linkId: 2 },
      hex: "0102000000",
    });
  });
});

describe("checkTlv", () => {
  it("accepts a 4-byte CRC32C and rejects other lengths at the type byte", () => {
    const ok = placed(28, 0x03, [0, 0, 0, 0]);
    assert.equal(checkTlv(ok.buf, 0x03, ok.start, ok.end), null);
    const three = placed(28, 0x03, [1, 2, 3]);
    assert.deepEqual(checkTlv(three.buf, 0x03, three.start, three.end), {
      code: "CRC_BAD_LENGTH",
      message: "the CRC32C value is 3 bytes, it must be exactly 4",
      offset: 28,
    });
    const five = placed(40, 0x03, [1, 2, 3, 4, 5]);
    assert.deepEqual(checkTlv(five.buf, 0x03, five.start, five.end), {
      code: "CRC_BAD_LENGTH",
      message: "the CRC32C value is 5 bytes, it must be exactly 4",
      offset: 40,
    });
    const one = placed(16, 0x03, [1]);
    assert.equal(
      checkTlv(one.buf, 0x03, one.start, one.end)?.message,
      "the CRC32C value is 1 byte, it must be exactly 4",
    );
    const none = placed(16, 0x03, []);
    assert.deepEqual(checkTlv(none.buf, 0x03, none.start, none.end), {
      code: "CRC_BAD_LENGTH",
      message: "the CRC32C value is 0 bytes, it must be exactly 4",
      offset: 16,
    });
  });

  it("accepts unique IDs up to 128 bytes and rejects 129 at the type byte", () => {
    const max = placed(52, 0x05, new Array(128).fill(0x41));
    assert.equal(checkTlv(max.buf, 0x05, max.start, max.end), null);
    const empty = placed(52, 0x05, []);
    assert.equal(checkTlv(empty.buf, 0x05, empty.start, empty.end), null);
    const over = placed(52, 0x05, new Array(129).fill(0x41));
    assert.deepEqual(checkTlv(over.buf, 0x05, over.start, over.end), {
      code: "UNIQUE_ID_TOO_LONG",
      message: "unique ID is 129 bytes, the limit is 128",
      offset: 52,
    });
  });

  it("rejects an SSL value shorter than 5 bytes at the type byte", () => {
    const four = placed(28, 0x20, [1, 0, 0, 0]);
    assert.deepEqual(checkTlv(four.buf, 0x20, four.start, four.end), {
      code: "SSL_TOO_SHORT",
      message: "the SSL value is 4 bytes, shorter than its 5-byte client and verify prefix",
      offset: 28,
    });
    const none = placed(31, 0x20, []);
    assert.deepEqual(checkTlv(none.buf, 0x20, none.start, none.end), {
      code: "SSL_TOO_SHORT",
      message: "the SSL value is 0 bytes, shorter than its 5-byte client and verify prefix",
      offset: 31,
    });
    const bare = placed(28, 0x20, [0, 0, 0, 0, 0]);
    assert.equal(checkTlv(bare.buf, 0x20, bare.start, bare.end), null);
  });

  it("accepts SSL sub-TLVs that tile the value exactly, zero-length ones included", () => {
    const value = [1, 0, 0, 0, 0, 0x21, 0, 3, 0x54, 0x4c, 0x53, 0x22, 0, 0, 0x28, 0, 1, 0x30];
    const t = placed(28, 0x20, value);
    assert.equal(checkTlv(t.buf, 0x20, t.start, t.end), null);
  });

  it("rejects an SSL sub-TLV that overruns, at the sub-TLV's type byte", () => {
    // Type byte at 28, value at 31, prefix 31..35, sub-TLV at 36 declares 5, 3 remain.
    const first = placed(28, 0x20, [1, 0, 0, 0, 0, 0x21, 0, 5, 0x54, 0x4c, 0x53]);
    assert.deepEqual(checkTlv(first.buf, 0x20, first.start, first.end), {
      code: "SSL_SUBTLV_OVERRUN",
      message: "sub-TLV 0x21 (VERSION) declares 5 bytes but only 3 remain in the SSL value",
      offset: 36,
    });
    // First sub-TLV fine (36..41), the second at 42 declares 0xffff bytes.
    const second = placed(28, 0x20, [
      1,
      0,
      0,
      0,
      0,
      0x22,
      0,
      3,
      0x61,
      0x62,
      0x63,
      0x26,
      0xff,
      0xff,
    ]);
    assert.deepEqual(checkTlv(second.buf, 0x20, second.start, second.end), {
      code: "SSL_SUBTLV_OVERRUN",
      message: "sub-TLV 0x26 (GROUP) declares 65535 bytes but only 0 remain in the SSL value",
      offset: 42,
    });
    const unknown = placed(16, 0x20, [0, 0, 0, 0, 0, 0x7f, 0, 1]);
    assert.deepEqual(checkTlv(unknown.buf, 0x20, unknown.start, unknown.end), {
      code: "SSL_SUBTLV_OVERRUN",
      message: "sub-TLV 0x7f (UNASSIGNED) declares 1 byte but only 0 remain in the SSL value",
      offset: 24,
    });
  });

  it("rejects 1 or 2 stray bytes in an SSL value, at the first stray byte", () => {
    // Sub-TLV at 36..41, one stray byte at 42.
    const one = placed(28, 0x20, [1, 0, 0, 0, 0, 0x21, 0, 3, 0x54, 0x4c, 0x53, 0x22]);
    assert.deepEqual(checkTlv(one.buf, 0x20, one.start, one.end), {
      code: "SSL_SUBTLV_OVERRUN",
      message: "1 stray byte at the end of the SSL value, too few for a 3-byte sub-TLV header",
      offset: 42,
    });
    // Right after the prefix: two stray bytes at 36.
    const two = placed(28, 0x20, [1, 0, 0, 0, 0, 0x21, 0x00]);
    assert.deepEqual(checkTlv(two.buf, 0x20, two.start, two.end), {
      code: "SSL_SUBTLV_OVERRUN",
      message: "2 stray bytes at the end of the SSL value, too few for a 3-byte sub-TLV header",
      offset: 36,
    });
  });

  it("only looks inside [start, end), not at what follows", () => {
    // An SSL value of 5 bytes followed by bytes of the next TLV.
    const buf = new Uint8Array([0x20, 0, 5, 0, 0, 0, 0, 0, 0x21, 0, 9]);
    assert.equal(checkTlv(buf, 0x20, 3, 8), null);
  });

  it("accepts everything else, malformed vendor TLVs included", () => {
    const cases: [number, number[]][] = [
      [0x01, []],
      [0x02, [0xff, 0xfe]],
      [0x04, new Array(300).fill(0)],
      [0x30, [0xc3]],
      [0xe0, [1, 2]], // GCP needs 8
      [0xea, []], // AWS needs a subtype
      [0xee, [2, 1]], // Azure needs 5 bytes of subtype 1
      [0xef, [1]],
      [0xf0, []],
      [0xff, [1, 2, 3]],
      [0x21, [0, 0]], // an SSL subtype at top level is just an unassigned type
    ];
    for (const [type, value] of cases) {
      const t = placed(28, type, value);
      assert.equal(checkTlv(t.buf, type, t.start, t.end), null, `type ${type}`);
    }
  });

  it("points length errors at 0 when the value has no header before it", () => {
    const value = new Uint8Array([1, 2]);
    assert.equal(checkTlv(value, 0x03, 0, 2)?.offset, 0);
  });

  it("never throws and agrees with describeTlv about SSL on random input", () => {
    let seed = 0x1234567;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    const types = [0x03, 0x05, 0x20, 0xe0, 0xea, 0xee, 0x01, 0x7f];
    for (let round = 0; round < 2000; round++) {
      const length = next() % 40;
      const buf = new Uint8Array(length);
      for (let i = 0; i < length; i++) buf[i] = next() % 4 === 0 ? next() & 0xff : next() % 8;
      const start = length === 0 ? 0 : next() % (length + 1);
      const end = start + (next() % (length - start + 1));
      const type = types[next() % types.length]!;
      const error = checkTlv(buf, type, start, end);
      if (error !== null) {
        assert.ok(error.offset >= 0 && error.offset <= end, `offset ${error.offset}`);
        assert.ok(/^[a-z0-9]/.test(error.message) && !error.message.endsWith("."));
      }
      if (type === 0x20) {
        const json = describeTlv({ type, value: buf.subarray(start, end) });
        assert.equal(error === null, json.value !== null, `round ${round}`);
      }
    }
  });
});

describe("builders", () => {
  it("alpnTlv, authorityTlv, netnsTlv encode UTF-8", () => {
    assert.deepEqual(alpnTlv("http/1.1"), {
      type: 0x01,
      value: new Uint8Array([0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31]),
    });
    assert.deepEqual(authorityTlv("bücher"), {
      type: 0x02,
      value: new Uint8Array([0x62, 0xc3, 0xbc, 0x63, 0x68, 0x65, 0x72]),
    });
    assert.deepEqual(netnsTlv("ns1"), { type: 0x30, value: new Uint8Array([0x6e, 0x73, 0x31]) });
    assert.deepEqual(describeTlv(alpnTlv("h2")), {
      type: 1,
      name: "ALPN",
      value: "h2",
      hex: "6832",
    });
    assert.deepEqual(describeTlv(authorityTlv("bücher")).value, "bücher");
    assert.deepEqual(describeTlv(netnsTlv("ns1")).value, "ns1");
  });

  it("uniqueIdTlv from a string or a copy of bytes, oversized allowed", () => {
    assert.deepEqual(uniqueIdTlv("id-1"), {
      type: 0x05,
      value: new Uint8Array([0x69, 0x64, 0x2d, 0x31]),
    });
    const source = new Uint8Array([1, 2, 3]);
    const tlv = uniqueIdTlv(source);
    source[0] = 9;
    assert.deepEqual(tlv.value, new Uint8Array([1, 2, 3]));
    assert.equal(describeTlv(uniqueIdTlv("id-1")).value, "id-1");

    const oversized = uniqueIdTlv("x".repeat(129));
    assert.equal(oversized.value.length, 129);
    const wire = new Uint8Array(20 + 3 + 129);
    encodeTlvs([oversized], wire, 20);
    assert.deepEqual(checkTlv(wire, 0x05, 23, wire.length), {
      code: "UNIQUE_ID_TOO_LONG",
      message: "unique ID is 129 bytes, the limit is 128",
      offset: 20,
    });
  });

  it("noopTlv builds zero bytes of any length, not a negative one", () => {
    assert.deepEqual(noopTlv(0), { type: 0x04, value: new Uint8Array(0) });
    assert.deepEqual(noopTlv(3), { type: 0x04, value: new Uint8Array([0, 0, 0]) });
    assert.equal(noopTlv(TLV_VALUE_MAX + 1).value.length, 65536);
    assert.throws(() => noopTlv(-1), RangeError);
    assert.throws(() => noopTlv(1.5), RangeError);
  });

  it("awsVpceTlv: subtype 1 then the ID", () => {
    const tlv = awsVpceTlv("vpce-abc123");
    assert.deepEqual(tlv, {
      type: 0xea,
      value: new Uint8Array([
        0x01,
        0x76,
        0x70,
        0x63,
        0x65,
        0x2d,
        0x61,
        0x62,
        0x63,
        0x31,
        0x32,
        0x33,
      ]),
    });
    assert.deepEqual(describeTlv(tlv).value, { subtype: 1, vpceId: "vpce-abc123" });
  });

  it("azureLinkIdTlv: subtype 1 then a little-endian uint32", () => {
    const tlv = azureLinkIdTlv(0x210045c1);
    assert.deepEqual(tlv, { type: 0xee, value: new Uint8Array([0x01, 0xc1, 0x45, 0x00, 0x21]) });
    assert.deepEqual(describeTlv(tlv).value, { subtype: 1, linkId: 0x210045c1 });
    assert.deepEqual(azureLinkIdTlv(0).value, new Uint8Array([1, 0, 0, 0, 0]));
    assert.deepEqual(azureLinkIdTlv(0xffffffff).value, new Uint8Array([1, 0xff, 0xff, 0xff, 0xff]));
    assert.deepEqual(describeTlv(azureLinkIdTlv(0xffffffff)).value, {
      subtype: 1,
      linkId: 4294967295,
    });
    assert.throws(() => azureLinkIdTlv(-1), RangeError);
    assert.throws(() => azureLinkIdTlv(0x100000000), RangeError);
    assert.throws(() => azureLinkIdTlv(2.5), RangeError);
  });

  it("gcpPscTlv: a big-endian uint64", () => {
    const tlv = gcpPscTlv(18446744072646845442n);
    assert.deepEqual(tlv, {
      type: 0xe0,
      value: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xc0, 0xa8, 0x64, 0x02]),
    });
    assert.deepEqual(describeTlv(tlv).value, { pscConnectionId: "18446744072646845442" });
    assert.deepEqual(gcpPscTlv(258n).value, new Uint8Array([0, 0, 0, 0, 0, 0, 1, 2]));
    assert.deepEqual(describeTlv(gcpPscTlv(2n ** 64n - 1n)).value, {
      pscConnectionId: "18446744073709551615",
    });
    assert.throws(() => gcpPscTlv(2n ** 64n), RangeError);
    assert.throws(() => gcpPscTlv(-1n), RangeError);
  });

  it("sslTlv: empty init is a bare prefix with client 0", () => {
    assert.deepEqual(sslTlv({}), { type: 0x20, value: new Uint8Array([0, 0, 0, 0, 0]) });
  });

  it("sslTlv: client defaults to SSL only when a version is given", () => {
    assert.equal(sslTlv({ version: "TLSv1.2" }).value[0], 0x01);
    assert.equal(sslTlv({ cn: "c" }).value[0], 0x00);
    assert.equal(sslTlv({ version: "TLSv1.2", client: 0 }).value[0], 0x00);
    assert.equal(sslTlv({ client: 0x07 }).value[0], 0x07);
  });

  it("sslTlv: bytes of a small one written out", () => {
    const tlv = sslTlv({
      clientCert: new Uint8Array([0x30]),
      group: "g",
      version: "T",
      verify: 0x01020304,
    });
    assert.deepEqual(
      tlv.value,
      new Uint8Array([
        0x01, // client: SSL, because a version is given
        0x01,
        0x02,
        0x03,
        0x04, // verify, big-endian
        0x21,
        0x00,
        0x01,
        0x54, // VERSION "T"
        0x26,
        0x00,
        0x01,
        0x67, // GROUP "g"
        0x28,
        0x00,
        0x01,
        0x30, // CLIENT_CERT
      ]),
    );
  });

  it("sslTlv: sub-TLVs in subtype order, only those given, round trip", () => {
    // Given in reverse subtype order, the certificate first.
    const texts = [...SSL_TEXT_SUBTYPES].reverse().map(([, , field, text]) => [field, text]);
    const tlv = sslTlv({
      clientCert: new Uint8Array([0x30, 0x82]),
      ...Object.fromEntries(texts),
      client: 0x03,
      verify: 0,
    });
    assert.equal(
      checkTlv(new Uint8Array([0x20, 0, 0, ...tlv.value]), 0x20, 3, 3 + tlv.value.length),
      null,
    );
    const cert = { type: 0x28, name: "CLIENT_CERT", value: "MII=", hex: "3082" };
    assert.deepEqual(describeTlv(tlv).value, sslJson(3, ["SSL", "CERT_CONN"], 0, cert));
    const some = describeTlv(sslTlv({ group: "x25519", cn: "" })).value as {
      tlvs: { type: number; hex: string }[];
    };
    assert.deepEqual(some.tlvs.map((t) => [t.type, t.hex]), [[0x22, ""], [0x26, "783235353139"]]);
  });

  it("sslTlv rejects what cannot be encoded", () => {
    assert.throws(() => sslTlv({ client: 256 }), RangeError);
    assert.throws(() => sslTlv({ verify: -1 }), RangeError);
    assert.throws(() => sslTlv({ verify: 2 ** 32 }), RangeError);
    assert.throws(() => sslTlv({ clientCert: new Uint8Array(65536) }), RangeError);
    assert.equal(sslTlv({ clientCert: new Uint8Array(65535) }).value.length, 5 + 3 + 65535);
  });

  it("rawTlv copies its value and checks the type", () => {
    const source = new Uint8Array([0xde, 0xad]);
    const tlv = rawTlv(0xf0, source);
    source[0] = 0;
    assert.deepEqual(tlv, { type: 0xf0, value: new Uint8Array([0xde, 0xad]) });
    assert.deepEqual(describeTlv(tlv), {
      type: 0xf0,
      name: "EXPERIMENT",
      value: null,
      hex: "dead",
    });
    assert.throws(() => rawTlv(256, source), RangeError);
    assert.throws(() => rawTlv(-1, source), RangeError);
  });
});

describe("encodeTlvs and tlvsLength", () => {
  it("writes type, big-endian length and value at an offset", () => {
    const tlvs = [alpnTlv("h2"), rawTlv(0xe7, new Uint8Array(300).fill(7)), noopTlv(0)];
    assert.equal(tlvsLength(tlvs), 5 + 303 + 3);
    const out = new Uint8Array(2 + 311);
    assert.equal(encodeTlvs(tlvs, out, 2), 313);
    assert.deepEqual([...out.subarray(0, 10)], [
      0,
      0,
      0x01,
      0x00,
      0x02,
      0x68,
      0x32,
      0xe7,
      0x01,
      0x2c,
    ]);
    assert.ok(out.subarray(10, 310).every((b) => b === 7));
    assert.deepEqual([...out.subarray(310)], [0x04, 0x00, 0x00]);
  });

  it("returns `at` and writes nothing for no TLVs", () => {
    const out = new Uint8Array(4);
    assert.equal(encodeTlvs([], out, 4), 4);
    assert.equal(tlvsLength([]), 0);
  });

  it("writes a value of exactly 65535 bytes", () => {
    const out = new Uint8Array(3 + 65535);
    assert.equal(encodeTlvs([noopTlv(65535)], out, 0), 65538);
    assert.deepEqual([...out.subarray(0, 3)], [0x04, 0xff, 0xff]);
  });

  it("throws RangeError and writes nothing on caller bugs", () => {
    const out = new Uint8Array(8);
    assert.throws(() => encodeTlvs([alpnTlv("h2"), alpnTlv("h2")], out, 0), RangeError);
    assert.throws(() => encodeTlvs([noopTlv(65536)], new Uint8Array(70000), 0), RangeError);
    assert.throws(() => encodeTlvs([{ type: 256, value: new Uint8Array(0) }], out, 0), RangeError);
    assert.throws(() => encodeTlvs([alpnTlv("h2")], out, -1), RangeError);
    assert.deepEqual(out, new Uint8Array(8));
  });

  it("round-trips builders through checkTlv and describeTlv", () => {
    const tlvs = [
      alpnTlv("h2"),
      authorityTlv("example.com"),
      uniqueIdTlv("abc"),
      netnsTlv("blue"),
      noopTlv(2),
      awsVpceTlv("vpce-1"),
      azureLinkIdTlv(5),
      gcpPscTlv(7n),
      sslTlv({ version: "TLSv1.3", cn: "c" }),
    ];
    const out = new Uint8Array(16 + tlvsLength(tlvs));
    encodeTlvs(tlvs, out, 16);
    let p = 16;
    const seen: unknown[] = [];
    while (p < out.length) {
      const type = out[p]!;
      const length = (out[p + 1]! << 8) | out[p + 2]!;
      assert.equal(checkTlv(out, type, p + 3, p + 3 + length), null);
      seen.push(describeTlv({ type, value: out.subarray(p + 3, p + 3 + length) }).value);
      p += 3 + length;
    }
    assert.equal(p, out.length);
    assert.deepEqual(seen, [
      "h2",
      "example.com",
      "abc",
      "blue",
      null,
      { subtype: 1, vpceId: "vpce-1" },
      { subtype: 1, linkId: 5 },
      { pscConnectionId: "7" },
      {
        client: 1,
        clientFlags: ["SSL"],
        verify: 0,
        tlvs: [
          { type: 0x21, name: "VERSION", value: "TLSv1.3", hex: "544c5376312e33" },
          { type: 0x22, name: "CN", value: "c", hex: "63" },
        ],
      },
    ]);
  });
});
