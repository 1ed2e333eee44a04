/**
 * `ppcat bench --html FILE`: one self-contained page (no network) with uPlot (npm `uplot`,
 * inlined from cli/_uplot_asset.ts): the latency distributions as percentile plots on a log
 * scale in the style of HdrHistogram's plotter (x: 1/(1-p), labelled 90%, 99%, 99.9%, …),
 * connect and first-byte latency, throughput and new connections per second per worker and
 * merged, and the run's parameters. Beside the charts, a table holds the plotted values at the
 * reported percentiles, so a test can compare them with the JSON result.
 *
 * @module
 */

import {
  type HdrHistogramJson,
  histogramFromJson,
  valueAtPercentile,
} from "../lib/bench/hdr_histogram.ts";
import { type BenchResult, LATENCY_KINDS, type LatencyKind } from "../lib/bench/result.ts";
import { UPLOT_CSS, UPLOT_JS, UPLOT_VERSION } from "./_uplot_asset.ts";

/** One progress report of one worker (cumulative counts). */
export interface TimelinePoint {
  /** Worker index. */
  readonly worker: number;
  /** Seconds since that worker started. */
  readonly t: number;
  /** Bytes sent so far. */
  readonly sent: number;
  /** Bytes received so far. */
  readonly received: number;
  /** Connections opened so far. */
  readonly opened: number;
  /** Message latencies (µs) since this worker's previous report, if any. */
  readonly messageInterval?: HdrHistogramJson;
}

/** What the page shows besides the result. */
export interface HtmlReportInput {
  /** The merged result. */
  readonly result: BenchResult;
  /** The command line after `ppcat bench`. */
  readonly args: readonly string[];
  /** When the run started, unix ms. */
  readonly startedAt: number;
  /** Worker processes. */
  readonly workers: number;
  /** Progress reports, one a second per worker. */
  readonly timeline: readonly TimelinePoint[];
}

/** Percentiles plotted: 0 %, then ten points per decade of 1/(1-p) up to 99.9999 %. */
function plotPercentiles(reported: readonly number[]): number[] {
  const ps = new Set<number>([...reported.filter((p) => p < 100)]);
  for (let i = 0; i <= 60; i++) ps.add(Number((100 * (1 - 10 ** (-i / 10))).toFixed(6)));
  return [...ps].sort((a, b) => a - b);
}

/** Latency (ms) at each plotted percentile, or null when nothing was measured. */
function distribution(r: BenchResult, kind: LatencyKind, ps: readonly number[]) {
  const h = histogramFromJson(r.histograms[kind]);
  if (!h.ok || h.value.count === 0) return null;
  return ps.map((p) => Math.round(valueAtPercentile(h.value, p)) / 1000);
}

