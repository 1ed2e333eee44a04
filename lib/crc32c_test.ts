import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { crc32c, CRC32C_INIT, crc32cFinish, crc32cUpdate, crc32cZeros } from "./crc32c.ts";
import { createPrng } from "./_prng.ts";

/** Bit-at-a-time reference: RFC 3720 §12.1 / RFC 4960 appendix B, no tables. */
function referenceCrc32c(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    crc ^= data[i]!;
    for (let bit = 0; bit < 8; bit++) {
      crc = (crc & 1) !== 0 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function randomBytes(next: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

describe("crc32c known values", () => {
  it("has the CRC-32C check value for ascii 123456789", () => {
    assert.equal(crc32c(ascii("123456789")), 0xe3069283);
  });

  it("is 0 for no bytes", () => {
    assert.equal(crc32c(new Uint8Array(0)), 0);
  });

  // RFC 3720 appendix B.4 (the CRC bytes listed there are the little-endian
  // wire form of these values).
  it("matches RFC 3720 B.4: 32 bytes of zeros", () => {
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  });

  it("matches RFC 3720 B.4: 32 bytes of ones", () => {
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  });

  it("matches RFC 3720 B.4: 32 incrementing bytes 00..1f", () => {
    const data = new Uint8Array(32);
    for (let i = 0; i < 32; i++) data[i] = i;
    assert.equal(crc32c(data), 0x46dd794e);
  });

  it("matches RFC 3720 B.4: 32 decrementing bytes 1f..00", () => {
    const data = new Uint8Array(32);
    for (let i = 0; i < 32; i++) data[i] = 31 - i;
    assert.equal(crc32c(data), 0x113fdb5c);
  });

  it("returns an unsigned number", () => {
    const value = crc32c(new Uint8Array(32));
    assert.ok(value > 0x7fffffff, "0x8A9136AA has the top bit set");
  });
});

describe("crc32c against a bitwise reference", () => {
  it("agrees on 400 seeded random buffers of length 0..300 at unaligned starts", () => {
    const next = createPrng(0x5eed).next;
    for (let round = 0; round < 400; round++) {
      const length = round < 301 ? round : Math.floor(next() * 301);
      const lead = Math.floor(next() * 8);
      const tail = Math.floor(next() * 8);
      const backing = randomBytes(next, lead + length + tail);
      const expected = referenceCrc32c(backing, lead, lead + length);
      // In place, by range.
      assert.equal(
        crc32cFinish(crc32cUpdate(CRC32C_INIT, backing, lead, lead + length)),
        expected,
        `range, round ${round}, length ${length}, lead ${lead}`,
      );
      // As a view whose byteOffset is not a multiple of 4 or 8.
      assert.equal(
        crc32c(backing.subarray(lead, lead + length)),
        expected,
        `view, round ${round}, length ${length}, lead ${lead}`,
      );
    }
  });
});

describe("crc32c incremental API", () => {
  it("gives the one-shot value when fed in random pieces", () => {
    const next = createPrng(42).next;
    for (let round = 0; round < 200; round++) {
      const data = randomBytes(next, Math.floor(next() * 600));
      const expected = referenceCrc32c(data);
      let state = CRC32C_INIT;
      let at = 0;
      while (at < data.length) {
        const step = Math.min(data.length - at, Math.floor(next() * 20));
        state = crc32cUpdate(state, data, at, at + step);
        at += step;
      }
      assert.equal(crc32cFinish(state), expected, `round ${round}`);
    }
  });

  it("crc32cZeros(n) equals an update over n zero bytes, from any state", () => {
    const next = createPrng(7).next;
    const zeros = new Uint8Array(1100);
    const counts = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 64, 100, 1000, 1099];
    for (const count of counts) {
      for (let round = 0; round < 5; round++) {
        const state = Math.floor(next() * 0x100000000);
        assert.equal(
          crc32cZeros(state, count),
          crc32cUpdate(state, zeros, 0, count),
          `count ${count}, state ${state}`,
        );
      }
      // And against the reference, starting from the initial state.
      assert.equal(
        crc32cFinish(crc32cZeros(CRC32C_INIT, count)),
        referenceCrc32c(zeros, 0, count),
      );
    }
  });

  it("checksums a buffer with 4 bytes counted as zero, the §2.2.3 way", () => {
    const next = createPrng(2023).next;
    const header = randomBytes(next, 60);
    const at = 41; // where a CRC32C value would sit
    const zeroed = header.slice();
    zeroed.fill(0, at, at + 4);
    let state = crc32cUpdate(CRC32C_INIT, header, 0, at);
    state = crc32cZeros(state, 4);
    state = crc32cUpdate(state, header, at + 4, header.length);
    assert.equal(crc32cFinish(state), referenceCrc32c(zeroed));
    assert.notEqual(crc32cFinish(state), referenceCrc32c(header));
  });

  it("keeps states unsigned so they compare with CRC32C_INIT", () => {
    assert.equal(CRC32C_INIT, 0xffffffff);
    assert.equal(crc32cUpdate(CRC32C_INIT, new Uint8Array(5), 2, 2), 0xffffffff);
    assert.equal(crc32cZeros(CRC32C_INIT, 0), 0xffffffff);
  });

  it("finishes by complementing", () => {
    assert.equal(crc32cFinish(0xffffffff), 0);
    assert.equal(crc32cFinish(0), 0xffffffff);
    assert.equal(crc32cFinish(0x12345678), 0xedcba987);
  });

  it("rejects ranges outside the buffer and bad zero counts", () => {
    const data = new Uint8Array(8);
    assert.throws(() => crc32cUpdate(CRC32C_INIT, data, 0, 9), RangeError);
    assert.throws(() => crc32cUpdate(CRC32C_INIT, data, -1, 4), RangeError);
    assert.throws(() => crc32cUpdate(CRC32C_INIT, data, 5, 4), RangeError);
    assert.throws(() => crc32cUpdate(CRC32C_INIT, data, 0.5, 4), RangeError);
    assert.throws(() => crc32cZeros(CRC32C_INIT, -1), RangeError);
    assert.throws(() => crc32cZeros(CRC32C_INIT, 1.5), RangeError);
  });
});
