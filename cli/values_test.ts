import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatDuration,
  MAX_TIMER_MS,
  parseChoice,
  parseDuration,
  parseInteger,
  parseRate,
  parseUint64,
  parseVersions,
} from "./values.ts";

describe("cli/values.ts: one grammar for every flag value", () => {
  it("TIME: units ms, s, m, h; a bare number in the flag's unit", () => {
    const cases: [string, "s" | "ms" | undefined, number][] = [
      ["10", undefined, 10_000],
      ["1.5", undefined, 1500],
      [".25", undefined, 250],
      ["0", undefined, 0],
      ["500ms", undefined, 500],
      ["10s", undefined, 10_000],
      ["2m", undefined, 120_000],
      ["1h", undefined, 3_600_000],
      ["0.0004", undefined, 0],
      ["20", "ms", 20],
      ["2s", "ms", 2000],
    ];
    for (const [text, unit, ms] of cases) {
      const r = parseDuration("t", text, unit === undefined ? {} : { unit });
      assert.deepEqual(r, { ok: true, value: ms }, text);
    }
  });

  it("TIME: anything else is refused with the same words", () => {
    for (const text of ["", "-1", "1e3", "10 s", "s", "1.5.2", "1d", "0x10", "1.1234567"]) {
      assert.deepEqual(
        parseDuration("timeout", text),
        {
          ok: false,
          message: `--timeout: ${JSON.stringify(text)} is not a time (e.g. 10, 1.5, 500ms, 2m)`,
        },
        text,
      );
    }
  });

  it("TIME: bounds", () => {
    assert.deepEqual(parseDuration("t", "0", { min: 1 }), {
      ok: false,
      message: "--t: must be more than 0",
    });
    assert.deepEqual(parseDuration("t", "1", { min: 3000 }), {
      ok: false,
      message: "--t: 1 is less than 3s",
    });
    assert.deepEqual(parseDuration("t", "2h", { max: 3_600_000 }), {
      ok: false,
      message: "--t: 2h is more than 1h",
    });
    assert.equal(parseDuration("t", `${MAX_TIMER_MS}ms`).ok, true);
    assert.equal(parseDuration("t", `${MAX_TIMER_MS + 1}ms`).ok, false);
    assert.equal(formatDuration(MAX_TIMER_MS), "2147483647ms");
  });

  it("N: decimal with k/m, or 0x hex; bounds inclusive", () => {
    const good: [string, number][] = [["0", 0], ["42", 42], ["5k", 5000], ["2m", 2_000_000], [
      "0x1F",
      31,
    ], ["0xffffffff", 0xffffffff]];
    for (const [text, n] of good) assert.deepEqual(parseInteger("n", text), { ok: true, value: n });
    for (const text of ["", "-1", "1.5", "1e3", "k", "0x", "0xg", " 1", "1 "]) {
      assert.deepEqual(parseInteger("n", text), {
        ok: false,
        message: `--n: ${JSON.stringify(text)} is not a whole number`,
      });
    }
    assert.deepEqual(parseInteger("n", "0", { min: 1, max: 9 }), {
      ok: false,
      message: "--n: 0 is not in 1..9",
    });
    assert.deepEqual(parseInteger("n", "10", { min: 1, max: 9 }), {
      ok: false,
      message: "--n: 10 is not in 1..9",
    });
    assert.equal(parseInteger("n", "9007199254740993").ok, false); // beyond 2^53
  });

  it("uint64: the whole range, exactly", () => {
    assert.deepEqual(parseUint64("g", "0xffffffffffffffff"), {
      ok: true,
      value: 0xffffffffffffffffn,
    });
    assert.deepEqual(parseUint64("g", "18446744073709551616"), {
      ok: false,
      message: "--g: 18446744073709551616 is not in 0..18446744073709551615",
    });
    assert.deepEqual(parseUint64("g", "-1"), {
      ok: false,
      message: '--g: "-1" is not a whole number',
    });
  });

  it("RATE: fractions and k/m", () => {
    assert.deepEqual(parseRate("r", "0.5"), { ok: true, value: 0.5 });
    assert.deepEqual(parseRate("r", "1.5m"), { ok: true, value: 1_500_000 });
    assert.deepEqual(parseRate("r", "-5"), {
      ok: false,
      message: '--r: "-5" is not a rate (e.g. 100, 0.5, 5k)',
    });
  });

  it("choices and versions", () => {
    assert.deepEqual(parseChoice("expect", "HTTP", ["echo", "http"] as const), {
      ok: true,
      value: "http",
    });
    assert.deepEqual(parseVersions("versions", "1,2,1"), { ok: true, value: [1, 2] });
    assert.deepEqual(parseVersions("versions", "1,"), {
      ok: false,
      message: '--versions: "1," is not 1, 2 or 1,2',
    });
  });
});
