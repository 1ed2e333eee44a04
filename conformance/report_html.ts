/**
 * The conformance result as one self-contained HTML page (no network, no
 * CDN: the styles, the script and the data are inline): the matrix with rows
 * grouped by spec section (§) and a column for ppcat and each peer, status
 * colours, the detail and the reproduce command of a cell on click, filters
 * by status, peer and §, and links to the spec's sections.
 *
 * The page renders its matrix from the embedded JSON with its own script, so
 * a browser test can count the cells it drew against that JSON.
 *
 * @module
 */

import { failures, findings, Group, type Row, suitePassed, type SuiteResult } from "./model.ts";

/** The spec's section headings, for titles and links. */
export const SPEC_SECTIONS: Readonly<Record<string, string>> = {
  "1": "1. Background",
  "2": "2. The PROXY protocol header",
  "2.1": "2.1. Human-readable header format (Version 1)",
  "2.2": "2.2. Binary header format (version 2)",
  "2.2.1": "2.2.1 PP2_TYPE_ALPN",
  "2.2.2": "2.2.2 PP2_TYPE_AUTHORITY",
  "2.2.3": "2.2.3. PP2_TYPE_CRC32C",
  "2.2.4": "2.2.4. PP2_TYPE_NOOP",
  "2.2.5": "2.2.5. PP2_TYPE_UNIQUE_ID",
  "2.2.6": "2.2.6. The PP2_TYPE_SSL type and subtypes",
  "2.2.7": "2.2.7. The PP2_TYPE_NETNS type",
  "2.2.8": "2.2.8. Reserved type ranges",
  "3": "3. Implementations",
  "5": "5. Security considerations",
  "6": "6. Validation",
};

/** The published spec; a text fragment scrolls to a section heading. */
export const SPEC_URL = "https://www.haproxy.org/download/3.2/doc/proxy-protocol.txt";

/**
 * The section a row is grouped under: the first section number it cites.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sectionOf, specLink } from "./report_html.ts";
 * assert.equal(sectionOf("2.2.1-2.2.8"), "2.2.1");
 * assert.equal(sectionOf("2.2.3, 2.2.5"), "2.2.3");
 * assert.equal(sectionOf("§2.1"), "2.1");
 * assert.match(specLink("2.2.6"), /#:~:text=2\.2\.6\.%20The%20PP2_TYPE_SSL/);
 * ```
 */
export function sectionOf(section: string): string {
  return /\d+(?:\.\d+)*/.exec(section)?.[0] ?? section;
}

/** A link to a section of the spec (the whole text when the heading is unknown). */
export function specLink(section: string): string {
  const heading = SPEC_SECTIONS[section];
  return heading === undefined ? SPEC_URL : `${SPEC_URL}#:~:text=${encodeURIComponent(heading)}`;
}

const PART_NAMES: Readonly<Record<Group, string>> = {
  [Group.SENDERS]: "1 senders → ppcat",
  [Group.RECEIVERS]: "2 ppcat → receivers",
  [Group.FUZZ]: "3 fuzz catalog",
  [Group.WIRESHARK]: "4 Wireshark",
};

/** What the page's script gets: the matrix, slimmed to what it shows. */
export interface HtmlData {
  readonly title: string;
  readonly columns: readonly { id: string; label: string }[];
  readonly sections: readonly { id: string; title: string; link: string }[];
  readonly rows: readonly {
    id: string;
    part: string;
    title: string;
    section: string;
    group: string;
    cells: Record<string, { status: string; observed: string; reproduce: string }>;
  }[];
}

function sectionKey(s: string): number[] {
  return s.split(".").map((x) => Number(x));
}

