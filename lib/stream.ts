/**
 * A push-based header decoder for sockets: feed it chunks as they arrive.
 *
 * It copies at most the header's own bytes (107 for v1, 16 + `len` for v2,
 * so never more than 16 + 65535), rejects bad input as soon as the bytes
 * seen so far prove it bad, and decodes exactly as {@linkcode decodeHeader}
 * would on the whole header, whatever the chunking.
 *
 * @module
 */

import { NOT_PROXY_MESSAGE, versionOf } from "./_detect.ts";
import { type ProxyError, proxyError } from "./errors.ts";
import type { ProxyHeader } from "./header.ts";
import { decodeV1, V1_MAX_LENGTH } from "./v1.ts";
import { checkV2Preamble, type DecodeOptions, decodeV2, V2_FIXED_LENGTH } from "./v2.ts";

/** What one {@linkcode StreamDecoder.push} found. */
export type StreamStep =
  | { readonly state: "need-more" }
  /** `payloadOffset`: where the payload starts in the chunk just pushed. */
  | { readonly state: "done"; readonly header: ProxyHeader; readonly payloadOffset: number }
  /** `error.offset` counts from the first byte of the stream. */
  | { readonly state: "error"; readonly error: ProxyError };

/** Options for {@linkcode createStreamDecoder}. */
export interface StreamDecoderOptions extends DecodeOptions {
  /** Versions to accept (§2: a receiver is configured for what it receives). Default: both. */
  readonly versions?: readonly (1 | 2)[];
}

/** A push-based decoder for one connection's header. */
export interface StreamDecoder {
  /**
   * Feeds the next chunk. After "done" or "error" the decoder is finished:
   * further pushes return the same error, or "done" with `payloadOffset` 0
   * (the whole chunk is payload).
   */
  push(chunk: Uint8Array): StreamStep;
  /** Header bytes held so far. */
  readonly buffered: number;
}

const NEED_MORE: StreamStep = Object.freeze({ state: "need-more" });

/**
 * Creates a decoder for one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createStreamDecoder } from "./stream.ts";
 * const decoder = createStreamDecoder();
 * const bytes = new TextEncoder().encode("PROXY TCP4 10.0.0.1 10.0.0.2 1000 80\r\nping");
 * assert.equal(decoder.push(bytes.subarray(0, 20)).state, "need-more");
 * const step = decoder.push(bytes.subarray(20));
 * assert.equal(step.state, "done");
 * assert.ok(step.state === "done");
 * assert.equal(step.header.headerLength, 38);
 * assert.equal(step.payloadOffset, 18); // "ping" starts at byte 18 of the second chunk
 * ```
 */
export function createStreamDecoder(options: StreamDecoderOptions = {}): StreamDecoder {
  const versions = options.versions ?? [1, 2];
  let buf = new Uint8Array(0);
  let filled = 0;
  let version: 0 | 1 | 2 = 0;
  let total = 0; // v2: 16 + len once the preamble is in
  let final: StreamStep | null = null;

  const finish = (step: StreamStep): StreamStep => (final = step);

  function push(chunk: Uint8Array): StreamStep {
    if (final !== null) return final.state === "done" ? { ...final, payloadOffset: 0 } : final;
    let i = 0;
    while (i < chunk.length) {
      if (version === 0) {
        // §2.2: the v2 signature, else "PROXY", else the connection must be dropped.
        version = versionOf(chunk[i]!);
        if (version === 0) {
          return finish({ state: "error", error: proxyError("NOT_PROXY", NOT_PROXY_MESSAGE, 0) });
        }
        if (!versions.includes(version)) {
          return finish({
            state: "error",
            error: proxyError(
              "VERSION_NOT_ALLOWED",
              `version ${version} headers are not accepted here`,
              0,
            ),
          });
        }
        buf = new Uint8Array(version === 1 ? V1_MAX_LENGTH : V2_FIXED_LENGTH);
      }
      if (version === 1) {
        // The line's end is unknown: take up to the 107-byte limit, then look.
        const take = Math.min(chunk.length - i, V1_MAX_LENGTH - filled);
        buf.set(chunk.subarray(i, i + take), filled);
        filled += take;
        i += take;
        const r = decodeV1(buf.subarray(0, filled));
        if (r.ok) {
          return finish({
            state: "done",
            header: r.value,
            payloadOffset: i - (filled - r.value.headerLength),
          });
        }
        if (r.error.code !== "TRUNCATED") return finish({ state: "error", error: r.error });
        continue;
      }
      // Version 2: the 16-byte preamble first, then exactly `len` more bytes.
      const want = total === 0 ? V2_FIXED_LENGTH : total;
      const take = Math.min(chunk.length - i, want - filled);
      buf.set(chunk.subarray(i, i + take), filled);
      filled += take;
      i += take;
      if (total === 0) {
        const preamble = checkV2Preamble(buf.subarray(0, filled));
        if (!preamble.ok) {
          if (preamble.error.code === "TRUNCATED") continue;
          return finish({ state: "error", error: preamble.error });
        }
        total = preamble.value;
        if (total > buf.length) {
          const grown = new Uint8Array(total);
          grown.set(buf);
          buf = grown;
        }
      }
      if (filled === total) {
        const r = decodeV2(buf.subarray(0, total), options);
        return finish(
          r.ok
            ? { state: "done", header: r.value, payloadOffset: i }
            : { state: "error", error: r.error },
        );
      }
    }
    return NEED_MORE;
  }

  return {
    push,
    get buffered() {
      return filled;
    },
  };
}
