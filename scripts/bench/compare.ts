/**
 * A comparison: the direct limit and the shapes measured against it (relay or floor), run in
 * interleaved rounds (rounds.ts), then one table row each with the shape's ratio to the limit
 * (or, for 1 connection, the p50 it adds to the direct call's).
 */
import { type LimitJob, type LimitResult, measureLimit } from "./limit.js";
import { type MeasuredServer, measureRelay, type RelayMeasurement } from "./load.js";
import type { LoadJob } from "./load-client.js";
import { LIMIT_PROCESSES, ROUNDS, roundMs } from "./options.js";
import type { RelayProcess } from "./relay-process.js";
import { type Goal, limitRow, type Row, relayRow } from "./report.js";
import { type Alg, SIGN_DATA } from "./requests.js";
import {
  combineLimit,
  combineRelay,
  interleave,
  type Probe,
  pairedAddedP50,
  pairedRatio,
  probe,
} from "./rounds.js";
import type { BenchKey } from "./setup.js";

const LIMIT_WARMUP_MS = 300;
const RELAY_WARMUP_MS = 500;

/** The limit of `op` on the relay's token with `key`, in LIMIT_PROCESSES processes. */
export function limitProbe(
  relay: RelayProcess,
  key: BenchKey,
  name: string,
  op: LimitJob["op"],
  alg: Alg,
): Probe<LimitResult> {
  const job: LimitJob = {
    op,
    alg,
    libPath: relay.token.libPath,
    softhsmConf: relay.token.softhsmConf,
    label: relay.credential.username,
    pin: relay.credential.password,
    idHex: key.idHex,
    data: Buffer.from(SIGN_DATA).toString("base64"),
    warmupMs: LIMIT_WARMUP_MS,
    durationMs: roundMs,
  };
  return probe(name, () => measureLimit(job, LIMIT_PROCESSES));
}

/** A relay (or floor) shape: the request, connections, Sign items per request, its goal. */
export interface Shape {
  readonly probe: Probe<RelayMeasurement>;
  readonly items: number;
  readonly connections: number;
  readonly goal?: Omit<Goal, "value">;
}

/** `request` sent to `server` over `connections` connections, 1 in flight on each. */
export function relayShape(
  server: MeasuredServer,
  name: string,
  request: Uint8Array,
  connections: number,
  items: number,
): Shape {
  const job: Omit<LoadJob, "port"> = {
    requests: [Buffer.from(request).toString("base64")],
    connections,
    depth: 1,
    expectItems: items,
    warmupMs: RELAY_WARMUP_MS,
    durationMs: roundMs,
  };
  return { probe: probe(name, () => measureRelay(server, job)), items, connections };
}

/** A shape's figure for its goal (ratio, or added p50 µs) and its CPU-bound ratio. */
export interface ShapeRatio {
  readonly value: number;
  readonly cpu: number;
}

/** Runs the limit and the shapes in interleaved rounds; adds their rows; ratios per shape. */
export async function compare(
  rows: Row[],
  log: (message: string) => void,
  limit: Probe<LimitResult>,
  shapes: readonly Shape[],
): Promise<Map<Shape, ShapeRatio>> {
  await interleave([limit, ...shapes.map((s) => s.probe)], ROUNDS, (name, round) =>
    log(`${name} (round ${round}/${ROUNDS})`),
  );
  const combinedLimit = combineLimit(limit.samples);
  rows.push(limitRow(limit.name, combinedLimit));
  const ratios = new Map<Shape, ShapeRatio>();
  for (const shape of shapes) {
    const samples = shape.probe.samples;
    const ratio = pairedRatio(samples, shape.items, limit.samples);
    const added = pairedAddedP50(samples, limit.samples);
    const shown = shape.connections === 1 ? `p50 +${added.toFixed(0)} µs` : ratio.toFixed(2);
    const m = combineRelay(samples);
    rows.push(relayRow(shape.probe.name, m, shape.items, shown, combinedLimit.cpuPerOp));
    const cpu =
      combinedLimit.cpuPerOp /
      ((m.relayCpu + m.workersCpu + m.clientCpu) / (m.requests * shape.items));
    ratios.set(shape, { value: shape.connections === 1 ? added : ratio, cpu });
  }
  return ratios;
}
