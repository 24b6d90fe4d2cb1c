/**
 * The workers' scheduling priority (`[pkcs11] worker-nice`). A worker is busy for the whole
 * of each PKCS#11 call, while the relay process wakes for short moments: to read a request,
 * hand it to a worker, and write an answer. When the machine has fewer idle cores than
 * busy workers, a relay at the workers' priority waits for a worker's time slice before it
 * can feed the next request in, and the workers then run out of work. Workers a few nice
 * steps lower leave the relay a core as soon as it wakes, and still get every cycle the
 * relay does not use; on a machine with cores to spare the setting changes nothing.
 * Measured in docs/performance.md ("Worker priority").
 */
import { getPriority, setPriority } from "node:os";
import type { Pkcs11Logger } from "./logger.js";

/** The lowest priority there is. */
const LOWEST = 19;

/**
 * Sets process `pid` to `steps` nice steps below the relay's own priority (at most 19).
 * Lowering a priority needs no privilege; a failure is logged and the worker runs as is.
 */
export function lowerPriority(pid: number, steps: number, logger: Pkcs11Logger): void {
  if (steps <= 0) return;
  const nice = Math.min(LOWEST, getPriority() + steps);
  try {
    setPriority(pid, nice);
  } catch (error) {
    logger.warn(
      { pid, nice, err: (error as Error).message },
      "could not lower the PKCS#11 worker's priority: it runs at the relay's",
    );
  }
}
