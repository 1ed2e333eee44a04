import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { toHex } from "../_bytes.ts";
import { crc32c } from "../crc32c.ts";
import { ErrorCode } from "../errors.ts";
import {
  catalogCase,
  classifyHeader,
  deliveryDurationMs,
  FUZZ_RULES,
  type FuzzCase,
  fuzzCatalog,
  writePlan,
} from "./mod.ts";
import { assertAgreesWithDecoder, fakeCase, MARKER } from "./_testing.ts";
import { ascii, concat, fromHex, SIG, tlv, v2 } from "../_testing.ts";

const SPEC = new URL("../../../shared/spec/proxy-protocol.txt", import.meta.url);
// The spec lives beside the project (../shared), as in CI; a lone clone has no copy of it.
const SPEC_SKIP = existsSync(fileURLToPath(SPEC))
  ? false
  : "../shared/spec/proxy-protocol.txt is not beside the project";
const SECTIONS = ["2", "2.1", "2.2", "2.2.1", "2.2.2", "2.2.3", "2.2.4", "2.2.5", "2.2.6", "2.2.7"]
  .concat(["2.2.8"]);
const CATALOG = fuzzCatalog();
const byName = (name: string): FuzzCase => {
  const c = CATALOG.find((x) => x.name === name);
  assert.ok(c, `no case ${name}`);
  return c;
};
// 192.0.2.1, 198.51.100.7, 56324, 443: the catalog's addresses, written out by hand.
const ADDR4 = [192, 0, 2, 1, 198, 51, 100, 7, 0xdc, 0x04, 0x01, 0xbb];
const LINE4 = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n";

function sigIntact(c: FuzzCase): boolean {
  return c.bytes.length >= 16 && SIG.every((b, i) => c.bytes[i] === b);
}

