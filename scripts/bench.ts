/**
 * Relay end-to-end benchmark: one command, one machine, one run.
 *
 * 1. The limit: signatures per second with pkcs11js called directly in as many processes as
 *    the relay has workers (one session each, key handles cached): what an application
 *    loading the PKCS#11 library in-process gets.
 * 2. The relay (the CLI, in its own process, with a generated configuration) over TLS, driven
 *    by a load client in its own process: 1 connection with 1 request in flight (latency),
 *    16 and 64 connections (throughput), Sign batches of 32 and 100 items.
 * for RSA-2048 (PKCS#1 v1.5, SHA-256), ECDSA P-256 (SHA-256) and Ed25519; then Get and
 * Create Key Pair (P-256) rates, and the relay's memory with 256 idle TLS connections.
 * CPU time of the relay process and of its workers comes from /proc/<pid>/stat.
 *
 * Run: `npm run bench` (builds, then `node dist/scripts/bench.js`). Options:
 *   --seconds S      timed window of each measurement (default 4, warm-up 1 s before it)
 *   --log-level L    the relay's daemon.log-level (default info, the relay's default)
 *   --only A,B       run only the named parts (sign, batch, get, keygen, idle) and algorithms
 *                    (rsa, p256, ed25519)
 *   --cpu-prof DIR   run the relay under `node --cpu-prof` writing into DIR
 * It makes its own SoftHSM2 token in a temporary directory and removes it. About 2 minutes.
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { type LimitJob, type LimitResult, measureLimit } from "./bench/limit.js";
import { idleConnectionsRss, measureRelay } from "./bench/load.js";
import type { LoadJob } from "./bench/load-client.js";
import { loadAverage } from "./bench/proc.js";
import {
  benchDir,
  type RelayProcess,
  relayWarnings,
  startRelayProcess,
} from "./bench/relay-process.js";
import { type Goal, limitRow, type Row, relayRow, summary, table } from "./bench/report.js";
import {
  ALG_NAMES,
  ALGS,
  type Alg,
  createKeyPairRequest,
  getRequest,
  SIGN_DATA,
  signRequest,
} from "./bench/requests.js";
import { type BenchKey, createKeys } from "./bench/setup.js";

const WORKERS = 2;
const WARMUP_MS = 1000;
const IDLE_CONNECTIONS = 256;

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "4" },
    "log-level": { type: "string", default: "info" },
    only: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});
const durationMs = Math.min(10, Math.max(1, Number(args.seconds))) * 1000;
const only = args.only?.split(",");
const wanted = (part: string): boolean => only === undefined || only.includes(part);
const algs = ALGS.filter(
  (a) => only === undefined || only.includes(a) || !only.some((o) => ALGS.includes(o as Alg)),
);

/** Context shared by the measurements. */
interface Bench {
  readonly relay: RelayProcess;
  readonly keys: Record<Alg, BenchKey>;
  readonly rows: Row[];
  readonly goals: Goal[];
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

function limitJob(b: Bench, op: LimitJob["op"], alg: Alg): LimitJob {
  return {
    op,
    alg,
    libPath: b.relay.token.libPath,
    softhsmConf: b.relay.token.softhsmConf,
    label: b.relay.credential.username,
    pin: b.relay.credential.password,
    idHex: b.keys[alg].idHex,
    data: Buffer.from(SIGN_DATA).toString("base64"),
    warmupMs: WARMUP_MS,
    durationMs,
  };
}

async function limit(b: Bench, name: string, op: LimitJob["op"], alg: Alg): Promise<LimitResult> {
  log(`${name}`);
  const result = await measureLimit(limitJob(b, op, alg), WORKERS);
  b.rows.push(limitRow(name, result, loadAverage()));
  return result;
}

/** One relay measurement; returns relay ÷ limit of operations per second. */
async function relay(
  b: Bench,
  name: string,
  request: Uint8Array,
  shape: { connections: number; items: number; vs?: LimitResult; depth?: number },
): Promise<{ ratio: number; p50Us: number }> {
  log(name);
  const job: Omit<LoadJob, "port"> = {
    requests: [Buffer.from(request).toString("base64")],
    connections: shape.connections,
    depth: shape.depth ?? 1,
    expectItems: shape.items,
    warmupMs: WARMUP_MS,
    durationMs,
  };
  const m = await measureRelay(b.relay, job);
  const ratio = shape.vs === undefined ? Number.NaN : (m.rate * shape.items) / shape.vs.rate;
  const shown =
    shape.connections === 1 && shape.vs !== undefined
      ? `p50 +${(m.p50Us - shape.vs.p50Us).toFixed(0)} µs`
      : ratio.toFixed(2);
  b.rows.push(relayRow(name, m, shape.items, shown));
  return { ratio, p50Us: m.p50Us };
}

const SIGN_GOALS: Readonly<Record<Alg, { single: number; batch: number }>> = {
  rsa: { single: 0.85, batch: 0.9 },
  p256: { single: 0.5, batch: 0.8 },
  ed25519: { single: 0.6, batch: 0.8 },
};

async function signing(b: Bench, alg: Alg): Promise<void> {
  const name = ALG_NAMES[alg];
  const { credential } = b.relay;
  const uid = b.keys[alg].privateUid;
  const vs = await limit(b, `${name} Sign, direct pkcs11js, ${WORKERS} processes`, "sign", alg);
  if (wanted("sign")) {
    const single = signRequest(credential, alg, uid, 1);
    const one = await relay(b, `${name} Sign, relay, 1 conn, 1 in flight`, single, {
      connections: 1,
      items: 1,
      vs,
    });
    b.goals.push({
      name: `${name} 1-conn p50 added µs`,
      value: one.p50Us - vs.p50Us,
      bound: 150,
      atLeast: false,
      digits: 0,
    });
    for (const connections of [16, 64]) {
      const r = await relay(b, `${name} Sign, relay, ${connections} conns`, single, {
        connections,
        items: 1,
        vs,
      });
      if (connections === 16) {
        const bound = SIGN_GOALS[alg].single;
        b.goals.push({ name: `${name} 16-conn`, value: r.ratio, bound, atLeast: true, digits: 2 });
      }
    }
  }
  if (wanted("batch")) {
    for (const items of [32, 100]) {
      const request = signRequest(credential, alg, uid, items);
      const r = await relay(b, `${name} Sign, relay, batches of ${items}, 16 conns`, request, {
        connections: 16,
        items,
        vs,
      });
      if (items === 100) {
        const bound = SIGN_GOALS[alg].batch;
        b.goals.push({
          name: `${name} batch-100`,
          value: r.ratio,
          bound,
          atLeast: true,
          digits: 2,
        });
      }
    }
  }
}

async function others(b: Bench): Promise<void> {
  const { credential } = b.relay;
  if (wanted("get")) {
    const vs = await limit(
      b,
      "Get P-256 public key, direct (attributes, cached handle)",
      "get",
      "p256",
    );
    const request = getRequest(credential, b.keys.p256.publicUid);
    await relay(b, "Get P-256 public key, relay, 16 conns", request, {
      connections: 16,
      items: 1,
      vs,
    });
  }
  if (wanted("keygen")) {
    const vs = await limit(b, "Create Key Pair P-256, direct", "keygen", "p256");
    const request = createKeyPairRequest(credential, "p256");
    await relay(b, "Create Key Pair P-256, relay, 16 conns", request, {
      connections: 16,
      items: 1,
      vs,
    });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const work = benchDir();
  const profileDir = args["cpu-prof"];
  const nodeOptions = profileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profileDir];
  let relayProcess: RelayProcess | undefined;
  let idle: { before: number; open: number } | undefined;
  const rows: Row[] = [];
  const goals: Goal[] = [];
  try {
    log(`load average at start: ${loadAverage()}`);
    relayProcess = await startRelayProcess(work.dir, {
      workers: WORKERS,
      logLevel: args["log-level"],
      nodeOptions,
    });
    log(`relay pid ${relayProcess.pid}, workers ${relayProcess.workerPids.join(" ")}`);
    const keys = await createKeys(relayProcess.port, relayProcess.credential);
    const b: Bench = { relay: relayProcess, keys, rows, goals };
    if (wanted("sign") || wanted("batch")) for (const alg of algs) await signing(b, alg);
    await others(b);
    if (wanted("idle")) {
      log(`${IDLE_CONNECTIONS} idle connections`);
      idle = await idleConnectionsRss(relayProcess, IDLE_CONNECTIONS);
      goals.push({
        name: `RSS MB with ${IDLE_CONNECTIONS} conns`,
        value: idle.open,
        bound: 150,
        atLeast: false,
        digits: 0,
      });
    }
  } finally {
    await relayProcess?.stop();
    const warnings = relayProcess === undefined ? [] : relayWarnings(relayProcess.logPath);
    if (warnings.length > 0) log(`relay warnings:\n${warnings.slice(0, 10).join("\n")}`);
    work.cleanup();
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `\n${new Date().toISOString()} node ${process.version}, ${cpus().length} x ${cpu}; relay: ${WORKERS} workers, log-level ${args["log-level"]}; ${durationMs / 1000} s per measurement after ${WARMUP_MS / 1000} s warm-up; load average at end ${loadAverage()}; ${((performance.now() - started) / 1000).toFixed(0)} s in all\n`,
  );
  console.log(table(rows));
  if (idle !== undefined) {
    console.log(
      `\nRelay RSS: ${idle.before.toFixed(0)} MB before, ${idle.open.toFixed(0)} MB with ${IDLE_CONNECTIONS} idle TLS connections open`,
    );
  }
  console.log(`\n${summary(goals)}`);
}

await main();
