/**
 * `ppcat listen`: what the listener saw, tallied from its own events, for the `summary` event
 * at the stop; and the `--oneline` view, which folds a connection's events into one.
 *
 * @module
 */

import type {
  ConnectionEvent,
  EndpointJson,
  HeaderEvent,
  ListenEvent,
  RejectReason,
  SummaryEvent,
} from "./listen_events.ts";

/** Counts events as they go by. */
export interface Tally {
  /** Counts one event. */
  see(event: ListenEvent): void;
  /** The summary event so far. */
  summary(reason: string, dropped: number): SummaryEvent;
}

/**
 * A new {@linkcode Tally}, started now. `udp`: every datagram counts as a connection, rejected
 * ones too (they have no `accept` event).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTally } from "./listen_summary.ts";
 * const tally = createTally();
 * const time = "2026-01-01T00:00:00.000Z";
 * const peer = { address: "127.0.0.1", port: 1 };
 * tally.see({ event: "accept", time, id: 1, peer, local: peer });
 * tally.see({
 *   event: "header", time, id: 1, peer, headerMs: 1, untrusted: false, header: null,
 * });
 * tally.see({ event: "close", time, id: 1, in: 5, out: 5, durationMs: 1, error: null });
 * tally.see({ event: "accept", time, id: 2, peer, local: peer });
 * tally.see({
 *   event: "reject", time, id: 2, peer, reason: "invalid", code: "NOT_PROXY", message: "",
 *   offset: 0, afterMs: 0, received: 3,
 * });
 * const s = tally.summary("SIGINT", 0);
 * assert.deepEqual([s.connections, s.served, s.rejected, s.in], [2, 1, { invalid: 1 }, 5]);
 * ```
 */
export function createTally(udp = false): Tally {
  const started = performance.now();
  let connections = 0;
  let served = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  const rejected: Partial<Record<RejectReason, number>> = {};
  return {
    see(event) {
      switch (event.event) {
        case "accept":
          connections++;
          break;
        case "header":
          served++;
          break;
        case "reject":
          if (udp) connections++;
          rejected[event.reason] = (rejected[event.reason] ?? 0) + 1;
          break;
        case "close":
          bytesIn += event.in;
          bytesOut += event.out;
          break;
        case "datagram":
          connections++;
          served++;
          bytesIn += event.payload;
          bytesOut += event.out;
          break;
        default:
          break;
      }
    },
    summary(reason, dropped) {
      return {
        event: "summary",
        time: new Date().toISOString(),
        reason,
        durationMs: Math.round(performance.now() - started),
        connections,
        served,
        rejected: { ...rejected },
        in: bytesIn,
        out: bytesOut,
        dropped,
      };
    },
  };
}

/**
 * The `--oneline` view: returns the event to print for `event`, or null while a connection is
 * still going. A connection prints once, as a `connection` event, when it ends or is rejected;
 * a datagram is one too; `listening` and `summary` pass through.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createOneline } from "./listen_summary.ts";
 * const fold = createOneline();
 * const time = "2026-01-01T00:00:00.000Z";
 * const peer = { address: "127.0.0.1", port: 1 };
 * assert.equal(fold({ event: "accept", time, id: 1, peer, local: peer }), null);
 * const e = fold({ event: "close", time, id: 1, in: 2, out: 2, durationMs: 3, error: null });
 * assert.equal(e?.event, "connection");
 * ```
 */
export function createOneline(): (event: ListenEvent) => ListenEvent | null {
  const open = new Map<number, { peer: EndpointJson; header?: HeaderEvent }>();
  return (event) => {
    switch (event.event) {
      case "accept":
        open.set(event.id, { peer: event.peer });
        return null;
      case "header": {
        const c = open.get(event.id);
        if (c !== undefined) c.header = event;
        return null;
      }
      case "data":
      case "dropped":
        return null;
      case "reject": {
        open.delete(event.id);
        return {
          event: "connection",
          time: event.time,
          id: event.id,
          peer: event.peer,
          header: null,
          reject: {
            reason: event.reason,
            code: event.code,
            message: event.message,
            offset: event.offset,
          },
          in: 0,
          out: 0,
          durationMs: event.afterMs,
          error: null,
        };
      }
      case "close": {
        const c = open.get(event.id);
        open.delete(event.id);
        const line: ConnectionEvent = {
          event: "connection",
          time: event.time,
          id: event.id,
          peer: c?.peer ?? { path: "" },
          header: c?.header?.header ?? null,
          reject: null,
          in: event.in,
          out: event.out,
          durationMs: event.durationMs,
          error: event.error,
        };
        if (c?.header?.tlvsOmitted !== undefined) line.tlvsOmitted = c.header.tlvsOmitted;
        return line;
      }
      case "datagram": {
        const line: ConnectionEvent = {
          event: "connection",
          time: event.time,
          id: event.id,
          peer: event.peer,
          header: event.header,
          reject: null,
          in: event.payload,
          out: event.out,
          durationMs: 0,
          error: null,
        };
        if (event.tlvsOmitted !== undefined) line.tlvsOmitted = event.tlvsOmitted;
        return line;
      }
      default:
        return event;
    }
  };
}
