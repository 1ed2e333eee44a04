/**
 * `ppcat bench k8s [BENCH FLAGS] --pods N --image IMAGE TARGET`: prints a Kubernetes Indexed
 * Job that runs the load from N pods at once, each `ppcat bench … --json --start-at T --shard
 * $(INDEX)/N`, so every pod runs its share of `-c` and `--connect-rate` with its own source
 * addresses over the same window, and `ppcat bench merge` combines their results exactly.
 *
 * The manifest is a typed object serialised as JSON, which kubectl reads as it reads YAML.
 *
 * @module
 */

import { flag, flagHelp, HELP_FLAG, optionsOf, parseCommandArgs } from "./args.ts";
import { parseBenchArgs, parseStartAt } from "./bench_options.ts";
import { ExitCode, reportParse, reportUsage } from "./exit.ts";
import { parseDuration } from "./values.ts";
import { writeErr, writeOut } from "./io.ts";

const COMMAND = "bench k8s";

const K8S_FLAGS = {
  pods: flag.string("N", "pods running the load at once (required)"),
  image: flag.string("IMAGE", "container image with ppcat as its entry (required)"),
  name: flag.string("NAME", "Job name (default ppcat-bench)"),
  namespace: flag.string("NS", "namespace (default: kubectl's)"),
  "start-in": flag.string(
    "TIME",
    "start the load this long after now, for pods to schedule (default 2m)",
  ),
  "start-at": flag.string("TIME", "start at TIME instead (RFC 3339, unix s)"),
  help: HELP_FLAG,
} as const;

/** Help text for `ppcat bench k8s`. */
export const K8S_HELP = `ppcat bench k8s - the load from many pods: a Kubernetes Indexed Job

USAGE
  ppcat bench k8s --pods N --image IMAGE [K8S FLAGS] [BENCH FLAGS] TARGET

  Prints (stdout) an Indexed Job, N completions and N in parallel, each pod running
  'ppcat bench BENCH FLAGS --json --start-at T --shard I/N TARGET': share I of -c
  and --connect-rate with its own sources, all starting at T. -c and --connect-rate
  are totals over all pods. --workers defaults to 1 a pod. On stderr: the commands that
  apply it, wait, collect every pod's JSON from its log and merge them.

K8S FLAGS
${flagHelp(K8S_FLAGS)}
EXIT STATUS
  0  printed
  2  usage error (also: a bench flag that 'ppcat bench' would refuse)
`;

/** The part of a Kubernetes `batch/v1` Job this command writes. */
export interface IndexedJob {
  readonly apiVersion: "batch/v1";
  readonly kind: "Job";
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly spec: {
    readonly completionMode: "Indexed";
    readonly completions: number;
    readonly parallelism: number;
    readonly backoffLimit: 0;
    readonly template: {
      readonly metadata: { readonly labels: Readonly<Record<string, string>> };
      readonly spec: {
        readonly restartPolicy: "Never";
        readonly containers: readonly [{
          readonly name: "ppcat";
          readonly image: string;
          readonly args: readonly string[];
          readonly env: readonly [{
            readonly name: "INDEX";
            readonly valueFrom: { readonly fieldRef: { readonly fieldPath: string } };
          }];
        }];
      };
    };
  };
}

/** What {@linkcode indexedJob} needs. */
export interface JobPlan {
  /** Job name (a DNS label). */
  readonly name: string;
  /** Namespace, or null for kubectl's. */
  readonly namespace: string | null;
  /** Pods. */
  readonly pods: number;
  /** Container image whose entry point is ppcat. */
  readonly image: string;
  /** `ppcat bench` arguments without --json, --start-at, --shard and TARGET. */
  readonly benchArgs: readonly string[];
  /** TARGET. */
  readonly target: string;
  /** Start, unix ms. */
  readonly startAt: number;
}

/**
 * The Indexed Job for `plan`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { indexedJob } from "./bench_k8s.ts";
 * const job = indexedJob({
 *   name: "ppcat-bench", namespace: null, pods: 3, image: "ppcat:1", benchArgs: ["-c", "300"],
 *   target: "10.0.0.5:443", startAt: 1796493600000,
 * });
 * assert.equal(job.spec.completions, 3);
 * assert.deepEqual(job.spec.template.spec.containers[0].args.slice(-6), [
 *   "--json", "--start-at", "2026-12-05T18:00:00.000Z", "--shard", "$(INDEX)/3", "10.0.0.5:443",
 * ]);
 * ```
 */
export function indexedJob(plan: JobPlan): IndexedJob {
  const labels = { "app.kubernetes.io/name": "ppcat-bench", "ppcat.bench/run": plan.name };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: plan.name,
      ...(plan.namespace !== null ? { namespace: plan.namespace } : {}),
      labels,
    },
    spec: {
      completionMode: "Indexed",
      completions: plan.pods,
      parallelism: plan.pods,
      // A pod that failed is a measurement lost, not one to repeat at another time.
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          containers: [{
            name: "ppcat",
            image: plan.image,
            args: [
              "bench",
              ...plan.benchArgs,
              "--json",
              "--start-at",
              new Date(plan.startAt).toISOString(),
              "--shard",
              `$(INDEX)/${plan.pods}`,
              plan.target,
            ],
            env: [{
              name: "INDEX",
              valueFrom: {
                fieldRef: {
                  fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']",
                },
              },
            }],
          }],
        },
      },
    },
  };
}

