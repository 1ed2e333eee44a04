/**
 * The network half of `ppcat fuzz`: drives one {@linkcode FuzzCase} against a
 * target over lib/transport.ts and reports what the target did as an
 * {@linkcode Observation} (judged by lib/fuzz/verdict.ts), and runs a list of
 * cases with bounded concurrency, a per-case deadline and a total time limit.
 *
 * Every case uses exactly one connection; at most `concurrency` are open at
 * once, every wait is bounded by the case's deadline, and every connection and
 * timer is closed before a case's promise settles, so a run never floods a
 * target and never outlives its limits.
 *
 * How acceptance is seen depends on the {@linkcode ObserveMode}:
 * - `echo`: a marker payload written after the header comes back (the target
 *   is an echo service behind the receiver, e.g. `ppcat listen`);
 * - `http`: an HTTP request written after the header gets a response;
 * - `banner`: the server speaks first (SMTP, FTP, SSH), so its banner arriving
 *   after the header is acceptance, and before the header is complete a finding;
 * - `none`: nothing is sent after the header; a complete header whose
 *   connection is still open {@linkcode NONE_SETTLE_MS} later counts as accepted.
 *
 * @module
 */

import { concatBytes } from "../_bytes.ts";
import type { FuzzCase } from "./case.ts";
import { deliveryDurationMs, MARKER_DELAY_MS, writePlan } from "./plan.ts";
import type { Observation, Outcome } from "./verdict.ts";
import {
  type Conn,
  type ConnectOptions,
  getTransport,
  type Target,
  TransportError,
} from "../transport.ts";
import { toTransportError } from "../transport_error.ts";

/**
 * How the runner detects that the target accepted a connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ObserveMode } from "./run.ts";
 * assert.equal(ObserveMode.BANNER, "banner");
 * ```
 */
export const ObserveMode = {
  ECHO: "echo",
  HTTP: "http",
  BANNER: "banner",
  NONE: "none",
} as const;
/** One of the {@linkcode ObserveMode} values. */
export type ObserveMode = typeof ObserveMode[keyof typeof ObserveMode];

/**
 * Default per-case deadline: longer than the 3 s header timeout §2 allows a
 * receiver ("at least 3 seconds to cover a TCP retransmit"), so a receiver
 * that gives up on time is seen doing so.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_DEADLINE_MS } from "./run.ts";
 * assert.ok(DEFAULT_DEADLINE_MS > 3000);
 * ```
 */
export const DEFAULT_DEADLINE_MS = 5000;

/** Default number of cases (connections) in flight at once. */
export const DEFAULT_CONCURRENCY = 16;

/** The most connections a run ever opens at once, whatever it is asked. */
export const MAX_CONCURRENCY = 256;

/** Default limit on a whole run: cases not finished by then are reported as not run. */
export const DEFAULT_TOTAL_TIMEOUT_MS = 600_000;

/**
 * Bytes the target sends before the header is complete that are neither an
 * echo of ours nor a recognisable error reply: if the target closes within
 * this many ms it was an error reply sent while closing (`error-reply`),
 * otherwise it spoke first (§2: "MUST NOT start processing the connection
 * before it receives a complete and valid PROXY protocol header").
 */
export const PRE_HEADER_GRACE_MS = 250;

/**
 * `none` mode: a complete header whose connection is still open this long
 * after the last write counts as accepted (the runner cannot see more).
 */
export const NONE_SETTLE_MS = 1000;

/** After a failed write, how long the reader may take to report the close or reset. */
export const WRITE_ERROR_GRACE_MS = 1000;

/** Length of the echo marker (long enough to survive a receiver eating up to 48 of its bytes). */
export const MARKER_LENGTH = 64;

/** The marker's last bytes, whose return counts as the marker coming back. */
export const MARKER_TAIL_LENGTH = 16;

