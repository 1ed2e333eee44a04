import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sourceEndpoint } from "./source.ts";

describe("bench sources", () => {
  it("gives 200 000 connections distinct, valid sources across port rollovers", () => {
    const seen = new Set<string>();
    const base = { address: "198.18.0.1", port: 1 };
    for (let i = 0; i < 200_000; i++) {
      const s = sourceEndpoint(base, i)!;
      assert.ok(s.port >= 1 && s.port <= 65535);
      seen.add(`${s.address}:${s.port}`);
    }
    assert.equal(seen.size, 200_000);
    assert.deepEqual(sourceEndpoint(base, 199_999), { address: "198.18.0.4", port: 3395 });
  });

  it("carries into higher bytes and wraps at the end of the address space", () => {
    assert.deepEqual(sourceEndpoint({ address: "10.0.0.255", port: 65535 }, 1), {
      address: "10.0.1.0",
      port: 1,
    });
    assert.deepEqual(sourceEndpoint({ address: "255.255.255.255", port: 65535 }, 1), {
      address: "0.0.0.0",
      port: 1,
    });
    assert.deepEqual(sourceEndpoint({ address: "2001:db8::", port: 1 }, 65535 * 256), {
      address: "2001:db8::100",
      port: 1,
    });
    assert.deepEqual(sourceEndpoint({ address: "127.0.0.1", port: 0 }, 0), {
      address: "127.0.0.1",
      port: 1,
    });
    assert.equal(sourceEndpoint({ address: "localhost", port: 1 }, 0), null);
  });
});
