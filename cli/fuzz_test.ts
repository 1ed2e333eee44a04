import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { decodeHeader } from "../lib/decode.ts";
import type { Conn } from "../lib/transport.ts";
import { V2_SIGNATURE } from "../lib/v2.ts";
import {
  echoBack,
  proxyThenEcho,
  serveTcp,
  type TestServer,
  withTcpServer,
} from "../lib/_socket_testing.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fuzzCatalog, reproduceCommand } from "../lib/fuzz/mod.ts";
import { parseSendArgs } from "./send_options.ts";
import { cliArgv, runCli, scriptArgv } from "./_testing.ts";

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

/**
 * Reads until ppcat's decoder has a whole header or refuses the bytes: everything read so far
 * and the decoder's verdict on it; null when the peer closes first.
 */
async function readHeader(
  conn: Conn,
): Promise<{ got: Uint8Array; r: ReturnType<typeof decodeHeader> } | null> {
  const buf = new Uint8Array(4096);
  let got = new Uint8Array(0);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) return null;
    const next = new Uint8Array(got.length + n);
    next.set(got);
    next.set(buf.subarray(0, n), got.length);
    got = next;
    const r = decodeHeader(got);
    if (r.ok || r.error.code !== "TRUNCATED") return { got, r };
  }
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
    tokens.forEach((token, i) => {
      if (i >= 2) tokens[i] = token.replace(/(^|[.:])0+(?=[0-9]+(?:$|[.:]))/g, "$1");
    });
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
  const [verCmd, famProto] = [buf[12], buf[13]];
  if (
    buf.length < 16 || verCmd === undefined || famProto === undefined ||
    !startsWith(buf, V2_SIGNATURE)
  ) return strict(buf);
  const version = verCmd >> 4;
  const command = verCmd & 0x0f;
  const family = famProto >> 4;
  const transport = famProto & 0x0f;
  if (version !== 2 || command > 1) return strict(buf);
  if (command === 1 && (family > 3 || transport > 2)) return strict(buf);
  const block = command === 0 ? 0 : [0, 12, 36, 216][family];
  if (block === undefined) return strict(buf);
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
    observed: {
      outcome: string;
      afterMs: number;
      windowMs?: number;
      retried?: boolean;
      reply?: string;
      crash?: { by: string; detail: string };
    };
    verdict: string;
    reason: string;
    reproduce: string;
  }[];
  notRun: { name: string; reason: string }[];
  wallMs: number;
  interrupted?: boolean;
  sizeLimit: { largestAccepted: number | null; smallestRefused: number | null };
  crashes: {
    evidence: { by: string; detail: string };
    suspects: string[];
    attributedTo: string | null;
  }[];
  service: { ok: boolean; observed: string; suspects: string[] } | null;
}

function caseOf(report: Report, name: string): Report["cases"][number] {
  const c = report.cases.find((c) => c.name === name);
  assert.ok(c, `${name} in the report`);
  return c;
}

async function fuzzJson(args: string[]): Promise<{ code: number; report: Report; err: string }> {
  const r = await runCli(["fuzz", "--json", ...args]);
  assert.equal(r.out.split("\n").length, 2, `one JSON line: ${r.out.slice(0, 200)} ${r.err}`);
  return { code: r.code, report: JSON.parse(r.out) as Report, err: r.err };
}

/** `ppcat fuzz --json TARGET flags…` against a test server. */
function fuzzAt(server: TestServer, ...flags: string[]) {
  return fuzzJson([server.targetText, ...flags]);
}

/** `ppcat fuzz --json` in a child process of its own, so that several can run at once. */
function fuzzJsonChild(
  args: string[],
): Promise<{ code: number | null; report: Report; err: string }> {
  const argv = cliArgv(["fuzz", "--json", ...args]);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (c: Uint8Array) => (out += new TextDecoder().decode(c)));
    child.stderr!.on("data", (c: Uint8Array) => (err += new TextDecoder().decode(c)));
    child.once("error", reject);
    child.once("close", (code) => {
      try {
        resolve({ code, report: JSON.parse(out) as Report, err });
      } catch {
        reject(new Error(`not JSON (exit ${code}): ${out.slice(0, 300)} ${err.slice(0, 300)}`));
      }
    });
  });
}

function withVerdict(report: Report, verdict: string): string[] {
  return report.cases.filter((c) => c.verdict === verdict).map((c) => c.name).sort();
}

const V2_SECTIONS = "2.2,2.2.1,2.2.2,2.2.3,2.2.4,2.2.5,2.2.6,2.2.7,2.2.8";

