/**
 * `ppcat bench`: the final summary in tcpkali's layout, and the live progress line.
 *
 * @module
 */

import type { BenchResult, LatencyKind, LatencyPercentiles } from "../lib/bench/result.ts";

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB (${bytes} bytes)`;
}

function fixed(x: number, digits: number): string {
  return Number(x.toFixed(digits)).toString();
}

const LATENCY_LABELS: Readonly<Record<LatencyKind, string>> = {
  connect: "TCP connect latency",
  firstByte: "First byte latency",
  message: "Message latency",
};

function latencyLine(kind: LatencyKind, p: LatencyPercentiles, ps: readonly number[]): string {
  if (p === null) return "";
  const values = ps.map((x) => fixed(p[`p${x}`] ?? 0, 3)).join("/");
  return `${LATENCY_LABELS[kind]} at percentiles: ${values} ms (${ps.join("/")}%)\n`;
}

/**
 * The summary of a result, laid out as tcpkali prints its own (plus connection counts and
 * latency lines for what was measured).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchResult, createBenchHistograms } from "../lib/bench/result.ts";
 * import { formatSummary } from "./bench_report.ts";
 * const r = benchResult({
 *   opened: 50, failed: 0, closed: 50, concurrency: 50, rampUpSeconds: 0.5, durationSeconds: 10,
 *   elapsedSeconds: 10.5, bytes: { sent: 203302768, received: 201660064 },
 *   messages: { sent: 1, received: 1 }, steadyBytes: { sent: 203302768, received: 201660064 },
 *   steadyMessages: { sent: 1, received: 1 }, error: null,
 * }, createBenchHistograms());
 * const text = formatSummary(r);
 * assert.match(text, /^Total data sent: {5}193\.9 MiB \(203302768 bytes\)$/m);
 * assert.match(text, /^Aggregate bandwidth: 161\.328↓, 162\.642↑ Mbps$/m);
 * assert.match(text, /^Test duration: 10 s\.$/m);
 * ```
 */
export function formatSummary(r: BenchResult): string {
  const perChannelKBps = r.mbps.perChannel * 1e6 / 8 / 1000;
  let out = `Total data sent:     ${mib(r.bytes.sent)}\n` +
    `Total data received: ${mib(r.bytes.received)}\n` +
    `Bandwidth per channel: ${fixed(r.mbps.perChannel, 3)}⇅ Mbps (${
      fixed(perChannelKBps, 1)
    } kBps)\n` +
    `Aggregate bandwidth: ${fixed(r.mbps.down, 3)}↓, ${fixed(r.mbps.up, 3)}↑ Mbps\n`;
  if (r.messages.sent > 0 || r.messages.received > 0) {
    out += `Message rate: ${fixed(r.messageRate.down, 1)}↓, ${
      fixed(r.messageRate.up, 1)
    }↑ msg/s (${r.messages.received}↓, ${r.messages.sent}↑ messages)\n`;
  }
  out += `Connections: ${r.connections.opened} opened, ${r.connections.failed} failed, ` +
    `${r.connections.closed} closed (${fixed(r.connections.perSecond, 1)}/s)\n`;
  for (const kind of ["connect", "firstByte", "message"] as const) {
    out += latencyLine(kind, r.latencyMs[kind], r.latencyPercentiles);
  }
  out += `Test duration: ${fixed(r.durationSeconds, 4)} s.\n`;
  return out;
}

/** Totals of all workers so far, for {@linkcode progressLine}. */
export interface ProgressTotals {
  /** Seconds since the start. */
  readonly elapsedSeconds: number;
  /** Connections open now. */
  readonly active: number;
  /** Connect failures so far. */
  readonly failed: number;
  /** Bytes sent so far. */
  readonly sent: number;
  /** Bytes received so far. */
  readonly received: number;
  /** Messages received so far. */
  readonly messages: number;
}

/**
 * One progress line (no newline): rates since the previous totals, like tcpkali's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressLine } from "./bench_report.ts";
 * const a = { elapsedSeconds: 1, active: 50, failed: 0, sent: 0, received: 0, messages: 0 };
 * const b = { ...a, elapsedSeconds: 2, sent: 125_000_000, received: 62_500_000, messages: 10 };
 * assert.equal(progressLine(a, b), "Traffic 500↓, 1000↑ Mbps (conns 50, failed 0; 10 msg/s) 2s");
 * ```
 */
export function progressLine(before: ProgressTotals, now: ProgressTotals): string {
  const dt = Math.max(1e-3, now.elapsedSeconds - before.elapsedSeconds);
  const down = (now.received - before.received) * 8 / dt / 1e6;
  const up = (now.sent - before.sent) * 8 / dt / 1e6;
  const msgs = (now.messages - before.messages) / dt;
  return `Traffic ${fixed(down, 3)}↓, ${fixed(up, 3)}↑ Mbps ` +
    `(conns ${now.active}, failed ${now.failed}; ${fixed(msgs, 0)} msg/s) ` +
    `${Math.round(now.elapsedSeconds)}s`;
}
