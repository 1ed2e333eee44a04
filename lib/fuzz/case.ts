/**
 * The shape of a fuzz case: what is sent ({@linkcode FuzzCase}, its
 * {@linkcode Delivery}), how strongly the spec words the rule it probes
 * ({@linkcode Requirement}) and what a conforming receiver does with it
 * ({@linkcode Expectation}). Pure types and the spec's size limits; the
 * tables of cases live in cases_v1.ts, cases_v2.ts, cases_delivery.ts,
 * cases_size.ts and cases_cve.ts.
 *
 * @module
 */

import type { ErrorCode } from "../errors.ts";

/**
 * How strongly the spec words the rule a case probes (RFC 2119 reading of
 * the spec's "must", "should", "may", whatever their case).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Requirement } from "./case.ts";
 * import { catalogCase } from "./catalog.ts";
 * // Accepting a line without CRLF within 107 bytes breaks a SHOULD of §2.1.
 * assert.equal(catalogCase("cve-2021-23351-no-newline")?.requirement, Requirement.SHOULD);
 * ```
 */
export const Requirement = { MUST: "MUST", SHOULD: "SHOULD", MAY: "MAY" } as const;
/** One of the {@linkcode Requirement} values. */
export type Requirement = typeof Requirement[keyof typeof Requirement];

/**
 * What a conforming receiver does with a case:
 * - `accept`: processes the connection and passes the payload through unchanged;
 * - `reject`: aborts the connection without processing it;
 * - `timeout`: never processes it, and closes it by itself (a header that
 *   never completes, or completes only after far longer than a header timeout);
 * - `tolerance`: a valid header delivered in fragments: accepting is
 *   recommended, dropping the connection is allowed (§2);
 * - `either`: a valid header the spec sets no limit for but a receiver may
 *   refuse (AF_UNSPEC, UDP/UNIX over TCP, oversized TLVs, large headers):
 *   accepting passes, rejecting is a note.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Expectation } from "./case.ts";
 * import { catalogCase } from "./catalog.ts";
 * const split = catalogCase("delivery-v1-fragmented-after-proxy");
 * assert.equal(split?.expect, Expectation.TOLERANCE);
 * ```
 */
export const Expectation = {
  ACCEPT: "accept",
  REJECT: "reject",
  TIMEOUT: "timeout",
  TOLERANCE: "tolerance",
  EITHER: "either",
} as const;
/** One of the {@linkcode Expectation} values. */
export type Expectation = typeof Expectation[keyof typeof Expectation];

/**
 * How the header bytes go on the wire.
 * - `whole`: one write.
 * - `fragments`: split at `offsets` (strictly increasing, inside the header),
 *   `delayMs` between writes.
 * - `slow`: one byte per write, `byteDelayMs` between bytes (slowloris).
 * - `truncated`: the bytes are an incomplete header, sent in one write; then
 *   the connection is held open without sending anything (`hold`) or
 *   half-closed with a FIN (`close`).
 */
export type Delivery =
  | { readonly kind: "whole" }
  | { readonly kind: "fragments"; readonly offsets: readonly number[]; readonly delayMs: number }
  | { readonly kind: "slow"; readonly byteDelayMs: number }
  | { readonly kind: "truncated"; readonly then: "hold" | "close" };

/**
 * When the runner's marker payload (sent to detect acceptance) goes out:
 * `separate`: in its own write after the header; `same-write`: in the same
 * write as the header's last byte (so in the same segment); `none`: never
 * (incomplete headers: a marker would become part of the header).
 */
export type MarkerMode = "separate" | "same-write" | "none";

/** One named attack on a receiver. */
export interface FuzzCase {
  /** Stable kebab-case name, unique in the catalog; `random-<seed>-<index>` in random mode. */
  readonly name: string;
  /** Spec section probed: "2", "2.1", "2.2", "2.2.1" ... "2.2.8". */
  readonly section: string;
  /** How strongly the spec words the probed rule; sets the verdict's weight. */
  readonly requirement: Requirement;
  /** The spec sentence probed, verbatim (whitespace aside). */
  readonly rule: string;
  /** One sentence: what is sent and why. */
  readonly description: string;
  /** The header bytes, possibly invalid or truncated. */
  readonly bytes: Uint8Array;
  /**
   * Application bytes written together with the header's last byte (e.g. a
   * second PROXY header) that an accepting receiver must pass through
   * unchanged, before the marker. Usually empty.
   */
  readonly afterHeader: Uint8Array;
  /** How `bytes` is sent. */
  readonly delivery: Delivery;
  /** When the runner's marker payload is sent. */
  readonly marker: MarkerMode;
  /** What a conforming receiver does. */
  readonly expect: Expectation;
  /** For `reject`: the error a strict decoder reports (ppcat's decoder does). */
  readonly code?: ErrorCode;
  /** The header version the case is for (a v2-only receiver may skip version 1); null: neither. */
  readonly version: 1 | 2 | null;
  /** The published vulnerability this case is a regression seed for. */
  readonly cve?: string;
}

/**
 * §2: "the smallest TCP segment that any TCP/IP host is required to support
 * (576 - 40 = 536 bytes)". Longer valid headers are judged `either`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MSS_HEADER_LIMIT } from "./case.ts";
 * import { sizeCases } from "./cases_size.ts";
 * // Valid headers up to the limit must be accepted; beyond it a receiver may refuse them.
 * for (const c of sizeCases()) {
 *   assert.equal(c.expect, c.bytes.length <= MSS_HEADER_LIMIT ? "accept" : "either");
 * }
 * ```
 */
export const MSS_HEADER_LIMIT = 536;
/** §2.2.2 sets no limit on AUTHORITY; values over 255 bytes (DNS's limit) are judged `either`. */
export const AUTHORITY_SOFT_LIMIT = 255;
/** The spec sets no limit on TLV values; values over 1024 bytes are judged `either`. */
export const TLV_VALUE_SOFT_LIMIT = 1024;
