/**
 * C_DigestKey through a worker (KMIP Digest of secret keys): the hash of a key the token
 * keeps sensitive, and a missing key leaves the worker's session clean for the next call.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CKA, CKK, CKM, CKO } from "../../../src/pkcs11/constants.js";
import { ObjectNotFoundError } from "../../../src/pkcs11/errors.js";
import { openTokenClient, type TokenClient } from "../../helpers/softhsm.js";

let t: TokenClient;
const value = randomBytes(32);
const id = randomBytes(8);
const ref = { id: new Uint8Array(id), cls: CKO.SECRET_KEY };

beforeAll(async () => {
  t = await openTokenClient("digest-key", "2580", { workers: 1 });
  await t.client.createObject(t.hsm.label, [
    { type: CKA.CLASS, value: CKO.SECRET_KEY },
    { type: CKA.KEY_TYPE, value: CKK.AES },
    { type: CKA.TOKEN, value: true },
    { type: CKA.SENSITIVE, value: true },
    { type: CKA.EXTRACTABLE, value: false },
    { type: CKA.ID, value: new Uint8Array(id) },
    { type: CKA.VALUE, value: new Uint8Array(value) },
  ]);
});
afterAll(async () => {
  await t?.close();
});

describe("digestKey", () => {
  it("is SHA-256 of the sensitive key's value", async () => {
    const digest = await t.client.digestKey(t.hsm.label, ref, { type: CKM.SHA256 });
    expect(Buffer.from(digest).toString("hex")).toBe(
      createHash("sha256").update(value).digest("hex"),
    );
  });

  it("of a missing key: Item Not Found, and the session is still usable afterwards", async () => {
    const missing = { id: new Uint8Array(randomBytes(8)), cls: CKO.SECRET_KEY };
    await expect(t.client.digestKey(t.hsm.label, missing, { type: CKM.SHA256 })).rejects.toThrow(
      ObjectNotFoundError,
    );
    // A find on the same (only) worker: fails with CKR_OPERATION_ACTIVE if a digest was left open.
    const found = await t.client.findObjects(
      t.hsm.label,
      [{ type: CKA.ID, value: new Uint8Array(id) }],
      { max: 2, attributes: [CKA.KEY_TYPE] },
    );
    expect(found).toHaveLength(1);
  });
});
