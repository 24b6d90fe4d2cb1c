/**
 * The PKCS#11 client against a real SoftHSM2 token (fresh token store per file), through
 * worker processes: token selection, PIN verification, key generation, attributes,
 * signatures checked with node:crypto, destroy.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CKA, CKF, CKK, CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
import {
  ObjectNotFoundError,
  Pkcs11Error,
  TokenNotFoundError,
} from "../../../src/pkcs11/errors.js";
import { type SupervisedPkcs11Client, startPkcs11 } from "../../../src/pkcs11/supervisor.js";
import {
  createSoftHsmToken,
  ensureWorkerBuilt,
  SOFTHSM2_LIB,
  type SoftHsmToken,
} from "../../helpers/softhsm.js";
import {
  generateKeyPair,
  type KeyKind,
  readPublicKey,
  signAndCheck,
  signingInput,
} from "./keys.js";

let hsm: SoftHsmToken;
let client: SupervisedPkcs11Client;
let token: string;

beforeAll(async () => {
  ensureWorkerBuilt();
  hsm = createSoftHsmToken("relay-test", "1234");
  token = hsm.label;
  client = await startPkcs11({
    libPath: SOFTHSM2_LIB,
    workers: 2,
    env: hsm.env,
    callTimeoutMs: 10_000,
  });
});

afterAll(async () => {
  await client?.close();
  hsm?.cleanup();
});

describe("library and tokens", () => {
  it("reports the library and finds the token by label, slot id and index", async () => {
    const info = await client.libraryInfo();
    expect(info.manufacturerId).toContain("SoftHSM");
    const tokens = await client.listTokens();
    const mine = tokens.find((t) => t.label === token);
    expect(mine).toBeDefined();
    expect((mine?.flags ?? 0) & CKF.LOGIN_REQUIRED).toBe(CKF.LOGIN_REQUIRED);
    const byLabel = await client.tokenInfo(token);
    expect(byLabel.token.label).toBe(token);
    expect(byLabel.slot.slotId).toBe(mine?.slotId);
    const bySlotId = await client.tokenInfo(mine?.slotId ?? "");
    expect(bySlotId.token.serialNumber).toBe(byLabel.token.serialNumber);
    const byIndex = await client.tokenInfo(String(mine?.index));
    expect(byIndex.token.label).toBe(token);
  });

  it("rejects an unknown token with TokenNotFoundError", async () => {
    const error = await client.tokenInfo("no-such-token").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenNotFoundError);
    expect((error as Pkcs11Error).ckr).toBe(CKR.TOKEN_NOT_PRESENT);
  });
});

describe("login", () => {
  it("accepts the good PIN, rejects a wrong one even after a good login, then accepts the good one", async () => {
    await client.login(token, hsm.pin);
    const wrong = await client.login(token, "0000").catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(Pkcs11Error);
    expect((wrong as Pkcs11Error).ckr).toBe(CKR.PIN_INCORRECT);
    expect((wrong as Pkcs11Error).fn).toBe("C_Login");
    expect((wrong as Error).message).not.toContain("0000");
    const again = await client.login(token, "12345").catch((e: unknown) => e);
    expect((again as Pkcs11Error).ckr).toBe(CKR.PIN_INCORRECT);
    await client.login(token, hsm.pin);
  });

  it("stays logged in after a wrong PIN: private keys remain usable on every worker", async () => {
    await client.login(token, hsm.pin);
    const pair = await generateKeyPair(client, token, "p256");
    await expect(client.login(token, "9999")).rejects.toBeInstanceOf(Pkcs11Error);
    const key = await readPublicKey(client, token, pair);
    const results = await Promise.all(
      [0, 1, 2, 3].map(() => signAndCheck(client, token, pair, key)),
    );
    expect(results).toEqual([true, true, true, true]);
  });

  it("keeps the login when the same token is addressed by slot id instead of label", async () => {
    await client.login(token, hsm.pin);
    const slotId = (await client.tokenInfo(token)).slot.slotId;
    const pair = await generateKeyPair(client, slotId, "ed25519");
    const key = await readPublicKey(client, slotId, pair);
    const results = await Promise.all([0, 1].map(() => signAndCheck(client, slotId, pair, key)));
    expect(results).toEqual([true, true]);
  });
});

describe("several tokens", () => {
  it("finds a token initialised after start-up and keeps each token's PIN apart", async () => {
    hsm.addToken("second", "7777");
    const info = await client.tokenInfo("second");
    // A write makes every worker treat its view as stale.
    await client.createObject(token, [
      { type: CKA.CLASS, value: CKO.DATA },
      { type: CKA.LABEL, value: "bump" },
    ]);
    const listed = await Promise.all([client.listTokens(), client.listTokens()]);
    for (const tokens of listed) expect(tokens.map((t) => t.label)).toContain("second");
    expect(info.token.label).toBe("second");
    await client.login("second", "7777");
    await client.login(token, hsm.pin);
    const wrong = await client.login("second", hsm.pin).catch((e: unknown) => e);
    expect((wrong as Pkcs11Error).ckr).toBe(CKR.PIN_INCORRECT);
    const pairs = await Promise.all([
      generateKeyPair(client, "second", "p256"),
      generateKeyPair(client, token, "p256"),
    ]);
    const [onSecond, onFirst] = pairs;
    if (!onSecond || !onFirst) throw new Error("key generation failed");
    const key = await readPublicKey(client, "second", onSecond);
    expect(await signAndCheck(client, "second", onSecond, key)).toBe(true);
    // A key lives on its own token only.
    await expect(
      client.getAttributes(token, onSecond.publicRef, [CKA.LABEL]),
    ).rejects.toBeInstanceOf(ObjectNotFoundError);
  });
});

describe.each<KeyKind>(["rsa", "p256", "ed25519"])("%s key pair", (kind) => {
  it("generates, finds, reads back, signs (checked by node:crypto) and destroys", async () => {
    await client.login(token, hsm.pin);
    const label = `${kind}-${randomBytes(3).toString("hex")}`;
    const pair = await generateKeyPair(client, token, kind, label);

    const found = await client.findObjects(token, [{ type: CKA.LABEL, value: label }], {
      max: 10,
      attributes: [CKA.CLASS, CKA.ID, CKA.KEY_TYPE],
    });
    expect(found).toHaveLength(2);
    const classes = found
      .map((attrs) => Buffer.from(attrs.get(CKA.CLASS) ?? []).readUInt32LE(0))
      .sort();
    expect(classes).toEqual([CKO.PUBLIC_KEY, CKO.PRIVATE_KEY]);
    for (const attrs of found)
      expect(Buffer.from(attrs.get(CKA.ID) ?? []).equals(Buffer.from(pair.id))).toBe(true);
    const keyType = Buffer.from(found[0]?.get(CKA.KEY_TYPE) ?? []).readUInt32LE(0);
    expect(keyType).toBe(kind === "rsa" ? CKK.RSA : kind === "p256" ? CKK.EC : CKK.EC_EDWARDS);

    const key = await readPublicKey(client, token, pair);
    for (let i = 0; i < 4; i++) expect(await signAndCheck(client, token, pair, key)).toBe(true);

    const message = randomBytes(32);
    const { mechanism, data } = signingInput(kind, message);
    const signature = await client.sign(token, pair.privateRef, mechanism, data);
    expect(await client.verify(token, pair.publicRef, mechanism, data, signature)).toBe(true);
    const tampered = Uint8Array.from(signature);
    tampered[0] = (tampered[0] ?? 0) ^ 0xff;
    expect(await client.verify(token, pair.publicRef, mechanism, data, tampered)).toBe(false);

    await client.destroyObject(token, pair.privateRef);
    await client.destroyObject(token, pair.publicRef);
    for (let i = 0; i < 2; i++) {
      await expect(client.sign(token, pair.privateRef, mechanism, data)).rejects.toBeInstanceOf(
        ObjectNotFoundError,
      );
    }
    const gone = await client.findObjects(token, [{ type: CKA.LABEL, value: label }], {
      max: 10,
      attributes: [],
    });
    expect(gone).toEqual([]);
  });
});

describe("attributes, secret keys and random", () => {
  it("reports sensitive attributes as null and a missing object as ObjectNotFoundError", async () => {
    await client.login(token, hsm.pin);
    const pair = await generateKeyPair(client, token, "p256");
    const attrs = await client.getAttributes(token, pair.privateRef, [
      CKA.SIGN,
      CKA.VALUE,
      CKA.SENSITIVE,
    ]);
    expect(Array.from(attrs.get(CKA.SIGN) ?? [])).toEqual([1]);
    expect(attrs.get(CKA.VALUE)).toBeNull();
    const missing = { id: randomBytes(16), cls: CKO.PRIVATE_KEY };
    const error = await client.getAttributes(token, missing, [CKA.LABEL]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectNotFoundError);
    expect((error as Pkcs11Error).ckr).toBe(CKR.OBJECT_HANDLE_INVALID);
    expect((error as Pkcs11Error).fn).toBe("C_FindObjects");
  });

  it("renames an object with setAttributes", async () => {
    await client.login(token, hsm.pin);
    const pair = await generateKeyPair(client, token, "ed25519");
    const label = `renamed-${randomBytes(3).toString("hex")}`;
    await client.setAttributes(token, pair.publicRef, [{ type: CKA.LABEL, value: label }]);
    const attrs = await client.getAttributes(token, pair.publicRef, [CKA.LABEL]);
    expect(Buffer.from(attrs.get(CKA.LABEL) ?? []).toString()).toBe(label);
  });

  it("encrypts and decrypts with an AES-256 key under GCM", async () => {
    await client.login(token, hsm.pin);
    const id = randomBytes(16);
    await client.generateKey(token, { type: CKM.AES_KEY_GEN }, [
      { type: CKA.TOKEN, value: true },
      { type: CKA.ID, value: id },
      { type: CKA.VALUE_LEN, value: 32 },
      { type: CKA.ENCRYPT, value: true },
      { type: CKA.DECRYPT, value: true },
    ]);
    const ref = { id, cls: CKO.SECRET_KEY };
    const mechanism = {
      type: CKM.AES_GCM,
      parameter: { iv: randomBytes(12), aad: randomBytes(8), tagBits: 128 },
    };
    const plain = randomBytes(100);
    const sealed = await client.encrypt(token, ref, mechanism, plain);
    expect(sealed.length).toBe(plain.length + 16);
    const opened = await client.decrypt(token, ref, mechanism, sealed);
    expect(Buffer.from(opened).equals(plain)).toBe(true);
  });

  it("serves more concurrent calls than the workers pipeline (the rest wait in the queue)", async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => client.generateRandom(token, 16)),
    );
    expect(new Set(results.map((r) => Buffer.from(r).toString("hex"))).size).toBe(50);
    expect(client.stats().queued).toBe(0);
  });

  it("returns random bytes of the requested length", async () => {
    const a = await client.generateRandom(token, 32);
    const b = await client.generateRandom(token, 32);
    expect(a.length).toBe(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});
