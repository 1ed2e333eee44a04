import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "./_testing.ts";
import { memoryIo, setIo } from "./io.ts";
import { main } from "./main.ts";

const STACK = /^\s+at /m;

describe("ppcat (top level)", () => {
  for (const flag of ["--help", "-h"]) {
    it(`${flag} prints the help on stdout and exits 0`, async () => {
      const r = await runCli([flag]);
      assert.equal(r.code, 0);
      assert.equal(r.err, "");
      assert.match(r.out, /^ppcat 0\.1\.0 - /);
      for (const cmd of ["decode", "encode", "send", "listen", "fuzz", "bench", "conformance"]) {
        assert.match(r.out, new RegExp(`^  ${cmd} +\\S`, "m"), cmd);
      }
      assert.match(r.out, /^EXIT STATUS$/m);
    });
  }

  for (const flag of ["--version", "-V"]) {
    it(`${flag} prints "ppcat 0.1.0" on stdout and exits 0`, async () => {
      const r = await runCli([flag]);
      assert.deepEqual([r.code, r.out, r.err], [0, "ppcat 0.1.0\n", ""]);
    });
  }

  it("without a command: one usage line on stderr naming the commands, exit 2", async () => {
    const r = await runCli([]);
    assert.equal(r.code, 2);
    assert.equal(r.out, "");
    assert.equal(
      r.err,
      "ppcat: missing command: one of decode, encode, listen, fuzz, send, bench, conformance " +
        "(see ppcat --help)\n",
    );
  });

  it("rejects an unknown command with one line on stderr, exit 2", async () => {
    const r = await runCli(["frobnicate", "--json"]);
    assert.deepEqual([r.code, r.out], [2, ""]);
    assert.equal(r.err, 'ppcat: unknown command "frobnicate" (see ppcat --help)\n');
  });

  it("rejects an unknown top-level flag with one line, exit 2", async () => {
    const r = await runCli(["--verbose"]);
    assert.deepEqual([r.code, r.out], [2, ""]);
    assert.equal(r.err, 'ppcat: unknown flag "--verbose" (see ppcat --help)\n');
  });

  for (const cmd of ["send", "listen", "fuzz", "bench", "conformance"]) {
    it(`"${cmd}" is built: --help prints its usage to stdout, exit 0`, async () => {
      const r = await runCli([cmd, "--help"]);
      assert.deepEqual([r.code, r.err], [0, ""]);
      assert.match(r.out, new RegExp(`ppcat ${cmd}`));
    });
  }

  for (const cmd of ["decode", "encode"]) {
    it(`"help ${cmd}" and "${cmd} --help" print the same help, exit 0`, async () => {
      const a = await runCli(["help", cmd]);
      const b = await runCli([cmd, "--help"]);
      const c = await runCli([cmd, "-h"]);
      assert.deepEqual([a.code, b.code, c.code], [0, 0, 0]);
      assert.deepEqual([a.err, b.err, c.err], ["", "", ""]);
      assert.equal(a.out, b.out);
      assert.equal(a.out, c.out);
      assert.match(a.out, new RegExp(`^ppcat ${cmd} - `));
      for (const section of ["USAGE", "([A-Z]+ )?FLAGS", "EXAMPLES", "EXIT STATUS"]) {
        assert.match(a.out, new RegExp(`^${section}$`, "m"), section);
      }
      const examples = a.out.split("\nEXAMPLES\n")[1]?.split("\n\n")[0];
      assert.ok(examples !== undefined, a.out);
      const count = examples.split("\n").filter((l) => l.startsWith("  ppcat ")).length;
      assert.ok(count >= 2 && count <= 4, `${count} examples`);
    });
  }

  it('"help" alone prints the top-level help; "help nope" is an unknown command', async () => {
    const a = await runCli(["help"]);
    assert.equal(a.code, 0);
    assert.match(a.out, /^COMMANDS$/m);
    const b = await runCli(["help", "nope"]);
    assert.deepEqual([b.code, b.err], [2, 'ppcat: unknown command "nope" (see ppcat --help)\n']);
  });

  for (const cmd of ["decode", "encode"]) {
    it(`${cmd}: an unknown flag is a usage error, exit 2, no stack trace`, async () => {
      const r = await runCli([cmd, "--bogus"]);
      assert.equal(r.code, 2);
      assert.equal(r.out, "");
      assert.equal(r.err, `ppcat ${cmd}: unknown flag "--bogus" (see ppcat ${cmd} --help)\n`);
      assert.doesNotMatch(r.err, STACK);
    });
  }

  it("a flag missing its value is a usage error", async () => {
    const r = await runCli(["decode", "--hex"]);
    assert.equal(r.code, 2);
    assert.equal(r.err, "ppcat decode: flag --hex needs a value (see ppcat decode --help)\n");
  });

  it("a boolean flag given a value is a usage error", async () => {
    const r = await runCli(["decode", "--json=yes", "--hex", "00"]);
    assert.equal(r.code, 2);
    assert.equal(r.err, "ppcat decode: flag --json takes no value (see ppcat decode --help)\n");
  });

  it("turns an unexpected exception into one internal-error line, exit 1", async () => {
    const mem = memoryIo();
    const restore = setIo({
      ...mem,
      writeOut() {
        throw new Error("disk on fire\n    at somewhere (x.ts:1:1)");
      },
    });
    let code: number;
    try {
      code = await main(["--version"]);
    } finally {
      restore();
    }
    assert.equal(code, 1);
    assert.equal(mem.err(), "ppcat: internal error: disk on fire\n");
  });
});
