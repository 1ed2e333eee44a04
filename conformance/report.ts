/**
 * Renders a {@linkcode SuiteResult}: the conformance matrix as Markdown
 * (docs/CONFORMANCE.md), a plain-text summary for terminals, and the JSON
 * for CI.
 *
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import type { FuzzVerdict } from "./checks_fuzz.ts";
import { dirname } from "node:path";
import {
  type Cell,
  type Column,
  failures,
  findings,
  type Flagged,
  Group,
  type GroupResult,
  type Row,
  suitePassed,
  type SuiteResult,
} from "./model.ts";

const GROUP_TITLES: Readonly<Record<Group, string>> = {
  [Group.SENDERS]: "1. Real senders → ppcat's receiver",
  [Group.RECEIVERS]: "2. ppcat sends → real receivers",
  [Group.FUZZ]: "3. The fuzz catalog → every receiver",
  [Group.WIRESHARK]: "4. Independent decoding: Wireshark's PROXY dissector",
};

const GROUP_INTROS: Readonly<Record<Group, string>> = {
  [Group.SENDERS]: "A client connects through each sender (haproxy, nginx stream, stunnel4; curl " +
    "connects itself) to ppcat's receiver, which must report exactly the client's real address " +
    "and port, the proxy's destination, every TLV the proxy was configured to send and a valid " +
    "CRC32C. The ppcat column says whether ppcat's stream receiver and one-shot decoder agree " +
    "and the payload after the header arrived intact; the sender's column judges the header it " +
    "sent.",
  [Group.RECEIVERS]: "ppcat sends a header, then a request; each receiver says what it " +
    "understood, which must equal what was sent: haproxy answers `%[src]`, `%[src_port]`, " +
    "`%[dst]`, `%[dst_port]`, `fc_pp_authority`, `fc_pp_unique_id`; nginx answers " +
    "`$proxy_protocol_addr`, `_port`, `_server_addr`, `_server_port`; apache2 (`%a " +
    "%{remote}p`), lighttpd (`%h %{remote}p`) and squid (`%>a %>p`) log the client in their " +
    "access log, postfix in its `connect from` line. The ppcat column is ppcat's own receiver.",
  [Group.FUZZ]: "Every case of ppcat's fuzz catalog against each receiver, judged by " +
    "lib/fuzz/verdict.ts; one row per spec rule. ppcat's column must be pass (or note): the " +
    "catalog's expectations come from ppcat's own decoder. Cases that wait for the receiver to " +
    "give up (partial headers, silent connections) get lib/fuzz's hold window.",
  [Group.WIRESHARK]: "tshark captures every header ppcat's TCP receivers got in parts 1 and 2 " +
    "(what ppcat sent, and what the senders sent); Wireshark's PROXY dissector must decode each " +
    "to the same fields as ppcat.",
};

const LEGEND = `| status | meaning |
| --- | --- |
| pass | as the spec says; for ppcat, also as expected |
| violation | a real server breaks a MUST of the spec (a finding, not a suite failure) |
| lenient | a real server departs from a SHOULD, or accepts what a SHOULD says to refuse |
| note | a choice the spec leaves open, or an inconclusive observation |
| fail | ppcat disagrees with itself, or a sender/receiver check does not match: the suite fails |
| skip | not run here |
| — | does not apply |
`;

/** Loopback ports change on every run: the Markdown shows them as `port`. */
function stablePorts(text: string): string {
  return text.replace(/(127\.0\.0\.1|\[::1\]):\d+/g, "$1:port");
}

