/**
 * The committed list of test cases that pass (`baseline.json`): `npm test` fails when one of
 * them stops passing. Refreshed with `npm run conformance -- --write-baseline`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { FileResult } from "./run-sets.js";

/** The repository root: the nearest folder up with a package.json (from src or dist). */
function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above the conformance runner");
    dir = up;
  }
  return dir;
}

/** `test/conformance/baseline.json` of the repository. */
export function baselinePath(): string {
  return join(repoRoot(), "test", "conformance", "baseline.json");
}

/** File ids (`v1.4/CS-BC-M-1-14`) that passed when the baseline was written. */
export function readBaseline(): string[] {
  const path = baselinePath();
  if (!existsSync(path)) return [];
  const data: unknown = JSON.parse(readFileSync(path, "utf8"));
  const pass = (data as { pass?: unknown }).pass;
  return Array.isArray(pass) ? pass.filter((id): id is string => typeof id === "string") : [];
}

/**
 * The baseline after a run: the files the run passed, plus the previous baseline's files the
 * run did not include (a run of some sets or versions keeps the others' entries).
 */
export function mergeBaseline(
  previous: readonly string[],
  results: readonly FileResult[],
): string[] {
  const ran = new Set(results.map((r) => r.id));
  const kept = previous.filter((id) => !ran.has(id));
  const passed = results.filter((r) => r.verdict === "pass").map((r) => r.id);
  return [...new Set([...kept, ...passed])].sort();
}

/** Writes the baseline after a run (see {@link mergeBaseline}). */
export function writeBaseline(results: readonly FileResult[]): void {
  const pass = mergeBaseline(readBaseline(), results);
  writeFileSync(baselinePath(), `${JSON.stringify({ pass }, null, 2)}\n`);
}

/** Baseline files that were run and did not pass. */
export function regressions(baseline: readonly string[], results: readonly FileResult[]): string[] {
  const verdicts = new Map(results.map((r) => [r.id, r.verdict]));
  return baseline.filter((id) => verdicts.has(id) && verdicts.get(id) !== "pass");
}
