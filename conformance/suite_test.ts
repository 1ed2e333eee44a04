import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary } from "./harness.ts";
import { failures, type SuiteResult } from "./model.ts";
import { PEERS } from "./peers/mod.ts";
import { countStatuses, htmlData, renderHtml } from "./report_html.ts";
import { renderJunit } from "./report_junit.ts";
import { runSuite } from "./suite.ts";
import { chromium, drawnStatuses, dumpDom, processesIn, screenshot } from "./_testing.ts";

const missing = PEERS.filter((p) => !findBinary(p.program, undefined, p).ok);
const skip = missing.length > 0
  ? `every peer is needed (missing: ${missing.map((p) => p.name).join(", ")}): apt-get install ` +
    missing.flatMap((p) => p.packages).join(" ")
  : false;

/** Cells per status, counted from the result itself. */
function jsonStatuses(result: SuiteResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const g of result.groups) {
    for (const r of g.rows) {
      for (const c of Object.values(r.cells)) counts[c.status] = (counts[c.status] ?? 0) + 1;
    }
  }
  return counts;
}

function cell(result: SuiteResult, row: string, column: string) {
  for (const g of result.groups) {
    const r = g.rows.find((x) => x.id === row);
    if (r !== undefined) return r.cells[column];
  }
  return undefined;
}

describe("the suite against every installed peer", () => {
  let result: SuiteResult | null = null;
  let dir = "";

  it("passes, finds the known deviations, and leaves nothing behind", {
    skip,
    timeout: 180_000,
  }, async () => {
    result = await runSuite({
      log: (line) => {
        const m = /^temporary directory: (\S+)/.exec(line);
        if (m?.[1] !== undefined) dir = m[1];
      },
    });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(failures(result.groups), []);
    assert.ok(dir !== "" && !existsSync(dir), `temporary directory ${dir} removed`);
    assert.deepEqual(processesIn(dir), [], "no process left in the temporary directory");
    // Every peer has its columns.
    for (const p of PEERS) for (const c of p.columns) assert.ok(result.columnOrder.includes(c.id));
    const pass = (row: string, column: string) =>
      assert.equal(cell(result as SuiteResult, row, column)?.status, "pass", `${row} ${column}`);
    pass("senders.haproxy.send-proxy.ipv4", "haproxy");
    pass("senders.haproxy.check-send-proxy.v2", "haproxy");
    pass("senders.nginx.proxy_protocol.ipv4", "nginx-stream");
    pass("senders.stunnel4.protocol-proxy.ipv4", "stunnel4");
    pass("senders.curl.haproxy-protocol.ipv4", "curl");
    pass("senders.curl.haproxy-protocol.unix", "curl");
    for (const column of ["haproxy", "nginx-http", "apache2", "lighttpd", "squid", "postfix"]) {
      pass("receivers.v1.tcp4", column);
      pass("receivers.v2.tcp6", column);
      pass("receivers.v2.local", column);
    }
    // The deviations documented for the Debian 12 builds.
    const violation = (row: string, column: string) => {
      const c = cell(result as SuiteResult, row, column);
      assert.equal(c?.status, "violation", `${row} ${column}: ${c?.observed}`);
    };
    violation("receivers.v2.tcp4.tlvs", "nginx-stream");
    violation("receivers.v2.tcp4.tlvs", "apache2");
    violation("receivers.v2.tcp4.tlvs", "lighttpd");
    violation("receivers.v1.unknown", "apache2");
    violation("receivers.v1.unknown", "postfix");
    const fuzz = result.groups.find((g) => g.group === "fuzz");
    assert.ok(fuzz !== undefined && fuzz.rows.length > 10);
    for (const r of fuzz.rows) {
      assert.ok(["pass", "note"].includes(r.cells.ppcat?.status ?? ""), `${r.id}: ppcat`);
      for (const column of ["apache2", "lighttpd", "squid", "postfix"]) {
        assert.ok(r.cells[column] !== undefined, `${r.id}: ${column}`);
      }
    }
    const wireshark = result.groups.find((g) => g.group === "wireshark");
    assert.ok(wireshark !== undefined && wireshark.rows.length >= 12);
  });

  it("draws every cell of the run in a browser, with its status", {
    skip: skip || ("missing" in chromium() && (chromium() as { missing: string }).missing),
    timeout: 60_000,
  }, () => {
    assert.ok(result !== null, "the suite ran");
    const browser = (chromium() as { path: string }).path;
    const out = mkdtempSync(join(tmpdir(), "ppcat-html-test-"));
    try {
      const file = join(out, "report.html");
      writeFileSync(file, renderHtml(result, "a test"));
      const dom = dumpDom(browser, file);
      assert.match(dom, /data-rendered="yes"/, "the page's script ran");
      const expected = jsonStatuses(result);
      assert.deepEqual(drawnStatuses(dom), expected);
      assert.deepEqual(countStatuses(htmlData(result)), expected);
      const shown = /data-counts="([^"]*)"/.exec(dom)?.[1]?.replaceAll("&quot;", '"');
      assert.deepEqual(JSON.parse(shown ?? "{}"), expected);
      // One column header per column, and the filters know every peer.
      const heads = [...dom.matchAll(/<th data-col="([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(heads, result.columnOrder);
      // A click (#cell=…) opens the detail with the reproduce command.
      const png = join(out, "report.png");
      screenshot(browser, `file://${file}#cell=receivers.v1.unknown/apache2`, png, 1400, 900);
      const bytes = readFileSync(png);
      assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      assert.ok(statSync(png).size > 20_000, "the screenshot shows something");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("writes JUnit XML that validates, one testcase per cell", {
    skip: skip || (!findBinary("xmllint", undefined, {
      versionArgs: ["--version"],
      versionPattern: /using libxml version (\d+)/,
    }).ok && "xmllint is not installed (apt-get install libxml2-utils)"),
  }, () => {
    assert.ok(result !== null, "the suite ran");
    const xml = renderJunit(result);
    const total = Object.values(jsonStatuses(result)).reduce((a, b) => a + b, 0);
    assert.equal([...xml.matchAll(/<testcase /g)].length, total);
    assert.equal([...xml.matchAll(/<failure /g)].length, 0);
    const lint = spawnSync("xmllint", ["--noout", "-"], { input: xml, encoding: "utf8" });
    assert.equal(lint.status, 0, lint.stderr);
  });
});
