/**
 * Starts the PKCS#11 worker processes and returns the relay's {@link Pkcs11Client}. The
 * vendor library only ever runs in those child processes (docs/architecture.md, "PKCS#11
 * worker processes").
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FindOptions, Pkcs11Client } from "./client.js";
import { ckrName } from "./constants.js";
import { Pkcs11Error } from "./errors.js";
import { type Pkcs11Logger, silentLogger } from "./logger.js";
import { PinCache } from "./pin-cache.js";
import { type SupervisorStats, WorkerPool } from "./pool.js";
import type { Attr, AttrValues, Mechanism, ObjectRef, TokenSelector } from "./types.js";
import type { WorkerProcess } from "./worker-process.js";

export type { Pkcs11Logger } from "./logger.js";
export type { SupervisorStats } from "./pool.js";

/** Options of {@link startPkcs11}. */
export interface SupervisorOptions {
  /** Path of the vendor's PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  libPath: string;
  /** Worker processes; default os.availableParallelism(). */
  workers?: number;
  /** Longest a call may run in a worker (and wait for one) before failing; default 10000. */
  callTimeoutMs?: number;
  /** Nice steps the workers run below the relay's own priority (worker-priority.ts); default 0. */
  workerNice?: number;
  /** Added to the relay's environment for the workers (e.g. SOFTHSM2_CONF). */
  env?: Record<string, string>;
  /** Where worker events and worker stdout/stderr go; default: nowhere. */
  logger?: Pkcs11Logger;
  /** Restart delay after repeated crashes: doubles from `initial` up to `max`; default 100/5000. */
  restartBackoffMs?: { initial: number; max: number };
  /** This many worker failures within `windowMs` with no worker ready = crash loop; default 5 / 10000. */
  crashLoop?: { crashes: number; windowMs: number };
}

/** The client with supervision counters. */
export type SupervisedPkcs11Client = Pkcs11Client & {
  stats(): SupervisorStats;
  /** A round trip to a worker without any PKCS#11 call (benchmarks, health checks). */
  ping(): Promise<void>;
};

/** The package root: the nearest directory above this module holding package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error("kmip2pkcs11: package.json not found above the PKCS#11 supervisor");
    dir = parent;
  }
  return dir;
}

/** The compiled worker entry point (workers always run compiled JS). */
export function workerMainPath(): string {
  return join(packageRoot(), "dist", "src", "pkcs11", "worker", "main.js");
}

/**
 * Spawns the workers, initialises the library in each, and resolves once at least one is
 * ready. Rejects (leaving no process behind) when none can start, e.g. with a Pkcs11Error
 * CKR_LIBRARY_LOAD_FAILED for a wrong libPath.
 */
export async function startPkcs11(opts: SupervisorOptions): Promise<SupervisedPkcs11Client> {
  const pins = new PinCache();
  const logger = opts.logger ?? silentLogger;
  const prepare = async (worker: WorkerProcess, gen: number): Promise<void> => {
    let version = -1;
    while (version !== pins.version) {
      version = pins.version;
      for (const { token, pin } of pins.known()) {
        try {
          await worker.call("restoreLogin", { token, pin }, gen);
        } catch (error) {
          // A PIN changed outside the relay must not keep workers from starting: the next
          // login() verifies the new one.
          if (!(error instanceof Pkcs11Error)) throw error;
          logger.warn(
            { worker: worker.id, token, ckr: ckrName(error.ckr) },
            "PKCS#11 worker could not log in",
          );
        }
      }
    }
  };
  const pool = new WorkerPool({
    mainPath: workerMainPath(),
    libPath: opts.libPath,
    workers: Math.max(1, opts.workers ?? availableParallelism()),
    callTimeoutMs: opts.callTimeoutMs ?? 10_000,
    workerNice: opts.workerNice ?? 0,
    env: { ...process.env, ...opts.env },
    logger,
    restartBackoffMs: opts.restartBackoffMs ?? { initial: 100, max: 5_000 },
    crashLoop: opts.crashLoop ?? { crashes: 5, windowMs: 10_000 },
    prepare,
  });
  await pool.start();
  return createClient(pool, pins);
}

