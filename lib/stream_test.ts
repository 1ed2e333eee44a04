import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeHeader } from "./decode.ts";
import { createStreamDecoder, type StreamStep } from "./stream.ts";
import { ascii, concat, tlv, v2 } from "./_testing.ts";

const V1 = ascii("PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n");
const V2 = v2(
  0x21,
  0x21,
  new Uint8Array(32).fill(0xab),
  [0x12, 0x34, 0x01, 0xbb],
  tlv(0x02, ascii("example.com")),
  tlv(0x05, ascii("id-1")),
);

function feed(bytes: Uint8Array, sizes: number[]): { step: StreamStep; chunkStart: number } {
  const decoder = createStreamDecoder();
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const size = Math.min(sizes[k++ % sizes.length]!, bytes.length - at);
    const step = decoder.push(bytes.subarray(at, at + size));
    if (step.state !== "need-more") return { step, chunkStart: at };
    at += size;
  }
  return { step: { state: "need-more" }, chunkStart: at };
}

describe("stream decoder", () => {
  for (const [name, header] of [["v1", V1], ["v2", V2]] as const) {
    it(`${name}: 1-byte chunks decode exactly like one buffer`, () => {
      const input = concat(header, ascii("payload"));
      const whole = decodeHeader(input);
      assert.ok(whole.ok);
      const { step, chunkStart } = feed(input, [1]);
      assert.equal(step.state, "done");
      if (step.state !== "done") return;
      assert.deepEqual(step.header, whole.value);
      assert.equal(chunkStart + step.payloadOffset, header.length);
    });

    it(`${name}: header and payload in one chunk`, () => {
      const input = concat(header, ascii("payload"));
      const { step } = feed(input, [input.length]);
      assert.equal(step.state, "done");
      assert.equal(step.state === "done" && step.payloadOffset, header.length);
    });

    it(`${name}: every split point gives the same header and payload offset`, () => {
      const input = concat(header, ascii("xy"));
      const expected = decodeHeader(input);
      assert.ok(expected.ok);
      for (let cut = 1; cut < input.length; cut++) {
        const decoder = createStreamDecoder();
        let step = decoder.push(input.subarray(0, cut));
        let base = 0;
        if (step.state === "need-more") {
          step = decoder.push(input.subarray(cut));
          base = cut;
        }
        assert.equal(step.state, "done", `cut at ${cut}`);
        if (step.state !== "done") return;
        assert.deepEqual(step.header, expected.value);
        assert.equal(base + step.payloadOffset, header.length, `cut at ${cut}`);
      }
    });
  }

  it("an incomplete header never completes", () => {
    for (const header of [V1, V2]) {
      const decoder = createStreamDecoder();
      for (let i = 0; i < header.length - 1; i++) {
        assert.equal(decoder.push(header.subarray(i, i + 1)).state, "need-more");
      }
      assert.equal(decoder.buffered, header.length - 1);
    }
  });

  it("rejects at the first byte that cannot start a header", () => {
    const step = createStreamDecoder().push(ascii("GET / HTTP/1.1\r\n"));
    assert.equal(step.state, "error");
    assert.equal(step.state === "error" && step.error.code, "NOT_PROXY");
  });

  it("rejects a damaged signature as soon as the damage arrives, with the stream offset", () => {
    const decoder = createStreamDecoder();
    assert.equal(decoder.push(V2.subarray(0, 5)).state, "need-more");
    const step = decoder.push(new Uint8Array([0x0d, 0x0b]));
    assert.equal(step.state, "error");
    assert.equal(step.state === "error" && step.error.offset, 6);
  });

  it("rejects a bad version before the rest of the header arrives", () => {
    const head = V2.slice(0, 13);
    head[12] = 0x11;
    const step = createStreamDecoder().push(head);
    assert.equal(step.state === "error" && step.error.code, "V2_BAD_VERSION");
  });

  it("rejects a v1 line with no CRLF after 107 bytes without buffering more", () => {
    const decoder = createStreamDecoder();
    const step = decoder.push(ascii("PROXY UNKNOWN " + "a".repeat(500)));
    assert.equal(step.state === "error" && step.error.code, "V1_TOO_LONG");
    assert.equal(decoder.buffered, 107);
  });

  it("buffers no more than 16 + len for v2", () => {
    const big = v2(0x21, 0x11, new Uint8Array(12), tlv(0x04, new Uint8Array(60000)));
    const decoder = createStreamDecoder();
    const step = decoder.push(concat(big, new Uint8Array(100000)));
    assert.equal(step.state, "done");
    assert.equal(decoder.buffered, big.length);
  });

  it("refuses versions it is not configured for", () => {
    const only2 = createStreamDecoder({ versions: [2] }).push(V1);
    assert.equal(only2.state === "error" && only2.error.code, "VERSION_NOT_ALLOWED");
    const only1 = createStreamDecoder({ versions: [1] }).push(V2);
    assert.equal(only1.state === "error" && only1.error.code, "VERSION_NOT_ALLOWED");
  });

  it("after done, later chunks are all payload; a second header is payload too", () => {
    const decoder = createStreamDecoder();
    assert.equal(decoder.push(V1).state, "done");
    const again = decoder.push(V1);
    assert.equal(again.state === "done" && again.payloadOffset, 0);
  });

  it("does not keep references to the caller's chunks", () => {
    const input = V2.slice();
    const step = createStreamDecoder().push(input);
    assert.equal(step.state, "done");
    input.fill(0);
    assert.equal(
      step.state === "done" && new TextDecoder().decode(step.header.tlvs[0]!.value),
      "example.com",
    );
  });
});
