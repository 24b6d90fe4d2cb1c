import { createHash, sign as nodeSign } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm as A,
  HashingAlgorithm as H,
  PaddingMethod as P,
  ResultReason,
  ValidityIndicator,
} from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { ecdsaDerToRaw, ecdsaSignatureToDer } from "../../../src/operations/der.js";
import { signatureVerify } from "../../../src/operations/signature-verify.js";
import { CKA, CKG, CKK, CKM, CKO } from "../../../src/pkcs11/constants.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { argsOf, contextFor, FakeClient, payload, rejection, ulongBytes } from "./fake.js";
import { ecKey } from "./keys.js";

const MESSAGE = new Uint8Array(Buffer.from("signed RRset"));
const P384 = new Uint8Array(Buffer.from("06052b81040022", "hex"));

function client(keyType: number, valid = true) {
  return new FakeClient({
    getAttributes: (_t, _r, types) =>
      new Map(
        types.map((t): [number, Uint8Array | null] => [
          t,
          t === CKA.KEY_TYPE ? ulongBytes(keyType) : t === CKA.EC_PARAMS ? P384 : null,
        ]),
      ),
    verify: () => valid,
  });
}

function request(
  uid: string,
  signature: Uint8Array,
  extra: TtlvItem[] = [],
  data = true,
): TtlvItem[] {
  return [
    build.textString(Tag.UniqueIdentifier, uid),
    ...extra,
    ...(data ? [build.byteString(Tag.Data, MESSAGE)] : []),
    build.byteString(Tag.SignatureData, signature),
  ];
}

async function run(fake: FakeClient, fields: TtlvItem[], version = { major: 1, minor: 4 }) {
  return signatureVerify.run(payload(...fields), contextFor(fake, { version }));
}

async function failure(fake: FakeClient, fields: TtlvItem[]): Promise<KmipError> {
  const err = await rejection(() => run(fake, fields));
  if (!(err instanceof KmipError)) throw err;
  return err;
}

describe("ecdsaDerToRaw", () => {
  it("inverts ecdsaSignatureToDer, padding r and s to the curve size", () => {
    const rs = new Uint8Array(96).map((_, i) => (i === 0 || i === 48 ? 0 : i));
    expect(ecdsaDerToRaw(ecdsaSignatureToDer(rs), 48)).toEqual(rs);
    const high = new Uint8Array(64).fill(0xff);
    expect(ecdsaDerToRaw(ecdsaSignatureToDer(high), 32)).toEqual(high);
  });

  it("rejects what is not exactly one SEQUENCE of two fitting INTEGERs", () => {
    const der = ecdsaSignatureToDer(new Uint8Array(64).fill(7));
    expect(ecdsaDerToRaw(der, 31)).toBeUndefined();
    expect(ecdsaDerToRaw(new Uint8Array([...der, 0]), 32)).toBeUndefined();
    expect(ecdsaDerToRaw(der.subarray(0, der.length - 1), 32)).toBeUndefined();
    expect(ecdsaDerToRaw(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x80]), 32)).toBeUndefined();
    expect(ecdsaDerToRaw(new Uint8Array(64), 32)).toBeUndefined();
  });
});

