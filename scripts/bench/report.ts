/**
 * The benchmark's table (Markdown, as docs/performance.md shows it) and its summary line of
 * ratios against the goals.
 */
import type { LimitResult } from "./limit.js";
import type { RelayMeasurement } from "./load.js";

/** One line of the table. */
export interface Row {
  readonly name: string;
  /** Operations (signatures, Gets, key pairs) per second. */
  readonly rate: number;
  /** Relay ÷ limit, or a latency difference, already formatted. */
  readonly ratio: string;
  readonly p50Us: number;
  readonly p99Us: number;
  /** The relay's own logged time per batch item, median (see RelayMeasurement). */
  readonly itemP50Us?: number;
  readonly rssMb?: number;
  /** CPU µs per operation in the relay process and in its workers (or the limit processes). */
  readonly relayCpuUs?: number;
  readonly workerCpuUs: number;
  /** The load client's CPU use, % of one core. */
  readonly clientCpuPct?: number;
  /**
   * Limit CPU per operation ÷ (relay + workers + load client CPU per operation): the ratio
   * a dedicated, CPU-bound machine would show, little affected by how the scheduler shares
   * a loaded machine between the relay's 4 processes and the limit's 2.
   */
  readonly cpuRatio?: number;
  readonly load: string;
}

/** A limit row. */
export function limitRow(name: string, limit: LimitResult): Row {
  return {
    name,
    rate: limit.rate,
    ratio: "(limit)",
    p50Us: limit.p50Us,
    p99Us: limit.p99Us,
    workerCpuUs: limit.cpuPerOp * 1e6,
    load: limit.load,
  };
}

/** A relay row; `itemsPerRequest` turns requests into operations. */
export function relayRow(
  name: string,
  m: RelayMeasurement,
  itemsPerRequest: number,
  ratio: string,
  limitCpuPerOp: number,
): Row {
  const ops = m.requests * itemsPerRequest;
  const cpuPerOp = (m.relayCpu + m.workersCpu + m.clientCpu) / ops;
  return {
    name,
    rate: m.rate * itemsPerRequest,
    ratio,
    p50Us: m.p50Us,
    p99Us: m.p99Us,
    itemP50Us: m.itemP50Us,
    rssMb: m.relayRssMb,
    relayCpuUs: (m.relayCpu / ops) * 1e6,
    workerCpuUs: (m.workersCpu / ops) * 1e6,
    clientCpuPct: (m.clientCpu / m.seconds) * 100,
    cpuRatio: limitCpuPerOp / cpuPerOp,
    load: m.load,
  };
}

const num = (value: number | undefined, digits = 0): string =>
  value === undefined || Number.isNaN(value)
    ? ""
    : value.toLocaleString("en-US", {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      });

/** The table, Markdown. */
export function table(rows: readonly Row[]): string {
  const header = [
    "| measurement | ops/s | relay ÷ limit | p50 µs | p99 µs | relay item time p50 µs | relay RSS MB | relay CPU µs/op | worker CPU µs/op | client CPU % | CPU ratio | load avg |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  const lines = rows.map(
    (r) =>
      `| ${r.name} | ${num(r.rate)} | ${r.ratio} | ${num(r.p50Us)} | ${num(r.p99Us)} | ${num(r.itemP50Us)} | ${num(r.rssMb)} | ${num(r.relayCpuUs)} | ${num(r.workerCpuUs)} | ${num(r.clientCpuPct)} | ${num(r.cpuRatio, 2)} | ${r.load} |`,
  );
  return [...header, ...lines].join("\n");
}

/** One goal: a measured value, the bound, and which way it must go. */
export interface Goal {
  readonly name: string;
  readonly value: number;
  readonly bound: number;
  readonly atLeast: boolean;
  readonly digits: number;
  /** For throughput goals: the CPU-bound estimate of the same ratio (see Row.cpuRatio). */
  readonly cpuRatio?: number;
}

/** The summary line: every goal with its value, bound and whether it is met. */
export function summary(goals: readonly Goal[]): string {
  const parts = goals.map((g) => {
    const met = g.atLeast ? g.value >= g.bound : g.value <= g.bound;
    const cpu = g.cpuRatio === undefined ? "" : `, CPU-bound ${num(g.cpuRatio, 2)}`;
    return `${g.name} ${num(g.value, g.digits)} (${g.atLeast ? ">=" : "<="} ${num(g.bound, g.digits)} ${met ? "met" : "MISSED"}${cpu})`;
  });
  const met = goals.filter((g) => (g.atLeast ? g.value >= g.bound : g.value <= g.bound)).length;
  return `SUMMARY ${met}/${goals.length} goals met: ${parts.join("; ")}`;
}
