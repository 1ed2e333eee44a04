/**
 * Published PROXY protocol parser CVEs as regression seeds.
 *
 * @module
 */

import { noopTlv, rawTlv, TlvType } from "../tlv.ts";
import { build, cat, latin1, make, R, tcp4, tlvRaw, v2Raw } from "./_build.ts";
import type { FuzzCase } from "./case.ts";

// ---------------------------------------------------------------------------
// Published parser CVEs as regression seeds.

export function cveCases(): FuzzCase[] {
  const base = tcp4(2);
  // Nested SSL TLVs, 40 deep: each level is a sub-TLV of type 0x20 holding another SSL value.
  let nested: Uint8Array = cat([1, 0, 0, 0, 0], tlvRaw(0x21, latin1("TLSv1.3")));
  for (let i = 0; i < 40; i++) nested = cat([1, 0, 0, 0, 0], tlvRaw(0x20, nested));
  return [
    make(2, {
      name: "cve-2019-14243-udp4-len-0",
      section: "2.2",
      requirement: "MUST",
      rule: R.v2AddressBlock,
      description: "PROXY UDP4 with len 0: parsers that slice the address block without checking " +
        "len read past the header (mastercactapus/proxyprotocol panicked).",
      bytes: v2Raw(0x21, 0x12, new Uint8Array(0)),
      expect: "reject",
      code: "V2_LENGTH_TOO_SHORT",
      cve: "CVE-2019-14243",
    }),
    make(2, {
      name: "cve-2019-14243-tcp6-len-12",
      section: "2.2",
      requirement: "MUST",
      rule: R.v2AddressBlock,
      description: "PROXY TCP6 with a 12-byte block: a 36-byte address read overruns it.",
      bytes: v2Raw(0x21, 0x21, base.subarray(16, 28)),
      expect: "reject",
      code: "V2_LENGTH_TOO_SHORT",
      cve: "CVE-2019-14243",
    }),
    make(1, {
      name: "cve-2021-23351-no-newline",
      section: "2.1",
      requirement: "SHOULD",
      rule: R.v1TooLong,
      description: "PROXY UNKNOWN and 4096 bytes without any CR or LF: a receiver reading until " +
        "LF without a limit (pires/go-proxyproto) buffers forever.",
      bytes: latin1(`PROXY UNKNOWN ${"A".repeat(4096)}`),
      expect: "reject",
      code: "V1_TOO_LONG",
      cve: "CVE-2021-23351",
    }),
    make(null, {
      name: "cve-2021-23409-silent-connection",
      section: "2",
      requirement: "MUST",
      rule: R.partial,
      description: "Connect and send nothing: a receiver without a header timeout " +
        "(pires/go-proxyproto) holds the connection, and blocks its accept loop, forever.",
      bytes: new Uint8Array(0),
      expect: "timeout",
      delivery: { kind: "truncated", then: "hold" },
      cve: "CVE-2021-23409",
    }),
    make(2, {
      name: "cve-2024-23327-local-unspec-len-0",
      section: "2.2",
      requirement: "MUST",
      rule: R.v2Local,
      description: "LOCAL, AF_UNSPEC, len 0 (AWS NLB health checks): Envoy crashed on the " +
        "missing address block.",
      bytes: build({ version: 2, command: "LOCAL", protocol: "UNSPEC" }),
      expect: "accept",
      cve: "CVE-2024-23327",
    }),
    make(2, {
      name: "cve-2024-23327-local-tcp4-len-0",
      section: "2.2",
      requirement: "MUST",
      rule: R.v2Local,
      description: "LOCAL announcing TCP4 with len 0: the family is ignored, there is no block.",
      bytes: v2Raw(0x20, 0x11, new Uint8Array(0)),
      expect: "accept",
      cve: "CVE-2024-23327",
    }),
    make(2, {
      name: "cve-2019-10097-large-header",
      section: "2.2",
      requirement: "MAY",
      rule: R.v2HeaderLength,
      description: "A valid 952-byte header: Apache mod_remoteip overflowed a fixed buffer " +
        "(a reset here may be a crash: check the target).",
      bytes: tcp4(2, { tlvs: [noopTlv(952 - 28 - 3)] }),
      expect: "either",
      cve: "CVE-2019-10097",
    }),
    make(2, {
      name: "cve-2022-41881-nested-ssl",
      section: "2.2.6",
      requirement: "MUST",
      rule: R.tlvSkip,
      description: "An SSL TLV whose sub-TLVs nest SSL values 40 deep: Netty recursed into them " +
        "and overflowed its stack. Sub-type 0x20 is unassigned and must be skipped.",
      bytes: tcp4(2, { tlvs: [rawTlv(TlvType.SSL, nested)] }),
      expect: "accept",
      cve: "CVE-2022-41881",
    }),
    make(2, {
      name: "cve-2024-23324-authority-invalid-utf8",
      section: "2.2.2",
      requirement: "MAY",
      rule: R.authority,
      description: "An AUTHORITY TLV that is not UTF-8: Envoy passed it on unchecked. Rejecting " +
        "it is a note, accepting passes (the application must not trust it).",
      bytes: tcp4(2, { tlvs: [rawTlv(TlvType.AUTHORITY, latin1("ex\xffam\xc3ple.com"))] }),
      expect: "either",
      cve: "CVE-2024-23324",
    }),
    make(2, {
      name: "cve-2024-23325-tcp6",
      section: "2.2",
      requirement: "MUST",
      rule: R.v2Proxy,
      description: "A TCP6 header: Envoy crashed on an IPv6 client address on a host without " +
        "IPv6.",
      bytes: build({
        version: 2,
        protocol: "TCP6",
        source: { address: "fd00::1", port: 40000 },
        destination: { address: "fd00::2", port: 443 },
      }),
      expect: "accept",
      cve: "CVE-2024-23325",
    }),
  ];
}
