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
 *                    sign = conn*, batch = batch*; get, keygen, idle; floor) and algorithms
 *                    (rsa, p256, ed25519); the direct limit runs with any Sign part. floor
 *                    runs only when named: the floor server (bench/floor-server.ts: TLS,
 *                    framing, a pipe to as many pkcs11js children as the relay has workers;
 *                    no KMIP) with 1 and with 16 connections, in the rounds of the relay's
 *                    Sign shapes: the best such a relay can do (--only floor,conn1,conn16,p256)
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
import { compare, limitProbe, relayShape, type Shape } from "./bench/compare.js";
import { type FloorProcess, startFloorProcess } from "./bench/floor.js";
import { idleConnectionsRss } from "./bench/load.js";
import {
  algs,
  args,
  durationMs,
  floorWanted,
  LIMIT_PROCESSES,
  ROUNDS,
  SIGN_PARTS,
  WORKERS,
  wanted,
} from "./bench/options.js";
import { loadAverage } from "./bench/proc.js";
import {
  benchDir,
  type RelayProcess,
  relayWarnings,
  startRelayProcess,
} from "./bench/relay-process.js";
import { type Goal, type Row, summary, table } from "./bench/report.js";
import {
  ALG_NAMES,
  type Alg,
  createKeyPairRequest,
  getRequest,
  SIGN_DATA,
  signRequest,
} from "./bench/requests.js";
import { type BenchKey, createKeys } from "./bench/setup.js";
import { warmUpServer } from "./bench/warmup.js";

const IDLE_CONNECTIONS = 256;
/** Unmeasured load per algorithm on the floor before its first round (bench/floor.ts). */
const FLOOR_WARMUP_MS_EACH = 1000;
/** Unmeasured load per algorithm and Sign shape before the first measurement. */
const WARMUP_MS_EACH = 1500;

/** Context shared by the measurements. */
interface Bench {
  readonly relay: RelayProcess;
  /** Started when --only names floor. */
  readonly floor: FloorProcess | undefined;
  readonly keys: Record<Alg, BenchKey>;
  readonly rows: Row[];
  readonly goals: Goal[];
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
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
    b.relay,
    b.keys[alg],
    `${name} Sign, direct pkcs11js, ${LIMIT_PROCESSES} processes`,
    "sign",
    alg,
  );
  const single = signRequest(credential, alg, uid, 1);
  const floor = b.floor?.server(alg);
  // The floor's shapes follow the relay's of the same connections, so their rows sit together.
  const floorShapes = (connections: number, shown: string): Shape[] =>
    floor === undefined
      ? []
      : [
          relayShape(
            floor,
            `${name} Sign, floor (TLS + pipe, no KMIP), ${shown}`,
            single,
            connections,
            1,
          ),
        ];
  const shapes: Shape[] = [];
  if (wanted("conn1")) {
    const goal = { name: `${name} 1-conn p50 added µs`, bound: 150, atLeast: false, digits: 0 };
    shapes.push({
      ...relayShape(b.relay, `${name} Sign, relay, 1 conn, 1 in flight`, single, 1, 1),
      goal,
    });
  }
  shapes.push(...floorShapes(1, "1 conn, 1 in flight"));
  for (const connections of [16, 64]) {
    if (wanted(`conn${connections}`)) {
      const label = `${name} Sign, relay, ${connections} conns`;
      const bound = SIGN_GOALS[alg].single;
      const goal = { name: `${name} ${connections}-conn`, bound, atLeast: true, digits: 2 };
      shapes.push({ ...relayShape(b.relay, label, single, connections, 1), goal });
    }
    if (connections === 16) shapes.push(...floorShapes(16, "16 conns"));
  }
  for (const items of [32, 100]) {
    if (!wanted(`batch${items}`)) continue;
    const request = signRequest(credential, alg, uid, items);
    const label = `${name} Sign, relay, batches of ${items}, 16 conns`;
    const bound = SIGN_GOALS[alg].batch;
    const goal = { name: `${name} batch-${items}`, bound, atLeast: true, digits: 2 };
    shapes.push({ ...relayShape(b.relay, label, request, 16, items), goal });
  }
  const ratios = await compare(b.rows, log, limit, shapes);
  for (const shape of shapes) {
    const goal = shape.goal;
    // Goals exist for 1 connection, 16 connections and batches of 100 only (not the floor).
    if (goal === undefined || /64-conn|batch-32/.test(goal.name)) continue;
    const measured = ratios.get(shape);
    const cpu = goal.atLeast && measured !== undefined ? { cpuRatio: measured.cpu } : {};
    b.goals.push({ ...goal, value: measured?.value ?? Number.NaN, ...cpu });
  }
}

