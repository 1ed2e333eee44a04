/**
 * Codec benchmark: ppcat's `decodeHeader` / `encodeHeader` against the npm
 * packages `proxy-protocol-js` (4.0.6) and `@balena/proxy-protocol-parser`
 * (1.0.2), side by side in one run, on four headers: v1 TCP4, v1 TCP6,
 * v2 TCP4 and v2 TCP6 with TLVs (ALPN, AUTHORITY, UNIQUE_ID, SSL, CRC32C).
 *
 * ```sh
 * deno task bench [--json]
 * ./node_modules/.bin/bun bench/codec_bench.ts [--json]
 * ```
 *
 * Method: every (row, library, op) is first checked once against reference
 * bytes built here, independently of lib/ (decoded addresses and ports equal
 * the input, encoded bytes equal the reference and decode back with ppcat).
 * Then each library is warmed up, and timed in batches with
 * `performance.now()` for a fixed budget per sample; samples of the three
 * libraries are taken in interleaved rounds and the median ns/op is reported.
 * Every result (decoders: the source address and port) is folded into a sink
 * that is printed, so the work cannot be dropped or deferred. Address strings
 * are consumed by reading a character, not just `length`: both engines build
 * strings joined with `+` lazily (ropes that store their length and are
 * flattened, i.e. copied, on first read of their content), so `length` alone
 * would leave that work out of the timing. Bytes in, bytes
 * out for everyone: decoders get a Buffer, encoders must produce bytes.
 *
 * Each row also times its floor (codec_floors.ts: the least work any
 * implementation of ppcat's contract must do, nothing validated), and rows
 * below the 3x target say whether their floor leaves room for it at all.
 *
 * Exit status: 0, or 1 when a ppcat correctness check fails. A competitor
 * that cannot do a row is shown as "n/a", one whose output is wrong as
 * "wrong", each with a footnote; neither counts in the ratio.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import process from "node:process";
import ppj from "proxy-protocol-js";
import balenaModule from "@balena/proxy-protocol-parser";
import { decodeHeader } from "../lib/decode.ts";
import { encodeHeader, encodeHeaderInto } from "../lib/encode.ts";
import type { HeaderInit, ProxyHeader, Tlv } from "../lib/header.ts";
import { consumeText, type Floor, floorOf } from "./codec_floors.ts";

/** Warm-up per (row, op, library), in milliseconds. */
const WARMUP_MS = 150;
/** Length of one timed sample, in milliseconds. */
const SAMPLE_MS = 50;
/**
 * Timed samples per (row, op, library); the median is reported. Many short samples, taken
 * in rounds across the libraries, rather than a few long ones: on a shared machine the
 * speed drifts, and interleaving makes the drift hit every library alike.
 */
const SAMPLES = 10;
/** The speed-up over the faster competitor that ppcat aims for. */
const TARGET_RATIO = 3;
/** A batch is grown until it takes at least this long, so timer cost stays negligible. */
const MIN_BATCH_MS = 1;

// ---------------------------------------------------------------------------
// The competitors' APIs, as used here (read from their sources in node_modules).

/** `@balena/proxy-protocol-parser` socket details (its typings omit most fields). */
interface BalenaDetails {
  protocol?: string;
  remoteFamily?: string;
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
}
interface BalenaApi {
  decode(buf: Buffer, validate?: boolean): BalenaDetails | null;
  v1_encode(details: BalenaDetails): Buffer;
  v2_encode(details: BalenaDetails): Buffer;
}
const balena = balenaModule as unknown as BalenaApi;

// ---------------------------------------------------------------------------
// Reference data, built without lib/ so that it can catch ppcat's mistakes.

const V2_SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** Bitwise CRC32C (Castagnoli, reflected polynomial 0x82F63B78), for the reference bytes only. */
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

interface Peer {
  address: string;
  port: number;
  /** The address in network byte order. */
  bytes: number[];
}

interface Row {
  name: string;
  version: 1 | 2;
  protocol: "TCP4" | "TCP6";
  source: Peer;
  destination: Peer;
  /** TLVs before the CRC32C one. */
  tlvs: Tlv[];
  crc32c: boolean;
  /** The whole header as it must appear on the wire. */
  wire: Uint8Array;
  /** Offset of the first TLV (v2), else the header length. */
  tlvStart: number;
}