/** Per-second rates from cumulative reports: per worker and summed over workers. */
function rates(timeline: readonly TimelinePoint[], workers: number) {
  const seconds = Math.max(0, ...timeline.map((p) => Math.round(p.t)));
  const x = Array.from({ length: seconds }, (_, i) => i + 1);
  const series = (f: (p: TimelinePoint) => number, scale: number) => {
    const per: (number | null)[][] = [];
    for (let w = 0; w < workers; w++) {
      const pts = timeline.filter((p) => p.worker === w);
      const at = new Map(pts.map((p) => [Math.round(p.t), p]));
      per.push(x.map((s) => {
        const now = at.get(s);
        const before = s === 1
          ? { sent: 0, received: 0, opened: 0, worker: w, t: 0 }
          : at.get(s - 1);
        if (now === undefined || before === undefined) return null;
        return (f(now) - f(before)) * scale;
      }));
    }
    const merged = x.map((_, i) => {
      const vals = per.map((s) => s[i]);
      return vals.some((v) => v === null || v === undefined) ? null : vals.reduce<number>(
        (a, v) => a + (v ?? 0),
        0,
      );
    });
    return { per, merged };
  };
  return {
    x,
    mbps: series((p) => p.received, 8 / 1e6),
    conns: series((p) => p.opened, 1),
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c");
}

const LABELS: Readonly<Record<LatencyKind, string>> = {
  connect: "TCP connect",
  firstByte: "first byte",
  message: "message round trip",
};

/**
 * The HTML page of a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordValue } from "../lib/bench/hdr_histogram.ts";
 * import { benchResult, createBenchHistograms } from "../lib/bench/result.ts";
 * import { htmlReport } from "./bench_html.ts";
 * const hs = createBenchHistograms();
 * recordValue(hs.message, 1500);
 * const result = benchResult({
 *   opened: 1, failed: 0, closed: 1, concurrency: 1, rampUpSeconds: 0, durationSeconds: 1,
 *   elapsedSeconds: 1, bytes: { sent: 6, received: 6 }, messages: { sent: 1, received: 1 },
 *   steadyBytes: { sent: 6, received: 6 }, steadyMessages: { sent: 1, received: 1 }, error: null,
 * }, hs);
 * const page = htmlReport({ result, args: ["-c", "1"], startedAt: 0, workers: 1, timeline: [] });
 * assert.match(page, /^<!doctype html>/);
 * assert.doesNotMatch(page, /<script src=|<link /); // self-contained
 * assert.match(page, /<td class="plotted" data-kind="message" data-p="50">1\.5<\/td>/);
 * ```
 */
export function htmlReport(input: HtmlReportInput): string {
  const r = input.result;
  const ps = plotPercentiles(r.latencyPercentiles);
  const dists = Object.fromEntries(LATENCY_KINDS.map((k) => [k, distribution(r, k, ps)]));
  const tl = rates(input.timeline, input.workers);
  const data = { ps, dists, labels: LABELS, tl, workers: input.workers };
  const rows = LATENCY_KINDS.filter((k) => dists[k] !== null).map((k) => {
    const cells = r.latencyPercentiles.map((p) => {
      const i = ps.indexOf(p);
      const v = p >= 100 ? (r.histograms[k].max / 1000) : (dists[k] as number[])[i];
      return `<td class="plotted" data-kind="${k}" data-p="${p}">${v}</td>`;
    });
    return `<tr><th>${LABELS[k]}</th>${cells.join("")}</tr>`;
  }).join("\n");
  const params: [string, string][] = [
    ["command", `ppcat bench ${input.args.join(" ")}`],
    ["started", new Date(input.startedAt).toISOString()],
    ["workers", String(input.workers)],
    ["connections", `${r.connections.opened} opened, ${r.connections.failed} failed`],
    ["steady state", `${r.durationSeconds} s after ${r.rampUpSeconds} s ramp-up`],
    ["bandwidth", `${r.mbps.down} Mbit/s down, ${r.mbps.up} Mbit/s up`],
    ["messages", `${r.messageRate.down} msg/s down, ${r.messageRate.up} msg/s up`],
    ["new connections", `${r.connections.perSecond} /s`],
  ];
  const paramRows = params.map(([k, v]) => `<tr><th>${k}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>ppcat bench report</title>
<style>${UPLOT_CSS}</style>
<style>
body { font: 14px system-ui, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 24px; }
table { border-collapse: collapse; } th, td { padding: 2px 10px; text-align: left; }
td.plotted { font-variant-numeric: tabular-nums; text-align: right; }
.chart { margin: 8px 0; }
</style></head>
<body>
<h1>ppcat bench</h1>
<table id="params">
${paramRows}
</table>
<h2>Latency percentiles (ms)</h2>
<table id="percentiles"><tr><th></th>${
    r.latencyPercentiles.map((p) => `<th>p${p}</th>`).join("")
  }</tr>
${rows}
</table>
<h2>Message latency by percentile</h2><div class="chart" id="message"></div>
<h2>Connect and first-byte latency by percentile</h2><div class="chart" id="connect"></div>
<h2>Throughput received (Mbit/s) per second</h2><div class="chart" id="mbps"></div>
<h2>New connections per second</h2><div class="chart" id="conns"></div>
<p>Charts: uPlot ${UPLOT_VERSION}.</p>
<script id="data" type="application/json">${scriptJson(data)}</script>
<script>${UPLOT_JS}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById("data").textContent);
  var W = Math.min(1100, document.body.clientWidth - 20);
  var colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
  // x = 1/(1-p): the HdrHistogram plotter's axis, log scale, labelled as percentiles.
  var x = d.ps.map(function (p) { return 1 / (1 - Math.min(p, 99.9999) / 100); });
  function pctLabel(v) {
    if (!(v >= 1)) return "";
    var p = 100 * (1 - 1 / v);
    return p === 0 ? "0%" : (Math.round(p * 10000) / 10000) + "%";
  }
  function percentilePlot(el, kinds) {
    var series = [{}], cols = [x];
    kinds.forEach(function (k, i) {
      if (d.dists[k] === null) return;
      series.push({ label: d.labels[k], stroke: colors[i], width: 2 });
      cols.push(d.dists[k]);
    });
    if (cols.length === 1) { el.textContent = "nothing measured"; return; }
    new uPlot({
      width: W, height: 320,
      scales: { x: { time: false, distr: 3 }, y: { distr: 1 } },
      axes: [{
        label: "percentile",
        splits: function () { return [1, 10, 100, 1e3, 1e4, 1e5, 1e6]; },
        values: function (u, vs) { return vs.map(pctLabel); },
      }, { label: "ms" }],
      series: series,
    }, cols, el);
  }
  function ratePlot(el, s, unit) {
    if (d.tl.x.length === 0) { el.textContent = "no per-second data (run shorter than 1 s)"; return; }
    var series = [{ label: "second" }], cols = [d.tl.x];
    for (var w = 0; w < d.workers && d.workers > 1; w++) {
      series.push({ label: "worker " + w, stroke: colors[(w + 1) % colors.length], width: 1 });
      cols.push(s.per[w]);
    }
    series.push({ label: "merged", stroke: "#000", width: 2 });
    cols.push(s.merged);
    new uPlot({
      width: W, height: 260, scales: { x: { time: false } },
      axes: [{ label: "s" }, { label: unit }], series: series,
    }, cols, el);
  }
  percentilePlot(document.getElementById("message"), ["message"]);
  percentilePlot(document.getElementById("connect"), ["connect", "firstByte"]);
  ratePlot(document.getElementById("mbps"), d.tl.mbps, "Mbit/s");
  ratePlot(document.getElementById("conns"), d.tl.conns, "conn/s");
  document.body.setAttribute("data-rendered", String(document.querySelectorAll("canvas").length));
})();
</script>
</body></html>
`;
}
