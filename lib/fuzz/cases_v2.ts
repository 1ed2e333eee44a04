/**
 * Fuzz cases for version 2 (§2.2 and the TLVs of §2.2.1 to §2.2.8).
 *
 * @module
 */

import type { ErrorCode } from "../errors.ts";
import type { HeaderInit, Tlv } from "../header.ts";
import {
  alpnTlv,
  authorityTlv,
  awsVpceTlv,
  azureLinkIdTlv,
  gcpPscTlv,
  netnsTlv,
  noopTlv,
  rawTlv,
  sslTlv,
  TlvType,
  uniqueIdTlv,
} from "../tlv.ts";
import {
  build,
  cat,
  DST4,
  DST6,
  latin1,
  pad2,
  patch,
  R,
  SRC4,
  SRC6,
  tcp4,
  tcp6,
  tlvRaw,
  v2Bad,
  v2Either,
  v2Good,
  v2Raw,
} from "./_build.ts";
import type { FuzzCase } from "./case.ts";

// ---------------------------------------------------------------------------
// §2.2: version 2.

export function v2Cases(): FuzzCase[] {
  const base = tcp4(2);
  const addr4 = base.subarray(16, 28);
  const proxyWith = (fam: number, body: Uint8Array) => v2Raw(0x21, fam, body);
  const out: FuzzCase[] = [
    v2Good("v2-tcp4", base, "PROXY over TCP/IPv4, 28 bytes.", R.v2Proxy),
    v2Good("v2-tcp6", tcp6(2), "PROXY over TCP/IPv6, 52 bytes.", R.v2Proxy),
    v2Good(
      "v2-tcp6-ipv4-mapped",
      tcp6(2, {
        source: { address: "::ffff:192.0.2.1", port: 56324 },
        destination: { address: "::ffff:198.51.100.7", port: 443 },
      }),
      "TCP6 carrying IPv4-mapped addresses.",
      R.v2Proxy,
    ),
  ];

  // Signature damage: each of the 12 bytes with its top bit flipped.
  for (let i = 0; i < 12; i++) {
    out.push(v2Bad(
      `v2-signature-byte-${pad2(i)}`,
      patch(base, i, base[i]! ^ 0x80),
      "NOT_PROXY",
      `Signature byte ${i} damaged (top bit flipped).`,
      R.v2Signature,
    ));
  }
  // Version nibble.
  for (const v of [0x0, 0x1, 0x3, 0xf]) {
    out.push(v2Bad(
      `v2-version-${v.toString(16)}`,
      patch(base, 12, (v << 4) | 0x1),
      "V2_BAD_VERSION",
      `Version nibble ${v.toString(16)} with the PROXY command.`,
      R.v2Version,
    ));
  }
  // Every command value: LOCAL and PROXY are the only valid ones.
  out.push(v2Good(
    "v2-command-local-with-addresses",
    build({ version: 2, command: "LOCAL", protocol: "TCP4", source: SRC4, destination: DST4 }),
    "LOCAL (command 0) carrying a TCP4 address block, which is skipped.",
    R.v2Local,
  ));
  for (let cmd = 0x2; cmd <= 0xf; cmd++) {
    out.push(v2Bad(
      `v2-command-${cmd.toString(16)}`,
      patch(base, 12, 0x20 | cmd),
      "V2_BAD_COMMAND",
      `Unassigned command ${cmd.toString(16)}.`,
      R.v2Command,
    ));
  }
  // Every family nibble above 3 (with STREAM), every transport nibble above 2 (with INET).
  for (let fam = 0x4; fam <= 0xf; fam++) {
    out.push(v2Bad(
      `v2-family-${fam.toString(16)}`,
      patch(base, 13, (fam << 4) | 0x1),
      "V2_BAD_FAMILY",
      `Unspecified address family ${fam.toString(16)}.`,
      R.v2FamilyInvalid,
    ));
  }
  for (let t = 0x3; t <= 0xf; t++) {
    out.push(v2Bad(
      `v2-transport-${t.toString(16)}`,
      patch(base, 13, 0x10 | t),
      "V2_BAD_TRANSPORT",
      `Unspecified transport protocol ${t.toString(16)}.`,
      R.v2FamilyInvalid,
    ));
  }
  // Valid families and transports other than TCP: the receiver may fall back to UNSPEC, and
  // UNSPEC under PROXY may be accepted or rejected.
  out.push(
    v2Either(
      "v2-proxy-unspec",
      build({ version: 2, protocol: "UNSPEC" }),
      "PROXY with AF_UNSPEC (0x00) and len 0.",
      R.v2Unspec,
    ),
    v2Either(
      "v2-proxy-unspec-with-tlvs",
      build({ version: 2, protocol: "UNSPEC", tlvs: [alpnTlv("h2"), authorityTlv("example.com")] }),
      "PROXY with AF_UNSPEC followed by TLVs and no address block.",
      R.v2Unspec,
    ),
    v2Either(
      "v2-udp4-over-tcp",
      build({ version: 2, protocol: "UDP4", source: SRC4, destination: DST4 }),
      "UDP over IPv4 (0x12) announced on a TCP connection.",
      R.v2Fallback,
    ),
    v2Either(
      "v2-udp6-over-tcp",
      build({ version: 2, protocol: "UDP6", source: SRC6, destination: DST6 }),
      "UDP over IPv6 (0x22) announced on a TCP connection.",
      R.v2Fallback,
    ),
    v2Either(
      "v2-unix-stream-over-tcp",
      build({
        version: 2,
        protocol: "UNIX_STREAM",
        source: { path: "/run/client.sock" },
        destination: { path: "/run/server.sock" },
      }),
      "AF_UNIX stream (0x31, 216-byte address block) on a TCP connection.",
      R.v2Fallback,
    ),
    v2Either(
      "v2-unix-dgram-over-tcp",
      build({
        version: 2,
        protocol: "UNIX_DGRAM",
        source: { path: "@client" },
        destination: { path: "/run/server.sock" },
      }),
      "AF_UNIX datagram (0x32) with an abstract source name on a TCP connection.",
      R.v2Fallback,
    ),
  );
  for (const fam of [0x01, 0x02, 0x10, 0x20, 0x30]) {
    const hex = fam.toString(16).padStart(2, "0");
    out.push(v2Either(
      `v2-unlisted-family-0x${hex}`,
      proxyWith(fam, addr4),
      `PROXY with the valid but unlisted family/transport byte 0x${hex} and 12 bytes of ` +
        "addresses: UNSPEC fallback, len skipped.",
      R.v2Fallback,
    ));
  }

  // `len` against the address block, and LOCAL with and without bytes.
  out.push(
    v2Bad(
      "v2-tcp4-len-11",
      proxyWith(0x11, addr4.subarray(0, 11)),
      "V2_LENGTH_TOO_SHORT",
      "TCP4 with len 11, one short of the 12-byte address block.",
      R.v2AddressBlock,
    ),
    v2Bad(
      "v2-tcp4-len-0",
      proxyWith(0x11, new Uint8Array(0)),
      "V2_LENGTH_TOO_SHORT",
      "TCP4 with len 0: no address block at all.",
      R.v2AddressBlock,
    ),
    v2Bad(
      "v2-tcp6-len-35",
      proxyWith(0x21, tcp6(2).subarray(16, 51)),
      "V2_LENGTH_TOO_SHORT",
      "TCP6 with len 35, one short of the 36-byte address block.",
      R.v2AddressBlock,
    ),
    v2Bad(
      "v2-tcp6-len-12",
      proxyWith(0x21, addr4),
      "V2_LENGTH_TOO_SHORT",
      "TCP6 with an IPv4-sized (12-byte) address block.",
      R.v2AddressBlock,
    ),
    v2Bad(
      "v2-unix-stream-len-215",
      proxyWith(0x31, new Uint8Array(215)),
      "V2_LENGTH_TOO_SHORT",
      "UNIX stream with len 215, one short of the 216-byte address block.",
      R.v2AddressBlock,
    ),
    v2Good(
      "v2-local-unspec-with-tlvs",
      build({ version: 2, command: "LOCAL", protocol: "UNSPEC", tlvs: [alpnTlv("h2")] }),
      "LOCAL with len covering TLVs: skipped, not assumed to be zero.",
      R.v2Len,
    ),
    v2Bad(
      "v2-local-garbage-body",
      v2Raw(0x20, 0x00, latin1("\xff\xfe\x00garbage")),
      "TLV_OVERRUN",
      "LOCAL with 10 bytes of garbage: with family 0x00 they are TLVs, and these overrun. A " +
        "receiver that skips TLVs unparsed (§2.2 allows it) accepts, so rejecting is a SHOULD.",
      R.tlvFormat,
      "2.2",
      "SHOULD",
    ),
    v2Good(
      "v2-local-invalid-family-0xff",
      v2Raw(0x20, 0xff, new Uint8Array(0)),
      "LOCAL with family/transport byte 0xFF, which LOCAL ignores.",
      R.v2Local,
    ),
    v2Good(
      "v2-local-tcp4-short-len",
      v2Raw(0x20, 0x11, addr4.subarray(0, 4)),
      "LOCAL announcing TCP4 with a 4-byte block: LOCAL discards the block, whatever its size.",
      R.v2Local,
    ),
    v2Bad(
      "v2-local-crc32c-mismatch",
      patch(tcp4(2, { crc32c: true }), 12, 0x20),
      "CRC_MISMATCH",
      "LOCAL whose TLVs hold a CRC32C that no longer matches (the command byte changed): " +
        "§2.2.3 makes no exception for LOCAL. A receiver that skips TLVs never sees it: SHOULD.",
      R.crc,
      "2.2.3",
      "SHOULD",
    ),
    v2Good(
      "v2-local-crc32c-valid",
      build({ version: 2, command: "LOCAL", protocol: "UNSPEC", crc32c: true }),
      "LOCAL with AF_UNSPEC and a matching CRC32C, as a health check with checksums sends.",
      R.v2Local,
      "2.2.3",
    ),
  );

  // TLVs that must be accepted (registered, reserved or unassigned types are all skippable).
  const withTlvs = (tlvs: Tlv[], extra: Partial<HeaderInit> = {}) => tcp4(2, { tlvs, ...extra });
  out.push(
    v2Good("v2-tlv-alpn", withTlvs([alpnTlv("h2")]), "An ALPN TLV carrying 'h2'.", R.alpn, "2.2.1"),
    v2Good(
      "v2-tlv-authority",
      withTlvs([authorityTlv("example.com")]),
      "An AUTHORITY TLV 'example.com'.",
      R.authority,
      "2.2.2",
    ),
    v2Good(
      "v2-tlv-authority-utf8",
      withTlvs([authorityTlv("bücher.example")]),
      "An AUTHORITY TLV with a non-ASCII UTF-8 host name.",
      R.authority,
      "2.2.2",
    ),
    v2Good("v2-tlv-noop", withTlvs([noopTlv(5)]), "A NOOP TLV of 5 bytes.", R.noop, "2.2.4"),
    v2Good(
      "v2-tlv-noop-empty",
      withTlvs([noopTlv(0)]),
      "A NOOP TLV with an empty value.",
      R.noop,
      "2.2.4",
    ),
    v2Good(
      "v2-tlv-unique-id-128",
      withTlvs([uniqueIdTlv(new Uint8Array(128).fill(0x41))]),
      "A UNIQUE_ID of exactly 128 bytes, the maximum.",
      R.uniqueId,
      "2.2.5",
    ),
    v2Good(
      "v2-tlv-ssl-all-subtypes",
      withTlvs([sslTlv({
        client: 0x07,
        verify: 0,
        version: "TLSv1.3",
        cn: "client.example",
        cipher: "TLS_AES_128_GCM_SHA256",
        sigAlg: "RSA-SHA256",
        keyAlg: "RSA2048",
        group: "X25519",
        sigScheme: "rsa_pss_rsae_sha256",
        clientCert: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]),
      })]),
      "An SSL TLV with every registered sub-TLV.",
      R.ssl,
      "2.2.6",
    ),
    v2Good(
      "v2-tlv-ssl-no-subtlvs",
      withTlvs([sslTlv({ client: 0, verify: 1 })]),
      "An SSL TLV with only its 5-byte client and verify prefix.",
      R.ssl,
      "2.2.6",
    ),
    v2Good(
      "v2-tlv-ssl-unknown-subtype",
      withTlvs([rawTlv(TlvType.SSL, cat([1, 0, 0, 0, 0], tlvRaw(0x2f, latin1("x"))))]),
      "An SSL TLV with an unassigned sub-TLV type 0x2F.",
      R.tlvSkip,
      "2.2.6",
    ),
    v2Good(
      "v2-tlv-netns",
      withTlvs([netnsTlv("blue")]),
      "A NETNS TLV naming namespace 'blue'.",
      R.netns,
      "2.2.7",
    ),
    v2Good(
      "v2-tlv-custom-0xe1",
      withTlvs([rawTlv(0xe1, latin1("custom"))]),
      "A TLV of the application-specific range (0xE1).",
      R.reserved,
      "2.2.8",
    ),
    v2Good(
      "v2-tlv-experiment-0xf0",
      withTlvs([rawTlv(0xf0, latin1("exp"))]),
      "A TLV of the experimental range (0xF0).",
      R.tlvSkip,
      "2.2.8",
    ),
    v2Good(
      "v2-tlv-future-0xff",
      withTlvs([rawTlv(0xff, latin1("future"))]),
      "A TLV of the future range (0xFF).",
      R.tlvSkip,
      "2.2.8",
    ),
    v2Good(
      "v2-tlv-cloud-vendors",
      withTlvs([
        awsVpceTlv("vpce-0123456789abcdef0"),
        azureLinkIdTlv(0x210045c1),
        gcpPscTlv(18446744072646845442n),
      ]),
      "AWS, Azure and GCP TLVs (0xEA, 0xEE, 0xE0).",
      R.reserved,
      "2.2.8",
    ),
    v2Good(
      "v2-tlv-unassigned-0x06",
      withTlvs([rawTlv(0x06, latin1("?"))]),
      "A TLV of the unassigned type 0x06.",
      R.tlvSkip,
    ),
    v2Good(
      "v2-tlv-empty-values",
      withTlvs([alpnTlv(""), authorityTlv(""), rawTlv(0xe2, new Uint8Array(0))]),
      "Three TLVs with empty values.",
      R.tlvFormat,
    ),
    v2Good(
      "v2-tlv-on-tcp6-with-crc32c",
      tcp6(2, {
        tlvs: [alpnTlv("h2"), authorityTlv("example.com"), uniqueIdTlv("req-42")],
        crc32c: true,
      }),
      "TCP6 with ALPN, AUTHORITY, UNIQUE_ID and a valid CRC32C.",
      R.crcValue,
      "2.2.3",
    ),
    v2Good(
      "v2-crc32c-valid",
      tcp4(2, { crc32c: true }),
      "TCP4 with a valid CRC32C and nothing else.",
      R.crcValue,
      "2.2.3",
    ),
    v2Either(
      "v2-tlv-repeated-type",
      withTlvs([alpnTlv("h2"), alpnTlv("http/1.1")]),
      "Two ALPN TLVs: the spec neither allows nor forbids repeating a type.",
      R.tlvSkip,
    ),
  );

  // Malformed TLVs. A receiver may skip TLVs unparsed (§2.2), so accepting them is lenient.
  const tlvBody = (...tlvs: Uint8Array[]) => proxyWith(0x11, cat(addr4, ...tlvs));
  const tlvBad = (name: string, bytes: Uint8Array, code: ErrorCode, d: string, section = "2.2") =>
    v2Bad(name, bytes, code, d, section === "2.2" ? R.tlvFormat : R.ssl, section, "SHOULD");
  out.push(
    tlvBad(
      "v2-tlv-overrun",
      tlvBody(tlvRaw(0x01, latin1("h2"), 10)),
      "TLV_OVERRUN",
      "An ALPN TLV declaring 10 bytes with 2 left in the header.",
    ),
    tlvBad(
      "v2-tlv-overrun-second",
      tlvBody(tlvRaw(0x01, latin1("h2")), tlvRaw(0x02, latin1("ab"), 3)),
      "TLV_OVERRUN",
      "A valid TLV, then one declaring one byte too many.",
    ),
    tlvBad(
      "v2-tlv-length-65535",
      tlvBody(tlvRaw(0x04, new Uint8Array(4), 0xffff)),
      "TLV_OVERRUN",
      "A NOOP TLV declaring 65535 bytes (a read far past the header).",
    ),
    tlvBad(
      "v2-tlv-stray-1-byte",
      tlvBody(new Uint8Array([0x01])),
      "TLV_STRAY_BYTES",
      "One byte after the address block, too short for a TLV.",
    ),
    tlvBad(
      "v2-tlv-stray-2-bytes",
      tlvBody(tlvRaw(0x01, latin1("h2")), new Uint8Array([0x02, 0x00])),
      "TLV_STRAY_BYTES",
      "A TLV, then two stray bytes.",
    ),
    tlvBad(
      "v2-tlv-ssl-too-short",
      tlvBody(tlvRaw(0x20, new Uint8Array([1, 0, 0, 0]))),
      "SSL_TOO_SHORT",
      "An SSL TLV of 4 bytes, shorter than its client and verify fields.",
      "2.2.6",
    ),
    tlvBad(
      "v2-tlv-ssl-subtlv-overrun",
      tlvBody(tlvRaw(0x20, cat([1, 0, 0, 0, 0], tlvRaw(0x21, latin1("TLSv1.3"), 40)))),
      "SSL_SUBTLV_OVERRUN",
      "An SSL sub-TLV declaring 40 bytes with 7 left in the SSL value.",
      "2.2.6",
    ),
    tlvBad(
      "v2-tlv-ssl-subtlv-stray-byte",
      tlvBody(tlvRaw(0x20, cat([1, 0, 0, 0, 0], tlvRaw(0x21, latin1("TLSv1.3")), [0x22]))),
      "SSL_SUBTLV_OVERRUN",
      "An SSL value ending with one stray byte after its last sub-TLV.",
      "2.2.6",
    ),
  );

  // CRC32C. §2.2.3's MUST binds receivers that support the checksum; one that does not may
  // skip the TLV (§2.2), so from outside accepting a bad checksum is lenient, not a violation.
  const crcBase = tcp4(2, { crc32c: true }); // CRC32C TLV at 28, value at 31..34
  const crcBad = (name: string, bytes: Uint8Array, code: ErrorCode, d: string, rule: string) =>
    v2Bad(name, bytes, code, d, rule, "2.2.3", "SHOULD");
  out.push(
    crcBad(
      "v2-crc32c-mismatch",
      patch(crcBase, 34, crcBase[34]! ^ 0x01),
      "CRC_MISMATCH",
      "A CRC32C whose last bit is flipped.",
      R.crc,
    ),
    crcBad(
      "v2-crc32c-zero-value",
      patch(crcBase, 31, 0, 0, 0, 0),
      "CRC_MISMATCH",
      "A CRC32C TLV left at zero.",
      R.crc,
    ),
    crcBad(
      "v2-crc32c-address-tampered",
      patch(crcBase, 19, crcBase[19]! ^ 0x01),
      "CRC_MISMATCH",
      "The source address changed after the checksum was computed (a spoofing attempt).",
      R.crc,
    ),
    crcBad(
      "v2-crc32c-length-0",
      tlvBody(tlvRaw(0x03, new Uint8Array(0))),
      "CRC_BAD_LENGTH",
      "A CRC32C TLV with an empty value.",
      R.crcValue,
    ),
    crcBad(
      "v2-crc32c-length-3",
      tlvBody(tlvRaw(0x03, new Uint8Array(3))),
      "CRC_BAD_LENGTH",
      "A CRC32C TLV of 3 bytes.",
      R.crcValue,
    ),
    crcBad(
      "v2-crc32c-length-5",
      tlvBody(tlvRaw(0x03, new Uint8Array(5))),
      "CRC_BAD_LENGTH",
      "A CRC32C TLV of 5 bytes.",
      R.crcValue,
    ),
    crcBad(
      "v2-crc32c-duplicate",
      // A valid checksum TLV, then a second one: which one counts is ambiguous.
      proxyWith(0x11, cat(addr4, crcBase.subarray(28), tlvRaw(0x03, crcBase.subarray(31)))),
      "CRC_DUPLICATE",
      "Two CRC32C TLVs: which one counts is ambiguous.",
      R.crcValue,
    ),
  );

  // Oversized values and large headers: no limit in the spec except UNIQUE_ID's 128 bytes.
  const noopTo = (total: number) => withTlvs([noopTlv(total - 28 - 3)]);
  out.push(
    v2Bad(
      "v2-tlv-unique-id-129",
      withTlvs([uniqueIdTlv(new Uint8Array(129).fill(0x41))]),
      "UNIQUE_ID_TOO_LONG",
      "A UNIQUE_ID of 129 bytes, one past the limit.",
      R.uniqueId,
      "2.2.5",
      "SHOULD",
    ),
    v2Bad(
      "v2-tlv-unique-id-1024",
      withTlvs([uniqueIdTlv(new Uint8Array(1024).fill(0x41))]),
      "UNIQUE_ID_TOO_LONG",
      "A UNIQUE_ID of 1024 bytes.",
      R.uniqueId,
      "2.2.5",
      "SHOULD",
    ),
    v2Either(
      "v2-tlv-authority-256",
      withTlvs([authorityTlv("a".repeat(252) + ".com")]),
      "An AUTHORITY of 256 bytes, past the DNS limit but not the spec's.",
      R.authority,
      "2.2.2",
    ),
    v2Either(
      "v2-tlv-authority-1000",
      withTlvs([authorityTlv(`${"sub.".repeat(249)}com.`)]),
      "An AUTHORITY of 1000 bytes.",
      R.authority,
      "2.2.2",
    ),
    v2Either(
      "v2-tlv-alpn-1025",
      withTlvs([alpnTlv("h".repeat(1025))]),
      "An ALPN value of 1025 bytes.",
      R.alpn,
      "2.2.1",
    ),
    v2Either(
      "v2-tlv-custom-4096",
      withTlvs([rawTlv(0xe5, new Uint8Array(4096).fill(0x5a))]),
      "An application-specific TLV of 4096 bytes.",
      R.reserved,
      "2.2.8",
    ),
    v2Either(
      "v2-large-537-bytes",
      noopTo(537),
      "A valid 537-byte header: one byte past the 536-byte segment the spec designs for.",
      R.mss,
      "2",
    ),
    v2Either("v2-large-4096-bytes", noopTo(4096), "A valid 4096-byte header.", R.mss, "2"),
    v2Either(
      "v2-max-length-65551-bytes",
      noopTo(16 + 0xffff),
      "The largest header len allows: 16 + 65535 bytes.",
      R.v2HeaderLength,
    ),
    v2Either(
      "v2-many-small-tlvs",
      withTlvs(Array.from({ length: 200 }, () => noopTlv(0))),
      "200 empty NOOP TLVs (628 bytes): per-TLV costs and loops.",
      R.noop,
      "2.2.4",
    ),
  );
  return out;
}
