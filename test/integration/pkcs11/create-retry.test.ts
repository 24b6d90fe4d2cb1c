/**
 * A creation retried after a failure that came once the token had stored the object (a lost
 * response; SoftHSM2 re-reading its store) must not make a second object with the same
 * CKA_ID: two keys behind one KMIP Unique Identifier. The fault module
 * (test/fixtures/faulty-pkcs11.c) generates the pair, then answers CKR_GENERAL_ERROR once,
 * which the worker treats as a lost library: it re-initialises and retries.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CKA, CKR } from "../../../src/pkcs11/constants.js";
import { type SupervisedPkcs11Client, startPkcs11 } from "../../../src/pkcs11/supervisor.js";
import { ROOT } from "../../helpers/build.js";
import { createSoftHsmToken, ensureWorkerBuilt, type SoftHsmToken } from "../../helpers/softhsm.js";
import { generateKeyPair } from "./keys.js";

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

const objectsWithId = async (id: Uint8Array) =>
  (
    await client.findObjects(hsm.label, [{ type: CKA.ID, value: id }], {
      max: 10,
      attributes: [CKA.CLASS],
    })
  ).length;

describe("C_GenerateKeyPair failing after it stored the pair", () => {
  it("is retried without a second pair: one public and one private key with the CKA_ID", async () => {
    writeFileSync(controlPath, `keygen:after:${CKR.GENERAL_ERROR.toString(16)}`);
    const { id } = await generateKeyPair(client, hsm.label, "p256");
    expect(await objectsWithId(id)).toBe(2);
  });

  it("without a fault, one pair as usual", async () => {
    writeFileSync(controlPath, "");
    const { id } = await generateKeyPair(client, hsm.label, "p256");
    expect(await objectsWithId(id)).toBe(2);
  });
});
