/**
 * The events `ppcat listen` reports, and their two renderings: one JSON object per line (NDJSON,
 * `--json`) and a readable, optionally coloured, block of text.
 *
 * A stream connection yields `accept`, then either `reject` (no service: the connection is
 * closed) or `header`, any number of `data`, and `close`. Every event carries `time` (ISO 8601,
 * UTC) and the connection `id` (1, 2, … in accept order). UDP yields one `datagram` or `reject`
 * per datagram (§2: each datagram is parsed on its own), `id` counting datagrams.
 *
 * @module
 */

import type { HeaderJson } from "../lib/json.ts";
import type { ProxyHeader, Tlv } from "../lib/header.ts";
import type { NetAddr } from "../lib/transport.ts";
import { formatEndpoint, formatHeader, quote } from "./format.ts";
import { toHex } from "../lib/_bytes.ts";

/** An address as JSON: the same shape as the endpoints of {@linkcode HeaderJson}. */
export type EndpointJson = { address: string; port: number } | { path: string };

/**
 * Converts a transport address to its JSON form ("" for an unnamed UNIX socket).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endpointJson } from "./listen_events.ts";
 * assert.deepEqual(endpointJson({ transport: "tcp", hostname: "::1", port: 80 }), {
 *   address: "::1",
 *   port: 80,
 * });
 * assert.deepEqual(endpointJson({ transport: "unix", path: "" }), { path: "" });
 * ```
 */
export function endpointJson(addr: NetAddr): EndpointJson {
  return addr.transport === "unix"
    ? { path: addr.path }
    : { address: addr.hostname, port: addr.port };
}

/** Why a connection (or datagram) got no service. */
export type RejectReason =
  /** §2: no complete header before the header timeout. */
  | "timeout"
  /** The peer closed before completing a header. */
  | "closed"
  /** The peer reset the connection before completing a header. */
  | "reset"
  /** §2: the peer is not in the --trust list. */
  | "untrusted"
  /** The bytes violate the spec; `code` says how. */
  | "invalid"
  /** --max-connections were already open: closed at once. */
  | "capacity";

/** The socket is bound: the first event. */
export interface ListeningEvent {
  event: "listening";
  /** ISO 8601, UTC. */
  time: string;
  /** "tcp", "udp" or "unix". */
  transport: "tcp" | "udp" | "unix";
  /** The bound address, with the real port when 0 was asked for. */
  address: EndpointJson;
}

/** A connection was accepted. */
export interface AcceptEvent {
  event: "accept";
  /** ISO 8601, UTC. */
  time: string;
  /** Connection number, from 1. */
  id: number;
  /** The real peer (the proxy), from the socket. */
  peer: EndpointJson;
  /** Our end of the connection. */
  local: EndpointJson;
}

/** A complete, valid header was received (or `--optional` let the connection through without). */
export interface HeaderEvent {
  event: "header";
  /** ISO 8601, UTC. */
  time: string;
  /** Connection number. */
  id: number;
  /** The real peer. */
  peer: EndpointJson;
  /** Milliseconds from accept until the header was complete. */
  headerMs: number;
  /** True when `--optional` served a peer outside `--trust` without reading a header. */
  untrusted: boolean;
  /** The header as `ppcat decode --json` prints it (trailingBytes 0); null without a header. */
  header: HeaderJson | null;
  /** TLVs left out of `header` to keep the event small ({@linkcode capHeader}). */
  tlvsOmitted?: OmittedTlvs;
}

/** TLVs left out of an event: how many, and their value bytes. */
export interface OmittedTlvs {
  /** Number of TLVs left out. */
  count: number;
  /** Their value bytes. */
  bytes: number;
}

/** The connection (or datagram) was refused: no service, connection closed. */
export interface RejectEvent {
  event: "reject";
  /** ISO 8601, UTC. */
  time: string;
  /** Connection (or datagram) number. */
  id: number;
  /** The real peer. */
  peer: EndpointJson;
  /** Why. */
  reason: RejectReason;
  /** The error code (lib/errors.ts) for "invalid", else null. */
  code: string | null;
  /** One human sentence. */
  message: string;
  /** For "invalid": the byte offset of the violation in the stream; else null. */
  offset: number | null;
  /** Milliseconds from accept until the connection was given up. */
  afterMs: number;
  /** Bytes received before giving up. */
  received: number;
}

