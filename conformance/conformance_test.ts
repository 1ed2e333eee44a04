import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeHeader } from "../lib/encode.ts";
import { headerToJson } from "../lib/json.ts";
import { decodeHeader } from "../lib/decode.ts";
import { alpnTlv, noopTlv, sslTlv } from "../lib/tlv.ts";
import { compareWithWireshark, type Dissected, flatTlvs } from "./checks_wireshark.ts";
import { createHarness, findBinary, sleep, waitListening } from "./harness.ts";
import { failures, findings, suitePassed, type SuiteResult } from "./model.ts";
import { renderMarkdown, renderText } from "./report.ts";
import { renderHtml } from "./report_html.ts";
import { chromium, drawnStatuses, dumpDom } from "./_testing.ts";
import type { PeerDef } from "./peers/peer.ts";
import { runSuite } from "./suite.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("harness", () => {
  it("stops what it started and removes its directory", { timeout: 10_000 }, async () => {
    const h = createHarness();
    const proc = h.start("sleep", "/bin/sh", ["-c", "sleep 30"]);
    await sleep(100);
    assert.equal(proc.exit, null, "sleep should still run");
    assert.ok(alive(proc.pid));
    await h.cleanup();
    assert.notEqual(proc.exit, null);
    assert.equal(alive(proc.pid), false);
    assert.equal(existsSync(h.dir), false);
  });

  it("gives up waiting as soon as the process exits", { timeout: 10_000 }, async () => {
    const h = createHarness();
    try {
      const proc = h.start("false", "/bin/sh", ["-c", "echo nope >&2; exit 3"]);
      const started = performance.now();
      await assert.rejects(waitListening("127.0.0.1", 9, proc, 50, 100), /exited \(3\).*nope/);
      assert.ok(performance.now() - started < 4000);
    } finally {
      await h.cleanup();
    }
  });

  it("reports a binary that is not there", () => {
    const r = findBinary("nginx", "/nonexistent/sbin/nginx");
    assert.deepEqual(r, { ok: false, reason: "/nonexistent/sbin/nginx is not an executable file" });
  });
});

// A dissection as `tshark -T json -e …` prints it for a v2 TCP4 header whose TLVs
// Wireshark 4.0 only partly listed (its loop stops early).
function v2Header() {
  const r = encodeHeader({
    version: 2,
    protocol: "TCP4",
    source: { address: "192.0.2.1", port: 56324 },
    destination: { address: "198.51.100.7", port: 443 },
    tlvs: [alpnTlv("h2"), sslTlv({ version: "TLSv1.3", cn: "c" }), noopTlv(2)],
  });
  assert.ok(r.ok);
  const d = decodeHeader(r.value);
  assert.ok(d.ok);
  return headerToJson(d.value);
}

describe("Wireshark comparison", () => {
  const base: Record<string, string[]> = {
    "proxy.v2.cmd": ["1"],
    "proxy.v2.addr_family": ["0x01"],
    "proxy.v2.protocol": ["0x01"],
    "proxy.v2.length": ["44"],
    "proxy.src.ipv4": ["192.0.2.1"],
    "proxy.dst.ipv4": ["198.51.100.7"],
    "proxy.srcport": ["56324"],
    "proxy.dstport": ["443"],
    "proxy.v2.tlv.ssl.client": ["0x01"],
    "proxy.v2.tlv.ssl.verify": ["0x00000000"],
    "proxy.v2.tlv.ssl.version": ["TLSv1.3"],
  };

  it("flattens SSL sub-TLVs after their TLV, as Wireshark lists them", () => {
    const flat = flatTlvs(v2Header());
    assert.deepEqual(flat.map((t) => t.type), [0x01, 0x20, 0x21, 0x22, 0x04]);
    assert.deepEqual(flat[0], { type: 1, length: 2, hex: "6832" });
  });

  it("accepts a prefix of the TLVs and says how many were listed", () => {
    const d: Dissected = {
      ...base,
      "proxy.v2.tlv.type": ["0x01", "0x20", "0x21"],
      "proxy.v2.tlv.length": ["2", "19", "7"],
      "proxy.v2.tlv.value": [
        "6832",
        "0100000000" + "210007544c5376312e33" + "22000163",
        "544c5376312e33",
      ],
    };
    const cell = compareWithWireshark("r", v2Header(), d);
    assert.equal(cell.status, "pass", cell.observed);
    assert.match(cell.observed, /listed 3 of 5 TLVs/);
  });

  it("fails when a decoded field differs", () => {
    const d: Dissected = {
      ...base,
      "proxy.srcport": ["56325"],
      "proxy.v2.tlv.type": ["0x01"],
      "proxy.v2.tlv.length": ["2"],
      "proxy.v2.tlv.value": ["6833"],
    };
    const cell = compareWithWireshark("r", v2Header(), d);
    assert.equal(cell.status, "fail");
    assert.match(cell.observed, /^source: expected .*"port":56324.*got .*"port":56325/);
    assert.match(cell.observed, /TLVs Wireshark decoded/);
  });

  it("notes Wireshark's complaint about the short PROXY UNKNOWN line", () => {
    const d = decodeHeader(new TextEncoder().encode("PROXY UNKNOWN\r\n"));
    assert.ok(d.ok);
    const cell = compareWithWireshark("r", headerToJson(d.value), {
      "proxy.v1.magic": ["1"],
      "proxy.bad_format": ["1"],
    });
    assert.equal(cell.status, "note");
    assert.match(cell.observed, /may be omitted/);
  });
});

