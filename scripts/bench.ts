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
 *   --seconds S      timed window of each measurement (default 4), cut into 3 rounds that are
 *                    interleaved with the limit's (bench/rounds.ts), each after a warm-up
 *   --log-level L    the relay's daemon.log-level (default info, the relay's default)
 *   --only A,B       run only the named parts (conn1, conn16, conn64, batch32, batch100 or
 *                    sign = conn*, batch = batch*; get, keygen, idle) and algorithms (rsa,
 *                    p256, ed25519); the direct limit runs with any Sign part
 *   --cpu-prof DIR   CPU profiles of the relay and its workers into DIR (as `node --cpu-prof`)
 *                    (summarise with dist/scripts/bench/profile-summary.js)
 *   --relay-dist D   run the relay of another build's dist/ directory D (a candidate change;
 *                    D/.. must hold package.json and node_modules, as the workers need)
 *   --workers N      the relay's PKCS#11 workers (default 2); the limit keeps 2 processes
 *   --node-flags F   options for the relay process's node, space-separated (V8 flags such as
 *                    "--single-threaded-gc"; NODE_OPTIONS refuses most of those)
 * It makes its own SoftHSM2 token in a temporary directory and removes it. About 2 minutes.
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { type LimitJob, type LimitResult, measureLimit } from "./bench/limit.js";
import { idleConnectionsRss, measureRelay, type RelayMeasurement } from "./bench/load.js";
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
import {
  combineLimit,
  combineRelay,
  interleave,
  type Probe,
  pairedAddedP50,
  pairedRatio,
  probe,
} from "./bench/rounds.js";
import { type BenchKey, createKeys } from "./bench/setup.js";

/** The limit's processes: as many as the relay has workers by default (2 = this machine's cores). */
const LIMIT_PROCESSES = 2;
/** Rounds per measurement (interleaved, see bench/rounds.ts). */
const ROUNDS = 3;
const LIMIT_WARMUP_MS = 300;
const RELAY_WARMUP_MS = 500;
const IDLE_CONNECTIONS = 256;

