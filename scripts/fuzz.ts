/**
 * Long fuzz run of the TTLV decoder and the request dispatcher (the CI test runs a few
 * seconds of the same). With `--coverage`, V8 block coverage of `src/` guides the corpus as
 * well (slower per input, finds more paths). Every failure is written to
 * test/fuzz/regressions/ and the exit status is 1.
 *
 * Run: npx tsc -p tsconfig.build.json && node dist/scripts/fuzz.js [--seconds 300]
 *      [--seed N] [--target decode|dispatch|both] [--coverage]
 */
import { BlockCoverage } from "../test/fuzz/coverage.js";
import { runFuzz } from "../test/fuzz/engine.js";
import { saveRegression } from "../test/fuzz/regressions.js";
import { dispatchSeeds, seedMessages } from "../test/fuzz/seeds.js";
import { decodeTarget, dispatchTarget, type FuzzTarget } from "../test/fuzz/targets.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const seconds = Math.min(Math.max(Number(arg("--seconds") ?? 60), 1), 24 * 3600);
  const seed = Number(arg("--seed") ?? Date.now() >>> 0) >>> 0;
  const which = arg("--target") ?? "both";
  const coverage = process.argv.includes("--coverage") ? new BlockCoverage() : undefined;
  const targets: [FuzzTarget, Uint8Array[]][] = [];
  if (which !== "dispatch") targets.push([decodeTarget, seedMessages()]);
  if (which !== "decode") targets.push([dispatchTarget, dispatchSeeds()]);
  let failed = 0;
  for (const [target, seeds] of targets) {
    const durationMs = (seconds * 1000) / targets.length;
    console.log(`fuzz ${target.name}: seed ${seed}, ${Math.round(durationMs / 1000)} s`);
    const report = await runFuzz(target, {
      seed,
      durationMs,
      seeds,
      corpusLimit: 20_000,
      maxFailures: 20,
      ...(coverage === undefined ? {} : { extraFeatures: () => coverage.take() }),
    });
    const { failures, slowest, ...figures } = report;
    console.log(JSON.stringify(figures));
    if (slowest !== undefined && report.slowestMs > 1000) {
      console.log(`slowest input (aux ${slowest.aux}): ${slowest.hex}`);
    }
    for (const failure of failures) {
      console.log(`FAILURE ${failure.reason} -> ${saveRegression(failure)}`);
    }
    failed += failures.length;
  }
  coverage?.stop();
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
