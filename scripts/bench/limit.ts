/**
 * The limit: what an application loading the PKCS#11 library in-process gets. pkcs11js is
 * called directly (no relay code), in as many forked processes as the relay has workers, one
 * logged-in session each, key handles looked up once. Every call is timed, so the direct
 * call's latency is known too.
 *
 * Operations: sign (RSA-2048 CKM_SHA256_RSA_PKCS over the data; P-256 CKM_ECDSA over the
 * data's SHA-256, hashed in the loop as the relay does; Ed25519 CKM_EDDSA over the data),
 * get (C_GetAttributeValue of the EC public key's type, parameters and point), keygen
 * (C_GenerateKeyPair of a P-256 token key pair, the relay's templates).
 */
import { fork } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import pkcs11js from "pkcs11js";
import { CKA, CKF, CKK, CKM, CKO, CKU } from "../../src/pkcs11/constants.js";
import { cpuSeconds, loadAverage, percentile } from "./proc.js";
import type { Alg } from "./requests.js";

/** One limit measurement, asked of every limit process. */
export interface LimitJob {
  readonly op: "sign" | "get" | "keygen";
  readonly alg: Alg;
  readonly libPath: string;
  readonly softhsmConf: string;
  readonly label: string;
  readonly pin: string;
  /** CKA_ID (hex) of the key pair to use (sign, get). */
  readonly idHex: string;
  readonly data: string;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** What one limit process measured. */
export interface LimitProcessResult {
  readonly ops: number;
  readonly seconds: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly cpu: number;
}

/** The limit: summed over the processes. */
export interface LimitResult {
  readonly rate: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** CPU seconds per operation, over all processes. */
  readonly cpuPerOp: number;
  /** /proc/loadavg at the end. */
  readonly load: string;
}

/** P-256's OID as CKA_EC_PARAMS (DER OBJECT IDENTIFIER 1.2.840.10045.3.1.7). */
const P256_PARAMS = Buffer.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);

/** Initialises the library and opens a logged-in session on the token labelled `job.label`. */
export function openSession(p11: pkcs11js.PKCS11, job: Pick<LimitJob, "label" | "pin">): Buffer {
  p11.C_Initialize({ flags: CKF.OS_LOCKING_OK });
  const slot = p11
    .C_GetSlotList(true)
    .find((s) => p11.C_GetTokenInfo(s).label.trim() === job.label);
  if (slot === undefined) throw new Error(`no token ${job.label}`);
  const session = p11.C_OpenSession(slot, CKF.RW_SESSION | CKF.SERIAL_SESSION);
  p11.C_Login(session, CKU.USER, job.pin);
  return session;
}

/** The handle of the object of class `cls` whose CKA_ID is `idHex`. */
export function findKey(p11: pkcs11js.PKCS11, session: Buffer, cls: number, idHex: string): Buffer {
  p11.C_FindObjectsInit(session, [
    { type: CKA.CLASS, value: cls },
    { type: CKA.ID, value: Buffer.from(idHex, "hex") },
  ]);
  const [handle] = p11.C_FindObjects(session, 1);
  p11.C_FindObjectsFinal(session);
  if (handle === undefined) throw new Error(`no key ${idHex}`);
  return handle;
}

/** The operation `job` asks for, as a function doing one call. */
function operation(p11: pkcs11js.PKCS11, session: Buffer, job: LimitJob): () => void {
  const data = Buffer.from(job.data, "base64");
  const out = Buffer.alloc(4096);
  if (job.op === "get") {
    const key = findKey(p11, session, CKO.PUBLIC_KEY, job.idHex);
    const types = [CKA.KEY_TYPE, CKA.EC_PARAMS, CKA.EC_POINT].map((type) => ({ type }));
    return () => p11.C_GetAttributeValue(session, key, types);
  }
  if (job.op === "keygen") {
    return () => {
      const id = randomBytes(20);
      const common = [
        { type: CKA.TOKEN, value: true },
        { type: CKA.ID, value: id },
      ];
      p11.C_GenerateKeyPair(
        session,
        { mechanism: CKM.EC_KEY_PAIR_GEN },
        [...common, { type: CKA.EC_PARAMS, value: P256_PARAMS }, { type: CKA.VERIFY, value: true }],
        [
          ...common,
          { type: CKA.KEY_TYPE, value: CKK.EC },
          { type: CKA.PRIVATE, value: true },
          { type: CKA.SENSITIVE, value: true },
          { type: CKA.EXTRACTABLE, value: false },
          { type: CKA.SIGN, value: true },
        ],
      );
    };
  }
  return signer(
    p11,
    session,
    job.alg,
    findKey(p11, session, CKO.PRIVATE_KEY, job.idHex),
    data,
    out,
  );
}

