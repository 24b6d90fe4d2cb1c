/**
 * Create over real TLS on SoftHSM2 (KMIP 1.4 section 4.1): AES and HMAC secret keys in the
 * 1.x and 2.x forms, `<HEX>_sec` UIDs, Get of them only when created Sensitive false and
 * Extractable true (the bytes checked by node:crypto against the relay's Encrypt and MAC),
 * usage masks enforced by the token, and refusals naming the field.
 */
import { createCipheriv, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  KeyFormatType,
  ObjectType,
  Operation,
  ResultReason,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import {
  bytesField,
  createPayload,
  createSecret,
  EXPORTABLE,
  encryptWith,
  flagAttr,
  GCM,
  keyBytesOf,
  macPayload,
  SECRET_KINDS,
  symmetricKeyFromGet,
} from "./cipher-requests.js";
import { relaySession } from "./relay-session.js";
import { attr, getPayload, revokePayload } from "./session.js";
import { tokenObjects } from "./token-objects.js";

const fixture = relaySession({ workers: 1 });

const UID = /^[0-9A-F]{40}_sec$/;

describe("Create", () => {
  it.each([
    ["AES-128", SECRET_KINDS.aes128, 16],
    ["AES-192", SECRET_KINDS.aes192, 24],
    ["AES-256", SECRET_KINDS.aes256, 32],
  ] as const)("creates an %s key in both forms; Get returns it as Raw", async (_, kind, bytes) => {
    for (const form of ["v1", "v2"] as const) {
      const uid = await createSecret(fixture.session, [...kind, ...EXPORTABLE], form);
      expect(uid).toMatch(UID);
      const got = symmetricKeyFromGet(await fixture.session.ok(Operation.Get, getPayload(uid)));
      expect(got.objectType).toBe(ObjectType.SymmetricKey);
      expect(got.format).toBe(KeyFormatType.Raw);
      expect(got.algorithm).toBe(CryptographicAlgorithm.AES);
      expect(got.length).toBe(bytes * 8);
      expect((got.material?.value as Uint8Array | undefined)?.length).toBe(bytes);
    }
  });

  it("answers Create with Object Type and Unique Identifier only", async () => {
    const payload = await fixture.session.ok(
      Operation.Create,
      createPayload(SECRET_KINDS.aes128, "v1"),
    );
    const fields = (payload.value as unknown as { tag: number }[]).map((i) => i.tag);
    expect(fields).toEqual([Tag.ObjectType, Tag.UniqueIdentifier]);
    expect(findChild(payload, Tag.ObjectType)?.value).toBe(ObjectType.SymmetricKey);
  });

  it("Get's key bytes are the key: node:crypto's AES-GCM matches the relay's Encrypt", async () => {
    const uid = await createSecret(fixture.session, [...SECRET_KINDS.aes256, ...EXPORTABLE]);
    const key = await keyBytesOf(fixture.session, uid);
    const iv = Buffer.alloc(12, 7);
    const plain = Buffer.from("checked by node:crypto");
    const out = await encryptWith(fixture.session, uid, plain, { params: GCM, iv });
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    const expected = Buffer.concat([cipher.update(plain), cipher.final()]);
    expect(out.data.equals(expected)).toBe(true);
    expect(out.tag?.equals(cipher.getAuthTag())).toBe(true);
    const keyHex = key.toString("hex");
    expect(fixture.relay.logs.some((line) => line.toLowerCase().includes(keyHex))).toBe(false);
    expect(fixture.relay.logs.some((line) => line.includes(key.toString("base64")))).toBe(false);
  });

  it.each([
    ["HMAC_SHA256", SECRET_KINDS.hmac256, "sha256", 32],
    ["HMAC_SHA384", SECRET_KINDS.hmac384, "sha384", 48],
    ["HMAC_SHA512", SECRET_KINDS.hmac512, "sha512", 64],
  ] as const)(
    "creates an %s key whose MAC node:crypto reproduces",
    async (name, kind, hash, bytes) => {
      const uid = await createSecret(fixture.session, [...kind, ...EXPORTABLE], "v2");
      const got = symmetricKeyFromGet(await fixture.session.ok(Operation.Get, getPayload(uid)));
      expect(got.algorithm).toBe(CryptographicAlgorithm[name]);
      expect(got.length).toBe(bytes * 8);
      const key = Buffer.from(got.material?.value as Uint8Array);
      const data = Buffer.from("message to authenticate");
      const mac = bytesField(
        await fixture.session.ok(Operation.MAC, macPayload(uid, data)),
        Tag.MACData,
      );
      expect(mac?.equals(createHmac(hash, key).update(data).digest())).toBe(true);
    },
  );

  it("keeps keys in by default: Get answers Permission Denied unless Sensitive false and Extractable true", async () => {
    const cases = [
      [],
      [flagAttr.extractable(true)],
      [flagAttr.sensitive(false)],
      [flagAttr.sensitive(true), flagAttr.extractable(true)],
    ];
    for (const extra of cases) {
      const uid = await createSecret(fixture.session, [...SECRET_KINDS.aes128, ...extra]);
      const result = await fixture.session.call(Operation.Get, getPayload(uid));
      expect(result.reason, JSON.stringify(extra.map((e) => e.name))).toBe(
        ResultReason.PermissionDenied,
      );
      expect(result.message).toMatch(/Sensitive false and Extractable true/);
    }
    const missing = await fixture.session.call(Operation.Get, getPayload(`${"00".repeat(20)}_sec`));
    expect(missing.reason).toBe(ResultReason.ItemNotFound);
  });

  it("returns Transparent Symmetric Key{Key} when asked, and refuses public-key formats", async () => {
    const uid = await createSecret(fixture.session, [...SECRET_KINDS.aes128, ...EXPORTABLE]);
    const raw = await keyBytesOf(fixture.session, uid);
    const got = symmetricKeyFromGet(
      await fixture.session.ok(
        Operation.Get,
        getPayload(uid, KeyFormatType.TransparentSymmetricKey),
      ),
    );
    const key = got.material && findChild(got.material, Tag.Key);
    expect(Buffer.from(key?.value as Uint8Array).equals(raw)).toBe(true);
    const pkcs1 = await fixture.session.call(Operation.Get, getPayload(uid, KeyFormatType.PKCS_1));
    expect(pkcs1.reason).toBe(ResultReason.KeyFormatTypeNotSupported);
  });

  it("sets the usage mask on the token: an Encrypt-only key cannot decrypt or MAC", async () => {
    const uid = await createSecret(fixture.session, [
      ...SECRET_KINDS.aes128,
      attr.usage(CryptographicUsageMask.Encrypt),
    ]);
    const out = await encryptWith(fixture.session, uid, Buffer.from("x"), { params: GCM });
    const decrypt = await fixture.session.call(Operation.Decrypt, [
      build.textString(Tag.UniqueIdentifier, uid),
      GCM,
      build.byteString(Tag.Data, out.data),
      build.byteString(Tag.IVCounterNonce, out.iv ?? Buffer.alloc(12)),
      build.byteString(Tag.AuthenticatedEncryptionTag, out.tag ?? Buffer.alloc(16)),
    ]);
    expect(decrypt.reason).toBe(ResultReason.PermissionDenied);
    const hmac = await createSecret(fixture.session, [
      ...SECRET_KINDS.hmac256,
      attr.usage(CryptographicUsageMask.MACVerify),
    ]);
    const mac = await fixture.session.call(Operation.MAC, macPayload(hmac, Buffer.from("x")));
    expect(mac.reason).toBe(ResultReason.PermissionDenied);
  });

  it("puts Name into CKA_LABEL and the usage mask into the usage flags, as pkcs11-tool sees them", async () => {
    const M = CryptographicUsageMask;
    const aes = await createSecret(fixture.session, [
      ...SECRET_KINDS.aes128,
      attr.name("aes label"),
      attr.usage(M.Encrypt | M.Decrypt),
    ]);
    const hmac = await createSecret(
      fixture.session,
      [...SECRET_KINDS.hmac256, attr.name("mac label")],
      "v2",
    );
    const objects = tokenObjects(fixture.relay);
    const find = (uid: string) => objects.find((o) => o.id === uid.replace(/_sec$/, ""));
    expect(find(aes)?.kind).toBe("Secret Key Object");
    expect(find(aes)?.label).toBe("aes label");
    expect(find(aes)?.usage).toEqual(expect.arrayContaining(["encrypt", "decrypt"]));
    expect(find(aes)?.usage).not.toContain("sign");
    expect(find(hmac)?.label).toBe("mac label");
    // pkcs11-tool prints no "sign" for secret keys; MAC tests show CKA_SIGN at work.
    expect(find(hmac)?.usage).toContain("verify");
    expect(find(hmac)?.usage).not.toContain("encrypt");
  });

  it("destroys a secret key by its _sec UID: later use is Item Not Found", async () => {
    const uid = await createSecret(fixture.session, SECRET_KINDS.aes128);
    await encryptWith(fixture.session, uid, Buffer.from("z"), { params: GCM });
    // An Active key is revoked before it is destroyed (KMIP 1.4 section 3.22).
    await fixture.session.ok(Operation.Revoke, revokePayload(uid));
    await fixture.session.ok(Operation.Destroy, [build.textString(Tag.UniqueIdentifier, uid)]);
    const after = await fixture.session.call(Operation.Encrypt, [
      build.textString(Tag.UniqueIdentifier, uid),
      GCM,
      build.byteString(Tag.Data, Buffer.from("z")),
    ]);
    expect(after.reason).toBe(ResultReason.ItemNotFound);
  });

  it.each([
    ["no algorithm", [attr.length(128)], ResultReason.MissingData, /Cryptographic Algorithm/],
    [
      "AES without a length",
      [attr.algorithm(CryptographicAlgorithm.AES)],
      ResultReason.MissingData,
      /Cryptographic Length/,
    ],
    [
      "AES-100",
      [attr.algorithm(CryptographicAlgorithm.AES), attr.length(100)],
      ResultReason.InvalidField,
      /100/,
    ],
    [
      "HMAC key shorter than its hash",
      [attr.algorithm(CryptographicAlgorithm.HMAC_SHA256), attr.length(128)],
      ResultReason.InvalidField,
      /HMAC_SHA256/,
    ],
    [
      "3DES",
      [attr.algorithm(CryptographicAlgorithm.DES3), attr.length(168)],
      ResultReason.FeatureNotSupported,
      /DES3/,
    ],
  ] as const)("refuses %s, naming the field", async (_, attrs, reason, message) => {
    const result = await fixture.session.call(Operation.Create, createPayload(attrs, "v1"));
    expect(result.status).toBe(ResultStatus.OperationFailed);
    expect(result.reason).toBe(reason);
    expect(result.message).toMatch(message);
  });

  it("refuses Object Types other than Symmetric Key with Feature Not Supported", async () => {
    const result = await fixture.session.call(
      Operation.Create,
      createPayload(SECRET_KINDS.aes128, "v1", ObjectType.SecretData),
    );
    expect(result.reason).toBe(ResultReason.FeatureNotSupported);
    expect(result.message).toMatch(/Object Type/);
  });
});
