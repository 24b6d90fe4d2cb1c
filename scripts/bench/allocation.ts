/**
 * Bytes allocated per operation, from V8's sampling heap profiler (inspector
 * HeapProfiler.startSampling) with the objects already collected counted too, so the figure
 * is what was allocated, not what survived. It depends on the code, not on the machine's
 * load: a steady measure for changes meant to relieve the garbage collector.
 */
import { Session } from "node:inspector/promises";

interface SampledNode {
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly selfSize: number;
  readonly children: readonly SampledNode[];
}

/** Average bytes between samples: small enough for a stable total over thousands of calls. */
const SAMPLING_INTERVAL = 128;
/** Calls before sampling (JIT) and while sampling. */
const WARM_CALLS = 200;
const SAMPLED_CALLS = 2_000;
/** Allocating functions listed. */
const TOP = 12;

/**
 * Runs `call` (which does `opsPerCall` operations) and returns a line of text: bytes per
 * operation, then the functions that allocate most, with their share.
 */
export async function allocationPerSign(
  call: () => Promise<unknown>,
  opsPerCall: number,
): Promise<string> {
  for (let i = 0; i < WARM_CALLS; i++) await call();
  const session = new Session();
  session.connect();
  try {
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: SAMPLING_INTERVAL,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const calls = Math.max(1, Math.round(SAMPLED_CALLS / Math.sqrt(opsPerCall)));
    for (let i = 0; i < calls; i++) await call();
    const { profile } = (await session.post("HeapProfiler.stopSampling")) as {
      profile: { head: SampledNode };
    };
    const bySite = new Map<string, number>();
    let total = 0;
    const walk = (node: SampledNode): void => {
      const { functionName, url, lineNumber } = node.callFrame;
      const site = `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      total += node.selfSize;
      for (const child of node.children) walk(child);
    };
    walk(profile.head);
    const top = [...bySite.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([site, bytes]) => `${((100 * bytes) / total).toFixed(1)}% ${site}`);
    const perOp = total / (calls * opsPerCall);
    return `${perOp.toFixed(0)} bytes allocated per sign\n    ${top.join("\n    ")}`;
  } finally {
    session.disconnect();
  }
}
