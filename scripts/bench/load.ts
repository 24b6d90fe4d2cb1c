/**
 * Runs one load job in a forked load-client process and reads, at the edges of its timed
 * window, the CPU time of the relay process and of its workers from /proc.
 */
import { type ChildProcess, fork } from "node:child_process";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ClientMessage, LoadJob, LoadResult } from "./load-client.js";
import { type CpuSnapshot, loadAverage, percentile, rssMb, snapshot } from "./proc.js";
import type { RelayProcess } from "./relay-process.js";

const CLIENT_MAIN = join(import.meta.dirname, "load-client.js");

/** One relay measurement. */
export interface RelayMeasurement extends LoadResult {
  /** Requests per second in the timed window. */
  readonly rate: number;
  /** CPU seconds of the relay process and of all its workers over the window. */
  readonly relayCpu: number;
  readonly workersCpu: number;
  readonly relayRssMb: number;
  readonly load: string;
  /**
   * Median time the relay itself reports per batch item (its per-operation log line's
   * durationMs: authentication, waiting for a worker, the operation and its worker round
   * trip; without TLS, framing and TTLV); NaN when the relay does not log operations
   * (log-level above info).
   */
  readonly itemP50Us: number;
}

/**
 * What a measurement needs of the server under test: its pid and its workers' (CPU), its
 * port, its log (the relay's operation lines; the floor logs none).
 */
export type MeasuredServer = Pick<RelayProcess, "pid" | "workerPids" | "port" | "logPath">;

function startClient(): ChildProcess {
  return fork(CLIENT_MAIN, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

function onMessage(child: ChildProcess, handle: (m: ClientMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on("message", (m: ClientMessage) => {
      if (m.type === "error") reject(new Error(`load client: ${m.message}`));
      else handle(m);
      if (m.type === "result") resolve();
    });
    child.once("exit", (code) => reject(new Error(`load client exited with ${code}`)));
  });
}

/** Runs `job` against `relay` (or the floor); rejects if any response was not all Success. */
export async function measureRelay(
  relay: MeasuredServer,
  job: Omit<LoadJob, "port">,
): Promise<RelayMeasurement> {
  const child = startClient();
  let start: CpuSnapshot | undefined;
  let end: CpuSnapshot | undefined;
  let result: LoadResult | undefined;
  let rss = 0;
  let logFrom = 0;
  let logTo = 0;
  const done = onMessage(child, (m) => {
    if (m.type === "start") {
      start = snapshot(relay.pid, relay.workerPids);
      logFrom = statSync(relay.logPath).size;
    }
    if (m.type === "end") {
      end = snapshot(relay.pid, relay.workerPids);
      rss = rssMb(relay.pid);
      logTo = statSync(relay.logPath).size;
    }
    if (m.type === "result") result = m.result;
  });
  child.send({ ...job, port: relay.port });
  try {
    await done;
  } finally {
    child.kill();
  }
  if (result === undefined || start === undefined || end === undefined) {
    throw new Error("load client ended without a result");
  }
  if (result.failures > 0) {
    throw new Error(`${result.failures} responses not all Success: ${result.firstFailure}`);
  }
  return {
    ...result,
    rate: result.requests / result.seconds,
    relayCpu: end.relay - start.relay,
    workersCpu: end.workers - start.workers,
    relayRssMb: rss,
    load: loadAverage(),
    itemP50Us: loggedItemP50Us(relay.logPath, logFrom, logTo),
  };
}

/** Median durationMs (in µs) of the operation log lines between two offsets of the log. */
function loggedItemP50Us(path: string, from: number, to: number): number {
  if (to <= from) return Number.NaN;
  const buffer = Buffer.alloc(to - from);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buffer, 0, buffer.length, from);
  } finally {
    closeSync(fd);
  }
  const durations = [...buffer.toString("utf8").matchAll(/"durationMs":([\d.]+)/g)].map(
    (m) => Number(m[1]) * 1000,
  );
  return percentile(Float64Array.from(durations), 0.5);
}

/** Relay RSS before and while `connections` idle TLS connections are open. */
export async function idleConnectionsRss(
  relay: RelayProcess,
  connections: number,
): Promise<{ before: number; open: number }> {
  // Both readings after a quiet second, so that the last load's garbage is not in one only.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = rssMb(relay.pid);
  const child = startClient();
  const opened = new Promise<void>((resolve, reject) => {
    child.on("message", (m: ClientMessage) => {
      if (m.type === "open") resolve();
      if (m.type === "error") reject(new Error(m.message));
    });
    child.once("exit", (code) => reject(new Error(`load client exited with ${code}`)));
  });
  const job: LoadJob = {
    port: relay.port,
    requests: [],
    connections,
    depth: 0,
    expectItems: 0,
    warmupMs: 0,
    durationMs: 0,
    idle: true,
  };
  child.send(job);
  try {
    await opened;
    // Let the relay settle (handshakes done, buffers allocated) before reading.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return { before, open: rssMb(relay.pid) };
  } finally {
    child.kill();
  }
}
