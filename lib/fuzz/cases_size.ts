/**
 * The size ladder: plain valid version 2 headers of growing size, padded with
 * one NOOP TLV, so a report can state the largest header a receiver accepts
 * and judge other cases knowing it (a receiver that caps headers at 232
 * bytes refuses a 366-byte case for its size, not its content).
 *
 * @module
 */

import { noopTlv } from "../tlv.ts";
import { make, R, tcp4 } from "./_build.ts";
import { type FuzzCase, MSS_HEADER_LIMIT } from "./case.ts";

/**
 * The header sizes of the ladder, in bytes: from the longest version 1 line
 * (107) through the 536 bytes the formats are designed to fit in, up to the
 * largest version 2 header (16 + 65535).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SIZE_LADDER, sizeCases } from "./cases_size.ts";
 * // One plain valid header per rung, up to the largest version 2 header (16 + 65535).
 * assert.deepEqual(sizeCases().map((c) => c.bytes.length), SIZE_LADDER);
 * assert.equal(Math.max(...SIZE_LADDER), 16 + 0xffff);
 * ```
 */
export const SIZE_LADDER: readonly number[] = [107, 232, 256, 512, 536, 1024, 4096, 16384, 65551];

// A TCP4 header (28 bytes) plus the NOOP TLV's own 3 bytes.
const FIXED = 28 + 3;

/**
 * The name of the ladder case for a header of `size` bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sizeCaseName } from "./cases_size.ts";
 * assert.equal(sizeCaseName(536), "size-v2-00536");
 * ```
 */
export function sizeCaseName(size: number): string {
  return `size-v2-${size.toString().padStart(5, "0")}`;
}

/**
 * One case per {@linkcode SIZE_LADDER} rung: up to 536 bytes a SHOULD
 * (§2: both formats "are designed to fit in" 536 bytes), beyond it a MAY.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sizeCases } from "./cases_size.ts";
 * const cases = sizeCases();
 * assert.deepEqual(cases.map((c) => c.bytes.length), [107, 232, 256, 512, 536, 1024, 4096, 16384, 65551]);
 * assert.equal(cases[4]?.requirement, "SHOULD");
 * assert.equal(cases[5]?.expect, "either");
 * ```
 */
export function sizeCases(): FuzzCase[] {
  return SIZE_LADDER.map((size) => {
    const small = size <= MSS_HEADER_LIMIT;
    return make(2, {
      name: sizeCaseName(size),
      section: "2",
      requirement: small ? "SHOULD" : "MAY",
      rule: R.mss,
      description: `A valid ${size}-byte TCP4 header padded with one NOOP TLV: the size ladder ` +
        "finds the largest header the receiver accepts.",
      bytes: tcp4(2, { tlvs: [noopTlv(size - FIXED)] }),
      expect: small ? "accept" : "either",
    });
  });
}
