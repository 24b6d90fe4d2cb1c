/**
 * PKCS#11 worker benchmark: RPC round trip, P-256 / RSA-2048 sign throughput through 1 and 2
 * worker processes, the same signing in-process (the worker's own code without the RPC, in 1
 * process and in 2 forked processes), and restart time after kill -9 of a worker.
 *
 * Run: npx tsc -p tsconfig.build.json && node dist/scripts/bench-pkcs11.js [--seconds S]
 * It creates (and removes) its own SoftHSM2 token. Runtime is bounded (about 30 s).
 */
import { execFileSync, fork } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { CKA, CKM, CKO } from "../src/pkcs11/constants.js";
import { type SupervisedPkcs11Client, startPkcs11 } from "../src/pkcs11/supervisor.js";
import type { Attr, Mechanism, ObjectRef } from "../src/pkcs11/types.js";
import { handlers } from "../src/pkcs11/worker/ops.js";
import { Runtime } from "../src/pkcs11/worker/runtime.js";

const LIB = "/usr/lib/softhsm/libsofthsm2.so";
const LABEL = "bench";
const PIN = "1234";
const P256 = Buffer.from("06082a8648ce3d030107", "hex");

type Kind = "p256" | "rsa";
const KINDS: Kind[] = ["p256", "rsa"];

function argSeconds(): number {
  const i = process.argv.indexOf("--seconds");
  const value = i >= 0 ? Number(process.argv[i + 1]) : 2;
  return Number.isFinite(value) && value > 0 ? Math.min(value, 5) : 2;
}

function mechanismFor(kind: Kind): { mechanism: Mechanism; data: Uint8Array } {
  if (kind === "rsa") return { mechanism: { type: CKM.SHA256_RSA_PKCS }, data: randomBytes(100) };
  return { mechanism: { type: CKM.ECDSA }, data: createHash("sha256").update("bench").digest() };
}

