/**
 * `ppcat decode`: where an error is, shown to people. The bytes around the error offset, with a
 * caret under the offending byte: a text line for version 1 (as a person would type it, control
 * bytes escaped), a hex row for anything else.
 *
 * @module
 */

import { toHex } from "../lib/_bytes.ts";
import type { FieldSpan } from "../lib/errors.ts";

/** At most this many bytes of a text line are shown. */
export const EXCERPT_TEXT_WIDTH = 72;

function visible(b: number): string {
  if (b === 0x0d) return "\\r";
  if (b === 0x0a) return "\\n";
  if (b === 0x09) return "\\t";
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return `\\x${toHex(new Uint8Array([b]))}`;
}

/**
 * Two lines: the bytes around `offset` (the start of the input as text when it starts with "P",
 * else the 16-byte hex row holding the offset) and a caret under the byte at `offset` (just past
 * the end when the input ended there). In text, the `field` the byte lies in, when the error
 * names one (see {@linkcode ProxyError.field}), is underlined around the caret.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorExcerpt } from "./decode_excerpt.ts";
 * const line = new TextEncoder().encode("PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n");
 * assert.equal(
 *   errorExcerpt(line, 17, { offset: 11, length: 8 }),
 *   "  PROXY TCP4 1.2.3.04 5.6.7.8 1 2\\r\\n\n" + " ".repeat(13) +
 *     "~~~~~~^~ byte 17 (in the field at 11)\n",
 * );
 * // A field wrong as a whole: the caret under its first byte, the rest underlined.
 * assert.equal(
 *   errorExcerpt(line, 28, { offset: 28, length: 1 }).split("\n")[1],
 *   " ".repeat(30) + "^ byte 28",
 * );
 * const v2 = new Uint8Array([13, 10, 13, 10, 0, 13, 10, 81, 85, 73, 84, 10, 0x31]);
 * assert.equal(
 *   errorExcerpt(v2, 12),
 *   "  0000  0d 0a 0d 0a 00 0d 0a 51 55 49 54 0a 31\n" +
 *     " ".repeat(44) + "^^ byte 12\n",
 * );
 * ```
 */
export function errorExcerpt(bytes: Uint8Array, offset: number, field?: FieldSpan): string {
  if (bytes[0] === 0x50) {
    // Version 1: the line up to its CRLF (or the window), the caret under the offending byte.
    let start = 0;
    if (offset > EXCERPT_TEXT_WIDTH - 8) start = offset - (EXCERPT_TEXT_WIDTH - 8);
    let end = Math.min(bytes.length, start + EXCERPT_TEXT_WIDTH);
    const lf = bytes.indexOf(0x0a, Math.max(start, offset));
    if (lf >= 0 && lf + 1 < end) end = lf + 1;
    const fieldStart = field?.offset ?? offset;
    const fieldEnd = field === undefined ? offset + 1 : field.offset + field.length;
    let text = start > 0 ? "…" : "";
    let marks = " ".repeat(text.length);
    for (let i = start; i < end; i++) {
      const shown = visible(bytes[i]!);
      text += shown;
      const mark = i === offset ? "^" : i >= fieldStart && i < fieldEnd ? "~" : " ";
      marks += mark + (mark === " " ? " " : "~").repeat(shown.length - 1);
    }
    if (offset >= end) marks += "^";
    const what = fieldStart === offset
      ? `byte ${offset}`
      : `byte ${offset} (in the field at ${fieldStart})`;
    return `  ${text}${end < bytes.length && bytes[end - 1] !== 0x0a ? "…" : ""}\n` +
      `  ${marks.trimEnd()} ${what}\n`;
  }
  const row = offset - (offset % 16);
  const cells: string[] = [];
  for (let i = row; i < Math.min(bytes.length, row + 16); i++) {
    cells.push(toHex(bytes.subarray(i, i + 1)));
  }
  const prefix = `  ${row.toString(16).padStart(4, "0")}  `;
  const column = prefix.length + 3 * (offset - row);
  const line = `${prefix}${cells.join(" ")}`.trimEnd();
  return `${line}\n${" ".repeat(column)}^^ byte ${offset}\n`;
}
