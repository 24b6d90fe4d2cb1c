/**
 * The conformance runner as part of `npm test`: replays the focus sets of the OASIS KMIP
 * profile test cases (docs/conformance.md) against relays on SoftHSM2, one relay per set, and
 * holds the relay to the committed baseline: every file that passed when the baseline was
 * written must still pass. Every file gets a verdict; an N/A file must say why.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { readBaseline } from "../conformance/baseline.js";
import { fileLine } from "../conformance/report.js";
import { type FileResult, runFiles } from "../conformance/run-sets.js";
import { FOCUS_SETS, listVectors, vectorId } from "../conformance/vectors.js";

const files = listVectors().filter((f) => (FOCUS_SETS as readonly string[]).includes(f.set));
let results: FileResult[] = [];

describe("KMIP conformance (OASIS profile test cases, focus sets)", () => {
  beforeAll(async () => {
    results = await runFiles(files, { concurrency: 2, workers: 2 });
  }, 180_000);

  it("finds the focus sets' files and gives each a verdict", () => {
    expect(files.length).toBeGreaterThan(250);
    expect(results.map((r) => r.id)).toEqual(files.map(vectorId));
    for (const r of results) expect(["pass", "fail", "n/a"]).toContain(r.verdict);
  });

  it("still passes every file of the baseline (test/conformance/baseline.json)", () => {
    const baseline = readBaseline();
    const verdicts = new Map(results.map((r) => [r.id, r]));
    const lost = baseline
      .map((id) => verdicts.get(id))
      .filter((r): r is FileResult => r === undefined || r.verdict !== "pass")
      .map(fileLine);
    expect(baseline.every((id) => verdicts.has(id))).toBe(true);
    expect(lost).toEqual([]);
  });

  it("gives a reason for every file that is not applicable or fails", () => {
    const silent = results.filter((r) => r.verdict !== "pass" && r.reasons.length === 0);
    expect(silent.map(fileLine)).toEqual([]);
  });
});