/** Payload counters of an open connection (at most once per interval, or per chunk with -x). */
export interface DataEvent {
  event: "data";
  /** ISO 8601, UTC. */
  time: string;
  /** Connection number. */
  id: number;
  /** Payload bytes received so far (after the header). */
  in: number;
  /** Bytes sent back so far (echo, reply-info line). */
  out: number;
  /** With --hexdump or --show hex: the chunk just received, lowercase hex. */
  hex?: string;
  /** With --show text: the chunk just received, as UTF-8 (invalid bytes as U+FFFD). */
  text?: string;
}

/** A connection that had a header ended. */
export interface CloseEvent {
  event: "close";
  /** ISO 8601, UTC. */
  time: string;
  /** Connection number. */
  id: number;
  /** Payload bytes received (after the header). */
  in: number;
  /** Bytes sent back. */
  out: number;
  /** Milliseconds from accept to close. */
  durationMs: number;
  /** The transport error code that ended it (e.g. "RESET"), or null for an orderly end. */
  error: string | null;
}

/** One UDP datagram with a valid header (§2: parsed on its own). */
export interface DatagramEvent {
  event: "datagram";
  /** ISO 8601, UTC. */
  time: string;
  /** Datagram number, from 1. */
  id: number;
  /** The real peer. */
  peer: EndpointJson;
  /** Bytes in the datagram. */
  length: number;
  /** True when `--optional` passed a datagram from outside `--trust` through unparsed. */
  untrusted: boolean;
  /** The header (trailingBytes = payload length), or null without one (`--optional`). */
  header: HeaderJson | null;
  /** Payload bytes after the header. */
  payload: number;
  /** Bytes sent back (echo, reply-info datagram). */
  out: number;
  /** With --hexdump or --show hex: the payload, lowercase hex. */
  hex?: string;
  /** With --show text: the payload as UTF-8. */
  text?: string;
  /** TLVs left out of `header` to keep the event small. */
  tlvsOmitted?: OmittedTlvs;
  /**
   * --reply-info bytes not sent: a reply larger than the datagram goes only to a peer in
   * --trust (anyone else could make us an amplifier with a spoofed source).
   */
  withheld?: number;
}

/** Events not printed because stdout was not read fast enough (the server never waits). */
export interface DroppedEvent {
  event: "dropped";
  /** ISO 8601, UTC. */
  time: string;
  /** Events dropped since the last one printed. */
  count: number;
}

/** One connection, start to end (`--oneline`): printed when it ends or is rejected. */
export interface ConnectionEvent {
  event: "connection";
  /** ISO 8601, UTC (the end). */
  time: string;
  /** Connection number. */
  id: number;
  /** The real peer. */
  peer: EndpointJson;
  /** The header, or null (rejected, or --optional without one). */
  header: HeaderJson | null;
  /** TLVs left out of `header`. */
  tlvsOmitted?: OmittedTlvs;
  /** Null when served; else why not (as in `reject`). */
  reject:
    | { reason: RejectReason; code: string | null; message: string; offset: number | null }
    | null;
  /** Payload bytes received. */
  in: number;
  /** Bytes sent. */
  out: number;
  /** Milliseconds from accept to the end. */
  durationMs: number;
  /** The transport error code that ended it, or null. */
  error: string | null;
}

/** The last event, when the listener stops (SIGINT, SIGTERM, --once): what it saw. */
export interface SummaryEvent {
  event: "summary";
  /** ISO 8601, UTC. */
  time: string;
  /** What stopped it: "SIGINT", "SIGTERM", "once" or "stopped" (in-process). */
  reason: string;
  /** Milliseconds since listening. */
  durationMs: number;
  /** Connections accepted (UDP: datagrams received). */
  connections: number;
  /** Connections (datagrams) served with a header. */
  served: number;
  /** Rejected, by reason. */
  rejected: Partial<Record<RejectReason, number>>;
  /** Payload bytes received and bytes sent, over all connections. */
  in: number;
  /** Bytes sent. */
  out: number;
  /** Events not printed because stdout was not read fast enough. */
  dropped: number;
}

/** Anything `ppcat listen` reports. */
export type ListenEvent =
  | ListeningEvent
  | AcceptEvent
  | HeaderEvent
  | RejectEvent
  | DataEvent
  | CloseEvent
  | DatagramEvent
  | DroppedEvent
  | ConnectionEvent
  | SummaryEvent;

/** Most TLVs one event shows ({@linkcode capHeader}). */
export const EVENT_MAX_TLVS = 32;

