/**
 * The conformance result as JUnit XML for CI systems that show test reports:
 * one testsuite per part, one testcase per cell. A `fail` cell (ppcat
 * disagreeing with itself, or a sender/receiver check that does not match) is
 * a `<failure>`; a `skip` cell is `<skipped>`; a peer's departure from the
 * spec (violation, lenient, note) passes, with the finding as a property.
 *
 * @module
 */

import { type Cell, Group, type GroupResult, type SuiteResult } from "./model.ts";

// Characters XML 1.0 does not allow, even escaped.
// deno-lint-ignore no-control-regex
const INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/**
 * Text as XML character data or attribute value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { xmlText } from "./report_junit.ts";
 * assert.equal(xmlText(`a<b & "c"\u0000`), "a&lt;b &amp; &quot;c&quot;");
 * ```
 */
export function xmlText(text: string): string {
  return text.replace(INVALID, "").replace(/&/g, "&amp;").replace(/</g, "&lt;")
    .replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

const SUITE_NAMES: Readonly<Record<Group, string>> = {
  [Group.SENDERS]: "1. senders to ppcat",
  [Group.RECEIVERS]: "2. ppcat to receivers",
  [Group.FUZZ]: "3. fuzz catalog to receivers",
  [Group.WIRESHARK]: "4. Wireshark decodes",
};

function testcase(
  group: GroupResult,
  rowId: string,
  title: string,
  section: string,
  label: string,
  column: string,
  cell: Cell,
): string {
  const name = xmlText(`§${section} ${title} [${label}]`);
  const open = `    <testcase classname="conformance.${group.group}.${xmlText(column)}" ` +
    `name="${name}" time="0">`;
  const id = `      <properties><property name="row" value="${xmlText(rowId)}"/>`;
  switch (cell.status) {
    case "pass":
      return `${open}\n${id}</properties>\n    </testcase>`;
    case "fail":
      return `${open}\n${id}</properties>\n      <failure type="fail" message="${
        xmlText(cell.observed.slice(0, 300))
      }">${xmlText(cell.observed)}</failure>\n    </testcase>`;
    case "skip":
      return `${open}\n${id}</properties>\n      <skipped message="${
        xmlText(cell.observed)
      }"/>\n    </testcase>`;
    default:
      // A finding about a peer: the run passes; the finding travels as a property.
      return `${open}\n${id}<property name="finding" value="${
        xmlText(`${cell.status}: ${cell.observed}`)
      }"/></properties>\n      <system-out>${
        xmlText(`${cell.status}: ${cell.observed}`)
      }</system-out>\n    </testcase>`;
  }
}

/**
 * The JUnit XML document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderJunit } from "./report_junit.ts";
 * const xml = renderJunit({
 *   ppcat: "0.1.0", runtime: "deno 2", startedAt: "2026-01-01T00:00:00.000Z", durationMs: 1500,
 *   peers: {}, columns: { ppcat: "ppcat 0.1.0", apache2: "apache2 2.4" },
 *   columnOrder: ["ppcat", "apache2"], errors: [],
 *   groups: [{ group: "receivers", skipped: [], rows: [{ id: "r", group: "receivers",
 *     title: "v1 TCP4", section: "2.1", cells: {
 *       ppcat: { status: "fail", observed: "refused" },
 *       apache2: { status: "violation", observed: "port 0" },
 *     } }] }],
 * });
 * assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
 * assert.match(xml, /<testsuites name="ppcat conformance" tests="2" failures="1" errors="0" skipped="0"/);
 * assert.match(xml, /<failure type="fail" message="refused">refused<\/failure>/);
 * assert.match(xml, /<property name="finding" value="violation: port 0"\/>/);
 * ```
 */
export function renderJunit(result: SuiteResult): string {
  const suites: string[] = [];
  let tests = 0;
  let failed = 0;
  let skipped = 0;
  for (const g of result.groups) {
    const cases: string[] = [];
    let gFailed = 0;
    let gSkipped = 0;
    for (const r of g.rows) {
      for (const column of result.columnOrder) {
        const cell = r.cells[column];
        if (cell === undefined) continue;
        if (cell.status === "fail") gFailed++;
        if (cell.status === "skip") gSkipped++;
        cases.push(
          testcase(g, r.id, r.title, r.section, result.columns[column] ?? column, column, cell),
        );
      }
    }
    tests += cases.length;
    failed += gFailed;
    skipped += gSkipped;
    suites.push(
      `  <testsuite name="${xmlText(SUITE_NAMES[g.group])}" tests="${cases.length}" ` +
        `failures="${gFailed}" errors="0" skipped="${gSkipped}" time="0">\n` +
        cases.map((c) => `${c}\n`).join("") + "  </testsuite>",
    );
  }
  if (result.errors.length > 0) {
    const cases = result.errors.map((e) =>
      `    <testcase classname="conformance.run" name="${xmlText(e.slice(0, 120))}" time="0">` +
      `\n      <error type="error" message="${xmlText(e)}"/>\n    </testcase>`
    );
    suites.push(
      `  <testsuite name="run errors" tests="${cases.length}" failures="0" ` +
        `errors="${cases.length}" skipped="0" time="0">\n${cases.join("\n")}\n  </testsuite>`,
    );
  }
  const seconds = (result.durationMs / 1000).toFixed(3);
  return `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="ppcat conformance" tests="${tests + result.errors.length}" ` +
    `failures="${failed}" errors="${result.errors.length}" skipped="${skipped}" ` +
    `time="${seconds}">\n${suites.join("\n")}\n</testsuites>\n`;
}