function fakeResult(status: "pass" | "fail"): SuiteResult {
  return {
    ppcat: "0.1.0",
    runtime: "test",
    startedAt: "2026-01-02T03:04:05.000Z",
    durationMs: 1234,
    peers: { haproxy: { path: "/x/haproxy", version: "2.6.12" }, nginx: { missing: "not found" } },
    columns: {
      ppcat: "ppcat 0.1.0",
      haproxy: "haproxy 2.6",
      "nginx-stream": "nginx stream",
      "nginx-http": "nginx http",
    },
    columnOrder: ["ppcat", "haproxy", "nginx-stream", "nginx-http"],
    groups: [{
      group: "receivers",
      skipped: ["nginx receivers: nginx is not running"],
      rows: [{
        id: "receivers.v1.tcp4",
        group: "receivers",
        title: "ppcat sends v1 TCP4",
        section: "2.1",
        cells: {
          ppcat: { status, observed: status === "pass" ? "as sent" : "port: expected 1, got 2" },
          haproxy: { status: "violation", observed: "accepted 192.0.2.256 as 192.0.3.0" },
        },
      }],
    }],
    errors: [],
  };
}

describe("report", () => {
  it("lists failures and findings, and fails the run", () => {
    const result = fakeResult("fail");
    assert.equal(suitePassed(result), false);
    assert.equal(failures(result.groups).length, 1);
    assert.equal(findings(result.groups).length, 1);
    const md = renderMarkdown(result, "a test");
    assert.match(md, /\*\*Result: FAIL\*\*: 1 failing cells and 0 errors/);
    assert.match(md, /## Failures\n\n- \*\*ppcat 0\.1\.0\*\*, ppcat sends v1 TCP4: fail: port/);
    assert.match(md, /- Not run: nginx receivers: nginx is not running/);
    assert.match(md, /nginx \(missing: not found\)/);
    assert.match(renderText(result), /result: FAIL: 1 ppcat failures, 0 errors, 1 findings/);
  });

  it("passes with findings only", () => {
    const result = fakeResult("pass");
    assert.equal(suitePassed(result), true);
    const md = renderMarkdown(result, "a test");
    assert.match(md, /\*\*Result: pass\*\*/);
    assert.match(md, /## Findings: the real servers against the spec\n\n- \*\*haproxy 2\.6\*\*/);
    assert.doesNotMatch(md, /## Failures/);
  });
});

describe("HTML report", () => {
  const browser = chromium();
  it("runs its script in Chromium and draws each cell with its status", {
    skip: "missing" in browser ? browser.missing : false,
    timeout: 60_000,
  }, () => {
    const result = fakeResult("fail");
    const out = mkdtempSync(join(tmpdir(), "ppcat-html-unit-"));
    try {
      const file = join(out, "r.html");
      writeFileSync(file, renderHtml(result, "a test"));
      const dom = dumpDom((browser as { path: string }).path, file);
      assert.match(dom, /data-rendered="yes"/);
      assert.deepEqual(drawnStatuses(dom), { fail: 1, violation: 1 });
      assert.match(
        dom,
        /<tr class="sec" data-section="2\.1"><th colspan="5">2\.1\. Human-readable/,
      );
      const path = (browser as { path: string }).path;
      // The filters: a status no cell has hides the row and its section; one it has keeps it.
      const none = dumpDom(path, file, "#status=pass");
      assert.match(none, /<tr class="rule" data-section="2\.1" style="display: none;">/);
      assert.match(none, /<tr class="sec" data-section="2\.1" style="display: none;">/);
      const some = dumpDom(path, file, "#status=violation&peer=haproxy");
      assert.match(some, /<tr class="rule" data-section="2\.1">/);
      assert.match(some, /<td data-col="nginx-stream" class="na" style="display: none;">/);
      // A cell opened from the URL shows its detail.
      const open = dumpDom(path, file, "#cell=receivers.v1.tcp4/ppcat");
      assert.match(open, /<aside id="detail" class="open">/);
      assert.match(open, /<pre id="d-observed">port: expected 1, got 2<\/pre>/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("a peer that is not installed", () => {
  const absent: PeerDef = {
    name: "absent",
    program: "ppcat-test-no-such-program",
    packages: ["absent-server"],
    versionArgs: ["-v"],
    versionPattern: /(\d+)/,
    columns: [
      { id: "absent-tx", suffix: "sender", roles: ["sender"] },
      { id: "absent-rx", suffix: "receiver", roles: ["receiver"] },
    ],
    ports: 1,
    start: () => Promise.reject(new Error("must not be started")),
  };

  it("is a column of skip naming its package, and the run passes", {
    timeout: 30_000,
  }, async () => {
    const result = await runSuite({ definitions: [absent], fuzz: false, wireshark: false });
    assert.deepEqual(result.errors, []);
    assert.equal(suitePassed(result), true);
    assert.deepEqual(result.columnOrder, ["ppcat", "absent-tx", "absent-rx"]);
    assert.match(
      (result.peers.absent as { missing: string }).missing,
      /^not installed \(.*\): apt-get install absent-server$/,
    );
    const senders = result.groups.find((g) => g.group === "senders");
    const row = senders?.rows.find((r) => r.id === "senders.absent");
    assert.equal(row?.cells["absent-tx"]?.status, "skip");
    assert.match(row?.cells["absent-tx"]?.observed ?? "", /apt-get install absent-server/);
    const receivers = result.groups.find((g) => g.group === "receivers");
    assert.ok(receivers !== undefined && receivers.rows.length > 0);
    for (const r of receivers.rows) {
      assert.equal(r.cells["absent-rx"]?.status, "skip", r.id);
      assert.equal(r.cells.ppcat?.status, "pass", r.id);
    }
  });
});

describe("a peer that fails to start", () => {
  let pid = -1;
  const broken: PeerDef = {
    name: "broken",
    program: "sh",
    packages: ["dash"],
    versionArgs: ["-c", "echo broken 1.0"],
    versionPattern: /broken (\S+)/,
    columns: [{ id: "broken", roles: ["receiver"] }],
    ports: 1,
    start(ctx) {
      // It leaves a process behind, then fails: the harness must still stop it.
      const proc = ctx.h.start("broken", "/bin/sh", ["-c", "sleep 30"]);
      pid = proc.pid;
      return Promise.reject(new Error("would not listen"));
    },
  };

  it("fails the run with its reason and leaves nothing running", { timeout: 30_000 }, async () => {
    let dir = "";
    const result = await runSuite({
      definitions: [broken],
      fuzz: false,
      wireshark: false,
      log: (line) => {
        const m = /^temporary directory: (\S+)/.exec(line);
        if (m?.[1] !== undefined) dir = m[1];
      },
    });
    assert.deepEqual(result.errors, ["broken: would not listen"]);
    assert.equal(suitePassed(result), false);
    const receivers = result.groups.find((g) => g.group === "receivers");
    assert.match(
      receivers?.rows[0]?.cells.broken?.observed ?? "",
      /did not start: would not listen/,
    );
    assert.ok(pid > 0);
    assert.equal(alive(pid), false, "its process was stopped");
    assert.equal(existsSync(dir), false);
  });
});
