// Test-only helpers shared by the fuzz_*_test.ts files (not exported from mod.ts).

import assert from "node:assert/strict";
import { concatBytes } from "../_bytes.ts";
import { decodeHeader } from "../decode.ts";
import type { FuzzCase } from "./case.ts";
import { writePlan } from "./plan.ts";
import { createStreamDecoder } from "../stream.ts";

/** A marker free of CR, LF and NUL, as the runner would send. */
export const MARKER: Uint8Array = new TextEncoder().encode("ppcat-fuzz-marker-7f3a");

/** A case built by hand, for tests that must not depend on the catalog; `undefined` drops a field. */
export function fakeCase(
  fields: { [K in keyof FuzzCase]?: FuzzCase[K] | undefined } = {},
): FuzzCase {
  const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return {
    name: "fake",
    section: "2.2",
    requirement: "MUST",
    rule: "rule",
    description: "a hand-made case",
    bytes: new Uint8Array([1, 2, 3, 4]),
    afterHeader: new Uint8Array(0),
    delivery: { kind: "whole" },
    marker: "separate",
    expect: "accept",
    version: 2,
    ...given,
  };
}

/**
 * Asserts that a case's expectation is what ppcat's decoder makes of its
 * bytes, one-shot (decodeHeader) and fed write by write as the runner would
 * send them (createStreamDecoder over writePlan):
 * - accept / either / tolerance: the bytes are exactly one valid header; the
 *   stream decoder completes on the write holding the header's last byte and
 *   everything after it is afterHeader + marker;
 * - reject, whole delivery: decodeHeader fails with `code` (not TRUNCATED),
 *   and so does the stream decoder;
 * - reject, truncated then close: the bytes are TRUNCATED (code TRUNCATED);
 * - timeout, truncated then hold: TRUNCATED, the stream decoder still needs more;
 * - timeout, slow: a valid header every proper prefix of which is TRUNCATED.
 */
export function assertAgreesWithDecoder(c: FuzzCase): void {
  const label = c.name;
  const r = decodeHeader(c.bytes);
  const plan = writePlan(c, MARKER);
  const decoder = createStreamDecoder();
  const truncated = c.delivery.kind === "truncated";

  if (c.expect === "accept" || c.expect === "either" || c.expect === "tolerance") {
    assert.ok(!truncated, `${label}: a complete header is not delivered truncated`);
    assert.ok(r.ok, `${label}: expected a valid header, got ${!r.ok && r.error.code}`);
    assert.equal(r.value.headerLength, c.bytes.length, `${label}: bytes are exactly the header`);
    const whole = decodeHeader(concatBytes([c.bytes, c.afterHeader]));
    assert.ok(whole.ok && whole.value.headerLength === c.bytes.length, `${label}: afterHeader`);
    let sent = 0;
    let rest: Uint8Array[] | null = null;
    for (const w of plan.writes) {
      if (rest !== null) {
        rest.push(w.bytes);
        continue;
      }
      const step = decoder.push(w.bytes);
      sent += w.bytes.length;
      if (sent < c.bytes.length) {
        assert.equal(step.state, "need-more", `${label}: done before the last header byte`);
        continue;
      }
      assert.equal(step.state, "done", `${label}: not done at the last header byte`);
      if (step.state !== "done") return;
      assert.equal(step.header.headerLength, c.bytes.length, label);
      rest = [w.bytes.subarray(step.payloadOffset)];
    }
    assert.ok(rest !== null, `${label}: the stream decoder never completed`);
    const expectedRest = c.marker === "none" ? c.afterHeader : concatBytes([c.afterHeader, MARKER]);
    assert.deepEqual(concatBytes(rest), expectedRest, `${label}: payload after the header`);
    return;
  }

  if (c.expect === "reject" && !truncated) {
    assert.ok(c.code !== undefined && c.code !== "TRUNCATED", `${label}: reject needs a code`);
    assert.ok(!r.ok, `${label}: expected ${c.code}, the decoder accepts it`);
    assert.equal(r.error.code, c.code, `${label}: decoder error`);
    let step = decoder.push(new Uint8Array(0));
    for (const w of plan.writes) {
      step = decoder.push(w.bytes);
      if (step.state !== "need-more") break;
    }
    assert.equal(step.state, "error", `${label}: the stream decoder did not fail`);
    assert.equal(step.state === "error" && step.error.code, c.code, `${label}: stream error`);
    return;
  }

  if (truncated) {
    const then = c.delivery.kind === "truncated" ? c.delivery.then : "";
    assert.equal(c.expect, then === "hold" ? "timeout" : "reject", `${label}: truncated ${then}`);
    if (then === "close") assert.equal(c.code, "TRUNCATED", label);
    assert.equal(c.marker, "none", `${label}: no marker after an incomplete header`);
    assert.ok(!r.ok && r.error.code === "TRUNCATED", `${label}: expected TRUNCATED`);
    for (const w of plan.writes) {
      assert.equal(decoder.push(w.bytes).state, "need-more", `${label}: stream decoder`);
    }
    return;
  }

  // timeout by slow delivery: valid, and incomplete until its very last byte.
  assert.equal(c.expect, "timeout", label);
  assert.equal(c.delivery.kind, "slow", `${label}: a complete header times out only when slow`);
  assert.ok(r.ok && r.value.headerLength === c.bytes.length, `${label}: a valid header`);
  for (let n = 0; n < c.bytes.length; n++) {
    const prefix = decodeHeader(c.bytes.subarray(0, n));
    assert.ok(!prefix.ok && prefix.error.code === "TRUNCATED", `${label}: prefix ${n}`);
  }
}
