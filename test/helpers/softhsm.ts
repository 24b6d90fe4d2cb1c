/**
 * A private SoftHSM2 token store for one test file: a temp directory with its own
 * softhsm2.conf and one initialised token. Pass `env` to the PKCS#11 workers.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SupervisedPkcs11Client, startPkcs11 } from "../../src/pkcs11/supervisor.js";
import { ensureBuilt } from "./build.js";

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

/** Workers run compiled JS: builds dist/ when the compiled worker is stale (see build.ts). */
export function ensureWorkerBuilt(): void {
  ensureBuilt("dist/src/pkcs11/worker/main.js");
}

/** A fresh token and a PKCS#11 client on it (2 workers), for one test file. */
export interface TokenClient {
  readonly hsm: SoftHsmToken;
  readonly client: SupervisedPkcs11Client;
  /** Closes the client (workers finalise) and removes the token store. */
  close(): Promise<void>;
}

/** Starts {@link TokenClient}; logs in with the token's PIN when `login` is true. */
export async function openTokenClient(
  label: string,
  pin: string,
  opts: { login?: boolean; workers?: number } = {},
): Promise<TokenClient> {
  ensureWorkerBuilt();
  const hsm = createSoftHsmToken(label, pin);
  const client = await startPkcs11({
    libPath: SOFTHSM2_LIB,
    workers: opts.workers ?? 2,
    env: hsm.env,
  });
  if (opts.login ?? true) await client.login(hsm.label, hsm.pin);
  return {
    hsm,
    client,
    async close() {
      await client.close();
      hsm.cleanup();
    },
  };
}
