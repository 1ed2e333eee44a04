import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { decodeHeader } from "../lib/decode.ts";
import type { Conn } from "../lib/transport.ts";
import { V2_SIGNATURE } from "../lib/v2.ts";
import { echoBack, proxyThenEcho, serveTcp } from "../lib/_socket_testing.ts";
import { runCli } from "./_testing.ts";

// ---------------------------------------------------------------------------
// Receivers: ppcat's own, and four with one deliberate bug each. Every one is an
// echo service behind its header parser; every connection is tracked and closed.

/** What a header parser makes of the bytes received so far (all of them, every time). */
type Step = { state: "need-more" } | { state: "done"; consumed: number } | { state: "error" };

/**
 * An echo service behind a hand-written header parser: re-parses everything received
 * until the parser is done (then echoes the rest) or fails (then closes). With a header
 * timeout, closes a connection whose header is not done in time.
 */
function buggyReceiver(parse: (buf: Uint8Array) => Step, headerTimeoutMs: number | null) {
  return async (conn: Conn) => {
    const timer = headerTimeoutMs === null ? undefined : setTimeout(
      () => conn.close(),
      headerTimeoutMs,
    );
    try {
      const chunk = new Uint8Array(65536);
      let got = new Uint8Array(0);
      for (;;) {
        const n = await conn.read(chunk);
        if (n === null) return;
        const next = new Uint8Array(got.length + n);
        next.set(got);
        next.set(chunk.subarray(0, n), got.length);
        got = next;
        const step = parse(got);
        if (step.state === "error") return;
        if (step.state === "done") {
          clearTimeout(timer);
          if (step.consumed < got.length) await conn.write(got.subarray(step.consumed));
          break;
        }
      }
      await echoBack(conn);
    } finally {
      clearTimeout(timer);
    }
  };
}

const latin1 = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const ascii = (b: Uint8Array) => String.fromCharCode(...b);
const CR = 0x0d;
const LF = 0x0a;

function startsWith(buf: Uint8Array, prefix: Uint8Array): boolean {
  if (buf.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[i] !== prefix[i]) return false;
  return true;
}

/** ppcat's decoder over everything received: the parser the bugs are added to. */
function strict(buf: Uint8Array): Step {
  const r = decodeHeader(buf);
  if (r.ok) return { state: "done", consumed: r.value.headerLength };
  return r.error.code === "TRUNCATED" ? { state: "need-more" } : { state: "error" };
}

/**
 * Bug 1: reads numbers with parseInt, so heading zeros in the addresses' decimal
 * numbers and in the ports of a TCP4/TCP6 line are dropped ("010" is 10, "00" is 0)
 * before the line is checked.
 */
function leadingZeros(buf: Uint8Array): Step {
  if (!startsWith(buf, latin1("PROXY TCP"))) return strict(buf);
  let end = -1;
  for (let i = 0; i + 1 < Math.min(buf.length, 107); i++) {
    if (buf[i] === CR && buf[i + 1] === LF) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    if (buf.length >= 107) return { state: "error" };
    const early = decodeHeader(buf);
    return !early.ok && early.error.code !== "TRUNCATED" && early.error.code !== "V1_LEADING_ZERO"
      ? { state: "error" }
      : { state: "need-more" };
  }
  const tokens = ascii(buf.subarray(0, end)).split(" ");
  if (tokens[1] === "TCP4" || tokens[1] === "TCP6") {
    for (let i = 2; i < tokens.length; i++) {
      tokens[i] = tokens[i].replace(/(^|[.:])0+(?=[0-9]+(?:$|[.:]))/g, "$1");
    }
  }
  const line = decodeHeader(latin1(`${tokens.join(" ")}\r\n`));
  return line.ok ? { state: "done", consumed: end + 2 } : { state: "error" };
}

/** Bug 3: a lone LF ends a version 1 line, as if it were CRLF. */
function loneLf(buf: Uint8Array): Step {
  if (!startsWith(buf, latin1("PROXY"))) return strict(buf);
  const lf = buf.subarray(0, Math.min(buf.length, 107)).indexOf(LF);
  if (lf >= 0 && (lf === 0 || buf[lf - 1] !== CR)) {
    const line = new Uint8Array(lf + 2);
    line.set(buf.subarray(0, lf));
    line.set([CR, LF], lf);
    return decodeHeader(line).ok ? { state: "done", consumed: lf + 1 } : { state: "error" };
  }
  return strict(buf);
}

