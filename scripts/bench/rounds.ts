/**
 * Interleaved rounds: the machine's load changes while the benchmark runs (other jobs share
 * it), so the limit and the relay measurements compared with each other are cut into rounds
 * run in turn (limit, relay shape 1, relay shape 2, ..., then again), and each ratio is the
 * median over rounds of the relay's rate divided by the limit's rate of the same round.
 */
import type { LimitResult } from "./limit.js";
import type { RelayMeasurement } from "./load.js";
import { percentile } from "./proc.js";

/** A measurement run in rounds. */
export interface Probe<T> {
  readonly name: string;
  readonly run: () => Promise<T>;
  readonly samples: T[];
}

/** Creates a probe. */
export function probe<T>(name: string, run: () => Promise<T>): Probe<T> {
  return { name, run, samples: [] };
}

/** Runs `rounds` rounds of every probe in turn; `onRun` names each before it runs. */
export async function interleave(
  probes: readonly Probe<unknown>[],
  rounds: number,
  onRun: (name: string, round: number) => void,
): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    for (const p of probes) {
      onRun(p.name, round);
      (p.samples as unknown[]).push(await p.run());
    }
  }
}

const median = (values: readonly number[]): number => percentile(Float64Array.from(values), 0.5);

/** The range of the 1-minute load average over rounds. */
function loadRange(loads: readonly string[]): string {
  const values = loads.map((l) => Number(l.split(" ")[0]));
  return `${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)}`;
}

/** Rounds of a limit: median rate and latencies, CPU per operation over all rounds. */
export function combineLimit(samples: readonly LimitResult[]): LimitResult {
  return {
    load: loadRange(samples.map((s) => s.load)),
    rate: median(samples.map((s) => s.rate)),
    p50Us: median(samples.map((s) => s.p50Us)),
    p99Us: median(samples.map((s) => s.p99Us)),
    cpuPerOp: samples.reduce((sum, s) => sum + s.cpuPerOp, 0) / samples.length,
  };
}

/** Rounds of a relay shape: median rate and latencies, CPU summed, last RSS, load range. */
export function combineRelay(samples: readonly RelayMeasurement[]): RelayMeasurement {
  const sum = (pick: (s: RelayMeasurement) => number) =>
    samples.reduce((total, s) => total + pick(s), 0);
  const last = samples[samples.length - 1];
  if (last === undefined) throw new Error("no samples");
  const rate = median(samples.map((s) => s.rate));
  const seconds = sum((s) => s.seconds);
  return {
    ...last,
    requests: sum((s) => s.requests),
    seconds,
    rate,
    p50Us: median(samples.map((s) => s.p50Us)),
    p99Us: median(samples.map((s) => s.p99Us)),
    itemP50Us: median(samples.map((s) => s.itemP50Us)),
    failures: sum((s) => s.failures),
    clientCpu: sum((s) => s.clientCpu),
    relayCpu: sum((s) => s.relayCpu),
    workersCpu: sum((s) => s.workersCpu),
    load: loadRange(samples.map((s) => s.load)),
  };
}

/** Median over rounds of relay rate × items ÷ limit rate (rounds paired in time). */
export function pairedRatio(
  relay: readonly RelayMeasurement[],
  items: number,
  limit: readonly LimitResult[],
): number {
  return median(relay.map((r, i) => (r.rate * items) / (limit[i]?.rate ?? Number.NaN)));
}

/** Median over rounds of the relay's p50 latency minus the direct call's. */
export function pairedAddedP50(
  relay: readonly RelayMeasurement[],
  limit: readonly LimitResult[],
): number {
  return median(relay.map((r, i) => r.p50Us - (limit[i]?.p50Us ?? Number.NaN)));
}