function createToken(): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "kmip2pkcs11-bench-"));
  mkdirSync(join(dir, "tokens"));
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(
    conf,
    `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  const env = { SOFTHSM2_CONF: conf };
  execFileSync(
    "softhsm2-util",
    ["--init-token", "--free", "--label", LABEL, "--so-pin", "5678", "--pin", PIN],
    {
      env: { ...process.env, ...env },
      stdio: "ignore",
    },
  );
  return { dir, env };
}

async function generate(client: SupervisedPkcs11Client, kind: Kind): Promise<ObjectRef> {
  const id = randomBytes(8);
  const pub: Attr[] = [
    { type: CKA.TOKEN, value: true },
    { type: CKA.ID, value: id },
    { type: CKA.VERIFY, value: true },
  ];
  const priv: Attr[] = [
    { type: CKA.TOKEN, value: true },
    { type: CKA.ID, value: id },
    { type: CKA.SIGN, value: true },
    { type: CKA.PRIVATE, value: true },
  ];
  if (kind === "rsa") {
    pub.push({ type: CKA.MODULUS_BITS, value: 2048 }, { type: CKA.PUBLIC_EXPONENT, value: 65537n });
    await client.generateKeyPair(LABEL, { type: CKM.RSA_PKCS_KEY_PAIR_GEN }, pub, priv);
  } else {
    pub.push({ type: CKA.EC_PARAMS, value: P256 });
    await client.generateKeyPair(LABEL, { type: CKM.EC_KEY_PAIR_GEN }, pub, priv);
  }
  return { id, cls: CKO.PRIVATE_KEY };
}

/** Runs `op` with `depth` calls in flight for `ms`; returns completed calls per second. */
async function throughput(ms: number, depth: number, op: () => Promise<unknown>): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      await op();
      done++;
    }
  };
  await Promise.all(Array.from({ length: depth }, lane));
  return done / ((performance.now() - start) / 1000);
}

/** In-process signing loop with the worker's code and no RPC; returns ops/s. */
function inProcess(env: Record<string, string>, kind: Kind, id: Uint8Array, ms: number): number {
  Object.assign(process.env, env);
  const rt = new Runtime();
  rt.load(LIB, 0);
  handlers.verifyPin(rt, { token: LABEL, pin: PIN });
  const { mechanism, data } = mechanismFor(kind);
  const params = { token: LABEL, ref: { id, cls: CKO.PRIVATE_KEY }, mechanism, data };
  let done = 0;
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    handlers.sign(rt, params);
    done++;
  }
  const rate = done / ((performance.now() - start) / 1000);
  rt.finalize();
  return rate;
}

/** The same loop in `n` forked processes at once; returns their summed ops/s. */
async function forked(
  n: number,
  env: Record<string, string>,
  kind: Kind,
  id: Uint8Array,
  ms: number,
) {
  const script = process.argv[1] ?? "";
  const runs = Array.from(
    { length: n },
    () =>
      new Promise<number>((resolve, reject) => {
        const child = fork(script, ["--child", kind, Buffer.from(id).toString("hex"), String(ms)], {
          env: { ...process.env, ...env },
        });
        child.on("message", (rate) => resolve(Number(rate)));
        child.on("error", reject);
      }),
  );
  return (await Promise.all(runs)).reduce((a, b) => a + b, 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Time from kill -9 of a worker until a call succeeds again. */
async function restartMs(client: SupervisedPkcs11Client): Promise<number> {
  const pid = client.stats().workers[0]?.pid;
  if (pid === undefined) throw new Error("no worker pid");
  const start = performance.now();
  process.kill(pid, "SIGKILL");
  for (;;) {
    try {
      await client.libraryInfo();
      if (client.stats().workers[0]?.pid !== pid) return performance.now() - start;
    } catch {
      // the killed worker's answer: try again
    }
  }
}

/** One measurement: a name and a function returning ops/s for a run of `ms`. */
interface Probe {
  readonly name: string;
  readonly run: (ms: number) => Promise<number>;
}

/** Rounds of every probe, interleaved so that load changes hit all alike; medians. */
async function interleaved(
  probes: Probe[],
  ms: number,
  rounds: number,
): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(probes.map((p) => [p.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const probe of probes) samples.get(probe.name)?.push(await probe.run(ms / rounds));
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

async function main(): Promise<void> {
  const ms = argSeconds() * 1000;
  const token = createToken();
  const rows: string[] = [];
  const row = (what: string, value: string) => {
    rows.push(`| ${what} | ${value} |`);
    console.log(`${what}: ${value}`);
  };
  const clients: SupervisedPkcs11Client[] = [];
  try {
    const one = await startPkcs11({ libPath: LIB, workers: 1, env: token.env });
    const two = await startPkcs11({ libPath: LIB, workers: 2, env: token.env });
    clients.push(one, two);
    await one.login(LABEL, PIN);
    await two.login(LABEL, PIN);
    const keys = { p256: await generate(one, "p256"), rsa: await generate(one, "rsa") };
    const probes: Probe[] = [
      { name: "RPC ping, 1 worker, 1 in flight", run: (t) => throughput(t, 1, () => one.ping()) },
      { name: "RPC ping, 1 worker, 16 in flight", run: (t) => throughput(t, 16, () => one.ping()) },
    ];
    for (const kind of KINDS) {
      const { mechanism, data } = mechanismFor(kind);
      const sign = (c: SupervisedPkcs11Client) => () => c.sign(LABEL, keys[kind], mechanism, data);
      const id = keys[kind].id;
      probes.push(
        {
          name: `${kind} sign, in-process, 1 process`,
          run: (t) => forked(1, token.env, kind, id, t),
        },
        { name: `${kind} sign, 1 worker, 1 in flight`, run: (t) => throughput(t, 1, sign(one)) },
        { name: `${kind} sign, 1 worker, 8 in flight`, run: (t) => throughput(t, 8, sign(one)) },
        {
          name: `${kind} sign, in-process, 2 processes`,
          run: (t) => forked(2, token.env, kind, id, t),
        },
        { name: `${kind} sign, 2 workers, 16 in flight`, run: (t) => throughput(t, 16, sign(two)) },
      );
    }
    const results = await interleaved(probes, ms, 3);
    for (const [name, rate] of results) {
      if (name.startsWith("RPC ping, 1 worker, 1 in"))
        row(name, `${(1e6 / rate).toFixed(1)} µs per call`);
      else row(name, `${rate.toFixed(0)} ops/s`);
    }

    // Every kill counts as an isolated crash here (1 ms window): no back-off, no crash loop.
    const crashy = await startPkcs11({
      libPath: LIB,
      workers: 1,
      env: token.env,
      crashLoop: { crashes: 1000, windowMs: 1 },
    });
    clients.push(crashy);
    await crashy.login(LABEL, PIN);
    const restarts: number[] = [];
    for (let i = 0; i < 5; i++) {
      restarts.push(await restartMs(crashy));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const list = restarts.map((r) => r.toFixed(0)).join(", ");
    row(
      "restart after kill -9, logged in (median of 5)",
      `${median(restarts).toFixed(0)} ms (${list})`,
    );
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    rmSync(token.dir, { recursive: true, force: true });
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `\n${new Date().toISOString()} node ${process.version}, ${cpus().length} x ${cpu}, load ${loadavg()[0]?.toFixed(1)}`,
  );
  console.log(`| measurement | result |\n|---|---|\n${rows.join("\n")}`);
}

if (process.argv[2] === "--child") {
  const [, , , kind, idHex, ms] = process.argv;
  const rate = inProcess({}, kind as Kind, Buffer.from(idHex ?? "", "hex"), Number(ms));
  process.send?.(rate, () => process.exit(0));
} else {
  await main();
}