/**
 * Bug 4: ignores `len`: a version 2 header is taken to be the 16 fixed bytes plus the
 * address block its family implies (12, 36 or 216 bytes; none for AF_UNSPEC), and a
 * LOCAL header to be the 16 fixed bytes alone. TLVs and anything else `len` covers are
 * left in the stream as payload; a `len` shorter than the block is read past.
 */
function ignoresLen(buf: Uint8Array): Step {
  if (buf.length < 16 || !startsWith(buf, V2_SIGNATURE)) return strict(buf);
  const version = buf[12] >> 4;
  const command = buf[12] & 0x0f;
  const family = buf[13] >> 4;
  const transport = buf[13] & 0x0f;
  if (version !== 2 || command > 1) return strict(buf);
  if (command === 1 && (family > 3 || transport > 2)) return strict(buf);
  const block = command === 0 ? 0 : [0, 12, 36, 216][family];
  if (buf.length < 16 + block) return { state: "need-more" };
  const header = buf.slice(0, 16 + block);
  header[14] = block >> 8;
  header[15] = block & 0xff;
  return decodeHeader(header).ok ? { state: "done", consumed: 16 + block } : { state: "error" };
}

// ---------------------------------------------------------------------------

interface Report {
  target: string;
  summary: { pass: number; violation: number; lenient: number; note: number };
  cases: {
    name: string;
    section: string;
    requirement: string;
    hex: string;
    observed: { outcome: string; afterMs: number };
    verdict: string;
    reproduce: string;
  }[];
  notRun: { name: string; reason: string }[];
  wallMs: number;
}

async function fuzzJson(args: string[]): Promise<{ code: number; report: Report; err: string }> {
  const r = await runCli(["fuzz", "--json", ...args]);
  assert.equal(r.out.split("\n").length, 2, `one JSON line: ${r.out.slice(0, 200)} ${r.err}`);
  return { code: r.code, report: JSON.parse(r.out) as Report, err: r.err };
}

function withVerdict(report: Report, verdict: string): string[] {
  return report.cases.filter((c) => c.verdict === verdict).map((c) => c.name).sort();
}

const V2_SECTIONS = "2.2,2.2.1,2.2.2,2.2.3,2.2.4,2.2.5,2.2.6,2.2.7,2.2.8";

describe("ppcat fuzz: against ppcat's own receiver", () => {
  it("the whole catalog: no violation, no lenient case", async () => {
    const server = await serveTcp(proxyThenEcho);
    try {
      const { code, report } = await fuzzJson([
        server.targetText,
        "--deadline",
        "4",
        "--concurrency",
        "64",
      ]);
      const findings = report.cases.filter((c) => c.verdict !== "pass");
      assert.deepEqual(findings.map((c) => `${c.name}: ${c.verdict}`), []);
      assert.equal(report.cases.length, 277);
      assert.deepEqual(report.summary, { pass: 277, violation: 0, lenient: 0, note: 0 });
      assert.deepEqual(report.notRun, []);
      assert.equal(code, 0);
      // The held partial headers are closed by the receiver's 3 s header timeout, no sooner.
      const held = report.cases.filter((c) => c.name.endsWith("-hold"));
      assert.equal(held.length, 25);
      for (const c of held) {
        assert.equal(c.observed.outcome, "closed", c.name);
        assert.ok(c.observed.afterMs >= 3000, `${c.name}: ${c.observed.afterMs} ms`);
      }
      // They run concurrently with everything else: the run takes little more than one of them.
      console.log(`    full catalog against ppcat's receiver: ${report.wallMs} ms`);
      assert.ok(report.wallMs < 10_000, `${report.wallMs} ms`);
    } finally {
      await server.close();
    }
  });

  it("seeded random cases, and one rebuilt from its name", async () => {
    const server = await serveTcp(proxyThenEcho);
    try {
      const { code, report } = await fuzzJson([
        server.targetText,
        "--case",
        "v2-tcp4",
        "--random",
        "40",
        "--seed",
        "11",
        "--deadline",
        "2",
        "--concurrency",
        "40",
      ]);
      assert.equal(code, 0);
      assert.equal(report.cases.length, 41);
      assert.equal(report.cases[1].name, "random-11-0");
      assert.deepEqual(withVerdict(report, "violation"), []);
      assert.deepEqual(withVerdict(report, "lenient"), []);
      const again = await fuzzJson([
        server.targetText,
        "--case",
        "random-11-17",
        "--deadline",
        "2",
      ]);
      assert.equal(again.report.cases.length, 1);
      assert.equal(again.report.cases[0].hex, report.cases[18].hex);
      assert.equal(again.report.cases[0].verdict, report.cases[18].verdict);
    } finally {
      await server.close();
    }
  });
});

