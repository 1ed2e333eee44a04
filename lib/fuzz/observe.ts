/**
 * The network half of `ppcat fuzz` for one case: drives one
 * {@linkcode FuzzCase} against a target over lib/transport.ts and reports
 * what the target did as an {@linkcode Observation} (judged by
 * lib/fuzz/verdict.ts). Acceptance is read by the detector of the
 * {@linkcode ObserveMode} (detectors.ts); this file owns the connection,
 * the timers, and §2's rule about bytes sent before the header is complete.
 *
 * Every case uses exactly one connection, every wait is bounded by the
 * case's window, and the connection and every timer are closed before the
 * promise settles.
 *
 * @module
 */

import { concatBytes } from "../_bytes.ts";
import {
  type Conn,
  type ConnectOptions,
  formatAddr,
  getTransport,
  type Target,
  TransportError,
} from "../transport.ts";
import { toTransportError } from "../transport_error.ts";
import type { FuzzCase } from "./case.ts";
import { type End, type ObserveMode, type Reading, replyLine } from "./detector.ts";
import { detectorFor } from "./detectors.ts";
import { MARKER_DELAY_MS, writePlan } from "./plan.ts";
import type { Observation, Outcome } from "./verdict.ts";

/**
 * Default window of a case that gets an answer (all but the held ones):
 * milliseconds from the start of connecting until the runner stops waiting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_DEADLINE_MS } from "./observe.ts";
 * import { MIN_HEADER_TIMEOUT_MS } from "../transport.ts";
 * // Longer than the shortest header timeout, so a prompt refusal is never cut off.
 * assert.ok(DEFAULT_DEADLINE_MS > MIN_HEADER_TIMEOUT_MS);
 * ```
 */
export const DEFAULT_DEADLINE_MS = 5000;

/**
 * Bytes the target sends before the header is complete that are neither an
 * echo of ours nor a recognisable refusal: if the target closes within this
 * many ms it was an error reply sent while closing (`error-reply`),
 * otherwise it spoke first (§2: "MUST NOT start processing the connection
 * before it receives a complete and valid PROXY protocol header").
 */
export const PRE_HEADER_GRACE_MS = 250;

/** After a failed write, how long the reader may take to report the close or reset. */
export const WRITE_ERROR_GRACE_MS = 1000;

// Received bytes kept per connection; the rest is counted but dropped.
const KEEP_MAX = 256 * 1024;
const READ_SIZE = 64 * 1024;

/** A byte buffer that grows up to {@linkcode KEEP_MAX} bytes. */
class Bytes {
  data = new Uint8Array(256);
  length = 0;
  /** Milliseconds (since connecting) when the first byte arrived; -1 before. */
  firstAt = -1;

  push(chunk: Uint8Array, at: number): void {
    if (this.firstAt < 0) this.firstAt = at;
    const n = Math.min(KEEP_MAX - this.length, chunk.length);
    if (n <= 0) return;
    if (this.length + n > this.data.length) {
      let size = this.data.length;
      while (size < this.length + n) size *= 2;
      const next = new Uint8Array(Math.min(size, KEEP_MAX));
      next.set(this.view());
      this.data = next;
    }
    this.data.set(chunk.subarray(0, n), this.length);
    this.length += n;
  }

  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }
}

/** Options for {@linkcode observeCase}. */
export interface ObserveOptions {
  /** Where the receiver listens: host and port, or a UNIX socket path. */
  readonly target: Target;
  /** How acceptance is detected; default `echo`. */
  readonly mode?: ObserveMode;
  /**
   * Milliseconds from the start of connecting until the runner stops waiting
   * and reports `timeout` (the case's window); default {@linkcode DEFAULT_DEADLINE_MS}.
   */
  readonly deadlineMs?: number;
  /** Pause between the header and a separate probe; default `MARKER_DELAY_MS` (100). */
  readonly markerDelayMs?: number;
  /** `http` mode: the Host header; default the target's host name ("localhost" for UNIX). */
  readonly httpHost?: string;
  /** Stops the case at once (it then reports `aborted`). */
  readonly signal?: AbortSignal;
  /** Opens the connection; default the running runtime's transport (tests inject fakes). */
  readonly connect?: (options: ConnectOptions) => Promise<Conn>;
}

