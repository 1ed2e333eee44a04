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
import type { ProxyHeader } from "../lib/header.ts";
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
  /** With --hexdump: the chunk just received, lowercase hex. */
  hex?: string;
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
  /** With --hexdump: the payload, lowercase hex. */
  hex?: string;
}

/** Anything `ppcat listen` reports. */
export type ListenEvent =
  | ListeningEvent
  | AcceptEvent
  | HeaderEvent
  | RejectEvent
  | DataEvent
  | CloseEvent
  | DatagramEvent;

/** What the human rendering needs beyond the JSON event. */
export interface EventDetail {
  /** The decoded header of a `header` or `datagram` event. */
  readonly header?: ProxyHeader | null;
  /** The payload chunk of a `data` event (-x) or `datagram` event. */
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
      if (i < line.length) {
        hex += toHex(line.subarray(i, i + 1));
        text += line[i] >= 0x20 && line[i] < 0x7f ? String.fromCharCode(line[i]) : ".";
      } else hex += "  ";
    }
    out += `${indent}${(offset + at).toString(16).padStart(8, "0")}  ${hex}  |${text}|\n`;
  }
  return out;
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
      crcMismatchAllowed: options.allowCrcMismatch,
    });
    return indent(trailingBytes === null ? text.replace(TRAILING_LINE, "") : text, BLOCK_INDENT);
  };
  const dump = (bytes: Uint8Array | undefined, offset: number) =>
    options.hexdump && bytes !== undefined ? hexDump(bytes, offset, BLOCK_INDENT) : "";

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
        `from ${peer} after ${event.headerMs} ms, ${source}\n${headerBlock(detail.header, null)}`;
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
      }: ${what}\n${headerBlock(detail.header, event.payload)}${BLOCK_INDENT}payload ${
        plural(event.payload, "byte")
      }, out ${plural(event.out, "byte")}\n${dump(detail.bytes, 0)}`;
    }
  }
}
