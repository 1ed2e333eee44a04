/**
 * `ppcat send`: the header for a real connection, completed from the socket once connected.
 * Addresses the flags leave out default to the socket's own endpoints, as HAProxy does: the
 * source is our local address, the destination the address we connected to.
 *
 * UNIX stream targets without `--src`/`--dst`: version 2 sends UNIX_STREAM with the two paths
 * (our unnamed client socket's path is ""), version 1 sends `PROXY UNKNOWN` (§2.1 has no UNIX).
 *
 * @module
 */

import { encodeHeader } from "../lib/encode.ts";
import type { NetAddr } from "../lib/transport.ts";
import { completeHeader, socketEndpoint } from "./header_template.ts";
import { bad, ok, type Parsed } from "./parsed.ts";
import { checkFragments, type SendPlan } from "./send_options.ts";

/** The two ends of the socket the header is sent on. */
export interface Ends {
  /** Our end. */
  readonly local: NetAddr;
  /** The receiver's end. */
  readonly remote: NetAddr;
}

/**
 * The header bytes `plan` asks for on a socket with these `ends`: its header template completed
 * from the socket's addresses, the raw `--header-hex`/`--header-file` bytes, or null for
 * `--no-header`; `--fragment` offsets are checked against its length. A failure is a usage
 * problem (nothing has been sent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSendArgs } from "./send_options.ts";
 * import { headerForPlan } from "./send_header.ts";
 * const parsed = parseSendArgs(["127.0.0.1:8080", "--v1", "--fragment", "6"]);
 * assert.ok(parsed.kind === "run");
 * const r = headerForPlan(parsed.config, {
 *   local: { transport: "tcp", hostname: "127.0.0.1", port: 40000 },
 *   remote: { transport: "tcp", hostname: "127.0.0.1", port: 8080 },
 * });
 * assert.ok(r.ok && r.value !== null);
 * assert.equal(new TextDecoder().decode(r.value), "PROXY TCP4 127.0.0.1 127.0.0.1 40000 8080\r\n");
 * ```
 */
export function headerForPlan(plan: SendPlan, ends: Ends): Parsed<Uint8Array | null> {
  const source = plan.header;
  let bytes: Uint8Array | null;
  if (source.kind === "none") bytes = null;
  else if (source.kind === "raw") bytes = source.bytes;
  else {
    const init = completeHeader(source.template, {
      source: socketEndpoint(ends.local),
      destination: socketEndpoint(ends.remote),
      udp: plan.udp,
    });
    if (!init.ok) return init;
    const encoded = encodeHeader(init.value);
    if (!encoded.ok) return bad(encoded.error.message);
    bytes = encoded.value;
  }
  if (bytes !== null && plan.fragments.length > 0) {
    const problem = checkFragments(plan.fragments, bytes.length);
    if (problem !== null) return bad(problem);
  }
  return ok(bytes);
}
