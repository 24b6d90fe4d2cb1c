/** Baseline refresh: a run of some sets keeps the other sets' entries. */
import { describe, expect, it } from "vitest";
import { mergeBaseline } from "./baseline.js";
import type { FileResult } from "./run-sets.js";

const result = (id: string, verdict: FileResult["verdict"]): FileResult => ({
  id,
  set: "CS-BC",
  version: "2.1",
  verdict,
  reasons: [],
  notes: [],
});

describe("conformance baseline", () => {
  it("adds new passes, drops files the run failed, keeps files it did not run", () => {
    const previous = ["v1.4/AKLC-M-1-14", "v2.1/CS-BC-M-1-21", "v2.1/CS-BC-M-2-21"];
    const merged = mergeBaseline(previous, [
      result("v2.1/CS-BC-M-1-21", "pass"),
      result("v2.1/CS-BC-M-2-21", "fail"),
      result("v2.1/CS-BC-M-13-21", "pass"),
      result("v2.1/CS-BC-M-14-21", "n/a"),
    ]);
    expect(merged).toEqual(["v1.4/AKLC-M-1-14", "v2.1/CS-BC-M-1-21", "v2.1/CS-BC-M-13-21"]);
  });
});
