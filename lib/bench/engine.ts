/**
 * The load engine of `ppcat bench`: keeps `connections` connections open to a target (opening
 * at most `connectRate` per second, replacing those that end), sends each a fresh PROXY header,
 * an optional first message, then a message over and over: as fast as the socket takes it
 * (bulk), or `messageRate` times a second. Everything received is counted; with a rate, each
 * echoed message's round trip is measured from the time it was *scheduled* to be sent, so a
 * stalled sender shows up in the latencies instead of hiding them (no coordinated omission).
 *
 * Hot path: messages are never built one by one. The message is repeated into one immutable
 * buffer of about 256 KiB and written from there in large slices (tcpkali's write batching);
 * received bytes are only counted, and message boundaries found by arithmetic on the byte
 * counts, so no allocation happens per message in either direction.
 *
 * One engine is one event loop; `ppcat bench --workers N` runs N engines in N processes and merges
 * their results (lib/bench/result.ts).
 *
 * @module
 */

import { type BenchHistograms, type BenchTotals, createBenchHistograms } from "./result.ts";
import {
  benchConnect,
  type BenchConnectOptions,
  type BenchHandlers,
  type BenchSocket,
} from "./socket.ts";
import {
  createHistogram,
  HDR_DEFAULT_HIGHEST,
  type HdrHistogram,
  type HdrHistogramJson,
  histogramToJson,
  recordValue,
} from "./hdr_histogram.ts";
import { toTransportError } from "../transport_error.ts";

/** Everything one engine needs to know. */
export interface BenchPlan {
  /** Target host (address literal or name, no brackets). */
  readonly hostname: string;
  /** Target port. */
  readonly port: number;
  /** Connections to keep open at once. */
  readonly connections: number;
  /** New connections per second at most; `Infinity` for no limit. */
  readonly connectRate: number;
  /** Connect timeout, ms. */
  readonly connectTimeoutMs: number;
  /** Steady-state duration after ramp-up, ms. */
  readonly durationMs: number;
  /** The message sent repeatedly (may be empty: then only header and first message). */
  readonly message: Uint8Array;
  /** Sent once after the header (may be empty). */
  readonly firstMessage: Uint8Array;
  /** Messages per second per connection; 0: as fast as possible. */
  readonly messageRate: number;
  /** Close each connection this many ms after it opened (and open a new one); `Infinity`: never. */
  readonly channelLifetimeMs: number;
  /** Leave Nagle's algorithm on (no TCP_NODELAY). */
  readonly nagle: boolean;
  /**
   * Where a message's round trip starts (rate mode): when it was due ("schedule", no
   * coordinated omission) or when it was written ("write", as tcpkali measures). Default
   * "schedule".
   */
  readonly latencyFrom?: LatencyFrom;
  /** The header for connection number `index`, or null to send none. Called once per connection. */
  readonly header: (index: number) => Uint8Array | null;
  /** Connection numbers are `firstIndex`, `firstIndex + indexStep`, … (distinct across workers). */
  readonly firstIndex: number;
  /** See `firstIndex`. */
  readonly indexStep: number;
  /** Significant digits of the latency histograms. */
  readonly histogramDigits: number;
  /** After the run, how long to wait for echoes still in flight before closing, ms. */
  readonly drainMs: number;
  /** Called about once a second with the counts so far. */
  readonly onProgress?: (progress: BenchProgress) => void;
  /** Called once, when ramp-up is over. */
  readonly onRampedUp?: (connections: number, seconds: number) => void;
  /** Stops the run early (as if the duration were over). */
  readonly signal?: AbortSignal;
}

/** Where a message's latency is measured from; see {@linkcode BenchPlan.latencyFrom}. */
export type LatencyFrom = "schedule" | "write";

/** Connections opened by one call of the filler at most, so a huge `-c` never blocks timers. */
const OPEN_BATCH = 256;
/** Rate mode: connections served per event-loop turn before echoes are read (see tick). */
const TICK_BATCH = 4;