describe("ppcat fuzz: against deliberately broken receivers", () => {
  it("accepts heading zeros: exactly the seven heading-zero cases", async () => {
    const server = await serveTcp(buggyReceiver(leadingZeros, 3000));
    try {
      const { code, report } = await fuzzJson([
        server.targetText,
        "--only",
        "2.1",
        "--deadline",
        "2",
      ]);
      // The §2.1 cases with a heading zero in an address's decimal number or in a port, each
      // otherwise valid once the zero is dropped ("::ffff:192.0.2.1" in a TCP6 line included).
      assert.deepEqual(withVerdict(report, "violation"), [
        "v1-ipv4-leading-zero-destination",
        "v1-ipv4-leading-zero-first-octet",
        "v1-ipv4-leading-zero-source",
        "v1-ipv6-ipv4-tail-leading-zero",
        "v1-port-double-zero",
        "v1-port-leading-zero-destination",
        "v1-port-leading-zero-source",
      ]);
      assert.deepEqual(withVerdict(report, "lenient"), []);
      assert.equal(code, 1);
    } finally {
      await server.close();
    }
  });

  it("treats a lone LF as the end of the line: exactly the three lone-LF endings", async () => {
    const server = await serveTcp(buggyReceiver(loneLf, 3000));
    try {
      const { code, report } = await fuzzJson([
        server.targetText,
        "--only",
        "2.1",
        "--deadline",
        "2",
      ]);
      // A line that is valid up to its first LF when that LF has no CR before it. A lone LF
      // inside the fields leaves a short line (rejected); CR CR LF has its CR (rejected).
      assert.deepEqual(withVerdict(report, "violation"), [
        "v1-lf-cr",
        "v1-lone-lf",
        "v1-lone-lf-inside-unknown",
      ]);
      assert.deepEqual(withVerdict(report, "lenient"), []);
      assert.equal(code, 1);
    } finally {
      await server.close();
    }
  });

  it("never times out: exactly the held partial headers and the slowloris cases", async () => {
    const server = await serveTcp(buggyReceiver(strict, null));
    try {
      const { code, report } = await fuzzJson([
        server.targetText,
        "--only",
        "2",
        "--deadline",
        "3.2",
        "--concurrency",
        "64",
      ]);
      const held = [
        ...["01", "05", "06", "10", "11", "20", "33", "39", "43", "44"].map((n) =>
          `delivery-v1-truncated-at-${n}-hold`
        ),
        ...["01", "06", "11", "12", "13", "14", "15", "16", "20", "24", "27"].map((n) =>
          `delivery-v2-truncated-at-${n}-hold`
        ),
        "delivery-v2-tlvs-truncated-in-tlv-header-hold",
        "delivery-v2-tlvs-truncated-in-tlv-value-hold",
        "delivery-v2-len-beyond-sent-hold",
        "delivery-v2-len-65535-fixed-header-only-hold",
        "cve-2021-23409-silent-connection",
        "delivery-v1-slowloris",
        "delivery-v2-slowloris",
      ];
      assert.equal(held.length, 28);
      assert.deepEqual(withVerdict(report, "violation"), held.sort());
      assert.deepEqual(withVerdict(report, "lenient"), []);
      // A FIN after a partial header still closes it: those cases pass.
      const closes = report.cases.filter((c) => c.name.endsWith("-close"));
      assert.ok(closes.length >= 6 && closes.every((c) => c.verdict === "pass"));
      assert.equal(code, 1);
    } finally {
      await server.close();
    }
  });

  it("ignores len: TLVs echoed as payload, short blocks read past", async () => {
    const server = await serveTcp(buggyReceiver(ignoresLen, 3000));
    try {
      const { code, report } = await fuzzJson([
        server.targetText,
        "--only",
        V2_SECTIONS,
        "--deadline",
        "1",
        "--concurrency",
        "32",
      ]);
      // Valid headers whose len covers more than the family's address block (TLVs, LOCAL
      // blocks, unlisted families with an UNSPEC family nibble): the rest comes back with the
      // marker, altered payload. Headers whose len is shorter than the block: the receiver
      // reads the marker's first bytes as addresses and accepts invalid input.
      const violations = [
        // LOCAL taken to be 16 bytes, whatever len says
        "v2-command-local-with-addresses",
        "v2-local-unspec-with-tlvs",
        "v2-local-garbage-body",
        "v2-local-tcp4-short-len",
        "v2-local-crc32c-mismatch",
        // AF_UNSPEC family nibble: no block, so the 12 bytes after it are payload
        "v2-unlisted-family-0x01",
        "v2-unlisted-family-0x02",
        "v2-proxy-unspec-with-tlvs",
        // AF_INET6 family nibble over a 12-byte block: 24 marker bytes read as addresses
        "v2-unlisted-family-0x20",
        // len shorter than the block: invalid, accepted
        "v2-tcp4-len-11",
        "v2-tcp4-len-0",
        "v2-tcp6-len-35",
        "v2-tcp6-len-12",
        "v2-unix-stream-len-215",
        "cve-2019-14243-udp4-len-0",
        "cve-2019-14243-tcp6-len-12",
        // valid TLVs left in the stream
        "v2-tlv-alpn",
        "v2-tlv-authority",
        "v2-tlv-authority-utf8",
        "v2-tlv-noop",
        "v2-tlv-noop-empty",
        "v2-tlv-unique-id-128",
        "v2-tlv-ssl-all-subtypes",
        "v2-tlv-ssl-no-subtlvs",
        "v2-tlv-ssl-unknown-subtype",
        "v2-tlv-netns",
        "v2-tlv-custom-0xe1",
        "v2-tlv-experiment-0xf0",
        "v2-tlv-future-0xff",
        "v2-tlv-cloud-vendors",
        "v2-tlv-unassigned-0x06",
        "v2-tlv-empty-values",
        "v2-tlv-on-tcp6-with-crc32c",
        "v2-crc32c-valid",
        "v2-tlv-repeated-type",
        "v2-tlv-authority-256",
        "v2-tlv-authority-1000",
        "v2-tlv-alpn-1025",
        "v2-tlv-custom-4096",
        "v2-max-length-65551-bytes",
        "v2-many-small-tlvs",
        "delivery-v2-tlvs-payload-same-write",
        "cve-2019-10097-large-header",
        "cve-2022-41881-nested-ssl",
        "cve-2024-23324-authority-invalid-utf8",
      ];
      // Malformed TLVs and checksums are never parsed, so accepted: lenient (SHOULD).
      const lenient = [
        "v2-tlv-overrun",
        "v2-tlv-overrun-second",
        "v2-tlv-length-65535",
        "v2-tlv-stray-1-byte",
        "v2-tlv-stray-2-bytes",
        "v2-tlv-ssl-too-short",
        "v2-tlv-ssl-subtlv-overrun",
        "v2-tlv-ssl-subtlv-stray-byte",
        "v2-crc32c-mismatch",
        "v2-crc32c-zero-value",
        "v2-crc32c-address-tampered",
        "v2-crc32c-length-0",
        "v2-crc32c-length-3",
        "v2-crc32c-length-5",
        "v2-crc32c-duplicate",
        "v2-tlv-unique-id-129",
        "v2-tlv-unique-id-1024",
      ];
      assert.deepEqual(withVerdict(report, "violation"), violations.sort());
      assert.deepEqual(withVerdict(report, "lenient"), lenient.sort());
      for (const c of report.cases.filter((c) => c.verdict !== "pass")) {
        assert.match(
          c.reproduce,
          new RegExp(`^ppcat send ${server.targetText} --header-hex `),
        );
      }
      assert.equal(code, 1);
    } finally {
      await server.close();
    }
  });

  it("--strict fails on lenient cases, which alone exit 0", async () => {
    const server = await serveTcp(buggyReceiver(ignoresLen, 3000));
    try {
      const args = [server.targetText, "--case", "v2-crc32c-mismatch,v2-tcp4", "--deadline", "2"];
      const lax = await fuzzJson(args);
      assert.deepEqual(lax.report.summary, { pass: 1, violation: 0, lenient: 1, note: 0 });
      assert.equal(lax.code, 0);
      const strictRun = await fuzzJson([...args, "--strict"]);
      assert.equal(strictRun.code, 1);
    } finally {
      await server.close();
    }
  });
});

