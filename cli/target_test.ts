import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "./_testing.ts";
import { oneTarget, parseTarget, transportTarget } from "./target.ts";

describe("TARGET", () => {
  it("reads host names, IPv4 and bracketed IPv6 literals with their family", () => {
    assert.deepEqual(parseTarget("example.com:443"), {
      ok: true,
      value: { kind: "inet", hostname: "example.com", port: 443, family: null },
    });
    assert.deepEqual(parseTarget("192.0.2.1:1"), {
      ok: true,
      value: { kind: "inet", hostname: "192.0.2.1", port: 1, family: 4 },
    });
    assert.deepEqual(parseTarget("[2001:db8::1]:65535"), {
      ok: true,
      value: { kind: "inet", hostname: "2001:db8::1", port: 65535, family: 6 },
    });
  });

  it("reads unix:PATH and anything with a slash as a socket path", () => {
    for (const [text, path] of [["unix:pp.sock", "pp.sock"], ["./pp.sock", "./pp.sock"]] as const) {
      assert.deepEqual(parseTarget(text), { ok: true, value: { kind: "unix", path } });
    }
    assert.deepEqual(parseTarget("run/pp.sock"), {
      ok: true,
      value: { kind: "unix", path: "run/pp.sock" },
    });
  });

  it("refuses what is not a target, naming the problem", () => {
    const cases: [string, RegExp][] = [
      ["localhost", /expected HOST:PORT/],
      ["::1:80", /write IPv6 in brackets/],
      ["[::1]80", /expected \[IPV6\]:PORT/],
      ["[192.0.2.1]:80", /is not an IPv6 address/],
      [":80", /has no host/],
      ["host:0", /port "0" is not in 1\.\.65535/],
      ["host:65536", /is not in 1\.\.65535/],
      ["host:080x", /is not in 1\.\.65535/],
      ["unix:", /needs a path/],
    ];
    for (const [text, message] of cases) {
      const r = parseTarget(text);
      assert.equal(r.ok, false, text);
      if (!r.ok) assert.match(r.message, message, text);
    }
  });

  it("wants exactly one positional", () => {
    assert.deepEqual(oneTarget([], "HOST:PORT"), {
      ok: false,
      message: "missing TARGET (HOST:PORT)",
    });
    assert.equal(oneTarget(["a:1", "b:2", "c:3"], "HOST:PORT").ok, false);
    assert.deepEqual(oneTarget(["[::1]:9"], "HOST:PORT"), parseTarget("[::1]:9"));
  });

  it("gives the transport host and port, or the path", () => {
    assert.deepEqual(transportTarget({ kind: "inet", hostname: "h", port: 1, family: null }), {
      hostname: "h",
      port: 1,
    });
    assert.deepEqual(transportTarget({ kind: "unix", path: "/p" }), { path: "/p" });
  });

  it("is the same grammar for send, fuzz and bench: one line, exit 2", async () => {
    for (const command of ["send", "fuzz", "bench"]) {
      const r = await runCli([command, "::1:80"]);
      assert.equal(r.code, 2, command);
      assert.match(r.err, new RegExp(`^ppcat ${command}: .*write IPv6 in brackets`), command);
    }
  });
});
