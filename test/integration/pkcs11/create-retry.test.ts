/**
 * A creation retried after a failure that came once the token had stored the object (a lost
 * response; SoftHSM2 re-reading its store) must not make a second object with the same
 * CKA_ID: two keys behind one KMIP Unique Identifier. The fault module
 * (test/fixtures/faulty-pkcs11.c) generates the pair, then answers CKR_GENERAL_ERROR once,
 * which the worker treats as a lost library: it re-initialises and retries.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CKA, CKK, CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
import { type SupervisedPkcs11Client, startPkcs11 } from "../../../src/pkcs11/supervisor.js";
import { ROOT } from "../../helpers/build.js";
import { createSoftHsmToken, ensureWorkerBuilt, type SoftHsmToken } from "../../helpers/softhsm.js";

let hsm: SoftHsmToken;
let controlPath: string;
let client: SupervisedPkcs11Client;

beforeAll(async () => {
  ensureWorkerBuilt();
  hsm = createSoftHsmToken("create-retry", "1470");
  const libPath = join(hsm.dir, "libfaulty.so");
  controlPath = join(hsm.dir, "control");
  writeFileSync(controlPath, "");
  const includes = join(ROOT, "node_modules", "pkcs11js", "includes", "pkcs11");
  const source = join(ROOT, "test", "fixtures", "faulty-pkcs11.c");
  execFileSync("gcc", ["-shared", "-fPIC", "-I", includes, "-o", libPath, source, "-ldl"]);
  client = await startPkcs11({
    libPath,
    workers: 1,
    callTimeoutMs: 10_000,
    env: { ...hsm.env, FAULTY_PKCS11_CONTROL: controlPath },
  });
  await client.login(hsm.label, hsm.pin);
});
afterAll(async () => {
  await client?.close();
  hsm?.cleanup();
});

/** P-256 templates with `id` as CKA_ID (as the relay's Create Key Pair builds them). */
function p256(id: Uint8Array) {
  const params = Uint8Array.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
  return {
    pub: [
      { type: CKA.CLASS, value: CKO.PUBLIC_KEY },
      { type: CKA.KEY_TYPE, value: CKK.EC },
      { type: CKA.TOKEN, value: true },
      { type: CKA.ID, value: id },
      { type: CKA.EC_PARAMS, value: params },
      { type: CKA.VERIFY, value: true },
    ],
    priv: [
      { type: CKA.CLASS, value: CKO.PRIVATE_KEY },
      { type: CKA.KEY_TYPE, value: CKK.EC },
      { type: CKA.TOKEN, value: true },
      { type: CKA.ID, value: id },
      { type: CKA.SIGN, value: true },
      { type: CKA.SENSITIVE, value: true },
    ],
  };
}

const objectsWithId = async (id: Uint8Array) =>
  (
    await client.findObjects(hsm.label, [{ type: CKA.ID, value: id }], {
      max: 10,
      attributes: [CKA.CLASS],
    })
  ).length;

describe("C_GenerateKeyPair failing after it stored the pair", () => {
  it("is retried without a second pair: one public and one private key with the CKA_ID", async () => {
    const id = new Uint8Array(randomBytes(20));
    const t = p256(id);
    writeFileSync(controlPath, `keygen:after:${CKR.GENERAL_ERROR.toString(16)}`);
    await client.generateKeyPair(hsm.label, { type: CKM.EC_KEY_PAIR_GEN }, t.pub, t.priv);
    expect(await objectsWithId(id)).toBe(2);
  });

  it("without a fault, one pair as usual", async () => {
    writeFileSync(controlPath, "");
    const id = new Uint8Array(randomBytes(20));
    const t = p256(id);
    await client.generateKeyPair(hsm.label, { type: CKM.EC_KEY_PAIR_GEN }, t.pub, t.priv);
    expect(await objectsWithId(id)).toBe(2);
  });
});
