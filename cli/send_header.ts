/**
 * `ppcat send`: the header for a real connection. Addresses the flags leave out default to the
 * socket's own endpoints, as HAProxy does: the source is our local address, the destination the
 * address we connected to. The header is therefore built after connecting.
 *
 * UNIX stream targets without `--src`/`--dst`: version 2 sends UNIX_STREAM with the two paths
 * (our unnamed client socket's path is ""), version 1 sends `PROXY UNKNOWN` (§2.1 has no UNIX).
 *
 * @module
 */

import { canonicalAddress } from "../lib/address.ts";
import { fail, type Result } from "../lib/errors.ts";
import type { HeaderInit } from "../lib/header.ts";
import type { NetAddr } from "../lib/transport.ts";
import { encodeHeader } from "../lib/encode.ts";
import { type HeaderFlagValues, headerFromFlags } from "./header_flags.ts";
import { checkFragments, type SendPlan } from "./send_options.ts";
import type { TargetSpec } from "./target.ts";

/** The two ends of the socket the header is sent on. */
export interface Ends {
  /** Our end. */
  readonly local: NetAddr;
  /** The receiver's end. */
  readonly remote: NetAddr;
}

// Stands in for our unnamed UNIX socket's "" path, which the flag parser refuses.
const UNNAMED = "/.ppcat-unnamed";

interface Inet {
  address: string;
  port: number;
  family: 4 | 6;
}

function inetOf(addr: NetAddr): Inet | null {
  if (addr.transport === "unix") return null;
  const zone = addr.hostname.indexOf("%"); // fe80::1%eth0: the header has no room for a zone
  const parsed = canonicalAddress(zone < 0 ? addr.hostname : addr.hostname.slice(0, zone));
  return parsed === null
    ? null
    : { address: parsed.address, port: addr.port, family: parsed.family };
}

/** "a.b.c.d:p" → v4, "[x]:p" → v6, anything else → null (a path, or a typo the parser explains). */
function familyOfFlag(text: string): 4 | 6 | null {
  if (text.startsWith("[")) return 6;
  const colon = text.lastIndexOf(":");
  return colon > 0 && canonicalAddress(text.slice(0, colon))?.family === 4 ? 4 : null;
}

