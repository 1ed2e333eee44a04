/**
 * Flags agree across subcommands and with nc: -v/-q everywhere, -w always a timeout, HOST PORT
 * as TARGET, "did you mean" for commands and flags, and usage errors as exactly one line in
 * the same words everywhere.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "./_testing.ts";
import type { Verbosity } from "./args.ts";
import { parseBenchArgs } from "./bench_options.ts";
import { parseMergeArgs } from "./bench_merge.ts";
import { parseDecodeArgs } from "./decode.ts";
import { parseEncodeArgs } from "./encode.ts";
import { parseFuzzArgs } from "./fuzz.ts";
import { configFromArgs } from "./listen.ts";
import type { CommandParse } from "./parsed.ts";
import { parseSendArgs } from "./send_options.ts";

const COMMANDS = ["decode", "encode", "listen", "fuzz", "send", "bench", "conformance"];
/** A usage error: the command, the reason, where the help is; one line. */
const ONE_LINE = (cmd: string) =>
  new RegExp(`^ppcat ${cmd}: [^\\n]+ \\(see ppcat ${cmd} --help\\)\\n$`);

/** -v/-q as `parse` reads them, given the `others` arguments it needs to run. */
function verbosityBy(
  parse: (args: string[]) => CommandParse<{ readonly verbosity: Verbosity }>,
  others: string[],
): (extra: string[]) => string | null {
  return (x) => {
    const r = parse([...x, ...others]);
    return r.kind === "run" ? r.config.verbosity : null;
  };
}

/** Each subcommand's -v/-q as its own parser reads them. */
const VERBOSITY: [string, (extra: string[]) => string | null][] = [
  ["decode", verbosityBy(parseDecodeArgs, ["--hex", "00"])],
  ["encode", verbosityBy(parseEncodeArgs, ["--local"])],
  ["listen", verbosityBy(configFromArgs, ["127.0.0.1:0"])],
  ["fuzz", verbosityBy(parseFuzzArgs, ["--list"])],
  ["send", (x) => {
    const r = parseSendArgs([...x, "127.0.0.1:9"]);
    return r.kind === "run" ? (r.config.verbose ? "verbose" : "not verbose") : null;
  }],
  ["bench", verbosityBy(parseBenchArgs, ["127.0.0.1:9"])],
  ["bench merge", verbosityBy(parseMergeArgs, ["a.json"])],
];

