/**
 * The human form of a decoded header: aligned "key: value" lines, optionally
 * coloured. Shared by `decode` (and later `listen`). Everything that comes from
 * the wire is escaped, so a hostile header cannot drive the terminal.
 *
 * @module
 */

import { hostPort } from "../lib/address.ts";
import type { Endpoint, ProxyHeader } from "../lib/header.ts";
import { describeTlv, type TlvJson } from "../lib/tlv.ts";

/** Options for {@linkcode formatHeader}. */
export interface FormatOptions {
  /** Emit ANSI colours (only when stdout is a terminal and NO_COLOR is unset). */
  readonly color?: boolean;
  /** Bytes after the header (payload). */
  readonly trailingBytes?: number;
  /** Note next to an invalid CRC that the mismatch was tolerated on request. */
  readonly crcMismatchAllowed?: boolean;
}

/** Longest hex dump shown for an opaque value before it is cut short. */
export const HEX_PREVIEW_BYTES = 32;

const ANSI = { bold: "1", dim: "2", red: "31", green: "32", yellow: "33", cyan: "36" } as const;
type Style = keyof typeof ANSI;

// C1 controls, DEL, line/paragraph separators and bidi overrides are not escaped by JSON.stringify.
const UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Quotes a string for the terminal: JSON escapes plus DEL, C1 controls and bidi controls.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quote } from "./format.ts";
 * assert.equal(quote("h2"), '"h2"');
 * assert.equal(quote("a\x1b[2Jb\u202e"), '"a\\u001b[2Jb\\u202e"');
 * ```
 */
export function quote(text: string): string {
  return JSON.stringify(text).replace(
    UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Formats an endpoint: `a.b.c.d:port`, `[v6]:port`, or a quoted UNIX path; "none" for null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatEndpoint } from "./format.ts";
 * assert.equal(formatEndpoint({ address: "2001:db8::1", port: 443 }), "[2001:db8::1]:443");
 * assert.equal(formatEndpoint({ address: "192.0.2.1", port: 80 }), "192.0.2.1:80");
 * assert.equal(formatEndpoint({ path: "/run/a.sock" }), '"/run/a.sock"');
 * assert.equal(formatEndpoint(null), "none");
 * ```
 */
export function formatEndpoint(endpoint: Endpoint | null): string {
  if (endpoint === null) return "none";
  if ("path" in endpoint) return quote(endpoint.path);
  return hostPort(quote(endpoint.address).slice(1, -1), endpoint.port);
}

function hexPreview(hex: string): string {
  const length = hex.length / 2;
  if (length === 0) return "empty";
  if (length <= HEX_PREVIEW_BYTES) return `hex ${hex} (${plural(length)})`;
  return `hex ${hex.slice(0, HEX_PREVIEW_BYTES * 2)}… (${plural(length)})`;
}

function plural(n: number): string {
  return n === 1 ? "1 byte" : `${n} bytes`;
}

function hexByte(n: number): string {
  return `0x${n.toString(16).padStart(2, "0")}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fallback(value: unknown, hex: string): string {
  if (value === null || value === undefined) return hexPreview(hex);
  if (typeof value === "string") return quote(value);
  return quote(JSON.stringify(value)).slice(1, -1);
}

function formatSslSub(sub: TlvJson): string {
  if (sub.name === "CLIENT_CERT") return `${plural(sub.hex.length / 2)} of DER`;
  return fallback(sub.value, sub.hex);
}

/** The decoded value of one top-level TLV, on one line (SSL sub-TLVs are separate lines). */
function formatTlvValue(t: TlvJson): string {
  const v = t.value;
  switch (t.name) {
    case "CRC32C":
      return typeof v === "number" ? `0x${v.toString(16).padStart(8, "0")}` : hexPreview(t.hex);
    case "NOOP":
      return plural(t.hex.length / 2);
    case "SSL":
      if (isRecord(v)) {
        const flags = Array.isArray(v.clientFlags) ? v.clientFlags.join(",") : "";
        const client = typeof v.client === "number" ? hexByte(v.client) : "?";
        return `client=${client}${flags ? ` (${flags})` : ""} verify=${String(v.verify)}`;
      }
      return `malformed, ${hexPreview(t.hex)}`;
    case "AWS":
      if (isRecord(v) && typeof v.vpceId === "string") return `vpce-id ${quote(v.vpceId)}`;
      if (isRecord(v) && typeof v.subtype === "number") {
        return `subtype ${hexByte(v.subtype)}, ${hexPreview(t.hex.slice(2))}`;
      }
      return hexPreview(t.hex);
    case "AZURE":
      if (isRecord(v) && typeof v.linkId === "number") return `link-id ${v.linkId}`;
      return hexPreview(t.hex);
    case "GCP":
      if (isRecord(v) && typeof v.pscConnectionId === "string") {
        return `psc-connection-id ${v.pscConnectionId}`;
      }
      return hexPreview(t.hex);
    default:
      return fallback(v, t.hex);
  }
}

/**
 * Renders a decoded header as aligned "key: value" lines, each ending in "\n".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatHeader } from "./format.ts";
 * const text = formatHeader({
 *   version: 1,
 *   command: "PROXY",
 *   protocol: "TCP4",
 *   source: { address: "192.0.2.1", port: 56324 },
 *   destination: { address: "192.0.2.11", port: 443 },
 *   tlvs: [],
 *   crc32c: null,
 *   headerLength: 44,
 * }, { trailingBytes: 3 });
 * assert.match(text, /^source:\s+192\.0\.2\.1:56324$/m);
 * assert.match(text, /^trailing bytes: 3$/m);
 * ```
 */
export function formatHeader(header: ProxyHeader, options: FormatOptions = {}): string {
  const color = options.color ?? false;
  const paint = (style: Style, text: string) => color ? `\x1b[${ANSI[style]}m${text}\x1b[0m` : text;
  const rows: [string, string][] = [];
  rows.push(["version", String(header.version)]);
  rows.push(["command", header.command]);
  rows.push(["protocol", header.protocol]);
  const endpoint = (e: Endpoint | null) => e === null ? paint("dim", "none") : formatEndpoint(e);
  rows.push(["source", endpoint(header.source)]);
  rows.push(["destination", endpoint(header.destination)]);
  for (const tlv of header.tlvs) {
    const t = describeTlv(tlv);
    const label = `${paint("cyan", t.name)} (${hexByte(t.type)})`;
    rows.push(["tlv", `${label} ${formatTlvValue(t)}`]);
    if (t.name === "SSL" && isRecord(t.value) && Array.isArray(t.value.tlvs)) {
      for (const sub of t.value.tlvs as TlvJson[]) {
        rows.push([
          "  ssl",
          `${paint("cyan", sub.name)} (${hexByte(sub.type)}) ${formatSslSub(sub)}`,
        ]);
      }
    }
  }
  let crc: string;
  if (header.crc32c === "valid") crc = paint("green", "valid");
  else if (header.crc32c === "invalid") {
    crc = paint("red", "invalid") +
      (options.crcMismatchAllowed ? " (mismatch allowed by --allow-crc-mismatch)" : "");
  } else crc = paint("dim", "none");
  rows.push(["crc32c", crc]);
  rows.push(["header length", plural(header.headerLength)]);
  rows.push(["trailing bytes", String(options.trailingBytes ?? 0)]);

  let width = 0;
  for (const [key] of rows) width = Math.max(width, key.length + 1);
  let out = "";
  for (const [key, value] of rows) {
    out += `${paint("bold", `${key}:`)}${" ".repeat(width - key.length)}${value}\n`;
  }
  return out;
}