function flagText(e: Inet): string {
  return e.family === 6 ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** An IPv4 ADDR:PORT written as its IPv4-mapped IPv6 form, [::ffff:a.b.c.d]:PORT. */
function mapped(text: string): string {
  const colon = text.lastIndexOf(":");
  return `[::ffff:${text.slice(0, colon)}]${text.slice(colon)}`;
}

function carriesAddresses(values: HeaderFlagValues): boolean {
  if (values.local || values.unknown) return false;
  const p = values.protocol?.toUpperCase().replace(/-/g, "_");
  return p !== "UNSPEC" && p !== "UNKNOWN";
}

/**
 * Builds the header for a connection from the header flags, filling `--src` / `--dst` from the
 * socket when they are not given. Like HAProxy, when the two addresses are of different
 * families the IPv4 one is written IPv4-mapped (TCP6). With `udp` the protocol defaults to
 * UDP4/UDP6. Errors are those of {@linkcode headerFromFlags}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { headerForConnection } from "./send_header.ts";
 * const ends = {
 *   local: { transport: "tcp", hostname: "127.0.0.1", port: 40000 },
 *   remote: { transport: "tcp", hostname: "127.0.0.1", port: 8080 },
 * } as const;
 * const r = headerForConnection({}, ends, false);
 * assert.ok(r.ok);
 * assert.equal(r.value.protocol, "TCP4");
 * assert.deepEqual(r.value.source, { address: "127.0.0.1", port: 40000 });
 * assert.deepEqual(r.value.destination, { address: "127.0.0.1", port: 8080 });
 * const mixed = headerForConnection({ src: "[2001:db8::1]:5" }, ends, false);
 * assert.ok(mixed.ok);
 * assert.equal(mixed.value.protocol, "TCP6");
 * assert.deepEqual(mixed.value.destination, { address: "::ffff:127.0.0.1", port: 8080 });
 * const unix = headerForConnection({ v1: true }, {
 *   local: { transport: "unix", path: "" },
 *   remote: { transport: "unix", path: "/run/pp.sock" },
 * }, false);
 * assert.ok(unix.ok);
 * assert.equal(unix.value.protocol, "UNKNOWN");
 * ```
 */
export function headerForConnection(
  values: HeaderFlagValues,
  ends: Ends,
  udp: boolean,
): Result<HeaderInit> {
  if (!carriesAddresses(values)) return headerFromFlags(values);
  const { local, remote } = ends;

  if (local.transport === "unix" || remote.transport === "unix") {
    const localPath = local.transport === "unix" ? local.path : "";
    const remotePath = remote.transport === "unix" ? remote.path : "";
    const neither = values.src === undefined && values.dst === undefined;
    if (neither && values.v1 && values.protocol === undefined) {
      return headerFromFlags({ ...values, unknown: true }); // §2.1 has no UNIX family
    }
    const filled: HeaderFlagValues = {
      ...values,
      src: values.src ?? (localPath === "" ? UNNAMED : localPath),
      dst: values.dst ?? remotePath,
      protocol: values.protocol ?? (neither ? "UNIX_STREAM" : undefined),
    };
    const r = headerFromFlags(filled);
    if (!r.ok || values.src !== undefined || localPath !== "") return r;
    return { ok: true, value: { ...r.value, source: { path: "" } } };
  }

  const l = inetOf(local);
  const rem = inetOf(remote);
  if (l === null || rem === null) {
    return fail(
      "ENCODE_BAD_ADDRESS",
      `cannot use the socket's addresses (${JSON.stringify(local)} → ${
        JSON.stringify(remote)
      }); give --src and --dst`,
      0,
    );
  }
  let src = values.src ?? flagText(l);
  let dst = values.dst ?? flagText(rem);
  const sf = familyOfFlag(src);
  const df = familyOfFlag(dst);
  const defaulted = values.src === undefined || values.dst === undefined;
  if (defaulted && sf !== null && df !== null && sf !== df) {
    if (sf === 4) src = mapped(src);
    else dst = mapped(dst);
  }
  let protocol = values.protocol;
  if (protocol === undefined && udp) {
    protocol = familyOfFlag(src) === 4 && familyOfFlag(dst) === 4 ? "UDP4" : "UDP6";
  }
  return headerFromFlags({ ...values, src, dst, protocol });
}

/**
 * Stand-in socket ends of the family a connection to `target` will most likely have, so the
 * header flags can be checked before connecting (the real header is built afterwards).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { placeholderEnds } from "./send_header.ts";
 * const ends = placeholderEnds({ kind: "inet", hostname: "::1", port: 443, family: 6 }, false);
 * assert.deepEqual(ends.remote, { transport: "tcp", hostname: "::1", port: 443 });
 * ```
 */
export function placeholderEnds(target: TargetSpec, udp: boolean, protocol?: string): Ends {
  if (target.kind === "unix") {
    return {
      local: { transport: "unix", path: "" },
      remote: { transport: "unix", path: target.path },
    };
  }
  const transport = udp ? "udp" : "tcp";
  const six = target.family === 6 ||
    (target.family === null && protocol !== undefined && protocol.endsWith("6"));
  return {
    local: { transport, hostname: six ? "2001:db8::1" : "192.0.2.1", port: 1 },
    remote: {
      transport,
      hostname: target.family !== null ? target.hostname : six ? "2001:db8::2" : "192.0.2.2",
      port: target.port,
    },
  };
}

/**
 * The header bytes `plan` asks for on a socket with these `ends`: built from the flags, the
 * raw `--header-hex`/`--header-file` bytes, or null for `--no-header`; `--fragment` offsets
 * are checked against its length. A failure is a usage problem (nothing has been sent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSendArgs } from "./send_options.ts";
 * import { headerForPlan } from "./send_header.ts";
 * const parsed = parseSendArgs(["127.0.0.1:8080", "--v1", "--fragment", "6"]);
 * assert.ok(parsed.kind === "plan");
 * const r = headerForPlan(parsed.plan, {
 *   local: { transport: "tcp", hostname: "127.0.0.1", port: 40000 },
 *   remote: { transport: "tcp", hostname: "127.0.0.1", port: 8080 },
 * });
 * assert.ok(r.ok && r.bytes !== null);
 * assert.equal(new TextDecoder().decode(r.bytes), "PROXY TCP4 127.0.0.1 127.0.0.1 40000 8080\r\n");
 * ```
 */
export function headerForPlan(
  plan: SendPlan,
  ends: Ends,
): { ok: true; bytes: Uint8Array | null } | { ok: false; message: string } {
  const source = plan.header;
  let bytes: Uint8Array | null;
  if (source.kind === "none") bytes = null;
  else if (source.kind === "raw") bytes = source.bytes;
  else {
    const init = headerForConnection(source.values, ends, plan.udp);
    if (!init.ok) return { ok: false, message: init.error.message };
    const encoded = encodeHeader(init.value);
    if (!encoded.ok) {
      return { ok: false, message: `${encoded.error.code}: ${encoded.error.message}` };
    }
    bytes = encoded.value;
  }
  if (bytes !== null && plan.fragments.length > 0) {
    const problem = checkFragments(plan.fragments, bytes.length);
    if (problem !== null) return { ok: false, message: problem };
  }
  return { ok: true, bytes };
}