const V4_SOURCE: Peer = { address: "192.0.2.10", port: 56324, bytes: [192, 0, 2, 10] };
const V4_DESTINATION: Peer = { address: "198.51.100.20", port: 443, bytes: [198, 51, 100, 20] };
// Chosen so that every library's text form is the RFC 5952 one (balena compresses the first
// run of zero groups, which is canonical here).
const V6_SOURCE: Peer = {
  address: "2001:db8:85a3::8a2e:370:7334",
  port: 56324,
  bytes: [0x20, 0x01, 0x0d, 0xb8, 0x85, 0xa3, 0, 0, 0, 0, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x34],
};
const V6_DESTINATION: Peer = {
  address: "2001:db8::443",
  port: 443,
  bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x43],
};

function v1Row(name: string, protocol: "TCP4" | "TCP6", src: Peer, dst: Peer): Row {
  const line = `PROXY ${protocol} ${src.address} ${dst.address} ${src.port} ${dst.port}\r\n`;
  const wire = ascii(line);
  return {
    name,
    version: 1,
    protocol,
    source: src,
    destination: dst,
    tlvs: [],
    crc32c: false,
    wire,
    tlvStart: wire.length,
  };
}

function v2Row(
  name: string,
  protocol: "TCP4" | "TCP6",
  src: Peer,
  dst: Peer,
  tlvs: Tlv[],
  crc32c: boolean,
): Row {
  const bytes: number[] = [...V2_SIGNATURE, 0x21, protocol === "TCP4" ? 0x11 : 0x21, 0, 0];
  bytes.push(...src.bytes, ...dst.bytes);
  bytes.push(src.port >> 8, src.port & 0xff, dst.port >> 8, dst.port & 0xff);
  const tlvStart = bytes.length;
  for (const tlv of tlvs) {
    bytes.push(tlv.type, tlv.value.length >> 8, tlv.value.length & 0xff, ...tlv.value);
  }
  let crcAt = -1;
  if (crc32c) {
    bytes.push(0x03, 0x00, 0x04);
    crcAt = bytes.length;
    bytes.push(0, 0, 0, 0);
  }
  const len = bytes.length - 16;
  bytes[14] = len >> 8;
  bytes[15] = len & 0xff;
  const wire = new Uint8Array(bytes);
  if (crcAt >= 0) {
    const crc = referenceCrc32c(wire); // §2.2.3: computed with the value field at zero
    wire[crcAt] = crc >>> 24;
    wire[crcAt + 1] = (crc >>> 16) & 0xff;
    wire[crcAt + 2] = (crc >>> 8) & 0xff;
    wire[crcAt + 3] = crc & 0xff;
  }
  return {
    name,
    version: 2,
    protocol,
    source: src,
    destination: dst,
    tlvs,
    crc32c,
    wire,
    tlvStart,
  };
}

function sslValue(client: number, verify: number, subs: [number, string][]): Uint8Array {
  const bytes = [
    client,
    verify >>> 24,
    (verify >>> 16) & 0xff,
    (verify >>> 8) & 0xff,
    verify & 0xff,
  ];
  for (const [type, text] of subs) {
    bytes.push(type, text.length >> 8, text.length & 0xff, ...ascii(text));
  }
  return new Uint8Array(bytes);
}

const UNIQUE_ID = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
const TLVS: Tlv[] = [
  { type: 0x01, value: ascii("h2") }, // ALPN
  { type: 0x02, value: ascii("example.com") }, // AUTHORITY
  { type: 0x05, value: UNIQUE_ID }, // UNIQUE_ID, 32 bytes
  // SSL: client = SSL | CERT_CONN | CERT_SESS, verify = 0, VERSION and CN sub-TLVs (§2.2.6)
  { type: 0x20, value: sslValue(0x07, 0, [[0x21, "TLSv1.3"], [0x22, "example.com"]]) },
];

const ROWS: Row[] = [
  v1Row("v1 TCP4", "TCP4", V4_SOURCE, V4_DESTINATION),
  v1Row("v1 TCP6", "TCP6", V6_SOURCE, V6_DESTINATION),
  v2Row("v2 TCP4", "TCP4", V4_SOURCE, V4_DESTINATION, [], false),
  v2Row("v2 TCP6+TLVs", "TCP6", V6_SOURCE, V6_DESTINATION, TLVS, true),
];

// ---------------------------------------------------------------------------
// Checks. Each returns null when correct, else what is wrong.

