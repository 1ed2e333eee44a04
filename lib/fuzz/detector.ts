/**
 * How the runner tells acceptance from refusal: one small detector per
 * {@linkcode ObserveMode} (detect_echo.ts, detect_http.ts, detect_banner.ts,
 * detect_smtp.ts, detect_imap.ts, detect_pop3.ts, detect_none.ts), each
 * reading the bytes the target sent and saying what they mean so far. The
 * runner (observe.ts) owns the connection, the timers and the spec rule
 * about bytes sent before the header is complete.
 *
 * @module
 */

/**
 * How the runner detects that the target accepted a connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii, ObserveMode } from "./detector.ts";
 * import { detectorFor } from "./detectors.ts";
 * const ctx = {
 *   afterHeader: new Uint8Array(0), sendsProbe: true, httpHost: "h", sent: () => new Uint8Array(0),
 * };
 * const pop3 = detectorFor(ObserveMode.POP3, ctx);
 * assert.equal(pop3.afterHeader(ascii("-ERR no\r\n"), "data").kind, "refused");
 * ```
 */
export const ObserveMode = {
  ECHO: "echo",
  HTTP: "http",
  BANNER: "banner",
  SMTP: "smtp",
  IMAP: "imap",
  POP3: "pop3",
  NONE: "none",
} as const;
/** One of the {@linkcode ObserveMode} values. */
export type ObserveMode = typeof ObserveMode[keyof typeof ObserveMode];

/** Why the runner asks a detector: more bytes came, or the connection ended (or its window did). */
export type End = "data" | "closed" | "reset" | "deadline";

/** What the bytes received after the header mean so far. */
export type Reading =
  /** Not decided yet: wait for more bytes. */
  | { readonly kind: "wait" }
  /** The target served the connection; `payloadIntact` when the detector can see it. */
  | { readonly kind: "accepted"; readonly payloadIntact?: boolean }
  /** The target refused, in its protocol's words or by saying nothing it should. */
  | { readonly kind: "refused" }
  /** Write these bytes (the next step of the protocol's dialogue), then keep reading. */
  | { readonly kind: "send"; readonly bytes: Uint8Array };

/** What bytes received before the header was complete are. */
export type EarlyReading = "refused" | "spoke" | "wait" | "unknown";

/** One mode's view of one connection. */
export interface Detector {
  /** Written after the header to provoke an answer; empty when the server speaks first. */
  readonly probe: Uint8Array;
  /**
   * A complete header whose connection is still open, with nothing received,
   * this many ms after the last write counts as accepted (`none` mode only).
   */
  readonly settleMs?: number;
  /** All bytes received after the header's last byte was written, and why asked. */
  afterHeader(bytes: Uint8Array, end: End): Reading;
  /**
   * Bytes received before the header was complete: `refused` when they are
   * this protocol's refusal, `spoke` when they show the target serving,
   * `wait` when more are needed to tell, `unknown` otherwise.
   */
  beforeHeader(bytes: Uint8Array, end: End): EarlyReading;
}

/** What a detector knows about the case it watches. */
export interface DetectorContext {
  /** The case's bytes written after the header (usually empty). */
  readonly afterHeader: Uint8Array;
  /** Whether the probe is sent at all (not for a header that never completes). */
  readonly sendsProbe: boolean;
  /** `http` mode: the Host header. */
  readonly httpHost: string;
  /** Everything written so far (an echo of it is the target serving). */
  readonly sent: () => Uint8Array;
}

/** An HTTP status line or a reply line is looked for in this many bytes at most. */
export const LINE_MAX = 1024;

const encoder = new TextEncoder();

/**
 * ASCII text of bytes, one char per byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latin1 } from "./detector.ts";
 * assert.equal(latin1(new Uint8Array([0x32, 0x32, 0x30])), "220");
 * ```
 */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/**
 * Bytes of an ASCII string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii } from "./detector.ts";
 * assert.deepEqual([...ascii("OK")], [79, 75]);
 * ```
 */
export function ascii(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * The complete lines (ended by LF, without CR LF) in `bytes`, and a last
 * incomplete one when the connection ended or it is already LINE_MAX long.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii, lines } from "./detector.ts";
 * assert.deepEqual(lines(ascii("220-a\r\n220 b\r\n25"), "data"), ["220-a", "220 b"]);
 * assert.deepEqual(lines(ascii("220-a\r\n25"), "closed"), ["220-a", "25"]);
 * ```
 */
export function lines(bytes: Uint8Array, end: End): string[] {
  const text = latin1(bytes.subarray(0, 64 * LINE_MAX));
  const parts = text.split("\n");
  const last = parts.pop() ?? "";
  const out = parts.map((l) => l.replace(/\r$/, ""));
  if (last !== "" && (end !== "data" || last.length >= LINE_MAX)) out.push(last);
  return out;
}

/**
 * The first line of a reply as printable text (other bytes as `\xHH`), at
 * most 120 characters: what a report shows of an answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii, replyLine } from "./detector.ts";
 * assert.equal(replyLine(ascii("* BYE go away\r\n* more")), "* BYE go away");
 * assert.equal(replyLine(new Uint8Array([0x16, 0x03])), "\\x16\\x03");
 * ```
 */
export function replyLine(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes.subarray(0, 512)) {
    if (b === 0x0a || b === 0x0d) break;
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
    if (s.length >= 120) return s.slice(0, 120);
  }
  return s;
}

/**
 * Where `needle` starts in `haystack` at or after `from`, or -1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii, indexOf } from "./detector.ts";
 * assert.equal(indexOf(ascii("abcabc"), ascii("ca")), 2);
 * assert.equal(indexOf(ascii("abc"), ascii("x")), -1);
 * ```
 */
export function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const last = haystack.length - needle.length;
  outer: for (let i = Math.max(0, from); i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
