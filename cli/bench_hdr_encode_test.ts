import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as hdr from "hdr-histogram-js";
import { createHistogram, recordedValues, recordValue } from "../lib/bench/hdr_histogram.ts";
import { encodeCompressedBase64 } from "./bench_hdr_encode.ts";

describe("HdrHistogram compressed encoding", () => {
  for (const digits of [1, 2, 3, 4] as const) {
    it(`hdr-histogram-js decodes it to the same counts (${digits} digits)`, () => {
      const h = createHistogram(digits);
      // Values over the whole trackable range, with runs of empty buckets between them.
      let seed = 7;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      for (let i = 0; i < 5000; i++) recordValue(h, Math.floor(Math.exp(next() * 21)), 1 + i % 3);
      recordValue(h, 0);
      recordValue(h, h.highest, 1 << 20);
      const decoded = hdr.decodeFromCompressedBase64(encodeCompressedBase64(h), 64, false);
      assert.equal(decoded.totalCount, h.count);
      assert.equal(decoded.numberOfSignificantValueDigits, digits);
      // The same counts per value as a histogram hdr-histogram-js recorded itself.
      const direct = hdr.build({
        bitBucketSize: 64,
        highestTrackableValue: h.highest,
        numberOfSignificantValueDigits: digits,
        useWebAssembly: false,
      });
      for (const [value, count] of recordedValues(h)) direct.recordValueWithCount(value, count);
      const table = (x: hdr.Histogram) =>
        x.outputPercentileDistribution().split("\n").filter((l) => !l.startsWith("#[Max"));
      assert.deepEqual(table(decoded), table(direct));
      for (const p of [1, 50, 99, 99.99]) {
        assert.equal(decoded.getValueAtPercentile(p), direct.getValueAtPercentile(p), `p${p}`);
      }
      direct.destroy();
      decoded.destroy();
    });
  }

  it("encodes an empty histogram", () => {
    const decoded = hdr.decodeFromCompressedBase64(encodeCompressedBase64(createHistogram()));
    assert.equal(decoded.totalCount, 0);
  });
});
