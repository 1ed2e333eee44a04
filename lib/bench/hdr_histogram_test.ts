import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createHistogram,
  histogramFromJson,
  histogramToJson,
  mergeHistograms,
  recordValue,
  valueAtPercentile,
} from "./hdr_histogram.ts";
import { createPrng } from "../_prng.ts";

/** The exact value at percentile p of sorted values, by the same rank rule. */
function exactAt(sorted: readonly number[], p: number): number {
  if (p <= 0) return sorted[0] ?? 0;
  const rank = Math.max(1, Math.ceil(p / 100 * sorted.length - 1e-9));
  return sorted[rank - 1] ?? 0;
}

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100];

/** Values spread over many orders of magnitude (log-uniform), like latencies. */
function samples(seed: number, n: number, highest: number): number[] {
  const rng = createPrng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(Math.floor(Math.exp(rng.next() * Math.log(highest))));
  }
  return out;
}

describe("hdr histogram", () => {
  for (const digits of [1, 2, 3, 4]) {
    it(`keeps ${digits} significant digits against a brute-force sort`, () => {
      const highest = 60_000_000;
      const values = samples(digits * 7919, 20_000, highest);
      const h = createHistogram(digits, highest);
      for (const v of values) recordValue(h, v);
      const sorted = [...values].sort((a, b) => a - b);
      assert.equal(h.count, values.length);
      assert.equal(h.min, sorted[0]);
      assert.equal(h.max, sorted[sorted.length - 1]);
      assert.equal(h.sum, values.reduce((a, b) => a + b, 0));
      for (const p of PERCENTILES) {
        const exact = exactAt(sorted, p);
        const got = valueAtPercentile(h, p);
        // Never below the exact value, and within the promised relative precision above it.
        assert.ok(got >= exact, `p${p}: ${got} < exact ${exact}`);
        assert.ok(
          got - exact <= Math.max(1, exact * 2 * 10 ** -digits),
          `p${p}: ${got} too far above exact ${exact} for ${digits} digits`,
        );
      }
    });
  }

  it("is exact for small values (unit resolution below 2·10^digits)", () => {
    const h = createHistogram(3);
    const values = samples(42, 5000, 2000);
    for (const v of values) recordValue(h, v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of PERCENTILES) assert.equal(valueAtPercentile(h, p), exactAt(sorted, p), `p${p}`);
    assert.equal(h.sum / h.count, values.reduce((a, b) => a + b, 0) / values.length);
  });

  it("clamps values above the highest trackable value and below zero", () => {
    const h = createHistogram(3, 10_000);
    recordValue(h, -5);
    recordValue(h, 20_000);
    assert.equal(h.clamped, 1);
    assert.equal(h.min, 0);
    assert.equal(h.max, 10_000);
    assert.equal(valueAtPercentile(h, 100), 10_000);
    assert.equal(valueAtPercentile(h, 50), 0);
  });

  it("merges exactly: two halves equal the whole", () => {
    const values = samples(7, 10_000, 5_000_000);
    const whole = createHistogram();
    const a = createHistogram();
    const b = createHistogram();
    values.forEach((v, i) => {
      recordValue(whole, v);
      recordValue(i % 3 === 0 ? a : b, v);
    });
    const merged = mergeHistograms(a, b);
    assert.ok(merged.ok);
    assert.deepEqual(histogramToJson(merged.value), histogramToJson(whole));
    for (const p of PERCENTILES) {
      assert.equal(valueAtPercentile(merged.value, p), valueAtPercentile(whole, p));
    }
  });

  it("merges into an empty histogram and from one", () => {
    const a = createHistogram();
    const b = createHistogram();
    recordValue(b, 77);
    assert.ok(mergeHistograms(a, b).ok);
    assert.deepEqual([a.count, a.min, a.max], [1, 77, 77]);
    assert.ok(mergeHistograms(a, createHistogram()).ok);
    assert.deepEqual([a.count, a.min, a.max], [1, 77, 77]);
  });

  it("refuses to merge different configurations", () => {
    const r = mergeHistograms(createHistogram(3), createHistogram(3, 1000));
    assert.ok(!r.ok);
    assert.equal(r.code, "HDR_CONFIG_MISMATCH");
  });

  it("round-trips through JSON losslessly", () => {
    const h = createHistogram(2, 1_000_000);
    for (const v of samples(3, 3000, 1_000_000)) recordValue(h, v);
    const text = JSON.stringify(histogramToJson(h));
    const back = histogramFromJson(JSON.parse(text));
    assert.ok(back.ok);
    assert.deepEqual(back.value.counts, h.counts);
    assert.deepEqual(histogramToJson(back.value), histogramToJson(h));
    // Compact: far fewer numbers than values.
    assert.ok(histogramToJson(h).buckets.length < 3000);
  });

  it("rejects malformed JSON with a stable code", () => {
    const good = histogramToJson(createHistogram());
    for (
      const bad of [
        null,
        "x",
        { ...good, digits: 9 },
        { ...good, count: -1 },
        { ...good, buckets: [1] },
        { ...good, buckets: [1e9, 1], count: 1 },
        { ...good, buckets: [1, 2], count: 3 },
        { ...good, buckets: [0.5, 1], count: 1 },
      ]
    ) {
      const r = histogramFromJson(bad);
      assert.ok(!r.ok, JSON.stringify(bad));
      assert.equal(r.code, "HDR_BAD_JSON");
    }
  });
});
