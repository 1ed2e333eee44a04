/**
 * `ppcat bench`: the PROXY header of each connection, built by the codec from the header
 * template. Every connection gets a fresh header with its own source address and port
 * (lib/bench/source.ts), counting up from `--src` (default 198.18.0.1:1, or [2001:2::1]:1 for
 * IPv6: the benchmarking ranges of RFC 2544 and RFC 5180). The destination defaults to TARGET.
 *
 * @module
 */

import { canonicalAddress } from "../lib/address.ts";
import { sourceEndpoint } from "../lib/bench/source.ts";
import { encodeHeader } from "../lib/encode.ts";
import type { BenchArgs } from "./bench_options.ts";
import { completeHeader, type FamilyEndpoint } from "./header_template.ts";
import { bad, ok, type Parsed } from "./parsed.ts";

/** Default first source of IPv4 headers (RFC 2544 benchmarking range). */
export const DEFAULT_SOURCE_V4: FamilyEndpoint = {
  family: 4,
  endpoint: { address: "198.18.0.1", port: 1 },
};
/** Default first source of IPv6 headers (RFC 5180 benchmarking range). */
export const DEFAULT_SOURCE_V6: FamilyEndpoint = {
  family: 6,
  endpoint: { address: "2001:2::1", port: 1 },
};

/** Builds the header of connection `index`, or null for none. */
export type HeaderBuilder = (index: number) => Uint8Array | null;

/** TARGET as the header's default destination, when its host is an address literal. */
function targetEndpoint(plan: BenchArgs): FamilyEndpoint | null {
  const literal = canonicalAddress(plan.hostname === "localhost" ? "127.0.0.1" : plan.hostname);
  return literal === null
    ? null
    : { family: literal.family, endpoint: { address: literal.address, port: plan.port } };
}

/**
 * The header builder for `plan`, or a one-line reason why the header template cannot be
 * completed (a usage error: nothing has been connected yet).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBenchArgs } from "./bench_options.ts";
 * import { headerBuilder } from "./bench_header.ts";
 * const r = parseBenchArgs(["--header", "v1", "--src", "127.0.0.1:65535", "127.0.0.1:1122"]);
 * assert.ok(r.kind === "run");
 * const b = headerBuilder(r.config);
 * assert.ok(b.ok);
 * const text = (i: number) => new TextDecoder().decode(b.value(i)!);
 * assert.equal(text(0), "PROXY TCP4 127.0.0.1 127.0.0.1 65535 1122\r\n");
 * assert.equal(text(1), "PROXY TCP4 127.0.0.2 127.0.0.1 1 1122\r\n");
 * ```
 */
export function headerBuilder(plan: BenchArgs): Parsed<HeaderBuilder> {
  const template = plan.header;
  if (template === null) return ok(() => null);
  let destination = template.destination;
  if (template.addresses && destination === null) {
    destination = targetEndpoint(plan);
    if (destination === null && template.protocol === null) {
      return bad(
        `--dst: TARGET ${JSON.stringify(plan.hostname)} is a host name; ` +
          "give the header's destination as --dst ADDR:PORT",
      );
    }
  }
  const init = completeHeader(template, {
    source: destination?.family === 6 ? DEFAULT_SOURCE_V6 : DEFAULT_SOURCE_V4,
    destination,
  });
  if (!init.ok) return init;
  const first = encodeHeader(init.value);
  if (!first.ok) return bad(first.error.message);
  const base = init.value.source;
  if (base === null || base === undefined || !("address" in base)) return ok(() => first.value);
  const value = init.value;
  return ok((index) => {
    const source = sourceEndpoint(base, index);
    if (source === null) return first.value;
    const bytes = encodeHeader({ ...value, source });
    return bytes.ok ? bytes.value : first.value;
  });
}