/** Counts so far, for a live progress line. */
export interface BenchProgress {
  /** "ramp-up", "steady" or "drain". */
  readonly phase: "ramp-up" | "steady" | "drain";
  /** Seconds since the start. */
  readonly elapsedSeconds: number;
  /** Connections open (or connecting) now. */
  readonly active: number;
  /** Connections opened so far. */
  readonly opened: number;
  /** Connect failures so far. */
  readonly failed: number;
  /** Bytes sent so far. */
  readonly sent: number;
  /** Bytes received so far. */
  readonly received: number;
  /** Messages received so far. */
  readonly messages: number;
  /** Rate mode: the message latencies (µs) recorded since the previous report, if any. */
  readonly messageInterval?: HdrHistogramJson;
}

/** What {@linkcode runBench} returns: the totals and the histograms (µs). */
export interface BenchOutcome {
  /** Counts, durations, the first error. */
  readonly totals: BenchTotals;
  /** Connect, first-byte and message latencies, µs. */
  readonly histograms: BenchHistograms;
}

/** Size the repeated-message buffer aims for: large writes, as tcpkali batches them. */
export const REPEAT_BUFFER_BYTES = 262144;

/**
 * `message` repeated into one buffer of about `target` bytes (a whole number of messages, at
 * least one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { repeatMessage } from "./engine.ts";
 * const b = repeatMessage(new TextEncoder().encode("PING\r\n"), 20);
 * assert.equal(new TextDecoder().decode(b), "PING\r\nPING\r\nPING\r\n");
 * assert.equal(repeatMessage(new Uint8Array(0), 20).length, 0);
 * ```
 */
export function repeatMessage(message: Uint8Array, target = REPEAT_BUFFER_BYTES): Uint8Array {
  if (message.length === 0) return new Uint8Array(0);
  const count = Math.max(1, Math.floor(target / message.length));
  const out = new Uint8Array(count * message.length);
  for (let i = 0; i < count; i++) out.set(message, i * message.length);
  return out;
}

const STAGE_HEADER = 0;
const STAGE_FIRST = 1;
const STAGE_MESSAGES = 2;
const STAGE_DONE = 3;

/** Runs one engine to completion; never rejects (connect errors are counted and reported). */
export function runBench(plan: BenchPlan): Promise<BenchOutcome> {
  return new Engine(plan).run();
}

class Engine {
  readonly plan: BenchPlan;
  readonly histograms: BenchHistograms;
  readonly repeat: Uint8Array;
  readonly msgLen: number;
  /** ms between two messages of one connection (rate mode), else 0. */
  readonly interval: number;
  /** Rate mode, latency from the write: each channel keeps its messages' write times. */
  readonly fromWrite: boolean;
  readonly channels = new Set<Channel>();
  /** Message latencies since the last progress report (interval logs). */
  readonly lastSecond: HdrHistogram;
  readonly start = performance.now();

  // counters
  active = 0;
  opened = 0;
  failed = 0;
  closed = 0;
  bytesSent = 0;
  bytesReceived = 0;
  messagesSent = 0;
  messagesReceived = 0;
  nextK = 0;
  error: { code: string; message: string } | null = null;

  // phases
  phase: "ramp-up" | "steady" | "drain" = "ramp-up";
  rampedAt = 0;
  stoppedAt = 0;
  steadyStart = { sent: 0, received: 0, msent: 0, mreceived: 0 };
  steadyEnd = { sent: 0, received: 0, msent: 0, mreceived: 0 };
  tokens = 1;
  lastRefill = 0;
  done: (() => void) | null = null;
  timers: ReturnType<typeof setTimeout>[] = [];
  ticker: ReturnType<typeof setInterval> | undefined;
  /** Rate mode: the connections the current tick has still to serve, or null between ticks. */
  pendingTick: Iterator<Channel> | null = null;
  readonly scheduleSomeBound = (): void => this.scheduleSome();
  /** The same for every connection, so made once. */
  readonly connectOptions: BenchConnectOptions;