/**
 * HTTP statuses that say the server could not parse what it received as a
 * request (the PROXY header, or bytes around it), rather than answer it:
 * 400 Bad Request, 405 Method Not Allowed ("PROXY" read as a method), 408
 * Request Timeout, 413, 414, 431 (size limits), 501 Not Implemented (unknown
 * method), 505 HTTP Version Not Supported. Any other status means the request
 * was parsed and answered: accepted (404 and 500 included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HTTP_ERROR_STATUSES } from "./run.ts";
 * assert.ok(HTTP_ERROR_STATUSES.has(400));
 * assert.ok(!HTTP_ERROR_STATUSES.has(404));
 * ```
 */
export const HTTP_ERROR_STATUSES: ReadonlySet<number> = new Set([
  400,
  405,
  408,
  413,
  414,
  431,
  501,
  505,
]);

// Received bytes kept per connection; the rest is counted but dropped.
const KEEP_MAX = 256 * 1024;
// An HTTP status line or a banner's code is looked for in this many bytes at most.
const LINE_MAX = 1024;
const READ_SIZE = 64 * 1024;
const encoder = new TextEncoder();

/**
 * A fresh marker: {@linkcode MARKER_LENGTH} ASCII bytes, "ppcat-fuzz-marker-"
 * then random lowercase letters and digits (no CR, LF, NUL or space).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMarker, MARKER_LENGTH } from "./run.ts";
 * const m = createMarker();
 * assert.equal(m.length, MARKER_LENGTH);
 * assert.match(new TextDecoder().decode(m), /^ppcat-fuzz-marker-[a-z0-9]+$/);
 * assert.notDeepEqual(createMarker(), m);
 * ```
 */
export function createMarker(): Uint8Array {
  const prefix = "ppcat-fuzz-marker-";
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const random = crypto.getRandomValues(new Uint8Array(MARKER_LENGTH - prefix.length));
  let text = prefix;
  for (const r of random) text += alphabet[r % alphabet.length];
  return encoder.encode(text);
}

/**
 * The request `http` mode sends after the header: `GET /` with a Host header
 * and `Connection: close`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { httpRequest } from "./run.ts";
 * const text = new TextDecoder().decode(httpRequest("example.com"));
 * assert.ok(text.startsWith("GET / HTTP/1.1\r\nHost: example.com\r\n"));
 * assert.ok(text.endsWith("\r\n\r\n"));
 * ```
 */
export function httpRequest(host: string): Uint8Array {
  return encoder.encode(
    `GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ppcat-fuzz\r\nAccept: */*\r\n` +
      "Connection: close\r\n\r\n",
  );
}

/**
 * The status code of an HTTP response's status line at the start of
 * `bytes` (`HTTP/1.1 200 OK`), or null when the bytes do not start one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { httpStatus } from "./run.ts";
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * assert.equal(httpStatus(bytes("HTTP/1.1 400 Bad Request\r\n")), 400);
 * assert.equal(httpStatus(bytes("HTTP/2 204\r\n")), 204);
 * assert.equal(httpStatus(bytes("220 smtp.example ESMTP\r\n")), null);
 * ```
 */
export function httpStatus(bytes: Uint8Array): number | null {
  const head = latin1(bytes.subarray(0, 32));
  const m = /^HTTP\/\d(?:\.\d)? ([1-5]\d\d)(?:[ \r\n]|$)/.exec(head);
  return m === null ? null : Number(m[1]);
}

/**
 * Whether a banner or reply line starts with an SMTP/FTP error code (4xx or
 * 5xx followed by a space or a dash).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isErrorCodeLine } from "./run.ts";
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * assert.equal(isErrorCodeLine(bytes("421 4.3.2 Service not available\r\n")), true);
 * assert.equal(isErrorCodeLine(bytes("220 mail.example ESMTP\r\n")), false);
 * assert.equal(isErrorCodeLine(bytes("SSH-2.0-OpenSSH_9.6\r\n")), false);
 * ```
 */
