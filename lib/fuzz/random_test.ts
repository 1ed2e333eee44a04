import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeHeader } from "../decode.ts";
import { FUZZ_RULES } from "./mod.ts";
import {
  parseRandomId,
  RANDOM_MAX_COUNT,
  RANDOM_MUTATIONS,
  randomCase,
  randomCases,
} from "./random.ts";
import { assertAgreesWithDecoder } from "./_testing.ts";

const SEEDS = [0, 1, 0xffffffff];
const COUNT = 400;
const RUNS = SEEDS.map((seed) => ({ seed, cases: randomCases(COUNT, seed) }));
const ALL = RUNS.flatMap((r) => r.cases);

describe("randomCases", () => {
  it("names case i of seed s random-s-i", () => {
    for (const { seed, cases } of RUNS) {
      assert.equal(cases.length, COUNT);
      cases.forEach((c, i) => assert.equal(c.name, `random-${seed}-${i}`));
    }
  });

  it("is deterministic, and different seeds give different cases", () => {
    const one = RUNS.find((r) => r.seed === 1);
    assert.ok(one);
    assert.deepEqual(randomCases(COUNT, 1), one.cases);
    const bytesOf = (seed: number) => randomCases(50, seed).map((c) => [...c.bytes].join(","));
    assert.notDeepEqual(bytesOf(1), bytesOf(2));
    assert.equal(randomCases(0, 5).length, 0);
  });

  it("a prefix of a run is the shorter run", () => {
    const max = RUNS.find((r) => r.seed === 0xffffffff);
    assert.ok(max);
    assert.deepEqual(randomCases(10, 0xffffffff), max.cases.slice(0, 10));
  });

  it("refuses counts and seeds out of range", () => {
    for (const count of [-1, 1.5, NaN, RANDOM_MAX_COUNT + 1]) {
      assert.throws(() => randomCases(count, 1), RangeError, String(count));
    }
    for (const seed of [-1, 1.5, 2 ** 32, NaN]) {
      assert.throws(() => randomCases(1, seed), RangeError, String(seed));
    }
  });
});

describe("randomCase", () => {
  it("rebuilds every case from its id alone", () => {
    for (const c of ALL) assert.deepEqual(randomCase(c.name), c, c.name);
  });

  it("works for any index without building the ones before it", () => {
    const far = randomCase("random-3-9007199254740991");
    assert.ok(far !== null);
    assert.equal(far.name, "random-3-9007199254740991");
  });

  it("returns null for anything but random-<seed>-<index>", () => {
    for (
      const id of [
        "",
        "random-1",
        "random--1-2",
        "random-1-2-3",
        "random-01-2",
        "random-1-02",
        "random-4294967296-0",
        "random-1-9007199254740992",
        "random-a-1",
        "v2-tcp4",
        " random-1-2",
      ]
    ) {
      assert.equal(randomCase(id), null, id);
      assert.equal(parseRandomId(id), null, id);
    }
    assert.deepEqual(parseRandomId("random-4294967295-0"), { seed: 4294967295, index: 0 });
  });
});

describe("random cases agree with ppcat's decoder", () => {
  for (const { seed, cases } of RUNS) {
    it(`seed ${seed}: ${COUNT} cases`, () => {
      for (const c of cases) assertAgreesWithDecoder(c);
    });
  }
});

describe("random cases: shape and mutations", () => {
  it("use every mutation kind and reach every kind of expectation", () => {
    const kinds = new Set(ALL.map((c) => /^Random ([a-z-]+) of /.exec(c.description)?.[1]));
    assert.deepEqual([...kinds].sort(), [...RANDOM_MUTATIONS].sort());
    const seen = new Set(ALL.map((c) => `${c.expect}:${c.delivery.kind}`));
    for (const k of ["accept:whole", "either:whole", "reject:whole", "reject:truncated"]) {
      assert.ok(seen.has(k), k);
    }
    const codes = new Set(ALL.map((c) => c.code));
    for (const code of ["NOT_PROXY", "V1_BAD_ADDRESS", "V2_LENGTH_TOO_SHORT", "TLV_OVERRUN"]) {
      assert.ok(codes.has(code as never), code);
    }
  });

  it("truncations are sent then half-closed, never held", () => {
    for (const c of ALL) {
      if (c.delivery.kind !== "truncated") continue;
      assert.deepEqual(c.delivery, { kind: "truncated", then: "close" });
      assert.deepEqual([c.expect, c.code, c.marker], ["reject", "TRUNCATED", "none"]);
    }
  });

  it("a truncation keeps the number of bytes its description says", () => {
    let checked = 0;
    for (const c of ALL) {
      const m = /cut to (\d+) of (\d+) bytes/.exec(c.description);
      if (m === null) continue;
      assert.equal(c.bytes.length + c.afterHeader.length, Number(m[1]), c.name);
      assert.ok(Number(m[1]) < Number(m[2]), c.name);
      checked++;
    }
    assert.ok(checked > 20);
  });

  it("a v2 length edit writes the len its description says", () => {
    let checked = 0;
    for (const c of ALL) {
      const m = /len (\d+) -> (\d+)/.exec(c.description);
      if (m === null) continue;
      const [hi, lo] = [c.bytes[14], c.bytes[15]];
      assert.ok(hi !== undefined && lo !== undefined, c.name);
      assert.equal((hi << 8) | lo, Number(m[2]), c.name);
      checked++;
    }
    assert.ok(checked > 20);
  });

  it("valid mutations keep the bytes past the header as payload", () => {
    let checked = 0;
    for (const c of ALL) {
      if (c.afterHeader.length === 0) continue;
      const whole = new Uint8Array([...c.bytes, ...c.afterHeader]);
      const r = decodeHeader(whole);
      assert.ok(r.ok && r.value.headerLength === c.bytes.length, c.name);
      checked++;
    }
    assert.ok(checked > 0);
  });

  it("quote a spec rule and describe the mutation and the decoder's reading", () => {
    const quotes = new Set<string>(Object.values(FUZZ_RULES));
    for (const c of ALL) {
      assert.ok(quotes.has(c.rule), c.name);
      assert.match(c.description, /^Random [a-z-]+ of [a-z0-9-]+: .+\.$/);
      if (c.expect === "reject" && c.code !== "TRUNCATED") {
        assert.ok(c.description.includes(`invalid: ${c.code}`), c.name);
      }
      assert.ok(["MUST", "SHOULD", "MAY"].includes(c.requirement), c.name);
    }
  });
});