/** What {@linkcode observeCase} found. */
export type CaseRun =
  /** The case ran: what the target did. */
  | { readonly status: "done"; readonly observation: Observation }
  /** The connection could not be opened: the case did not run. */
  | { readonly status: "error"; readonly error: TransportError }
  /** The signal fired before the case finished. */
  | { readonly status: "aborted" };

type Decision = {
  outcome: Outcome;
  at: number;
  spokeFirst?: boolean;
  payloadIntact?: boolean;
};

/**
 * The Host header http mode sends to `target` by default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultHost } from "./observe.ts";
 * assert.equal(defaultHost({ hostname: "::1", port: 80 }), "[::1]");
 * assert.equal(defaultHost({ path: "/run/x.sock" }), "localhost");
 * ```
 */
export function defaultHost(target: Target): string {
  if ("path" in target) return "localhost";
  return target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname;
}

/**
 * Runs one case against a target and reports what the target did: one
 * connection, the case's writes per its delivery (plan.ts `writePlan`)
 * followed by the mode's probe, then the first of: acceptance (per the
 * mode's detector), an error reply, a FIN (`closed`), a RST (`reset`), or
 * the end of the window (`timeout`). `afterMs` counts from the start of
 * connecting. Bytes the target sends before the header's last byte is
 * written set `spokeFirst` (outcome `accepted`), unless they are a refusal
 * in the mode's protocol or are followed by a close within
 * {@linkcode PRE_HEADER_GRACE_MS} (`error-reply`). Rejects only for a
 * non-positive `deadlineMs` (RangeError); connection failures are a
 * `status: "error"` result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { observeCase } from "./observe.ts";
 * import { acceptProxy } from "../server.ts";
 * import { getTransport } from "../transport.ts";
 * // An echo service behind ppcat's own receiver.
 * const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
 * const served = (async () => {
 *   for (let i = 0; i < 2; i++) {
 *     const r = await acceptProxy((await listener.accept())!);
 *     if (!r.ok) continue;
 *     const buf = new Uint8Array(1024);
 *     for (let n = await r.conn.read(buf); n !== null; n = await r.conn.read(buf)) {
 *       await r.conn.write(buf.subarray(0, n));
 *     }
 *     r.conn.close();
 *   }
 * })();
 * const target = { hostname: "127.0.0.1", port: (listener.addr as { port: number }).port };
 * const good = await observeCase(catalogCase("v2-tcp4")!, { target, deadlineMs: 2000 });
 * assert.equal(good.status === "done" && good.observation.outcome, "accepted");
 * const bad = await observeCase(catalogCase("v1-ipv4-leading-zero-source")!, { target });
 * assert.equal(bad.status === "done" && bad.observation.outcome, "closed");
 * await served;
 * listener.close();
 * ```
 */