export function isErrorCodeLine(bytes: Uint8Array): boolean {
  return /^[45]\d\d[ -]/.test(latin1(bytes.subarray(0, 4)));
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const last = haystack.length - needle.length;
  outer: for (let i = Math.max(0, from); i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A byte buffer that grows up to {@linkcode KEEP_MAX} bytes. */
class Bytes {
  data = new Uint8Array(256);
  length = 0;
  /** Milliseconds (since connecting) when the first byte arrived; -1 before. */
  firstAt = -1;

  push(chunk: Uint8Array, at: number): void {
    if (this.firstAt < 0) this.firstAt = at;
    const room = KEEP_MAX - this.length;
    const n = Math.min(room, chunk.length);
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
   * and reports `timeout`; default {@linkcode DEFAULT_DEADLINE_MS}.
   */
  readonly deadlineMs?: number;
  /** Pause between the header and a separate marker; default `MARKER_DELAY_MS` (100). */
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
 * Runs one case against a target and reports what the target did: one
 * connection, the case's writes per its delivery (lib/fuzz/catalog.ts
 * `writePlan`) followed by the mode's marker, then the first of:
 * acceptance (per the {@linkcode ObserveMode}), an error reply, a FIN
 * (`closed`), a RST (`reset`), or the deadline (`timeout`). `afterMs`
 * counts from the start of connecting. Bytes the target sends before the
 * header's last byte is written set `spokeFirst` (outcome `accepted`), unless
 * they are an error reply sent while closing (`error-reply`). The connection
 * is closed before the promise resolves. Rejects only for a non-positive
 * `deadlineMs` (RangeError); connection failures are a `status: "error"` result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { observeCase } from "./run.ts";
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
  const marker = mode === "echo"
    ? createMarker()
    : mode === "http"
    ? httpRequest(options.httpHost ?? defaultHost(options.target))
    : new Uint8Array(0);
  const tail = marker.subarray(marker.length - MARKER_TAIL_LENGTH);
  const plan = writePlan(c, marker, options.markerDelayMs ?? MARKER_DELAY_MS);
  const writes = marker.length === 0 ? plan.writes.filter((w) => w.bytes.length > 0) : plan.writes;
  const truncated = c.delivery.kind === "truncated";
  const markerWrites = !truncated && c.marker === "separate" && marker.length > 0 ? 1 : 0;
  // The write holding the header's last byte; -1 when the header never completes.
  const lastHeaderWrite = truncated ? -1 : writes.length - 1 - markerWrites;
  const expectedEcho = concatBytes([
    c.afterHeader,
    c.marker === "none" ? new Uint8Array(0) : marker,
  ]);

  const started = performance.now();
  const now = () => performance.now() - started;
  const connect = options.connect ?? ((o: ConnectOptions) => getTransport().connect(o));
  let conn: Conn;
  try {
    conn = await connect({ ...options.target, timeoutMs: deadlineMs, signal });
  } catch (e) {
    if (signal?.aborted) return { status: "aborted" };
    const error = toTransportError(e, "connect", describeTarget(options.target));
    return { status: "error", error };
  }
  if (signal?.aborted) {
    conn.close();
    return { status: "aborted" };
  }

  // --- state -------------------------------------------------------------------------------
  const pre = new Bytes(); // received before the header's last byte was written
  const post = new Bytes(); // received after
  const sent: Uint8Array[] = [];
  let sentAll: Uint8Array | null = null;
  let complete = false;
  let searchedTo = 0;
  let decided = false;
  let aborted = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const sleepers = new Set<() => void>();
  let resolveDone!: (d: Decision | null) => void;
  const done = new Promise<Decision | null>((resolve) => (resolveDone = resolve));

  // Timers may fire a little early (Bun): re-armed until their time has really passed, so a
  // deadline or a settle time is never reported shorter than it is.
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

  const allSent = () => (sentAll ??= concatBytes(sent));
  const isEcho = (bytes: Uint8Array) => bytes.length > 0 && indexOf(allSent(), bytes) >= 0;
  const accepted = (at: number, extra: Partial<Decision> = {}): Decision => ({
    outcome: "accepted",
    at,
    ...extra,
  });

  // --- what bytes received before the header was complete mean ------------------------------
  let graceArmed = false;
  const judgePre = (end: "data" | "closed" | "reset" | "deadline"): void => {
    const bytes = pre.view();
    const at = pre.firstAt;
    const lineDone = bytes.includes(0x0a) || bytes.length >= LINE_MAX || end !== "data";
    if (mode === "http" && lineDone) {
      const status = httpStatus(bytes);
      if (status !== null) {
        return decide(
          HTTP_ERROR_STATUSES.has(status)
            ? { outcome: "error-reply", at }
            : accepted(at, { spokeFirst: true }),
        );
      }
    }
    if (mode === "banner" && (bytes.length >= 4 || end !== "data")) {
      return decide(
        isErrorCodeLine(bytes)
          ? { outcome: "error-reply", at }
          : end === "data" || end === "deadline"
          ? accepted(at, { spokeFirst: true })
          : { outcome: "error-reply", at },
      );
    }
    if (mode === "echo" && isEcho(bytes)) return decide(accepted(at, { spokeFirst: true }));
    if (end === "closed" || end === "reset") return decide({ outcome: "error-reply", at });
    if (end === "deadline") return decide(accepted(at, { spokeFirst: true }));
    if (mode === "http" && !lineDone) return; // wait for the status line
    if (!graceArmed) {
      graceArmed = true;
      timer(at + PRE_HEADER_GRACE_MS - now(), () => decide(accepted(at, { spokeFirst: true })));
    }
  };

  // --- what bytes received after the header was complete mean -------------------------------
  const judgePost = (end: "data" | "closed" | "reset" | "deadline"): void => {
    const bytes = post.view();
    const at = post.firstAt;
    switch (mode) {
      case "echo": {
        const i = indexOf(bytes, tail, Math.max(0, searchedTo - tail.length + 1));
        searchedTo = bytes.length;
        if (i >= 0) {
          const through = bytes.subarray(0, i + tail.length);
          return decide(accepted(now(), { payloadIntact: equalBytes(through, expectedEcho) }));
        }
        if (end === "data") return;
        return decide(
          isEcho(bytes) ? accepted(at, { payloadIntact: false }) : { outcome: "error-reply", at },
        );
      }
      case "http": {
        if (!(bytes.includes(0x0a) || bytes.length >= LINE_MAX || end !== "data")) return;
        const status = httpStatus(bytes);
        if (status === null) return decide({ outcome: "error-reply", at });
        const refused = HTTP_ERROR_STATUSES.has(status);
        if (c.afterHeader.length > 0) {
          // The bytes after the header are not HTTP: a server that saw them refuses the request;
          // one that answers it never saw them (the receiver swallowed them as header).
          return decide(accepted(at, { payloadIntact: refused }));
        }
        return decide(refused ? { outcome: "error-reply", at } : accepted(at));
      }
      case "banner":
        if (bytes.length < 4 && !bytes.includes(0x0a) && end === "data") return;
        return decide(isErrorCodeLine(bytes) ? { outcome: "error-reply", at } : accepted(at));
      case "none":
        return decide(accepted(at));
    }
  };

  const finish = (end: "closed" | "reset" | "deadline") => {
    if (decided) return;
    if (pre.length > 0 || pre.firstAt >= 0) return judgePre(end);
    if (post.length > 0 || post.firstAt >= 0) return judgePost(end);
    if (end === "deadline" && mode === "none" && complete) return decide(accepted(now()));
    decide({ outcome: end === "deadline" ? "timeout" : end, at: now() });
  };

  // --- reader ------------------------------------------------------------------------------
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
      const at = now();
      const chunk = buf.subarray(0, n);
      if (!complete || pre.firstAt >= 0) {
        pre.push(chunk, at);
        judgePre("data");
      } else {
        post.push(chunk, at);
        judgePost("data");
      }
    }
  })();

  // --- writer ------------------------------------------------------------------------------
  const writer = (async () => {
    for (let i = 0; i < writes.length; i++) {
      if (writes[i].delayMs > 0) await sleep(writes[i].delayMs);
      if (decided) return;
      if (i === lastHeaderWrite) complete = true; // before the write: any answer comes after it
      sent.push(writes[i].bytes);
      sentAll = null;
      try {
        await conn.write(writes[i].bytes);
      } catch {
        if (decided) return;
        // The target closed or reset: the reader reports which; if it stays silent, reset.
        const failedAt = now();
        timer(WRITE_ERROR_GRACE_MS, () => {
          if (pre.firstAt >= 0 || post.firstAt >= 0) finish("reset");
          else decide({ outcome: "reset", at: failedAt });
        });
        return;
      }
    }
    if (decided) return;
    if (plan.then === "close") {
      try {
        await conn.closeWrite();
      } catch {
        // the reader reports what happened
      }
    }
    if (mode === "none" && complete && !decided) {
      timer(NONE_SETTLE_MS, () => {
        if (pre.firstAt < 0 && post.firstAt < 0) decide(accepted(now()));
      });
    }
  })();

  timer(deadlineMs - now(), () => finish("deadline"));
  const decision = await done;
  signal?.removeEventListener("abort", onAbort);
  await Promise.allSettled([reader, writer]);
  if (aborted || decision === null) return { status: "aborted" };
  const observation: Observation = {
    outcome: decision.outcome,
    afterMs: Math.max(0, Math.round(decision.at)),
    ...(decision.spokeFirst !== undefined ? { spokeFirst: decision.spokeFirst } : {}),
    ...(decision.payloadIntact !== undefined ? { payloadIntact: decision.payloadIntact } : {}),
  };
  return { status: "done", observation };
}

