/**
 * The fuzz wing of ppcat: the catalog of spec cases ({@linkcode fuzzCatalog}),
 * random mutations of valid headers, the runner that throws cases at a real
 * receiver over a transport (one detector per {@linkcode ObserveMode}, crash
 * monitors), and the verdicts that judge what it did against the spec.
 * `ppcat fuzz` and the conformance suite are built on it; it uses the codec
 * and the transports of lib/, never the CLI.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase, judge } from "./mod.ts";
 * const leadingZero = catalogCase("v1-ipv4-leading-zero-source");
 * assert.ok(leadingZero);
 * assert.equal(leadingZero.requirement, "MUST");
 * assert.equal(judge(leadingZero, { outcome: "accepted", afterMs: 2 }).verdict, "violation");
 * ```
 *
 * @module
 */

export * from "./case.ts";
export * from "./cases_size.ts";
export * from "./catalog.ts";
export * from "./classify.ts";
export * from "./detect_banner.ts";
export * from "./detect_echo.ts";
export * from "./detect_http.ts";
export * from "./detect_imap.ts";
export * from "./detect_none.ts";
export * from "./detect_pop3.ts";
export * from "./detect_smtp.ts";
export * from "./detector.ts";
export * from "./detectors.ts";
export * from "./monitor.ts";
export * from "./observe.ts";
export * from "./plan.ts";
export * from "./random.ts";
export * from "./reproduce.ts";
export * from "./rules.ts";
export * from "./run.ts";
export * from "./verdict.ts";
// Types of lib/ that the fuzz API takes and returns.
export type { ErrorCode } from "../errors.ts";
export type { Conn, ConnectOptions, InetAddr, NetAddr, Target, UnixAddr } from "../transport.ts";
export type { TransportError, TransportErrorCode, TransportOp } from "../transport_error.ts";
