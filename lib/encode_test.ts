import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeHeader } from "./decode.ts";
import { encodeHeader, encodeHeaderInto } from "./encode.ts";
import type { HeaderInit } from "./header.ts";
import { TlvType } from "./tlv.ts";

const TCP4: HeaderInit = {
  version: 2,
  protocol: "TCP4",
  source: { address: "192.0.2.1", port: 1000 },
  destination: { address: "192.0.2.2", port: 80 },
};
const V1: HeaderInit = { ...TCP4, version: 1 };

describe("encodeHeader: output arrays", () => {
  for (const init of [TCP4, V1, { version: 1, protocol: "UNKNOWN" } as const]) {
    it(`v${init.version} ${init.protocol}: each header has an ArrayBuffer of its own`, () => {
      const a = encodeHeader(init);
      const b = encodeHeader(init);
      assert.ok(a.ok && b.ok);
      // `.buffer` exposes nothing but this header: not another caller's bytes.
      assert.equal(a.value.byteOffset, 0);
      assert.equal(a.value.buffer.byteLength, a.value.length);
      assert.notEqual(a.value.buffer, b.value.buffer);
    });
  }

  it("encodeHeaderInto writes at the start of the caller's array and allocates no buffer", () => {
    const buf = new Uint8Array(1024).fill(0xee);
    for (const init of [TCP4, V1]) {
      const r = encodeHeaderInto(init, buf);
      assert.ok(r.ok);
      assert.equal(r.value.buffer, buf.buffer);
      assert.equal(r.value.byteOffset, 0);
      const fresh = encodeHeader(init);
      assert.ok(fresh.ok);
      assert.deepEqual([...r.value], [...fresh.value]);
    }
    const at = buf.subarray(100);
    const r = encodeHeaderInto(TCP4, at);
    assert.ok(r.ok);
    assert.equal(r.value.byteOffset, 100);
  });

  it("encodeHeaderInto: ENCODE_BUFFER_TOO_SMALL when the header does not fit", () => {
    for (const init of [TCP4, V1, { version: 1, protocol: "UNKNOWN" } as const]) {
      const fresh = encodeHeader(init);
      assert.ok(fresh.ok);
      const short = encodeHeaderInto(init, new Uint8Array(fresh.value.length - 1));
      assert.equal(!short.ok && short.error.code, "ENCODE_BUFFER_TOO_SMALL");
      assert.ok(encodeHeaderInto(init, new Uint8Array(fresh.value.length)).ok);
    }
  });
});

describe("encodeHeader: TLVs a receiver would reject are not written", () => {
  const cases: [string, number, number][] = [
    ["§2.2.6: an SSL value under its 5-byte prefix", TlvType.SSL, 1],
    ["§2.2.5: a unique ID over 128 bytes", TlvType.UNIQUE_ID, 129],
    ["§2.2.3: a CRC32C TLV given by hand", TlvType.CRC32C, 4],
  ];
  for (const [name, type, length] of cases) {
    it(`${name}: ENCODE_BAD_TLV; decodes as invalid when forced`, () => {
      const init = { ...TCP4, tlvs: [{ type, value: new Uint8Array(length) }] };
      const r = encodeHeader(init);
      assert.equal(!r.ok && r.error.code, "ENCODE_BAD_TLV");
      const forced = encodeHeader(init, { allowInvalidTlvs: true });
      assert.ok(forced.ok);
      assert.equal(decodeHeader(forced.value).ok, false);
    });
  }

  it("valid TLVs of defined types, and vendor or unassigned ones, are written", () => {
    const tlvs = [
      { type: TlvType.SSL, value: new Uint8Array(5) },
      { type: TlvType.UNIQUE_ID, value: new Uint8Array(128) },
      { type: 0xe0, value: new Uint8Array([1]) },
      { type: 0x06, value: new Uint8Array(0) },
    ];
    const r = encodeHeader({ ...TCP4, tlvs, crc32c: true });
    assert.ok(r.ok);
    const back = decodeHeader(r.value);
    assert.ok(back.ok);
    assert.equal(back.value.tlvs.length, 5);
  });
});

describe("encodeHeader: UNIX addresses round-trip or are refused", () => {
  const unix = (source: string, destination = "/d"): HeaderInit => ({
    version: 2,
    protocol: "UNIX_STREAM",
    source: { path: source },
    destination: { path: destination },
  });
  const fits = ["/run/ppcat.sock", "@abstract", "@with space", "", "/é/ü", "/" + "a".repeat(107)];
  for (const path of [...fits, "@" + "b".repeat(107)]) {
    it(`${JSON.stringify(path.length > 20 ? `${path.slice(0, 12)}…(${path.length})` : path)}`, () => {
      const r = encodeHeader(unix(path));
      assert.ok(r.ok);
      const back = decodeHeader(r.value);
      assert.ok(back.ok);
      assert.deepEqual(back.value.source, { path });
    });
  }
  const refused = [
    "/run/a\0b.sock",
    "@abc\0",
    "@\0",
    "@",
    "/" + "a".repeat(108),
    "@" + "b".repeat(108),
  ];
  for (const path of refused) {
    it(`refused: ${JSON.stringify(path.length > 20 ? `${path.slice(0, 12)}…` : path)}`, () => {
      const r = encodeHeader(unix("/s", path));
      assert.equal(!r.ok && r.error.code, "ENCODE_BAD_ADDRESS");
    });
  }
});
