/**
 * The load client, run in its own process (forked by load.ts) so that its CPU is neither the
 * relay's nor the harness's. It opens TLS connections to the relay and keeps `depth` requests
 * in flight on each (closed loop): pre-encoded request bytes go out as they are, responses are
 * cut by their TTLV header and checked by a byte scan for Success items (no decoding).
 *
 * Messages from the parent: a {@link LoadJob}, then (idle jobs) "close". To the parent:
 * "start" when the timed window opens, "end" when it closes, then the {@link LoadResult}.
 */
import tls from "node:tls";
import { TtlvFramer } from "../../src/ttlv/framing.js";
import { percentile } from "./proc.js";
import { countSuccess } from "./requests.js";

/** What the client is asked to do. */
export interface LoadJob {
  readonly port: number;
  /** Request messages, base64; connection i sends request i modulo their number. */
  readonly requests: readonly string[];
  readonly connections: number;
  /** Requests in flight per connection. */
  readonly depth: number;
  /** Success items each response must carry. */
  readonly expectItems: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Only open the connections and hold them until told to close. */
  readonly idle?: boolean;
}

/** What the client measured in the timed window. */
export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly failures: number;
  readonly firstFailure?: string;
  /** CPU seconds the client process spent in the window. */
  readonly clientCpu: number;
}

/** Messages from the client to the parent. */
export type ClientMessage =
  | { readonly type: "open" }
  | { readonly type: "start" }
  | { readonly type: "end" }
  | { readonly type: "result"; readonly result: LoadResult }
  | { readonly type: "error"; readonly message: string };

function send(message: ClientMessage): void {
  process.send?.(message);
}

function connect(port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () =>
      resolve(socket),
    );
    socket.once("error", reject);
  });
}

/** Latencies of the timed window, in µs, in a growing typed array. */
class Latencies {
  private data = new Float64Array(1 << 16);
  length = 0;
  add(us: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = us;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

async function run(job: LoadJob): Promise<void> {
  const sockets = await Promise.all(
    Array.from({ length: job.connections }, () => connect(job.port)),
  );
  if (job.idle) {
    send({ type: "open" });
    process.once("message", () => {
      for (const s of sockets) s.destroy();
      process.exit(0);
    });
    return;
  }
  const requests = job.requests.map((r) => Buffer.from(r, "base64"));
  const latencies = new Latencies();
  let timing = false;
  let stopping = false;
  let completed = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  let outstanding = 0;
  let windowStart = 0;
  let windowEnd = 0;
  let cpuStart = 0;
  let resolveDrained: () => void = () => {};
  const drained = new Promise<void>((resolve) => {
    resolveDrained = resolve;
  });

  sockets.forEach((socket, index) => {
    const request = requests[index % requests.length]!;
    const framer = new TtlvFramer({ maxMessageBytes: 64 * 1024 * 1024 });
    const sentAt: number[] = [];
    const issue = (): void => {
      sentAt.push(performance.now());
      outstanding++;
      socket.write(request);
    };
    socket.on("data", (chunk: Buffer) => {
      for (const response of framer.push(chunk)) {
        const now = performance.now();
        const started = sentAt.shift() ?? now;
        outstanding--;
        if (countSuccess(response) !== job.expectItems) {
          failures++;
          firstFailure ??= response.subarray(0, 512).toString("hex");
        }
        if (timing && now <= windowEnd) {
          completed++;
          latencies.add((now - started) * 1000);
        }
        if (!stopping) issue();
        else if (outstanding === 0) resolveDrained();
      }
    });
    socket.on("error", (err) => send({ type: "error", message: err.message }));
    for (let i = 0; i < job.depth; i++) issue();
  });

  await new Promise((resolve) => setTimeout(resolve, job.warmupMs));
  failures = 0;
  firstFailure = undefined;
  windowStart = performance.now();
  windowEnd = windowStart + job.durationMs;
  cpuStart = process.cpuUsage().user + process.cpuUsage().system;
  timing = true;
  send({ type: "start" });
  await new Promise((resolve) => setTimeout(resolve, job.durationMs));
  stopping = true;
  send({ type: "end" });
  const usage = process.cpuUsage();
  const clientCpu = (usage.user + usage.system - cpuStart) / 1e6;
  if (outstanding > 0) await drained;
  for (const s of sockets) s.destroy();
  const values = latencies.values();
  send({
    type: "result",
    result: {
      requests: completed,
      seconds: (windowEnd - windowStart) / 1000,
      p50Us: percentile(values, 0.5),
      p99Us: percentile(values, 0.99),
      failures,
      ...(firstFailure === undefined ? {} : { firstFailure }),
      clientCpu,
    },
  });
}

// The harness went away: so does its load.
process.once("disconnect", () => process.exit(1));

process.once("message", (job: LoadJob) => {
  run(job).catch((err: unknown) => {
    send({ type: "error", message: err instanceof Error ? err.message : String(err) });
  });
});