describe("ppcat fuzz: against ppcat's own receiver", () => {
  it("the whole catalog: no violation, no lenient case", { timeout: 60_000 }, async () => {
    await withTcpServer(proxyThenEcho, async (server) => {
      const { code, report } = await fuzzAt(server, "--deadline", "4", "--concurrency", "64");
      const findings = report.cases.filter((c) => c.verdict !== "pass");
      assert.deepEqual(findings.map((c) => `${c.name}: ${c.verdict}`), []);
      const total = fuzzCatalog().length;
      assert.equal(report.cases.length, total);
      assert.deepEqual(report.summary, { pass: total, violation: 0, lenient: 0, note: 0 });
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
    });
  });

  it("seeded random cases, and one rebuilt from its name", { timeout: 60_000 }, async () => {
    await withTcpServer(proxyThenEcho, async (server) => {
      const { code, report } = await fuzzAt(
        server,
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
      );
      assert.equal(code, 0);
      assert.equal(report.cases.length, 41);
      const [, firstRandom] = report.cases;
      assert.ok(firstRandom);
      assert.equal(firstRandom.name, "random-11-0");
      assert.deepEqual(withVerdict(report, "violation"), []);
      assert.deepEqual(withVerdict(report, "lenient"), []);
      const again = await fuzzAt(server, "--case", "random-11-17", "--deadline", "2");
      assert.equal(again.report.cases.length, 1);
      const [alone] = again.report.cases;
      const inRun = report.cases[18];
      assert.ok(alone && inRun);
      assert.equal(alone.hex, inRun.hex);
      assert.equal(alone.verdict, inRun.verdict);
    });
  });
});

