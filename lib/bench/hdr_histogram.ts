/**
 * An HDR histogram (Gil Tene's High Dynamic Range histogram): records integer values, here
 * microseconds, from 1 up to a highest trackable value with a fixed number of significant
 * decimal digits, in constant memory and constant time per record. Two histograms of the same
 * configuration merge exactly (bucket counts add), which is what lets `ppcat bench merge`
 * combine the latencies of several workers or machines as if one had measured everything.
 *
 * The JSON form ({@linkcode histogramToJson}) is compact (non-empty buckets only, index deltas)
 * and lossless: `histogramFromJson(histogramToJson(h))` has the same counts, min, max and sum.
 *
 * @module
 */

/** Stable codes of the errors {@linkcode histogramFromJson} and {@linkcode mergeHistograms} return. */
export const HdrErrorCode = {
  /** The JSON is not a histogram of this format (missing or wrong-typed field, bad bucket). */
  HDR_BAD_JSON: "HDR_BAD_JSON",
  /** Two histograms of different precision or range cannot merge exactly. */
  HDR_CONFIG_MISMATCH: "HDR_CONFIG_MISMATCH",
} as const;
/** One of the {@linkcode HdrErrorCode} values. */
export type HdrErrorCode = typeof HdrErrorCode[keyof typeof HdrErrorCode];

/** Outcome of the fallible histogram operations: a value, or a stable code and one line. */
export type HdrResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: HdrErrorCode; readonly message: string };

/** Default significant decimal digits: values are kept within 0.1 %. */
export const HDR_DEFAULT_DIGITS = 3;
/** Default highest trackable value: 60 s in microseconds. Larger values are clamped to it. */
export const HDR_DEFAULT_HIGHEST = 60_000_000;
/** The largest highest trackable value this implementation supports (2^32 - 1). */
export const HDR_MAX_HIGHEST = 0xffffffff;

/** A histogram of non-negative integer values (see the module docs). */
export interface HdrHistogram {
  /** Significant decimal digits, 1 to 5. */
  readonly digits: number;
  /** Highest trackable value; larger values are recorded as this value. */
  readonly highest: number;
  /** The bucket counts (internal layout, see {@linkcode histogramToJson}). */
  readonly counts: Float64Array;
  /** Number of values recorded. */
  count: number;
  /** Smallest value recorded (exact), or 0 when empty. */
  min: number;
  /** Largest value recorded (exact, after clamping), or 0 when empty. */
  max: number;
  /** Sum of the values recorded (exact while below 2^53). */
  sum: number;
  /** How many values were above `highest` and clamped to it. */
  clamped: number;
  /** log2 of half the sub-bucket count (layout constant). */
  readonly halfMagnitude: number;
  /** Mask of the values of the first bucket (layout constant). */
  readonly subMask: number;
}

/**
 * Creates an empty histogram tracking 0..`highest` with `digits` significant decimal digits.
 * Throws RangeError for digits outside 1..5 or a highest value outside 2..2^32-1 (programming
 * errors, not input errors).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHistogram, recordValue, valueAtPercentile } from "./hdr_histogram.ts";
 * const h = createHistogram();
 * for (let v = 1; v <= 100; v++) recordValue(h, v * 1000);
 * assert.equal(h.count, 100);
 * assert.equal(valueAtPercentile(h, 50), 50_015); // 50 000 within 0.1 %
 * assert.equal(valueAtPercentile(h, 99), 99_007); // 99 000 within 0.1 %
 * assert.equal(valueAtPercentile(h, 100), 100_000); // the exact maximum
 * ```
 */
export function createHistogram(
  digits: number = HDR_DEFAULT_DIGITS,
  highest: number = HDR_DEFAULT_HIGHEST,
): HdrHistogram {
  if (!Number.isInteger(digits) || digits < 1 || digits > 5) {
    throw new RangeError(`significant digits must be 1..5, not ${digits}`);
  }
  if (!Number.isInteger(highest) || highest < 2 || highest > HDR_MAX_HIGHEST) {
    throw new RangeError(`highest trackable value must be 2..${HDR_MAX_HIGHEST}, not ${highest}`);
  }
  const largestSingleUnit = 2 * 10 ** digits;
  const subMagnitude = Math.ceil(Math.log2(largestSingleUnit));
  const halfMagnitude = subMagnitude - 1;
  const subCount = 2 ** subMagnitude;
  const half = subCount / 2;
  let buckets = 1;
  let smallestUntrackable = subCount;
  while (smallestUntrackable <= highest) {
    smallestUntrackable *= 2;
    buckets++;
  }
  return {
    digits,
    highest,
    counts: new Float64Array((buckets + 1) * half),
    count: 0,
    min: 0,
    max: 0,
    sum: 0,
    clamped: 0,
    halfMagnitude,
    subMask: subCount - 1,
  };
}