/** Most TLV value bytes one event shows ({@linkcode capHeader}). */
export const EVENT_MAX_TLV_BYTES = 2048;

/**
 * The header as one event shows it: the TLVs in wire order while they stay within
 * {@linkcode EVENT_MAX_TLVS} and {@linkcode EVENT_MAX_TLV_BYTES}, the rest counted, so a
 * 64 KiB header of tiny TLVs (or one huge one) prints a few KiB instead of megabytes. TLVs shown
 * are whole; `headerLength` still tells the real size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { capHeader } from "./listen_events.ts";
 * const tlv = { type: 4, value: new Uint8Array(0) };
 * const header = {
 *   version: 2, command: "PROXY", protocol: "UNSPEC", source: null, destination: null,
 *   tlvs: Array(40).fill(tlv), crc32c: null, headerLength: 136,
 * } as const;
 * const capped = capHeader(header);
 * assert.equal(capped.header.tlvs.length, 32);
 * assert.deepEqual(capped.omitted, { count: 8, bytes: 0 });
 * ```
 */
export function capHeader(
  header: ProxyHeader,
): { header: ProxyHeader; omitted: OmittedTlvs | null } {
  let bytes = 0;
  const shown: Tlv[] = [];
  let omittedBytes = 0;
  for (const tlv of header.tlvs) {
    if (shown.length < EVENT_MAX_TLVS && bytes + tlv.value.length <= EVENT_MAX_TLV_BYTES) {
      shown.push(tlv);
      bytes += tlv.value.length;
    } else omittedBytes += tlv.value.length;
  }
  const count = header.tlvs.length - shown.length;
  if (count === 0) return { header, omitted: null };
  return { header: { ...header, tlvs: shown }, omitted: { count, bytes: omittedBytes } };
}

/** What the human rendering needs beyond the JSON event. */
export interface EventDetail {
  /** The decoded header of a `header` or `datagram` event. */
  readonly header?: ProxyHeader | null;
  /** The payload chunk of a `data` event (-x, --show) or `datagram` event; valid only during the call (buffers are reused). */
  readonly bytes?: Uint8Array;
  /** Offset of `bytes` in the connection's payload stream (hex dump addresses). */
  readonly offset?: number;
}

/** Options for {@linkcode renderEvent}. */
export interface RenderOptions {
  /** ANSI colours (a terminal, and NO_COLOR unset). */
  readonly color?: boolean;
  /** Dump payload bytes (-x). */
  readonly hexdump?: boolean;
  /** Show payload bytes as text (--show text), escaped except for line ends. */
  readonly text?: boolean;
  /** --allow-crc-mismatch was given (noted next to an invalid CRC). */
  readonly allowCrcMismatch?: boolean;
}

/**
 * One event as one line of JSON (NDJSON).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { eventLine } from "./listen_events.ts";
 * const line = eventLine({ event: "data", time: "2026-01-01T00:00:00.000Z", id: 1, in: 2, out: 2 });
 * assert.equal(line, '{"event":"data","time":"2026-01-01T00:00:00.000Z","id":1,"in":2,"out":2}\n');
 * ```
 */
export function eventLine(event: ListenEvent): string {
  return `${JSON.stringify(event)}\n`;
}

const ANSI = { bold: "1", dim: "2", red: "31", green: "32", yellow: "33", cyan: "36" } as const;

/** Bytes per hex dump line. */
export const HEXDUMP_WIDTH = 16;

/**
 * A classic hex dump: offset, 16 bytes in hex, and the printable ASCII ("." for the rest), each
 * line starting with `indent`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hexDump } from "./listen_events.ts";
 * assert.equal(
 *   hexDump(new TextEncoder().encode("hi\n"), 16, "  "),
 *   "  00000010  68 69 0a" + " ".repeat(40) + "  |hi.|\n",
 * );
 * ```
 */
export function hexDump(bytes: Uint8Array, offset = 0, indent = ""): string {
  let out = "";
  for (let at = 0; at < bytes.length; at += HEXDUMP_WIDTH) {
    const line = bytes.subarray(at, at + HEXDUMP_WIDTH);
    let hex = "";
    let text = "";
    for (let i = 0; i < HEXDUMP_WIDTH; i++) {
      if (i > 0) hex += i === 8 ? "  " : " ";
      const b = line[i];
      if (b !== undefined) {
        hex += toHex(line.subarray(i, i + 1));
        text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
      } else hex += "  ";
    }
    out += `${indent}${(offset + at).toString(16).padStart(8, "0")}  ${hex}  |${text}|\n`;
  }
  return out;
}

