/**
 * The result of a `ppcat bench` run as JSON (`--json`), and how results merge: the results of
 * several workers, or of several machines that each ran a share of the load at the same time,
 * combine into the result of one run. Counts and rates add, the duration is the longest, and
 * the latency histograms merge exactly, so the merged percentiles are those of all samples.
 *
 * @module
 */

import {
  createHistogram,
  HDR_DEFAULT_DIGITS,
  HDR_DEFAULT_HIGHEST,
  type HdrHistogram,
  type HdrHistogramJson,
  histogramFromJson,
  histogramToJson,
  mergeHistograms,
  valueAtPercentile,
} from "./hdr_histogram.ts";

/** The latency kinds measured, in the order they are reported. */
export const LATENCY_KINDS = ["connect", "firstByte", "message"] as const;
/** One of {@linkcode LATENCY_KINDS}. */
export type LatencyKind = typeof LATENCY_KINDS[number];

/** Default reported percentiles. */
export const DEFAULT_PERCENTILES: readonly number[] = [50, 90, 99, 99.9];

/** The three latency histograms of a run, in microseconds. */
export type BenchHistograms = Record<LatencyKind, HdrHistogram>;

/**
 * Creates empty latency histograms (microseconds, up to 60 s, `digits` significant digits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBenchHistograms } from "./result.ts";
 * const h = createBenchHistograms();
 * assert.deepEqual(Object.keys(h), ["connect", "firstByte", "message"]);
 * assert.equal(h.message.digits, 3);
 * ```
 */
export function createBenchHistograms(digits: number = HDR_DEFAULT_DIGITS): BenchHistograms {
  return {
    connect: createHistogram(digits, HDR_DEFAULT_HIGHEST),
    firstByte: createHistogram(digits, HDR_DEFAULT_HIGHEST),
    message: createHistogram(digits, HDR_DEFAULT_HIGHEST),
  };
}