/** Null when equal, else the length difference and the first few differing bytes. */
function sameBytes(actual: ArrayLike<number>, expected: ArrayLike<number>): string | null {
  const problems: string[] = [];
  if (actual.length !== expected.length) {
    problems.push(`${actual.length} bytes, expected ${expected.length}`);
  }
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n && problems.length < 4; i++) {
    if (actual[i] !== expected[i]) {
      problems.push(`byte ${i} is 0x${hex(actual[i])}, expected 0x${hex(expected[i])}`);
    }
  }
  return problems.length === 0 ? null : problems.join(", ");
}

function hex(n: number | undefined): string {
  return n === undefined ? "??" : n.toString(16).padStart(2, "0");
}

function checkPeer(what: string, address: unknown, port: unknown, peer: Peer): string | null {
  if (address !== peer.address) {
    return `${what} address ${String(address)}, expected ${peer.address}`;
  }
  if (port !== peer.port) return `${what} port ${String(port)}, expected ${peer.port}`;
  return null;
}

function checkPpcatHeader(header: ProxyHeader, row: Row): string | null {
  if (header.version !== row.version) return `version ${header.version}`;
  if (header.command !== "PROXY") return `command ${header.command}`;
  if (header.protocol !== row.protocol) return `protocol ${header.protocol}`;
  if (header.headerLength !== row.wire.length) return `headerLength ${header.headerLength}`;
  const src = header.source;
  const dst = header.destination;
  if (!src || !dst || !("address" in src) || !("address" in dst)) return "no inet endpoints";
  const bad = checkPeer("source", src.address, src.port, row.source) ??
    checkPeer("destination", dst.address, dst.port, row.destination);
  if (bad) return bad;
  const expected = row.crc32c ? row.tlvs.length + 1 : row.tlvs.length;
  if (header.tlvs.length !== expected) return `${header.tlvs.length} TLVs, expected ${expected}`;
  for (let i = 0; i < row.tlvs.length; i++) {
    const got = header.tlvs[i]!;
    if (got.type !== row.tlvs[i]!.type) return `TLV ${i} has type ${got.type}`;
    const diff = sameBytes(got.value, row.tlvs[i]!.value);
    if (diff) return `TLV ${i} value: ${diff}`;
  }
  if (row.crc32c && header.tlvs[row.tlvs.length]!.type !== 0x03) return "last TLV is not CRC32C";
  const crc = row.crc32c ? "valid" : null;
  if (header.crc32c !== crc) return `crc32c ${header.crc32c}, expected ${crc}`;
  return null;
}

function checkPpcatDecode(bytes: Uint8Array, row: Row): string | null {
  const r = decodeHeader(bytes);
  if (!r.ok) return `${r.error.code} at ${r.error.offset}: ${r.error.message}`;
  return checkPpcatHeader(r.value, row);
}

/** Encoded bytes must equal the reference and decode back with ppcat. */
function checkEncoded(bytes: Uint8Array, row: Row): string | null {
  const diff = sameBytes(bytes, row.wire);
  if (diff) return diff;
  const back = checkPpcatDecode(bytes, row);
  return back === null ? null : `does not decode back with ppcat: ${back}`;
}

// ---------------------------------------------------------------------------
// The cells of the table.

type Library = "ppcat" | "proxy-protocol-js" | "balena";
type Op = "decode" | "encode";
const OPS: readonly Op[] = ["decode", "encode"];

/** Printed under the table. */
const VALIDATION_NOTE =
  "ppcat validates fully: strict §2.1 grammar (one space, no leading zeros, canonical " +
  "addresses, ports <= 65535, CRLF within 107 bytes), §2.2 preamble and len, TLVs tiling len " +
  "exactly, per-type TLV rules (SSL sub-TLVs, UNIQUE_ID <= 128, CRC32C length) and the " +
  "CRC32C itself; it formats addresses as text (RFC 5952 for IPv6) and returns the header " +
  "length. The other two validate far less and skip work (see the footnotes): the ratios " +
  "compare ppcat's full job with their partial ones.";