/**
 * Payload as text, like `socat -v`: printable ASCII and UTF-8 as they are, line ends kept,
 * other control bytes escaped (`\r`, `\t`, `\xHH`) so the terminal is never driven by the peer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textDump } from "./listen_events.ts";
 * assert.equal(textDump(new TextEncoder().encode("GET /\r\n\x1b[2J"), "> "), "> GET /\\r\n> \\x1b[2J\n");
 * ```
 */
export function textDump(bytes: Uint8Array, indent = ""): string {
  const text = new TextDecoder().decode(bytes);
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === "\n") out += "\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) {
      out += `\\x${c.toString(16).padStart(2, "0")}`;
    } else if (c === 0x202e || c === 0x202d || (c >= 0x2066 && c <= 0x2069)) {
      out += `\\u${c.toString(16)}`; // bidirectional overrides: shown, not obeyed
    } else out += ch;
  }
  const lines = out.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => `${indent}${l}\n`).join("");
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/**
 * Formats an address for people: `a.b.c.d:port`, `[v6]:port`, `unix:"/path"`, or
 * `unix (unnamed)`. Socket paths are quoted and escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endpointText } from "./listen_events.ts";
 * assert.equal(endpointText({ address: "::1", port: 8080 }), "[::1]:8080");
 * assert.equal(endpointText({ path: "" }), "unix (unnamed)");
 * ```
 */
export function endpointText(endpoint: EndpointJson): string {
  if ("path" in endpoint) {
    return endpoint.path === "" ? "unix (unnamed)" : `unix:${quote(endpoint.path)}`;
  }
  return formatEndpoint(endpoint);
}

function indent(text: string, prefix: string): string {
  return text.replace(/^(?=.)/gm, prefix);
}

const BLOCK_INDENT = "    ";
// The "trailing bytes" line of formatHeader (possibly wrapped in colour codes).
const TRAILING_LINE = /^.*trailing bytes:.*\n/m;

/**
 * Renders one event for people: a line starting with the time (UTC) and `#id`, followed for
 * headers by the header block of `ppcat decode`, and with -x by a hex dump of the payload.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderEvent } from "./listen_events.ts";
 * const text = renderEvent({
 *   event: "accept",
 *   time: "2026-01-01T12:34:56.789Z",
 *   id: 3,
 *   peer: { address: "127.0.0.1", port: 40000 },
 *   local: { address: "127.0.0.1", port: 8080 },
 * });
 * assert.equal(text, "12:34:56.789 #3 accept from 127.0.0.1:40000 on 127.0.0.1:8080\n");
 * ```
 */
