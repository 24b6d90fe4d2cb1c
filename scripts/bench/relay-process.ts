/**
 * The relay under test as a child process, started the way an operator starts it: the CLI
 * (dist/src/cli/main.js) with a generated configuration file, on a SoftHSM2 token made by
 * the embedded mode's own `prepareEmbeddedToken`, in a temporary directory. Its pid and its
 * workers' pids are known, so their CPU time and memory can be read from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { pathToFileURL } from "node:url";
import { type EmbeddedToken, prepareEmbeddedToken } from "../../src/cli/embedded.js";
import { childPids } from "./proc.js";
import type { Credential } from "./requests.js";

/** A relay process started by {@link startRelayProcess}. */
export interface RelayProcess {
  readonly pid: number;
  readonly workerPids: readonly number[];
  readonly port: number;
  readonly credential: Credential;
  readonly token: EmbeddedToken;
  /** The relay's log file (JSON lines). */
  readonly logPath: string;
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** Options of the relay under test. */
export interface RelayOptions {
  readonly workers: number;
  /** daemon.log-level; the relay's default is info (one line per operation). */
  readonly logLevel: string;
  /** Record CPU profiles of the relay and its workers into this directory. */
  readonly cpuProfileDir?: string;
  /** Another build's dist/ directory to run (a candidate change), instead of this one. */
  readonly relayDist?: string;
  /** Options for the relay's node (V8 flags such as --single-threaded-gc), before main.js. */
  readonly nodeFlags?: readonly string[];
}

/** A temporary directory for the token, the configuration and the logs; removed by `cleanup`. */
export function benchDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "kmip2pkcs11-bench-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function configToml(dir: string, token: EmbeddedToken, port: number, opts: RelayOptions): string {
  return [
    'version = "v1"',
    "[pkcs11]",
    `lib-path = ${JSON.stringify(token.libPath)}`,
    `workers = ${opts.workers}`,
    `env = { SOFTHSM2_CONF = ${JSON.stringify(token.softhsmConf)} }`,
    "[server]",
    `addr = "127.0.0.1:${port}"`,
    `state-dir = ${JSON.stringify(join(dir, "state"))}`,
    "[daemon]",
    `log-level = ${JSON.stringify(opts.logLevel)}`,
    "",
  ].join("\n");
}

/** Resolves once a TLS handshake with the relay succeeds (it listens after its workers start). */
async function waitListening(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error("relay did not start listening in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The relay's environment; with profiling, a preload its workers inherit too. */
function profilingEnv(dir: string | undefined): NodeJS.ProcessEnv {
  if (dir === undefined) return process.env;
  const preload = pathToFileURL(join(import.meta.dirname, "cpu-profile-preload.js")).href;
  return { ...process.env, NODE_OPTIONS: `--import ${preload}`, BENCH_CPU_PROF_DIR: dir };
}

/** Creates the token (first time) and starts the relay CLI on it. */
export async function startRelayProcess(dir: string, opts: RelayOptions): Promise<RelayProcess> {
  const token = await prepareEmbeddedToken(join(dir, "hsm"));
  const password = readFileSync(token.pinFile, "utf8").trim();
  const port = await freePort();
  const configPath = join(dir, "relay.toml");
  writeFileSync(configPath, configToml(dir, token, port, opts));
  const logPath = join(dir, "relay.log");
  const log = openSync(logPath, "a");
  const dist = opts.relayDist ?? join(import.meta.dirname, "..", "..");
  const main = join(dist, "src", "cli", "main.js");
  const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), main, "-c", configPath], {
    stdio: ["ignore", log, log],
    env: profilingEnv(opts.cpuProfileDir),
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("relay did not start");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitListening(port, child, 30_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  const workerPids = childPids(pid);
  if (workerPids.length !== opts.workers) {
    throw new Error(`expected ${opts.workers} workers, found ${workerPids.length}`);
  }
  return {
    pid,
    workerPids,
    port,
    credential: { username: token.tokenLabel, password },
    token,
    logPath,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Log lines of level warn (40) or above, for the report (a healthy run has none). */
export function relayWarnings(logPath: string): string[] {
  return readFileSync(logPath, "utf8")
    .split("\n")
    .filter((line) => /"level":(4|5|6)\d/.test(line));
}
