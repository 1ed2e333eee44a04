// decodeV1 takes a fast path for well-formed TCP4/TCP6 lines and falls back to
// the reference decoder (decodeV1Strict) otherwise. The fast path must accept
// exactly what the reference accepts, with the same result: compared here on
// hand-picked edge cases and on seeded random lines and mutations (the seed
// and the input are in every failure message).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPrng, type Prng } from "./_prng.ts";
import { decodeV1 } from "./v1.ts";
import { decodeV1Strict } from "./_v1_strict.ts";
import { ascii } from "./_testing.ts";

const SEED = 0xfa57;
const RUNS = 20_000;

function same(buf: Uint8Array, why: string): void {
  assert.deepEqual(decodeV1(buf), decodeV1Strict(buf), `${why}: ${JSON.stringify(latin1(buf))}`);
}

function latin1(buf: Uint8Array): string {
  return String.fromCharCode(...buf);
}

function octet(rng: Prng): string {
  // Mostly valid, sometimes at or past the edges.
  return String(rng.pick([0, 1, 9, 10, 99, 100, 199, 255, 256, 999, rng.int(256)]));
}

function port(rng: Prng): string {
  return String(rng.pick([0, 1, 80, 443, 9999, 10000, 65535, 65536, 99999, rng.int(65536)]));
}

function ipv4(rng: Prng): string {
  return [octet(rng), octet(rng), octet(rng), octet(rng)].join(".");
}

function ipv6(rng: Prng): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(rng.int(4) === 0 ? "0" : rng.int(0x10000).toString(16));
  const text = groups.join(":");
  switch (rng.int(5)) {
    case 0:
      return text.toUpperCase();
    case 1:
      return text.replace(/(^|:)0(:0)+(:|$)/, "::");
    case 2:
      return `::ffff:${ipv4(rng)}`;
    case 3:
      return "::" + rng.int(0x10000).toString(16);
    default:
      return text;
  }
}

function line(rng: Prng): string {
  const v6 = rng.int(2) === 1;
  const address = v6 ? ipv6 : ipv4;
  return `PROXY TCP${v6 ? 6 : 4} ${address(rng)} ${address(rng)} ${port(rng)} ${port(rng)}\r\n`;
}

// The bytes a mutation puts in: the ones every rule of §2.1 is about.
const ALPHABET = ascii("0123456789abcdefABCDEF.: \r\n\0PROXYTCP46UNKOWN-+x");

function mutate(rng: Prng, bytes: Uint8Array): Uint8Array {
  const list = Array.from(bytes);
  const edits = 1 + rng.int(3);
  for (let e = 0; e < edits && list.length > 0; e++) {
    const at = rng.int(list.length);
    switch (rng.int(4)) {
      case 0:
        list[at] = rng.pick(Array.from(ALPHABET));
        break;
      case 1:
        list.splice(at, 0, rng.pick(Array.from(ALPHABET)));
        break;
      case 2:
        list.splice(at, 1);
        break;
      default:
        list.length = at; // truncated
    }
  }
  return new Uint8Array(list);
}

describe("v1 fast path = reference decoder", () => {
  it("on edge cases of every field", () => {
    const cases = [
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n",
      "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n",
      "PROXY TCP4 192.0.2.01 192.0.2.2 1 2\r\n", // §2.1: heading zero
      "PROXY TCP4 192.0.2.1 192.0.2.2 01 2\r\n",
      "PROXY TCP4 192.0.2.1 192.0.2.2 0 00\r\n",
      "PROXY TCP4 192.0.2.256 192.0.2.2 1 2\r\n",
      "PROXY TCP4 192.0.2.1 192.0.2.2 65536 2\r\n",
      "PROXY TCP4 192.0.2.1 192.0.2.2 655350 2\r\n",
      "PROXY TCP4 192.0.2.1  192.0.2.2 1 2\r\n",
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n",
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r",
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 \r\n",
      "PROXY TCP4 192.0.2 192.0.2.2 1 2\r\n",
      "PROXY TCP4 192.0.2.1.5 192.0.2.2 1 2\r\n",
      "PROXY TCP4 ::1 192.0.2.2 1 2\r\n",
      "PROXY TCP6 192.0.2.1 ::1 1 2\r\n",
      "PROXY TCP6 ::1 ::1 1 2\r\n",
      "PROXY TCP6 2001:DB8::1 ::ffff:192.0.2.1 1 2\r\n",
      "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",
      "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n",
      "PROXY TCP6 :::1 ::1 1 2\r\n",
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\nPROXY TCP4 1.1.1.1 1.1.1.1 1 1\r\n",
      "PROXY TCP5 192.0.2.1 192.0.2.2 1 2\r\n",
      "PROXY tcp4 192.0.2.1 192.0.2.2 1 2\r\n",
      "PROXY UNKNOWN\r\n",
      "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff " +
      "65535 65535\r\n",
      "PROXY TCP6 0000:0000:0000:0000:0000:ffff:255.255.255.255 " +
      "0000:0000:0000:0000:0000:ffff:255.255.255.255 65535 65535\r\n", // past 107 bytes
    ];
    for (const text of cases) {
      const bytes = ascii(text);
      for (let n = 0; n <= bytes.length; n++) same(bytes.subarray(0, n), `prefix ${n}`);
    }
  });

  it(`on ${RUNS} seeded random lines and mutations of them`, () => {
    const rng = createPrng(SEED);
    for (let i = 0; i < RUNS; i++) {
      const bytes = ascii(line(rng));
      same(bytes, `seed ${SEED} run ${i}`);
      same(mutate(rng, bytes), `seed ${SEED} run ${i} mutated`);
    }
  });

  it("the comparison can fail: a different input gives a different result", () => {
    const a = decodeV1(ascii("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n"));
    const b = decodeV1Strict(ascii("PROXY TCP4 192.0.2.1 192.0.2.3 1 2\r\n"));
    assert.notDeepEqual(a, b);
  });
});