const { values: args } = parseArgs({
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
const WORKERS = Math.max(1, Number(args.workers));
const durationMs = Math.min(10, Math.max(1, Number(args.seconds))) * 1000;
const roundMs = durationMs / ROUNDS;
const only = args.only?.split(",");
/** Names --only accepts for several parts at once. */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  sign: ["conn1", "conn16", "conn64"],
  batch: ["batch32", "batch100"],
};
const parts = only?.flatMap((o) => ALIASES[o] ?? [o]);
const wanted = (part: string): boolean => parts === undefined || parts.includes(part);
const SIGN_PARTS = ["conn1", "conn16", "conn64", "batch32", "batch100"];
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

function limitProbe(b: Bench, name: string, op: LimitJob["op"], alg: Alg): Probe<LimitResult> {
  const job: LimitJob = {
    op,
    alg,
    libPath: b.relay.token.libPath,
    softhsmConf: b.relay.token.softhsmConf,
    label: b.relay.credential.username,
    pin: b.relay.credential.password,
    idHex: b.keys[alg].idHex,
    data: Buffer.from(SIGN_DATA).toString("base64"),
    warmupMs: LIMIT_WARMUP_MS,
    durationMs: roundMs,
  };
  return probe(name, () => measureLimit(job, LIMIT_PROCESSES));
}

/** A relay shape: the request, connections, and Sign items per request. */
interface Shape {
  readonly probe: Probe<RelayMeasurement>;
  readonly items: number;
  readonly connections: number;
}

function relayShape(
  b: Bench,
  name: string,
  request: Uint8Array,
  connections: number,
  items: number,
): Shape {
  const job: Omit<LoadJob, "port"> = {
    requests: [Buffer.from(request).toString("base64")],
    connections,
    depth: 1,
    expectItems: items,
    warmupMs: RELAY_WARMUP_MS,
    durationMs: roundMs,
  };
  return { probe: probe(name, () => measureRelay(b.relay, job)), items, connections };
}

/** Runs the limit and the shapes in interleaved rounds; adds their rows; ratios per shape. */
async function compare(b: Bench, limit: Probe<LimitResult>, shapes: readonly Shape[]) {
  await interleave([limit, ...shapes.map((s) => s.probe)], ROUNDS, (name, round) =>
    log(`${name} (round ${round}/${ROUNDS})`),
  );
  const combinedLimit = combineLimit(limit.samples);
  b.rows.push(limitRow(limit.name, combinedLimit));
  const ratios = new Map<Shape, { value: number; cpu: number }>();
  for (const shape of shapes) {
    const samples = shape.probe.samples;
    const ratio = pairedRatio(samples, shape.items, limit.samples);
    const added = pairedAddedP50(samples, limit.samples);
    const shown = shape.connections === 1 ? `p50 +${added.toFixed(0)} µs` : ratio.toFixed(2);
    const m = combineRelay(samples);
    b.rows.push(relayRow(shape.probe.name, m, shape.items, shown, combinedLimit.cpuPerOp));
    const cpu =
      combinedLimit.cpuPerOp /
      ((m.relayCpu + m.workersCpu + m.clientCpu) / (m.requests * shape.items));
    ratios.set(shape, { value: shape.connections === 1 ? added : ratio, cpu });
  }
  return ratios;
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
  const limit = limitProbe(
    b,
    `${name} Sign, direct pkcs11js, ${LIMIT_PROCESSES} processes`,
    "sign",
    alg,
  );
  const single = signRequest(credential, alg, uid, 1);
  const shapes: Shape[] = [];
  const goals: Omit<Goal, "value">[] = [];
  if (wanted("conn1")) {
    shapes.push(relayShape(b, `${name} Sign, relay, 1 conn, 1 in flight`, single, 1, 1));
    goals.push({ name: `${name} 1-conn p50 added µs`, bound: 150, atLeast: false, digits: 0 });
  }
  for (const connections of [16, 64]) {
    if (!wanted(`conn${connections}`)) continue;
    shapes.push(relayShape(b, `${name} Sign, relay, ${connections} conns`, single, connections, 1));
    const bound = SIGN_GOALS[alg].single;
    goals.push({ name: `${name} ${connections}-conn`, bound, atLeast: true, digits: 2 });
  }
  for (const items of [32, 100]) {
    if (!wanted(`batch${items}`)) continue;
    const request = signRequest(credential, alg, uid, items);
    const label = `${name} Sign, relay, batches of ${items}, 16 conns`;
    shapes.push(relayShape(b, label, request, 16, items));
    const bound = SIGN_GOALS[alg].batch;
    goals.push({ name: `${name} batch-${items}`, bound, atLeast: true, digits: 2 });
  }
  const ratios = [...(await compare(b, limit, shapes)).values()];
  goals.forEach((goal, i) => {
    // Goals exist for 1 connection, 16 connections and batches of 100 only.
    if (/64-conn|batch-32/.test(goal.name)) return;
    const measured = ratios[i];
    const cpu = goal.atLeast && measured !== undefined ? { cpuRatio: measured.cpu } : {};
    b.goals.push({ ...goal, value: measured?.value ?? Number.NaN, ...cpu });
  });
}

async function others(b: Bench): Promise<void> {
  const { credential } = b.relay;
  if (wanted("get")) {
    const limit = limitProbe(
      b,
      "Get P-256 public key, direct (attributes, cached handle)",
      "get",
      "p256",
    );
    const request = getRequest(credential, b.keys.p256.publicUid);
    await compare(b, limit, [
      relayShape(b, "Get P-256 public key, relay, 16 conns", request, 16, 1),
    ]);
  }
  if (wanted("keygen")) {
    const limit = limitProbe(b, "Create Key Pair P-256, direct", "keygen", "p256");
    const request = createKeyPairRequest(credential, "p256");
    await compare(b, limit, [
      relayShape(b, "Create Key Pair P-256, relay, 16 conns", request, 16, 1),
    ]);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const work = benchDir();
  const profileDir = args["cpu-prof"];
  let relayProcess: RelayProcess | undefined;
  let idle: { before: number; open: number } | undefined;
  const rows: Row[] = [];
  const goals: Goal[] = [];
  try {
    log(`load average at start: ${loadAverage()}`);
    relayProcess = await startRelayProcess(work.dir, {
      workers: WORKERS,
      logLevel: args["log-level"],
      ...(profileDir === undefined ? {} : { cpuProfileDir: profileDir }),
      ...(args["relay-dist"] === undefined ? {} : { relayDist: args["relay-dist"] }),
      ...(args["node-flags"] === undefined
        ? {}
        : { nodeFlags: args["node-flags"].split(" ").filter((f) => f !== "") }),
    });
    log(`relay pid ${relayProcess.pid}, workers ${relayProcess.workerPids.join(" ")}`);
    // Interrupted (Ctrl-C, timeout): take the relay along (its workers follow when it dies).
    const relayPid = relayProcess.pid;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        process.kill(relayPid, "SIGKILL");
        work.cleanup();
        process.exit(130);
      });
    }
    const keys = await createKeys(relayProcess.port, relayProcess.credential);
    const b: Bench = { relay: relayProcess, keys, rows, goals };
    if (SIGN_PARTS.some(wanted)) for (const alg of algs) await signing(b, alg);
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
    `\n${new Date().toISOString()} node ${process.version}, ${cpus().length} x ${cpu}; relay: ${WORKERS} workers, log-level ${args["log-level"]}; ${durationMs / 1000} s per measurement in ${ROUNDS} interleaved rounds, each after a warm-up; load average at end ${loadAverage()}; ${((performance.now() - started) / 1000).toFixed(0)} s in all\n`,
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
