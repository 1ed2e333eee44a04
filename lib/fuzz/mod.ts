/**
 * The fuzz wing of ppcat: the catalog of spec cases ({@linkcode fuzzCatalog}),
 * random mutations of valid headers, the runner that throws cases at a real
 * receiver over a transport, and the verdicts that judge what it did against
 * the spec. `ppcat fuzz` and the conformance suite are built on it; it uses
 * the codec and the transports of lib/, never the CLI.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./mod.ts";
 * const leadingZero = catalogCase("v1-ipv4-leading-zero-source");
 * assert.ok(leadingZero);
 * assert.equal(leadingZero.requirement, "MUST");
 * assert.equal(leadingZero.expect, "reject");
 * ```
 *
 * @module
 */

export * from "./case.ts";
export * from "./catalog.ts";
export * from "./classify.ts";
export * from "./plan.ts";
export * from "./rules.ts";
export * from "./random.ts";
export * from "./run.ts";
export * from "./verdict.ts";