function defaultHost(target: Target): string {
  if ("path" in target) return "localhost";
  return target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname;
}

function describeTarget(target: Target): string {
  if ("path" in target) return target.path;
  const host = target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname;
  return `${host}:${target.port}`;
}

/**
 * How long a case is likely to hold its connection: the deadline for cases
 * that wait for the target to give up (held partial headers, slowloris),
 * else its delivery time plus the marker delay. Runs start the longest first,
 * so the slow cases overlap with everything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { estimateCaseMs } from "./run.ts";
 * assert.equal(estimateCaseMs(catalogCase("cve-2021-23409-silent-connection")!, 5000), 5000);
 * assert.equal(estimateCaseMs(catalogCase("v2-tcp4")!, 5000), 100);
 * ```
 */
export function estimateCaseMs(
  c: FuzzCase,
  deadlineMs: number,
  markerDelayMs: number = MARKER_DELAY_MS,
): number {
  if (c.expect === "timeout") return deadlineMs;
  if (c.delivery.kind === "truncated" && c.delivery.then === "hold") return deadlineMs;
  return Math.min(deadlineMs, deliveryDurationMs(c) + markerDelayMs);
}

/** Options for {@linkcode runCases}. */
export interface RunOptions extends Omit<ObserveOptions, "signal"> {
  /** Cases in flight at once; default {@linkcode DEFAULT_CONCURRENCY}, at most {@linkcode MAX_CONCURRENCY}. */
  readonly concurrency?: number;
  /** Stop the whole run after this many ms; default {@linkcode DEFAULT_TOTAL_TIMEOUT_MS}. */
  readonly totalTimeoutMs?: number;
  /** Stops the run (cases not finished are reported `not-run`). */
  readonly signal?: AbortSignal;
  /** Called as each case finishes (for progress). */
  readonly onResult?: (result: CaseResult, finished: number, total: number) => void;
}

