/**
 * `ppcat send`: the bookkeeping of one run, shared by the stream and the datagram paths:
 * byte counters, `-v` events, received bytes to stdout, the idle timer and the final report
 * (one error line on stderr, the `--json` summary on stdout).
 *
 * @module
 */

import { decodeHeader } from "../lib/decode.ts";
import { formatAddr, type NetAddr } from "../lib/transport.ts";
import { formatHeader } from "./format.ts";
import { type OutSink, outSink, writeErr } from "./io.ts";
import { DEFAULT_TIMEOUT_MS, DEFAULT_UDP_WAIT_MS, type SendPlan } from "./send_options.ts";
import { hexDump, type SendEnd, type SendSummary, summaryHeader } from "./send_report.ts";
import type { ChunkSource } from "./send_stdin.ts";

/**
 * Fires `onIdle` once nothing has happened for `ms` (null: never). Every `touch()` restarts
 * the wait; `stop()` clears it for good (until the next `touch()`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IdleTimer } from "./send_session.ts";
 * let fired = 0;
 * const timer = new IdleTimer(20, () => fired++);
 * timer.touch();
 * await new Promise((r) => setTimeout(r, 10));
 * timer.touch(); // restarts the 20 ms
 * await new Promise((r) => setTimeout(r, 15));
 * assert.equal(fired, 0);
 * await new Promise((r) => setTimeout(r, 15));
 * assert.equal(fired, 1);
 * timer.stop();
 * ```
 */
export class IdleTimer {
  #ms: number | null;
  #onIdle: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `ms`: how long nothing may happen; null disables the timer. */
  constructor(ms: number | null, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
  }

  /** The idle time in ms, or null when disabled. */
  get ms(): number | null {
    return this.#ms;
  }

  /** Something happened: start waiting afresh. */
  touch(): void {
    if (this.#ms === null) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onIdle();
    }, this.#ms);
  }

  /** Stop waiting. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * The idle timeout of a run in ms (null: none): `--timeout` if given (0: none), else 2 s of
 * reply wait with `--udp` (counted from the end of input), else 10 s, except for a person
 * typing at a terminal, who is never timed out (like nc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSendArgs } from "./send_options.ts";
 * import { idleTimeoutMs } from "./send_session.ts";
 * import { memorySource } from "./send_stdin.ts";
 * const plan = (args: string[]) => {
 *   const r = parseSendArgs(["127.0.0.1:1", ...args]);
 *   assert.ok(r.kind === "run");
 *   return r.config;
 * };
 * const data = memorySource([]);
 * assert.equal(idleTimeoutMs(plan([]), data), 10_000);
 * assert.equal(idleTimeoutMs(plan(["--udp"]), data), 2_000);
 * assert.equal(idleTimeoutMs(plan(["-w", "0.25"]), data), 250);
 * assert.equal(idleTimeoutMs(plan(["-w", "0"]), data), null);
 * assert.equal(idleTimeoutMs(plan([]), { ...data, interactive: true }), null);
 * ```
 */
export function idleTimeoutMs(plan: SendPlan, source: ChunkSource): number | null {
  if (plan.timeoutMs !== null) return plan.timeoutMs === 0 ? null : plan.timeoutMs;
  if (plan.udp) return DEFAULT_UDP_WAIT_MS; // the reply wait starts at the end of input
  return source.interactive ? null : DEFAULT_TIMEOUT_MS;
}

/**
 * A delay that can be called off, so no timer outlives the run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cancellableDelay } from "./send_session.ts";
 * const started = Date.now();
 * await cancellableDelay(20).done;
 * assert.ok(Date.now() - started >= 15);
 * cancellableDelay(60_000).cancel(); // nothing left pending
 * ```
 */
export function cancellableDelay(ms: number): { done: Promise<void>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    wake = resolve;
    timer = setTimeout(resolve, ms);
  });
  return {
    done,
    cancel() {
      clearTimeout(timer);
      wake();
    },
  };
}

/**
 * Received bytes that may wait for stdout; past this, reading stops until stdout catches up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OUTPUT_BACKLOG_BYTES } from "./send_session.ts";
 * assert.equal(OUTPUT_BACKLOG_BYTES, 1024 * 1024);
 * ```
 */
export const OUTPUT_BACKLOG_BYTES = 1024 * 1024;