function compareSections(a: string, b: string): number {
  const x = sectionKey(a);
  const y = sectionKey(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function defaultReproduce(row: Row, column: string, result: SuiteResult): string {
  const peer = Object.keys(result.peers).find((p) => column === p || column.startsWith(`${p}-`));
  const peers = peer === undefined ? "" : ` --peers ${peer}`;
  const part = row.group === Group.FUZZ ? "" : " --no-fuzz";
  return `ppcat conformance${peers}${part} --keep   # then see row ${row.id}`;
}

/**
 * The data the page embeds: every row with a cell, grouped by § in spec order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htmlData } from "./report_html.ts";
 * const data = htmlData({
 *   ppcat: "0.1.0", runtime: "deno 2", startedAt: "2026-01-01T00:00:00.000Z", durationMs: 1,
 *   peers: {}, columns: { ppcat: "ppcat 0.1.0" }, columnOrder: ["ppcat"], errors: [],
 *   groups: [{ group: "receivers", skipped: [], rows: [
 *     { id: "b", group: "receivers", title: "B", section: "2.2", cells: {
 *       ppcat: { status: "pass", observed: "ok" } } },
 *     { id: "a", group: "receivers", title: "A", section: "2.1", cells: {
 *       ppcat: { status: "fail", observed: "bad" } } },
 *   ] }],
 * });
 * assert.deepEqual(data.rows.map((r) => r.id), ["a", "b"]);
 * assert.deepEqual(data.sections.map((s) => s.id), ["2.1", "2.2"]);
 * ```
 */
export function htmlData(result: SuiteResult): HtmlData {
  const rows: HtmlData["rows"][number][] = [];
  for (const g of result.groups) {
    for (const r of g.rows) {
      const cells: Record<string, { status: string; observed: string; reproduce: string }> = {};
      for (const [column, cell] of Object.entries(r.cells)) {
        cells[column] = {
          status: cell.status,
          observed: cell.observed,
          reproduce: r.reproduce?.[column] ?? defaultReproduce(r, column, result),
        };
      }
      if (Object.keys(cells).length === 0) continue;
      rows.push({
        id: r.id,
        part: PART_NAMES[g.group],
        title: r.title,
        section: sectionOf(r.section),
        group: g.group,
        cells,
      });
    }
  }
  // Stable: within a §, rows keep the suite's order.
  rows.sort((a, b) => compareSections(a.section, b.section));
  const ids = [...new Set(rows.map((r) => r.section))];
  return {
    title: `PROXY protocol conformance: ppcat ${result.ppcat}`,
    columns: result.columnOrder.map((id) => ({ id, label: result.columns[id] ?? id })),
    sections: ids.map((id) => ({
      id,
      title: SPEC_SECTIONS[id] ?? `§${id}`,
      link: specLink(id),
    })),
    rows,
  };
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

const STYLE = `
:root { --pass:#1a7f37; --violation:#cf222e; --lenient:#bc4c00; --note:#6e7781; --fail:#82071e;
  --skip:#8c959f; font-family: system-ui, sans-serif; font-size: 14px; color:#1f2328; }
body { margin: 0 1.5em 2em; }
h1 { font-size: 1.5em; margin: .8em 0 .2em; }
.meta { color:#57606a; margin:.2em 0 .8em; }
.result { font-weight:600; padding:.3em .6em; border-radius:4px; display:inline-block; }
.result.pass { background:#dafbe1; } .result.fail { background:#ffebe9; }
.filters { display:flex; gap:1em; flex-wrap:wrap; align-items:center; margin:.8em 0;
  position:sticky; top:0; background:#fff; padding:.4em 0; z-index:2; border-bottom:1px solid #d0d7de; }
.filters label { font-weight:600; } select { font-size: 1em; }
table { border-collapse: collapse; }
th, td { border:1px solid #d0d7de; padding:3px 6px; }
thead th { background:#f6f8fa; position:sticky; top:2.6em; z-index:1; font-size:.9em; }
tr.sec th { background:#eaeef2; text-align:left; font-size:1.05em; }
tr.sec a { font-weight:400; font-size:.85em; margin-left:.6em; }
th.row { text-align:left; font-weight:400; max-width:38em; }
th.row small { color:#57606a; display:block; }
td.cell { text-align:center; cursor:pointer; font-size:.85em; font-weight:600; color:#fff; min-width:5.5em; }
td.cell:hover { outline:2px solid #0969da; }
td.na { background:#fff; color:#8c959f; text-align:center; }
td.s-pass { background:var(--pass); } td.s-violation { background:var(--violation); }
td.s-lenient { background:var(--lenient); } td.s-note { background:var(--note); }
td.s-fail { background:var(--fail); outline:2px dashed #000; } td.s-skip { background:var(--skip); }
td.sel { outline:3px solid #0969da; }
#detail { position:fixed; right:1em; bottom:1em; width:36em; max-height:60vh; overflow:auto;
  background:#fff; border:1px solid #8c959f; border-radius:6px; padding:.8em 1em;
  box-shadow:0 4px 16px rgba(0,0,0,.2); display:none; z-index:3; }
#detail.open { display:block; }
#detail pre { background:#f6f8fa; padding:.5em; white-space:pre-wrap; word-break:break-all; }
#detail button { float:right; }
.legend span { display:inline-block; padding:1px 6px; margin-right:.4em; color:#fff; border-radius:3px; }
`;

const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var head = $("head"), body = $("body");
  var th = document.createElement("tr");
  th.innerHTML = "<th>check</th>";
  data.columns.forEach(function (c) {
    var e = document.createElement("th"); e.textContent = c.label; e.dataset.col = c.id; th.appendChild(e);
  });
  head.appendChild(th);
  var fSec = $("f-section"), fPeer = $("f-peer"), fStatus = $("f-status");
  data.columns.forEach(function (c) {
    var o = document.createElement("option"); o.value = c.id; o.textContent = c.label; fPeer.appendChild(o);
  });
  data.sections.forEach(function (s) {
    var o = document.createElement("option"); o.value = s.id; o.textContent = s.title; fSec.appendChild(o);
    var tr = document.createElement("tr"); tr.className = "sec"; tr.dataset.section = s.id;
    var h = document.createElement("th"); h.colSpan = data.columns.length + 1; h.textContent = s.title;
    var a = document.createElement("a"); a.href = s.link; a.textContent = "spec"; a.target = "_blank";
    a.rel = "noopener"; h.appendChild(a); tr.appendChild(h); body.appendChild(tr);
    data.rows.filter(function (r) { return r.section === s.id; }).forEach(function (r) {
      var row = document.createElement("tr"); row.className = "rule"; row.dataset.section = s.id;
      var t = document.createElement("th"); t.className = "row"; t.textContent = r.title;
      var sm = document.createElement("small"); sm.textContent = "part " + r.part + " · " + r.id;
      t.appendChild(sm); row.appendChild(t);
      data.columns.forEach(function (c) {
        var cell = r.cells[c.id], td = document.createElement("td");
        td.dataset.col = c.id;
        if (!cell) { td.className = "na"; td.textContent = "—"; }
        else {
          td.className = "cell s-" + cell.status; td.textContent = cell.status;
          td.dataset.status = cell.status; td.dataset.row = r.id; td.title = cell.observed;
          td.addEventListener("click", function () { show(r, c, cell, td); });
        }
        row.appendChild(td);
      });
      body.appendChild(row);
    });
  });
  var selected = null;
  function show(r, c, cell, td) {
    if (selected) selected.classList.remove("sel");
    selected = td; td.classList.add("sel");
    $("d-title").textContent = r.title;
    $("d-where").textContent = c.label + " · §" + r.section + " · part " + r.part + " · " + r.id;
    $("d-status").textContent = cell.status;
    $("d-status").className = "s-" + cell.status;
    $("d-observed").textContent = cell.observed;
    $("d-reproduce").textContent = cell.reproduce;
    $("detail").classList.add("open");
  }
  $("d-close").addEventListener("click", function () {
    $("detail").classList.remove("open"); if (selected) selected.classList.remove("sel");
  });
  function apply() {
    var sec = fSec.value, peer = fPeer.value, st = fStatus.value;
    document.querySelectorAll("[data-col]").forEach(function (e) {
      e.style.display = peer && e.dataset.col !== "ppcat" && e.dataset.col !== peer ? "none" : "";
    });
    var visible = {};
    document.querySelectorAll("tr.rule").forEach(function (tr) {
      var ok = !sec || tr.dataset.section === sec;
      if (ok && st) {
        ok = Array.prototype.some.call(tr.querySelectorAll("td[data-status]"), function (td) {
          return td.dataset.status === st && (!peer || td.dataset.col === peer);
        });
      }
      tr.style.display = ok ? "" : "none";
      if (ok) visible[tr.dataset.section] = true;
    });
    document.querySelectorAll("tr.sec").forEach(function (tr) {
      tr.style.display = visible[tr.dataset.section] ? "" : "none";
    });
  }
  [fSec, fPeer, fStatus].forEach(function (f) { f.addEventListener("change", apply); });
  var counts = {};
  document.querySelectorAll("td[data-status]").forEach(function (td) {
    counts[td.dataset.status] = (counts[td.dataset.status] || 0) + 1;
  });
  var out = $("counts");
  out.textContent = Object.keys(counts).sort().map(function (k) { return counts[k] + " " + k; }).join(", ");
  out.dataset.counts = JSON.stringify(counts);
  // #status=…&peer=…&section=… sets the filters; #cell=ROW_ID/COLUMN opens that cell's detail
  // (links from CI logs, the browser test).
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.get("status")) fStatus.value = params.get("status");
  if (params.get("peer")) fPeer.value = params.get("peer");
  if (params.get("section")) fSec.value = params.get("section");
  apply();
  var m = /^([^/]+)[/](.+)$/.exec(params.get("cell") || "");
  if (m) {
    var td = document.querySelector('td[data-row="' + m[1] + '"][data-col="' + m[2] + '"]');
    if (td) td.click();
  }
  document.body.dataset.rendered = "yes";
})();
`;

/**
 * The page. `command` names what generated it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderHtml } from "./report_html.ts";
 * const page = renderHtml({
 *   ppcat: "0.1.0", runtime: "deno 2", startedAt: "2026-01-01T00:00:00.000Z", durationMs: 1,
 *   peers: {}, columns: { ppcat: "ppcat 0.1.0" }, columnOrder: ["ppcat"], errors: [],
 *   groups: [{ group: "receivers", skipped: [], rows: [{ id: "a", group: "receivers",
 *     title: "</script><b>", section: "2.1", cells: { ppcat: { status: "pass", observed: "ok" } } }] }],
 * }, "a test");
 * assert.match(page, /^<!doctype html>/);
 * assert.doesNotMatch(page, /<\/script><b>/);
 * assert.doesNotMatch(page, /src="http|href="http[^"]*\.(css|js)"/);
 * ```
 */