/** One case of a run and what became of it. */
export type CaseResult =
  /** It ran: what the target did. */
  | { readonly case: FuzzCase; readonly status: "done"; readonly observation: Observation }
  /** It could not connect. */
  | { readonly case: FuzzCase; readonly status: "error"; readonly error: TransportError }
  /** The total timeout (or the caller's signal) stopped the run first. */
  | { readonly case: FuzzCase; readonly status: "not-run" };

/** What {@linkcode runCases} returns. */
export interface FuzzRun {
  /** One result per case, in the order the cases were given. */
  readonly results: CaseResult[];
  /** Milliseconds the whole run took. */
  readonly wallMs: number;
  /** True when the total timeout stopped the run before every case finished. */
  readonly timedOut: boolean;
}

/**
 * Runs `cases` against a target, at most `concurrency` at a time (longest
 * expected first, see {@linkcode estimateCaseMs}), each bounded by the
 * per-case deadline and all of them by `totalTimeoutMs`. Results come back in
 * the order of `cases`. Never rejects; every connection and timer is closed
 * when the promise resolves.
 *
 * @throws {RangeError} for a concurrency outside [1, MAX_CONCURRENCY] or a non-positive limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * import { runCases } from "./run.ts";
 * import { getTransport } from "../transport.ts";
 * // A target that closes every connection at once, whatever it gets.
 * const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
 * const closer = (async () => {
 *   for (let i = 0; i < 2; i++) (await listener.accept())?.close();
 * })();
 * const target = { hostname: "127.0.0.1", port: (listener.addr as { port: number }).port };
 * const cases = [catalogCase("v2-command-f")!, catalogCase("v1-lone-lf")!];
 * const run = await runCases(cases, { target, concurrency: 2, deadlineMs: 2000 });
 * assert.deepEqual(run.results.map((r) => r.status), ["done", "done"]);
 * assert.deepEqual(run.results.map((r) => r.case.name), ["v2-command-f", "v1-lone-lf"]);
 * await closer;
 * listener.close();
 * ```
 */