async function others(b: Bench): Promise<void> {
  const { credential } = b.relay;
  if (wanted("get")) {
    const limit = limitProbe(
      b.relay,
      b.keys.p256,
      "Get P-256 public key, direct (attributes, cached handle)",
      "get",
      "p256",
    );
    const request = getRequest(credential, b.keys.p256.publicUid);
    await compare(b.rows, log, limit, [
      relayShape(b.relay, "Get P-256 public key, relay, 16 conns", request, 16, 1),
    ]);
  }
  if (wanted("keygen")) {
    const limit = limitProbe(
      b.relay,
      b.keys.p256,
      "Create Key Pair P-256, direct",
      "keygen",
      "p256",
    );
    const request = createKeyPairRequest(credential, "p256");
    await compare(b.rows, log, limit, [
      relayShape(b.relay, "Create Key Pair P-256, relay, 16 conns", request, 16, 1),
    ]);
  }
}

/** Each algorithm's single and 100-item Sign, unmeasured (bench/warmup.ts says why). */
async function warmUp(b: Bench): Promise<void> {
  if (!SIGN_PARTS.some(wanted)) return;
  log(`warm-up: ${algs.length * 2} loads of ${WARMUP_MS_EACH} ms`);
  const loads = algs.flatMap((alg) =>
    [1, 100].map((items) => ({
      request: signRequest(b.relay.credential, alg, b.keys[alg].privateUid, items),
      items,
    })),
  );
  await warmUpServer(b.relay, loads, WARMUP_MS_EACH);
}

/** Starts the floor on the relay's token and keys, and warms it up (bench/floor.ts). */
async function startFloor(dir: string, relay: RelayProcess, keys: Record<Alg, BenchKey>) {
  const floor = await startFloorProcess(dir, {
    workers: WORKERS,
    token: relay.token,
    credential: relay.credential,
    data: SIGN_DATA,
    keys,
  });
  log(`floor pid ${floor.pid}, workers ${floor.workerPids.join(" ")}`);
  // Its hot paths get compiled before the first round, as the relay's do.
  for (const alg of algs) {
    const request = signRequest(relay.credential, alg, keys[alg].privateUid, 1);
    await warmUpServer(floor.server(alg), [{ request, items: 1 }], FLOOR_WARMUP_MS_EACH);
  }
  return floor;
}

async function main(): Promise<void> {
  const started = performance.now();
  const work = benchDir();
  const profileDir = args["cpu-prof"];
  let relayProcess: RelayProcess | undefined;
  let floor: FloorProcess | undefined;
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
    // Interrupted (Ctrl-C, timeout): take the relay and the floor along (their workers
    // follow when they die).
    const relayPid = relayProcess.pid;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        process.kill(relayPid, "SIGKILL");
        if (floor !== undefined) process.kill(floor.pid, "SIGKILL");
        work.cleanup();
        process.exit(130);
      });
    }
    const keys = await createKeys(relayProcess.port, relayProcess.credential);
    if (floorWanted) floor = await startFloor(work.dir, relayProcess, keys);
    const b: Bench = { relay: relayProcess, floor, keys, rows, goals };
    await warmUp(b);
    if (SIGN_PARTS.some(wanted) || floorWanted) for (const alg of algs) await signing(b, alg);
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
    await floor?.stop();
    const floorOutput = floor?.output() ?? "";
    if (floorOutput !== "") log(`floor output:\n${floorOutput.slice(0, 2000)}`);
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
