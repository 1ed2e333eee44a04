import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Expectation, FuzzCase, Requirement } from "./mod.ts";
import { MIN_HEADER_TIMEOUT_MS } from "../transport.ts";
import {
  fuzzResultJson,
  judge,
  type Observation,
  type Outcome,
  reproduceCommand,
  summarize,
  type Verdict,
} from "./mod.ts";
import { fakeCase } from "./_testing.ts";

const held = { kind: "truncated", then: "hold" } as const;

function caseOf(expect: Expectation, requirement: Requirement): FuzzCase {
  if (expect === "timeout") {
    return fakeCase({ expect, requirement, delivery: held, marker: "none", code: undefined });
  }
  if (expect === "tolerance") {
    return fakeCase({
      expect,
      requirement,
      delivery: { kind: "fragments", offsets: [2], delayMs: 5 },
    });
  }
  return fakeCase({ expect, requirement, ...(expect === "reject" ? { code: "NOT_PROXY" } : {}) });
}

// [expect, requirement, outcome, afterMs, verdict]
type Row = [Expectation, Requirement, Outcome, number, Verdict];
const TABLE: Row[] = [
  // accept: refusing is weighed by the requirement (one rule); no reply in time is inconclusive.
  ["accept", "MUST", "accepted", 5, "pass"],
  ["accept", "MUST", "closed", 5, "violation"],
  ["accept", "MUST", "reset", 5, "violation"],
  ["accept", "MUST", "error-reply", 5, "violation"],
  ["accept", "MUST", "timeout", 10_000, "note"],
  ["accept", "SHOULD", "accepted", 5, "pass"],
  ["accept", "SHOULD", "closed", 5, "lenient"],
  ["accept", "SHOULD", "timeout", 10_000, "note"],
  ["accept", "MAY", "reset", 5, "note"],
  // either: accepting passes, anything else is a note.
  ["either", "MAY", "accepted", 5, "pass"],
  ["either", "MAY", "closed", 5, "note"],
  ["either", "MAY", "error-reply", 5, "note"],
  ["either", "MAY", "timeout", 10_000, "note"],
  // tolerance: fragmented valid headers; tolerance is a SHOULD.
  ["tolerance", "SHOULD", "accepted", 700, "pass"],
  ["tolerance", "SHOULD", "closed", 5, "lenient"],
  ["tolerance", "SHOULD", "reset", 2600, "lenient"],
  ["tolerance", "SHOULD", "timeout", 10_000, "note"],
  // reject: accepting is weighed; a prompt refusal passes, a slow one is a note, none within
  // the window is lenient (time is judged by the SHOULD-level timeout sentence).
  ["reject", "MUST", "accepted", 5, "violation"],
  ["reject", "SHOULD", "accepted", 5, "lenient"],
  ["reject", "MAY", "accepted", 5, "note"],
  ["reject", "MUST", "closed", 0, "pass"],
  ["reject", "MUST", "reset", 2999, "pass"],
  ["reject", "MUST", "error-reply", 40, "pass"],
  ["reject", "SHOULD", "closed", 3, "pass"],
  ["reject", "MUST", "closed", 3000, "note"],
  ["reject", "SHOULD", "closed", 30_000, "note"],
  ["reject", "MUST", "timeout", 10_000, "lenient"],
  ["reject", "SHOULD", "timeout", 10_000, "lenient"],
  ["reject", "MUST", "timeout", 2000, "note"],
  // timeout: giving up at 3 s or later passes, earlier is lenient, still open at the end of
  // the window is lenient; only accepting can be a violation.
  ["timeout", "MUST", "closed", 3000, "pass"],
  ["timeout", "MUST", "reset", 5000, "pass"],
  ["timeout", "MUST", "closed", 20_000, "pass"],
  ["timeout", "MUST", "error-reply", 3100, "pass"],
  ["timeout", "MUST", "closed", 2999, "lenient"],
  ["timeout", "MUST", "reset", 0, "lenient"],
  ["timeout", "MUST", "timeout", 15_000, "lenient"],
  ["timeout", "MUST", "timeout", 3000, "lenient"],
  ["timeout", "MUST", "timeout", 2500, "note"],
  ["timeout", "MUST", "accepted", 100, "violation"],
  ["timeout", "SHOULD", "accepted", 27_500, "lenient"],
  ["timeout", "SHOULD", "closed", 10_000, "pass"],
  ["timeout", "SHOULD", "timeout", 60_000, "lenient"],
  ["timeout", "MAY", "accepted", 100, "note"],
];