/** The bucket index of `value` (0 ≤ value ≤ 2^32 - 1, an integer). */
function indexOf(h: HdrHistogram, value: number): number {
  const pow2ceiling = 32 - Math.clz32(value | h.subMask);
  const bucket = pow2ceiling - (h.halfMagnitude + 1);
  const sub = value >>> bucket;
  return ((bucket + 1) << h.halfMagnitude) + (sub - (1 << h.halfMagnitude));
}

/** The lowest value that lands in bucket index `index`. */
function lowestAt(h: HdrHistogram, index: number): number {
  let bucket = (index >> h.halfMagnitude) - 1;
  const half = 1 << h.halfMagnitude;
  let sub = (index & (half - 1)) + half;
  if (bucket < 0) {
    sub -= half;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/** How many values share bucket index `index` (1 in the first bucket, then powers of two). */
function rangeAt(h: HdrHistogram, index: number): number {
  const bucket = (index >> h.halfMagnitude) - 1;
  return bucket < 0 ? 1 : 2 ** bucket;
}

/**
 * Records `value` (`times` times, default once). Negative values count as 0, fractions are
 * truncated, values above `highest` are recorded as `highest` (and counted in `clamped`).
 * Never allocates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHistogram, recordValue } from "./hdr_histogram.ts";
 * const h = createHistogram(3, 1000);
 * recordValue(h, 12.9);
 * recordValue(h, 5000, 2);
 * assert.deepEqual([h.count, h.min, h.max, h.sum, h.clamped], [3, 12, 1000, 2012, 2]);
 * ```
 */
export function recordValue(h: HdrHistogram, value: number, times = 1): void {
  let v = value > 0 ? Math.floor(value) : 0;
  if (!(v <= h.highest)) {
    v = h.highest;
    h.clamped += times;
  }
  const i = indexOf(h, v);
  h.counts[i] = (h.counts[i] ?? 0) + times;
  if (h.count === 0 || v < h.min) h.min = v;
  if (v > h.max) h.max = v;
  h.count += times;
  h.sum += v * times;
}

/**
 * The value at percentile `p` (0 to 100): the highest value equivalent (within the histogram's
 * precision) to the recorded value at that rank, as HdrHistogram reports it; exact at 0 (the
 * minimum) and capped at the exact maximum. 0 for an empty histogram.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHistogram, recordValue, valueAtPercentile } from "./hdr_histogram.ts";
 * const h = createHistogram();
 * [1, 2, 3, 4, 1_000_000].forEach((v) => recordValue(h, v));
 * assert.equal(valueAtPercentile(h, 0), 1);
 * assert.equal(valueAtPercentile(h, 60), 3);
 * assert.equal(valueAtPercentile(h, 99.9), 1_000_000);
 * ```
 */
export function valueAtPercentile(h: HdrHistogram, p: number): number {
  if (h.count === 0) return 0;
  if (p <= 0) return h.min;
  const rank = Math.max(1, Math.ceil(Math.min(p, 100) / 100 * h.count - 1e-9));
  let seen = 0;
  const counts = h.counts;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return Math.min(lowestAt(h, i) + rangeAt(h, i) - 1, h.max);
  }
  return h.max;
}

/**
 * The recorded buckets as `[value, count]` pairs in ascending order, `value` being the lowest
 * value of its bucket: recording each pair into a histogram of the same layout (HdrHistogram's
 * in any language) reproduces the counts exactly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHistogram, recordedValues, recordValue } from "./hdr_histogram.ts";
 * const h = createHistogram();
 * recordValue(h, 7, 2);
 * recordValue(h, 123_500); // kept as 123 456..123 519: 3 significant digits
 * assert.deepEqual(recordedValues(h), [[7, 2], [123_456, 1]]);
 * ```
 */
export function recordedValues(h: HdrHistogram): [number, number][] {
  const out: [number, number][] = [];
  const counts = h.counts;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0) out.push([lowestAt(h, i), c]);
  }
  return out;
}

/**
 * Adds every count of `from` into `into` (same digits and highest value), exactly: the result
 * is the histogram one would have got recording both sets of values into one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHistogram, mergeHistograms, recordValue } from "./hdr_histogram.ts";
 * const a = createHistogram();
 * const b = createHistogram();
 * recordValue(a, 5);
 * recordValue(b, 700);
 * assert.ok(mergeHistograms(a, b).ok);
 * assert.deepEqual([a.count, a.min, a.max, a.sum], [2, 5, 700, 705]);
 * const other = createHistogram(2);
 * const r = mergeHistograms(a, other);
 * assert.ok(!r.ok && r.code === "HDR_CONFIG_MISMATCH");
 * ```
 */