describe("Signature Verify", () => {
  it("RSA PKCS#1 v1.5 by default: C_Verify with CKM_SHA256_RSA_PKCS on the public key", async () => {
    const fake = client(CKK.RSA);
    const signature = new Uint8Array(256).fill(9);
    const result = await run(fake, request("AA_pub", signature));
    const [token, ref, mechanism, data, sig] = argsOf(fake, "verify");
    expect([token, ref, mechanism]).toEqual([
      "tok",
      { id: new Uint8Array([0xaa]), cls: CKO.PUBLIC_KEY },
      { type: CKM.SHA256_RSA_PKCS },
    ]);
    expect(data).toEqual(MESSAGE);
    expect(sig).toEqual(signature);
    expect(result.payload).toEqual([
      build.textString(Tag.UniqueIdentifier, "AA_pub"),
      build.enumeration(Tag.ValidityIndicator, ValidityIndicator.Valid),
    ]);
  });

  it("a private key's UID verifies with the public key of the same CKA_ID, answering that UID", async () => {
    const fake = client(CKK.RSA, false);
    const params = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.PaddingMethod, P.PSS),
      build.enumeration(Tag.HashingAlgorithm, H.SHA_512),
    ]);
    const result = await run(fake, request("AA_priv", new Uint8Array(256), [params]));
    expect(argsOf(fake, "verify")[1]).toEqual({ id: new Uint8Array([0xaa]), cls: CKO.PUBLIC_KEY });
    expect(argsOf(fake, "verify")[2]).toEqual({
      type: CKM.SHA512_RSA_PKCS_PSS,
      parameter: { hashAlg: CKM.SHA512, mgf: CKG.MGF1_SHA512, saltLen: 64 },
    });
    expect(result.payload[0]).toEqual(build.textString(Tag.UniqueIdentifier, "AA_priv"));
    expect(result.payload[1]).toEqual(
      build.enumeration(Tag.ValidityIndicator, ValidityIndicator.Invalid),
    );
  });

  it("ECDSA: hashes the message here and hands C_Verify r||s from the DER signature", async () => {
    const key = ecKey("P-384");
    const der = nodeSign("sha384", MESSAGE, key.privateKey);
    const fake = client(CKK.EC);
    const params = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.HashingAlgorithm, H.SHA_384),
    ]);
    await run(fake, request("BB_pub", new Uint8Array(der), [params]));
    const [, , mechanism, data, sig] = argsOf(fake, "verify");
    expect(mechanism).toEqual({ type: CKM.ECDSA });
    expect(Buffer.from(data as Uint8Array)).toEqual(createHash("sha384").update(MESSAGE).digest());
    expect((sig as Uint8Array).length).toBe(96);
    expect(ecdsaSignatureToDer(sig as Uint8Array)).toEqual(new Uint8Array(der));
  });

  it("answers Invalid without a token call for a malformed ECDSA signature", async () => {
    const fake = client(CKK.EC);
    const params = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.CryptographicAlgorithm, A.ECDSA),
    ]);
    const result = await run(fake, request("BB_pub", new Uint8Array([1, 2, 3]), [params]));
    expect(result.payload[1]).toEqual(
      build.enumeration(Tag.ValidityIndicator, ValidityIndicator.Invalid),
    );
    expect(fake.callsOf("verify")).toHaveLength(0);
    // CKA_EC_PARAMS, then CKA_KEY_TYPE: Invalid under a named algorithm checks the key's kind
    expect(fake.callsOf("getAttributes").map((c) => c.args[2])).toEqual([
      [CKA.EC_PARAMS],
      [CKA.KEY_TYPE],
    ]);
  });

  it("says so when the parameters name another algorithm than the key's", async () => {
    const fake = client(CKK.EC, false);
    const params = build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.CryptographicAlgorithm, A.RSA),
    ]);
    const err = await failure(fake, request("BB_pub", new Uint8Array(256), [params]));
    expect(err.reason).toBe(ResultReason.InvalidField);
    expect(err.message).toBe(
      "Signature Verify: Cryptographic Parameters ask for RSA but the key is EC",
    );
  });

  it("accepts Digested Data (RSA: CKM_RSA_PKCS over DigestInfo)", async () => {
    const fake = client(CKK.RSA);
    const digest = new Uint8Array(32).fill(5);
    await run(fake, [
      build.textString(Tag.UniqueIdentifier, "AA_pub"),
      build.byteString(Tag.DigestedData, digest),
      build.byteString(Tag.SignatureData, new Uint8Array(256)),
    ]);
    expect(argsOf(fake, "verify")[2]).toEqual({ type: CKM.RSA_PKCS });
    expect((argsOf(fake, "verify")[3] as Uint8Array).length).toBe(19 + 32);
  });

  it("names the field in every refusal", async () => {
    const fake = client(CKK.EC);
    const noSig = await failure(fake, [
      build.textString(Tag.UniqueIdentifier, "AA_pub"),
      build.byteString(Tag.Data, MESSAGE),
    ]);
    expect([noSig.reason, noSig.message]).toEqual([
      ResultReason.MissingData,
      "Signature Verify: Signature Data is required",
    ]);
    const noData = await failure(fake, request("AA_pub", new Uint8Array(1), [], false));
    expect(noData.message).toMatch(/Data or Digested Data is required/);
    const shortDigest = await failure(fake, [
      build.textString(Tag.UniqueIdentifier, "AA_pub"),
      build.byteString(Tag.DigestedData, new Uint8Array(5)),
      build.byteString(Tag.SignatureData, new Uint8Array(64)),
    ]);
    expect(shortDigest.reason).toBe(ResultReason.InvalidField);
    expect(shortDigest.message).toMatch(/^Signature Verify: Digested Data is 5 bytes/);
    const secret = await failure(fake, request("AA_sec", new Uint8Array(1)));
    expect(secret.reason).toBe(ResultReason.PermissionDenied);
    const streaming = await failure(
      fake,
      request("AA_pub", new Uint8Array(1), [build.boolean(Tag.InitIndicator, false)]),
    );
    expect(streaming.reason).toBe(ResultReason.FeatureNotSupported);
    expect(fake.callsOf("verify")).toHaveLength(0);
  });
});