export function renderEvent(
  event: ListenEvent,
  detail: EventDetail = {},
  options: RenderOptions = {},
): string {
  const color = options.color ?? false;
  const paint = (style: keyof typeof ANSI, text: string) =>
    color ? `\x1b[${ANSI[style]}m${text}\x1b[0m` : text;
  const clock = paint("dim", event.time.slice(11, 23));
  const tag = "id" in event ? ` ${paint("bold", `#${event.id}`)}` : "";
  const head = `${clock}${tag} `;
  // `trailingBytes` null: a stream, where payload is counted by data/close events instead.
  const headerBlock = (header: ProxyHeader | null | undefined, trailingBytes: number | null) => {
    if (!header) return "";
    const text = formatHeader(header, {
      color,
      trailingBytes: trailingBytes ?? 0,
      crcMismatchAllowed: options.allowCrcMismatch ?? false,
    });
    return indent(trailingBytes === null ? text.replace(TRAILING_LINE, "") : text, BLOCK_INDENT);
  };
  const dump = (bytes: Uint8Array | undefined, offset: number) =>
    bytes === undefined
      ? ""
      : options.hexdump
      ? hexDump(bytes, offset, BLOCK_INDENT)
      : options.text
      ? textDump(bytes, BLOCK_INDENT)
      : "";
  const omitted = (o: OmittedTlvs | undefined) =>
    o === undefined
      ? ""
      : `${BLOCK_INDENT}… ${plural(o.count, "more TLV")} (${plural(o.bytes, "byte")}) not shown\n`;

  switch (event.event) {
    case "listening":
      return `${head}${paint("green", "listening")} on ${event.transport} ${
        endpointText(event.address)
      }\n`;
    case "accept":
      return `${head}${paint("cyan", "accept")} from ${endpointText(event.peer)} on ${
        endpointText(event.local)
      }\n`;
    case "header": {
      const peer = endpointText(event.peer);
      if (event.header === null) {
        const why = event.untrusted
          ? `untrusted peer ${peer} served without a header`
          : `no PROXY header from ${peer}, bytes passed through as payload`;
        return `${head}${paint("yellow", "no header")}: ${why} (--optional)\n`;
      }
      const h = event.header;
      const source = h.source === null ? "no addresses" : `source ${endpointText(h.source)}`;
      return `${head}${paint("green", "header")} v${h.version} ${h.command} ${h.protocol} ` +
        `from ${peer} after ${event.headerMs} ms, ${source}\n${headerBlock(detail.header, null)}` +
        omitted(event.tlvsOmitted);
    }
    case "reject": {
      const what = event.code === null ? event.reason : `${event.reason} ${event.code}`;
      const at = event.offset === null ? "" : ` at byte ${event.offset}`;
      return `${head}${paint("red", "reject")} ${endpointText(event.peer)}: ${what}${at}: ` +
        `${event.message} (after ${event.afterMs} ms, ${plural(event.received, "byte")} ` +
        `received)\n`;
    }
    case "data":
      return `${head}${paint("dim", "data")} in ${plural(event.in, "byte")}, out ${
        plural(event.out, "byte")
      }\n${dump(detail.bytes, detail.offset ?? 0)}`;
    case "close":
      return `${head}${paint("cyan", "close")} in ${plural(event.in, "byte")}, out ${
        plural(event.out, "byte")
      }, after ${event.durationMs} ms${event.error === null ? "" : `, ${event.error}`}\n`;
    case "datagram": {
      const peer = endpointText(event.peer);
      const h = event.header;
      const what = h === null
        ? paint("yellow", event.untrusted ? "untrusted, no header" : "no header")
        : `${paint("green", "header")} v${h.version} ${h.command} ${h.protocol}, ${
          h.source === null ? "no addresses" : `source ${endpointText(h.source)}`
        }`;
      return `${head}${paint("cyan", "datagram")} from ${peer}, ${
        plural(event.length, "byte")
      }: ${what}\n${headerBlock(detail.header, event.payload)}${
        omitted(event.tlvsOmitted)
      }${BLOCK_INDENT}payload ${plural(event.payload, "byte")}, out ${plural(event.out, "byte")}${
        event.withheld ? `, ${plural(event.withheld, "byte")} of --reply-info withheld` : ""
      }\n${dump(detail.bytes, 0)}`;
    }
    case "dropped":
      return `${head}${paint("yellow", "dropped")} ${
        plural(event.count, "event")
      }: stdout was not read fast enough\n`;
    case "connection": {
      const peer = endpointText(event.peer);
      const took = `${event.durationMs} ms`;
      if (event.reject !== null) {
        const r = event.reject;
        const at = r.offset === null ? "" : ` at byte ${r.offset}`;
        return `${head}${paint("red", "reject")} ${peer}: ${r.reason}${
          r.code === null ? "" : ` ${r.code}`
        }${at}: ${r.message} (${took})\n`;
      }
      const h = event.header;
      const what = h === null
        ? "no header"
        : `v${h.version} ${h.protocol}${h.source === null ? "" : ` ${endpointText(h.source)}`}${
          h.destination === null ? "" : ` -> ${endpointText(h.destination)}`
        }`;
      return `${head}${paint("green", "ok")} ${peer}: ${what}, in ${
        plural(event.in, "byte")
      }, out ${plural(event.out, "byte")}, ${took}${
        event.error === null ? "" : `, ${event.error}`
      }\n`;
    }
    case "summary": {
      const rejected = Object.entries(event.rejected).map(([k, v]) => `${v} ${k}`).join(", ");
      return `${head}${paint("bold", "summary")} (${event.reason}) after ${event.durationMs} ms: ${
        plural(event.connections, "connection")
      }, ${event.served} served, ${
        rejected === "" ? "none rejected" : `rejected: ${rejected}`
      }; in ${plural(event.in, "byte")}, out ${plural(event.out, "byte")}${
        event.dropped > 0 ? `; ${plural(event.dropped, "event")} dropped (stdout not read)` : ""
      }\n`;
    }
  }
}
