/**
 * Flag tables ({@linkcode flag} builds their entries) and strict parsing of them with
 * `node:util` parseArgs, turning its exceptions into one-line usage errors (with a "did you mean"
 * for a mistyped flag), and the `-v`/`-q`/`-h` flags every subcommand shares.
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { bad, type CommandParse, ok, type Parsed, usage } from "./parsed.ts";

/** One flag: its parseArgs configuration plus what `--help` says about it. */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder for the value in help, e.g. "ADDR:PORT" (string flags). */
  readonly arg?: string;
  /** One line for the help text. */
  readonly help: string;
}

/** A table of flags by long name. */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** What a flag may have besides its type and help: a one-letter alias; repeatable. */
export interface FlagExtras {
  readonly short?: string;
  readonly multiple?: boolean;
}

/** A string flag's spec, as {@linkcode flag}.string builds it. */
export type StringFlag<E extends FlagExtras> =
  & { readonly type: "string"; readonly arg: string; readonly help: string }
  & E;

/** A boolean flag's spec, as {@linkcode flag}.boolean builds it. */
export type BooleanFlag<E extends FlagExtras> =
  & { readonly type: "boolean"; readonly help: string }
  & E;

/**
 * Builds the {@linkcode FlagSpec}s of flag tables: `flag.string(arg, help)` for a flag that takes
 * a value (`arg` names it in the help), `flag.boolean(help)` for one that is on or off; `extras`
 * gives a one-letter alias or makes a string flag repeatable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flag } from "./args.ts";
 * assert.deepEqual(flag.string("TIME", "connect timeout", { short: "w" }), {
 *   type: "string",
 *   arg: "TIME",
 *   help: "connect timeout",
 *   short: "w",
 * });
 * assert.deepEqual(flag.boolean("show this help", { short: "h" }), {
 *   type: "boolean",
 *   help: "show this help",
 *   short: "h",
 * });
 * ```
 */
export const flag = {
  /** A flag that takes a value, `arg` naming it in the help. */
  string<const E extends FlagExtras = Record<never, never>>(
    arg: string,
    help: string,
    extras?: E,
  ): StringFlag<E> {
    return { type: "string", arg, help, ...extras } as StringFlag<E>;
  },
  /** A flag that is on or off. */
  boolean<const E extends Omit<FlagExtras, "multiple"> = Record<never, never>>(
    help: string,
    extras?: E,
  ): BooleanFlag<E> {
    return { type: "boolean", help, ...extras } as BooleanFlag<E>;
  },
} as const;

/** The parseArgs option table for a {@linkcode FlagTable}: the same keys, minus help. */
export type OptionsOf<T extends FlagTable> = {
  -readonly [K in keyof T]: Omit<T[K], "arg" | "help">;
};

/**
 * Strips help metadata from a {@linkcode FlagTable}, giving the parseArgs options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optionsOf } from "./args.ts";
 * const flags = { hex: { type: "string", arg: "HEX", help: "bytes" } } as const;
 * assert.deepEqual(optionsOf(flags), { hex: { type: "string" } });
 * ```
 */
export function optionsOf<const T extends FlagTable>(flags: T): OptionsOf<T> {
  const out: Record<string, Omit<FlagSpec, "arg" | "help">> = {};
  for (const [name, spec] of Object.entries(flags)) {
    const option: { type: "string" | "boolean"; short?: string; multiple?: boolean } = {
      type: spec.type,
    };
    if (spec.short !== undefined) option.short = spec.short;
    if (spec.multiple !== undefined) option.multiple = spec.multiple;
    out[name] = option;
  }
  return out as OptionsOf<T>;
}

/**
 * Renders the flag lines of a help text, two-space indented, help texts aligned
 * (at least `minWidth` wide, so several tables can share one column).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flagHelp } from "./args.ts";
 * const text = flagHelp({
 *   hex: { type: "string", arg: "HEX", help: "bytes as hex" },
 *   help: { type: "boolean", short: "h", help: "show this help" },
 * });
 * assert.equal(text, "  --hex HEX   bytes as hex\n  -h, --help  show this help\n");
 * ```
 */
export function flagHelp(flags: FlagTable, minWidth = 0): string {
  const rows: [string, string][] = [];
  for (const [name, spec] of Object.entries(flags)) {
    let left = spec.short === undefined ? `--${name}` : `-${spec.short}, --${name}`;
    if (spec.type === "string") left += ` ${spec.arg ?? "VALUE"}`;
    rows.push([left, spec.multiple ? `${spec.help} (repeatable)` : spec.help]);
  }
  let width = minWidth;
  for (const [left] of rows) width = Math.max(width, left.length);
  return rows.map(([left, text]) => `  ${left.padEnd(width)}  ${text}\n`).join("");
}