function md(text: string): string {
  return stablePorts(text).replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

// With a column per peer the matrix only holds statuses; what was observed follows the table.
function cellMd(cell: Cell | undefined): string {
  if (cell === undefined) return "—";
  return cell.status === "pass" ? cell.status : `**${cell.status}**`;
}

function label(result: SuiteResult, column: Column): string {
  return result.columns[column] ?? column;
}

function header(result: SuiteResult): string {
  const labels = result.columnOrder.map((c) => label(result, c));
  return `| check | § | ${labels.join(" | ")} |\n| --- | --- |${" --- |".repeat(labels.length)}\n`;
}

function rowMd(r: Row, result: SuiteResult): string {
  return `| ${md(r.title)} | ${r.section} | ${
    result.columnOrder.map((c) => cellMd(r.cells[c])).join(" | ")
  } |\n`;
}

/** What each column observed for the rows of a part, one bullet per row (passes in short). */
function observedMd(rows: readonly Row[], result: SuiteResult): string {
  let out = "";
  for (const r of rows) {
    const parts: string[] = [];
    for (const c of result.columnOrder) {
      const cell = r.cells[c];
      if (cell === undefined) continue;
      parts.push(`${label(result, c)}: ${cellMd(cell)}: ${md(cell.observed)}`);
    }
    if (parts.length > 0) out += `- ${md(r.title)}\n${parts.map((p) => `  - ${p}\n`).join("")}`;
  }
  return out;
}

function countCells(rows: readonly Row[], column: Column): string {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const s = r.cells[column]?.status;
    if (s !== undefined) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  if (counts.size === 0) return "—";
  return [...counts.entries()].map(([s, n]) => `${n} ${s}`).join(", ");
}

function peersLine(result: SuiteResult): string {
  const parts: string[] = [];
  for (const [name, p] of Object.entries(result.peers)) {
    parts.push("version" in p ? `${name} ${p.version}` : `${name} (missing: ${p.missing})`);
  }
  return parts.join(", ");
}

/** Sub-second timings vary from run to run; only the 3 s scale matters to the verdicts. */
function when(ms: number): string {
  return ms < 1000 ? "within 1 s" : `after ${(ms / 1000).toFixed(1)} s`;
}

function fuzzDetails(g: GroupResult, result: SuiteResult): string {
  const lines: string[] = [];
  for (const r of g.rows) {
    const observed = r.observed as Partial<Record<Column, FuzzVerdict[]>> | undefined;
    for (const column of result.columnOrder) {
      for (const d of observed?.[column] ?? []) {
        if (d.verdict === "pass" || d.verdict === "note") continue;
        const seen = d.outcome === undefined ? "" : `${d.outcome} ${when(d.afterMs ?? 0)}`;
        lines.push(
          `| \`${d.name}\` | ${d.section} | ${label(result, column)} | **${d.verdict}** | ` +
            `${seen} | ${md(d.reason)} |`,
        );
      }
    }
  }
  if (lines.length === 0) return "";
  return `\n### Fuzz verdicts worse than note\n\nEvery case in full, notes included, is in the ` +
    "JSON (`ppcat conformance --json`); each can be replayed with the `reproduce` command of " +
    "`ppcat fuzz --json`.\n\n| case | § | receiver | verdict | observed | why |\n" +
    "| --- | --- | --- | --- | --- | --- |\n" + lines.join("\n") + "\n";
}

function flaggedList(items: readonly Flagged[], result: SuiteResult): string {
  return items.map((f) =>
    `- **${label(result, f.column)}**, ${md(f.title)}: ${f.cell.status}: ${md(f.cell.observed)}`
  ).join("\n") + "\n";
}

/**
 * The conformance matrix as Markdown. `command` names what generated it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderMarkdown } from "./report.ts";
 * const text = renderMarkdown({
 *   ppcat: "0.1.0", runtime: "deno 2", startedAt: "2026-01-01T00:00:00.000Z", durationMs: 1,
 *   peers: { haproxy: { path: "/usr/sbin/haproxy", version: "2.6.12" } },
 *   columns: { ppcat: "ppcat 0.1.0", haproxy: "haproxy 2.6", "nginx-stream": "nginx 1.22 stream",
 *     "nginx-http": "nginx 1.22 http" },
 *   columnOrder: ["ppcat", "haproxy", "nginx-stream", "nginx-http"],
 *   groups: [{ group: "senders", skipped: [], rows: [{
 *     id: "a", group: "senders", title: "a | b", section: "2.1",
 *     cells: { haproxy: { status: "pass", observed: "sent 127.0.0.1:4242" } },
 *   }] }],
 *   errors: [],
 * }, "test");
 * assert.match(text, /\| a \\\| b \| 2\.1 \| — \| pass \| — \| — \|/);
 * assert.match(text, /- a \\\| b\n {2}- haproxy 2\.6: pass: sent 127\.0\.0\.1:port\n/);
 * assert.ok(text.includes("**Result: pass**"));
 * ```
 */
export function renderMarkdown(result: SuiteResult, command: string): string {
  const passed = suitePassed(result);
  const fails = failures(result.groups);
  const finds = findings(result.groups);
  const date = result.startedAt.slice(0, 10);
  let out = `# PROXY protocol conformance

<!-- Generated by ${command}; do not edit by hand. -->

Generated on ${date} by ppcat ${result.ppcat} (${result.runtime}) on the loopback interface, ` +
    `against ${peersLine(result)}. The run took ${(result.durationMs / 1000).toFixed(1)} s. ` +
    "Rules are cited by section of the PROXY protocol specification (§).\n\n";
  out += passed
    ? `**Result: pass**: ppcat agreed with itself, with every real sender and with every real ` +
      `receiver; ${finds.length} cells record deviations or choices of the real servers ` +
      "(findings, listed at the end).\n\n"
    : `**Result: FAIL**: ${fails.length} failing cells and ${result.errors.length} errors, ` +
      "listed at the end.\n\n";
  out += `## Legend\n\n${LEGEND}\n## Summary\n\n| part | rows | ${
    result.columnOrder.map((c) => label(result, c)).join(" | ")
  } |\n| --- | --- |${" --- |".repeat(result.columnOrder.length)}\n`;
  for (const g of result.groups) {
    out += `| ${GROUP_TITLES[g.group]} | ${g.rows.length} | ${
      result.columnOrder.map((c) => countCells(g.rows, c)).join(" | ")
    } |\n`;
  }
  for (const g of result.groups) {
    out += `\n## ${GROUP_TITLES[g.group]}\n\n${GROUP_INTROS[g.group]}\n\n`;
    for (const s of g.skipped) out += `- Not run: ${md(s)}\n`;
    for (const n of g.notes ?? []) out += `- Note: ${md(n)}\n`;
    if (g.skipped.length > 0 || (g.notes ?? []).length > 0) out += "\n";
    if (g.rows.length === 0) continue;
    out += header(result);
    for (const r of g.rows) out += rowMd(r, result);
    if (g.group === Group.FUZZ) out += fuzzDetails(g, result);
    else out += `\n### What was observed\n\n${observedMd(g.rows, result)}`;
  }
  out += "\n## Findings: the real servers against the spec\n\n";
  const serious = finds.filter((f) => f.cell.status !== "note");
  const notes = finds.length - serious.length;
  out += serious.length === 0
    ? "No violation and nothing lenient.\n"
    : flaggedList(serious, result);
  if (notes > 0) {
    out += `\n${notes} more cells are notes (choices the spec leaves open, e.g. dropping a ` +
      "partial header); they are in the tables above.\n";
  }
  if (fails.length > 0 || result.errors.length > 0) {
    out += "\n## Failures\n\n";
    for (const e of result.errors) out += `- error: ${md(e)}\n`;
    if (fails.length > 0) out += flaggedList(fails, result);
  }
  return out;
}

/** Writes `text` to `path`, creating the directory. */
export function writeReport(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function worst(r: Row): "FAIL" | "find" | "ok" | "skip" {
  const cells = Object.entries(r.cells) as [Column, Cell][];
  if (cells.some(([, c]) => c.status === "fail")) return "FAIL";
  if (cells.some(([col, c]) => col !== "ppcat" && c.status !== "pass" && c.status !== "skip")) {
    return "find";
  }
  return cells.length === 0 ? "skip" : "ok";
}

/**
 * A plain-text summary: one line per row, the cells that are not a pass
 * indented below it, then the result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderText } from "./report.ts";
 * const text = renderText({
 *   ppcat: "0.1.0", runtime: "deno 2", startedAt: "2026-01-01T00:00:00.000Z", durationMs: 1500,
 *   peers: {},
 *   columns: { ppcat: "ppcat 0.1.0", haproxy: "haproxy 2.6", "nginx-stream": "nginx 1.22 stream",
 *     "nginx-http": "nginx 1.22 http" },
 *   columnOrder: ["ppcat", "haproxy", "nginx-stream", "nginx-http"],
 *   groups: [{ group: "receivers", skipped: [], rows: [{
 *     id: "r", group: "receivers", title: "ppcat sends v1 TCP4", section: "2.1",
 *     cells: { ppcat: { status: "fail", observed: "refused" } },
 *   }] }],
 *   errors: [],
 * });
 * assert.match(text, /FAIL  ppcat sends v1 TCP4\n {8}ppcat 0\.1\.0: fail: refused\n/);
 * assert.match(text, /result: FAIL/);
 * ```
 */
export function renderText(result: SuiteResult): string {
  let out = `ppcat conformance: ${peersLine(result) || "no peers"}\n`;
  for (const g of result.groups) {
    out += `\n${GROUP_TITLES[g.group]} (${g.rows.length} rows)\n`;
    for (const s of g.skipped) out += `  not run: ${s}\n`;
    for (const n of g.notes ?? []) out += `  note: ${n}\n`;
    for (const r of g.rows) {
      out += `  ${worst(r).padEnd(4)}  ${r.title}\n`;
      for (const column of result.columnOrder) {
        const c = r.cells[column];
        if (c === undefined || c.status === "pass") continue;
        out += `        ${label(result, column)}: ${c.status}: ${c.observed}\n`;
      }
    }
  }
  for (const e of result.errors) out += `\nerror: ${e}\n`;
  const fails = failures(result.groups).length;
  const finds = findings(result.groups).length;
  out += `\nresult: ${suitePassed(result) ? "pass" : "FAIL"}: ${fails} ppcat failures, ` +
    `${result.errors.length} errors, ${finds} findings about the real servers ` +
    `(${(result.durationMs / 1000).toFixed(1)} s)\n`;
  return out;
}

/** The JSON `ppcat conformance --json` prints: the result, its verdict and its flagged cells. */
export function resultJson(result: SuiteResult): unknown {
  return {
    passed: suitePassed(result),
    ...result,
    failures: failures(result.groups),
    findings: findings(result.groups),
  };
}
