/**
 * Every peer of the conformance suite, in matrix order: a new peer is one
 * file in this directory and one line here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PEERS } from "./mod.ts";
 * assert.deepEqual(PEERS.map((p) => p.name), [
 *   "haproxy", "nginx", "apache2", "lighttpd", "squid", "postfix", "stunnel4", "curl",
 * ]);
 * ```
 *
 * @module
 */

import { apache2 } from "./apache2.ts";
import { curl } from "./curl.ts";
import { haproxy } from "./haproxy.ts";
import { lighttpd } from "./lighttpd.ts";
import { nginx } from "./nginx.ts";
import type { PeerDef } from "./peer.ts";
import { postfix } from "./postfix.ts";
import { squid } from "./squid.ts";
import { stunnel4 } from "./stunnel4.ts";

export type { PeerColumn, PeerContext, PeerDef, PeerRun, Role } from "./peer.ts";

/** The peers, in matrix order. */
export const PEERS: readonly PeerDef[] = [
  haproxy,
  nginx,
  apache2,
  lighttpd,
  squid,
  postfix,
  stunnel4,
  curl,
];