describe("ppcat fuzz: against deliberately broken receivers", () => {
  const sectionTwoOneBugs = [
    {
      what: "accepts heading zeros: exactly the seven heading-zero cases",
      receiver: leadingZeros,
      // The §2.1 cases with a heading zero in an address's decimal number or in a port, each
      // otherwise valid once the zero is dropped ("::ffff:192.0.2.1" in a TCP6 line included).
      violations: [
        "v1-ipv4-leading-zero-destination",
        "v1-ipv4-leading-zero-first-octet",
        "v1-ipv4-leading-zero-source",
        "v1-ipv6-ipv4-tail-leading-zero",
        "v1-port-double-zero",
        "v1-port-leading-zero-destination",
        "v1-port-leading-zero-source",
      ],
    },
    {
      what: "treats a lone LF as the end of the line: exactly the three lone-LF endings",
      receiver: loneLf,
      // A line that is valid up to its first LF when that LF has no CR before it. A lone LF
      // inside the fields leaves a short line (rejected); CR CR LF has its CR (rejected).
      violations: ["v1-lf-cr", "v1-lone-lf", "v1-lone-lf-inside-unknown"],
    },
  ];
  for (const { what, receiver, violations } of sectionTwoOneBugs) {
    it(what, { timeout: 60_000 }, async () => {
      await withTcpServer(buggyReceiver(receiver, 3000), async (server) => {
        const { code, report } = await fuzzAt(server, "--only", "2.1", "--deadline", "2");
        assert.deepEqual(withVerdict(report, "violation"), violations);
        assert.deepEqual(withVerdict(report, "lenient"), []);
        assert.equal(code, 1);
      });
    });
  }

  it("never times out: exactly the held partial headers and the slowloris cases", {
    timeout: 60_000,
  }, async () => {
    await withTcpServer(buggyReceiver(strict, null), async (server) => {
      const { code, report } = await fuzzAt(
        server,
        "--only",
        "2",
        "--hold",
        "3.2",
        "--concurrency",
        "64",
      );
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
      // Time is judged by §2's header-timeout sentence: lenient, stating the bound.
      assert.deepEqual(withVerdict(report, "violation"), []);
      assert.deepEqual(withVerdict(report, "lenient"), held.sort());
      for (const c of report.cases.filter((c) => c.verdict === "lenient")) {
        assert.match(c.reason, /^still open after 3\.2 s/, c.name);
      }
      // A FIN after a partial header still closes it: those cases pass.
      const closes = report.cases.filter((c) => c.name.endsWith("-close"));
      assert.ok(closes.length >= 6 && closes.every((c) => c.verdict === "pass"));
      assert.equal(code, 0);
      const strictRun = await fuzzAt(
        server,
        "--case",
        "delivery-v2-truncated-at-16-hold",
        "--hold",
        "3.2",
        "--strict",
      );
      assert.equal(strictRun.code, 1);
    });
  });

  it(
    "ignores len: TLVs echoed as payload, short blocks read past",
    { timeout: 60_000 },
    async () => {
      await withTcpServer(buggyReceiver(ignoresLen, 3000), async (server) => {
        const { code, report } = await fuzzAt(
          server,
          "--only",
          V2_SECTIONS,
          "--deadline",
          "1",
          "--concurrency",
          "32",
        );
        // Valid headers whose len covers more than the family's address block (TLVs, LOCAL
        // blocks, unlisted families with an UNSPEC family nibble): the rest comes back with the
        // marker, altered payload. Headers whose len is shorter than the block: the receiver
        // reads the marker's first bytes as addresses and accepts invalid input.
        const violations = [
          // LOCAL taken to be 16 bytes, whatever len says
          "v2-command-local-with-addresses",
          "v2-local-unspec-with-tlvs",
          "v2-local-tcp4-short-len",
          "v2-local-crc32c-valid",
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
          // LOCAL's TLVs are checked too (§2.2.3): a receiver that skips them accepts these.
          "v2-local-garbage-body",
          "v2-local-crc32c-mismatch",
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
      });
    },
  );

  it("--strict fails on lenient cases, which alone exit 0", { timeout: 60_000 }, async () => {
    await withTcpServer(buggyReceiver(ignoresLen, 3000), async (server) => {
      const args = [server.targetText, "--case", "v2-crc32c-mismatch,v2-tcp4", "--deadline", "2"];
      const lax = await fuzzJson(args);
      assert.deepEqual(lax.report.summary, { pass: 1, violation: 0, lenient: 1, note: 0 });
      assert.equal(lax.code, 0);
      const strictRun = await fuzzJson([...args, "--strict"]);
      assert.equal(strictRun.code, 1);
    });
  });
});

describe("ppcat fuzz: the report", () => {
  const hex = (bytes: Uint8Array) =>
    Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  it("a table grouped by section, each finding with its reason and replay command", {
    timeout: 60_000,
  }, async () => {
    await withTcpServer(buggyReceiver(loneLf, 3000), async (server) => {
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
        `ppcat fuzz ${server.targetText}: 3 cases, expect echo, deadline 2 s, hold 12 s, ` +
          "concurrency 16",
      );
      const v1 = lines.indexOf("§2.1 Human-readable header format (version 1) (2 cases)");
      const v2 = lines.indexOf("§2.2 Binary header format (version 2) (1 case)");
      assert.ok(v1 > 0 && v2 > v1, r.out);
      // Rows in the order the cases were asked for.
      const [violation, because, reproduce, v1Pass] = lines.slice(v1 + 1, v1 + 5);
      const v2Pass = lines[v2 + 1];
      const summary = lines.at(-2);
      assert.ok(
        violation !== undefined && because !== undefined && reproduce !== undefined &&
          v1Pass !== undefined && v2Pass !== undefined && summary !== undefined,
        r.out,
      );
      assert.match(violation, /^ {2}VIOLATION {2}v1-lone-lf {2}MUST {4}accepted after \d+ ms$/);
      assert.match(because, /^ {13}accepted invalid input \(V1_BAD_CRLF\): MUST \(§2\.1\)/);
      const line = latin1("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\n");
      assert.match(
        reproduce,
        new RegExp(
          `^ {13}reproduce: ppcat send ${server.targetText} --header-hex ${hex(line)} ` +
            "--data 'ppcat-fuzz-probe\\\\n'$",
        ),
      );
      assert.match(v1Pass, /^ {2}pass {7}v1-tcp4 {5}MUST {4}accepted after \d+ ms$/);
      assert.match(v2Pass, /^ {2}pass {7}v2-tcp4 {5}MUST {4}accepted after \d+ ms$/);
      assert.match(
        summary,
        /^summary: 2 pass, 1 violation, 0 lenient, 0 note; 3 cases in \d+\.\d\d s$/,
      );
    });
  });

  it("--json: every case with its bytes in hex, the observation and the verdict", {
    timeout: 60_000,
  }, async () => {
    await withTcpServer(proxyThenEcho, async (server) => {
      const { code, report } = await fuzzAt(server, "--case", "v2-version-3", "--deadline", "2");
      assert.equal(code, 0);
      assert.equal(report.target, server.targetText);
      assert.deepEqual(report.summary, { pass: 1, violation: 0, lenient: 0, note: 0 });
      const [c] = report.cases;
      assert.ok(c);
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
        new RegExp(`^ppcat send ${server.targetText} --header-hex ${c.hex} --data `),
      );
    });
  });
});

