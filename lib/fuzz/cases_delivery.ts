/**
 * Fuzz cases about delivery (§2): partial headers held or half-closed,
 * fragments, slowloris, no header at all, and payload after the header.
 *
 * @module
 */

import { authorityTlv } from "../tlv.ts";
import { build, DST4, latin1, make, pad2, R, SPOOF4, tcp4, tlvRaw, v2Raw } from "./_build.ts";
import type { FuzzCase, MarkerMode, Requirement } from "./case.ts";

// ---------------------------------------------------------------------------
// §2: delivery (partial headers, fragments, slowloris, no header, trailing data).

export function deliveryCases(): FuzzCase[] {
  const l1 = tcp4(1); // "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n", 45 bytes
  const b2 = tcp4(2); // 28 bytes
  const t2 = tcp4(2, { tlvs: [authorityTlv("example.com")], crc32c: true }); // 49 bytes
  const out: FuzzCase[] = [];

  const hold = (version: 1 | 2, name: string, bytes: Uint8Array, description: string) =>
    make(version, {
      name,
      section: "2",
      requirement: "MUST",
      rule: R.partial,
      description: `${description} Then nothing: the receiver must not accept and must close ` +
        "by itself (§2: a header timeout of at least 3 s).",
      bytes,
      expect: "timeout",
      delivery: { kind: "truncated", then: "hold" },
    });
  const close = (version: 1 | 2 | null, name: string, bytes: Uint8Array, description: string) =>
    make(version, {
      name,
      section: "2",
      requirement: "MUST",
      rule: R.partial,
      description: `${description} Then a FIN: the receiver must close without accepting.`,
      bytes,
      expect: "reject",
      code: "TRUNCATED",
      delivery: { kind: "truncated", then: "close" },
    });

  // The first `at` bytes of `whole`, held open.
  const truncatedHolds = (
    version: 1 | 2,
    whole: Uint8Array,
    of: string,
    cuts: [number, string][],
  ) => {
    for (const [at, what] of cuts) {
      out.push(hold(
        version,
        `delivery-v${version}-truncated-at-${pad2(at)}-hold`,
        whole.subarray(0, at),
        `The first ${at} bytes of ${of} (${what}).`,
      ));
    }
  };
  truncatedHolds(1, l1, "a TCP4 line", [
    [1, "'P'"],
    [5, "'PROXY'"],
    [6, "'PROXY '"],
    [10, "up to the protocol"],
    [11, "up to the space before the source"],
    [20, "up to the end of the source address"],
    [33, "up to the end of the destination address"],
    [39, "up to the end of the source port"],
    [43, "the whole line but its CRLF"],
    [44, "the whole line but its LF"],
  ]);
  truncatedHolds(2, b2, "a 28-byte TCP4 header", [
    [1, "one signature byte"],
    [6, "half the signature"],
    [11, "all but one signature byte"],
    [12, "the signature"],
    [13, "the signature and ver/cmd"],
    [14, "up to the family byte"],
    [15, "half of len"],
    [16, "the fixed header, none of the 12 address bytes"],
    [20, "the source address only"],
    [24, "both addresses, no ports"],
    [27, "all but the last byte"],
  ]);
  out.push(
    hold(
      2,
      "delivery-v2-tlvs-truncated-in-tlv-header-hold",
      t2.subarray(0, 29),
      "A TCP4 header with TLVs cut after the first TLV's type byte.",
    ),
    hold(
      2,
      "delivery-v2-tlvs-truncated-in-tlv-value-hold",
      t2.subarray(0, 36),
      "A TCP4 header with TLVs cut in the middle of the AUTHORITY value.",
    ),
    hold(
      2,
      "delivery-v2-len-beyond-sent-hold",
      v2Raw(0x21, 0x11, b2.subarray(16), 100),
      "A TCP4 header whose len says 100 while 12 bytes follow.",
    ),
    hold(
      2,
      "delivery-v2-len-65535-fixed-header-only-hold",
      v2Raw(0x21, 0x11, new Uint8Array(0), 0xffff),
      "A fixed header announcing len 65535, and nothing after it.",
    ),
    close(1, "delivery-v1-truncated-at-10-close", l1.subarray(0, 10), "'PROXY TCP4'."),
    close(
      1,
      "delivery-v1-truncated-at-44-close",
      l1.subarray(0, 44),
      "A TCP4 line without its LF.",
    ),
    close(2, "delivery-v2-truncated-at-12-close", b2.subarray(0, 12), "The v2 signature only."),
    close(2, "delivery-v2-truncated-at-16-close", b2.subarray(0, 16), "The v2 fixed header only."),
    close(2, "delivery-v2-truncated-at-27-close", b2.subarray(0, 27), "All but the last byte."),
    close(
      2,
      "delivery-v2-len-beyond-sent-close",
      v2Raw(0x21, 0x11, b2.subarray(16), 100),
      "A TCP4 header whose len says 100 while 12 bytes follow.",
    ),
    close(null, "delivery-silent-close", new Uint8Array(0), "Connect and send nothing."),
  );

  // Fragmented valid headers: tolerance is recommended, dropping is allowed.
  const frag = (
    version: 1 | 2,
    name: string,
    bytes: Uint8Array,
    offsets: number[],
    delayMs: number,
    description: string,
  ) =>
    make(version, {
      name,
      section: "2",
      requirement: "SHOULD",
      rule: R.tolerance,
      description,
      bytes,
      expect: "tolerance",
      delivery: { kind: "fragments", offsets, delayMs },
    });
  const every = (n: number) => Array.from({ length: n - 1 }, (_, i) => i + 1);
  out.push(
    frag(1, "delivery-v1-fragmented-after-proxy", l1, [6], 200, "A TCP4 line in two writes."),
    frag(
      1,
      "delivery-v1-fragmented-every-field",
      l1,
      [6, 11, 21, 34, 40],
      100,
      "A TCP4 line in one write per field.",
    ),
    frag(
      1,
      "delivery-v1-fragmented-between-cr-and-lf",
      l1,
      [44],
      200,
      "A TCP4 line whose LF comes 200 ms after its CR.",
    ),
    frag(1, "delivery-v1-byte-at-a-time", l1, every(l1.length), 20, "One byte per write, 20 ms."),
    frag(
      1,
      "delivery-v1-fragmented-2500ms",
      l1,
      [6],
      2500,
      "A TCP4 line in two writes 2.5 s apart, inside the 3 s a timeout should allow.",
    ),
    frag(2, "delivery-v2-fragmented-after-signature", b2, [12], 200, "Signature, then the rest."),
    frag(2, "delivery-v2-fragmented-after-fixed-header", b2, [16], 200, "Fixed header, then body."),
    frag(2, "delivery-v2-fragmented-mid-address", b2, [20], 200, "Split inside the addresses."),
    frag(
      2,
      "delivery-v2-fragmented-mid-tlv",
      t2,
      [29, 36],
      200,
      "A header with TLVs split inside a TLV header and inside its value.",
    ),
    frag(2, "delivery-v2-byte-at-a-time", b2, every(b2.length), 20, "One byte per write, 20 ms."),
    frag(
      2,
      "delivery-v2-fragmented-2500ms",
      b2,
      [16],
      2500,
      "A v2 header in two writes 2.5 s apart, inside the 3 s a timeout should allow.",
    ),
  );

  // Slowloris: a valid header dribbled out far past any reasonable header timeout.
  const slow = (version: 1 | 2, name: string, bytes: Uint8Array, byteDelayMs: number) =>
    make(version, {
      name,
      section: "2",
      requirement: "SHOULD",
      rule: R.timeout,
      description: `A valid ${bytes.length}-byte header, one byte every ${byteDelayMs} ms ` +
        `(${((bytes.length - 1) * byteDelayMs) / 1000} s): the receiver should give up first.`,
      bytes,
      expect: "timeout",
      delivery: { kind: "slow", byteDelayMs },
    });
  out.push(
    slow(1, "delivery-v1-slowloris", l1, 500),
    slow(2, "delivery-v2-slowloris", b2, 1000),
  );

  // No header at all: the receiver must not guess.
  const noHeader = (name: string, bytes: Uint8Array, description: string) =>
    make(null, {
      name,
      section: "2",
      requirement: "MUST",
      rule: R.noGuess,
      description,
      bytes,
      expect: "reject",
      code: "NOT_PROXY",
    });
  out.push(
    noHeader(
      "no-header-http-request",
      latin1("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
      "An HTTP request without a PROXY header.",
    ),
    noHeader(
      "no-header-tls-client-hello",
      new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03]),
      "The start of a TLS ClientHello without a PROXY header.",
    ),
    noHeader(
      "no-header-ssh-banner",
      latin1("SSH-2.0-OpenSSH_9.6\r\n"),
      "An SSH client banner without a PROXY header.",
    ),
    noHeader(
      "no-header-smtp-ehlo",
      latin1("EHLO client.example\r\n"),
      "An SMTP EHLO without a PROXY header.",
    ),
  );

  // Trailing data: a second header and payload in the same write are application data.
  const spoof1 = build({ version: 1, protocol: "TCP4", source: SPOOF4, destination: DST4 });
  const spoof2 = build({ version: 2, protocol: "TCP4", source: SPOOF4, destination: DST4 });
  const trailing = (
    version: 1 | 2,
    name: string,
    bytes: Uint8Array,
    afterHeader: Uint8Array,
    marker: MarkerMode,
    description: string,
    requirement: Requirement = "MUST",
  ) =>
    make(version, {
      name,
      section: version === 1 ? "2.1" : "2.2",
      requirement,
      rule: version === 1 ? R.skipHeader : R.v2HeaderLength,
      description,
      bytes,
      afterHeader,
      marker,
      expect: "accept",
    });
  out.push(
    trailing(
      1,
      "delivery-v1-second-header-v1",
      l1,
      spoof1,
      "separate",
      "A TCP4 line, then a second line with a spoofed source in the same write: the second " +
        "is payload and must reach the application unchanged.",
    ),
    trailing(
      2,
      "delivery-v2-second-header-v2",
      b2,
      spoof2,
      "separate",
      "A v2 header, then a second one with a spoofed source in the same write: payload.",
    ),
    trailing(
      2,
      "delivery-v2-then-v1-header",
      b2,
      spoof1,
      "separate",
      "A v2 header, then a v1 line.",
    ),
    trailing(
      1,
      "delivery-v1-then-v2-header",
      l1,
      spoof2,
      "separate",
      "A v1 line, then a v2 header.",
    ),
    trailing(
      1,
      "delivery-v1-payload-same-write",
      l1,
      new Uint8Array(0),
      "same-write",
      "A TCP4 line and the payload in one write: the payload must not be lost.",
    ),
    trailing(
      1,
      "delivery-v1-unknown-payload-same-write",
      latin1("PROXY UNKNOWN\r\n"),
      new Uint8Array(0),
      "same-write",
      "PROXY UNKNOWN and the payload in one write.",
      "SHOULD",
    ),
    trailing(
      2,
      "delivery-v2-payload-same-write",
      b2,
      new Uint8Array(0),
      "same-write",
      "A v2 header and the payload in one write.",
    ),
    trailing(
      2,
      "delivery-v2-tlvs-payload-same-write",
      t2,
      new Uint8Array(0),
      "same-write",
      "A v2 header with TLVs and a CRC32C, and the payload in one write.",
    ),
    trailing(
      2,
      "delivery-v2-local-payload-same-write",
      build({ version: 2, command: "LOCAL", protocol: "UNSPEC" }),
      new Uint8Array(0),
      "same-write",
      "A LOCAL header and the payload in one write.",
    ),
    trailing(
      2,
      "delivery-v2-payload-looks-like-tlv",
      b2,
      tlvRaw(0x01, latin1("h2")),
      "separate",
      "A v2 header whose payload starts like an ALPN TLV: past 16 + len it is payload.",
    ),
  );
  return out;
}
