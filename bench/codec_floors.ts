/**
 * Floors for the codec benchmark: for each row, the least work that any
 * decoder or encoder with ppcat's contract cannot avoid, written as plainly
 * and as fast as this runtime allows, and timed in the same run as the
 * libraries (see codec_bench.ts). When a floor costs more than a third of the
 * faster competitor's time, a 3x lead on that row is out of reach for any
 * implementation, not just for ppcat's.
 *
 * What a floor leaves out is what makes it a floor: nothing is parsed or
 * validated. Decoders still return the header's objects and address text
 * (the contract of lib/header.ts: addresses as strings, TLV values as byte
 * views); v2 decoders with a CRC32C TLV must compute the checksum over the
 * whole header (§2.2.3: a receiver verifies it). Encoders still return a new
 * byte array holding the header.
 *
 * @module
 */

import { asciiText, CHEAP_JOINS } from "../lib/_alloc.ts";
import { outputOf } from "../lib/_output.ts";
import { formatIPv4 } from "../lib/address.ts";
import { CRC32C_INIT, crc32cUpdate } from "../lib/crc32c.ts";

/** One floor: what it does, and a function doing it once that returns a number for the sink. */
export interface Floor {
  what: string;
  run: () => number;
}

/** The parts of a benchmark row a floor needs. */
export interface FloorRow {
  version: 1 | 2;
  protocol: "TCP4" | "TCP6";
  /** The header as it must appear on the wire. */
  wire: Uint8Array;
  /** Offset of the first TLV (v2), else the header length. */
  tlvStart: number;
}

/**
 * Consumes a string: its length and last character. Reading a character makes
 * V8 and JavaScriptCore flatten a rope (a string joined with `+` and not yet
 * copied into one piece); `length` alone does not. Used on every decoded
 * address in the benchmark, floors included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { consumeText } from "./codec_floors.ts";
 * assert.equal(consumeText("a" + "b"), 2 + 0x62);
 * ```
 */
export function consumeText(text: string): number {
  return text.length + text.charCodeAt(text.length - 1);
}

/**
 * The floor of a row's decode or encode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { floorOf } from "./codec_floors.ts";
 * const wire = new TextEncoder().encode("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n");
 * const floor = floorOf({ version: 1, protocol: "TCP4", wire, tlvStart: wire.length }, "decode");
 * assert.match(floor.what, /address strings/);
 * assert.ok(floor.run() > 0);
 * ```
 */
export function floorOf(row: FloorRow, op: "decode" | "encode"): Floor {
  if (op === "encode") return encodeFloor(row.wire);
  return row.version === 1 ? v1DecodeFloor(row.wire) : v2DecodeFloor(row);
}

// A new array holding the header, copied from bytes made beforehand: nothing is read from the
// addresses, nothing is checked.
function encodeFloor(wire: Uint8Array): Floor {
  const bytes = Array.from(wire);
  return {
    what: "allocate the output and copy the finished header into it",
    run: () => {
      const out = outputOf(bytes.length, undefined)!;
      for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]!;
      return out[out.length - 1]!;
    },
  };
}

// The result objects with the two addresses made strings straight from the line's bytes, where
// the fields were found beforehand: no scanning, parsing, validating or canonical rewrite.
function v1DecodeFloor(wire: Uint8Array): Floor {
  const fields: number[] = [];
  for (let i = 0; i < wire.length; i++) if (wire[i] === 0x20 || wire[i] === 0x0d) fields.push(i);
  // fields: after "PROXY", after "TCPx", after src, after dst, after sport, at CR.
  const srcAt = fields[1]! + 1;
  const dstAt = fields[2]! + 1;
  const srcLength = fields[2]! - srcAt;
  const dstLength = fields[3]! - dstAt;
  // Where joining strings is the faster way to make a dotted quad (CHEAP_JOINS), its bytes.
  const quads = CHEAP_JOINS && wire[9] === 0x34 ? quadBytes(wire, srcAt, dstAt) : null;
  const text = quads === null
    ? (at: number, length: number) => asciiText(wire, at, length)
    : (at: number) => formatIPv4(quads, at === srcAt ? 0 : 4);
  return {
    what: "the result objects and the two address strings made from the line's bytes as they " +
      "are; no scanning, parsing or checking",
    run: () => {
      const header = {
        version: 1,
        command: "PROXY",
        protocol: "TCP4",
        source: { address: text(srcAt, srcLength), port: 56324 },
        destination: { address: text(dstAt, dstLength), port: 443 },
        tlvs: [],
        crc32c: null,
        headerLength: wire.length,
      };
      return consumeText(header.source.address) + header.destination.address.length;
    },
  };
}

// The two dotted quads at wire[srcAt] and wire[dstAt] as 8 bytes.
function quadBytes(wire: Uint8Array, srcAt: number, dstAt: number): Uint8Array {
  const text = new TextDecoder().decode(wire);
  const words = [srcAt, dstAt].map((at) => text.slice(at, text.indexOf(" ", at)));
  return new Uint8Array(words.flatMap((word) => word.split(".").map(Number)));
}

function v2DecodeFloor(row: FloorRow): Floor {
  const wire = row.wire;
  if (row.protocol === "TCP6") return tlvFloor(wire, row.tlvStart);
  return {
    what:
      "the result objects and the two address strings, formatted the fastest way measured on this " +
      "runtime; nothing checked",
    run: () => {
      const header = {
        version: 2,
        command: "PROXY",
        protocol: "TCP4",
        source: { address: formatIPv4(wire, 16), port: (wire[24]! << 8) | wire[25]! },
        destination: { address: formatIPv4(wire, 20), port: (wire[26]! << 8) | wire[27]! },
        tlvs: [],
        crc32c: null,
        headerLength: 28,
      };
      return consumeText(header.source.address) + header.destination.address.length;
    },
  };
}

// The CRC32C over the header and one view per TLV value, found beforehand; no objects, no
// address text.
function tlvFloor(wire: Uint8Array, tlvStart: number): Floor {
  const values: number[] = [];
  for (let p = tlvStart; p + 3 <= wire.length;) {
    const length = (wire[p + 1]! << 8) | wire[p + 2]!;
    values.push(p + 3, p + 3 + length);
    p += 3 + length;
  }
  return {
    what: `the CRC32C over the ${wire.length}-byte header and ${values.length / 2} TLV value ` +
      "views, alone; no result objects, no address strings",
    run: () => {
      let acc = crc32cUpdate(CRC32C_INIT, wire, 0, wire.length);
      for (let i = 0; i < values.length; i += 2) {
        acc += wire.subarray(values[i], values[i + 1]).length;
      }
      return acc;
    },
  };
}
