/**
 * `[pkcs11] worker-nice`: every worker, the first ones and those started after a crash, runs
 * that many nice steps below the relay's own priority (src/pkcs11/worker-priority.ts).
 */
import { readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPkcs11 } from "../../../src/pkcs11/supervisor.js";
import {
  createSoftHsmToken,
  ensureWorkerBuilt,
  SOFTHSM2_LIB,
  type SoftHsmToken,
} from "../../helpers/softhsm.js";

let hsm: SoftHsmToken;

beforeAll(() => {
  ensureWorkerBuilt();
  hsm = createSoftHsmToken("worker-nice", "2468");
});
afterAll(() => hsm?.cleanup());

/** The nice value of process `pid` (/proc/<pid>/stat field 19; proc(5)). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[16]);
}

const start = (workerNice: number) =>
  startPkcs11({
    libPath: SOFTHSM2_LIB,
    workers: 2,
    callTimeoutMs: 5_000,
    workerNice,
    env: hsm.env,
  });

function workerPids(client: Awaited<ReturnType<typeof start>>): number[] {
  return client.stats().workers.map((w) => w.pid ?? 0);
}

it("runs the workers `workerNice` steps below the relay, also a worker restarted after a crash", async () => {
  const relayNice = getPriority();
  const client = await start(3);
  try {
    const pids = workerPids(client);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(niceOf(pid)).toBe(Math.min(19, relayNice + 3));
    const victim = pids[0] as number;
    process.kill(victim, "SIGKILL");
    // Wait (bounded) until the slot runs a new, ready worker.
    for (let i = 0; i < 200; i++) {
      const stats = client.stats().workers;
      if (stats.every((w) => w.state === "ready" && w.pid !== undefined && w.pid !== victim)) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const restarted = workerPids(client).find((pid) => !pids.includes(pid));
    expect(restarted).toBeGreaterThan(0);
    expect(niceOf(restarted as number)).toBe(Math.min(19, relayNice + 3));
    await expect(client.generateRandom(hsm.label, 8)).resolves.toHaveLength(8);
  } finally {
    await client.close();
  }
});

it("leaves the workers at the relay's priority with workerNice 0", async () => {
  const client = await start(0);
  try {
    for (const pid of workerPids(client)) expect(niceOf(pid)).toBe(getPriority());
  } finally {
    await client.close();
  }
});