export async function observeCase(c: FuzzCase, options: ObserveOptions): Promise<CaseRun> {
  const mode = options.mode ?? "echo";
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  if (!(Number.isFinite(deadlineMs) && deadlineMs > 0)) {
    throw new RangeError(`deadlineMs ${deadlineMs} is not a positive number`);
  }
  const signal = options.signal;
  if (signal?.aborted) return { status: "aborted" };
  const truncated = c.delivery.kind === "truncated";
  const sent: Uint8Array[] = [];
  let sentAll: Uint8Array | null = null;
  const allSent = () => (sentAll ??= concatBytes(sent));
  const detector = detectorFor(mode, {
    afterHeader: c.afterHeader,
    sendsProbe: c.marker !== "none",
    httpHost: options.httpHost ?? defaultHost(options.target),
    sent: allSent,
  });
  const probe = detector.probe;
  const plan = writePlan(c, probe, options.markerDelayMs ?? MARKER_DELAY_MS);
  const writes = probe.length === 0 ? plan.writes.filter((w) => w.bytes.length > 0) : plan.writes;
  const probeWrites = !truncated && c.marker === "separate" && probe.length > 0 ? 1 : 0;
  // The write holding the header's last byte; -1 when the header never completes.
  const lastHeaderWrite = truncated ? -1 : writes.length - 1 - probeWrites;

  const started = performance.now();
  const now = () => performance.now() - started;
  const conn = await openConn(options.target, deadlineMs, options.connect, signal);
  if (signal?.aborted) {
    if (!(conn instanceof TransportError)) conn.close();
    return { status: "aborted" };
  }
  if (conn instanceof TransportError) return { status: "error", error: conn };

  const pre = new Bytes(); // received before the header's last byte was written
  const post = new Bytes(); // received after
  let complete = false;
  let decided = false;
  let aborted = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const sleepers = new Set<() => void>();
  let resolveDone!: (d: Decision | null) => void;
  const done = new Promise<Decision | null>((resolve) => (resolveDone = resolve));

  // Timers may fire a little early (Bun): re-armed until their time has really passed, so a
  // window or a settle time is never reported shorter than it is.
  const timer = (ms: number, fn: () => void) => {
    const due = now() + ms;
    const arm = (wait: number) => {
      const t = setTimeout(() => {
        timers.delete(t);
        const left = due - now();
        if (left > 0) arm(Math.ceil(left));
        else fn();
      }, Math.max(0, wait));
      timers.add(t);
    };
    arm(ms);
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        sleepers.delete(wake);
        resolve();
      };
      sleepers.add(wake);
      timer(ms, wake);
    });
  const decide = (d: Decision | null) => {
    if (decided) return;
    decided = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const wake of [...sleepers]) wake();
    conn.close();
    resolveDone(d);
  };
  const onAbort = () => {
    aborted = true;
    decide(null);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const write = async (bytes: Uint8Array): Promise<boolean> => {
    sent.push(bytes);
    sentAll = null;
    try {
      await conn.write(bytes);
      return true;
    } catch {
      if (decided) return false;
      // The target closed or reset: the reader reports which; if it stays silent, reset.
      const failedAt = now();
      timer(WRITE_ERROR_GRACE_MS, () => {
        if (pre.firstAt >= 0 || post.firstAt >= 0) finish("reset");
        else decide({ outcome: "reset", at: failedAt });
      });
      return false;
    }
  };

  // Bytes received before the header was complete: §2's MUST NOT, unless they are a refusal.
  let graceArmed = false;
  const judgePre = (end: End): void => {
    const at = pre.firstAt;
    const spoke = (): Decision => ({ outcome: "accepted", at, spokeFirst: true });
    const early = detector.beforeHeader(pre.view(), end);
    if (early === "refused") return decide({ outcome: "error-reply", at });
    if (early === "spoke") return decide(spoke());
    if (end === "closed" || end === "reset") return decide({ outcome: "error-reply", at });
    if (end === "deadline") return decide(spoke());
    if (early === "wait") return;
    if (!graceArmed) {
      graceArmed = true;
      timer(at + PRE_HEADER_GRACE_MS - now(), () => decide(spoke()));
    }
  };

  // Bytes received after the header was complete: the detector reads them.
  const judgePost = (end: End): void => {
    const reading: Reading = detector.afterHeader(post.view(), end);
    switch (reading.kind) {
      case "wait":
        if (end !== "data") decide({ outcome: "error-reply", at: post.firstAt });
        return;
      case "send":
        if (end === "data") void write(reading.bytes);
        else decide({ outcome: "error-reply", at: post.firstAt });
        return;
      case "refused":
        return decide({ outcome: "error-reply", at: post.firstAt });
      case "accepted":
        return decide({
          outcome: "accepted",
          at: now(),
          ...(reading.payloadIntact !== undefined ? { payloadIntact: reading.payloadIntact } : {}),
        });
    }
  };

  const finish = (end: "closed" | "reset" | "deadline") => {
    if (decided) return;
    if (pre.firstAt >= 0) return judgePre(end);
    if (post.firstAt >= 0) return judgePost(end);
    decide({ outcome: end === "deadline" ? "timeout" : end, at: now() });
  };

  const reader = (async () => {
    const buf = new Uint8Array(READ_SIZE);
    for (;;) {
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch (e) {
        if (!decided) {
          const code = e instanceof TransportError ? e.code : toTransportError(e, "read", "").code;
          finish(code === "TIMEOUT" ? "deadline" : "reset");
        }
        return;
      }
      if (decided) return;
      if (n === null) return finish("closed");
      const chunk = buf.subarray(0, n);
      if (!complete || pre.firstAt >= 0) {
        pre.push(chunk, now());
        judgePre("data");
      } else {
        post.push(chunk, now());
        judgePost("data");
      }
    }
  })();

  const writer = (async () => {
    for (const [i, w] of writes.entries()) {
      if (w.delayMs > 0) await sleep(w.delayMs);
      if (decided) return;
      if (i === lastHeaderWrite) complete = true; // before the write: any answer comes after it
      if (!await write(w.bytes)) return;
    }
    if (decided) return;
    if (plan.then === "close") {
      try {
        await conn.closeWrite();
      } catch {
        // the reader reports what happened
      }
    }
    const settle = detector.settleMs;
    if (settle !== undefined && complete && !decided) {
      timer(settle, () => {
        if (pre.firstAt < 0 && post.firstAt < 0) decide({ outcome: "accepted", at: now() });
      });
    }
  })();

  timer(deadlineMs - now(), () => finish("deadline"));
  const decision = await done;
  signal?.removeEventListener("abort", onAbort);
  await Promise.allSettled([reader, writer]);
  if (aborted || decision === null) return { status: "aborted" };
  const received = pre.firstAt >= 0 ? pre.view() : post.view();
  const observation: Observation = {
    outcome: decision.outcome,
    afterMs: Math.max(0, Math.round(decision.at)),
    ...(decision.spokeFirst !== undefined ? { spokeFirst: decision.spokeFirst } : {}),
    ...(decision.payloadIntact !== undefined ? { payloadIntact: decision.payloadIntact } : {}),
    windowMs: deadlineMs,
    ...(received.length > 0 ? { reply: replyLine(received) } : {}),
  };
  return { status: "done", observation };
}

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}

