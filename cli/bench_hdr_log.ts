/**
 * `ppcat bench --hdr-log FILE`: the latency histograms in HdrHistogram's standard interval log
 * format (version 1.3), which HistogramLogAnalyzer, HdrHistogram's `HistogramLogProcessor` and
 * hdr-histogram-js read: a `#[StartTime: …]` and a `#[BaseTime: …]` header, the legend
 * `"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"`, then one
 * line per histogram: the whole run's, tagged `connect`, `firstByte` and `message`, then
 * (with `-r`) untagged one-second intervals of the message latency, merged over the workers
 * (values in µs, the `Interval_Max` column in ms).
 *
 * The histograms are recorded by lib/bench/hdr_histogram.ts (several times faster per value
 * than hdr-histogram-js, same layout and percentiles: see docs/bench.md); hdr-histogram-js
 * does the compressed encoding, so the bytes are what every HdrHistogram decoder expects.
 *
 * @module
 */

import * as hdr from "hdr-histogram-js";
import {
  type HdrHistogram,
  type HdrHistogramJson,
  histogramFromJson,
  histogramToJson,
  mergeHistograms,
  recordedValues,
} from "../lib/bench/hdr_histogram.ts";
import { type BenchResult, LATENCY_KINDS } from "../lib/bench/result.ts";
import type { TimelinePoint } from "./bench_html.ts";

/** Seconds with three decimals, as HdrHistogram's own writer prints timestamps. */
function sec(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * An hdr-histogram-js histogram with the counts of `json` (same layout: equal counts per
 * bucket), or null when `json` is not a histogram.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHistogram, histogramToJson, recordValue } from "../lib/bench/hdr_histogram.ts";
 * import { toHdrJs } from "./bench_hdr_log.ts";
 * const h = createHistogram();
 * for (let v = 1; v <= 1000; v++) recordValue(h, v * 37);
 * const js = toHdrJs(histogramToJson(h))!;
 * assert.equal(js.totalCount, 1000);
 * assert.equal(js.getValueAtPercentile(99), 36_639);
 * ```
 */
export function toHdrJs(json: HdrHistogramJson): hdr.Histogram | null {
  const h = histogramFromJson(json);
  if (!h.ok) return null;
  const out = hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: h.value.highest,
    numberOfSignificantValueDigits: h.value.digits as 1 | 2 | 3 | 4 | 5,
    useWebAssembly: false,
  });
  for (const [value, count] of recordedValues(h.value)) out.recordValueWithCount(value, count);
  return out;
}

/** The message-latency intervals of the workers' reports, merged per second of the run. */
function perSecond(timeline: readonly TimelinePoint[]): [number, HdrHistogram][] {
  const bySecond = new Map<number, HdrHistogram>();
  for (const p of timeline) {
    if (p.messageInterval === undefined) continue;
    const h = histogramFromJson(p.messageInterval);
    if (!h.ok) continue;
    const second = Math.max(1, Math.round(p.t));
    const into = bySecond.get(second);
    if (into === undefined) bySecond.set(second, h.value);
    else mergeHistograms(into, h.value);
  }
  return [...bySecond].sort((a, b) => a[0] - b[0]);
}

/**
 * The interval log of `result`, whose run went from `startMs` to `endMs` (unix ms): one
 * interval per latency kind that has samples over the whole run, then one untagged interval a
 * second of message latency from the workers' progress reports in `timeline`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordValue } from "../lib/bench/hdr_histogram.ts";
 * import { benchResult, createBenchHistograms } from "../lib/bench/result.ts";
 * import { hdrLog } from "./bench_hdr_log.ts";
 * const hs = createBenchHistograms();
 * recordValue(hs.message, 1500);
 * const r = benchResult({
 *   opened: 1, failed: 0, closed: 1, concurrency: 1, rampUpSeconds: 0, durationSeconds: 1,
 *   elapsedSeconds: 1, bytes: { sent: 6, received: 6 }, messages: { sent: 1, received: 1 },
 *   steadyBytes: { sent: 6, received: 6 }, steadyMessages: { sent: 1, received: 1 }, error: null,
 * }, hs);
 * const log = hdrLog(r, 1796493600000, 1796493601000);
 * assert.match(log, /^#\[StartTime: 1796493600\.000 \(seconds since epoch\), /m);
 * assert.match(log, /^#\[BaseTime: 1796493600\.000 \(seconds since epoch\)\]$/m);
 * assert.match(log, /^Tag=message,0\.000,1\.000,1\.500,HISTFAA/m);
 * ```
 */
export function hdrLog(
  result: BenchResult,
  startMs: number,
  endMs: number,
  timeline: readonly TimelinePoint[] = [],
): string {
  let out = `#[Logged with ppcat bench]\n` +
    `#[Histogram log format version 1.3]\n` +
    `#[StartTime: ${sec(startMs)} (seconds since epoch), ${new Date(startMs).toISOString()}]\n` +
    `#[BaseTime: ${sec(startMs)} (seconds since epoch)]\n` +
    `#[Values in microseconds; Interval_Max in milliseconds]\n` +
    `"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"\n`;
  for (const kind of LATENCY_KINDS) {
    const h = toHdrJs(result.histograms[kind]);
    if (h === null || h.totalCount === 0) continue;
    const max = (result.histograms[kind].max / 1000).toFixed(3);
    const encoded = hdr.encodeIntoCompressedBase64(h);
    out += `Tag=${kind},0.000,${sec(endMs - startMs)},${max},${encoded}\n`;
    h.destroy();
  }
  for (const [second, interval] of perSecond(timeline)) {
    const json = histogramToJson(interval);
    const h = toHdrJs(json);
    if (h === null) continue;
    out += `${sec((second - 1) * 1000)},1.000,${(json.max / 1000).toFixed(3)},` +
      `${hdr.encodeIntoCompressedBase64(h)}\n`;
    h.destroy();
  }
  return out;
}
