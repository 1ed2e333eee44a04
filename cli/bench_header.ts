/**
 * `ppcat bench`: the PROXY header of each connection, built by the codec from the header flags.
 * Every connection gets a fresh header with its own source address and port
 * (lib/bench/source.ts), counting up from `--src` (default 198.18.0.1:1, or [2001:2::1]:1 for
 * IPv6: the benchmarking ranges of RFC 2544 and RFC 5180). The destination defaults to TARGET.
 *
 * @module
 */

import { canonicalAddress } from "../lib/address.ts";
import { sourceEndpoint } from "../lib/bench/source.ts";
import { encodeHeader } from "../lib/encode.ts";
import type { InetEndpoint } from "../lib/header.ts";
import type { BenchArgs } from "./bench_options.ts";
import { headerFromFlags } from "./header_flags.ts";

/** Default first source of IPv4 headers (RFC 2544 benchmarking range). */
export const DEFAULT_SOURCE_V4 = "198.18.0.1:1";
/** Default first source of IPv6 headers (RFC 5180 benchmarking range). */
export const DEFAULT_SOURCE_V6 = "[2001:2::1]:1";

/** Builds the header of connection `index`, or null for none. */
export type HeaderBuilder = (index: number) => Uint8Array | null;

function endpointText(address: string, family: 4 | 6, port: number): string {
  return family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

function carriesAddresses(values: BenchArgs["header"] & object): boolean {
  const v = values.values;
  if (v.local || v.unknown) return false;
  const p = v.protocol?.toUpperCase().replace(/-/g, "_");
  return p !== "UNSPEC" && p !== "UNKNOWN" && p !== "UNIX_STREAM" && p !== "UNIX_DGRAM";
}

/**
 * The header builder for `plan`, or a one-line reason why the header flags do not describe a
 * header (a usage error: nothing has been connected yet).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBenchArgs } from "./bench_options.ts";
 * import { headerBuilder } from "./bench_header.ts";
 * const r = parseBenchArgs(["--header", "v1", "--src", "127.0.0.1:65535", "127.0.0.1:1122"]);
 * assert.ok(r.kind === "plan");
 * const b = headerBuilder(r.plan);
 * assert.ok(b.ok);
 * const text = (i: number) => new TextDecoder().decode(b.build(i)!);
 * assert.equal(text(0), "PROXY TCP4 127.0.0.1 127.0.0.1 65535 1122\r\n");
 * assert.equal(text(1), "PROXY TCP4 127.0.0.2 127.0.0.1 1 1122\r\n");
 * ```
 */
export function headerBuilder(
  plan: BenchArgs,
): { ok: true; build: HeaderBuilder } | { ok: false; message: string } {
  const header = plan.header;
  if (header === null) return { ok: true, build: () => null };
  if (!carriesAddresses(header)) {
    const init = headerFromFlags(header.values);
    if (!init.ok) return { ok: false, message: init.error.message };
    const bytes = encodeHeader(init.value);
    if (!bytes.ok) return { ok: false, message: `${bytes.error.code}: ${bytes.error.message}` };
    return { ok: true, build: () => bytes.value };
  }
  const values = header.values;
  let dst = values.dst;
  if (dst === undefined) {
    const host = plan.hostname === "localhost" ? "127.0.0.1" : plan.hostname;
    const literal = canonicalAddress(host);
    if (literal === null) {
      return {
        ok: false,
        message: `--dst: TARGET ${JSON.stringify(plan.hostname)} is a host name; ` +
          "give the header's destination as --dst ADDR:PORT",
      };
    }
    dst = endpointText(literal.address, literal.family, plan.port);
  }
  const src = values.src ?? (dst.startsWith("[") ? DEFAULT_SOURCE_V6 : DEFAULT_SOURCE_V4);
  const init = headerFromFlags({ ...values, src, dst });
  if (!init.ok) return { ok: false, message: init.error.message };
  const first = encodeHeader(init.value);
  if (!first.ok) return { ok: false, message: `${first.error.code}: ${first.error.message}` };
  const base = init.value.source as InetEndpoint | null;
  if (base === null || !("address" in base)) return { ok: true, build: () => first.value };
  const value = init.value;
  return {
    ok: true,
    build: (index) => {
      const source = sourceEndpoint(base, index);
      if (source === null) return first.value;
      const bytes = encodeHeader({ ...value, source });
      return bytes.ok ? bytes.value : first.value;
    },
  };
}
