/**
 * Warms the relay up before anything is measured. V8 compiles the relay's hot paths with
 * TurboFan on background threads during the first seconds of load: measured with `perf`
 * (P-256 Sign, 16 connections, right after start-up), the compiler threads took 1,175 of
 * the relay's 2,065 samples in the first second, 814 in the second, 232 in the third and
 * 97 in the fourth. A relay in service has long finished that, so the measurement should
 * not pay for it: each request shape that will be measured runs here first, unmeasured.
 */
import { type MeasuredServer, measureRelay } from "./load.js";

/** One warm-up load: the request and its Sign items, over 16 connections. */
export interface WarmUpLoad {
  readonly request: Uint8Array;
  readonly items: number;
}

/**
 * Runs each load against `server` (the relay, or the floor of bench/floor.ts) for `msEach`
 * over 16 connections; the figures are thrown away.
 */
export async function warmUpServer(
  server: MeasuredServer,
  loads: readonly WarmUpLoad[],
  msEach: number,
): Promise<void> {
  for (const load of loads) {
    await measureRelay(server, {
      requests: [Buffer.from(load.request).toString("base64")],
      connections: 16,
      depth: 1,
      expectItems: load.items,
      warmupMs: 0,
      durationMs: msEach,
    });
  }
}