describe("ppcat fuzz: the report", () => {
  const hex = (bytes: Uint8Array) =>
    Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  it("a table grouped by section, each finding with its reason and replay command", async () => {
    const server = await serveTcp(buggyReceiver(loneLf, 3000));
    try {
      const r = await runCli([
        "fuzz",
        server.targetText,
        "--case",
        "v2-tcp4,v1-lone-lf",
        "--case",
        "v1-tcp4",
        "--deadline",
        "2",
      ]);
      assert.equal(r.code, 1);
      assert.equal(r.err, "");
      const lines = r.out.split("\n");
      assert.equal(
        lines[0],
        `ppcat fuzz ${server.targetText}: 3 cases, expect echo, deadline 2 s, concurrency 16`,
      );
      const v1 = lines.indexOf("§2.1 Human-readable header format (version 1) (2 cases)");
      const v2 = lines.indexOf("§2.2 Binary header format (version 2) (1 case)");
      assert.ok(v1 > 0 && v2 > v1, r.out);
      // Rows in the order the cases were asked for.
      assert.match(lines[v1 + 1], /^ {2}VIOLATION {2}v1-lone-lf {2}MUST {4}accepted after \d+ ms$/);
      assert.match(lines[v1 + 2], /^ {13}accepted invalid input \(V1_BAD_CRLF\): MUST \(§2\.1\)/);
      const line = latin1("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\n");
      assert.match(
        lines[v1 + 3],
        new RegExp(
          `^ {13}reproduce: ppcat send ${server.targetText} --header-hex ${hex(line)}$`,
        ),
      );
      assert.match(lines[v1 + 4], /^ {2}pass {7}v1-tcp4 {5}MUST {4}accepted after \d+ ms$/);
      assert.match(lines[v2 + 1], /^ {2}pass {7}v2-tcp4 {5}MUST {4}accepted after \d+ ms$/);
      assert.match(
        lines.at(-2)!,
        /^summary: 2 pass, 1 violation, 0 lenient, 0 note; 3 cases in \d+\.\d\d s$/,
      );
    } finally {
      await server.close();
    }
  });

  it("--json: every case with its bytes in hex, the observation and the verdict", async () => {
    const server = await serveTcp(proxyThenEcho);
    try {
      const { code, report } = await fuzzJson([
        server.targetText,
        "--case",
        "v2-version-3",
        "--deadline",
        "2",
      ]);
      assert.equal(code, 0);
      assert.equal(report.target, server.targetText);
      assert.deepEqual(report.summary, { pass: 1, violation: 0, lenient: 0, note: 0 });
      const [c] = report.cases;
      assert.deepEqual(Object.keys(c).slice(0, 8), [
        "name",
        "section",
        "requirement",
        "hex",
        "observed",
        "verdict",
        "reason",
        "reproduce",
      ]);
      assert.equal(c.name, "v2-version-3");
      assert.equal(c.requirement, "MUST");
      // signature, version 3 with PROXY, TCP4, len 12, 192.0.2.1, 198.51.100.7, 56324, 443
      assert.equal(
        c.hex,
        "0d0a0d0a000d0a515549540a" + "3111000c" + "c0000201c6336407" + "dc0401bb",
      );
      assert.equal(c.observed.outcome, "closed");
      assert.equal(typeof c.observed.afterMs, "number");
      assert.equal(c.verdict, "pass");
      assert.match(
        c.reproduce,
        new RegExp(`^ppcat send ${server.targetText} --header-hex ${c.hex}$`),
      );
    } finally {
      await server.close();
    }
  });
});

