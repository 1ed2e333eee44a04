import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHeaderFlags } from "./header_flags.ts";
import { completeHeader, type HeaderFill, socketEndpoint } from "./header_template.ts";
import { type Io, memoryIo, setIo } from "./io.ts";

function template(values: Parameters<typeof parseHeaderFlags>[0]) {
  const t = parseHeaderFlags(values);
  assert.ok(t.ok, t.ok ? "" : t.message);
  return t.value;
}

const tcp4 = {
  source: socketEndpoint({ hostname: "127.0.0.1", port: 40000 }),
  destination: socketEndpoint({ hostname: "127.0.0.1", port: 8080 }),
} satisfies HeaderFill;
const tcp6 = {
  source: socketEndpoint({ hostname: "::1", port: 40000 }),
  destination: socketEndpoint({ hostname: "::1", port: 8080 }),
} satisfies HeaderFill;

describe("header template: parsed once, completed from addresses", () => {
  it("missing ends come from the socket; given ones win", () => {
    const h = completeHeader(template({ src: "192.0.2.1:5" }), tcp4);
    assert.deepEqual(h, {
      ok: true,
      value: {
        version: 2,
        command: "PROXY",
        protocol: "TCP4",
        source: { address: "192.0.2.1", port: 5 },
        destination: { address: "127.0.0.1", port: 8080 },
        tlvs: [],
        crc32c: false,
      },
    });
  });

  it("mixed families: the IPv4 end is written IPv4-mapped, TCP6 (as HAProxy does)", () => {
    const a = completeHeader(template({ src: "[2001:db8::1]:5" }), tcp4);
    assert.ok(a.ok);
    assert.equal(a.value.protocol, "TCP6");
    assert.deepEqual(a.value.destination, { address: "::ffff:127.0.0.1", port: 8080 });
    const b = completeHeader(template({ dst: "192.0.2.11:443" }), tcp6);
    assert.ok(b.ok);
    assert.deepEqual(b.value.destination, { address: "::ffff:192.0.2.11", port: 443 });
    assert.deepEqual(b.value.source, { address: "::1", port: 40000 });
  });

  it("both ends given with different families is an error, not a mapping", () => {
    assert.deepEqual(parseHeaderFlags({ src: "192.0.2.1:1", dst: "[::1]:2" }), {
      ok: false,
      message: "--dst: IPv6 does not match --src, IPv4",
    });
  });

  it("UDP follows the datagram transport; --protocol picks only ends of its family", () => {
    const u = completeHeader(template({}), { ...tcp4, udp: true });
    assert.ok(u.ok && u.value.protocol === "UDP4");
    assert.deepEqual(completeHeader(template({ protocol: "TCP6" }), tcp4), {
      ok: false,
      message: "--protocol TCP6 needs --src and --dst",
    });
  });

  it("UNIX sockets: v2 UNIX_STREAM with the unnamed client path, v1 UNKNOWN (§2.1)", () => {
    const ends = {
      source: socketEndpoint({ path: "" }),
      destination: socketEndpoint({ path: "/run/pp.sock" }),
    };
    const v2 = completeHeader(template({}), ends);
    assert.ok(v2.ok);
    assert.equal(v2.value.protocol, "UNIX_STREAM");
    assert.deepEqual([v2.value.source, v2.value.destination], [{ path: "" }, {
      path: "/run/pp.sock",
    }]);
    const v1 = completeHeader(template({ v1: true }), ends);
    assert.ok(v1.ok);
    assert.deepEqual([v1.value.protocol, v1.value.source], ["UNKNOWN", null]);
  });

  it("LOCAL, UNKNOWN and UNSPEC take nothing from the socket", () => {
    for (const values of [{ local: true }, { unknown: true }, { v1: true, unknown: true }]) {
      const h = completeHeader(template(values), tcp4);
      assert.ok(h.ok);
      assert.deepEqual([h.value.source, h.value.destination], [null, null], JSON.stringify(values));
    }
    assert.deepEqual(parseHeaderFlags({ local: true, src: "192.0.2.1:1" }), {
      ok: false,
      message: "--src needs --dst",
    });
  });

  it("without a socket (encode) both ends are needed", () => {
    assert.deepEqual(completeHeader(template({})), {
      ok: false,
      message: "a PROXY header needs --src and --dst (or --local / --unknown for none)",
    });
  });

  it("--ssl-client-cert is read once, at parse time", () => {
    const mem = memoryIo({ files: { "c.der": new Uint8Array([0x30, 0x00]) } });
    let reads = 0;
    const counting: Io = {
      ...mem,
      readFile(path) {
        reads++;
        return mem.readFile(path);
      },
    };
    const restore = setIo(counting);
    try {
      const t = template({ "ssl-client-cert": "c.der" });
      assert.equal(reads, 1);
      for (let i = 0; i < 3; i++) assert.ok(completeHeader(t, tcp4).ok);
      assert.equal(reads, 1);
    } finally {
      restore();
    }
  });

  it("flag errors are in the CLI's words, never codec codes", () => {
    for (
      const values of [
        { src: "1.2.3:4", dst: "1.2.3.4:5" },
        { src: "1.2.3.4:99999", dst: "1.2.3.4:5" },
        { src: "::1:5", dst: "1.2.3.4:5" },
        { noop: "x" },
        { "ssl-verify": "-1" },
      ]
    ) {
      const r = parseHeaderFlags(values);
      assert.ok(!r.ok);
      assert.match(r.message, /^--[a-z-]+: /);
      assert.doesNotMatch(r.message, /ENCODE_|_BAD_/);
    }
  });
});