  constructor(plan: BenchPlan) {
    this.plan = plan;
    this.histograms = createBenchHistograms(plan.histogramDigits);
    this.lastSecond = createHistogram(plan.histogramDigits, HDR_DEFAULT_HIGHEST);
    this.repeat = repeatMessage(plan.message);
    this.msgLen = plan.message.length;
    this.interval = plan.messageRate > 0 && this.msgLen > 0 ? 1000 / plan.messageRate : 0;
    this.fromWrite = this.interval > 0 && plan.latencyFrom === "write";
    this.lastRefill = this.start;
    this.connectOptions = {
      hostname: plan.hostname,
      port: plan.port,
      timeoutMs: plan.connectTimeoutMs,
      nagle: plan.nagle,
      bulk: this.interval === 0,
    };
  }

  run(): Promise<BenchOutcome> {
    const finished = new Promise<void>((resolve) => (this.done = resolve));
    const plan = this.plan;
    // Rate mode: a 1 ms ticker sends what is due (echo arrivals also trigger sends, so a
    // coarse timer does not delay messages). Otherwise a slower one tops up connections.
    this.ticker = setInterval(() => this.tick(), this.interval > 0 ? 1 : 5);
    this.timers.push(setInterval(() => this.progress(), 1000));
    // Ramp-up may not take longer than the duration itself; then the steady state starts.
    this.timers.push(setTimeout(() => this.rampedUp(), plan.durationMs));
    plan.signal?.addEventListener("abort", () => this.stop(), { once: true });
    if (plan.signal?.aborted) this.stop();
    else this.fill();
    return finished.then(() => this.outcome());
  }

  now(): number {
    return performance.now();
  }

  progress(): void {
    const h = this.lastSecond;
    let messageInterval: HdrHistogramJson | undefined;
    if (h.count > 0) {
      messageInterval = histogramToJson(h);
      h.counts.fill(0);
      h.count =
        h.min =
        h.max =
        h.sum =
        h.clamped =
          0;
    }
    this.plan.onProgress?.({
      ...(messageInterval !== undefined ? { messageInterval } : {}),
      phase: this.phase,
      elapsedSeconds: (this.now() - this.start) / 1000,
      active: this.active,
      opened: this.opened,
      failed: this.failed,
      sent: this.bytesSent,
      received: this.bytesReceived,
      messages: this.messagesReceived,
    });
  }

  snapshot(into: { sent: number; received: number; msent: number; mreceived: number }): void {
    into.sent = this.bytesSent;
    into.received = this.bytesReceived;
    into.msent = this.messagesSent;
    into.mreceived = this.messagesReceived;
  }

  rampedUp(): void {
    if (this.phase !== "ramp-up") return;
    this.phase = "steady";
    this.rampedAt = this.now();
    this.snapshot(this.steadyStart);
    this.plan.onRampedUp?.(this.opened, (this.rampedAt - this.start) / 1000);
    this.timers.push(setTimeout(() => this.stop(), this.plan.durationMs));
  }

  /** Opens connections until `connections` are active, within the connect rate. */
  fill(): void {
    const plan = this.plan;
    if (this.phase === "drain") return;
    // The rest of a large ramp-up continues from the ticker: timers (the -T cap, progress,
    // the stop) keep running while tens of thousands of connects are under way.
    for (let batch = 0; this.active < plan.connections && batch < OPEN_BATCH; batch++) {
      if (Number.isFinite(plan.connectRate)) {
        const now = this.now();
        this.tokens = Math.min(
          Math.max(1, plan.connectRate / 100),
          this.tokens + (now - this.lastRefill) * plan.connectRate / 1000,
        );
        this.lastRefill = now;
        if (this.tokens < 1) return;
        this.tokens -= 1;
      }
      this.open();
    }
  }

  open(): void {
    const plan = this.plan;
    const index = plan.firstIndex + this.nextK++ * plan.indexStep;
    const ch = new Channel(this, index);
    this.active++;
    benchConnect(this.connectOptions, ch).then(
      (socket) => ch.opened(socket),
      (e) => this.connectFailed(e),
    );
  }

  connectFailed(e: unknown): void {
    this.active--;
    this.failed++;
    if (this.error === null) {
      const t = toTransportError(e, "connect", `${this.plan.hostname}:${this.plan.port}`);
      this.error = { code: t.code, message: t.message };
    }
    // Nothing ever connected: the target is unreachable; do not retry for the whole duration.
    if (this.opened === 0 && this.phase !== "drain") this.stop();
    else this.checkDone();
  }

