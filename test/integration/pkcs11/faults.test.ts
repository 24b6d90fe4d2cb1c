/**
 * Fault isolation: a PKCS#11 module (test/fixtures/faulty-pkcs11.c, forwarding to SoftHSM2)
 * that crashes, aborts, hangs, prints garbage or corrupts the RPC pipe on demand. The relay
 * must survive, fail the calls in flight with a typed WorkerError, serve the next call from a
 * restarted worker, and leak no process or file descriptor.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error, WorkerError } from "../../../src/pkcs11/errors.js";
import {
  type SupervisedPkcs11Client,
  type SupervisorOptions,
  startPkcs11,
} from "../../../src/pkcs11/supervisor.js";
import { createSoftHsmToken, ensureWorkerBuilt, type SoftHsmToken } from "../../helpers/softhsm.js";
import { generateKeyPair, type KeyPairRefs, readPublicKey, signAndCheck } from "./keys.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
let hsm: SoftHsmToken;
let libPath: string;
let controlPath: string;

interface LogEntry {
  readonly level: string;
  readonly obj: Record<string, unknown>;
  readonly msg: string | undefined;
}

function captureLogger(entries: LogEntry[]): NonNullable<SupervisorOptions["logger"]> {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  return {
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
}

/** Child processes of this process, from /proc. */
function childPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/u.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid) pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

const openFds = (): number => readdirSync("/proc/self/fd").length;

function control(text: string): void {
  writeFileSync(controlPath, text);
}

async function start(extra: Partial<SupervisorOptions> = {}): Promise<SupervisedPkcs11Client> {
  return startPkcs11({
    libPath,
    workers: 1,
    callTimeoutMs: 2_000,
    restartBackoffMs: { initial: 50, max: 200 },
    ...extra,
    env: { ...hsm.env, FAULTY_PKCS11_CONTROL: controlPath, ...extra.env },
  });
}

/** A started, logged-in client with a P-256 key that signs correctly. */
async function ready(extra: Partial<SupervisorOptions> = {}) {
  const client = await start(extra);
  await client.login(hsm.label, hsm.pin);
  const pair: KeyPairRefs = await generateKeyPair(client, hsm.label, "p256");
  const key = await readPublicKey(client, hsm.label, pair);
  expect(await signAndCheck(client, hsm.label, pair, key)).toBe(true);
  return { client, pair, key };
}

function expectWorkerError(value: unknown, kind: WorkerError["kind"]): WorkerError {
  expect(value).toBeInstanceOf(WorkerError);
  expect((value as WorkerError).kind).toBe(kind);
  return value as WorkerError;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  ensureWorkerBuilt();
  hsm = createSoftHsmToken("faulty", "2468");
  libPath = join(hsm.dir, "libfaulty.so");
  controlPath = join(hsm.dir, "control");
  control("");
  const includes = join(ROOT, "node_modules", "pkcs11js", "includes", "pkcs11");
  const source = join(ROOT, "test", "fixtures", "faulty-pkcs11.c");
  execFileSync("gcc", ["-shared", "-fPIC", "-I", includes, "-o", libPath, source, "-ldl"]);
  // Warm up once so lazily opened descriptors do not count as leaks.
  await (await start()).close();
});

afterAll(() => hsm?.cleanup());

describe.each([
  ["sign:segv", "SIGSEGV"],
  ["sign:abort", "SIGABRT"],
])("a worker dying in C_Sign (%s)", (mode, signal) => {
  it(`fails the calls in flight as crashed (${signal}), restarts, and leaks nothing`, async () => {
    control("");
    const fds = openFds();
    const { client, pair, key } = await ready();
    const firstWorker = client.stats().workers[0]?.workerId;
    control(mode);
    const inFlight = await Promise.all(
      [0, 1, 2].map(() => signAndCheck(client, hsm.label, pair, key).catch((e: unknown) => e)),
    );
    for (const failure of inFlight) {
      const error = expectWorkerError(failure, "crashed");
      expect(error.workerId).toBe(firstWorker);
      expect(error.message).toContain(`PKCS#11 worker ${firstWorker} crashed: ${signal}`);
    }
    control("");
    expect(await signAndCheck(client, hsm.label, pair, key)).toBe(true);
    const stats = client.stats();
    expect(stats.workers[0]?.workerId).not.toBe(firstWorker);
    expect(stats.workers[0]?.restarts).toBe(1);
    await client.close();
    expect(childPids()).toEqual([]);
    expect(openFds()).toBe(fds);
  });
});

it("kills a worker hanging in C_Sign after the call timeout and restarts it", async () => {
  control("");
  const fds = openFds();
  const { client, pair, key } = await ready({ callTimeoutMs: 1_000 });
  const hungPid = client.stats().workers[0]?.pid;
  control("sign:hang");
  const calls = [0, 1].map(() =>
    signAndCheck(client, hsm.label, pair, key).catch((e: unknown) => e),
  );
  const [first, second] = await Promise.all(calls);
  expect(expectWorkerError(first, "timeout").message).toContain("timed out after 1000 ms");
  expectWorkerError(second, "crashed");
  control("");
  expect(await signAndCheck(client, hsm.label, pair, key)).toBe(true);
  expect(childPids()).not.toContain(hungPid);
  await client.close();
  expect(childPids()).toEqual([]);
  expect(openFds()).toBe(fds);
});

