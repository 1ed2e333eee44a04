/**
 * The load wing of ppcat: the engine behind `ppcat bench` (connections with a
 * PROXY header each, messages at a rate or as fast as possible, churn), the
 * source-address allocator, HDR latency histograms and the mergeable result
 * format. It uses the codec and the transports of lib/, never the CLI.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHistogram, recordValue, valueAtPercentile } from "./mod.ts";
 * const histogram = createHistogram();
 * for (let us = 1; us <= 100; us++) recordValue(histogram, us);
 * assert.equal(valueAtPercentile(histogram, 50), 50);
 * ```
 *
 * @module
 */

export * from "./engine.ts";
export * from "./hdr_histogram.ts";
export * from "./result.ts";
export * from "./source.ts";
export type { InetEndpoint } from "../header.ts";