describe("fuzz catalog: shape", () => {
  it("has at least 110 cases with unique kebab-case names", () => {
    assert.ok(CATALOG.length >= 110, `${CATALOG.length} cases`);
    const names = new Set(CATALOG.map((c) => c.name));
    assert.equal(names.size, CATALOG.length, "duplicate names");
    for (const name of names) assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("is rebuilt identically on every call, and the arrays are the caller's", () => {
    const again = fuzzCatalog();
    assert.deepEqual(again, CATALOG);
    const [changed] = again;
    const [fresh] = fuzzCatalog();
    assert.ok(changed && fresh);
    const first = changed.bytes[0];
    assert.ok(first !== undefined);
    changed.bytes[0] = first ^ 0xff;
    assert.notDeepEqual(fresh.bytes, changed.bytes);
  });

  it("gives every case a known section, requirement, version and a description", () => {
    for (const c of CATALOG) {
      assert.ok(SECTIONS.includes(c.section), `${c.name}: section ${c.section}`);
      assert.ok(["MUST", "SHOULD", "MAY"].includes(c.requirement), c.name);
      assert.ok([1, 2, null].includes(c.version), c.name);
      assert.ok(c.description.length > 20 && c.description.endsWith("."), c.name);
      assert.ok(c.bytes instanceof Uint8Array && c.afterHeader instanceof Uint8Array, c.name);
    }
  });

  it("quotes every rule verbatim from the spec", { skip: SPEC_SKIP }, () => {
    const norm = (s: string) => s.replace(/\s+/g, " ").trim();
    const spec = norm(readFileSync(fileURLToPath(SPEC), "utf8"));
    for (const [key, quote] of Object.entries(FUZZ_RULES)) {
      assert.ok(spec.includes(norm(quote)), `FUZZ_RULES.${key} is not in the spec: ${quote}`);
    }
    const quotes = new Set<string>(Object.values(FUZZ_RULES));
    for (const c of CATALOG) assert.ok(quotes.has(c.rule), `${c.name}: rule not in FUZZ_RULES`);
  });

  it("pairs deliveries, markers, expectations and codes consistently", () => {
    for (const c of CATALOG) {
      const d = c.delivery;
      assert.equal(c.expect === "reject", c.code !== undefined, `${c.name}: code iff reject`);
      assert.equal(c.expect === "tolerance", d.kind === "fragments", `${c.name}: tolerance`);
      if (d.kind === "slow") assert.equal(c.expect, "timeout", c.name);
      if (d.kind === "truncated") assert.equal(c.marker, "none", c.name);
      if (c.marker === "none") assert.equal(d.kind, "truncated", c.name);
      if (d.kind === "fragments") {
        assert.ok(d.offsets.length > 0 && d.delayMs > 0, c.name);
        let last = 0;
        for (const at of d.offsets) {
          assert.ok(at > last && at < c.bytes.length, `${c.name}: offset ${at}`);
          last = at;
        }
      }
      if (c.afterHeader.length > 0) assert.equal(c.expect, "accept", c.name);
    }
  });
});

describe("fuzz catalog: every expectation agrees with ppcat's decoder", () => {
  for (const c of CATALOG) {
    it(c.name, () => assertAgreesWithDecoder(c));
  }
});

describe("fuzz catalog: whole-delivery cases agree with classifyHeader", () => {
  it("expectation and code", () => {
    for (const c of CATALOG) {
      if (c.delivery.kind !== "whole") continue;
      const k = classifyHeader(concat(c.bytes, c.afterHeader));
      assert.equal(k.expect, c.expect, c.name);
      assert.equal(k.code, c.code, c.name);
    }
  });
});

describe("fuzz catalog: coverage the issue asks for", () => {
  it("every v2 command, family and transport nibble", () => {
    const commands = new Set<number>();
    const families = new Set<number>();
    const transports = new Set<number>();
    for (const c of CATALOG) {
      const [verCmd, famProto] = [c.bytes[12], c.bytes[13]];
      if (c.version !== 2 || !sigIntact(c) || verCmd === undefined || verCmd >> 4 !== 2) continue;
      commands.add(verCmd & 0xf);
      if ((verCmd & 0xf) !== 1 || famProto === undefined) continue;
      families.add(famProto >> 4);
      transports.add(famProto & 0xf);
    }
    const all = Array.from({ length: 16 }, (_, i) => i);
    assert.deepEqual([...commands].sort((a, b) => a - b), all);
    assert.deepEqual([...families].sort((a, b) => a - b), all);
    assert.deepEqual([...transports].sort((a, b) => a - b), all);
  });

  it("every damaged signature byte and several version nibbles", () => {
    for (let i = 0; i < 12; i++) {
      const c = byName(`v2-signature-byte-${String(i).padStart(2, "0")}`);
      const sig = SIG[i];
      assert.ok(sig !== undefined);
      assert.equal(c.bytes[i], sig ^ 0x80);
      assert.equal(c.code, "NOT_PROXY");
    }
    for (const v of ["0", "1", "3", "f"]) {
      assert.equal(byName(`v2-version-${v}`).code, "V2_BAD_VERSION");
    }
  });

  it("every decoder error code is probed by some case", () => {
    const probed = new Set(CATALOG.map((c) => c.code));
    for (const code of Object.values(ErrorCode)) {
      if (code === "VERSION_NOT_ALLOWED" || code.startsWith("ENCODE_")) continue;
      assert.ok(probed.has(code), `no case for ${code}`);
    }
  });

  it("the published CVEs as regression seeds", () => {
    const cves = new Set(CATALOG.map((c) => c.cve).filter(Boolean));
    for (
      const cve of [
        "CVE-2019-14243",
        "CVE-2021-23351",
        "CVE-2021-23409",
        "CVE-2024-23327",
        "CVE-2019-10097",
        "CVE-2022-41881",
        "CVE-2024-23324",
        "CVE-2024-23325",
      ]
    ) {
      assert.ok(cves.has(cve), cve);
    }
    for (const c of CATALOG) if (c.cve) assert.ok(c.name.startsWith("cve-"), c.name);
  });

  it("every delivery kind, truncation boundary and marker mode", () => {
    const kinds = new Set(CATALOG.map((c) => c.delivery.kind));
    assert.deepEqual([...kinds].sort(), ["fragments", "slow", "truncated", "whole"]);
    const held = (v: 1 | 2) =>
      CATALOG.filter((c) =>
        c.version === v && c.delivery.kind === "truncated" && c.delivery.then === "hold"
      ).map((c) => c.bytes.length);
    // v1: inside PROXY, after it, in the protocol, in each field, before CR, between CR and LF.
    for (const n of [1, 5, 6, 10, 11, 20, 33, 39, 43, 44]) {
      assert.ok(held(1).includes(n), `v1 ${n}`);
    }
    // v2: in the signature, after it, each fixed byte, in each address field, one short.
    for (const n of [1, 6, 11, 12, 13, 14, 15, 16, 20, 24, 27]) {
      assert.ok(held(2).includes(n), `v2 ${n}`);
    }
    assert.ok(CATALOG.some((c) => c.delivery.kind === "truncated" && c.delivery.then === "close"));
    assert.deepEqual(
      new Set(CATALOG.map((c) => c.marker)),
      new Set(["separate", "same-write", "none"]),
    );
  });

  it("names the probes of the issue's list", () => {
    for (
      const name of [
        "v1-unknown-short",
        "v1-unknown-with-fields",
        "v1-unknown-108-bytes",
        "v1-unknown-no-crlf-within-107",
        "v1-lone-cr",
        "v1-lone-lf",
        "v1-nul-in-source-address",
        "v1-tcp4-with-ipv6-addresses",
        "v2-tcp4-len-11",
        "delivery-v2-len-beyond-sent-hold",
        "cve-2024-23327-local-unspec-len-0",
        "v2-local-unspec-with-tlvs",
        "v2-udp4-over-tcp",
        "v2-unix-stream-over-tcp",
        "v2-tlv-overrun",
        "v2-tlv-stray-1-byte",
        "v2-tlv-ssl-subtlv-overrun",
        "v2-crc32c-valid",
        "v2-crc32c-mismatch",
        "v2-crc32c-length-3",
        "v2-tlv-authority-256",
        "v2-tlv-unique-id-129",
        "v2-tlv-alpn-1025",
        "v2-large-537-bytes",
        "delivery-v1-slowloris",
        "delivery-v2-slowloris",
        "no-header-http-request",
        "delivery-v2-second-header-v2",
        "delivery-v2-payload-same-write",
        "delivery-v1-fragmented-every-field",
      ]
    ) {
      byName(name);
    }
  });
});

describe("fuzz catalog: hand-checked cases", () => {
  it("v1-tcp4 is the spec's line shape, accepted as a MUST", () => {
    const c = byName("v1-tcp4");
    assert.deepEqual(c.bytes, ascii(LINE4));
    assert.equal(c.expect, "accept");
    assert.equal(c.requirement, "MUST");
    assert.equal(c.version, 1);
  });

  it("v2-tcp4-len-11 is the fixed header with len 11 and 11 address bytes", () => {
    const c = byName("v2-tcp4-len-11");
    assert.deepEqual(c.bytes, concat(SIG, [0x21, 0x11, 0x00, 0x0b], ADDR4.slice(0, 11)));
    assert.deepEqual([c.expect, c.code, c.requirement], ["reject", "V2_LENGTH_TOO_SHORT", "MUST"]);
  });

  it("LOCAL cases must be accepted, whatever the family byte and len", () => {
    assert.deepEqual(
      byName("cve-2024-23327-local-tcp4-len-0").bytes,
      concat(SIG, [0x20, 0x11, 0, 0]),
    );
    assert.deepEqual(byName("v2-local-invalid-family-0xff").bytes, concat(SIG, [0x20, 0xff, 0, 0]));
    for (const name of ["cve-2024-23327-local-tcp4-len-0", "v2-local-invalid-family-0xff"]) {
      assert.deepEqual([byName(name).expect, byName(name).requirement], ["accept", "MUST"]);
    }
  });

  it("SHOULD-level rejections: no CRLF within 107 bytes, CRC32C and TLV content", () => {
    for (
      const name of [
        "v1-unknown-108-bytes",
        "cve-2021-23351-no-newline",
        "v2-crc32c-mismatch",
        "v2-crc32c-duplicate",
        "v2-tlv-overrun",
        "v2-tlv-unique-id-129",
        "v2-tlv-ssl-too-short",
      ]
    ) {
      assert.deepEqual([byName(name).expect, byName(name).requirement], ["reject", "SHOULD"], name);
    }
    assert.equal(byName("v1-unknown-108-bytes").bytes.length, 108);
    // The CRLF sits at 106-107: its LF is the 108th byte.
    assert.deepEqual([...byName("v1-unknown-108-bytes").bytes.subarray(106)], [0x0d, 0x0a]);
  });

  it("what the spec does not limit is `either` (MAY)", () => {
    for (
      const [name, length] of [
        ["v2-tlv-authority-256", 16 + 12 + 3 + 256],
        ["v2-tlv-alpn-1025", 16 + 12 + 3 + 1025],
        ["v2-large-537-bytes", 537],
        ["v2-max-length-65551-bytes", 65551],
      ] as const
    ) {
      const c = byName(name);
      assert.deepEqual([c.expect, c.requirement, c.bytes.length], ["either", "MAY", length], name);
    }
    assert.deepEqual(byName("v2-proxy-unspec").bytes, concat(SIG, [0x21, 0x00, 0, 0]));
    assert.equal(byName("v2-proxy-unspec").expect, "either");
  });

  it("timeouts: held partial headers are MUST, slowloris is SHOULD", () => {
    const silent = byName("cve-2021-23409-silent-connection");
    assert.deepEqual(silent.bytes, new Uint8Array(0));
    assert.deepEqual(silent.delivery, { kind: "truncated", then: "hold" });
    assert.deepEqual([silent.expect, silent.requirement], ["timeout", "MUST"]);
    const held = byName("delivery-v2-truncated-at-16-hold");
    assert.deepEqual(held.bytes, concat(SIG, [0x21, 0x11, 0x00, 0x0c]));
    assert.equal(held.requirement, "MUST");
    const slow = byName("delivery-v2-slowloris");
    assert.deepEqual(slow.delivery, { kind: "slow", byteDelayMs: 1000 });
    assert.deepEqual([slow.expect, slow.requirement], ["timeout", "SHOULD"]);
  });

  it("a second header is payload", () => {
    const c = byName("delivery-v1-second-header-v1");
    assert.deepEqual(c.bytes, ascii(LINE4));
    assert.deepEqual(c.afterHeader, ascii("PROXY TCP4 203.0.113.66 198.51.100.7 1234 443\r\n"));
    assert.equal(c.expect, "accept");
  });

  it("catalogCase finds by name", () => {
    assert.deepEqual(catalogCase("v2-command-7"), byName("v2-command-7"));
    assert.equal(catalogCase("v2-command-77"), undefined);
  });
});

describe("classifyHeader", () => {
  const tcp4 = (...tlvs: Uint8Array[]) => v2(0x21, 0x11, ADDR4, ...tlvs);
  const withCrc = (verCmd: number, fam: number) => {
    const h = v2(verCmd, fam, ADDR4, tlv(0x03, [0, 0, 0, 0]));
    const sum = crc32c(h);
    h.set([sum >>> 24, (sum >>> 16) & 0xff, (sum >>> 8) & 0xff, sum & 0xff], h.length - 4);
    return h;
  };
  const cases: [string, Uint8Array, Record<string, unknown>][] = [
    ["v1 TCP4 + payload", ascii(LINE4 + "GET"), {
      expect: "accept",
      requirement: "MUST",
      section: "2.1",
      headerLength: 45,
    }],
    ["v1 UNKNOWN", ascii("PROXY UNKNOWN\r\n"), {
      expect: "accept",
      requirement: "SHOULD",
      section: "2.1",
      headerLength: 15,
    }],
    ["v1 TCP6 with dotted tails", ascii("PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n"), {
      expect: "either",
      requirement: "MAY",
      section: "2.1",
      headerLength: 35,
    }],
    ["v1 too long", ascii(`PROXY UNKNOWN ${"x".repeat(100)}\r\n`), {
      expect: "reject",
      requirement: "SHOULD",
      section: "2.1",
      code: "V1_TOO_LONG",
    }],
    ["v1 lone LF", ascii("PROXY UNKNOWN\n"), {
      expect: "reject",
      requirement: "MUST",
      section: "2.1",
      code: "V1_BAD_CRLF",
    }],
    ["v1 incomplete", ascii("PROXY TCP4 1."), {
      expect: "timeout",
      requirement: "MUST",
      section: "2.2",
      code: "TRUNCATED",
    }],
    ["HTTP", ascii("GET / HTTP/1.1\r\n"), {
      expect: "reject",
      requirement: "MUST",
      section: "2.2",
      code: "NOT_PROXY",
    }],
    ["v2 TCP4", tcp4(), {
      expect: "accept",
      requirement: "MUST",
      section: "2.2",
      headerLength: 28,
    }],
    ["v2 UDP4", v2(0x21, 0x12, ADDR4), {
      expect: "either",
      requirement: "MAY",
      section: "2.2",
      headerLength: 28,
    }],
    ["v2 PROXY UNSPEC", v2(0x21, 0x00), {
      expect: "either",
      requirement: "MAY",
      section: "2.2",
      headerLength: 16,
    }],
    ["v2 LOCAL", v2(0x20, 0x00), {
      expect: "accept",
      requirement: "MUST",
      section: "2.2",
      headerLength: 16,
    }],
    ["v2 AUTHORITY 256", tcp4(tlv(0x02, ascii("a".repeat(256)))), {
      expect: "either",
      requirement: "MAY",
      section: "2.2.2",
      headerLength: 287,
    }],
    ["v2 AUTHORITY 255", tcp4(tlv(0x02, ascii("a".repeat(255)))), {
      expect: "accept",
      requirement: "MUST",
      section: "2.2",
      headerLength: 286,
    }],
    ["v2 AUTHORITY not UTF-8", tcp4(tlv(0x02, [0x61, 0xff])), {
      expect: "either",
      requirement: "MAY",
      section: "2.2.2",
      headerLength: 33,
    }],
    ["v2 value 1025", tcp4(tlv(0xe3, new Uint8Array(1025))), {
      expect: "either",
      requirement: "MAY",
      section: "2",
      headerLength: 1056,
    }],
    ["v2 value 500", tcp4(tlv(0xe3, new Uint8Array(500))), {
      expect: "accept",
      requirement: "MUST",
      section: "2.2",
      headerLength: 531,
    }],
    ["v2 537 bytes", tcp4(tlv(0x04, new Uint8Array(506))), {
      expect: "either",
      requirement: "MAY",
      section: "2",
      headerLength: 537,
    }],
    ["v2 repeated TLV type", tcp4(tlv(0x01, [0x68]), tlv(0x01, [0x69])), {
      expect: "either",
      requirement: "MAY",
      section: "2.2",
      headerLength: 36,
    }],
    ["v2 TLV overrun", tcp4(fromHex("01 00 05 68 32")), {
      expect: "reject",
      requirement: "SHOULD",
      section: "2.2",
      code: "TLV_OVERRUN",
    }],
    ["v2 CRC mismatch", concat(withCrc(0x21, 0x11).subarray(0, 34), [0]), {
      expect: "reject",
      requirement: "SHOULD",
      section: "2.2.3",
      code: "CRC_MISMATCH",
    }],
    ["v2 UNIQUE_ID 129", tcp4(tlv(0x05, new Uint8Array(129))), {
      expect: "reject",
      requirement: "SHOULD",
      section: "2.2.5",
      code: "UNIQUE_ID_TOO_LONG",
    }],
    ["v2 SSL sub-TLV overrun", tcp4(tlv(0x20, [1, 0, 0, 0, 0, 0x21, 0, 9])), {
      expect: "reject",
      requirement: "SHOULD",
      section: "2.2.6",
      code: "SSL_SUBTLV_OVERRUN",
    }],
    ["v2 command 3", v2(0x23, 0x11, ADDR4), {
      expect: "reject",
      requirement: "MUST",
      section: "2.2",
      code: "V2_BAD_COMMAND",
    }],
    ["v2 len beyond the input", concat(SIG, [0x21, 0x11, 0, 12], [1, 2]), {
      expect: "timeout",
      requirement: "MUST",
      section: "2.2",
      code: "TRUNCATED",
    }],
    ["LOCAL whose block holds a valid CRC32C", withCrc(0x20, 0x11), {
      expect: "accept",
      requirement: "MUST",
      section: "2.2",
      headerLength: 35,
    }],
    ["LOCAL whose TLVs hold a failing CRC32C", concat(withCrc(0x20, 0x11).subarray(0, 34), [0]), {
      expect: "reject",
      requirement: "SHOULD",
      section: "2.2.3",
      code: "CRC_MISMATCH",
    }],
  ];
  for (const [what, bytes, expected] of cases) {
    it(what, () => assert.deepEqual({ ...classifyHeader(bytes) }, expected));
  }
});

describe("writePlan and deliveryDurationMs", () => {
  const bytes = new Uint8Array([10, 11, 12, 13, 14]);
  const after = new Uint8Array([20, 21]);
  const m = new Uint8Array([99]);
  const plan = (c: FuzzCase, delay?: number) => {
    const p = writePlan(c, m, delay);
    return { then: p.then, writes: p.writes.map((w) => [w.delayMs, [...w.bytes]]) };
  };

  it("whole: the header, then the marker after a pause", () => {
    assert.deepEqual(plan(fakeCase({ bytes })), {
      then: "await",
      writes: [[0, [10, 11, 12, 13, 14]], [100, [99]]],
    });
    assert.deepEqual(plan(fakeCase({ bytes }), 7).writes[1], [7, [99]]);
  });

  it("same-write: header, afterHeader and marker in one write", () => {
    assert.deepEqual(plan(fakeCase({ bytes, afterHeader: after, marker: "same-write" })), {
      then: "await",
      writes: [[0, [10, 11, 12, 13, 14, 20, 21, 99]]],
    });
  });

  it("fragments: split at the offsets, afterHeader with the last fragment", () => {
    const c = fakeCase({
      bytes,
      afterHeader: after,
      delivery: { kind: "fragments", offsets: [1, 3], delayMs: 50 },
    });
    assert.deepEqual(plan(c), {
      then: "await",
      writes: [[0, [10]], [50, [11, 12]], [50, [13, 14, 20, 21]], [100, [99]]],
    });
    assert.equal(deliveryDurationMs(c), 100);
  });

  it("slow: one byte per write", () => {
    const c = fakeCase({ bytes: bytes.subarray(0, 3), delivery: { kind: "slow", byteDelayMs: 9 } });
    assert.deepEqual(plan(c), {
      then: "await",
      writes: [[0, [10]], [9, [11]], [9, [12]], [100, [99]]],
    });
    assert.equal(deliveryDurationMs(c), 18);
  });

  it("truncated: no marker, then hold or close; an empty header is no write at all", () => {
    const hold = fakeCase({ bytes, marker: "none", delivery: { kind: "truncated", then: "hold" } });
    assert.deepEqual(plan(hold), { then: "hold", writes: [[0, [10, 11, 12, 13, 14]]] });
    const silent = fakeCase({
      bytes: new Uint8Array(0),
      marker: "none",
      delivery: { kind: "truncated", then: "close" },
    });
    assert.deepEqual(plan(silent), { then: "close", writes: [] });
    assert.equal(deliveryDurationMs(silent), 0);
  });

  it("catalog slowloris cases outlast any 3-second header timeout many times over", () => {
    for (const c of CATALOG.filter((x) => x.delivery.kind === "slow")) {
      assert.ok(deliveryDurationMs(c) >= 20_000, c.name);
    }
  });

  it("does not alias the case's bytes when appending", () => {
    const c = fakeCase({ bytes, marker: "same-write" });
    const [write] = writePlan(c, m).writes;
    assert.ok(write);
    write.bytes[0] = 0;
    assert.equal(bytes[0], 10);
  });

  it("toHex", () => {
    assert.equal(toHex(new Uint8Array([0, 0x0f, 0xa0, 0xff])), "000fa0ff");
    assert.equal(toHex(new Uint8Array(0)), "");
  });

  it("a marker free of CR and LF for the runner's tests", () => {
    assert.ok(!MARKER.includes(0x0d) && !MARKER.includes(0x0a));
  });
});