describe("ppcat fuzz: command line", () => {
  it("an unreachable target: one line, exit 3, nothing run", async () => {
    const server = await serveTcp(proxyThenEcho);
    const target = server.targetText;
    await server.close();
    const r = await runCli(["fuzz", target]);
    assert.equal(r.code, 3);
    assert.equal(r.out, "");
    assert.match(r.err, new RegExp(`^ppcat fuzz: cannot reach "${target}": connect .*refused`));
    assert.equal(r.err.split("\n").length, 2);
  });

  it("--list prints the catalog without connecting", async () => {
    const r = await runCli(["fuzz", "--list", "--only", "2.2.7"]);
    assert.equal(r.code, 0);
    assert.equal(
      r.out,
      "§2.2.7 The PP2_TYPE_NETNS type (1 case)\n" +
        "  v2-tlv-netns  MUST    accept     A NETNS TLV naming namespace 'blue'.\n" +
        "\n1 case\n",
    );
    const all = await runCli(["fuzz", "--list", "--json", "--versions", "2"]);
    const cases = JSON.parse(all.out).cases as { name: string; version: number | null }[];
    assert.ok(cases.length > 150);
    assert.ok(cases.every((c) => c.version !== 1));
    assert.ok(cases.some((c) => c.name === "cve-2021-23409-silent-connection"));
  });

  const usage: [string, string[], RegExp][] = [
    ["no target", [], /missing TARGET/],
    ["a bad target", ["localhost"], /expected HOST:PORT/],
    ["two targets", ["127.0.0.1:1", "127.0.0.1:2"], /expected one TARGET/],
    ["a bad --expect", ["127.0.0.1:1", "--expect", "smtp"], /--expect: "smtp"/],
    ["a bad --deadline", ["127.0.0.1:1", "--deadline", "0"], /--deadline: "0"/],
    ["a bad --concurrency", ["127.0.0.1:1", "--concurrency", "1000"], /--concurrency/],
    ["an unknown case", ["127.0.0.1:1", "--case", "v1-nope"], /unknown case "v1-nope"/],
    ["an unknown section", ["127.0.0.1:1", "--only", "3"], /unknown section "3"/],
    ["a bad --versions", ["127.0.0.1:1", "--versions", "3"], /--versions/],
    ["--seed alone", ["127.0.0.1:1", "--seed", "4"], /--seed needs --random/],
    ["an empty selection", ["127.0.0.1:1", "--only", "2.1", "--versions", "2"], /no case/],
  ];
  for (const [what, args, message] of usage) {
    it(`${what}: usage error, exit 2, nothing connected`, async () => {
      const r = await runCli(["fuzz", ...args]);
      assert.equal(r.code, 2);
      assert.equal(r.out, "");
      assert.match(r.err, message);
      assert.match(r.err, /^ppcat fuzz: .*\nTry 'ppcat fuzz --help'\.\n$/);
    });
  }

  it("--help documents modes, flags and exit codes", async () => {
    const r = await runCli(["fuzz", "--help"]);
    assert.equal(r.code, 0);
    for (const word of ["--expect", "--random", "--total-timeout", "--strict", "3  the target"]) {
      assert.ok(r.out.includes(word), word);
    }
  });
});

describe("ppcat fuzz: against `ppcat listen`", () => {
  it("the whole catalog: no violation, no lenient case", async () => {
    const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const argv = [...(isDeno ? ["run", "-A", main] : [main]), "listen", "--json", "127.0.0.1:0"];
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let buffered = "";
        const timer = setTimeout(() => reject(new Error("ppcat listen did not start")), 20_000);
        child.stdout!.on("data", (chunk: Uint8Array) => {
          buffered += new TextDecoder().decode(chunk);
          const m = /"event":"listening".*?"port":(\d+)/.exec(buffered);
          if (m !== null) {
            clearTimeout(timer);
            buffered = "";
            resolve(Number(m[1]));
          }
          if (buffered.length > 65536) buffered = "";
        });
        child.once("exit", () => reject(new Error("ppcat listen exited")));
      });
      const { code, report } = await fuzzJson([
        `127.0.0.1:${port}`,
        "--deadline",
        "4",
        "--concurrency",
        "64",
      ]);
      console.log(`    full catalog against ppcat listen: ${report.wallMs} ms`);
      assert.deepEqual(report.cases.filter((c) => c.verdict !== "pass").map((c) => c.name), []);
      assert.equal(report.cases.length, 277);
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(kill);
      }
    }
  });
});
