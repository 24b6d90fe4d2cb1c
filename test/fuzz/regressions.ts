/**
 * Fuzz regressions: each file of `test/fuzz/regressions/` is one input that once broke an
 * oracle. Format: `#` comment lines (`# target: decode|dispatch`, `# aux: N` for the fake
 * token's random seed, `# reason: ...`), then the input as hex (whitespace ignored).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hexToBytes } from "../../src/ttlv/hex.js";
import type { FuzzFailure } from "./engine.js";

/** One stored regression input. */
export interface Regression {
  readonly file: string;
  readonly target: "decode" | "dispatch";
  readonly aux: number;
  readonly input: Uint8Array;
}

/** The folder of the regression files (beside this module, also from dist/). */
export function regressionDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled to dist/test/fuzz: the files stay in the source tree.
  return here.includes("/dist/")
    ? `${here.replace("/dist/", "/")}/regressions`
    : join(here, "regressions");
}

/** Every regression file, parsed. */
export function loadRegressions(dir = regressionDir()): Regression[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".hex"))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      const meta = new Map<string, string>();
      const hex: string[] = [];
      for (const line of text.split("\n")) {
        const m = /^#\s*([a-z]+):\s*(.*)$/.exec(line);
        if (m !== null) meta.set(m[1]!, m[2]!.trim());
        else if (!line.startsWith("#")) hex.push(line);
      }
      const target = meta.get("target") === "dispatch" ? "dispatch" : "decode";
      return { file, target, aux: Number(meta.get("aux") ?? 0), input: hexToBytes(hex.join("")) };
    });
}

/** Writes a failure as a regression file; returns its path. */
export function saveRegression(failure: FuzzFailure, dir = regressionDir()): string {
  mkdirSync(dir, { recursive: true });
  const digest = createHash("sha256").update(failure.hex).digest("hex").slice(0, 12);
  const name = `${failure.target}-${digest}.hex`;
  const path = join(dir, name);
  const lines = [
    `# target: ${failure.target}`,
    `# aux: ${failure.aux}`,
    `# reason: ${failure.reason.replace(/\n/g, " ")}`,
    ...(failure.hex.match(/.{1,64}/g) ?? []),
    "",
  ];
  writeFileSync(path, lines.join("\n"));
  return path;
}