/** Footnotes, referenced by key from the cells. */
const NOTES: Record<string, string> = {
  ppcatEncode: "ppcat encodeHeader returns a new array with an ArrayBuffer of its own, never a " +
    "view of memory shared with other headers (whose bytes its .buffer would expose); on Deno " +
    "that allocation is most of the time. Writing into the caller's reused array instead " +
    "({extra}).",
  ppjV1Decode: "proxy-protocol-js V1ProxyProtocol.parse takes a JS string, so the time " +
    'includes buf.toString("latin1") (bytes in, as for the others; {extra}). One regex; any ' +
    "non-space token is accepted as an address, ports are not range-checked and may have " +
    "leading zeros.",
  ppjV1Encode: "proxy-protocol-js V1ProxyProtocol#build returns a JS string, so the time " +
    'includes Buffer.from(text, "latin1") (bytes out, as for the others; {extra}); the ' +
    "object is built once, outside the timing; nothing is validated.",
  ppjV2Decode: "proxy-protocol-js V2ProxyProtocol.parse returns addresses as byte arrays (no " +
    "text formatting), does not check that the input holds len bytes, and does not parse TLVs: " +
    "everything after the address block (TLVs and payload alike) is returned as .data, so no " +
    "TLV structure or CRC32C check.",
  ppjV2Encode: "proxy-protocol-js V2ProxyProtocol#build is given addresses as byte arrays " +
    "(ppcat parses the address text); the object is built once, outside the timing.",
  ppjNoTlvEncode: "proxy-protocol-js cannot encode TLVs: build() always writes len = size of " +
    "the address block, so bytes passed as .data land after the header, as payload.",
  balenaDecode: "balena decode(buf, validate = true): v1 via String(buf).split(/( |\\r\\n)/), " +
    "no address or port checks; v2 checks signature, version, family and transport only and " +
    "ignores len. It returns no header length, so the caller cannot find the payload.",
  balenaTlvDecode: "balena ignores TLVs entirely (never reads len): the time is for the address " +
    "block only; no TLV structure or CRC32C check.",
  balenaEncode: "balena v1_encode/v2_encode validate nothing (v1: Array#join + Buffer.from; " +
    "v2: String#split for IPv4, the ip-address package for IPv6).",
  balenaNoTlvEncode: "balena v2_encode takes no TLVs.",
};

interface Cell {
  library: Library;
  /** Returns a number derived from the result, folded into the sink. */
  run?: () => number;
  /** Correctness, checked once before timing; null when correct. */
  check?: () => string | null;
  /** Footnote keys. */
  notes: string[];
  /** Why the library cannot do this row at all. */
  unsupported?: string;
  /** Filled in by the checks. */
  wrong?: string;
  nsPerOp?: number;
  /** A side measurement, timed with the others and reported in the cell's first footnote. */
  extra?: { label: string; run: () => number; nsPerOp?: number };
}

function ppcatCell(row: Row, op: Op): Cell {
  if (op === "decode") {
    const input = Buffer.from(row.wire);
    return {
      library: "ppcat",
      run: () => {
        const r = decodeHeader(input);
        return r.ok ? r.value.headerLength + addressLength(r.value.source) : -1;
      },
      check: () => checkPpcatDecode(input, row),
      notes: [],
    };
  }
  const init: HeaderInit = {
    version: row.version,
    command: "PROXY",
    protocol: row.protocol,
    source: { address: row.source.address, port: row.source.port },
    destination: { address: row.destination.address, port: row.destination.port },
    tlvs: row.tlvs,
    crc32c: row.crc32c,
  };
  const into = new Uint8Array(1024);
  return {
    library: "ppcat",
    run: () => {
      const r = encodeHeader(init);
      return r.ok ? r.value.length : -1;
    },
    extra: {
      label: "encodeHeaderInto",
      run: () => {
        const r = encodeHeaderInto(init, into);
        return r.ok ? r.value.length + r.value[0]! : -1;
      },
    },
    check: () => {
      const r = encodeHeader(init);
      if (!r.ok) return `${r.error.code}: ${r.error.message}`;
      const i = encodeHeaderInto(init, into);
      if (!i.ok) return `encodeHeaderInto: ${i.error.code}: ${i.error.message}`;
      return checkEncoded(r.value, row) ?? checkEncoded(i.value, row);
    },
    notes: ["ppcatEncode"],
  };
}

/** Consumes a decoded ppcat endpoint (forces any lazily built address text). */
function addressLength(endpoint: ProxyHeader["source"]): number {
  return endpoint !== null && "address" in endpoint
    ? consumeText(endpoint.address) + endpoint.port
    : 0;
}