  channelOpened(): void {
    this.opened++;
    if (this.phase === "ramp-up" && this.opened >= this.plan.connections) this.rampedUp();
  }

  channelClosed(ch: Channel): void {
    this.channels.delete(ch);
    this.active--;
    this.closed++;
    if (this.phase === "drain") this.checkDone();
    else this.fill();
  }

  tick(): void {
    if (this.interval > 0 && this.phase !== "drain" && this.pendingTick === null) {
      this.pendingTick = this.channels.values();
      this.scheduleSome();
    }
    if (this.phase !== "drain" && this.active < this.plan.connections) this.fill();
  }

  /**
   * Rate mode: sends what is due on the next {@linkcode TICK_BATCH} connections, then lets the
   * event loop take the echoes in before the next batch. Writing every connection in one turn
   * would hold each echo until the last write of the turn, which the latency would count.
   */
  scheduleSome(): void {
    const it = this.pendingTick;
    if (it === null) return;
    if (this.phase === "drain") {
      this.pendingTick = null;
      return;
    }
    const now = this.now();
    for (let i = 0; i < TICK_BATCH; i++) {
      const next = it.next();
      if (next.done) {
        this.pendingTick = null;
        return;
      }
      next.value.schedule(now);
    }
    setImmediate(this.scheduleSomeBound);
  }

  stop(): void {
    if (this.phase === "drain") return;
    if (this.phase === "ramp-up") {
      this.rampedAt = this.now();
      this.snapshot(this.steadyStart);
    }
    this.phase = "drain";
    this.stoppedAt = this.now();
    this.snapshot(this.steadyEnd);
    for (const ch of this.channels) ch.finish();
    this.timers.push(setTimeout(() => {
      for (const ch of this.channels) ch.socket?.close();
    }, this.plan.drainMs));
    this.checkDone();
  }

  checkDone(): void {
    if (this.phase !== "drain" || this.active > 0 || this.done === null) return;
    clearInterval(this.ticker);
    for (const t of this.timers) clearTimeout(t);
    const done = this.done;
    this.done = null;
    done();
  }

  outcome(): BenchOutcome {
    const end = this.now();
    const steadyMs = Math.max(0, this.stoppedAt - this.rampedAt);
    const s0 = this.steadyStart;
    const s1 = this.steadyEnd;
    return {
      totals: {
        opened: this.opened,
        failed: this.failed,
        closed: this.closed,
        concurrency: this.plan.connections,
        rampUpSeconds: (this.rampedAt - this.start) / 1000,
        durationSeconds: steadyMs / 1000,
        elapsedSeconds: (end - this.start) / 1000,
        bytes: { sent: this.bytesSent, received: this.bytesReceived },
        messages: { sent: this.messagesSent, received: this.messagesReceived },
        steadyBytes: { sent: s1.sent - s0.sent, received: s1.received - s0.received },
        steadyMessages: { sent: s1.msent - s0.msent, received: s1.mreceived - s0.mreceived },
        error: this.error,
      },
      histograms: this.histograms,
    };
  }
}

/** One connection: what it still has to send, what it has received. */
class Channel implements BenchHandlers {
  readonly engine: Engine;
  readonly index: number;
  socket: BenchSocket | null = null;
  readonly connectStart: number;
  openedAt = 0;
  header: Uint8Array | null = null;
  stage = STAGE_HEADER;
  /** Offset into the header or first message being written. */
  offset = 0;
  /** Bytes of repeated messages still to write (Infinity in bulk mode). */
  owed = 0;
  /** Where in the repeated buffer the next write starts. */
  repeatAt = 0;
  /** Messages scheduled so far (rate mode). */
  scheduled = 0;
  /** Bytes of messages written. */
  payloadSent = 0;
  /** Header bytes matched against what comes back (an echo returns it); -1: decided. */
  headerMatch = -1;
  /** First-message bytes still to skip in what comes back. */
  skip = 0;
  /** Bytes of messages received. */
  payloadReceived = 0;
  /** Whole messages received. */
  messagesReceived = 0;
  /**
   * Write times of messages not yet echoed, a queue from `sentHead`; only with latency from the
   * write (null otherwise: nothing to hold per idle connection).
   */
  sentAt: number[] | null = null;
  sentHead = 0;
  gotFirstByte = false;
  finishing = false;
  lifetimer: ReturnType<typeof setTimeout> | undefined;

