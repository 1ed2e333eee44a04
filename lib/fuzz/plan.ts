/**
 * The runner's write plan: how a {@linkcode FuzzCase} and the runner's probe
 * go on the wire ({@linkcode writePlan}), and how long delivering takes.
 *
 * @module
 */

import { concatBytes } from "../_bytes.ts";
import type { FuzzCase } from "./case.ts";

/** Pause between the header and a `separate` probe, unless the runner says otherwise. */
export const MARKER_DELAY_MS = 100;

/** One write of a {@linkcode WritePlan}. */
export interface FuzzWrite {
  /** Milliseconds to wait before this write (after the previous one, or after connecting). */
  readonly delayMs: number;
  /** The bytes to write. */
  readonly bytes: Uint8Array;
}

/** Exactly what the runner sends, and what it does after the last write. */
export interface WritePlan {
  /** The writes, in order. Empty when nothing is sent. */
  readonly writes: readonly FuzzWrite[];
  /**
   * After the last write: `await` the outcome (answer, close or deadline);
   * `hold` the connection open sending nothing until the target closes or
   * the deadline passes; `close` (half-close with a FIN), then await.
   */
  readonly then: "await" | "hold" | "close";
}

function headerChunks(c: FuzzCase): Uint8Array[] {
  const { bytes, delivery } = c;
  if (bytes.length === 0) return [];
  if (delivery.kind === "slow") return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  if (delivery.kind !== "fragments") return [bytes];
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const at of delivery.offsets) {
    chunks.push(bytes.subarray(start, at));
    start = at;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

function gapMs(c: FuzzCase): number {
  const d = c.delivery;
  return d.kind === "fragments" ? d.delayMs : d.kind === "slow" ? d.byteDelayMs : 0;
}

/**
 * Turns a case into writes: the header per its {@linkcode Delivery}, with
 * `afterHeader` appended to the header's last write, then the runner's
 * `marker` per {@linkcode FuzzCase.marker} (appended to that same write, or
 * its own write `markerDelayMs` later, or not at all).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { writePlan } from "./plan.ts";
 * const marker = new TextEncoder().encode("ppcat-marker");
 * const c = catalogCase("delivery-v2-fragmented-after-fixed-header")!;
 * const plan = writePlan(c, marker);
 * assert.deepEqual(plan.writes.map((w) => [w.delayMs, w.bytes.length]), [
 *   [0, 16], [200, 12], [100, marker.length],
 * ]);
 * assert.equal(plan.then, "await");
 * const held = writePlan(catalogCase("delivery-v2-truncated-at-16-hold")!, marker);
 * assert.deepEqual(held.writes.map((w) => w.bytes.length), [16]);
 * assert.equal(held.then, "hold");
 * ```
 */
export function writePlan(
  c: FuzzCase,
  marker: Uint8Array,
  markerDelayMs: number = MARKER_DELAY_MS,
): WritePlan {
  const chunks = headerChunks(c);
  const tail = c.marker === "same-write" ? concatBytes([c.afterHeader, marker]) : c.afterHeader;
  if (tail.length > 0) {
    if (chunks.length === 0) chunks.push(tail);
    else chunks[chunks.length - 1] = concatBytes([chunks[chunks.length - 1]!, tail]);
  }
  const gap = gapMs(c);
  const writes: FuzzWrite[] = chunks.map((bytes, i) => ({ delayMs: i === 0 ? 0 : gap, bytes }));
  if (c.marker === "separate") {
    writes.push({ delayMs: writes.length === 0 ? 0 : markerDelayMs, bytes: marker });
  }
  const then = c.delivery.kind === "truncated" ? c.delivery.then : "await";
  return { writes, then };
}

/**
 * How long delivering the header itself takes (the sum of the pauses between
 * its writes): the runner's deadline for a case must exceed this plus the
 * time it waits for an outcome.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { deliveryDurationMs } from "./plan.ts";
 * assert.equal(deliveryDurationMs(catalogCase("v2-tcp4")!), 0);
 * assert.equal(deliveryDurationMs(catalogCase("delivery-v2-slowloris")!), 27 * 1000);
 * ```
 */
export function deliveryDurationMs(c: FuzzCase): number {
  const d = c.delivery;
  if (d.kind === "fragments") return d.offsets.length * d.delayMs;
  if (d.kind === "slow") return Math.max(0, c.bytes.length - 1) * d.byteDelayMs;
  return 0;
}