function ppjCell(row: Row, op: Op): Cell {
  const library = "proxy-protocol-js";
  const { source: s, destination: d } = row;
  if (row.version === 1) {
    if (op === "decode") {
      // Bytes in, like the others: the socket delivers bytes, parse() takes a string.
      const input = Buffer.from(row.wire);
      const text = latin1(row.wire);
      const consume = (p: InstanceType<typeof ppj.V1ProxyProtocol>) =>
        consumeText(p.source.ipAddress) + p.source.port;
      return {
        library,
        run: () => consume(ppj.V1ProxyProtocol.parse(input.toString("latin1"))),
        check: () => {
          const p = ppj.V1ProxyProtocol.parse(input.toString("latin1"));
          if (p.inetProtocol !== row.protocol) return `protocol ${p.inetProtocol}`;
          return checkPeer("source", p.source.ipAddress, p.source.port, s) ??
            checkPeer("destination", p.destination.ipAddress, p.destination.port, d);
        },
        notes: ["ppjV1Decode"],
        extra: {
          label: "parse(string) alone",
          run: () => consume(ppj.V1ProxyProtocol.parse(text)),
        },
      };
    }
    const proto = new ppj.V1ProxyProtocol(
      row.protocol === "TCP4" ? ppj.INETProtocol.TCP4 : ppj.INETProtocol.TCP6,
      new ppj.Peer(s.address, s.port),
      new ppj.Peer(d.address, d.port),
    );
    // Bytes out, like the others: build() returns a string.
    return {
      library,
      run: () => Buffer.from(proto.build(), "latin1").length,
      check: () => checkEncoded(Buffer.from(proto.build(), "latin1"), row),
      notes: ["ppjV1Encode"],
      extra: { label: "build() alone", run: () => proto.build().length },
    };
  }
  if (op === "decode") {
    const input = Buffer.from(row.wire);
    const tlvBytes = row.wire.subarray(row.tlvStart);
    return {
      library,
      run: () => {
        const a = ppj.V2ProxyProtocol.parse(input).proxyAddress as InstanceType<
          typeof ppj.IPv4ProxyAddress
        >;
        return a.sourceAddress.address[3] + a.sourcePort;
      },
      check: () => {
        const p = ppj.V2ProxyProtocol.parse(input);
        if (p.command !== ppj.Command.PROXY) return `command ${p.command}`;
        if (p.transportProtocol !== ppj.TransportProtocol.STREAM) {
          return `transport ${p.transportProtocol}`;
        }
        const a = p.proxyAddress;
        if (!(a instanceof ppj.IPv4ProxyAddress || a instanceof ppj.IPv6ProxyAddress)) {
          return "not an inet address";
        }
        const bad = sameBytes(a.sourceAddress.address, s.bytes) ??
          sameBytes(a.destinationAddress.address, d.bytes);
        if (bad) return `address ${bad}`;
        if (a.sourcePort !== s.port || a.destinationPort !== d.port) {
          return `ports ${a.sourcePort} ${a.destinationPort}`;
        }
        const rest = sameBytes(p.data ?? new Uint8Array(0), tlvBytes);
        return rest === null ? null : `data after the addresses: ${rest}`;
      },
      notes: ["ppjV2Decode"],
    };
  }
  if (row.tlvs.length > 0 || row.crc32c) {
    return { library, notes: ["ppjNoTlvEncode"], unsupported: "ppjNoTlvEncode" };
  }
  const address = row.protocol === "TCP4"
    ? new ppj.IPv4ProxyAddress(
      ppj.IPv4Address.createFrom(s.bytes),
      s.port,
      ppj.IPv4Address.createFrom(d.bytes),
      d.port,
    )
    : new ppj.IPv6ProxyAddress(
      ppj.IPv6Address.createFrom(s.bytes),
      s.port,
      ppj.IPv6Address.createFrom(d.bytes),
      d.port,
    );
  const proto = new ppj.V2ProxyProtocol(ppj.Command.PROXY, ppj.TransportProtocol.STREAM, address);
  return {
    library,
    run: () => proto.build().length,
    check: () => checkEncoded(proto.build(), row),
    notes: ["ppjV2Encode"],
  };
}