export function mergeHistograms(into: HdrHistogram, from: HdrHistogram): HdrResult<HdrHistogram> {
  if (into.digits !== from.digits || into.highest !== from.highest) {
    return {
      ok: false,
      code: HdrErrorCode.HDR_CONFIG_MISMATCH,
      message: `cannot merge a ${from.digits}-digit histogram up to ${from.highest} into a ` +
        `${into.digits}-digit one up to ${into.highest}`,
    };
  }
  if (from.count === 0) return { ok: true, value: into };
  const a = into.counts;
  const b = from.counts;
  for (let i = 0; i < b.length; i++) {
    const n = b[i] ?? 0;
    if (n !== 0) a[i] = (a[i] ?? 0) + n;
  }
  into.min = into.count === 0 ? from.min : Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  into.count += from.count;
  into.sum += from.sum;
  into.clamped += from.clamped;
  return { ok: true, value: into };
}

/**
 * The JSON form of a histogram. `buckets` lists the non-empty buckets as pairs
 * `[indexDelta, count, indexDelta, count, …]`, each index relative to the previous pair's
 * (the first to 0). Values are in the histogram's unit (microseconds in ppcat bench).
 */
export interface HdrHistogramJson {
  /** Significant decimal digits. */
  readonly digits: number;
  /** Highest trackable value. */
  readonly highest: number;
  /** Number of values recorded. */
  readonly count: number;
  /** Exact minimum (0 when empty). */
  readonly min: number;
  /** Exact maximum (0 when empty). */
  readonly max: number;
  /** Exact sum. */
  readonly sum: number;
  /** Values clamped to `highest`. */
  readonly clamped: number;
  /** Delta-coded non-empty buckets. */
  readonly buckets: readonly number[];
}

/**
 * Serialises a histogram to its compact, lossless JSON form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHistogram, histogramToJson, recordValue } from "./hdr_histogram.ts";
 * const h = createHistogram();
 * recordValue(h, 3);
 * recordValue(h, 3);
 * recordValue(h, 10);
 * assert.deepEqual(histogramToJson(h), {
 *   digits: 3, highest: 60_000_000, count: 3, min: 3, max: 10, sum: 16, clamped: 0,
 *   buckets: [3, 2, 7, 1],
 * });
 * ```
 */
export function histogramToJson(h: HdrHistogram): HdrHistogramJson {
  const buckets: number[] = [];
  let last = 0;
  const counts = h.counts;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    buckets.push(i - last, counts[i] ?? 0);
    last = i;
  }
  return {
    digits: h.digits,
    highest: h.highest,
    count: h.count,
    min: h.min,
    max: h.max,
    sum: h.sum,
    clamped: h.clamped,
    buckets,
  };
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Reads the JSON form back, checking every field; `HDR_BAD_JSON` when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   createHistogram, histogramFromJson, histogramToJson, recordValue, valueAtPercentile,
 * } from "./hdr_histogram.ts";
 * const h = createHistogram();
 * for (const v of [120, 950, 4600, 4600]) recordValue(h, v);
 * const back = histogramFromJson(JSON.parse(JSON.stringify(histogramToJson(h))));
 * assert.ok(back.ok);
 * assert.equal(valueAtPercentile(back.value, 99), valueAtPercentile(h, 99));
 * assert.equal(histogramFromJson({ digits: 3 }).ok, false);
 * ```
 */
export function histogramFromJson(json: unknown): HdrResult<HdrHistogram> {
  const bad = (why: string): HdrResult<HdrHistogram> => ({
    ok: false,
    code: HdrErrorCode.HDR_BAD_JSON,
    message: `not a histogram: ${why}`,
  });
  if (json === null || typeof json !== "object") return bad("not an object");
  const j = json as Record<string, unknown>;
  for (const key of ["digits", "highest", "count", "min", "max", "sum", "clamped"]) {
    if (!isCount(j[key])) return bad(`"${key}" is not a non-negative integer`);
  }
  const digits = j.digits as number;
  const highest = j.highest as number;
  if (digits < 1 || digits > 5) return bad(`"digits" ${digits} is not 1..5`);
  if (highest < 2 || highest > HDR_MAX_HIGHEST) return bad(`"highest" ${highest} is out of range`);
  if (!Array.isArray(j.buckets) || j.buckets.length % 2 !== 0) {
    return bad('"buckets" is not a list of [delta, count] pairs');
  }
  const h = createHistogram(digits, highest);
  let index = 0;
  let total = 0;
  for (let i = 0; i < j.buckets.length; i += 2) {
    const delta = j.buckets[i];
    const count = j.buckets[i + 1];
    if (!isCount(delta) || !isCount(count)) return bad(`bucket pair ${i / 2} is not two counts`);
    index += delta;
    if (index >= h.counts.length) return bad(`bucket index ${index} is out of range`);
    h.counts[index] = (h.counts[index] ?? 0) + count;
    total += count;
  }
  if (total !== j.count) return bad(`the buckets hold ${total} values, "count" says ${j.count}`);
  h.count = total;
  h.min = j.min as number;
  h.max = j.max as number;
  h.sum = j.sum as number;
  h.clamped = j.clamped as number;
  return { ok: true, value: h };
}