/**
 * Checks once that the target accepts connections: one plain connect, closed
 * at once (nothing is sent). Resolves to null when it does, else the
 * {@linkcode TransportError} (e.g. `CONNECTION_REFUSED`, `TIMEOUT`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeTarget } from "./observe.ts";
 * import { getTransport } from "../transport.ts";
 * const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
 * const port = (listener.addr as { port: number }).port;
 * const accepted = listener.accept().then((c) => c?.close());
 * assert.equal(await probeTarget({ hostname: "127.0.0.1", port }, 2000), null);
 * await accepted;
 * listener.close();
 * const refused = await probeTarget({ hostname: "127.0.0.1", port }, 2000);
 * assert.equal(refused?.code, "CONNECTION_REFUSED");
 * ```
 */
export async function probeTarget(
  target: Target,
  timeoutMs: number,
  connect?: (options: ConnectOptions) => Promise<Conn>,
): Promise<TransportError | null> {
  const conn = await openConn(target, timeoutMs, connect);
  if (conn instanceof TransportError) return conn;
  conn.close();
  return null;
}

// One connection to `target` through `connect` (default: this runtime's transport); a failure
// is returned as the TransportError, never thrown.
async function openConn(
  target: Target,
  timeoutMs: number,
  connect: ((options: ConnectOptions) => Promise<Conn>) | undefined,
  signal?: AbortSignal,
): Promise<Conn | TransportError> {
  const open = connect ?? ((o: ConnectOptions) => getTransport().connect(o));
  try {
    return await open({ ...target, timeoutMs, ...signalOf(signal) });
  } catch (e) {
    return toTransportError(e, "connect", formatAddr(target));
  }
}