/** A failure to report: a stable code and the one line printed after "ppcat send: ". */
export interface SessionError {
  /** A TransportErrorCode, or TIMEOUT for the idle timeout. */
  readonly code: string;
  /** One line. */
  readonly message: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * One `ppcat send` run: counts bytes, prints events with `-v`, writes received bytes to stdout
 * (unless `--json`), and produces the exit code and summary at the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryIo, setIo } from "./io.ts";
 * import { Session } from "./send_session.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * try {
 *   const s = new Session("127.0.0.1:9", { verbose: false, json: true });
 *   s.sent += 5;
 *   s.output(new Uint8Array([1, 2]));
 *   assert.equal(s.finish("closed-by-peer", 0), 0);
 * } finally {
 *   restore();
 * }
 * const summary = JSON.parse(mem.out());
 * assert.deepEqual(summary.bytes, { sent: 5, received: 2 });
 * assert.equal(summary.end, "closed-by-peer");
 * ```
 */
export class Session {
  /** Bytes written (header included). */
  sent = 0;
  /** Bytes read. */
  received = 0;
  /** Datagrams sent (UDP only). */
  datagramsSent = 0;
  /** Datagrams received (UDP only). */
  datagramsReceived = 0;
  /** The socket's ends once connected. */
  connected: { local: string; remote: string } | null = null;
  /** The header bytes sent (null: none). */
  header: Uint8Array | null = null;
  /** The ALPN protocol TLS settled on (undefined: no TLS). */
  alpn: string | null | undefined = undefined;
  /** True for UDP runs: the summary gets `datagrams`. */
  datagram = false;
  readonly #started = performance.now();
  readonly #targetText: string;
  readonly #verbose: boolean;
  readonly #json: boolean;
  #sink: OutSink | null = null;

  /** `targetText`: TARGET as given; `verbose`/`json`: the output flags. */
  constructor(targetText: string, options: { verbose: boolean; json: boolean }) {
    this.#targetText = targetText;
    this.#verbose = options.verbose;
    this.#json = options.json;
  }

  /** With `-v`: one event line on stderr, "* " first. */
  event(text: string): void {
    if (this.#verbose) writeErr(`* ${text}\n`);
  }

  /** Records the socket's ends, and says so with `-v`. */
  connect(local: NetAddr, remote: NetAddr, verb = "connected to"): void {
    this.connected = { local: formatAddr(local), remote: formatAddr(remote) };
    this.event(`${verb} ${this.connected.remote} from ${this.connected.local}`);
  }

  get #out(): OutSink {
    return this.#sink ??= outSink();
  }

  /**
   * Received bytes: counted, and queued for stdout unless `--json`. Returns false when stdout
   * lags by more than {@linkcode OUTPUT_BACKLOG_BYTES}: wait for {@linkcode drained} before
   * reading more.
   */
  output(bytes: Uint8Array): boolean {
    this.received += bytes.length;
    if (this.#json) return true;
    this.#out.write(bytes); // copied: the read buffer is reused
    return this.#out.backlog <= OUTPUT_BACKLOG_BYTES;
  }

  /** Resolves once stdout has taken all but {@linkcode OUTPUT_BACKLOG_BYTES} / 2. */
  drained(): Promise<void> {
    return this.#out.drained(OUTPUT_BACKLOG_BYTES / 2);
  }

  /**
   * With `-v`: the header as a hex dump and decoded; `writes` are the sizes of the writes it
   * went out in, `delayMs` the pause between them.
   */
  showHeader(bytes: Uint8Array, writes: readonly number[], delayMs: number): void {
    if (!this.#verbose) return;
    let how = writes.length <= 1
      ? "1 write"
      : `${writes.length} writes (${writes.join(", ")} bytes)`;
    if (writes.length > 1 && delayMs > 0) how += `, ${delayMs} ms apart`;
    let text = `* header: ${plural(bytes.length, "byte")}, ${how}\n${hexDump(bytes)}`;
    const decoded = decodeHeader(bytes, { allowCrcMismatch: true });
    if (decoded.ok) {
      const human = formatHeader(decoded.value, {
        trailingBytes: bytes.length - decoded.value.headerLength,
      });
      text += human.replace(/^(?=.)/gm, "  ");
    } else {
      const e = decoded.error;
      text += `  does not decode: ${e.code}: ${e.message} (at byte ${e.offset})\n`;
    }
    writeErr(text);
  }

  /**
   * Ends the run: prints `error` as one line on stderr (if any), the `--json` summary on
   * stdout, a closing event with `-v`; returns `exit`.
   */
  finish(end: SendEnd, exit: number, error: SessionError | null = null): number {
    if (error !== null) writeErr(`ppcat send: ${error.message.replace(/\s*\n\s*/g, " ")}\n`);
    const elapsedMs = Math.round(performance.now() - this.#started);
    this.event(
      `${end}: ${plural(this.sent, "byte")} sent, ${
        plural(this.received, "byte")
      } received in ${elapsedMs} ms (exit ${exit})`,
    );
    if (this.#json) {
      const summary: SendSummary = {
        target: this.#targetText,
        connected: this.connected,
        header: summaryHeader(this.header),
        bytes: { sent: this.sent, received: this.received },
        ...(this.datagram
          ? { datagrams: { sent: this.datagramsSent, received: this.datagramsReceived } }
          : {}),
        ...(this.alpn === undefined ? {} : { tls: { alpn: this.alpn } }),
        end,
        error: error === null ? null : { code: error.code, message: error.message },
        elapsedMs,
      };
      this.#out.write(`${JSON.stringify(summary)}\n`);
    }
    return exit;
  }
}
