// Property tests over seeded random inputs: the seed is printed in every
// failure message so a failing case can be replayed.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ipv4ToBytes, ipv6ToBytes } from "./address.ts";
import { decodeHeader } from "./decode.ts";
import { encodeHeader } from "./encode.ts";
import type { Endpoint, HeaderInit, Protocol, Tlv } from "./header.ts";
import { createPrng, type Prng } from "./_prng.ts";
import { createStreamDecoder } from "./stream.ts";
import { rawTlv } from "./tlv.ts";
import { assertOk, concat } from "./_testing.ts";

const SEED = 0x5eed;
const RUNS = 2000;

// A random IPv6 address in a random valid text form: full, uppercase, or compressed by hand.
function ipv6Text(rng: Prng, bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  switch (rng.int(3)) {
    case 0:
      return groups.map((g) => g.padStart(4, "0")).join(":");
    case 1:
      return groups.join(":").toUpperCase();
    default:
      return groups.join(":");
  }
}

function randomAddressBytes(rng: Prng, family: 4 | 6): Uint8Array {
  const bytes = rng.bytes(family === 4 ? 4 : 16);
  // Runs of zeros exercise "::" compression.
  if (family === 6 && rng.int(2) === 0) {
    bytes.fill(0, rng.int(8) * 2, rng.int(8) * 2 + 2 * rng.int(5));
  }
  return bytes;
}

function endpoint(rng: Prng, family: 4 | 6): { text: Endpoint; bytes: Uint8Array; port: number } {
  const bytes = randomAddressBytes(rng, family);
  const port = rng.int(65536);
  const address = family === 4 ? [...bytes].join(".") : ipv6Text(rng, bytes);
  return { text: { address, port }, bytes, port };
}

function randomTlvs(rng: Prng): Tlv[] {
  const safeTypes = [0x01, 0x02, 0x04, 0x30, 0xe1, 0xf0, 0xf8, 0x10];
  const tlvs: Tlv[] = [];
  for (let n = rng.int(4); n > 0; n--) {
    tlvs.push(rawTlv(rng.pick(safeTypes), rng.bytes(rng.int(40))));
  }
  return tlvs;
}

function randomInit(rng: Prng): {
  init: HeaderInit;
  src?: { bytes: Uint8Array; port: number };
  dst?: { bytes: Uint8Array; port: number };
} {
  const version = rng.int(2) === 0 ? 1 : 2;
  const protocols: Protocol[] = version === 1
    ? ["TCP4", "TCP6", "UNKNOWN"]
    : ["TCP4", "TCP6", "UDP4", "UDP6", "UNSPEC"];
  const protocol = rng.pick(protocols);
  if (protocol === "UNKNOWN") return { init: { version, protocol } };
  if (protocol === "UNSPEC") {
    return { init: { version, protocol, tlvs: randomTlvs(rng), crc32c: rng.int(2) === 0 } };
  }
  const family = protocol.endsWith("4") ? 4 : 6;
  const src = endpoint(rng, family);
  const dst = endpoint(rng, family);
  const init: HeaderInit = {
    version,
    protocol,
    source: src.text,
    destination: dst.text,
    tlvs: version === 2 ? randomTlvs(rng) : [],
    crc32c: version === 2 && rng.int(2) === 0,
  };
  return { init, src, dst };
}

function addressBytes(endpoint: Endpoint | null): Uint8Array | null {
  if (endpoint === null || !("address" in endpoint)) return null;
  return ipv4ToBytes(endpoint.address) ?? ipv6ToBytes(endpoint.address);
}

describe("properties", () => {
  it("random valid headers round-trip encode -> decode exactly", () => {
    const rng = createPrng(SEED);
    for (let run = 0; run < RUNS; run++) {
      const { init, src, dst } = randomInit(rng);
      const where = `seed ${SEED} run ${run}: ${JSON.stringify(init)}`;
      const bytes = assertOk(encodeHeader(init));
      const h = assertOk(decodeHeader(bytes));
      assert.equal(h.version, init.version, where);
      assert.equal(h.protocol, init.protocol, where);
      assert.equal(h.headerLength, bytes.length, where);
      if (src && dst) {
        assert.deepEqual(addressBytes(h.source), src.bytes, where);
        assert.deepEqual(addressBytes(h.destination), dst.bytes, where);
        assert.equal(h.source && "port" in h.source && h.source.port, src.port, where);
        assert.equal(
          h.destination && "port" in h.destination && h.destination.port,
          dst.port,
          where,
        );
      }
      const wanted = (init.tlvs ?? []).map((t) => [t.type, [...t.value]]);
      if (init.crc32c) wanted.push([0x03, [...h.tlvs[h.tlvs.length - 1]!.value]]);
      assert.deepEqual(h.tlvs.map((t) => [t.type, [...t.value]]), wanted, where);
      assert.equal(h.crc32c, init.crc32c ? "valid" : null, where);
      // Canonical output is stable: re-encoding the decoded header gives the same bytes.
      const again = assertOk(encodeHeader({
        ...h,
        tlvs: init.crc32c ? h.tlvs.slice(0, -1) : h.tlvs,
        crc32c: init.crc32c === true,
      }));
      assert.deepEqual(again, bytes, where);
    }
  });

  it("random bytes never throw, only return error values", () => {
    const rng = createPrng(SEED + 1);
    const prefixes = [
      new Uint8Array(0),
      new TextEncoder().encode("PROXY "),
      new Uint8Array([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]),
    ];
    for (let run = 0; run < RUNS * 5; run++) {
      const input = concat(rng.pick(prefixes), rng.bytes(rng.int(200)));
      const r = decodeHeader(input);
      if (!r.ok) {
        assert.equal(typeof r.error.code, "string");
        assert.ok(r.error.offset >= 0 && r.error.offset <= input.length, `run ${run}`);
      }
    }
  });

  it("mutations of valid headers never throw, and chunking never changes the verdict", () => {
    const rng = createPrng(SEED + 2);
    for (let run = 0; run < RUNS; run++) {
      const valid = assertOk(encodeHeader(randomInit(rng).init));
      const input = valid.slice();
      for (let flips = 1 + rng.int(3); flips > 0; flips--) {
        const at = rng.int(input.length);
        switch (rng.int(3)) {
          case 0:
            input[at]! ^= 1 << rng.int(8);
            break;
          case 1:
            input[at] = rng.int(256);
            break;
          default:
            input[at] = input[rng.int(input.length)]!;
        }
      }
      const cut = rng.int(input.length + 1);
      const mutated = rng.int(4) === 0 ? input.subarray(0, cut) : input;
      const whole = decodeHeader(mutated);

      const decoder = createStreamDecoder();
      let step = decoder.push(new Uint8Array(0));
      for (let at = 0; at < mutated.length && step.state === "need-more"; at += 1) {
        step = decoder.push(mutated.subarray(at, at + 1));
      }
      const where = `seed ${SEED + 2} run ${run}`;
      if (whole.ok) {
        assert.equal(step.state, "done", where);
        assert.deepEqual(step.state === "done" && step.header, whole.value, where);
      } else if (whole.error.code === "TRUNCATED") {
        assert.equal(step.state, "need-more", where);
      } else {
        assert.equal(step.state, "error", where);
        if (step.state === "error") {
          assert.equal(step.error.code, whole.error.code, where);
          assert.equal(step.error.offset, whole.error.offset, where);
        }
      }
    }
  });
});
