/**
 * `ppcat send`: what it reports. The `-v` hex dump, the exit code for each way a connection
 * can end, the one-line error messages and the `--json` summary.
 *
 * @module
 */

import { decodeHeader } from "../lib/decode.ts";
import { type HeaderJson, headerToJson } from "../lib/json.ts";
import type { TransportError } from "../lib/transport.ts";
import { ExitCode } from "./exit.ts";
import { toHex } from "../lib/_bytes.ts";

/**
 * A classic hex dump: offset, 16 bytes in hex, the printable ASCII; each line indented and
 * ending in "\n".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hexDump } from "./send_report.ts";
 * assert.equal(
 *   hexDump(new TextEncoder().encode("PROXY UNKNOWN\r\n")),
 *   "  0000  50 52 4f 58 59 20 55 4e  4b 4e 4f 57 4e 0d 0a     |PROXY UNKNOWN..|\n",
 * );
 * ```
 */
export function hexDump(bytes: Uint8Array, indent = "  "): string {
  let out = "";
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    let hex = "";
    let text = "";
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += " ";
      const byte = row[i];
      if (byte !== undefined) {
        hex += `${toHex(row.subarray(i, i + 1))} `;
        text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".";
      } else {
        hex += "   ";
      }
    }
    out += `${indent}${at.toString(16).padStart(4, "0")}  ${hex} |${text}|\n`;
  }
  return out;
}

/**
 * The exit code for a transport failure: 5 for any timeout, 6 for a TLS handshake, 3 for a
 * connect (refused, not found, unreachable) or an unreachable datagram peer, 4 for a reset,
 * 1 for anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TransportError } from "../lib/transport.ts";
 * import { exitCodeFor } from "./send_report.ts";
 * assert.equal(exitCodeFor(new TransportError("CONNECTION_REFUSED", "connect", "h:1")), 3);
 * assert.equal(exitCodeFor(new TransportError("TIMEOUT", "connect", "h:1")), 5);
 * assert.equal(exitCodeFor(new TransportError("RESET", "read", "h:1")), 4);
 * assert.equal(exitCodeFor(new TransportError("TLS", "tls", "h:1")), 6);
 * assert.equal(exitCodeFor(new TransportError("DATAGRAM_TOO_LARGE", "send", "h:1")), 1);
 * ```
 */
export function exitCodeFor(error: TransportError): ExitCode {
  if (error.code === "TIMEOUT") return ExitCode.TIMEOUT;
  if (error.op === "tls" || error.code === "TLS") return ExitCode.TLS_FAILED;
  if (error.op === "connect") return ExitCode.CONNECT_FAILED;
  switch (error.code) {
    case "RESET":
      return ExitCode.RESET;
    case "CONNECTION_REFUSED":
    case "NOT_FOUND":
    case "UNREACHABLE":
      return ExitCode.CONNECT_FAILED;
    default:
      return ExitCode.FAILURE;
  }
}

/**
 * The one line printed for a transport failure (after "ppcat send: "): the transport's own
 * message, minus a trailing errno name that only repeats it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TransportError } from "../lib/transport.ts";
 * import { errorLine } from "./send_report.ts";
 * const e = new TransportError("CONNECTION_REFUSED", "connect", "127.0.0.1:9", "ECONNREFUSED");
 * assert.equal(errorLine(e), "connect 127.0.0.1:9: connection refused");
 * ```
 */
export function errorLine(error: TransportError): string {
  return error.message.replace(/ \(E[A-Z0-9_]+\)$/, "").replace(/\s*\n\s*/g, " ");
}

/** How a `ppcat send` session ended. */
export type SendEnd =
  /** The peer closed the connection (after our half-close, or first). */
  | "closed-by-peer"
  /** The peer reset the connection. */
  | "reset"
  /** Nothing moved for `--timeout` (or, with `--udp`, the reply wait is over). */
  | "timeout"
  /** We closed at the end of input (`--close-on-eof`). */
  | "local-close"
  /** Connect, TLS or another failure: see `error`. */
  | "error";

/** The header as the `--json` summary shows it. */
export type SummaryHeader = HeaderJson | { readonly hex: string } | null;

/** The `--json` summary of one `ppcat send` run. */
export interface SendSummary {
  /** TARGET as given. */
  target: string;
  /** The socket's ends (`host:port`, `[v6]:port`, `unix:PATH`), or null if never connected. */
  connected: { local: string; remote: string } | null;
  /** The header sent. */
  header: SummaryHeader;
  /** Bytes written (header included) and read. */
  bytes: { sent: number; received: number };
  /** With `--udp`: datagrams sent and replies received. */
  datagrams?: { sent: number; received: number };
  /** TLS: the ALPN protocol the server chose (null: none). */
  tls?: { alpn: string | null };
  /** How it ended. */
  end: SendEnd;
  /** What went wrong when the exit code is not 0. */
  error: { code: string; message: string } | null;
  /** From the start of the connect to the end. */
  elapsedMs: number;
}

/**
 * The `header` field of the summary: the decoded JSON form of the bytes sent (any payload
 * sent in the same write excluded), `{"hex": …}` for bytes that do not decode (a deliberately
 * broken `--header-hex`), null for none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summaryHeader } from "./send_report.ts";
 * const json = summaryHeader(new TextEncoder().encode("PROXY UNKNOWN\r\n"));
 * assert.ok(json !== null && "protocol" in json && json.protocol === "UNKNOWN");
 * assert.deepEqual(summaryHeader(new Uint8Array([0x0d, 0x0a])), { hex: "0d0a" });
 * assert.equal(summaryHeader(null), null);
 * ```
 */
export function summaryHeader(bytes: Uint8Array | null): SummaryHeader {
  if (bytes === null) return null;
  const decoded = decodeHeader(bytes, { allowCrcMismatch: true });
  return decoded.ok
    ? headerToJson(decoded.value, bytes.length - decoded.value.headerLength)
    : { hex: toHex(bytes) };
}
