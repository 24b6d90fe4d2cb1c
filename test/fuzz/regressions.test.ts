/**
 * Every input of test/fuzz/regressions/ through both fuzz targets: inputs that once broke
 * an oracle (or hand-made hostile ones) must now pass it.
 */
import { describe, expect, it } from "vitest";
import { loadRegressions } from "./regressions.js";
import { decodeTarget, dispatchTarget } from "./targets.js";

const regressions = loadRegressions();

describe("fuzz regressions", () => {
  it("has inputs", () => {
    expect(regressions.length).toBeGreaterThan(0);
  });
  it.each(regressions)("$file", async ({ input, aux }) => {
    for (const target of [decodeTarget, dispatchTarget]) {
      const outcome = await target.run(input, aux);
      expect(outcome.failure, target.name).toBeUndefined();
    }
  });
});