it("logs a worker's stdout and stderr line by line with its id, and keeps working", async () => {
  control("");
  const entries: LogEntry[] = [];
  const { client, pair, key } = await ready({ logger: captureLogger(entries) });
  const workerId = client.stats().workers[0]?.workerId;
  control("sign:garbage");
  expect(await signAndCheck(client, hsm.label, pair, key)).toBe(true);
  control("");
  expect(await signAndCheck(client, hsm.label, pair, key)).toBe(true);
  await client.close();
  const output = entries.filter((e) => e.msg === "PKCS#11 worker output");
  expect(output.every((e) => e.level === "warn" && e.obj.worker === workerId)).toBe(true);
  const lines = output.map((e) => `${e.obj.stream}: ${e.obj.line}`);
  expect(lines).toContain("stdout: faulty-pkcs11: vendor chatter on stdout");
  expect(lines).toContain("stderr: faulty-pkcs11: vendor warning on stderr");
  expect(lines).toContain("stdout: \x01\x02 no newline here");
  expect(client.stats().crashes).toBe(0);
});

it("never logs a PIN, whether accepted, refused, or used to log a restarted worker in", async () => {
  control("");
  const entries: LogEntry[] = [];
  const { client, pair, key } = await ready({ logger: captureLogger(entries) });
  const wrongPin = "8642097531";
  const refused = await client.login(hsm.label, wrongPin).catch((e: unknown) => e);
  expect((refused as Pkcs11Error).ckr).toBe(CKR.PIN_INCORRECT);
  expect((refused as Error).message).not.toContain(wrongPin);
  control("sign:segv");
  await signAndCheck(client, hsm.label, pair, key).catch(() => false);
  control("");
  expect(await signAndCheck(client, hsm.label, pair, key)).toBe(true);
  await client.close();
  expect(entries.some((e) => e.msg === "PKCS#11 worker ended: restarting it")).toBe(true);
  const logged = JSON.stringify(entries);
  expect(logged).not.toContain(hsm.pin);
  expect(logged).not.toContain(wrongPin);
});

it("fails to start with CKR_LIBRARY_LOAD_FAILED when the library cannot be loaded", async () => {
  const failure = await start({ libPath: join(hsm.dir, "missing.so") }).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(Pkcs11Error);
  expect((failure as Pkcs11Error).ckr).toBe(CKR.LIBRARY_LOAD_FAILED);
  expect(childPids()).toEqual([]);
});

it("kills a worker that writes a malformed frame on the RPC pipe (protocol) and restarts it", async () => {
  control("");
  const fds = openFds();
  const { client, pair, key } = await ready();
  control("sign:fd3");
  const failure = await signAndCheck(client, hsm.label, pair, key).catch((e: unknown) => e);
  expect(expectWorkerError(failure, "protocol").message).toContain("malformed response");
  control("");
  expect(await signAndCheck(client, hsm.label, pair, key)).toBe(true);
  await client.close();
  expect(childPids()).toEqual([]);
  expect(openFds()).toBe(fds);
});

describe.each([
  ["CKR_SESSION_HANDLE_INVALID", CKR.SESSION_HANDLE_INVALID],
  ["CKR_SESSION_CLOSED", CKR.SESSION_CLOSED],
  ["CKR_USER_NOT_LOGGED_IN", CKR.USER_NOT_LOGGED_IN],
  ["CKR_DEVICE_ERROR", CKR.DEVICE_ERROR],
  ["CKR_TOKEN_NOT_PRESENT", CKR.TOKEN_NOT_PRESENT],
])("C_Sign failing once with %s", (_name, ckr) => {
  it("is recovered inside the worker: the call succeeds, no restart", async () => {
    control("");
    const { client, pair, key } = await ready();
    const workerId = client.stats().workers[0]?.workerId;
    control(`sign:once:${ckr.toString(16)}`);
    expect(await signAndCheck(client, hsm.label, pair, key)).toBe(true);
    expect(readFileSync(controlPath, "utf8")).toBe(""); // the fault did fire
    expect(client.stats().workers[0]?.workerId).toBe(workerId);
    expect(client.stats().crashes).toBe(0);
    await client.close();
  });
});