describe("ppcat fuzz: command line", () => {
  it("an unreachable target: one line, exit 3, nothing run", { timeout: 60_000 }, async () => {
    const server = await serveTcp(proxyThenEcho);
    const target = server.targetText;
    await server.close();
    const r = await runCli(["fuzz", target]);
    assert.equal(r.code, 3);
    assert.equal(r.out, "");
    assert.match(r.err, new RegExp(`^ppcat fuzz: cannot reach "${target}": connect .*refused`));
    assert.equal(r.err.split("\n").length, 2);
  });

  it("--list prints the catalog without connecting", { timeout: 60_000 }, async () => {
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
    ["a bad --expect", ["127.0.0.1:1", "--expect", "ftp"], /--expect: "ftp"/],
    ["a bad --hold", ["127.0.0.1:1", "--hold", "0"], /--hold: must be more than 0/],
    ["a bad --watch-pid", ["127.0.0.1:1", "--watch-pid", "x"], /--watch-pid/],
    ["--crash-pattern alone", ["127.0.0.1:1", "--crash-pattern", "x"], /needs --watch-log/],
    ["--watch-pid of no process", ["127.0.0.1:1", "--watch-pid", "2147483646"], /no process/],
    ["an unreadable --watch-log", [
      "127.0.0.1:1",
      "--watch-log",
      "/nonexistent/receiver.log",
    ], /--watch-log: cannot read/],
    ["a bad --crash-pattern", [
      "127.0.0.1:1",
      "--watch-log",
      "/dev/null",
      "--crash-pattern",
      "(",
    ], /not a regular expression/],
    ["a bad --deadline", ["127.0.0.1:1", "--deadline", "0"], /--deadline: must be more than 0/],
    ["a bad -w", ["127.0.0.1:1", "-w", "soon"], /--deadline: "soon" is not a time/],
    ["a bad --concurrency", ["127.0.0.1:1", "--concurrency", "1000"], /--concurrency/],
    ["an unknown case", ["127.0.0.1:1", "--case", "v1-nope"], /unknown case "v1-nope"/],
    [
      "a mistyped case",
      ["127.0.0.1:1", "--case", "v1-lone-lff"],
      /unknown case "v1-lone-lff" \(did you mean v1-lone-lf\?\)/,
    ],
    ["an unknown section", ["127.0.0.1:1", "--only", "3"], /unknown section "3"/],
    ["a bad --versions", ["127.0.0.1:1", "--versions", "3"], /--versions/],
    ["--seed alone", ["127.0.0.1:1", "--seed", "4"], /--seed needs --random/],
    ["an empty selection", ["127.0.0.1:1", "--only", "2.1", "--versions", "2"], /no case/],
  ];
  for (const [what, args, message] of usage) {
    it(`${what}: usage error, exit 2, nothing connected`, { timeout: 60_000 }, async () => {
      const r = await runCli(["fuzz", ...args]);
      assert.equal(r.code, 2);
      assert.equal(r.out, "");
      assert.match(r.err, message);
      assert.match(r.err, /^ppcat fuzz: [^\n]* \(see ppcat fuzz --help\)\n$/);
    });
  }

  it("--help documents modes, flags and exit codes", { timeout: 60_000 }, async () => {
    const r = await runCli(["fuzz", "--help"]);
    assert.equal(r.code, 0);
    for (
      const word of [
        "--expect",
        "--hold",
        "--watch-log",
        "--watch-pid",
        "smtp",
        "imap",
        "pop3",
        "--random",
        "--total-timeout",
        "--strict",
        "3    the target",
        "130  stopped by Ctrl-C",
      ]
    ) {
      assert.ok(r.out.includes(word), word);
    }
  });
});

describe("ppcat fuzz: against `ppcat listen`", () => {
  it("the whole catalog: no violation, no lenient case", { timeout: 60_000 }, async () => {
    const argv = cliArgv(["listen", "--json", "127.0.0.1:0"]);
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
      assert.equal(report.cases.length, fuzzCatalog().length);
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

// ---------------------------------------------------------------------------
// Receivers that really behave badly: header timeouts at 2, 4, 5 and 20 s or none, slow
// replies, size caps, crashes, and mail protocols that refuse in their own words.

const TIMING_CASES = [
  "cve-2021-23409-silent-connection",
  "delivery-v1-truncated-at-10-hold",
  "delivery-v2-truncated-at-16-hold",
  "delivery-v2-len-beyond-sent-hold",
  "delivery-v1-slowloris",
  "delivery-v2-slowloris",
];

describe("ppcat fuzz: time, against receivers with real header timeouts", () => {
  it(
    "closes at 2 s lenient, at 4 s and 5 s pass, at 20 s and never 'still open after 12 s'; the same target twice gives the same verdicts",
    { timeout: 60_000 },
    async () => {
      const timeouts = [2000, 4000, 5000, 20_000, null] as const;
      const servers = await Promise.all(timeouts.map((ms) => serveTcp(buggyReceiver(strict, ms))));
      try {
        const selection = [
          "--case",
          [...TIMING_CASES, "v2-tcp4", "v1-ipv4-leading-zero-source"].join(","),
        ];
        // All at once, with the default 12 s hold window: the whole test takes one window.
        const [runs, twice] = await Promise.all([
          Promise.all(servers.map((s) => fuzzJsonChild([s.targetText, ...selection]))),
          Promise.all(
            [1, 2].map(() =>
              fuzzJsonChild([servers[2]!.targetText, "--versions", "1", "--concurrency", "32"])
            ),
          ),
        ]);
        const [at2, at4, at5, at20, never] = runs.map((r) => r!.report);
        for (const r of runs) {
          assert.equal(r.code, 0, "time alone is never a violation");
          assert.equal(caseOf(r.report, "v2-tcp4").verdict, "pass");
          assert.equal(caseOf(r.report, "v1-ipv4-leading-zero-source").verdict, "pass");
          for (const c of r.report.cases) assert.doesNotMatch(c.reason, /never closed/);
        }
        for (const name of TIMING_CASES) {
          const early = caseOf(at2!, name);
          assert.equal(early.verdict, "lenient", `${name}: ${early.reason}`);
          assert.ok(early.observed.afterMs >= 2000 && early.observed.afterMs < 3000, name);
          assert.match(early.reason, /at least 3 seconds/);
          for (const [report, ms] of [[at4!, 4000], [at5!, 5000]] as const) {
            const c = caseOf(report, name);
            assert.equal(c.verdict, "pass", `${name} at ${ms}: ${c.reason}`);
            assert.ok(c.observed.afterMs >= ms && c.observed.afterMs < ms + 1000, name);
            assert.match(c.reason, new RegExp(`after ${c.observed.afterMs} ms`));
          }
          for (const report of [at20!, never!]) {
            const c = caseOf(report, name);
            assert.equal(c.verdict, "lenient", `${name}: ${c.reason}`);
            assert.equal(c.observed.outcome, "timeout");
            assert.ok(c.observed.afterMs >= 12_000, name);
            assert.match(c.reason, /^still open after 12 s/);
          }
        }
        assert.match(caseOf(never!, TIMING_CASES[0]!).reason, /CVE-2021-23409 class/);
        assert.doesNotMatch(caseOf(never!, TIMING_CASES[1]!).reason, /CVE/);
        // The 5 s receiver, fuzzed twice over the whole version 1 catalog at once.
        const verdicts = twice.map((r) =>
          Object.fromEntries(r.report.cases.map((c) => [c.name, c.verdict]))
        );
        assert.ok(Object.keys(verdicts[0]!).length > 100);
        assert.deepEqual(verdicts[1], verdicts[0]);
        assert.deepEqual(twice[0]!.report.summary, twice[1]!.report.summary);
        assert.equal(twice[0]!.report.summary.violation, 0);
      } finally {
        await Promise.all(servers.map((s) => s.close()));
      }
    },
  );

  it("a slow valid reply is inconclusive, retried once alone, never a violation", {
    timeout: 60_000,
  }, async () => {
    // Echoes after `delayMs`; `firstOnly`: only the first time a header is seen (a load blip).
    const slowEcho =
      (delayMs: number, firstOnly: boolean, seen = new Set<string>()) => async (conn: Conn) => {
        const read = await readHeader(conn);
        if (read === null || !read.r.ok) return;
        const { got, r } = read;
        const key = ascii(got.subarray(0, r.value.headerLength));
        const wait = !firstOnly || !seen.has(key) ? delayMs : 0;
        seen.add(key);
        await new Promise((resolve) => setTimeout(resolve, wait));
        if (r.value.headerLength < got.length) {
          await conn.write(got.subarray(r.value.headerLength));
        }
        await echoBack(conn);
      };
    const [always, blip] = await Promise.all([
      serveTcp(slowEcho(2500, false)),
      serveTcp(slowEcho(2500, true)),
    ]);
    try {
      const args = ["--case", "v2-tcp4,v1-tcp4", "--deadline", "1"];
      const [a, b] = await Promise.all([
        fuzzJsonChild([always.targetText, ...args]),
        fuzzJsonChild([blip.targetText, ...args]),
      ]);
      assert.equal(a.code, 0);
      for (const c of a.report.cases) {
        assert.equal(c.verdict, "note", c.name);
        assert.equal(c.observed.retried, true);
        assert.match(c.reason, /^inconclusive: no reply to a valid header within 1 s \(twice/);
      }
      assert.equal(b.code, 0);
      for (const c of b.report.cases) {
        assert.equal(c.verdict, "pass", `${c.name}: ${c.reason}`);
        assert.equal(c.observed.retried, true);
      }
    } finally {
      await Promise.all([always.close(), blip.close()]);
    }
  });
});

/** Bug 5: refuses headers longer than `max` bytes, like apache2 and lighttpd (232). */
function capped(max: number) {
  return (buf: Uint8Array): Step => {
    const step = strict(buf);
    if (step.state === "done" && step.consumed > max) return { state: "error" };
    if (step.state === "need-more" && buf.length > max) return { state: "error" };
    return step;
  };
}

describe("ppcat fuzz: the size ladder", () => {
  it("states the largest header a capped receiver accepts and judges larger cases by it", {
    timeout: 60_000,
  }, async () => {
    await withTcpServer(buggyReceiver(capped(232), 3000), async (server) => {
      const ladder = [107, 232, 256, 512, 536, 1024, 4096, 16384, 65551];
      const names = ladder.map((n) => `size-v2-${String(n).padStart(5, "0")}`);
      const { code, report } = await fuzzAt(
        server,
        "--case",
        [...names, "cve-2022-41881-nested-ssl", "v2-tcp4"].join(","),
        "--deadline",
        "2",
      );
      assert.deepEqual(report.sizeLimit, { largestAccepted: 232, smallestRefused: 256 });
      assert.deepEqual(
        names.map((n) => caseOf(report, n).verdict),
        ["pass", "pass", "lenient", "lenient", "lenient", "note", "note", "note", "note"],
      );
      const nested = caseOf(report, "cve-2022-41881-nested-ssl");
      assert.equal(nested.verdict, "note", nested.reason);
      assert.match(nested.reason, /refuses plain valid headers of 256 bytes \(size ladder\)/);
      assert.equal(code, 0);
      const table = await runCli(["fuzz", server.targetText, "--case", names.join(",")]);
      assert.match(
        table.out,
        /^size ladder: accepts plain valid headers up to 232 bytes, refuses 256 bytes$/m,
      );
    });
  });
});

// ---------------------------------------------------------------------------
// Crashes: lib/fuzz/_crash_receiver.ts aborts (SIGABRT) on a v2 header with a NETNS TLV.

interface Spawned {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

async function crashReceiver(args: string[]): Promise<Spawned> {
  const script = fileURLToPath(new URL("../lib/fuzz/_crash_receiver.ts", import.meta.url));
  const argv = scriptArgv(script, args);
  const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
  const [port, pid] = await new Promise<[number, number]>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("crash receiver did not start")), 20_000);
    child.stdout!.on("data", (chunk: Uint8Array) => {
      text += new TextDecoder().decode(chunk);
      const m = /listening (\d+) (\d+)/.exec(text);
      if (m !== null) {
        clearTimeout(timer);
        resolve([Number(m[1]), Number(m[2])]);
      }
    });
    child.once("exit", () => reject(new Error("crash receiver exited")));
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    port,
    pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

const CRASH_SELECTION = [
  "--case",
  "v2-tcp4,v2-tlv-alpn,v2-tlv-netns,v2-tlv-noop,v2-tlv-authority,v1-tcp4,v2-command-f",
];

describe("ppcat fuzz: receivers that crash", () => {
  it(
    "--watch-log pins a supervised worker's crash on its case; --watch-pid and the service check catch a lone process",
    { timeout: 60_000 },
    async () => {
      const dir = mkdtempSync(`${tmpdir()}/ppcat-crash-`);
      const log = `${dir}/receiver.log`;
      writeFileSync(log, "started\n");
      const [supervised, alone1, alone2] = await Promise.all([
        crashReceiver(["supervised", log]),
        crashReceiver(["alone"]),
        crashReceiver(["alone"]),
      ]);
      try {
        const [watched, pid, unwatched] = await Promise.all([
          fuzzJsonChild([
            `127.0.0.1:${supervised.port}`,
            ...CRASH_SELECTION,
            "--concurrency",
            "8",
            "--watch-log",
            log,
          ]),
          fuzzJsonChild([
            `127.0.0.1:${alone1.port}`,
            ...CRASH_SELECTION,
            "--concurrency",
            "1",
            "--watch-pid",
            String(alone1.pid),
          ]),
          fuzzJsonChild([`127.0.0.1:${alone2.port}`, ...CRASH_SELECTION, "--concurrency", "1"]),
        ]);
        // Supervised, watched through its log: the crash is the NETNS case's, found by running
        // the suspects again one at a time; every other case passes.
        assert.equal(watched.code, 1);
        assert.equal(watched.report.crashes.length, 1);
        assert.equal(watched.report.crashes[0]!.attributedTo, "v2-tlv-netns");
        assert.match(watched.report.crashes[0]!.evidence.detail, /killed with signal SIGABRT/);
        const netns = caseOf(watched.report, "v2-tlv-netns");
        assert.equal(netns.verdict, "violation");
        assert.equal(netns.observed.crash?.by, "log");
        assert.match(
          netns.reason,
          /^crashed the receiver \(log: worker \d+ killed with signal SIGABRT\)/,
        );
        assert.deepEqual(
          watched.report.cases.filter((c) => c.verdict !== "pass").map((c) => c.name),
          ["v2-tlv-netns"],
        );
        // Alone, watched by its pid: gone after the NETNS case, the rest not run.
        assert.equal(pid.code, 1);
        assert.equal(pid.report.crashes[0]?.attributedTo, "v2-tlv-netns");
        assert.equal(caseOf(pid.report, "v2-tlv-netns").observed.crash?.by, "pid");
        assert.ok(pid.report.notRun.length > 0);
        // Alone, not watched: a valid header no longer gets service after the run.
        assert.equal(unwatched.code, 1);
        assert.equal(unwatched.report.service?.ok, false);
        // The NETNS case first; the next case may have connected while the process was dying.
        const suspects = unwatched.report.service?.suspects ?? [];
        assert.equal(suspects[0], "v2-tlv-netns");
        assert.ok(suspects.length <= 2, `suspects: ${suspects.join(", ")}`);
        assert.match(unwatched.err, /only seen with --watch-log/);
        // Supervised and not watched: service is back, so only the refusal shows; the output
        // says crashes of supervised workers need --watch-log.
        const table = await runCli(["fuzz", `127.0.0.1:${supervised.port}`, ...CRASH_SELECTION]);
        assert.equal(table.code, 1);
        assert.match(table.out, /VIOLATION +v2-tlv-netns +MUST +(closed|reset)/);
        assert.match(table.out, /^crashes: not watched; a worker that crashes and is restarted/m);
      } finally {
        await Promise.all([supervised.stop(), alone1.stop(), alone2.stop()]);
      }
    },
  );
});

// ---------------------------------------------------------------------------
// Mail protocols: tiny fake servers behind ppcat's decoder that refuse in their own words.

function mailServer(kind: "smtp" | "imap" | "pop3") {
  const greet = {
    smtp: "220 fake.test ESMTP\r\n",
    imap: "* OK fake.test IMAP4rev1\r\n",
    pop3: "+OK fake.test\r\n",
  }[kind];
  const refuse = {
    smtp: "421 4.7.0 bad PROXY header\r\n",
    imap: "* BYE bad PROXY header\r\n",
    pop3: "-ERR bad PROXY header\r\n",
  }[kind];
  const enc = new TextEncoder();
  return async (conn: Conn) => {
    const read = await readHeader(conn);
    if (read === null) return;
    if (!read.r.ok) {
      await conn.write(enc.encode(refuse));
      return;
    }
    const got = read.got.slice(read.r.value.headerLength);
    await conn.write(enc.encode(greet));
    const buf = new Uint8Array(4096);
    // Answer each complete command line: EHLO / a1 CAPABILITY, anything else refused.
    let text = new TextDecoder().decode(got);
    for (;;) {
      let lf = text.indexOf("\n");
      while (lf >= 0) {
        const line = text.slice(0, lf).replace(/\r$/, "");
        text = text.slice(lf + 1);
        if (kind === "smtp") {
          await conn.write(enc.encode(
            /^EHLO /.test(line)
              ? "250-fake.test\r\n250 PIPELINING\r\n"
              : "502 5.5.2 Error: command not recognized\r\n",
          ));
        } else if (kind === "imap") {
          await conn.write(enc.encode(
            /^a1 CAPABILITY/.test(line)
              ? "* CAPABILITY IMAP4rev1\r\na1 OK done\r\n"
              : "* BAD unknown command\r\n",
          ));
        }
        lf = text.indexOf("\n");
      }
      const n = await conn.read(buf);
      if (n === null) return;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  };
}

describe("ppcat fuzz: --expect smtp, imap, pop3", () => {
  it("a greeting and an answer are acceptance; each protocol's own refusal is a refusal", {
    timeout: 60_000,
  }, async () => {
    const kinds = ["smtp", "imap", "pop3"] as const;
    const servers = await Promise.all(kinds.map((k) => serveTcp(mailServer(k))));
    try {
      const cases = "v1-tcp4,v2-tcp4,v1-lone-lf,v2-command-f,delivery-v2-truncated-at-16-close," +
        "delivery-v1-second-header-v1";
      const runs = await Promise.all(
        kinds.map((k, i) =>
          fuzzJsonChild([servers[i]!.targetText, "--expect", k, "--case", cases, "--deadline", "2"])
        ),
      );
      const replies = { smtp: /^421 4\.7\.0/, imap: /^\* BYE/, pop3: /^-ERR/ };
      for (const [i, { code, report }] of runs.entries()) {
        const kind = kinds[i]!;
        assert.deepEqual(report.summary, { pass: 6, violation: 0, lenient: 0, note: 0 }, kind);
        assert.equal(code, 0);
        for (const name of ["v1-tcp4", "v2-tcp4"]) {
          assert.equal(caseOf(report, name).observed.outcome, "accepted", `${kind} ${name}`);
        }
        for (const name of ["v1-lone-lf", "v2-command-f"]) {
          const c = caseOf(report, name);
          assert.equal(c.observed.outcome, "error-reply", `${kind} ${name}`);
          assert.match(c.observed.reply ?? "", replies[kind]);
        }
      }
      // The generic banner mode took "* BYE" for a banner: invalid headers looked accepted.
      const banner = await fuzzJson([
        servers[1]!.targetText,
        "--expect",
        "banner",
        "--case",
        "v2-command-f",
      ]);
      assert.equal(banner.report.cases[0]!.verdict, "violation");
      // The replay of an SMTP case carries its EHLO.
      assert.match(
        caseOf(runs[0]!.report, "v2-tcp4").reproduce,
        / --data 'EHLO ppcat\.fuzz\\r\\n'$/,
      );
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});

// ---------------------------------------------------------------------------
// Replays: every printed reproduce line is a command `ppcat send` accepts as printed.

/** Splits a command line as a POSIX shell would for our quoting: words, '…', < redirects. */
function shellWords(line: string): { words: string[]; redirect: string | null } {
  const words: string[] = [];
  let redirect: string | null = null;
  const re = /\s*(?:'((?:[^']|'\\'')*)'|(<)\s*(\S+)|(\S+))/gy;
  let word = "";
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < line.length && (m = re.exec(line)) !== null) {
    at = re.lastIndex;
    if (m[2] !== undefined) {
      redirect = m[3]!;
      continue;
    }
    word = m[1] !== undefined ? m[1].replaceAll("'\\''", "'") : m[4]!;
    // Our quoting puts a whole word in one pair of quotes, or none, except for '\''.
    words.push(word);
  }
  return { words, redirect };
}

describe("ppcat fuzz: reproduce lines", () => {
  it(
    "every line of a run, in every mode, parses with ppcat send's own parser",
    { timeout: 60_000 },
    async () => {
      await withTcpServer(buggyReceiver(ignoresLen, 3000), async (server) => {
        const { report } = await fuzzAt(
          server,
          "--only",
          `2,${V2_SECTIONS}`,
          "--hold",
          "3.5",
          "--concurrency",
          "64",
        );
        assert.ok(report.cases.length > 150);
        const lines = report.cases.map((c) => c.reproduce);
        for (const mode of ["http", "smtp", "imap", "pop3", "banner", "none"] as const) {
          for (const c of fuzzCatalog()) lines.push(reproduceCommand(c, "[::1]:8443", { mode }));
        }
        for (const line of lines) {
          const { words, redirect } = shellWords(line);
          assert.deepEqual(words.slice(0, 2), ["ppcat", "send"], line);
          assert.ok(redirect === null || redirect === "/dev/null", line);
          const parsed = parseSendArgs(words.slice(2));
          assert.notEqual(
            parsed.kind,
            "usage",
            `${line.slice(0, 200)}: ${parsed.kind === "usage" ? parsed.message : ""}`,
          );
        }
        // The deciding probe is on the line: the echo payload after every complete header.
        assert.match(caseOf(report, "v2-tlv-alpn").reproduce, / --data 'ppcat-fuzz-probe\\n'$/);
        assert.match(
          caseOf(report, "delivery-v2-truncated-at-16-close").reproduce,
          /--header-hex [0-9a-f]+ < \/dev\/null$/,
        );
      });
    },
  );
});

// ---------------------------------------------------------------------------
// A run a person can watch and stop.

describe("ppcat fuzz: progress and Ctrl-C", () => {
  it("on a terminal, a progress line at once", { timeout: 60_000 }, async () => {
    await withTcpServer(proxyThenEcho, async (server) => {
      const r = await runCli(["fuzz", server.targetText, "--case", "v2-tcp4,v1-tcp4"], {
        tty: { stderr: true },
      });
      assert.equal(r.code, 0);
      assert.ok(r.err.startsWith(`\rppcat fuzz: connecting to ${server.targetText}`), r.err);
      const zero = r.err.indexOf("0/2 cases");
      assert.ok(zero > 0 && zero < r.err.indexOf("1/2 cases"), JSON.stringify(r.err));
    });
  });

  it(
    "SIGINT prints the cases done so far (table or JSON) and exits 130",
    { timeout: 60_000 },
    async () => {
      const server = await serveTcp(buggyReceiver(strict, null));
      const interrupt = (extra: string[], want: number) =>
        new Promise<{ code: number | null; out: string }>((resolve, reject) => {
          const argv = cliArgv(["fuzz", server.targetText, "--only", "2,2.2", ...extra]);
          const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
          let out = "";
          child.stdout!.on("data", (c: Uint8Array) => (out += new TextDecoder().decode(c)));
          child.stderr!.resume();
          // The held cases wait 12 s on this receiver; interrupt once most others are done.
          const timer = setInterval(() => {
            if (server.accepted >= want) {
              clearInterval(timer);
              setTimeout(() => child.kill("SIGINT"), 1000);
            }
          }, 50);
          child.once("error", reject);
          child.once("close", (code, signal) => {
            clearInterval(timer);
            // Deno's node:child_process reports an exit status above 128 as a signal (130 as
            // SIGINT); the report on stdout shows the run was stopped by its handler, not killed.
            resolve({ code: code ?? (signal === "SIGINT" ? 130 : null), out });
          });
        });
      try {
        const table = await interrupt([], 100);
        const json = await interrupt(["--json"], server.accepted + 100);
        assert.equal(table.code, 130);
        assert.match(table.out, /^ {2}pass {7}v2-tcp4 /m);
        assert.match(table.out, /interrupted: \d+ of \d+ cases done in/);
        assert.doesNotMatch(table.out, /not run/);
        assert.equal(json.code, 130);
        const report = JSON.parse(json.out) as Report;
        assert.equal(report.interrupted, true);
        assert.ok(report.cases.length > 50, `${report.cases.length} done`);
        assert.ok(report.cases.every((c) => !c.name.endsWith("-hold")));
      } finally {
        await server.close();
      }
    },
  );
});