/** The values parseArgs yields for an option table (strict, typed per flag). */
export type FlagValues<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
>["values"];

/** Parsed flags and positionals. */
export interface ArgsOf<O extends ParseArgsOptionsConfig> {
  readonly values: FlagValues<O>;
  readonly positionals: string[];
}

/**
 * Edit distance between two short strings (flag and command names): insertions, deletions,
 * substitutions and swaps of two neighbouring characters count one each (optimal string
 * alignment), so the commonest typos are one edit away.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { editDistance } from "./args.ts";
 * assert.equal(editDistance("--jsn", "--json"), 1);
 * assert.equal(editDistance("sned", "send"), 1);
 * assert.equal(editDistance("bench", "fuzz"), 5);
 * ```
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[i - 1]?.[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (d[i - 1]?.[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (d[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    d.push(row);
  }
  return d[a.length]?.[b.length] ?? 0;
}

/**
 * The candidate closest to `name` when it is close enough to be a typo (at most 2 edits, and
 * at most half of the name's characters), or null; a candidate that starts with `name` (an
 * abbreviation of 3 characters or more) counts as close.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { suggest } from "./args.ts";
 * assert.equal(suggest("lsten", ["listen", "send"]), "listen");
 * assert.equal(suggest("--verb", ["--verbose", "--version"]), "--verbose");
 * assert.equal(suggest("xyz", ["listen", "send"]), null);
 * ```
 */
export function suggest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(name) && name.length >= 3 ? 0.5 : editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const letters = name.replace(/^-+/, "").length;
  return bestDistance <= 2 && bestDistance <= letters / 2 ? best : null;
}

/** `(did you mean X?)` after a name that is not known, or "" when nothing is close. */
function didYouMean(name: string, candidates: Iterable<string>): string {
  const close = suggest(name, candidates);
  return close === null ? "" : ` (did you mean ${close}?)`;
}

function quoted(message: string): string {
  const m = /'([^']*)'/.exec(message);
  return m === null ? "" : (m[1] ?? "").replace(/ <value>$/, "");
}

/** Every spelling of the flags in `options`: --long and -s. */
function flagNames(options: ParseArgsOptionsConfig): string[] {
  const names: string[] = [];
  for (const [name, option] of Object.entries(options)) {
    names.push(`--${name}`);
    if (option.short !== undefined) names.push(`-${option.short}`);
  }
  return names;
}

/**
 * Translates a parseArgs error into one line; an unknown flag gets the closest known one of
 * `options` as a suggestion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeParseError } from "./args.ts";
 * const e = Object.assign(new TypeError("Unknown option '--jsn'. To specify…"), {
 *   code: "ERR_PARSE_ARGS_UNKNOWN_OPTION",
 * });
 * assert.equal(describeParseError(e), 'unknown flag "--jsn"');
 * assert.equal(
 *   describeParseError(e, { json: { type: "boolean" } }),
 *   'unknown flag "--jsn" (did you mean --json?)',
 * );
 * ```
 */
export function describeParseError(error: unknown, options: ParseArgsOptionsConfig = {}): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const name = quoted(message);
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag "${name}"${
        name.startsWith("--") ? didYouMean(name.replace(/=.*$/s, ""), flagNames(options)) : ""
      }`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument "${name}"`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (message.includes("does not take an argument")) return `flag ${name} takes no value`;
      if (message.includes("ambiguous")) {
        return `flag ${name} needs a value (for a value starting with "-", write ${name}=VALUE)`;
      }
      return `flag ${name} needs a value`;
    default:
      return message.split("\n")[0] ?? message;
  }
}

/**
 * Parses `args` strictly against `options`: unknown flags and missing values become a usage
 * error; `-h`/`--help` (a `help` flag in `options`) asks for the help; unless
 * `allowPositionals`, a stray argument is a usage error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommandArgs } from "./args.ts";
 * const options = { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;
 * const ok = parseCommandArgs(["--json", "x"], options, true);
 * assert.ok(ok.kind === "run" && ok.config.values.json === true && ok.config.positionals[0] === "x");
 * assert.deepEqual(parseCommandArgs(["-h", "--jsn"], options), { kind: "help" });
 * assert.deepEqual(parseCommandArgs(["--jsn"], options), {
 *   kind: "usage",
 *   message: 'unknown flag "--jsn" (did you mean --json?)',
 * });
 * ```
 */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(
  args: string[],
  options: O,
  allowPositionals = false,
): CommandParse<ArgsOf<O>> {
  // -h anywhere wins over every other problem, as in most tools.
  if ("help" in options && args.some((a) => a === "--help" || a === "-h")) return { kind: "help" };
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: true,
    });
    if ((values as { help?: unknown }).help === true) return { kind: "help" };
    if (!allowPositionals && positionals.length > 0) {
      return usage(`unexpected argument "${positionals[0]}"`);
    }
    return { kind: "run", config: { values, positionals } };
  } catch (error) {
    return usage(describeParseError(error, options));
  }
}