describe("flags agree across subcommands", () => {
  for (const [cmd, read] of VERBOSITY) {
    it(`${cmd}: -v, --verbose, -q, --quiet`, () => {
      const loud = cmd === "send" ? "verbose" : "verbose";
      const soft = cmd === "send" ? "not verbose" : "quiet";
      assert.equal(read(["-v"]), loud);
      assert.equal(read(["--verbose"]), loud);
      assert.equal(read(["-q"]), soft);
      assert.equal(read(["--quiet"]), soft);
    });
  }

  for (const cmd of COMMANDS) {
    it(`${cmd}: the help lists -v and -q; -v -q together is the same one-line error`, async () => {
      const help = await runCli([cmd, "--help"]);
      assert.match(help.out, /^ {2}-v, --verbose +\S/m);
      assert.match(help.out, /^ {2}-q, --quiet +\S/m);
      const r = await runCli([cmd, "-v", "-q"]);
      assert.equal(r.code, 2);
      assert.equal(r.out, "");
      assert.equal(r.err, `ppcat ${cmd}: -v and -q exclude each other (see ppcat ${cmd} --help)\n`);
    });

    it(`${cmd}: an unknown flag is one line, the same words, with a suggestion`, async () => {
      const r = await runCli([cmd, "--verbos"]);
      assert.equal(r.code, 2);
      assert.equal(
        r.err,
        `ppcat ${cmd}: unknown flag "--verbos" (did you mean --verbose?) (see ppcat ${cmd} --help)\n`,
      );
      const far = await runCli([cmd, "--zzzzzz"]);
      assert.equal(far.err, `ppcat ${cmd}: unknown flag "--zzzzzz" (see ppcat ${cmd} --help)\n`);
    });

    it(`${cmd}: -w is a timeout (TIME) or not a flag at all`, async () => {
      const help = await runCli([cmd, "--help"]);
      const line = help.out.split("\n").find((l) => /^ {2}-w, /.test(l));
      if (line === undefined) {
        const r = await runCli([cmd, "-w", "1"]);
        assert.equal(r.code, 2);
        assert.match(r.err, /unknown flag "-w"/);
      } else {
        assert.match(line, /^ {2}-w, --[a-z-]+ TIME +.*as nc -w/);
      }
    });
  }

  it("-w sets send's timeout, bench's connect timeout and fuzz's per-case deadline", () => {
    const send = parseSendArgs(["-w", "3", "127.0.0.1:9"]);
    assert.ok(send.kind === "run" && send.config.timeoutMs === 3000);
    const bench = parseBenchArgs(["-w", "500ms", "127.0.0.1:9"]);
    assert.ok(bench.kind === "run" && bench.config.connectTimeoutMs === 500);
    assert.ok(bench.config.workers === null, "-w is not --workers");
    const fuzz = parseFuzzArgs(["-w", "2.5", "127.0.0.1:9"]);
    assert.ok(fuzz.kind === "run" && fuzz.config.deadlineMs === 2500);
  });

  it("the same value error reads the same in every subcommand", async () => {
    const cases: [string, string[]][] = [
      ["send", ["-w", "soon", "127.0.0.1:9"]],
      ["bench", ["-w", "soon", "127.0.0.1:9"]],
      ["fuzz", ["-w", "soon", "127.0.0.1:9"]],
      ["listen", ["--header-timeout", "soon", "127.0.0.1:0"]],
    ];
    for (const [cmd, args] of cases) {
      const r = await runCli([cmd, ...args]);
      assert.equal(r.code, 2);
      assert.match(r.err, ONE_LINE(cmd));
      assert.match(r.err, /: "soon" is not a time \(e\.g\. 10, 1\.5, 500ms, 2m\) \(see/, cmd);
    }
    for (
      const [cmd, args] of [["listen", ["--versions", "3", ":0"]], ["fuzz", [
        "--list",
        "--versions",
        "3",
      ]]] as const
    ) {
      const r = await runCli([cmd, ...args]);
      assert.match(r.err, /: --versions: "3" is not 1, 2 or 1,2 \(see/, cmd);
    }
  });
});

describe("-v says more on stderr, -q only errors; stdout never changes", () => {
  const V1 = "50524f585920554e4b4e4f574e0d0a"; // "PROXY UNKNOWN\r\n"

  it("decode", async () => {
    const plain = await runCli(["decode", "--hex", V1]);
    const loud = await runCli(["decode", "-v", "--hex", V1]);
    const soft = await runCli(["decode", "-q", "--hex", V1]);
    assert.equal(loud.out, plain.out);
    assert.equal(soft.out, plain.out);
    assert.equal(plain.err, "");
    assert.equal(soft.err, "");
    assert.equal(loud.err, "* input: 15 bytes from --hex\n* header: 15 bytes, then 0 trailing\n");
  });

  it("encode", async () => {
    const plain = await runCli(["encode", "--v1", "--unknown"]);
    const loud = await runCli(["encode", "--v1", "--unknown", "--verbose"]);
    assert.equal(loud.out, plain.out);
    assert.match(loud.err, /^\* header: 15 bytes\n\* version: +1\n/);
    assert.ok(loud.err.split("\n").filter((l) => l !== "").every((l) => l.startsWith("* ")));
  });

  it("fuzz: -q drops the random-seed note, -v adds nothing to --list", async () => {
    const args = ["fuzz", "--list", "--random", "2", "--only", "2.1"];
    const plain = await runCli(args);
    assert.match(plain.err, /^ppcat fuzz: random seed \d+ \(rerun with --seed \d+\)\n$/);
    const soft = await runCli([...args, "-q"]);
    assert.equal(soft.err, "");
    assert.equal(soft.code, 0);
  });

  it("listen: -q drops the warnings, -v states the settings", async () => {
    const { memoryIo, setIo } = await import("./io.ts");
    const { run } = await import("./listen.ts");
    const once = async (args: string[]) => {
      const mem = memoryIo();
      const restore = setIo(mem);
      try {
        const code = await run([...args, "127.0.0.1:0"], { signal: AbortSignal.abort() });
        return { code, err: mem.err() };
      } finally {
        restore();
      }
    };
    const plain = await once(["--optional"]);
    assert.match(plain.err, /^ppcat listen: warning: --optional /);
    const soft = await once(["--optional", "-q"]);
    assert.deepEqual(soft, { code: 0, err: "" });
    const loud = await once(["-v", "--versions", "2"]);
    assert.match(loud.err, /^\* require header, versions 2, trust any, header timeout 3000 ms/);
  });
});

describe("the same error, the same words", () => {
  it("flags that exclude each other", async () => {
    const cases: [string, string[], string][] = [
      ["decode", ["--hex", "00", "a.bin"], "--hex and FILE"],
      ["encode", ["--v1", "--v2", "--unknown"], "--v1 and --v2"],
      ["listen", ["--echo", "--discard", ":0"], "--echo and --discard"],
      ["listen", ["--require", "--optional", ":0"], "--require and --optional"],
      ["send", ["--data", "a", "--file", "f", "127.0.0.1:9"], "--data and --file"],
      ["bench", ["-m", "a", "-f", "f", "127.0.0.1:9"], "--message and --message-file"],
    ];
    for (const [cmd, args, pair] of cases) {
      const r = await runCli([cmd, ...args]);
      assert.equal(r.code, 2, `${cmd} ${args.join(" ")}`);
      assert.equal(r.err, `ppcat ${cmd}: ${pair} exclude each other (see ppcat ${cmd} --help)\n`);
    }
  });

  it("a missing TARGET, and an unreadable file", async () => {
    for (const cmd of ["send", "fuzz"]) {
      const r = await runCli([cmd]);
      assert.match(
        r.err,
        new RegExp(
          `^ppcat ${cmd}: missing TARGET \\(HOST:PORT, \\[IPV6\\]:PORT or a UNIX socket path\\)`,
        ),
      );
    }
    const reads: [string, string[], string][] = [
      ["send", ["--file", "no.bin", "127.0.0.1:9"], '--file: cannot read "no.bin"'],
      ["bench", ["-f", "no.bin", "127.0.0.1:9"], '--message-file: cannot read "no.bin"'],
      [
        "encode",
        ["--local", "--ssl-client-cert", "no.bin"],
        '--ssl-client-cert: cannot read "no.bin"',
      ],
      ["decode", ["no.bin"], 'cannot read "no.bin"'],
      ["bench", ["merge", "no.bin"], 'cannot read "no.bin"'],
    ];
    for (const [cmd, args, words] of reads) {
      const r = await runCli([cmd, ...args]);
      const name = args[0] === "merge" ? "bench merge" : cmd;
      assert.ok(r.err.startsWith(`ppcat ${name}: ${words}: no such file or directory`), r.err);
    }
  });
});

describe("TARGET as nc takes it: HOST PORT", () => {
  it("send, bench and fuzz join HOST PORT into HOST:PORT", () => {
    const send = parseSendArgs(["127.0.0.1", "8080"]);
    assert.ok(send.kind === "run");
    assert.equal(send.config.targetText, "127.0.0.1:8080");
    assert.deepEqual(send.config.target, {
      kind: "inet",
      hostname: "127.0.0.1",
      port: 8080,
      family: 4,
    });
    const six = parseSendArgs(["::1", "443"]);
    assert.ok(six.kind === "run" && six.config.targetText === "[::1]:443");
    const bench = parseBenchArgs(["localhost", "1122"]);
    assert.ok(bench.kind === "run" && bench.config.port === 1122);
    const fuzz = parseFuzzArgs(["127.0.0.1", "4000"]);
    assert.ok(fuzz.kind === "run" && fuzz.config.targetText === "127.0.0.1:4000");
  });

  it("three arguments, or a non-numeric second one, are still an error", () => {
    assert.deepEqual(parseSendArgs(["127.0.0.1", "http"]), {
      kind: "usage",
      message: 'expected one TARGET, got 2: "127.0.0.1" "http"',
    });
    assert.equal(parseSendArgs(["a", "1", "2"]).kind, "usage");
  });
});

describe("did you mean", () => {
  it("a mistyped command", async () => {
    const typos: [string, string][] = [["sned", "send"], ["lsiten", "listen"], ["decod", "decode"]];
    for (const [typo, meant] of typos) {
      const r = await runCli([typo]);
      assert.equal(r.code, 2);
      assert.equal(
        r.err,
        `ppcat: unknown command "${typo}" (did you mean ${meant}?) (see ppcat --help)\n`,
      );
    }
    const far = await runCli(["frobnicate"]);
    assert.equal(far.err, 'ppcat: unknown command "frobnicate" (see ppcat --help)\n');
  });

  it("a mistyped top-level flag, and a mistyped flag of a subcommand", async () => {
    const top = await runCli(["--verison"]);
    assert.equal(
      top.err,
      'ppcat: unknown flag "--verison" (did you mean --version?) (see ppcat --help)\n',
    );
    const sub = await runCli(["send", "--tsl", "127.0.0.1:9"]);
    assert.match(sub.err, /^ppcat send: unknown flag "--tsl" \(did you mean --tls\?\)/);
    const merge = await runCli(["bench", "mrege", "a.json"]);
    assert.match(merge.err, /^ppcat bench: expected one TARGET, got 2/);
    const one = await runCli(["bench", "mrege"]);
    assert.match(one.err, /\(did you mean ppcat bench merge\?\) \(see ppcat bench --help\)\n$/);
    const v = await runCli(["encode", "--v3"]);
    assert.match(v.err, /unknown flag "--v3" \(did you mean --v1\?\)/);
  });
});