export async function runCases(
  cases: readonly FuzzCase[],
  options: RunOptions,
): Promise<FuzzRun> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= MAX_CONCURRENCY)) {
    throw new RangeError(`concurrency ${concurrency} is not an integer in [1, ${MAX_CONCURRENCY}]`);
  }
  const totalMs = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  if (!(Number.isFinite(totalMs) && totalMs > 0)) {
    throw new RangeError(`totalTimeoutMs ${totalMs} is not a positive number`);
  }
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const started = performance.now();
  const stop = new AbortController();
  let timedOut = false;
  const total = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, totalMs);
  const onOuterAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (options.signal?.aborted) stop.abort();

  const order = cases.map((c, i) => ({
    i,
    ms: estimateCaseMs(c, deadlineMs, options.markerDelayMs),
  }))
    .sort((a, b) => b.ms - a.ms || a.i - b.i)
    .map((e) => e.i);
  const results: CaseResult[] = cases.map((c) => ({ case: c, status: "not-run" }));
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < order.length && !stop.signal.aborted) {
      const i = order[next++];
      const c = cases[i];
      const r = await observeCase(c, { ...options, signal: stop.signal });
      if (r.status === "aborted") continue;
      results[i] = r.status === "done"
        ? { case: c, status: "done", observation: r.observation }
        : { case: c, status: "error", error: r.error };
      finished++;
      options.onResult?.(results[i], finished, cases.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, cases.length) }, worker));
  } finally {
    clearTimeout(total);
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
  const incomplete = results.some((r) => r.status === "not-run");
  return {
    results,
    wallMs: Math.round(performance.now() - started),
    timedOut: timedOut && incomplete,
  };
}

/**
 * Checks once that the target accepts connections: one plain connect, closed
 * at once (nothing is sent). Resolves to null when it does, else the
 * {@linkcode TransportError} (e.g. `CONNECTION_REFUSED`, `TIMEOUT`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeTarget } from "./run.ts";
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
  const open = connect ?? ((o: ConnectOptions) => getTransport().connect(o));
  try {
    const conn = await open({ ...target, timeoutMs });
    conn.close();
    return null;
  } catch (e) {
    return toTransportError(e, "connect", describeTarget(target));
  }
}