describe("judge: one rule for levels", () => {
  it("only a MUST case gives violation, SHOULD gives lenient, MAY gives note", () => {
    for (const [expect, requirement, outcome, afterMs] of TABLE) {
      const v = judge(caseOf(expect, requirement), { outcome, afterMs }).verdict;
      if (v === "violation") assert.equal(requirement, "MUST", `${expect} ${outcome}`);
    }
  });

  it("a crash is a violation whatever the network saw", () => {
    const o: Observation = {
      outcome: "reset",
      afterMs: 2,
      crash: { by: "log", detail: "worker 3 killed with signal 6" },
    };
    const j = judge(caseOf("reject", "MAY"), o);
    assert.equal(j.verdict, "violation");
    assert.match(j.reason, /killed with signal 6/);
  });

  it("a refusal explained by the size ladder is a note naming the limit", () => {
    const big = fakeCase({ bytes: new Uint8Array(366), expect: "accept", requirement: "MUST" });
    const o: Observation = { outcome: "closed", afterMs: 1 };
    assert.equal(judge(big, o).verdict, "violation");
    const j = judge(big, o, { sizeLimit: { largestAccepted: 232, smallestRefused: 256 } });
    assert.equal(j.verdict, "note");
    assert.match(j.reason, /256 bytes \(size ladder\)/);
    const small = fakeCase({ bytes: new Uint8Array(100), expect: "accept", requirement: "MUST" });
    const k = judge(small, o, { sizeLimit: { largestAccepted: 232, smallestRefused: 256 } });
    assert.equal(k.verdict, "violation");
    // Between the rungs the ladder cannot tell: inconclusive, never a violation.
    const between = judge(big, o, { sizeLimit: { largestAccepted: 256, smallestRefused: 512 } });
    assert.equal(between.verdict, "note");
    assert.match(between.reason, /256 bytes accepted and 512 refused.*inconclusive/);
    // A receiver that refused every rung says nothing about size.
    const none = judge(big, o, { sizeLimit: { largestAccepted: null, smallestRefused: 107 } });
    assert.equal(none.verdict, "violation");
  });

  it("still open at the end of the window states the bound, never 'never closed'", () => {
    const j = judge(caseOf("timeout", "MUST"), { outcome: "timeout", afterMs: 12_000 });
    assert.match(j.reason, /still open after 12 s/);
    assert.doesNotMatch(j.reason, /never closed/);
    assert.doesNotMatch(j.reason, /CVE-2021-23409/);
    const cve = fakeCase({
      expect: "timeout",
      delivery: held,
      marker: "none",
      cve: "CVE-2021-23409",
    });
    assert.match(judge(cve, { outcome: "timeout", afterMs: 12_000 }).reason, /CVE-2021-23409/);
    const passed = judge(caseOf("timeout", "MUST"), { outcome: "closed", afterMs: 5004 });
    assert.match(passed.reason, /5004 ms/);
  });

  it("an inconclusive case says it ran twice", () => {
    const o: Observation = { outcome: "timeout", afterMs: 5000, retried: true };
    const j = judge(caseOf("accept", "MUST"), o);
    assert.equal(j.verdict, "note");
    assert.match(j.reason, /inconclusive.*twice, the second time alone/);
  });
});

describe("judge: the verdict table", () => {
  for (const [expect, requirement, outcome, afterMs, expected] of TABLE) {
    it(`${expect} ${requirement}, ${outcome} after ${afterMs} ms -> ${expected}`, () => {
      const j = judge(caseOf(expect, requirement), { outcome, afterMs });
      assert.equal(j.verdict, expected, j.reason);
      assert.ok(j.reason.length > 10);
    });
  }
});

