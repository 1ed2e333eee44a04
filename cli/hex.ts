/**
 * Hex text from the command line, read leniently (whitespace and ':' between
 * digits). Bytes are written as hex by toHex in lib/_bytes.ts.
 *
 * @module
 */

/** Parsed bytes, or a one-line reason. */
export type HexResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly message: string };

function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x3a;
}

/**
 * Parses hex digits (either case); spaces, tabs, newlines and ':' may separate them
 * anywhere. An odd number of digits or any other character is an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHex } from "./hex.ts";
 * assert.deepEqual(parseHex("0d:0A 00"), { ok: true, bytes: new Uint8Array([13, 10, 0]) });
 * assert.equal(parseHex("abc").ok, false);
 * assert.equal(parseHex("zz").ok, false);
 * ```
 */
export function parseHex(text: string): HexResult {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSeparator(c)) continue;
    if (nibble(c) < 0) {
      const ch = String.fromCodePoint(text.codePointAt(i) ?? c);
      return { ok: false, message: `not a hex digit: ${JSON.stringify(ch)} at position ${i}` };
    }
    digits++;
  }
  if (digits % 2 !== 0) {
    return { ok: false, message: `odd number of hex digits (${digits})` };
  }
  const bytes = new Uint8Array(digits / 2);
  let high = -1;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSeparator(c)) continue;
    const n = nibble(c);
    if (high < 0) {
      high = n;
    } else {
      bytes[at++] = (high << 4) | n;
      high = -1;
    }
  }
  return { ok: true, bytes };
}

/** Text lines longer than this are refused by {@linkcode createHexStream} (bounded memory). */
export const MAX_HEX_LINE = 1024 * 1024;

/** Converts hex text to bytes as it arrives, line by line; see {@linkcode createHexStream}. */
export interface HexStream {
  /** Feeds more text; returns the bytes of the lines completed so far, or an error. */
  push(text: string): HexResult;
  /** The input ended: the bytes of the last line, or an error (e.g. an odd digit left). */
  end(): HexResult;
}

const HEX_PAIRS = /^[0-9a-fA-F]+$/;

/** How much of the input {@linkcode looksLikeHex} looks at. */
const SNIFF_BYTES = 64;

/**
 * Whether input is hex text rather than bytes, from its start: a hex dump's first line (a zero
 * offset, then hex), or hex digits (spaces and ':' allowed) for its first 64 bytes or all of it.
 * No binary PROXY header passes: v1 starts with "P", v2 with CR LF CR LF NUL; random bytes do
 * not either.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { looksLikeHex } from "./hex.ts";
 * const text = (s: string) => new TextEncoder().encode(s);
 * assert.equal(looksLikeHex(text("\n 0d0a")), true);
 * assert.equal(looksLikeHex(text("00000000: 0d0a 0d0a  ....")), true);
 * assert.equal(looksLikeHex(text("PROXY TCP4")), false);
 * assert.equal(looksLikeHex(text("0d0a~binary")), false);
 * assert.equal(looksLikeHex(new Uint8Array([13, 10, 13, 10, 0])), false);
 * ```
 */
export function looksLikeHex(bytes: Uint8Array): boolean {
  let at = 0;
  while (at < bytes.length && isSeparator(bytes[at]!) && bytes[at] !== 0x3a) at++;
  const head = bytes.subarray(at, at + SNIFF_BYTES);
  if (head.length === 0) return false;
  const firstLine = String.fromCharCode(...head);
  if (/^0{4,16}:?[ \t]+[0-9a-fA-F]{2}/.test(firstLine)) return true;
  let digits = 0;
  for (const b of head) {
    if (nibble(b) >= 0) digits++;
    else if (!isSeparator(b)) return false;
  }
  return digits >= 2;
}