/**
 * Checks `job` against the rules of the Kubernetes Job schema this command relies on; returns
 * the problems (none: valid).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { indexedJob, jobProblems } from "./bench_k8s.ts";
 * const job = indexedJob({
 *   name: "a", namespace: null, pods: 2, image: "i", benchArgs: [], target: "h:1", startAt: 0,
 * });
 * assert.deepEqual(jobProblems(job), []);
 * assert.deepEqual(jobProblems({ ...job, metadata: { ...job.metadata, name: "A_b" } }), [
 *   "metadata.name: not a DNS-1123 label of at most 63 characters",
 * ]);
 * ```
 */
export function jobProblems(job: unknown): string[] {
  const out: string[] = [];
  const j = job as IndexedJob;
  const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
  if (j?.apiVersion !== "batch/v1") out.push('apiVersion: not "batch/v1"');
  if (j?.kind !== "Job") out.push('kind: not "Job"');
  if (typeof j?.metadata?.name !== "string" || !label.test(j.metadata.name)) {
    out.push("metadata.name: not a DNS-1123 label of at most 63 characters");
  }
  const ns = j?.metadata?.namespace;
  if (ns !== undefined && !label.test(ns)) out.push("metadata.namespace: not a DNS-1123 label");
  const s = j?.spec;
  if (s?.completionMode !== "Indexed") out.push('spec.completionMode: not "Indexed"');
  for (const f of ["completions", "parallelism"] as const) {
    const v = s?.[f];
    if (!Number.isInteger(v) || v < 1 || v > 100_000) out.push(`spec.${f}: not 1..100000`);
  }
  if (s?.template?.spec?.restartPolicy !== "Never") {
    out.push('spec.template.spec.restartPolicy: not "Never" (a Job needs Never or OnFailure)');
  }
  const c = s?.template?.spec?.containers;
  if (!Array.isArray(c) || c.length !== 1) out.push("spec.template.spec.containers: not one");
  else {
    const [first] = c;
    if (typeof first.image !== "string" || first.image === "") out.push("container image: empty");
    if (!first.args.every((a) => typeof a === "string")) out.push("container args: not strings");
    if (!label.test(first.name)) out.push("container name: not a DNS-1123 label");
  }
  return out;
}

const OWN = new Set(["--pods", "--image", "--name", "--namespace", "--start-in", "--start-at"]);

/**
 * Runs `ppcat bench k8s` with the arguments after `k8s`; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runK8s } from "./bench_k8s.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = runK8s(["--pods", "2", "-c", "10", "127.0.0.1:1"]);
 * restore();
 * assert.equal(code, 2);
 * assert.match(mem.err(), /^ppcat bench k8s: --image is required/);
 * ```
 */
export function runK8s(args: string[]): number {
  // Split: this command's flags, and the bench flags (checked by 'ppcat bench' itself).
  const own: string[] = [];
  const bench: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    const name = a.includes("=") ? a.slice(0, a.indexOf("=")) : a;
    if (OWN.has(name)) {
      own.push(a);
      if (!a.includes("=") && i + 1 < args.length) own.push(args[++i] ?? "");
    } else if (a === "-h" || a === "--help") own.push(a);
    else bench.push(a);
  }
  const parsed = parseCommandArgs(own, optionsOf(K8S_FLAGS), false);
  if (parsed.kind !== "run") return reportParse(COMMAND, K8S_HELP, parsed);
  const v = parsed.config.values;
  const usage = (m: string) => reportUsage(COMMAND, m);
  if (v.pods === undefined) return usage("--pods is required");
  if (v.image === undefined || v.image === "") return usage("--image is required");
  const pods = Number(v.pods);
  if (!/^[0-9]{1,5}$/.test(v.pods) || pods < 1) return usage("--pods: not a whole number ≥ 1");
  const name = v.name ?? "ppcat-bench";
  let startAt: number;
  if (v["start-at"] !== undefined) {
    const r = parseStartAt(v["start-at"]);
    if (!r.ok) return usage(r.message);
    startAt = r.value;
  } else {
    const r = parseDuration("start-in", v["start-in"] ?? "2m");
    if (!r.ok) return usage(r.message);
    startAt = Math.ceil((Date.now() + r.value) / 1000) * 1000;
  }
  for (const forbidden of ["--json", "--start-at", "--shard", "--worker"]) {
    if (bench.some((a) => a === forbidden || a.startsWith(`${forbidden}=`))) {
      return usage(`${forbidden}: set by 'bench k8s' for every pod`);
    }
  }
  const plan = parseBenchArgs(bench);
  if (plan.kind !== "run") return reportParse(COMMAND, K8S_HELP, plan);
  if (plan.config.connections < pods) return usage("--pods: more pods than --connections");
  const target = plan.config.targetText;
  const rest = [...bench];
  const at = rest.lastIndexOf(target);
  if (at < 0) return usage("TARGET: give it as one HOST:PORT argument");
  rest.splice(at, 1);
  if (plan.config.workers === null) rest.push("--workers", "1");
  const job = indexedJob({
    name,
    namespace: v.namespace ?? null,
    pods,
    image: v.image,
    benchArgs: rest,
    target,
    startAt,
  });
  const problems = jobProblems(job);
  if (problems.length > 0) return usage(problems[0] ?? "invalid Job");
  writeOut(`${JSON.stringify(job, null, 2)}\n`);
  const ns = v.namespace !== undefined ? ` -n ${v.namespace}` : "";
  writeErr(
    `# apply, wait, collect each pod's JSON, merge:\n` +
      `kubectl apply${ns} -f job.json\n` +
      `kubectl wait${ns} --for=condition=complete --timeout=1h job/${name}\n` +
      `for p in $(kubectl get pods${ns} -l job-name=${name} -o name); do ` +
      `kubectl logs${ns} "$p" > "\${p#pod/}.json"; done\n` +
      `ppcat bench merge ${name}-*.json\n`,
  );
  return ExitCode.OK;
}