function createClient(pool: WorkerPool, pins: PinCache): SupervisedPkcs11Client {
  const call = pool.call.bind(pool);
  return {
    libraryInfo: () => call("libraryInfo", {}),
    listTokens: () => call("listTokens", {}),
    tokenInfo: (token) => call("tokenInfo", { token }),
    login: async (token: TokenSelector, pin: string) => {
      if (pins.matches(token, pin)) return;
      const { loginRequired } = await call("verifyPin", { token, pin });
      if (!loginRequired) return;
      pins.remember(token, pin);
      await pool.broadcast("restoreLogin", { token, pin });
    },
    pinEpoch: () => pins.version,
    generateKeyPair: async (
      token,
      mechanism: Mechanism,
      publicTemplate: readonly Attr[],
      privateTemplate,
    ) => {
      await call("generateKeyPair", {
        token,
        mechanism,
        publicTemplate: [...publicTemplate],
        privateTemplate: [...privateTemplate],
      });
    },
    generateKey: async (token, mechanism, template) => {
      await call("generateKey", { token, mechanism, template: [...template] });
    },
    createObject: async (token, template) => {
      await call("createObject", { token, template: [...template] });
    },
    findObjects: (token, template, opts: FindOptions): Promise<AttrValues[]> =>
      call("findObjects", {
        token,
        template: [...template],
        max: opts.max,
        attributes: [...opts.attributes],
      }),
    getAttributes: (token, ref: ObjectRef, types) =>
      call("getAttributes", { token, ref, types: [...types] }),
    setAttributes: async (token, ref, attrs) => {
      await call("setAttributes", { token, ref, attrs: [...attrs] });
    },
    destroyObject: async (token, ref) => {
      await call("destroyObject", { token, ref });
    },
    readDataObject: (token, name) => call("readDataObject", { token, name }),
    writeDataObject: async (token, name, value, opts) => {
      await call("writeDataObject", {
        token,
        name,
        value,
        ...(opts?.fresh ? { fresh: true } : {}),
      });
    },
    deleteDataObject: (token, name) => call("deleteDataObject", { token, name }),
    sign: (token, ref, mechanism, data) => call("sign", { token, ref, mechanism, data }),
    verify: (token, ref, mechanism, data, signature) =>
      call("verify", { token, ref, mechanism, data, signature }),
    encrypt: (token, ref, mechanism, data) => call("encrypt", { token, ref, mechanism, data }),
    decrypt: (token, ref, mechanism, data) => call("decrypt", { token, ref, mechanism, data }),
    generateRandom: (token, length) => call("generateRandom", { token, length }),
    seedRandom: (token, data) => call("seedRandom", { token, data }),
    digest: (token, mechanism, data) => call("digest", { token, mechanism, data }),
    digestKey: (token, ref, mechanism) => call("digestKey", { token, ref, mechanism }),
    streamBegin: async (token, ref, mechanism, decrypt, data) => {
      const params = { token, ref, mechanism, decrypt, data };
      const { workerId, result } = await pool.callPinned("streamBegin", params);
      return { stream: { workerId, id: result.stream }, output: result.output };
    },
    streamUpdate: async (stream, data) =>
      (await pool.callPinned("streamUpdate", { stream: stream.id, data }, stream.workerId)).result,
    streamFinish: async (stream, data) =>
      (await pool.callPinned("streamFinish", { stream: stream.id, data }, stream.workerId)).result,
    streamAbort: async (stream) => {
      await pool.callPinned("streamAbort", { stream: stream.id }, stream.workerId).catch(() => {});
    },
    close: () => pool.close(),
    stats: () => pool.stats(),
    ping: () => call("ping", {}).then(() => {}),
  };
}