/**
 * Reads hex text as people pipe it in, a line at a time so input of any size is converted
 * as it comes: plain digits (`xxd -p`, `tshark -T fields -e tcp.payload`, with spaces or ':'
 * anywhere), or a dump with an offset column and a text column (`xxd`, `hexdump -C`,
 * `tshark -x`), recognised by a first line starting with a zero offset. Dump offsets must
 * follow on (or start again at 0: the next packet of `tshark -x`); every error names its line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHexStream } from "./hex.ts";
 * const xxd = createHexStream();
 * assert.deepEqual(
 *   xxd.push("00000000: 0d0a 0d0a 000d 0a51  .......Q\n"),
 *   { ok: true, bytes: new Uint8Array([13, 10, 13, 10, 0, 13, 10, 0x51]) },
 * );
 * assert.deepEqual(xxd.end(), { ok: true, bytes: new Uint8Array(0) });
 * const plain = createHexStream();
 * assert.deepEqual(plain.push("0d0"), { ok: true, bytes: new Uint8Array(0) });
 * assert.deepEqual(plain.end(), { ok: false, message: "line 1: odd number of hex digits" });
 * ```
 */
export function createHexStream(): HexStream {
  let pending = "";
  let mode: "unknown" | "plain" | "dump" = "unknown";
  let line = 0;
  let high = -1; // plain: a digit carried over to the next line
  let total = 0; // bytes so far (dump offsets)
  let base = 0; // where the current dump (tshark: packet) started
  const fail = (message: string): HexResult => ({ ok: false, message: `line ${line}: ${message}` });

  function plainLine(text: string, out: number[]): string | null {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (isSeparator(c)) continue;
      const n = nibble(c);
      if (n < 0) {
        const ch = String.fromCodePoint(text.codePointAt(i) ?? c);
        return `not a hex digit: ${JSON.stringify(ch)} at column ${i + 1}`;
      }
      if (high < 0) high = n;
      else {
        out.push((high << 4) | n);
        high = -1;
      }
    }
    return null;
  }

  function dumpLine(text: string, out: number[]): string | null {
    const m = /^\s*([0-9a-fA-F]{4,16}):?(?:(?=\s)(.*))?$/.exec(text);
    if (m === null) return "expected an offset column (this input is a hex dump)";
    const offset = parseInt(m[1]!, 16);
    // tshark -x starts every packet at offset 0: the packets follow each other.
    if (offset === 0) base = total;
    if (offset !== total - base) {
      return `offset ${m[1]} does not follow on (expected ${(total - base).toString(16)})`;
    }
    const rest = m[2] ?? ""; // hexdump -C ends with the offset alone
    let i = 0;
    let inLine = 0;
    while (i < rest.length) {
      let gap = 0;
      while (i < rest.length && (rest[i] === " " || rest[i] === "\t")) {
        gap++;
        i++;
      }
      if (i >= rest.length) break;
      let j = i;
      while (j < rest.length && rest[j] !== " " && rest[j] !== "\t") j++;
      const token = rest.slice(i, j);
      // The text column starts after two spaces or more (hexdump -C also puts two in the middle
      // of a row, before the ninth byte).
      const midRow = inLine === 8 && token.length === 2 && HEX_PAIRS.test(token);
      if (inLine >= 16 || (inLine > 0 && gap >= 2 && !midRow)) break;
      if (!HEX_PAIRS.test(token) || token.length % 2 !== 0) {
        if (inLine > 0) break; // text column right after one space
        return `not hex: ${JSON.stringify(token.slice(0, 16))}`;
      }
      for (let k = 0; k < token.length; k += 2) {
        out.push((nibble(token.charCodeAt(k)) << 4) | nibble(token.charCodeAt(k + 1)));
        inLine++;
      }
      i = j;
    }
    total += inLine;
    return null;
  }

  function take(text: string, out: number[]): string | null {
    line++;
    if (text.trim() === "") return null;
    if (mode === "unknown") {
      mode = /^\s*0{4,16}:?\s+\S/.test(text) ? "dump" : "plain";
    }
    return mode === "dump" ? dumpLine(text, out) : plainLine(text, out);
  }

  return {
    push(text) {
      pending += text;
      const out: number[] = [];
      let start = 0;
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n", start)) {
        const problem = take(pending.slice(start, nl), out);
        start = nl + 1;
        if (problem !== null) return fail(problem);
      }
      pending = pending.slice(start);
      if (pending.length > MAX_HEX_LINE) return fail(`longer than ${MAX_HEX_LINE} characters`);
      return { ok: true, bytes: new Uint8Array(out) };
    },
    end() {
      const out: number[] = [];
      if (pending !== "") {
        const problem = take(pending, out);
        pending = "";
        if (problem !== null) return fail(problem);
      }
      if (high >= 0) return fail("odd number of hex digits");
      return { ok: true, bytes: new Uint8Array(out) };
    },
  };
}
