import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DENO_V8_FLAGS } from "./deno_flags.ts";

describe("DENO_V8_FLAGS", () => {
  const tasks = JSON.parse(readFileSync(new URL("../deno.json", import.meta.url), "utf8")).tasks;

  it("are the ones the ppcat task runs Deno with", () => {
    assert.ok(String(tasks.ppcat).split(/\s+/).includes(DENO_V8_FLAGS), tasks.ppcat);
  });

  it("leave Maglev off in every deno test command of the test task", () => {
    const runs = String(tasks.test).split("&&");
    assert.ok(runs.length >= 1);
    for (const run of runs) assert.match(run, /deno test --v8-flags=[^ ]*--no-maglev/, run);
  });
});