function balenaCell(row: Row, op: Op): Cell {
  const library = "balena";
  const { source: s, destination: d } = row;
  if (op === "decode") {
    const input = Buffer.from(row.wire);
    return {
      library,
      run: () => {
        const r = balena.decode(input, true);
        return r === null ? -1 : consumeText(r.remoteAddress!) + r.remotePort!;
      },
      check: () => {
        const r = balena.decode(input, true);
        if (r === null) return "not recognised";
        const family = row.protocol === "TCP4" ? "IPv4" : "IPv6";
        if (r.remoteFamily !== family) return `family ${r.remoteFamily}`;
        if (r.protocol !== "tcp") return `protocol ${r.protocol}`;
        return checkPeer("source", r.remoteAddress, r.remotePort, s) ??
          checkPeer("destination", r.localAddress, r.localPort, d);
      },
      notes: row.tlvs.length > 0 ? ["balenaDecode", "balenaTlvDecode"] : ["balenaDecode"],
    };
  }
  if (row.tlvs.length > 0 || row.crc32c) {
    return { library, notes: ["balenaNoTlvEncode"], unsupported: "balenaNoTlvEncode" };
  }
  const details: BalenaDetails = {
    protocol: "tcp",
    remoteFamily: row.protocol === "TCP4" ? "IPv4" : "IPv6",
    remoteAddress: s.address,
    remotePort: s.port,
    localAddress: d.address,
    localPort: d.port,
  };
  const encode = row.version === 1 ? balena.v1_encode : balena.v2_encode;
  return {
    library,
    run: () => encode(details).length,
    check: () => checkEncoded(encode(details), row),
    notes: ["balenaEncode"],
  };
}

interface Line {
  row: Row;
  op: Op;
  cells: Cell[];
  /** The least work the row needs (codec_floors.ts), timed with the cells. */
  floor: Floor & { nsPerOp?: number };
}