describe("judge: overrides and options", () => {
  it("speaking before the header is a violation whatever else happened", () => {
    for (const expect of ["accept", "either", "tolerance", "reject", "timeout"] as const) {
      for (const outcome of ["accepted", "closed", "timeout"] as const) {
        const o: Observation = { outcome, afterMs: 10, spokeFirst: true };
        const j = judge(caseOf(expect, "MAY"), o);
        assert.equal(j.verdict, "violation", `${expect} ${outcome}`);
        assert.match(j.reason, /MUST NOT start processing/);
      }
    }
    assert.equal(
      judge(caseOf("accept", "MUST"), { outcome: "accepted", afterMs: 1, spokeFirst: false })
        .verdict,
      "pass",
    );
  });

  it("an acceptance that mangles the payload is a violation", () => {
    for (const expect of ["accept", "either", "tolerance"] as const) {
      const o: Observation = { outcome: "accepted", afterMs: 4, payloadIntact: false };
      assert.equal(judge(caseOf(expect, "SHOULD"), o).verdict, "violation", expect);
      assert.equal(
        judge(caseOf(expect, "SHOULD"), { ...o, payloadIntact: true }).verdict,
        "pass",
        expect,
      );
    }
  });

  it("headerTimeoutMinMs moves the 3-second boundaries", () => {
    assert.equal(MIN_HEADER_TIMEOUT_MS, 3000);
    const t = caseOf("timeout", "MUST");
    const r = caseOf("reject", "MUST");
    const opts = { headerTimeoutMinMs: 5000 };
    assert.equal(judge(t, { outcome: "closed", afterMs: 4000 }, opts).verdict, "lenient");
    assert.equal(judge(t, { outcome: "closed", afterMs: 5000 }, opts).verdict, "pass");
    assert.equal(judge(t, { outcome: "timeout", afterMs: 4000 }, opts).verdict, "note");
    assert.equal(judge(r, { outcome: "closed", afterMs: 4000 }, opts).verdict, "pass");
    assert.equal(judge(r, { outcome: "closed", afterMs: 5000 }, opts).verdict, "note");
    assert.equal(
      judge(t, { outcome: "closed", afterMs: 1 }, { headerTimeoutMinMs: 0 }).verdict,
      "pass",
    );
  });

  it("reasons cite the rule behind the verdict", () => {
    const never = judge(caseOf("timeout", "MUST"), { outcome: "timeout", afterMs: 12_000 });
    assert.match(never.reason, /still open after 12 s/);
    const early = judge(caseOf("timeout", "MUST"), { outcome: "closed", afterMs: 800 });
    assert.match(early.reason, /at least 3 seconds/);
    const c = fakeCase({ expect: "reject", code: "V1_LEADING_ZERO", section: "2.1" });
    const bad = judge(c, { outcome: "accepted", afterMs: 1 });
    assert.match(bad.reason, /V1_LEADING_ZERO/);
    assert.match(bad.reason, /MUST \(§2\.1\)/);
    const frag = judge(caseOf("tolerance", "SHOULD"), { outcome: "closed", afterMs: 1 });
    assert.match(frag.reason, /recommends tolerance/);
  });

  it("rejects malformed observations", () => {
    const c = caseOf("accept", "MUST");
    assert.throws(() => judge(c, { outcome: "gone" as Outcome, afterMs: 1 }), TypeError);
    assert.throws(() => judge(c, { outcome: "closed", afterMs: -1 }), RangeError);
    assert.throws(() => judge(c, { outcome: "closed", afterMs: NaN }), RangeError);
    assert.throws(
      () => judge(c, { outcome: "closed", afterMs: 1 }, { headerTimeoutMinMs: -5 }),
      RangeError,
    );
  });
});

describe("summarize", () => {
  it("counts each verdict", () => {
    const verdicts: Verdict[] = ["pass", "violation", "pass", "note", "lenient", "note", "pass"];
    assert.deepEqual(summarize(verdicts.map((verdict) => ({ verdict }))), {
      pass: 3,
      violation: 1,
      lenient: 1,
      note: 2,
    });
    assert.deepEqual(summarize([]), { pass: 0, violation: 0, lenient: 0, note: 0 });
  });

  it("refuses an unknown verdict", () => {
    assert.throws(() => summarize([{ verdict: "fail" as Verdict }]), TypeError);
    assert.throws(() => summarize([{ verdict: "toString" as Verdict }]), TypeError);
  });
});

