/**
 * Get over real TLS: public keys in the default and every requested Key Format Type (KMIP
 * 1.4 section 9.1.3.2.3), each parsed with node:crypto (test/helpers/keys.ts) and compared
 * across formats; private keys refused; unknown and malformed UIDs answered Item Not Found.
 */
import type { KeyObject } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  KeyFormatType,
  Operation,
  RecommendedCurve,
  ResultReason,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { publicKeyFromGet } from "../../helpers/keys.js";
import { requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { firstResult, getPayload, KEY_KINDS, Session } from "./session.js";

let relay: TestRelay;
let session: Session;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 2 });
  session = await Session.open(relay);
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

const spkiOf = (key: KeyObject) => key.export({ type: "spki", format: "der" }).toString("hex");

function checkKey(
  key: KeyObject,
  expected: { type: "rsa"; bits: number } | { type: "ec"; curve: string } | { type: "ed25519" },
): void {
  expect(key.asymmetricKeyType).toBe(expected.type);
  if (expected.type === "rsa") expect(key.asymmetricKeyDetails?.modulusLength).toBe(expected.bits);
  if (expected.type === "ec") expect(key.asymmetricKeyDetails?.namedCurve).toBe(expected.curve);
}

describe("Get", () => {
  const uids: Record<"rsa" | "ec" | "ed", { privateUid: string; publicUid: string }> = {
    rsa: { privateUid: "", publicUid: "" },
    ec: { privateUid: "", publicUid: "" },
    ed: { privateUid: "", publicUid: "" },
  };
  beforeAll(async () => {
    uids.rsa = await session.createKeyPair({ common: KEY_KINDS.rsa2048 });
    uids.ec = await session.createKeyPair({ common: KEY_KINDS.p256 });
    uids.ed = await session.createKeyPair({ common: KEY_KINDS.ed25519 }, "v2");
  });

  async function getAll(uid: string, formats: (number | undefined)[]) {
    const out = [];
    for (const format of formats) {
      out.push(publicKeyFromGet(await session.ok(Operation.Get, getPayload(uid, format))));
    }
    return out;
  }

  it("returns an RSA public key as PKCS_1 by default and in every RSA format, the same key", async () => {
    const F = KeyFormatType;
    const formats = [undefined, F.PKCS_1, F.X_509, F.Raw, F.TransparentRSAPublicKey];
    const got = await getAll(uids.rsa.publicUid, formats);
    expect(got.map((g) => g.format)).toEqual([F.PKCS_1, ...formats.slice(1)]);
    expect(new Set(got.map((g) => spkiOf(g.key))).size).toBe(1);
    expect(got[3]?.material.type).toBe("ByteString"); // Raw holds the DER SubjectPublicKeyInfo
    checkKey(got[0]!.key, { type: "rsa", bits: 2048 });
  });

  it("returns an EC public key as Raw SPKI by default, and as X_509 and Transparent EC", async () => {
    const F = KeyFormatType;
    const formats = [
      undefined,
      F.Raw,
      F.X_509,
      F.TransparentECPublicKey,
      F.TransparentECDSAPublicKey,
    ];
    const got = await getAll(uids.ec.publicUid, formats);
    expect(got.map((g) => g.format)).toEqual([F.Raw, ...formats.slice(1)]);
    expect(new Set(got.map((g) => spkiOf(g.key))).size).toBe(1);
    const transparent = got[3]!.material;
    expect(findChild(transparent, Tag.RecommendedCurve)?.value).toBe(RecommendedCurve.P_256);
    expect((findChild(transparent, Tag.QString)?.value as Uint8Array | undefined)?.length).toBe(65);
    checkKey(got[0]!.key, { type: "ec", curve: "prime256v1" });
  });

  it.each([
    ["P-384", KEY_KINDS.p384, RecommendedCurve.P_384, 97],
    ["P-521", KEY_KINDS.p521, RecommendedCurve.P_521, 133],
  ] as const)(
    "returns a %s public key as Transparent EC with a full-size Q String",
    async (_, common, curve, qLength) => {
      const { publicUid } = await session.createKeyPair({ common });
      const [raw, transparent] = await getAll(publicUid, [
        undefined,
        KeyFormatType.TransparentECPublicKey,
      ]);
      expect(spkiOf(transparent!.key)).toBe(spkiOf(raw!.key));
      expect(findChild(transparent!.material, Tag.RecommendedCurve)?.value).toBe(curve);
      const q = findChild(transparent!.material, Tag.QString)?.value as Uint8Array | undefined;
      expect(q?.length).toBe(qLength);
    },
  );

  it("returns an Ed25519 public key as Raw SPKI by default and as X_509", async () => {
    const got = await getAll(uids.ed.publicUid, [undefined, KeyFormatType.X_509]);
    expect(got.map((g) => g.format)).toEqual([KeyFormatType.Raw, KeyFormatType.X_509]);
    expect(spkiOf(got[0]!.key)).toBe(spkiOf(got[1]!.key));
    checkKey(got[0]!.key, { type: "ed25519" });
  });

  it("returns the same key under every protocol version, answering in that version", async () => {
    const versions = [
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
      [2, 0],
      [2, 1],
    ] as const;
    const spkis = new Set<string>();
    for (const [major, minor] of versions) {
      const response = await session.client.request(
        requestMessage({
          version: { major, minor },
          username: relay.username,
          password: relay.pin,
          items: [{ operation: Operation.Get, payload: getPayload(uids.rsa.publicUid) }],
        }),
      );
      const header = findChild(response, Tag.ResponseHeader)!;
      const version = findChild(header, Tag.ProtocolVersion)!;
      expect([
        findChild(version, Tag.ProtocolVersionMajor)?.value,
        findChild(version, Tag.ProtocolVersionMinor)?.value,
      ]).toEqual([major, minor]);
      const result = firstResult(response);
      expect(result.status, `${major}.${minor}`).toBe(ResultStatus.Success);
      spkis.add(spkiOf(publicKeyFromGet(result.payload).key));
    }
    expect(spkis.size).toBe(1);
  });

  it("refuses a format that does not fit the key with Key Format Type Not Supported", async () => {
    for (const [uid, format] of [
      [uids.rsa.publicUid, KeyFormatType.TransparentECPublicKey],
      [uids.ec.publicUid, KeyFormatType.PKCS_1],
      [uids.ed.publicUid, KeyFormatType.TransparentRSAPublicKey],
    ] as const) {
      const result = await session.call(Operation.Get, getPayload(uid, format));
      expect(result.reason, uid).toBe(ResultReason.KeyFormatTypeNotSupported);
    }
  });

  it("answers Permission Denied for every private key", async () => {
    for (const { privateUid } of Object.values(uids)) {
      const result = await session.call(Operation.Get, getPayload(privateUid));
      expect(result.status).toBe(ResultStatus.OperationFailed);
      expect(result.reason).toBe(ResultReason.PermissionDenied);
      expect(result.message).toMatch(/private key/);
    }
  });

  it("answers Item Not Found for unknown and malformed UIDs, and keeps serving", async () => {
    const unknown = "00".repeat(20);
    const uidsToTry = [
      `${unknown}_pub`,
      `${unknown}_priv`,
      unknown,
      "not-a-uid",
      "",
      "ABC_pub",
      "_priv",
      "é_pub",
      "x".repeat(5000),
    ];
    for (const uid of uidsToTry) {
      const result = await session.call(Operation.Get, getPayload(uid));
      expect(result.reason, uid.slice(0, 20)).toBe(ResultReason.ItemNotFound);
      expect(result.message?.length ?? 0).toBeLessThan(300);
    }
    const got = publicKeyFromGet(await session.ok(Operation.Get, getPayload(uids.ec.publicUid)));
    checkKey(got.key, { type: "ec", curve: "prime256v1" });
  });
});
