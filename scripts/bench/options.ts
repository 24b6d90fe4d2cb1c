/**
 * The benchmark's command line (scripts/bench.ts documents each option), parsed once on
 * import, and what follows from it: the relay's workers, the timed windows, the parts and
 * algorithms to run.
 */
import { parseArgs } from "node:util";
import { ALGS, type Alg } from "./requests.js";

/** The limit's processes: as many as the relay has workers by default (2 = this machine's cores). */
export const LIMIT_PROCESSES = 2;
/** Rounds per measurement (interleaved, see rounds.ts). */
export const ROUNDS = 3;

/** The options as given. */
export const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "4" },
    "log-level": { type: "string", default: "info" },
    only: { type: "string" },
    "cpu-prof": { type: "string" },
    "relay-dist": { type: "string" },
    "node-flags": { type: "string" },
    workers: { type: "string", default: String(LIMIT_PROCESSES) },
  },
});
/** The relay's PKCS#11 workers (--workers; the limit keeps LIMIT_PROCESSES). */
export const WORKERS = Math.max(1, Number(args.workers));
/** Timed window of each measurement, and of each of its rounds. */
export const durationMs = Math.min(10, Math.max(1, Number(args.seconds))) * 1000;
export const roundMs = durationMs / ROUNDS;
const only = args.only?.split(",");
/** Names --only accepts for several parts at once. */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  sign: ["conn1", "conn16", "conn64"],
  batch: ["batch32", "batch100"],
};
const parts = only?.flatMap((o) => ALIASES[o] ?? [o]);
/** Whether a part runs: all do without --only (but the floor, see floorWanted). */
export const wanted = (part: string): boolean => parts === undefined || parts.includes(part);
/** The Sign parts (each runs the direct limit too). */
export const SIGN_PARTS = ["conn1", "conn16", "conn64", "batch32", "batch100"];
/** The floor runs only when --only names it (the default run keeps its length). */
export const floorWanted = parts?.includes("floor") === true;
/** The algorithms --only names, or all of them. */
export const algs = ALGS.filter(
  (a) => only === undefined || only.includes(a) || !only.some((o) => ALGS.includes(o as Alg)),
);
