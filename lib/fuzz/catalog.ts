/**
 * The catalog of `ppcat fuzz`: named, documented attacks on a PROXY protocol
 * receiver, each tied to the spec rule it probes (section, MUST / SHOULD /
 * MAY, and the sentence itself) and to what a conforming receiver does.
 * The tables are per version (cases_v1.ts, cases_v2.ts), delivery
 * (cases_delivery.ts), header size (cases_size.ts) and CVE seeds
 * (cases_cve.ts); the case types are in case.ts.
 *
 * @module
 */

import type { FuzzCase } from "./case.ts";
import { v1Cases } from "./cases_v1.ts";
import { v2Cases } from "./cases_v2.ts";
import { deliveryCases } from "./cases_delivery.ts";
import { sizeCases } from "./cases_size.ts";
import { cveCases } from "./cases_cve.ts";

export type { FuzzCase } from "./case.ts";

/**
 * The whole catalog, freshly built (the arrays are the caller's): version 1,
 * version 2, delivery, then CVE seeds. Names are stable and unique.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fuzzCatalog } from "./catalog.ts";
 * const cases = fuzzCatalog();
 * assert.ok(cases.length >= 110);
 * const lz = cases.find((c) => c.name === "v1-ipv4-leading-zero-source");
 * assert.equal(lz?.expect, "reject");
 * assert.equal(lz?.code, "V1_LEADING_ZERO");
 * assert.equal(lz?.requirement, "MUST");
 * ```
 */
export function fuzzCatalog(): FuzzCase[] {
  return [...v1Cases(), ...v2Cases(), ...deliveryCases(), ...sizeCases(), ...cveCases()];
}

/**
 * One catalog case by name, or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogCase } from "./catalog.ts";
 * assert.equal(catalogCase("cve-2021-23409-silent-connection")?.expect, "timeout");
 * assert.equal(catalogCase("no-such-case"), undefined);
 * ```
 */
export function catalogCase(name: string): FuzzCase | undefined {
  return fuzzCatalog().find((c) => c.name === name);
}
