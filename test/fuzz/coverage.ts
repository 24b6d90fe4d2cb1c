/**
 * Real code coverage as fuzz features, from V8's block coverage (node:inspector, the same
 * data `--experimental-test-coverage` uses): after each input, the source ranges of the
 * relay's own modules (`/src/`) that ran. Costs a few milliseconds per input, so only the
 * long fuzz script uses it; the CI run relies on the targets' behaviour features.
 */
import { Session } from "node:inspector";

/** Collects the blocks of `/src/` run since the previous call. */
export class BlockCoverage {
  private readonly session = new Session();

  constructor() {
    this.session.connect();
    // Same-thread inspector sessions answer synchronously.
    this.session.post("Profiler.enable");
    this.session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
  }

  /** Features `file:offset` of every block with a non-zero count since the last call. */
  take(): string[] {
    const features: string[] = [];
    this.session.post("Profiler.takePreciseCoverage", (err, result) => {
      if (err !== null) return;
      for (const script of result.result) {
        const at = script.url.lastIndexOf("/src/");
        if (at < 0 || script.url.includes("node_modules")) continue;
        const file = script.url.slice(at + 5);
        for (const fn of script.functions) {
          for (const range of fn.ranges) {
            if (range.count > 0) features.push(`${file}:${range.startOffset}`);
          }
        }
      }
    });
    return features;
  }

  stop(): void {
    this.session.post("Profiler.stopPreciseCoverage");
    this.session.disconnect();
  }
}