  constructor(engine: Engine, index: number) {
    this.engine = engine;
    this.index = index;
    this.connectStart = engine.now();
  }

  opened(socket: BenchSocket): void {
    const e = this.engine;
    this.socket = socket;
    // Connected after the end: not measured, but still a well-formed connection (header and
    // first message, then half-close), so the receiver logs no connection without a header.
    const late = e.phase === "drain";
    const now = e.now();
    this.openedAt = now;
    if (!late) recordValue(e.histograms.connect, (now - this.connectStart) * 1000);
    e.channels.add(this);
    e.channelOpened();
    this.header = e.plan.header(this.index);
    this.headerMatch = 0;
    if (this.header === null) this.headerSettled();
    this.skip = e.plan.firstMessage.length;
    this.stage = this.header === null ? STAGE_FIRST : STAGE_HEADER;
    if (late) {
      this.pump();
      this.finish();
      return;
    }
    this.owed = e.interval > 0 ? 0 : e.msgLen > 0 ? Infinity : 0;
    if (e.fromWrite) this.sentAt = [];
    const life = e.plan.channelLifetimeMs;
    if (Number.isFinite(life) && life > 0) {
      this.lifetimer = setTimeout(() => this.finish(), life);
    }
    this.pump();
    if (life === 0) this.finish();
  }

  /** Rate mode: adds the messages due by `now` to what is owed, then writes. */
  schedule(now: number): void {
    if (this.stage === STAGE_DONE || this.socket === null) return;
    const e = this.engine;
    const due = Math.floor((now - this.openedAt) / e.interval) + 1;
    if (due > this.scheduled) {
      this.owed += (due - this.scheduled) * e.msgLen;
      this.scheduled = due;
      this.pump();
    }
  }

  /** Writes as much as the socket takes. */
  pump(): void {
    const socket = this.socket;
    if (socket === null) return;
    const e = this.engine;
    for (;;) {
      if (this.stage === STAGE_HEADER) {
        const h = this.header!;
        // §2: the header goes out in one write; the kernel takes it whole on a fresh socket.
        const n = socket.write(h, this.offset, h.length - this.offset);
        if (n <= 0) return this.writeStalled(n);
        e.bytesSent += n;
        this.offset += n;
        if (this.offset < h.length) return;
        this.offset = 0;
        this.stage = STAGE_FIRST;
      } else if (this.stage === STAGE_FIRST) {
        const f = e.plan.firstMessage;
        if (this.offset < f.length) {
          const n = socket.write(f, this.offset, f.length - this.offset);
          if (n <= 0) return this.writeStalled(n);
          e.bytesSent += n;
          this.offset += n;
          if (this.offset < f.length) return;
        }
        this.stage = STAGE_MESSAGES;
        if (this.finishing) return this.finish();
      } else if (this.stage === STAGE_MESSAGES) {
        if (this.owed <= 0) return;
        const rep = e.repeat;
        const len = Math.min(this.owed, rep.length - this.repeatAt);
        const n = socket.write(rep, this.repeatAt, len);
        if (n <= 0) return this.writeStalled(n);
        e.bytesSent += n;
        this.owed -= n;
        const before = this.payloadSent;
        this.payloadSent += n;
        const msgLen = e.msgLen;
        const written = Math.floor(this.payloadSent / msgLen) - Math.floor(before / msgLen);
        e.messagesSent += written;
        const sentAt = this.sentAt;
        if (sentAt !== null && written > 0) {
          const now = e.now();
          for (let i = 0; i < written; i++) sentAt.push(now);
        }
        this.repeatAt += n;
        if (this.repeatAt === rep.length) this.repeatAt = 0;
        if (n < len) return;
      } else {
        return;
      }
    }
  }