/** How much a subcommand says on stderr: `-q` errors only, `-v` more. */
export type Verbosity = "quiet" | "normal" | "verbose";

/**
 * The `-v`/`--verbose` and `-q`/`--quiet` flags every subcommand takes, with what they mean
 * there. Data on stdout never depends on them; `-q` leaves only error lines on stderr.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flagHelp, verbosityFlags } from "./args.ts";
 * const flags = verbosityFlags("stderr: the input's size", "no warnings on stderr");
 * assert.match(flagHelp(flags), /^  -v, --verbose  stderr: the input's size$/m);
 * ```
 */
export function verbosityFlags(verbose: string, quiet: string) {
  return {
    verbose: flag.boolean(verbose, { short: "v" }),
    quiet: flag.boolean(quiet, { short: "q" }),
  } as const;
}

/** `-h`/`--help`, the last flag of every subcommand's table. */
export const HELP_FLAG = flag.boolean("show this help", { short: "h" });

/**
 * The flags every subcommand ends its table with: `-v`/`--verbose` and `-q`/`--quiet` (see
 * {@linkcode verbosityFlags}), then `-h`/`--help`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commonFlags, flagHelp } from "./args.ts";
 * const text = flagHelp(commonFlags("stderr: more", "stderr: errors only"));
 * assert.match(text, /^  -q, --quiet    stderr: errors only\n  -h, --help     show this help\n$/m);
 * ```
 */
export function commonFlags(verbose: string, quiet: string) {
  return {
    ...verbosityFlags(verbose, quiet),
    help: HELP_FLAG,
  } as const;
}

/**
 * The {@linkcode Verbosity} asked for by `-v`/`-q`; both at once is a usage error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verbosityOf } from "./args.ts";
 * assert.deepEqual(verbosityOf({ quiet: true }), { ok: true, value: "quiet" });
 * assert.deepEqual(verbosityOf({}), { ok: true, value: "normal" });
 * assert.deepEqual(verbosityOf({ verbose: true, quiet: true }), {
 *   ok: false,
 *   message: "-v and -q exclude each other",
 * });
 * ```
 */
export function verbosityOf(
  values: { readonly verbose?: boolean | undefined; readonly quiet?: boolean | undefined },
): Parsed<Verbosity> {
  if (values.verbose && values.quiet) return bad("-v and -q exclude each other");
  return ok(values.verbose ? "verbose" : values.quiet ? "quiet" : "normal");
}

/** Parsed flags and positionals, with the {@linkcode Verbosity} that `-v`/`-q` ask for. */
export interface CommandArgs<O extends ParseArgsOptionsConfig> extends ArgsOf<O> {
  readonly verbosity: Verbosity;
}

/**
 * The first steps of every subcommand's parse: {@linkcode parseCommandArgs}, then
 * {@linkcode verbosityOf} (`-v` with `-q` is a usage error).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commonFlags, flag, optionsOf, parseCommand } from "./args.ts";
 * const options = optionsOf({ json: flag.boolean("one JSON line"), ...commonFlags("", "") });
 * const r = parseCommand(["-q", "FILE"], options, true);
 * assert.ok(r.kind === "run" && r.config.verbosity === "quiet");
 * assert.deepEqual(r.config.positionals, ["FILE"]);
 * assert.deepEqual(parseCommand(["-v", "-q"], options), {
 *   kind: "usage",
 *   message: "-v and -q exclude each other",
 * });
 * ```
 */
export function parseCommand<const O extends ParseArgsOptionsConfig>(
  args: string[],
  options: O,
  allowPositionals = false,
): CommandParse<CommandArgs<O>> {
  const parsed = parseCommandArgs(args, options, allowPositionals);
  if (parsed.kind !== "run") return parsed;
  const verbosity = verbosityOf(parsed.config.values);
  if (!verbosity.ok) return usage(verbosity.message);
  return { kind: "run", config: { ...parsed.config, verbosity: verbosity.value } };
}