function buildLines(): Line[] {
  const lines: Line[] = [];
  for (const row of ROWS) {
    for (const op of OPS) {
      lines.push({
        row,
        op,
        cells: [ppcatCell(row, op), ppjCell(row, op), balenaCell(row, op)],
        floor: floorOf(row, op),
      });
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------
// Timing.

let sink = 0;

/** Runs `fn` in batches of `batch` calls for at least `budgetMs`; returns ns per call. */
function timeBatches(fn: () => number, batch: number, budgetMs: number): number {
  let acc = 0;
  let ops = 0;
  const start = performance.now();
  let now = start;
  do {
    for (let i = 0; i < batch; i++) acc += fn();
    ops += batch;
    now = performance.now();
  } while (now - start < budgetMs);
  sink = (sink + acc) % 0x7fffffff;
  return ((now - start) * 1e6) / ops;
}

/** Warms `fn` up for `budgetMs` while growing the batch until one takes MIN_BATCH_MS. */
function warmUp(fn: () => number, budgetMs: number): number {
  let batch = 1;
  const start = performance.now();
  while (performance.now() - start < budgetMs) {
    let acc = 0;
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) acc += fn();
    const took = performance.now() - t0;
    sink = (sink + acc) % 0x7fffffff;
    if (took < MIN_BATCH_MS) batch *= 2;
  }
  return batch;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Times every runnable cell of a line (and its side measurement): warm-up, then
 * SAMPLES rounds in which each one gets one sample, so that a change in machine
 * speed (shared hosts) hits all libraries alike.
 */
function measure(line: Line): void {
  const timed: { run: () => number; done: (ns: number) => void }[] = [];
  for (const c of line.cells) {
    if (!c.run || c.unsupported !== undefined) continue;
    timed.push({ run: c.run, done: (ns) => c.nsPerOp = ns });
    const extra = c.extra;
    if (extra) timed.push({ run: extra.run, done: (ns) => extra.nsPerOp = ns });
  }
  timed.push({ run: line.floor.run, done: (ns) => line.floor.nsPerOp = ns });
  const batches = timed.map((t) => warmUp(t.run, WARMUP_MS));
  const samples: number[][] = timed.map(() => []);
  for (let s = 0; s < SAMPLES; s++) {
    timed.forEach((t, i) => samples[i]!.push(timeBatches(t.run, batches[i]!, SAMPLE_MS)));
  }
  timed.forEach((t, i) => t.done(median(samples[i]!)));
}

// ---------------------------------------------------------------------------
// Report.

/** The faster valid competitor's ns/op; null when no competitor can do the row. */
function fasterRival(line: Line): number | null {
  const rivals = line.cells.slice(1)
    .filter((c) => c.wrong === undefined && c.nsPerOp !== undefined)
    .map((c) => c.nsPerOp!);
  return rivals.length === 0 ? null : Math.min(...rivals);
}

/** Faster valid competitor's ns/op divided by ppcat's; null when no competitor can do the row. */
function ratioOf(line: Line): number | null {
  const ppcat = line.cells[0]!.nsPerOp;
  const rival = fasterRival(line);
  return ppcat === undefined || rival === null ? null : rival / ppcat;
}

/** What TARGET_RATIO asks of a row below it, against the row's floor. */
interface FloorVerdict {
  row: string;
  op: Op;
  /** ns/op that a TARGET_RATIO lead needs: the faster competitor's time / TARGET_RATIO. */
  budgetNs: number;
  floorNs: number;
  what: string;
  /** False when the floor alone costs more than the budget. */
  reachable: boolean;
}

function floorVerdict(line: Line): FloorVerdict {
  const budgetNs = fasterRival(line)! / TARGET_RATIO;
  const floorNs = line.floor.nsPerOp!;
  return {
    row: line.row.name,
    op: line.op,
    budgetNs,
    floorNs,
    what: line.floor.what,
    reachable: floorNs <= budgetNs,
  };
}

function floorText(f: FloorVerdict): string {
  return `${f.row} ${f.op}: ${TARGET_RATIO}x needs <= ${f.budgetNs.toFixed(0)} ns/op, the floor ` +
    `takes ${f.floorNs.toFixed(0)} ns/op: ${
      f.reachable ? "within reach" : "OUT OF REACH, the floor alone is slower"
    }. Floor: ${f.what}.`;
}

function runtimeName(): string {
  const v = process.versions as Record<string, string | undefined>;
  if (v.bun) return `Bun ${v.bun} (JavaScriptCore)`;
  if (v.deno) return `Deno ${v.deno} (V8 ${v.v8})`;
  return `Node ${process.version}`;
}

function main(): number {
  const json = process.argv.includes("--json");
  if (referenceCrc32c(ascii("123456789")) !== 0xe3069283) throw new Error("reference CRC32C");

  const lines = buildLines();
  let ppcatFailed = false;
  const failures: string[] = [];
  for (const line of lines) {
    for (const cell of line.cells) {
      if (!cell.check) continue;
      let problem: string | null;
      try {
        problem = cell.check();
      } catch (e) {
        problem = `threw ${e instanceof Error ? e.message : String(e)}`;
      }
      if (problem === null) continue;
      cell.wrong = problem;
      const where = `${cell.library} ${line.row.name} ${line.op}`;
      failures.push(`${where}: ${problem}`);
      if (cell.library === "ppcat") ppcatFailed = true;
    }
  }
  if (ppcatFailed) {
    for (const f of failures) console.error(`correctness check failed: ${f}`);
    return 1;
  }

  for (const line of lines) measure(line);

  // Side measurements go into the first footnote of their cell.
  const extras = new Map<string, string[]>();
  for (const line of lines) {
    for (const cell of line.cells) {
      if (cell.extra?.nsPerOp === undefined) continue;
      const key = cell.notes[0];
      if (key === undefined) continue;
      if (!extras.has(key)) extras.set(key, []);
      extras.get(key)!.push(`${cell.extra.nsPerOp.toFixed(0)} ns/op on ${line.row.name}`);
    }
  }
  for (const [key, values] of extras) {
    const label = lines.flatMap((l) => l.cells).find((c) => c.notes[0] === key)!.extra!.label;
    NOTES[key] = NOTES[key]!.replace("{extra}", `${label}: ${values.join(", ")}`);
  }

  // Footnote letters in order of first use.
  const letters = new Map<string, string>();
  const letterFor = (key: string) => {
    if (!letters.has(key)) letters.set(key, String.fromCharCode(0x61 + letters.size));
    return letters.get(key)!;
  };
  const cellText = (cell: Cell, line: Line): string => {
    const marks = cell.notes.map(letterFor);
    if (cell.wrong !== undefined) {
      const key = `wrong:${cell.library}:${line.row.name}:${line.op}`;
      NOTES[key] = `${cell.library} ${line.op} of ${line.row.name} is wrong: ${cell.wrong}; ` +
        "timed but not counted in the ratio.";
      marks.push(letterFor(key));
    }
    const value = cell.unsupported !== undefined
      ? "n/a"
      : `${cell.nsPerOp!.toFixed(0)}${cell.wrong !== undefined ? " wrong" : ""}`;
    return marks.length ? `${value} [${marks.join(",")}]` : value;
  };

  const table = lines.map((line) => {
    const [ppcat = "", ppj = "", balena = ""] = line.cells.map((c) => cellText(c, line));
    return { line, ppcat, ppj, balena, ratio: ratioOf(line) };
  });
  const compared = table.filter((t) => t.ratio !== null);
  const below = compared.filter((t) => t.ratio! < TARGET_RATIO);
  const floors = below.map((t) => floorVerdict(t.line));
  const floorNote = `Floors: the least work each row below ${TARGET_RATIO}x needs, timed in ` +
    "this run (bench/codec_floors.ts: nothing parsed or validated; decoders still build the " +
    "result and its address strings, or check the CRC32C; encoders still fill a new array).";
  const verdict = below.length === 0;
  const uncompared = table.filter((t) => t.ratio === null)
    .map((t) => `${t.line.row.name} ${t.line.op}`);
  const verdictText = `ppcat is ${verdict ? "" : "NOT "}>= ${TARGET_RATIO}x faster than the ` +
    `faster competitor on every row${
      below.length
        ? ` (below: ${below.map((t) => `${t.line.row.name} ${t.line.op}`).join(", ")})`
        : ""
    }${uncompared.length ? `; no competitor for: ${uncompared.join(", ")}` : ""}.`;
  const method = `${WARMUP_MS} ms warm-up, median of ${SAMPLES} x ${SAMPLE_MS} ms samples ` +
    "(libraries interleaved), wall-clock ns/op, lower is better; bytes in, bytes out: decoders " +
    "get a Buffer holding just the header (what a Node or Bun socket delivers), encoders must " +
    "return bytes";

  if (json) {
    const footnotes: Record<string, string> = {};
    for (const [key, letter] of letters) footnotes[letter] = NOTES[key] ?? "";
    console.log(JSON.stringify(
      {
        runtime: runtimeName(),
        method,
        targetRatio: TARGET_RATIO,
        rows: table.map((t) => ({
          row: t.line.row.name,
          op: t.line.op,
          results: Object.fromEntries(t.line.cells.map((c) => [c.library, {
            nsPerOp: c.unsupported !== undefined ? null : Math.round(c.nsPerOp! * 10) / 10,
            status: c.unsupported !== undefined ? "n/a" : c.wrong !== undefined ? "wrong" : "ok",
            notes: [
              ...c.notes.map((k) => letters.get(k)!),
              ...(c.wrong !== undefined
                ? [letters.get(`wrong:${c.library}:${t.line.row.name}:${t.line.op}`)!]
                : []),
            ],
            ...(c.extra?.nsPerOp !== undefined
              ? { extra: { label: c.extra.label, nsPerOp: Math.round(c.extra.nsPerOp * 10) / 10 } }
              : {}),
          }])),
          ratio: t.ratio === null ? null : Math.round(t.ratio * 100) / 100,
        })),
        validation: VALIDATION_NOTE,
        allAtLeastTarget: verdict,
        verdict: verdictText,
        floorsNote: floorNote,
        floors: floors.map((f) => ({
          ...f,
          budgetNs: Math.round(f.budgetNs * 10) / 10,
          floorNs: Math.round(f.floorNs * 10) / 10,
        })),
        footnotes,
        sink,
      },
      null,
      2,
    ));
    return 0;
  }

  const header = ["row", "op", "ppcat", "proxy-protocol-js", "balena", "ratio"];
  const body = table.map((t): string[] => [
    t.line.row.name,
    t.line.op,
    t.ppcat,
    t.ppj,
    t.balena,
    t.ratio === null ? "n/a" : `${t.ratio.toFixed(1)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const format = (cols: string[]) =>
    cols.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(`ppcat codec benchmark - ${runtimeName()}`);
  console.log(`${method}; ratio = faster competitor / ppcat`);
  console.log("");
  console.log(format(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of body) console.log(format(r));
  console.log("");
  console.log(`Note: ${VALIDATION_NOTE}`);
  for (const [key, letter] of letters) console.log(`[${letter}] ${NOTES[key]}`);
  console.log("");
  console.log(verdictText);
  if (floors.length > 0) {
    console.log("");
    console.log(floorNote);
    for (const f of floors) console.log(`  ${floorText(f)}`);
  }
  console.log(`(sink ${sink})`);
  return 0;
}

process.exitCode = main();
