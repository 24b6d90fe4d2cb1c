/**
 * Bounded fuzzing in CI: the TTLV decoder and the request dispatcher, seeded by every KMIP
 * test vector message, a few seconds each: 3,000 inputs from a fixed seed (reproducible), then
 * 3 s from a seed taken from the clock (new inputs every run); a failure prints
 * its seed and input and is written to test/fuzz/regressions/ so it becomes a regression test.
 * Longer runs: `node dist/scripts/fuzz.js --seconds 300` (see docs/reliability.md).
 */
import { describe, expect, it } from "vitest";
import { type FuzzReport, runFuzz } from "./engine.js";
import { saveRegression } from "./regressions.js";
import { dispatchSeeds, seedMessages } from "./seeds.js";
import { decodeTarget, dispatchTarget, type FuzzTarget } from "./targets.js";

const FIXED_SEED = 0x6b6d6970;
/** Inputs of the fixed-seed run (reproducible: counted, not timed). */
const FIXED_INPUTS = 3_000;
/** Time of the clock-seeded run, and the inputs it runs at least. */
const RANDOM_MS = 3_000;
const RANDOM_MIN_INPUTS = 300;

async function fuzz(target: FuzzTarget, seeds: Uint8Array[]): Promise<FuzzReport[]> {
  const runs = [
    { seed: FIXED_SEED, durationMs: 60_000, maxInputs: FIXED_INPUTS },
    { seed: Date.now() >>> 0, durationMs: RANDOM_MS, minInputs: RANDOM_MIN_INPUTS },
  ];
  const reports: FuzzReport[] = [];
  for (const run of runs) {
    const report = await runFuzz(target, { ...run, seeds });
    for (const failure of report.failures) {
      const file = saveRegression(failure);
      console.error(`fuzz ${target.name} seed ${run.seed}: ${failure.reason} -> ${file}`);
    }
    reports.push(report);
  }
  return reports;
}

describe("fuzzing (bounded)", () => {
  it("decodeTtlv returns or throws TtlvError within the input, for every mutant", async () => {
    const reports = await fuzz(decodeTarget, seedMessages());
    for (const report of reports) {
      expect(report.inputs, `seed ${report.seed}`).toBeGreaterThanOrEqual(RANDOM_MIN_INPUTS);
      expect(report.failures, `seed ${report.seed}`).toEqual([]);
    }
  }, 30_000);

  it("handleRequestBytes resolves to a well-formed Response Message for every mutant", async () => {
    const reports = await fuzz(dispatchTarget, dispatchSeeds());
    for (const report of reports) {
      expect(report.inputs, `seed ${report.seed}`).toBeGreaterThanOrEqual(RANDOM_MIN_INPUTS);
      expect(report.failures, `seed ${report.seed}`).toEqual([]);
    }
  }, 30_000);
});
