/**
 * Encrypt, Decrypt, MAC and MAC Verify on keys whose value the test knows: registered
 * (KMIP 1.4 section 4.3) as sensitive, non-extractable token keys, then every relay output is
 * compared with node:crypto's and node:crypto's outputs are fed to the relay.
 */
import { createCipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  KeyFormatType,
  ObjectType,
  Operation,
  ResultReason,
  ValidityIndicator,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import {
  bytesField,
  CBC,
  decryptWith,
  encryptWith,
  GCM,
  macPayload,
  rawSymmetricKey,
} from "./cipher-requests.js";
import { relaySession } from "./relay-session.js";
import { getPayload } from "./session.js";

const fixture = relaySession({ workers: 1 });
const aesKey = randomBytes(16);
const hmacKey = randomBytes(32);
const uids = { aes: "", hmac: "" };

/** Register Request Payload of a Raw symmetric key (Template-Attribute empty: defaults). */
function registerPayload(key: Buffer, algorithm: number) {
  return [
    build.enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
    build.structure(Tag.TemplateAttribute, []),
    rawSymmetricKey(key, algorithm),
  ];
}

async function register(key: Buffer, algorithm: number): Promise<string> {
  const payload = await fixture.session.ok(Operation.Register, registerPayload(key, algorithm));
  return findChild(payload, Tag.UniqueIdentifier)?.value as string;
}

beforeAll(async () => {
  uids.aes = await register(aesKey, CryptographicAlgorithm.AES);
  uids.hmac = await register(hmacKey, CryptographicAlgorithm.HMAC_SHA256);
});

const plain = Buffer.from("known key, known answer");

describe("registered keys (value known to the test, kept in the token)", () => {
  it("are not returned by Get", async () => {
    for (const uid of Object.values(uids)) {
      expect(uid).toMatch(/_sec$/);
      const result = await fixture.session.call(Operation.Get, getPayload(uid));
      expect(result.reason).toBe(ResultReason.PermissionDenied);
    }
  });

  it("AES-GCM: the relay's ciphertext and tag are node:crypto's; node:crypto's decrypt", async () => {
    const iv = randomBytes(12);
    const aad = Buffer.from("aad");
    const out = await encryptWith(fixture.session, uids.aes, plain, { params: GCM, iv, aad });
    const cipher = createCipheriv("aes-128-gcm", aesKey, iv).setAAD(aad);
    expect(out.data.equals(Buffer.concat([cipher.update(plain), cipher.final()]))).toBe(true);
    expect(out.tag?.equals(cipher.getAuthTag())).toBe(true);

    const iv2 = randomBytes(12);
    const theirs = createCipheriv("aes-128-gcm", aesKey, iv2).setAAD(aad);
    const data = Buffer.concat([theirs.update(plain), theirs.final()]);
    const tag = theirs.getAuthTag();
    const back = await decryptWith(fixture.session, uids.aes, data, {
      params: GCM,
      iv: iv2,
      aad,
      tag,
    });
    expect(back.equals(plain)).toBe(true);
  });

  it("AES-CBC: the relay's ciphertext is node:crypto's; node:crypto's decrypts", async () => {
    const iv = randomBytes(16);
    const out = await encryptWith(fixture.session, uids.aes, plain, { params: CBC, iv });
    const cipher = createCipheriv("aes-128-cbc", aesKey, iv);
    const expected = Buffer.concat([cipher.update(plain), cipher.final()]);
    expect(out.data.equals(expected)).toBe(true);
    expect(
      (await decryptWith(fixture.session, uids.aes, expected, { params: CBC, iv })).equals(plain),
    ).toBe(true);
  });

  it("HMAC-SHA256: the relay's MAC is node:crypto's, and node:crypto's MAC verifies", async () => {
    const expected = createHmac("sha256", hmacKey).update(plain).digest();
    const mac = await fixture.session.ok(Operation.MAC, macPayload(uids.hmac, plain));
    expect(bytesField(mac, Tag.MACData)?.equals(expected)).toBe(true);
    const verdict = await fixture.session.ok(
      Operation.MACVerify,
      macPayload(uids.hmac, plain, expected),
    );
    expect(findChild(verdict, Tag.ValidityIndicator)?.value).toBe(ValidityIndicator.Valid);
    const wrong = createHmac("sha256", randomBytes(32)).update(plain).digest();
    const bad = await fixture.session.ok(Operation.MACVerify, macPayload(uids.hmac, plain, wrong));
    expect(findChild(bad, Tag.ValidityIndicator)?.value).toBe(ValidityIndicator.Invalid);
  });
});

describe("Digest of a registered secret key (C_DigestKey inside the token)", () => {
  it("is SHA-256 of the key value, in Raw format, though the value never leaves the token", async () => {
    for (const [uid, key] of [
      [uids.aes, aesKey],
      [uids.hmac, hmacKey],
    ] as const) {
      const payload = await fixture.session.ok(Operation.GetAttributes, [
        build.textString(Tag.UniqueIdentifier, uid),
        build.textString(Tag.AttributeName, "Digest"),
      ]);
      const digest = findChild(findChild(payload, Tag.Attribute) ?? payload, Tag.AttributeValue);
      expect(digest?.type).toBe("Structure");
      const value = findChild(digest!, Tag.DigestValue)?.value as Uint8Array;
      expect(Buffer.from(value).toString("hex")).toBe(
        createHash("sha256").update(key).digest("hex"),
      );
      expect(findChild(digest!, Tag.KeyFormatType)?.value).toBe(KeyFormatType.Raw);
    }
  });
});
