/**
 * SoftHSM2 answers C_Login with CKR_USER_PIN_NOT_INITIALIZED when it reads its token file
 * while another process rewrites it (seen under load with several workers writing). The
 * worker re-reads the token and retries; a token that keeps answering so still fails, with
 * that code. The fault module (test/fixtures/faulty-pkcs11.c) plays the race.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import { startPkcs11 } from "../../../src/pkcs11/supervisor.js";
import { ROOT } from "../../helpers/build.js";
import { createSoftHsmToken, ensureWorkerBuilt, type SoftHsmToken } from "../../helpers/softhsm.js";

let hsm: SoftHsmToken;
let libPath: string;
let controlPath: string;

beforeAll(() => {
  ensureWorkerBuilt();
  hsm = createSoftHsmToken("login-race", "1357");
  libPath = join(hsm.dir, "libfaulty.so");
  controlPath = join(hsm.dir, "control");
  writeFileSync(controlPath, "");
  const includes = join(ROOT, "node_modules", "pkcs11js", "includes", "pkcs11");
  const source = join(ROOT, "test", "fixtures", "faulty-pkcs11.c");
  execFileSync("gcc", ["-shared", "-fPIC", "-I", includes, "-o", libPath, source, "-ldl"]);
});
afterAll(() => hsm?.cleanup());

const start = () =>
  startPkcs11({
    libPath,
    workers: 1,
    callTimeoutMs: 5_000,
    env: { ...hsm.env, FAULTY_PKCS11_CONTROL: controlPath },
  });

const NOT_INITIALIZED = CKR.USER_PIN_NOT_INITIALIZED.toString(16);

describe("C_Login answering CKR_USER_PIN_NOT_INITIALIZED", () => {
  it("once (a token file read mid-write): the login is retried and succeeds", async () => {
    const client = await start();
    try {
      writeFileSync(controlPath, `login:once:${NOT_INITIALIZED}`);
      await expect(client.login(hsm.label, hsm.pin)).resolves.toBeUndefined();
      await expect(client.generateRandom(hsm.label, 8)).resolves.toHaveLength(8);
    } finally {
      writeFileSync(controlPath, "");
      await client.close();
    }
  });

  it("every time: the login fails with that code (no endless retry)", async () => {
    const client = await start();
    try {
      writeFileSync(controlPath, `login:fail:${NOT_INITIALIZED}`);
      const failure = await client.login(hsm.label, hsm.pin).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(Pkcs11Error);
      expect((failure as Pkcs11Error).ckr).toBe(CKR.USER_PIN_NOT_INITIALIZED);
    } finally {
      writeFileSync(controlPath, "");
      await client.close();
    }
  });
});
