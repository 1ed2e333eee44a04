import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type BenchResult,
  benchResult,
  type BenchTotals,
  createBenchHistograms,
  mergeBenchResults,
  parseBenchResult,
} from "./result.ts";
import { createHistogram, recordValue, valueAtPercentile } from "./hdr_histogram.ts";
import { createPrng } from "../_prng.ts";

function totals(seed: number): BenchTotals {
  const rng = createPrng(seed);
  const n = (max: number) => Math.floor(rng.next() * max);
  return {
    opened: 10 + n(100),
    failed: n(5),
    closed: 10,
    concurrency: 10 + n(10),
    rampUpSeconds: rng.next(),
    durationSeconds: 5 + rng.next(),
    elapsedSeconds: 7,
    bytes: { sent: n(1e9), received: n(1e9) },
    messages: { sent: n(1e6), received: n(1e6) },
    steadyBytes: { sent: n(1e9), received: n(1e9) },
    steadyMessages: { sent: n(1e6), received: n(1e6) },
    error: null,
  };
}

/** A run whose message latencies are `samples`, through JSON as `ppcat bench --json` prints it. */
function run(seed: number, samples: number[]): BenchResult {
  const h = createBenchHistograms();
  for (const s of samples) recordValue(h.message, s);
  recordValue(h.connect, 100 + seed);
  const parsed = parseBenchResult(JSON.parse(JSON.stringify(benchResult(totals(seed), h))));
  assert.ok(parsed.ok);
  return parsed.value;
}

describe("bench results", () => {
  it("merging two JSON results equals one histogram of all samples, and sums the counts", () => {
    const rng = createPrng(99);
    const a = Array.from({ length: 5000 }, () => Math.floor(500 + rng.next() * 5000));
    const b = Array.from({ length: 3000 }, () => Math.floor(2000 + rng.next() * 50_000));
    const ra = run(1, a);
    const rb = run(2, b);
    const merged = mergeBenchResults([ra, rb], [50, 90, 99, 99.9, 100]);
    assert.ok(merged.ok);
    const m = merged.value;

    const all = createHistogram();
    for (const s of [...a, ...b]) recordValue(all, s);
    for (const p of [50, 90, 99, 99.9, 100]) {
      assert.equal(m.latencyMs.message![`p${p}`], Math.round(valueAtPercentile(all, p)) / 1000);
    }
    assert.equal(m.histograms.message.count, a.length + b.length);
    assert.equal(m.histograms.message.sum, [...a, ...b].reduce((x, y) => x + y, 0));
    assert.equal(m.histograms.connect.count, 2);

    assert.equal(m.connections.opened, ra.connections.opened + rb.connections.opened);
    assert.equal(m.connections.failed, ra.connections.failed + rb.connections.failed);
    assert.equal(m.bytes.sent, ra.bytes.sent + rb.bytes.sent);
    assert.equal(m.bytes.received, ra.bytes.received + rb.bytes.received);
    assert.equal(m.messages.sent, ra.messages.sent + rb.messages.sent);
    assert.equal(m.durationSeconds, Math.max(ra.durationSeconds, rb.durationSeconds));
    assert.ok(Math.abs(m.mbps.down - (ra.mbps.down + rb.mbps.down)) < 0.002);
    const c = ra.connections.concurrency + rb.connections.concurrency;
    assert.ok(Math.abs(m.mbps.perChannel - (m.mbps.down + m.mbps.up) / c) < 0.002);
    assert.equal(m.runs, 2);
  });

  it("merging is order-independent and merging one result changes nothing", () => {
    const ra = run(3, [1000, 2000, 3000]);
    const rb = run(4, [40_000]);
    const ab = mergeBenchResults([ra, rb]);
    const ba = mergeBenchResults([rb, ra]);
    assert.ok(ab.ok && ba.ok);
    assert.deepEqual(ab.value.histograms, ba.value.histograms);
    assert.deepEqual(ab.value.latencyMs, ba.value.latencyMs);
    const one = mergeBenchResults([ra]);
    assert.ok(one.ok);
    assert.deepEqual(one.value.histograms, ra.histograms);
    assert.deepEqual(one.value.latencyMs, ra.latencyMs);
  });

  it("refuses results with histograms of different precision", () => {
    const h = createBenchHistograms(2);
    const coarse = benchResult(totals(5), h);
    const r = mergeBenchResults([run(6, [1]), coarse]);
    assert.ok(!r.ok);
    assert.equal(r.code, "HDR_CONFIG_MISMATCH");
    assert.equal(mergeBenchResults([]).ok, false);
  });

  it("rejects what is not a result", () => {
    const good = run(7, [5]);
    for (
      const bad of [
        null,
        {},
        { ...good, bytes: { sent: "1", received: 0 } },
        { ...good, latencyPercentiles: [101] },
        { ...good, histograms: { ...good.histograms, message: { digits: 3 } } },
      ]
    ) {
      assert.equal(parseBenchResult(bad).ok, false, JSON.stringify(bad)?.slice(0, 80));
    }
  });
});
