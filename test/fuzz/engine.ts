/**
 * The fuzz loop: take an input from the corpus, mutate it (splicing with a second one), run
 * the target, keep the input if it reached a feature no input reached before. Bounded by
 * time and by input count; reproducible from its seed (the target's own random choices get
 * a number drawn from the same generator, recorded with each failure).
 */
import { bytesToHex } from "../../src/ttlv/hex.js";
import { mutate } from "./mutate.js";
import { Rng } from "./rng.js";
import type { FuzzTarget } from "./targets.js";

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  readonly seed: number;
  readonly durationMs: number;
  /** Stop after this many inputs: with it, a run is reproducible whatever the machine's speed. */
  readonly maxInputs?: number;
  /** Keep going past the time budget until this many inputs ran (slow or loaded machines). */
  readonly minInputs?: number;
  /** Inputs the corpus starts from. */
  readonly seeds: readonly Uint8Array[];
  /** Most inputs kept in the corpus (seeds included). */
  readonly corpusLimit?: number;
  /** Stop after this many failures (default 5). */
  readonly maxFailures?: number;
  /** Mutants larger than this are not run (default 1.25 MiB: the decoder stops at 1 MiB). */
  readonly maxInputBytes?: number;
  /** Extra features per input (e.g. V8 block coverage), collected after each run. */
  readonly extraFeatures?: () => readonly string[];
}

/** One input that broke an oracle. */
export interface FuzzFailure {
  readonly target: string;
  readonly reason: string;
  readonly hex: string;
  /** The target's own random seed for this input (the fake token's answers). */
  readonly aux: number;
}

/** What a run did. */
export interface FuzzReport {
  readonly target: string;
  readonly seed: number;
  readonly inputs: number;
  readonly corpus: number;
  readonly features: number;
  readonly slowestMs: number;
  /** The slowest input, to replay when `slowestMs` looks wrong. */
  readonly slowest?: { readonly hex: string; readonly aux: number };
  readonly failures: readonly FuzzFailure[];
}

function key(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Runs `target` until the time or input budget is spent. */
export async function runFuzz(target: FuzzTarget, opts: FuzzOptions): Promise<FuzzReport> {
  const rng = new Rng(opts.seed);
  const limit = opts.corpusLimit ?? 4000;
  const maxFailures = opts.maxFailures ?? 5;
  const maxInputs = opts.maxInputs ?? Number.POSITIVE_INFINITY;
  const maxInputBytes = opts.maxInputBytes ?? 1.25 * 1024 * 1024;
  const seen = new Set<string>();
  const features = new Set<string>();
  const failures: FuzzFailure[] = [];
  const corpus: Uint8Array[] = [];
  let inputs = 0;
  let slowestMs = 0;
  let slowest: { hex: string; aux: number } | undefined;

  const runOne = async (input: Uint8Array): Promise<boolean> => {
    const aux = rng.u32();
    const started = performance.now();
    const outcome = await target.run(input, aux);
    const ms = performance.now() - started;
    if (ms > slowestMs) {
      slowestMs = ms;
      slowest = { hex: bytesToHex(input), aux };
    }
    inputs += 1;
    if (outcome.failure !== undefined) {
      failures.push({ target: target.name, reason: outcome.failure, hex: bytesToHex(input), aux });
    }
    let fresh = false;
    for (const f of [...outcome.features, ...(opts.extraFeatures?.() ?? [])]) {
      if (!features.has(f)) {
        features.add(f);
        fresh = true;
      }
    }
    return fresh;
  };

  const deadline = Date.now() + opts.durationMs;
  const minInputs = opts.minInputs ?? 0;
  const budgetLeft = () =>
    (Date.now() < deadline || inputs < minInputs) &&
    inputs < maxInputs &&
    failures.length < maxFailures;

  // Distinct seeds run once each, in a seeded random order, for at most 40% of the time;
  // the ones that reach something new start the corpus.
  // With an input budget the run is deterministic: the seed phase is counted, not timed.
  const seedDeadline = Date.now() + opts.durationMs * 0.4;
  const seedInputs = Math.floor(maxInputs * 0.4);
  const seedPhase = () =>
    Number.isFinite(maxInputs) ? inputs < seedInputs : Date.now() < seedDeadline;
  for (const seed of shuffled(opts.seeds, rng)) {
    if (!budgetLeft() || !seedPhase()) break;
    const k = key(seed);
    if (seen.has(k)) continue;
    seen.add(k);
    if ((await runOne(seed)) && corpus.length < limit) corpus.push(seed);
  }
  if (corpus.length === 0) corpus.push(...opts.seeds.slice(0, 1));

  while (budgetLeft() && corpus.length > 0) {
    // Newer corpus entries (those that found something) are picked more often.
    const base = rng.chance(0.5)
      ? corpus[corpus.length - 1 - rng.below(Math.min(64, corpus.length))]!
      : rng.pick(corpus);
    const input = mutate(base, rng.pick(corpus), rng);
    if (input.length > maxInputBytes) continue;
    const k = key(input);
    if (seen.has(k)) continue;
    if (seen.size < 200_000) seen.add(k);
    if ((await runOne(input)) && corpus.length < limit) corpus.push(input);
  }
  return {
    target: target.name,
    seed: opts.seed,
    inputs,
    corpus: corpus.length,
    features: features.size,
    slowestMs: Math.round(slowestMs),
    ...(slowest === undefined ? {} : { slowest }),
    failures,
  };
}