it("reports a persistent C_Sign failure as Pkcs11Error and leaves no operation active", async () => {
  control("");
  const { client, pair, key } = await ready();
  control(`sign:fail:${CKR.KEY_FUNCTION_NOT_PERMITTED.toString(16)}`);
  const failure = await signAndCheck(client, hsm.label, pair, key).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(Pkcs11Error);
  expect((failure as Pkcs11Error).ckr).toBe(CKR.KEY_FUNCTION_NOT_PERMITTED);
  expect((failure as Pkcs11Error).fn).toBe("C_Sign");
  control("");
  // C_SignInit succeeded before the failure: reusing that session would give CKR_OPERATION_ACTIVE.
  expect(await signAndCheck(client, hsm.label, pair, key)).toBe(true);
  expect(client.stats().crashes).toBe(0);
  await client.close();
});

it("fails to start, leaving nothing behind, when C_Initialize fails", async () => {
  control("");
  const fds = openFds();
  const failure = await start({ env: { FAULTY_PKCS11_INIT_FAIL: "1" } }).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(Pkcs11Error);
  expect((failure as Pkcs11Error).fn).toBe("C_Initialize");
  expect((failure as Pkcs11Error).ckr).toBe(CKR.DEVICE_ERROR);
  expect(childPids()).toEqual([]);
  expect(openFds()).toBe(fds);
});

it("answers unavailable at once during a crash loop, and recovers when the library works again", async () => {
  control("");
  const fds = openFds();
  const { client, pair, key } = await ready({
    crashLoop: { crashes: 3, windowMs: 30_000 },
    restartBackoffMs: { initial: 50, max: 150 },
  });
  control("sign:segv init:fail");
  expectWorkerError(
    await signAndCheck(client, hsm.label, pair, key).catch((e: unknown) => e),
    "crashed",
  );
  for (let i = 0; i < 100 && !client.stats().crashLoop; i++) await sleep(20);
  expect(client.stats().crashLoop).toBe(true);
  const failure = await signAndCheck(client, hsm.label, pair, key).catch((e: unknown) => e);
  expect(expectWorkerError(failure, "unavailable").message).toContain("still retrying");
  control("");
  let recovered = false;
  for (let i = 0; i < 100 && !recovered; i++) {
    recovered = await signAndCheck(client, hsm.label, pair, key).catch(() => false);
    if (!recovered) await sleep(50);
  }
  expect(recovered).toBe(true);
  expect(client.stats().crashLoop).toBe(false);
  await client.close();
  expect(childPids()).toEqual([]);
  expect(openFds()).toBe(fds);
});

it("leaves no worker behind when the relay is killed with SIGKILL, even one hung in C_Sign", async () => {
  control("");
  const script = join(hsm.dir, "relay.mjs");
  const supervisor = join(ROOT, "dist", "src", "pkcs11", "supervisor.js");
  writeFileSync(
    script,
    `import { writeFileSync } from "node:fs";
import { startPkcs11 } from ${JSON.stringify(supervisor)};
const client = await startPkcs11({ libPath: ${JSON.stringify(libPath)}, workers: 2 });
await client.login(${JSON.stringify(hsm.label)}, ${JSON.stringify(hsm.pin)});
const id = new Uint8Array([1, 2, 3]);
const ecParams = Buffer.from("06082a8648ce3d030107", "hex");
await client.generateKeyPair(${JSON.stringify(hsm.label)}, { type: 0x1040 },
  [{ type: 0x1, value: true }, { type: 0x102, value: id }, { type: 0x180, value: ecParams }],
  [{ type: 0x1, value: true }, { type: 0x102, value: id }, { type: 0x108, value: true }]);
writeFileSync(process.env.FAULTY_PKCS11_CONTROL, "sign:hang");
const sign = () => client.sign(${JSON.stringify(hsm.label)}, { id, cls: 3 }, { type: 0x1041 }, new Uint8Array(32));
for (const call of [sign(), sign()]) call.then(() => console.log("signed"), (e) => console.log(e.message));
setTimeout(() => {
  const workers = client.stats().workers;
  console.log(JSON.stringify({ pids: workers.map((w) => w.pid), inFlight: workers.map((w) => w.inFlight) }));
}, 500);
setInterval(() => {}, 1000);`,
  );
  const relay = spawn(process.execPath, [script], {
    env: { ...process.env, ...hsm.env, FAULTY_PKCS11_CONTROL: controlPath },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve) =>
    relay.stdout.once("data", (d: Buffer) => resolve(d.toString())),
  );
  const { pids, inFlight } = JSON.parse(line) as { pids: number[]; inFlight: number[] };
  expect(pids).toHaveLength(2);
  expect(inFlight).toEqual([1, 1]); // both workers are stuck in C_Sign
  expect(readFileSync(controlPath, "utf8")).toBe("sign:hang");
  relay.kill("SIGKILL");
  const alive = () =>
    pids.filter(
      (pid) =>
        existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "),
    );
  for (let i = 0; i < 150 && alive().length > 0; i++) await sleep(20);
  expect(alive()).toEqual([]);
  control("");
});

it("rejects calls after close with WorkerError shutdown", async () => {
  control("");
  const client = await start();
  await client.close();
  expectWorkerError(await client.libraryInfo().catch((e: unknown) => e), "shutdown");
});
