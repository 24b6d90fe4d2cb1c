/**
 * Runs in a thread of the worker process and SIGKILLs the process when the relay that
 * spawned it is gone. The worker's main thread notices a closed fd 3 only between PKCS#11
 * calls; a call that hangs in the vendor library would otherwise outlive the relay forever.
 */
import { workerData } from "node:worker_threads";

/** How often the parent process id is checked. */
const CHECK_EVERY_MS = 500;

const relayPid = (workerData as { relayPid: number }).relayPid;

setInterval(() => {
  // Orphans are re-parented (to init or a subreaper): the parent pid changes.
  if (process.ppid !== relayPid) process.kill(process.pid, "SIGKILL");
}, CHECK_EVERY_MS);
