/**
 * The floor from the harness's side: starts floor-server.ts (compiled, in its own process,
 * with `workers` floor-worker.ts children) on the bench token and keys, and stops it. The
 * floor server and its children are measured as the relay and its workers are (load.ts).
 */
import { fork } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { MeasuredServer } from "./load.js";
import { childPids } from "./proc.js";
import type { Alg, Credential } from "./requests.js";

/** What the floor server and each of its children are given (JSON). */
export interface FloorJob {
  readonly workers: number;
  readonly libPath: string;
  readonly softhsmConf: string;
  /** Token label and user PIN, as the limit logs in. */
  readonly label: string;
  readonly pin: string;
  /** The bytes every Sign request carries (base64): the floor signs them without reading. */
  readonly data: string;
  /** Per algorithm: the private key's CKA_ID (hex) and Unique Identifier. */
  readonly keys: Partial<Record<Alg, { readonly idHex: string; readonly uid: string }>>;
}

/** The floor server's message once it listens: one port per algorithm of the job. */
export interface FloorReady {
  readonly ports: Partial<Record<Alg, number>>;
}

/** A running floor server. */
export interface FloorProcess {
  readonly pid: number;
  readonly workerPids: readonly number[];
  /** The floor as load.ts measures it, for the port of `alg`. */
  server(alg: Alg): MeasuredServer;
  /** What the floor server and its children wrote (empty when all went well). */
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** Options of {@link startFloorProcess}. */
export interface FloorOptions {
  readonly workers: number;
  readonly token: { readonly libPath: string; readonly softhsmConf: string };
  readonly credential: Credential;
  readonly data: Uint8Array;
  readonly keys: Partial<Record<Alg, { readonly idHex: string; readonly privateUid: string }>>;
}

const SERVER_MAIN = join(import.meta.dirname, "floor-server.js");
const START_TIMEOUT_MS = 30_000;

/** Starts the floor server with its output in `dir`/floor.log; resolves once it listens. */
export async function startFloorProcess(dir: string, opts: FloorOptions): Promise<FloorProcess> {
  const logPath = join(dir, "floor.log");
  const log = openSync(logPath, "a");
  const child = fork(SERVER_MAIN, [], { stdio: ["ignore", log, log, "ipc"] });
  const pid = child.pid;
  if (pid === undefined) throw new Error("floor server did not start");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const keys: FloorJob["keys"] = Object.fromEntries(
    Object.entries(opts.keys).map(([alg, k]) => [alg, { idHex: k.idHex, uid: k.privateUid }]),
  );
  const job: FloorJob = {
    workers: opts.workers,
    libPath: opts.token.libPath,
    softhsmConf: opts.token.softhsmConf,
    label: opts.credential.username,
    pin: opts.credential.password,
    data: Buffer.from(opts.data).toString("base64"),
    keys,
  };
  let ready: FloorReady;
  try {
    ready = await new Promise<FloorReady>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("floor server: no start")), START_TIMEOUT_MS);
      child.once("message", (m: FloorReady) => {
        clearTimeout(timer);
        resolve(m);
      });
      child.once("exit", (code) => reject(new Error(`floor server exited with ${code}`)));
      child.send(job);
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}: ${readFileSync(logPath, "utf8")}`);
  }
  const workerPids = childPids(pid);
  if (workerPids.length !== opts.workers) {
    child.kill("SIGKILL");
    throw new Error(`expected ${opts.workers} floor workers, found ${workerPids.length}`);
  }
  return {
    pid,
    workerPids,
    server(alg) {
      const port = ready.ports[alg];
      if (port === undefined) throw new Error(`the floor has no ${alg} key`);
      return { pid, workerPids, port, logPath };
    },
    output: () => readFileSync(logPath, "utf8"),
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
