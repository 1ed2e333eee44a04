import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex } from "../lib/_bytes.ts";
import { parseHex } from "./hex.ts";

describe("parseHex", () => {
  it("reads either case with whitespace and ':' anywhere between digits", () => {
    assert.deepEqual(parseHex(" 0D:0a\n\tFf 1 0 "), {
      ok: true,
      bytes: new Uint8Array([0x0d, 0x0a, 0xff, 0x10]),
    });
  });
  it("accepts the empty string (and separators only) as no bytes", () => {
    assert.deepEqual(parseHex(""), { ok: true, bytes: new Uint8Array() });
    assert.deepEqual(parseHex(" : "), { ok: true, bytes: new Uint8Array() });
  });
  it("rejects an odd digit count, saying how many", () => {
    assert.deepEqual(parseHex("0d:0a:0"), { ok: false, message: "odd number of hex digits (5)" });
  });
  it("rejects anything else, naming the character and its position", () => {
    assert.deepEqual(parseHex("0x00"), {
      ok: false,
      message: 'not a hex digit: "x" at position 1',
    });
    assert.deepEqual(parseHex("00-11"), {
      ok: false,
      message: 'not a hex digit: "-" at position 2',
    });
    assert.deepEqual(parseHex("ab😀"), {
      ok: false,
      message: 'not a hex digit: "😀" at position 2',
    });
  });
});

describe("toHex", () => {
  it("writes lowercase pairs, no separators", () => {
    assert.equal(toHex(new Uint8Array([0, 1, 0xab, 0xff])), "0001abff");
    assert.equal(toHex(new Uint8Array()), "");
  });
});