/** What the engine counted in one run (one worker). */
export interface BenchTotals {
  /** Connections that completed their connect. */
  readonly opened: number;
  /** Connect attempts that failed (refused, timed out, …). */
  readonly failed: number;
  /** Connections that ended. */
  readonly closed: number;
  /** Concurrent connections asked for (`-c`, this worker's share). */
  readonly concurrency: number;
  /** Seconds from start until `concurrency` connections had opened (tcpkali's ramp-up). */
  readonly rampUpSeconds: number;
  /** Seconds of steady state measured after ramp-up (the rates below are over these). */
  readonly durationSeconds: number;
  /** Seconds of the whole run, ramp-up to the last connection closed. */
  readonly elapsedSeconds: number;
  /** Bytes written and read over the whole run (header, first message, messages). */
  readonly bytes: { readonly sent: number; readonly received: number };
  /** Messages (-m) written and received (echoed back whole) over the whole run. */
  readonly messages: { readonly sent: number; readonly received: number };
  /** Bytes written and read during the steady state. */
  readonly steadyBytes: { readonly sent: number; readonly received: number };
  /** Messages written and received during the steady state. */
  readonly steadyMessages: { readonly sent: number; readonly received: number };
  /** The first connect error, if any. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** Latency percentiles in milliseconds, keyed "p50", "p99.9", …; null when nothing was measured. */
export type LatencyPercentiles = Readonly<Record<string, number>> | null;

/** The `--json` form of a run, or of merged runs. */
export interface BenchResult {
  /** Connection counts, the concurrency asked for, and the connect rate achieved. */
  readonly connections: {
    readonly opened: number;
    readonly failed: number;
    readonly closed: number;
    readonly concurrency: number;
    /** Connections opened per second over the whole run. */
    readonly perSecond: number;
  };
  /** Steady-state seconds (after ramp-up), the window of the rates. */
  readonly durationSeconds: number;
  /** Ramp-up seconds. */
  readonly rampUpSeconds: number;
  /** Bytes over the whole run. */
  readonly bytes: { readonly sent: number; readonly received: number };
  /** Steady-state bandwidth: down (received), up (sent), and both per connection, Mbit/s. */
  readonly mbps: { readonly down: number; readonly up: number; readonly perChannel: number };
  /** Messages over the whole run. */
  readonly messages: { readonly sent: number; readonly received: number };
  /** Steady-state messages per second. */
  readonly messageRate: { readonly down: number; readonly up: number };
  /** Latency percentiles (ms) from the histograms. */
  readonly latencyMs: Readonly<Record<LatencyKind, LatencyPercentiles>>;
  /** The percentiles reported in `latencyMs`. */
  readonly latencyPercentiles: readonly number[];
  /** The latency histograms in microseconds, mergeable. */
  readonly histograms: Readonly<Record<LatencyKind, HdrHistogramJson>>;
  /** How many runs (workers, machines) this result combines. */
  readonly runs: number;
  /** The first connect error of any run, or null. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** A percentile as a JSON key: 50 → "p50", 99.9 → "p99.9". */
function key(p: number): string {
  return `p${p}`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Percentiles of a histogram in milliseconds (µs precision), or null when it is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHistogram, recordValue } from "./hdr_histogram.ts";
 * import { latencyPercentiles } from "./result.ts";
 * const h = createHistogram();
 * recordValue(h, 1200);
 * recordValue(h, 4600);
 * assert.deepEqual(latencyPercentiles(h, [50, 100]), { p50: 1.2, p100: 4.6 });
 * assert.equal(latencyPercentiles(createHistogram(), [50]), null);
 * ```
 */
export function latencyPercentiles(
  h: HdrHistogram,
  percentiles: readonly number[],
): LatencyPercentiles {
  if (h.count === 0) return null;
  const out: Record<string, number> = {};
  for (const p of percentiles) out[key(p)] = round(valueAtPercentile(h, p) / 1000, 3);
  return out;
}

function mbit(bytes: number, seconds: number): number {
  return seconds > 0 ? round(bytes * 8 / seconds / 1e6, 3) : 0;
}

function perSecond(n: number, seconds: number): number {
  return seconds > 0 ? round(n / seconds, 1) : 0;
}

/**
 * Builds the JSON result of one run from its totals and histograms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchResult, createBenchHistograms } from "./result.ts";
 * const totals = {
 *   opened: 2, failed: 0, closed: 2, concurrency: 2, rampUpSeconds: 0, durationSeconds: 1,
 *   elapsedSeconds: 1, bytes: { sent: 1000, received: 1000 }, messages: { sent: 10, received: 10 },
 *   steadyBytes: { sent: 1_000_000, received: 500_000 }, steadyMessages: { sent: 10, received: 10 },
 *   error: null,
 * };
 * const r = benchResult(totals, createBenchHistograms(), [50]);
 * assert.deepEqual(r.mbps, { down: 4, up: 8, perChannel: 6 });
 * assert.equal(r.latencyMs.message, null);
 * ```
 */
export function benchResult(
  totals: BenchTotals,
  histograms: BenchHistograms,
  percentiles: readonly number[] = DEFAULT_PERCENTILES,
): BenchResult {
  const d = totals.durationSeconds;
  const down = mbit(totals.steadyBytes.received, d);
  const up = mbit(totals.steadyBytes.sent, d);
  return {
    connections: {
      opened: totals.opened,
      failed: totals.failed,
      closed: totals.closed,
      concurrency: totals.concurrency,
      perSecond: perSecond(totals.opened, totals.elapsedSeconds),
    },
    durationSeconds: round(d, 6),
    rampUpSeconds: round(totals.rampUpSeconds, 6),
    bytes: { sent: totals.bytes.sent, received: totals.bytes.received },
    mbps: {
      down,
      up,
      perChannel: totals.concurrency > 0 ? round((down + up) / totals.concurrency, 3) : 0,
    },
    messages: { sent: totals.messages.sent, received: totals.messages.received },
    messageRate: {
      down: perSecond(totals.steadyMessages.received, d),
      up: perSecond(totals.steadyMessages.sent, d),
    },
    latencyMs: {
      connect: latencyPercentiles(histograms.connect, percentiles),
      firstByte: latencyPercentiles(histograms.firstByte, percentiles),
      message: latencyPercentiles(histograms.message, percentiles),
    },
    latencyPercentiles: [...percentiles],
    histograms: {
      connect: histogramToJson(histograms.connect),
      firstByte: histogramToJson(histograms.firstByte),
      message: histogramToJson(histograms.message),
    },
    runs: 1,
    error: totals.error,
  };
}

/** Outcome of {@linkcode mergeBenchResults} and {@linkcode parseBenchResult}. */
export type BenchResultOutcome =
  | { readonly ok: true; readonly value: BenchResult }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** A count, byte total or rate as a result may hold it: finite, ≥ 0, exact as a double. */
function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER;
}

function isError(v: unknown): boolean {
  if (v === null) return true;
  if (typeof v !== "object") return false;
  const e = v as Record<string, unknown>;
  return typeof e.code === "string" && typeof e.message === "string" &&
    e.code.length <= 64 && e.message.length <= 1024;
}

function numAt(o: unknown, path: string): number | null {
  let v: unknown = o;
  for (const part of path.split(".")) {
    if (v === null || typeof v !== "object") return null;
    v = (v as Record<string, unknown>)[part];
  }
  return isNum(v) ? v : null;
}

const REQUIRED = [
  "connections.opened",
  "connections.failed",
  "connections.closed",
  "connections.concurrency",
  "connections.perSecond",
  "durationSeconds",
  "rampUpSeconds",
  "bytes.sent",
  "bytes.received",
  "mbps.down",
  "mbps.up",
  "messages.sent",
  "messages.received",
  "messageRate.down",
  "messageRate.up",
  "runs",
];

/**
 * Checks that `json` (parsed) is a `ppcat bench --json` result; stable codes `BENCH_BAD_JSON`
 * (a missing or wrong field) and `HDR_BAD_JSON` (a broken histogram).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchResult, createBenchHistograms, parseBenchResult } from "./result.ts";
 * const totals = {
 *   opened: 1, failed: 0, closed: 1, concurrency: 1, rampUpSeconds: 0, durationSeconds: 1,
 *   elapsedSeconds: 1, bytes: { sent: 6, received: 6 }, messages: { sent: 1, received: 1 },
 *   steadyBytes: { sent: 6, received: 6 }, steadyMessages: { sent: 1, received: 1 }, error: null,
 * };
 * const text = JSON.stringify(benchResult(totals, createBenchHistograms()));
 * assert.ok(parseBenchResult(JSON.parse(text)).ok);
 * const bad = parseBenchResult({ connections: {} });
 * assert.ok(!bad.ok && bad.code === "BENCH_BAD_JSON");
 * ```
 */
export function parseBenchResult(json: unknown): BenchResultOutcome {
  for (const path of REQUIRED) {
    if (numAt(json, path) === null) {
      return { ok: false, code: "BENCH_BAD_JSON", message: `"${path}" is missing or not a number` };
    }
  }
  const j = json as Record<string, unknown>;
  const percentiles = j.latencyPercentiles;
  if (!Array.isArray(percentiles) || !percentiles.every((p) => isNum(p) && p <= 100)) {
    return { ok: false, code: "BENCH_BAD_JSON", message: '"latencyPercentiles" is not a list' };
  }
  if (!isError(j.error)) {
    return {
      ok: false,
      code: "BENCH_BAD_JSON",
      message: '"error" is not null or {"code","message"} strings',
    };
  }
  const hs = j.histograms as Record<string, unknown> | undefined;
  if (hs === undefined || hs === null || typeof hs !== "object") {
    return { ok: false, code: "BENCH_BAD_JSON", message: '"histograms" is missing' };
  }
  for (const kind of LATENCY_KINDS) {
    const h = histogramFromJson(hs[kind]);
    if (!h.ok) return { ok: false, code: h.code, message: `histograms.${kind}: ${h.message}` };
  }
  return { ok: true, value: json as BenchResult };
}

/**
 * Merges results of runs made at the same time (workers of one run, or machines sharing the
 * load): counts, bandwidths and rates add; durations take the longest; histograms merge
 * exactly and the percentiles are recomputed from them (at `percentiles`, default the first
 * result's). Codes: `BENCH_NOTHING_TO_MERGE`, `BENCH_OVERFLOW` (a total past 2^53 - 1),
 * `HDR_CONFIG_MISMATCH`, `HDR_BAD_JSON`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordValue } from "./hdr_histogram.ts";
 * import { benchResult, createBenchHistograms, mergeBenchResults } from "./result.ts";
 * const run = (latencyUs: number) => {
 *   const h = createBenchHistograms();
 *   recordValue(h.message, latencyUs);
 *   return benchResult({
 *     opened: 1, failed: 0, closed: 1, concurrency: 1, rampUpSeconds: 0, durationSeconds: 1,
 *     elapsedSeconds: 1, bytes: { sent: 6, received: 6 }, messages: { sent: 1, received: 1 },
 *     steadyBytes: { sent: 125_000, received: 125_000 }, steadyMessages: { sent: 1, received: 1 },
 *     error: null,
 *   }, h, [50, 100]);
 * };
 * const m = mergeBenchResults([run(1000), run(3000)]);
 * assert.ok(m.ok);
 * assert.equal(m.value.connections.opened, 2);
 * assert.deepEqual(m.value.mbps, { down: 2, up: 2, perChannel: 2 });
 * assert.deepEqual(m.value.latencyMs.message, { p50: 1, p100: 3 });
 * assert.equal(m.value.runs, 2);
 * ```
 */
export function mergeBenchResults(
  results: readonly BenchResult[],
  percentiles?: readonly number[],
): BenchResultOutcome {
  if (results.length === 0) {
    return { ok: false, code: "BENCH_NOTHING_TO_MERGE", message: "no results to merge" };
  }
  const ps = percentiles ?? results[0]?.latencyPercentiles ?? DEFAULT_PERCENTILES;
  const merged: Partial<Record<LatencyKind, HdrHistogram>> = {};
  for (const kind of LATENCY_KINDS) {
    let into: HdrHistogram | null = null;
    for (const r of results) {
      const h = histogramFromJson(r.histograms[kind]);
      if (!h.ok) return { ok: false, code: h.code, message: `histograms.${kind}: ${h.message}` };
      if (into === null) into = h.value;
      else {
        const m = mergeHistograms(into, h.value);
        if (!m.ok) return { ok: false, code: m.code, message: `histograms.${kind}: ${m.message}` };
      }
    }
    merged[kind] = into!;
  }
  const sum = (f: (r: BenchResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const max = (f: (r: BenchResult) => number) => results.reduce((a, r) => Math.max(a, f(r)), 0);
  const down = round(sum((r) => r.mbps.down), 3);
  const up = round(sum((r) => r.mbps.up), 3);
  const concurrency = sum((r) => r.connections.concurrency);
  const hs = merged as BenchHistograms;
  // Totals past 2^53 would lose exactness (and past 1.8e308 become Infinity, null in JSON).
  for (const path of REQUIRED) {
    if (path === "durationSeconds" || path === "rampUpSeconds") continue;
    const total = results.reduce((a, r) => a + (numAt(r, path) ?? 0), 0);
    if (!isNum(total)) {
      return {
        ok: false,
        code: "BENCH_OVERFLOW",
        message: `"${path}" adds up to more than ${Number.MAX_SAFE_INTEGER}`,
      };
    }
  }
  return {
    ok: true,
    value: {
      connections: {
        opened: sum((r) => r.connections.opened),
        failed: sum((r) => r.connections.failed),
        closed: sum((r) => r.connections.closed),
        concurrency,
        perSecond: round(sum((r) => r.connections.perSecond), 1),
      },
      durationSeconds: max((r) => r.durationSeconds),
      rampUpSeconds: max((r) => r.rampUpSeconds),
      bytes: { sent: sum((r) => r.bytes.sent), received: sum((r) => r.bytes.received) },
      mbps: {
        down,
        up,
        perChannel: concurrency > 0 ? round((down + up) / concurrency, 3) : 0,
      },
      messages: { sent: sum((r) => r.messages.sent), received: sum((r) => r.messages.received) },
      messageRate: {
        down: round(sum((r) => r.messageRate.down), 1),
        up: round(sum((r) => r.messageRate.up), 1),
      },
      latencyMs: {
        connect: latencyPercentiles(hs.connect, ps),
        firstByte: latencyPercentiles(hs.firstByte, ps),
        message: latencyPercentiles(hs.message, ps),
      },
      latencyPercentiles: [...ps],
      histograms: {
        connect: histogramToJson(hs.connect),
        firstByte: histogramToJson(hs.firstByte),
        message: histogramToJson(hs.message),
      },
      runs: sum((r) => r.runs),
      error: results.find((r) => r.error !== null)?.error ?? null,
    },
  };
}
