/**
 * Soak test (`npm run soak`, minutes; not part of `npm test`). Runs the compiled relay as its
 * own process on a fresh SoftHSM2 token, drives it from many TLS connections with pipelined
 * Sign and Get requests (each with a unique Unique Batch Item ID), and kills a PKCS#11 worker
 * with SIGKILL every few seconds. Checks that every request gets exactly one response (no
 * loss, no duplicate), that every failure is a well-formed KMIP error, and samples the
 * relay's RSS every second. Loopback only; stops by itself.
 *
 * Options: --seconds 120 --connections 32 --depth 4 --kill-every-ms 3000 --workers 2
 *          --record (append the figures to docs/reliability.md)
 * Exit status: 0 when no request was lost, duplicated or answered malformed; 1 otherwise.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { createKeyPair, outcomes, SoakClient, tally } from "./soak-client.js";

const ROOT = join(import.meta.dirname, "..", "..");
const LIB = "/usr/lib/softhsm/libsofthsm2.so";
const LABEL = "soak";
const PIN = `soak-${randomBytes(6).toString("hex")}`;

function option(name: string, fallback: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? Math.min(value, max) : fallback;
}
const SECONDS = option("seconds", 120, 3600);
const CONNECTIONS = option("connections", 32, 512);
const DEPTH = option("depth", 4, 64);
const KILL_EVERY_MS = option("kill-every-ms", 3000, 600_000);
const WORKERS = option("workers", 2, 16);
const RECORD = process.argv.includes("--record");

function startRelay(dir: string): { child: ChildProcess; logPath: string } {
  const tokens = join(dir, "tokens");
  execFileSync("mkdir", ["-p", tokens]);
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  execFileSync(
    "softhsm2-util",
    ["--init-token", "--free", "--label", LABEL, "--so-pin", "5678", "--pin", PIN],
    {
      env: { ...process.env, SOFTHSM2_CONF: conf },
      stdio: "ignore",
    },
  );
  const logPath = join(dir, "relay.log");
  const config = join(dir, "config.toml");
  writeFileSync(
    config,
    [
      'version = "v1"',
      "[pkcs11]",
      `lib-path = "${LIB}"`,
      `workers = ${WORKERS}`,
      `env = { SOFTHSM2_CONF = "${conf}" }`,
      "[server]",
      'addr = "127.0.0.1:0"',
      `state-dir = "${join(dir, "state")}"`,
      "[daemon]",
      'log-level = "info"',
      `log-target = { type = "file", path = "${logPath}" }`,
    ].join("\n"),
  );
  const child = spawn(
    process.execPath,
    [join(ROOT, "dist", "src", "cli", "main.js"), "-c", config],
    {
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  return { child, logPath };
}

async function waitForPort(logPath: string): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const text = existsSync(logPath) ? readFileSync(logPath, "utf8") : "";
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(text);
    if (m !== null) return Number(m[1]);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the relay did not start listening within 30 s");
}

/** Resident set size of `pid` in MiB, from /proc. */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? 0 : Number(m[1]) / 1024;
}

/** The relay's PKCS#11 worker processes: its children running worker/main.js. */
function workerPids(relayPid: number): number[] {
  const pids: number[] = [];
  for (const task of readdirSync(`/proc/${relayPid}/task`)) {
    const text = readFileSync(`/proc/${relayPid}/task/${task}/children`, "utf8").trim();
    for (const pid of text.split(/\s+/).filter(Boolean).map(Number)) {
      const cmd = existsSync(`/proc/${pid}/cmdline`)
        ? readFileSync(`/proc/${pid}/cmdline`, "utf8")
        : "";
      if (cmd.includes("worker/main.js")) pids.push(pid);
    }
  }
  return pids;
}

/** Least-squares slope of `ys` sampled once a second, in MiB per minute. */
function slopePerMinute(ys: readonly number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return (num / den) * 60;
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "kmip2pkcs11-soak-"));
  const { child, logPath } = startRelay(dir);
  const relayPid = child.pid!;
  const started = Date.now();
  let clients: SoakClient[] = [];
  try {
    const port = await waitForPort(logPath);
    const settings = { username: LABEL, pin: PIN, depth: DEPTH };
    const keys = await createKeyPair(port, settings);
    clients = await Promise.all(
      Array.from({ length: CONNECTIONS }, (_, i) => SoakClient.connect(port, i, keys, settings)),
    );
    const rss: number[] = [rssMiB(relayPid)];
    const sampler = setInterval(() => rss.push(rssMiB(relayPid)), 1000);
    const killer = setInterval(() => {
      const pids = workerPids(relayPid);
      const victim = pids[Math.floor(Math.random() * pids.length)];
      if (victim !== undefined) {
        process.kill(victim, "SIGKILL");
        tally.kills += 1;
      }
    }, KILL_EVERY_MS);
    for (const c of clients) c.fill();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    clearInterval(killer);
    for (const c of clients) c.stopping = true;
    const drainUntil = Date.now() + 30_000;
    while (clients.some((c) => c.pending.size > 0) && Date.now() < drainUntil) {
      await new Promise((r) => setTimeout(r, 100));
    }
    clearInterval(sampler);
    tally.lost += clients.reduce((sum, c) => sum + c.pending.size, 0);
    const log = readFileSync(logPath, "utf8");
    report(rss, (Date.now() - started) / 1000, log.includes(PIN));
    const ok =
      tally.lost === 0 &&
      tally.duplicates === 0 &&
      tally.malformed === 0 &&
      tally.unattributed === 0 &&
      !log.includes(PIN);
    return ok ? 0 : 1;
  } finally {
    for (const c of clients) c.close();
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(rss: number[], seconds: number, pinLogged: boolean): void {
  const half = rss.slice(Math.floor(rss.length / 2));
  const errors = [...outcomes].filter(([k]) => !k.endsWith("Success")).sort((a, b) => b[1] - a[1]);
  const ok = [...outcomes].filter(([k]) => k.endsWith("Success"));
  const lines = [
    `### Soak run ${new Date().toISOString()}`,
    "",
    `- Machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
    `- Command: \`npm run soak -- ${process.argv.slice(2).join(" ")}\` (${CONNECTIONS} connections x ${DEPTH} in flight, ${WORKERS} workers, SIGKILL of a worker every ${KILL_EVERY_MS} ms)`,
    `- Duration: ${seconds.toFixed(0)} s; requests sent ${tally.sent}, answered ${tally.answered} (${(tally.answered / seconds).toFixed(0)}/s); workers killed ${tally.kills}`,
    `- Lost ${tally.lost}, duplicated ${tally.duplicates}, without batch ID ${tally.unattributed}, malformed ${tally.malformed}, connections closed by the relay ${tally.closed}; PIN in the log: ${pinLogged ? "YES" : "no"}`,
    `- Successes: ${ok.map(([k, v]) => `${k.replace(": Success", "")} ${v}`).join(", ")}`,
    `- Errors by reason: ${errors.length === 0 ? "none" : errors.map(([k, v]) => `${k}: ${v}`).join("; ")}`,
    `- Relay RSS (MiB): start ${rss[0]?.toFixed(1)}, end ${rss.at(-1)?.toFixed(1)}, max ${Math.max(...rss).toFixed(1)}; slope ${slopePerMinute(rss).toFixed(2)} MiB/min overall, ${slopePerMinute(half).toFixed(2)} MiB/min over the second half`,
    "",
  ];
  console.log(lines.join("\n"));
  if (RECORD) appendFileSync(join(ROOT, "docs", "reliability.md"), `\n${lines.join("\n")}`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
