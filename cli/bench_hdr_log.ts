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
 * than hdr-histogram-js, same layout and percentiles: see docs/bench.md) and encoded by
 * cli/bench_hdr_encode.ts in HdrHistogram's compressed form; cli/bench_test.ts decodes the log
 * with hdr-histogram-js's reader.
 *
 * @module
 */

import {
  type HdrHistogram,
  histogramFromJson,
  mergeHistograms,
} from "../lib/bench/hdr_histogram.ts";
import { encodeCompressedBase64 } from "./bench_hdr_encode.ts";
import { type BenchResult, LATENCY_KINDS } from "../lib/bench/result.ts";
import type { TimelinePoint } from "./bench_html.ts";

/** Seconds with three decimals, as HdrHistogram's own writer prints timestamps. */
function sec(ms: number): string {
  return (ms / 1000).toFixed(3);
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
    const h = histogramFromJson(result.histograms[kind]);
    if (!h.ok || h.value.count === 0) continue;
    const max = (h.value.max / 1000).toFixed(3);
    const encoded = encodeCompressedBase64(h.value);
    out += `Tag=${kind},0.000,${sec(endMs - startMs)},${max},${encoded}\n`;
  }
  for (const [second, interval] of perSecond(timeline)) {
    out += `${sec((second - 1) * 1000)},1.000,${(interval.max / 1000).toFixed(3)},` +
      `${encodeCompressedBase64(interval)}\n`;
  }
  return out;
}
