/**
 * TARGET, the one positional of `ppcat send`, `fuzz` and `bench` (or two, `HOST PORT`, as nc
 * takes them): the same grammar everywhere, parsed without touching the network.
 *
 * @module
 */

import { canonicalAddress, hostPort } from "../lib/address.ts";
import type { Target } from "../lib/transport.ts";
import { bad, type Parsed } from "./parsed.ts";
import { portNumber } from "./values.ts";

/** Where to connect: a TCP/UDP host and port, or a UNIX stream socket path. */
export type TargetSpec =
  | {
    readonly kind: "inet";
    /** Host name or address literal, without brackets. */
    readonly hostname: string;
    /** 1 to 65535. */
    readonly port: number;
    /** 4 or 6 for an address literal, null for a host name. */
    readonly family: 4 | 6 | null;
  }
  | { readonly kind: "unix"; readonly path: string };

/**
 * Parses TARGET: `host:port`, `[v6]:port`, or a UNIX socket path (anything with a "/", or
 * `unix:PATH`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTarget } from "./target.ts";
 * assert.deepEqual(parseTarget("[::1]:8443"), {
 *   ok: true,
 *   value: { kind: "inet", hostname: "::1", port: 8443, family: 6 },
 * });
 * assert.deepEqual(parseTarget("localhost:80"), {
 *   ok: true,
 *   value: { kind: "inet", hostname: "localhost", port: 80, family: null },
 * });
 * assert.deepEqual(parseTarget("/run/pp.sock"), {
 *   ok: true,
 *   value: { kind: "unix", path: "/run/pp.sock" },
 * });
 * assert.equal(parseTarget("::1:80").ok, false);
 * assert.equal(parseTarget("127.0.0.1:0").ok, false);
 * ```
 */
export function parseTarget(text: string): Parsed<TargetSpec> {
  if (text.startsWith("unix:")) {
    const path = text.slice(5);
    return path === ""
      ? bad("TARGET unix: needs a path")
      : { ok: true, value: { kind: "unix", path } };
  }
  if (text.includes("/")) return { ok: true, value: { kind: "unix", path: text } };
  let host: string;
  let port: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") {
      return bad(`TARGET ${JSON.stringify(text)}: expected [IPV6]:PORT`);
    }
    host = text.slice(1, close);
    port = text.slice(close + 2);
    const address = canonicalAddress(host);
    if (address === null || address.family !== 6) {
      return bad(`TARGET ${JSON.stringify(text)}: ${JSON.stringify(host)} is not an IPv6 address`);
    }
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) {
      return bad(
        `TARGET ${JSON.stringify(text)}: expected HOST:PORT, [IPV6]:PORT or a socket path`,
      );
    }
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (host.includes(":")) {
      return bad(`TARGET ${JSON.stringify(text)}: write IPv6 in brackets, e.g. [::1]:${port}`);
    }
    if (host === "") return bad(`TARGET ${JSON.stringify(text)} has no host`);
  }
  const n = portNumber(port, 1);
  if (n === null) {
    return bad(`TARGET ${JSON.stringify(text)}: port ${JSON.stringify(port)} is not in 1..65535`);
  }
  const literal = canonicalAddress(host);
  return {
    ok: true,
    value: { kind: "inet", hostname: host, port: n, family: literal?.family ?? null },
  };
}

/**
 * The TARGET arguments with nc's form `HOST PORT` joined into one `HOST:PORT` (an IPv6 literal
 * gets its brackets); anything else is returned as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinHostPort } from "./target.ts";
 * assert.deepEqual(joinHostPort(["127.0.0.1", "8080"]), ["127.0.0.1:8080"]);
 * assert.deepEqual(joinHostPort(["::1", "443"]), ["[::1]:443"]);
 * assert.deepEqual(joinHostPort(["a:1", "b:2"]), ["a:1", "b:2"]);
 * ```
 */
export function joinHostPort(positionals: readonly string[]): readonly string[] {
  const [host, port] = positionals;
  if (
    positionals.length !== 2 || host === undefined || port === undefined ||
    portNumber(port) === null || host.includes("/") || host.startsWith("unix:") ||
    host.startsWith("[")
  ) {
    return positionals;
  }
  if (host.includes(":")) {
    return canonicalAddress(host)?.family === 6 ? [hostPort(host, Number(port))] : positionals;
  }
  return [hostPort(host, Number(port))];
}

/**
 * The single TARGET among a command's positionals (`HOST PORT` counts as one, as in nc):
 * "missing TARGET (`forms`)" when there is none, an error when there are several, else
 * {@linkcode parseTarget}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneTarget } from "./target.ts";
 * assert.equal(oneTarget(["127.0.0.1:80"], "HOST:PORT").ok, true);
 * assert.equal(oneTarget(["localhost", "80"], "HOST:PORT").ok, true);
 * assert.deepEqual(oneTarget([], "HOST:PORT"), { ok: false, message: "missing TARGET (HOST:PORT)" });
 * assert.deepEqual(oneTarget(["a:1", "b:2"], "HOST:PORT"), {
 *   ok: false,
 *   message: 'expected one TARGET, got 2: "a:1" "b:2"',
 * });
 * ```
 */
export function oneTarget(positionals: readonly string[], forms: string): Parsed<TargetSpec> {
  const args = joinHostPort(positionals);
  const first = args[0];
  if (first === undefined) return bad(`missing TARGET (${forms})`);
  if (args.length > 1) {
    return bad(
      `expected one TARGET, got ${args.length}: ${args.map((a) => JSON.stringify(a)).join(" ")}`,
    );
  }
  return parseTarget(first);
}

/**
 * The transport's view of a target (lib/transport.ts): host and port, or a path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transportTarget } from "./target.ts";
 * assert.deepEqual(
 *   transportTarget({ kind: "inet", hostname: "::1", port: 80, family: 6 }),
 *   { hostname: "::1", port: 80 },
 * );
 * assert.deepEqual(transportTarget({ kind: "unix", path: "/run/pp.sock" }), { path: "/run/pp.sock" });
 * ```
 */
export function transportTarget(target: TargetSpec): Target {
  return target.kind === "unix"
    ? { path: target.path }
    : { hostname: target.hostname, port: target.port };
}
