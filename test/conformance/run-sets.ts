/**
 * Runs test cases set by set: one relay on a fresh SoftHSM2 token per set, a few files at a
 * time, and a verdict per file (pass / fail / n/a) with its reasons.
 */
import { type ConformanceRelay, startConformanceRelay } from "./relay.js";
import { applicability } from "./rules.js";
import { type ReplayResult, replay, type StepFailure } from "./run-file.js";
import { loadSteps, type VectorFile, vectorId } from "./vectors.js";

/** Verdict of one file. */
export type Verdict = "pass" | "fail" | "n/a";

/** Result of one file. */
export interface FileResult {
  /** `v1.4/CS-BC-M-1-14`. */
  readonly id: string;
  readonly set: string;
  readonly version: string;
  readonly verdict: Verdict;
  /** N/A: why not applicable; fail: what failed (operation missing, step mismatch, error). */
  readonly reasons: string[];
  readonly failure?: StepFailure | undefined;
  readonly notes: string[];
  /** For an N/A file that was run anyway: how the rest of it went. */
  readonly partial?: string | undefined;
}

/** Options of {@link runFiles}. */
export interface RunOptions {
  /** Files run at once against one relay. */
  readonly concurrency?: number;
  /** PKCS#11 worker processes of each relay. */
  readonly workers?: number;
  /**
   * Starts the relay for one set (default: {@link startConformanceRelay}); a relay that is
   * already running can be returned instead, with a `close` that leaves it running.
   */
  readonly startRelay?: (workers: number) => Promise<ConformanceRelay>;
  /** Called as each file finishes. */
  readonly onResult?: (result: FileResult) => void;
}

function describeFailure(replayed: ReplayResult): string[] {
  const reasons = replayed.missingOperations.map((op) => `operation not implemented: ${op}`);
  const failure = replayed.failure;
  if (failure) {
    const first = failure.mismatches[0];
    const more = failure.mismatches.length > 1 ? ` (+${failure.mismatches.length - 1} more)` : "";
    const what = first ? `${first.path}: expected ${first.expected}, got ${first.got}` : "";
    reasons.push(`step ${failure.step} ${failure.operation}: ${what}${more}`);
  }
  return reasons;
}

/** Runs one file against a relay. */
export async function runFile(
  file: VectorFile,
  target: { port: number; username: string; password: string },
): Promise<FileResult> {
  const base = { id: vectorId(file), set: file.set, version: file.version };
  let steps: ReturnType<typeof loadSteps>;
  try {
    steps = loadSteps(file);
  } catch (err) {
    return { ...base, verdict: "fail", reasons: [`vector unreadable: ${String(err)}`], notes: [] };
  }
  const rules = applicability(file, steps);
  if (rules.reasons.length > 0 && !rules.runnable) {
    return { ...base, verdict: "n/a", reasons: rules.reasons, notes: [] };
  }
  let replayed: ReplayResult;
  try {
    replayed = await replay(steps, target, rules.ignored);
  } catch (err) {
    replayed = {
      ok: false,
      missingOperations: [],
      notes: [],
      failure: {
        step: -1,
        operation: "?",
        mismatches: [{ path: "connection", expected: "a response", got: String(err) }],
      },
    };
  }
  if (rules.reasons.length > 0) {
    const partial = replayed.ok
      ? "the rest passes"
      : `the rest fails: ${describeFailure(replayed).join("; ")}`;
    return { ...base, verdict: "n/a", reasons: rules.reasons, notes: replayed.notes, partial };
  }
  if (replayed.ok) return { ...base, verdict: "pass", reasons: [], notes: replayed.notes };
  return {
    ...base,
    verdict: "fail",
    reasons: describeFailure(replayed),
    failure: replayed.failure,
    notes: replayed.notes,
  };
}

/** Runs files grouped by set: one relay per set. Results come back in the files' order. */
export async function runFiles(
  files: readonly VectorFile[],
  opts: RunOptions = {},
): Promise<FileResult[]> {
  const bySet = new Map<string, VectorFile[]>();
  for (const file of files) bySet.set(file.set, [...(bySet.get(file.set) ?? []), file]);
  const results = new Map<VectorFile, FileResult>();
  for (const setFiles of bySet.values()) {
    const relay = await (opts.startRelay ?? startConformanceRelay)(opts.workers ?? 2);
    const target = { port: relay.port, username: relay.username, password: relay.password };
    try {
      let next = 0;
      const lane = async () => {
        while (next < setFiles.length) {
          const file = setFiles[next++] as VectorFile;
          const result = await runFile(file, target);
          results.set(file, result);
          opts.onResult?.(result);
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency ?? 2 }, lane));
    } finally {
      await relay.close();
    }
  }
  return files.map((file) => results.get(file) as FileResult);
}