export function renderHtml(result: SuiteResult, command: string): string {
  const data = htmlData(result);
  const passed = suitePassed(result);
  const fails = failures(result.groups).length;
  const finds = findings(result.groups).length;
  const peers = Object.entries(result.peers).map(([name, p]) =>
    "version" in p ? `${name} ${p.version}` : `${name} (missing)`
  ).join(", ");
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  const statuses = ["pass", "violation", "lenient", "note", "fail", "skip"];
  const legend = statuses.map((s) =>
    `<span class="s-${s}" style="background:var(--${s})">${s}</span>`
  )
    .join("");
  const errors = result.errors.map((e) => `<li>${esc(e)}</li>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>PROXY protocol conformance</h1>
<p class="meta">ppcat ${esc(result.ppcat)} (${esc(result.runtime)}), ${
    esc(result.startedAt.slice(0, 10))
  }, ${(result.durationMs / 1000).toFixed(1)} s, against ${esc(peers)}. Generated by ${
    esc(command)
  }. Click a cell for what was observed and how to reproduce it.</p>
<p><span class="result ${passed ? "pass" : "fail"}">${
    passed ? "Result: pass" : "Result: FAIL"
  }</span> ${fails} failing cells, ${result.errors.length} errors, ${finds} findings about the peers.
Cells: <output id="counts"></output></p>
${errors === "" ? "" : `<ul class="errors">${errors}</ul>`}
<p class="legend">${legend} — pass: as the spec says · violation: a peer breaks a MUST · lenient: departs
from a SHOULD · note: a choice the spec leaves open · fail: ppcat or a check failed · skip: not run</p>
<div class="filters">
<label for="f-status">status</label><select id="f-status"><option value="">all</option>${
    statuses.map((s) => `<option value="${s}">${s}</option>`).join("")
  }</select>
<label for="f-peer">peer</label><select id="f-peer"><option value="">all</option></select>
<label for="f-section">§</label><select id="f-section"><option value="">all</option></select>
</div>
<table id="matrix"><thead id="head"></thead><tbody id="body"></tbody></table>
<aside id="detail"><button id="d-close" type="button">close</button>
<h2 id="d-title"></h2><p id="d-where"></p>
<p>status: <strong id="d-status"></strong></p>
<h3>observed</h3><pre id="d-observed"></pre>
<h3>reproduce</h3><pre id="d-reproduce"></pre></aside>
<script type="application/json" id="data">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** The rows of {@linkcode htmlData} as the page counts them: cells per status. */
export function countStatuses(data: HtmlData): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of data.rows) {
    for (const c of Object.values(r.cells)) counts[c.status] = (counts[c.status] ?? 0) + 1;
  }
  return counts;
}
