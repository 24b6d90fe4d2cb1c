/**
 * A private SoftHSM2 token store for one test file: a temp directory with its own
 * softhsm2.conf and one initialised token. Pass `env` to the PKCS#11 workers.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The SoftHSM2 module installed by Debian's softhsm2 package. */
export const SOFTHSM2_LIB = "/usr/lib/softhsm/libsofthsm2.so";

export interface SoftHsmToken {
  /** Temp directory holding the config and token store (removed by cleanup). */
  readonly dir: string;
  readonly label: string;
  readonly pin: string;
  readonly soPin: string;
  /** Environment for anything that loads the module: SOFTHSM2_CONF. */
  readonly env: Record<string, string>;
  /** Initialises one more token in the same store. */
  addToken(label: string, pin: string): void;
  /** Removes the temp directory. */
  cleanup(): void;
}

/** Creates a token store with one token (`label`, user PIN `pin`). */
export function createSoftHsmToken(
  label = "kmip-test",
  pin = "1234",
  soPin = "5678",
): SoftHsmToken {
  const dir = mkdtempSync(join(tmpdir(), "kmip2pkcs11-softhsm-"));
  const tokenDir = join(dir, "tokens");
  mkdirSync(tokenDir);
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(
    conf,
    [
      `directories.tokendir = ${tokenDir}`,
      "objectstore.backend = file",
      "log.level = ERROR",
      "",
    ].join("\n"),
  );
  const env = { SOFTHSM2_CONF: conf };
  const addToken = (tokenLabel: string, tokenPin: string): void => {
    execFileSync(
      "softhsm2-util",
      ["--init-token", "--free", "--label", tokenLabel, "--so-pin", soPin, "--pin", tokenPin],
      { env: { ...process.env, ...env }, stdio: "ignore" },
    );
  };
  addToken(label, pin);
  return {
    dir,
    label,
    pin,
    soPin,
    env,
    addToken,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const ROOT = join(import.meta.dirname, "..", "..");
const WORKER_MAIN = join(ROOT, "dist", "src", "pkcs11", "worker", "main.js");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts")) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/**
 * Workers run compiled JS: builds dist/ (npx tsc -p tsconfig.build.json) when the compiled
 * worker is missing or older than src/pkcs11. Type errors elsewhere do not stop the emit.
 */
export function ensureWorkerBuilt(): void {
  const fresh = (): boolean =>
    existsSync(WORKER_MAIN) &&
    statSync(WORKER_MAIN).mtimeMs >= newestSource(join(ROOT, "src", "pkcs11"));
  if (fresh()) return;
  // Test files run in parallel processes: one builds, the others wait for its lock to go.
  const lock = join(ROOT, "dist", ".pkcs11-build.lock");
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  try {
    mkdirSync(lock);
  } catch {
    const until = Date.now() + 120_000;
    while (existsSync(lock) && Date.now() < until)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    if (fresh()) return;
    rmSync(lock, { recursive: true, force: true });
    mkdirSync(lock);
  }
  try {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "ignore" });
  } catch {
    // tsc exits non-zero on type errors but still emits; checked below
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  if (!existsSync(WORKER_MAIN)) throw new Error(`build did not produce ${WORKER_MAIN}`);
}