  writeStalled(n: number): void {
    if (n < 0) this.socket?.close();
  }

  /** Stops sending and half-closes; the connection ends when the peer closes too. */
  finish(): void {
    this.finishing = true;
    // Header or first message still going out: pump() calls back once they are.
    if (this.stage < STAGE_MESSAGES) return;
    if (this.stage === STAGE_DONE) return;
    this.stage = STAGE_DONE;
    this.owed = 0;
    if (this.lifetimer !== undefined) clearTimeout(this.lifetimer);
    const socket = this.socket;
    if (socket === null) return;
    socket.shutdown();
    // A peer that never closes must not hold the slot (or, once the run is over, the end of
    // the run: the drain timer of stop() may have fired before this connection was made).
    this.lifetimer = setTimeout(() => socket.close(), this.engine.plan.drainMs);
  }

  // --- BenchHandlers ---

  /**
   * Whether the target echoes the header is known: nothing that comes back is looked at again,
   * so in bulk, where it is only counted, the socket may take it in without copying it.
   */
  headerSettled(): void {
    this.headerMatch = -1;
    if (this.engine.interval === 0) this.socket?.countOnly?.();
  }

  onData(bytes: Uint8Array, length: number): void {
    const e = this.engine;
    const now = e.now();
    e.bytesReceived += length;
    if (!this.gotFirstByte) {
      this.gotFirstByte = true;
      recordValue(e.histograms.firstByte, (now - this.connectStart) * 1000);
    }
    let at = 0;
    if (this.headerMatch >= 0) {
      // Does the target echo the header too (a plain echo server), or strip it (a PROXY-aware
      // one)? Compare the first bytes back with the header sent; decided on the first mismatch.
      const h = this.header!;
      while (at < length && this.headerMatch < h.length && bytes[at] === h[this.headerMatch]) {
        at++;
        this.headerMatch++;
      }
      if (this.headerMatch === h.length) this.headerSettled(); // echoed: skip it
      else if (at < length) {
        // Not the header: what matched so far was payload after all.
        const matched = this.headerMatch;
        this.headerSettled();
        this.consume(matched, now);
      } else return; // all matched so far, undecided
    }
    this.consume(length - at, now);
  }

  /** Counts `n` received payload bytes: first message, then messages (with their latency). */
  consume(n: number, now: number): void {
    if (this.skip > 0) {
      const s = Math.min(this.skip, n);
      this.skip -= s;
      n -= s;
    }
    if (n === 0) return;
    const e = this.engine;
    const msgLen = e.msgLen;
    if (msgLen === 0) return;
    this.payloadReceived += n;
    const complete = Math.floor(this.payloadReceived / msgLen);
    if (complete === this.messagesReceived) return;
    e.messagesReceived += complete - this.messagesReceived;
    if (e.interval > 0) {
      const h = e.histograms.message;
      const last = e.lastSecond;
      const sentAt = this.sentAt;
      if (sentAt !== null) {
        for (let k = this.messagesReceived; k < complete; k++) {
          const us = (now - (sentAt[this.sentHead++] ?? now)) * 1000;
          recordValue(h, us);
          recordValue(last, us);
        }
        if (this.sentHead > 1024 && this.sentHead * 2 > sentAt.length) {
          this.sentAt = sentAt.slice(this.sentHead);
          this.sentHead = 0;
        }
      } else {
        const base = this.openedAt;
        const interval = e.interval;
        for (let k = this.messagesReceived; k < complete; k++) {
          const us = (now - (base + k * interval)) * 1000;
          recordValue(h, us);
          recordValue(last, us);
        }
      }
      this.messagesReceived = complete;
      this.schedule(now);
    } else {
      this.messagesReceived = complete;
    }
  }

  onDrain(): void {
    this.pump();
  }

  onClose(_error: unknown): void {
    if (this.lifetimer !== undefined) clearTimeout(this.lifetimer);
    this.stage = STAGE_DONE;
    this.engine.channelClosed(this);
  }
}
