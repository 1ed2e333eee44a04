/**
 * Strict flag parsing with `node:util` parseArgs, turning its exceptions into
 * one-line {@linkcode UsageError} values.
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { type UsageError, usageError } from "./exit.ts";

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

/** Parsed flags and positionals, or a usage error. */
export type ParsedArgs<O extends ParseArgsOptionsConfig> =
  | { readonly ok: true; readonly values: FlagValues<O>; readonly positionals: string[] }
  | { readonly ok: false; readonly error: UsageError };

function quoted(message: string): string {
  const m = /'([^']*)'/.exec(message);
  return m === null ? "" : m[1].replace(/ <value>$/, "");
}

/**
 * Translates a parseArgs error into one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeParseError } from "./args.ts";
 * const e = Object.assign(new TypeError("Unknown option '--x'. To specify…"), {
 *   code: "ERR_PARSE_ARGS_UNKNOWN_OPTION",
 * });
 * assert.equal(describeParseError(e), 'unknown flag "--x"');
 * ```
 */
export function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const name = quoted(message);
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag "${name}"`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument "${name}"`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (message.includes("does not take an argument")) return `flag ${name} takes no value`;
      if (message.includes("ambiguous")) {
        return `flag ${name} needs a value (for a value starting with "-", write ${name}=VALUE)`;
      }
      return `flag ${name} needs a value`;
    default:
      return message.split("\n")[0];
  }
}

/**
 * Parses `args` strictly against `options`: unknown flags, missing values and (unless
 * `allowPositionals`) stray arguments become a {@linkcode UsageError} for `command`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommandArgs } from "./args.ts";
 * const options = { json: { type: "boolean" } } as const;
 * const ok = parseCommandArgs("decode", ["--json", "x"], options, true);
 * assert.ok(ok.ok && ok.values.json === true && ok.positionals[0] === "x");
 * const bad = parseCommandArgs("decode", ["--jsn"], options, true);
 * assert.ok(!bad.ok && bad.error.message === 'unknown flag "--jsn"');
 * ```
 */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: O,
  allowPositionals = false,
): ParsedArgs<O> {
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: true,
    });
    if (!allowPositionals && positionals.length > 0) {
      return { ok: false, error: usageError(command, `unexpected argument "${positionals[0]}"`) };
    }
    return { ok: true, values, positionals };
  } catch (error) {
    return { ok: false, error: usageError(command, describeParseError(error)) };
  }
}