/**
 * One signature of `data` with `key` per call (the limit's operation, and the floor's):
 * RSA-2048 CKM_SHA256_RSA_PKCS over the data; P-256 CKM_ECDSA over its SHA-256, hashed in
 * every call as the relay does; Ed25519 CKM_EDDSA over the data. The signature returned is
 * a view of `out`, overwritten by the next call.
 */
export function signer(
  p11: pkcs11js.PKCS11,
  session: Buffer,
  alg: Alg,
  key: Buffer,
  data: Buffer,
  out: Buffer,
): () => Buffer {
  switch (alg) {
    case "rsa":
      return () => {
        p11.C_SignInit(session, { mechanism: CKM.SHA256_RSA_PKCS }, key);
        return p11.C_Sign(session, data, out);
      };
    case "p256":
      return () => {
        const digest = createHash("sha256").update(data).digest();
        p11.C_SignInit(session, { mechanism: CKM.ECDSA }, key);
        return p11.C_Sign(session, digest, out);
      };
    case "ed25519":
      return () => {
        p11.C_SignInit(session, { mechanism: CKM.EDDSA }, key);
        return p11.C_Sign(session, data, out);
      };
  }
}

/**
 * Runs `setUp` (open the session, find the keys), retrying a few times: SoftHSM2 may answer
 * CKR_GENERAL_ERROR or miss the token while another process (the relay's workers, the
 * other limit process) writes its token store (docs/architecture.md, multi-process caveat).
 */
export function retrySetUp<T>(p11: pkcs11js.PKCS11, setUp: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return setUp();
    } catch (error) {
      if (attempt === 5) throw error;
      try {
        p11.C_Finalize();
      } catch {
        // not initialised: nothing to undo
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100 * attempt);
    }
  }
}

/** Child side: set up, report "ready", and on "go" warm up and measure. */
function runChild(job: LimitJob): void {
  process.env.SOFTHSM2_CONF = job.softhsmConf;
  const p11 = new pkcs11js.PKCS11();
  p11.load(job.libPath);
  const { session, call } = retrySetUp(p11, () => {
    const opened = openSession(p11, job);
    return { session: opened, call: operation(p11, opened, job) };
  });
  process.send?.("ready");
  process.once("message", () => {
    const warmEnd = performance.now() + job.warmupMs;
    while (performance.now() < warmEnd) call();
    const latencies: number[] = [];
    const cpuStart = cpuSeconds(process.pid);
    const start = performance.now();
    const end = start + job.durationMs;
    let now = start;
    while (now < end) {
      call();
      const after = performance.now();
      latencies.push((after - now) * 1000);
      now = after;
    }
    const values = Float64Array.from(latencies);
    const result: LimitProcessResult = {
      ops: latencies.length,
      seconds: (now - start) / 1000,
      p50Us: percentile(values, 0.5),
      p99Us: percentile(values, 0.99),
      cpu: cpuSeconds(process.pid) - cpuStart,
    };
    p11.C_Logout(session);
    p11.C_Finalize();
    process.send?.(result, () => process.exit(0));
  });
}

/** Runs `job` in `processes` forked processes at once; sums their rates. */
export async function measureLimit(job: LimitJob, processes: number): Promise<LimitResult> {
  const children = Array.from({ length: processes }, () =>
    fork(import.meta.filename, ["--limit-child"], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  const results = children.map(
    (child) =>
      new Promise<LimitProcessResult>((resolve, reject) => {
        child.on("message", (m: "ready" | LimitProcessResult) => {
          if (m !== "ready") resolve(m);
        });
        // "close", not "exit": the result message may still be on its way when the child
        // has exited; the IPC channel closes only after it is delivered.
        child.once("close", (code) => reject(new Error(`limit process exited with ${code}`)));
      }),
  );
  const ready = children.map(
    (child) => new Promise<void>((resolve) => child.once("message", () => resolve())),
  );
  for (const child of children) child.send(job);
  await Promise.all(ready);
  for (const child of children) child.send("go");
  const all = await Promise.all(results);
  const ops = all.reduce((sum, r) => sum + r.ops, 0);
  const median = (pick: (r: LimitProcessResult) => number) =>
    percentile(Float64Array.from(all.map(pick)), 0.5);
  return {
    rate: all.reduce((sum, r) => sum + r.ops / r.seconds, 0),
    p50Us: median((r) => r.p50Us),
    p99Us: Math.max(...all.map((r) => r.p99Us)),
    cpuPerOp: all.reduce((sum, r) => sum + r.cpu, 0) / ops,
    load: loadAverage(),
  };
}

if (process.argv[2] === "--limit-child") {
  process.once("disconnect", () => process.exit(1));
  process.once("message", (job: LimitJob) => runChild(job));
}
