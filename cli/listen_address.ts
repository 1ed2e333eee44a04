/**
 * The address argument of `ppcat listen`: `[ADDR]:PORT`, `PORT`, or a UNIX socket path.
 *
 * Like nc and HAProxy's `bind`, a missing address means every interface: ":8080" and "8080"
 * bind 0.0.0.0 (IPv4). "[::]:8080" binds every IPv6 interface (dual-stack where the OS allows),
 * "[::1]:8080" the IPv6 loopback. IPv6 literals need brackets. A UNIX socket path must contain a
 * "/" (write "./pp.sock" for a file in the current directory) or start with "unix:". Port 0 asks
 * the OS for a free port; the real one is printed in the `listening` event.
 *
 * @module
 */

import { ipv4ToBytes, ipv6ToBytes } from "../lib/address.ts";

/** All IPv4 interfaces: what ":PORT" and "PORT" bind. */
export const ANY_IPV4 = "0.0.0.0";

/** Where `ppcat listen` binds: an IP address or host name and a port, or a UNIX socket path. */
export type ListenTarget =
  | { readonly hostname: string; readonly port: number }
  | { readonly path: string };

/** A parsed address, or a one-line reason. */
export type ListenAddressResult =
  | { readonly ok: true; readonly target: ListenTarget }
  | { readonly ok: false; readonly message: string };

const PORT = /^(0|[1-9][0-9]{0,4})$/;
// RFC 1123 host names: letters, digits and hyphens in dot-separated labels.
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function parsePort(text: string, whole: string): number | string {
  if (!PORT.test(text) || Number(text) > 65535) {
    return `not a port (0 to 65535, no sign or leading zero): ${JSON.stringify(text)} in ${
      JSON.stringify(whole)
    }`;
  }
  return Number(text);
}

function inet(hostname: string, portText: string, whole: string): ListenAddressResult {
  const port = parsePort(portText, whole);
  if (typeof port === "string") return { ok: false, message: port };
  return { ok: true, target: { hostname, port } };
}

/**
 * Parses the address argument of `ppcat listen`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListenAddress } from "./listen_address.ts";
 * assert.deepEqual(parseListenAddress(":8080"), {
 *   ok: true,
 *   target: { hostname: "0.0.0.0", port: 8080 },
 * });
 * assert.deepEqual(parseListenAddress("[::1]:0"), { ok: true, target: { hostname: "::1", port: 0 } });
 * assert.deepEqual(parseListenAddress("./pp.sock"), { ok: true, target: { path: "./pp.sock" } });
 * assert.equal(parseListenAddress("::1:8080").ok, false);
 * assert.equal(parseListenAddress("127.0.0.1:65536").ok, false);
 * ```
 */
export function parseListenAddress(text: string): ListenAddressResult {
  if (text === "") return { ok: false, message: "empty address" };
  if (text.startsWith("unix:")) {
    const path = text.slice(5);
    if (path === "") return { ok: false, message: 'empty UNIX socket path after "unix:"' };
    return { ok: true, target: { path } };
  }
  if (text.includes("/")) return { ok: true, target: { path: text } };
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") {
      return { ok: false, message: `expected [IPV6]:PORT, got ${JSON.stringify(text)}` };
    }
    const host = text.slice(1, close);
    if (ipv6ToBytes(host) === null) {
      return { ok: false, message: `not an IPv6 address: ${JSON.stringify(host)}` };
    }
    return inet(host, text.slice(close + 2), text);
  }
  const colon = text.lastIndexOf(":");
  if (colon < 0) {
    if (PORT.test(text) || /^[0-9]+$/.test(text)) return inet(ANY_IPV4, text, text);
    return {
      ok: false,
      message: `not an address: ${JSON.stringify(text)} (expected [ADDR]:PORT, PORT, ` +
        `or a UNIX socket path containing "/", e.g. ./${text})`,
    };
  }
  const host = text.slice(0, colon);
  if (host.includes(":")) {
    return {
      ok: false,
      message: `IPv6 addresses need brackets: [${host}]:${text.slice(colon + 1)}`,
    };
  }
  if (host === "") return inet(ANY_IPV4, text.slice(colon + 1), text);
  if (ipv4ToBytes(host) === null && (/^[0-9.]+$/.test(host) || !HOSTNAME.test(host))) {
    return { ok: false, message: `not an IPv4 address or host name: ${JSON.stringify(host)}` };
  }
  return inet(host, text.slice(colon + 1), text);
}