describe("reproduceCommand", () => {
  const bytes = new Uint8Array([0x0d, 0x0a, 0xab, 0x00]);

  it("whole delivery: the bytes as --header-hex, stdin left open", () => {
    assert.equal(
      reproduceCommand(fakeCase({ bytes }), "127.0.0.1:8080"),
      "ppcat send 127.0.0.1:8080 --header-hex 0d0aab00 --data 'ppcat-fuzz-probe\\n'",
    );
  });

  it("afterHeader is sent with the header", () => {
    const c = fakeCase({ bytes, afterHeader: new Uint8Array([0x50, 0x51]) });
    assert.equal(
      reproduceCommand(c, "h:1"),
      "ppcat send h:1 --header-hex 0d0aab005051 --data 'ppcat-fuzz-probe\\n'",
    );
  });

  it("fragments and slow delivery: --fragment offsets and --fragment-delay", () => {
    const frag = fakeCase({
      bytes,
      delivery: { kind: "fragments", offsets: [1, 3], delayMs: 250 },
    });
    assert.equal(
      reproduceCommand(frag, "h:1"),
      "ppcat send h:1 --header-hex 0d0aab00 --fragment 1,3 --fragment-delay 250 " +
        "--data 'ppcat-fuzz-probe\\n'",
    );
    const slow = fakeCase({ bytes, delivery: { kind: "slow", byteDelayMs: 1000 } });
    assert.equal(
      reproduceCommand(slow, "h:1"),
      "ppcat send h:1 --header-hex 0d0aab00 --fragment 1,2,3 --fragment-delay 1000 " +
        "--data 'ppcat-fuzz-probe\\n'",
    );
  });

  it("truncated: held open as is, closed with stdin at EOF", () => {
    const hold = fakeCase({ bytes, marker: "none", delivery: held });
    assert.equal(reproduceCommand(hold, "h:1"), "ppcat send h:1 --header-hex 0d0aab00");
    const close = fakeCase({
      bytes,
      marker: "none",
      delivery: { kind: "truncated", then: "close" },
    });
    assert.equal(
      reproduceCommand(close, "h:1"),
      "ppcat send h:1 --header-hex 0d0aab00 < /dev/null",
    );
    const silent = fakeCase({ bytes: new Uint8Array(0), marker: "none", delivery: held });
    assert.equal(reproduceCommand(silent, "h:1"), "ppcat send h:1 --no-header");
  });

  it("each mode's probe: the request, EHLO, CAPABILITY; none for banner, pop3, none", () => {
    const c = fakeCase({ bytes: new Uint8Array([1]) });
    assert.equal(
      reproduceCommand(c, "127.0.0.1:80", { mode: "http" }),
      "ppcat send 127.0.0.1:80 --header-hex 01 --data 'GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n" +
        "User-Agent: ppcat-fuzz\\r\\nAccept: */*\\r\\nConnection: close\\r\\n\\r\\n'",
    );
    assert.match(reproduceCommand(c, "h:25", { mode: "smtp" }), / --data 'EHLO ppcat.fuzz\\r\\n'$/);
    assert.match(reproduceCommand(c, "h:143", { mode: "imap" }), / --data 'a1 CAPABILITY\\r\\n'$/);
    for (const mode of ["banner", "pop3", "none"] as const) {
      assert.equal(reproduceCommand(c, "h:1", { mode }), "ppcat send h:1 --header-hex 01");
    }
    const same = fakeCase({ bytes: new Uint8Array([1]), marker: "same-write" });
    assert.match(reproduceCommand(same, "h:1"), / --same-write$/);
  });

  it("quotes targets the shell would change", () => {
    const c = fakeCase({ bytes: new Uint8Array([1]) });
    assert.equal(
      reproduceCommand(c, "[2001:db8::1]:443"),
      "ppcat send '[2001:db8::1]:443' --header-hex 01 --data 'ppcat-fuzz-probe\\n'",
    );
    assert.equal(
      reproduceCommand(c, "it's here:1"),
      "ppcat send 'it'\\''s here:1' --header-hex 01 --data 'ppcat-fuzz-probe\\n'",
    );
    assert.equal(
      reproduceCommand(c, "unix:/run/app.sock"),
      "ppcat send unix:/run/app.sock --header-hex 01 --data 'ppcat-fuzz-probe\\n'",
    );
  });
});

describe("fuzzResultJson", () => {
  it("renders the issue's per-case JSON", () => {
    const c = fakeCase({
      name: "some-case",
      section: "2.2",
      requirement: "MUST",
      bytes: new Uint8Array([0xde, 0xad]),
      expect: "reject",
      code: "NOT_PROXY",
      cve: "CVE-2000-0001",
    });
    const json = fuzzResultJson(c, { outcome: "accepted", afterMs: 12 }, "h:1");
    assert.deepEqual(JSON.parse(JSON.stringify(json)), {
      name: "some-case",
      section: "2.2",
      requirement: "MUST",
      hex: "dead",
      observed: { outcome: "accepted", afterMs: 12 },
      verdict: "violation",
      reason: "accepted invalid input (NOT_PROXY): MUST (§2.2) says to reject it",
      reproduce: "ppcat send h:1 --header-hex dead --data 'ppcat-fuzz-probe\\n'",
      cve: "CVE-2000-0001",
    });
    const plain = fuzzResultJson(fakeCase(), { outcome: "accepted", afterMs: 1 }, "h:1");
    assert.equal("cve" in plain, false);
    assert.equal(plain.verdict, "pass");
  });

  it("passes the judge options through", () => {
    const c = caseOf("timeout", "MUST");
    const o: Observation = { outcome: "closed", afterMs: 4000 };
    assert.equal(fuzzResultJson(c, o, "h:1").verdict, "pass");
    assert.equal(fuzzResultJson(c, o, "h:1", { headerTimeoutMinMs: 5000 }).verdict, "lenient");
  });
});
