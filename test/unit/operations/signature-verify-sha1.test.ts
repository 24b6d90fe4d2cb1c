/**
 * Signature Verify with SHA-1 (accepted for verifying only) and with parameters the key's
 * recorded Cryptographic Parameters keep the token from (checked with the public material:
 * verify-public.ts). The fake token refuses as SoftHSM2 does; the signatures are node:crypto's.
 */
import { constants, generateKeyPairSync, sign as nodeSign } from "node:crypto";
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
import { mechanismList } from "../../../src/operations/create.js";
import { sign } from "../../../src/operations/sign.js";
import { signatureVerify } from "../../../src/operations/signature-verify.js";
import { CKA, CKG, CKK, CKM, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { argsOf, contextFor, FakeClient, field, payload, rejection, ulongBytes } from "./fake.js";

const MESSAGE = Buffer.from("0102030405060708", "hex");
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = publicKey.export({ format: "jwk" });
const b64 = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? "", "base64url"));

function params(padding: number, hash: number): TtlvItem {
  return build.structure(Tag.CryptographicParameters, [
    build.enumeration(Tag.PaddingMethod, padding),
    build.enumeration(Tag.HashingAlgorithm, hash),
    build.enumeration(Tag.CryptographicAlgorithm, A.RSA),
  ]);
}

function request(p: TtlvItem, signature: Uint8Array) {
  return payload(
    build.textString(Tag.UniqueIdentifier, "AB_pub"),
    p,
    build.byteString(Tag.Data, MESSAGE),
    build.byteString(Tag.SignatureData, signature),
  );
}

/** An RSA public key kept to `allowed`, refusing other mechanisms at C_VerifyInit. */
function keptKey(allowed: number[]) {
  const values: Record<number, Uint8Array | null> = {
    [CKA.KEY_TYPE]: ulongBytes(CKK.RSA),
    [CKA.MODULUS]: b64(jwk.n),
    [CKA.PUBLIC_EXPONENT]: b64(jwk.e),
    [CKA.ALLOWED_MECHANISMS]: allowed.length === 0 ? null : mechanismList(allowed),
  };
  return new FakeClient({
    getAttributes: (_t, _r, types) => new Map(types.map((t) => [t, values[t] ?? null])),
    verify: (_t, _r, mechanism) => {
      if (!allowed.includes(mechanism.type)) {
        throw new Pkcs11Error(CKR.MECHANISM_INVALID, "C_VerifyInit");
      }
      throw new Error("the test key never verifies on the token");
    },
  });
}

const validity = (items: readonly TtlvItem[]) => field(items, Tag.ValidityIndicator)?.value;

const pss = (hash: string, saltLength: number) =>
  nodeSign(hash, MESSAGE, {
    key: privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength,
  });

describe("Signature Verify with SHA-1", () => {
  it("hands the token CKM_SHA1_RSA_PKCS, or CKM_SHA1_RSA_PKCS_PSS with SHA-1/MGF1-SHA-1", async () => {
    const fake = new FakeClient({ verify: () => true });
    const signature = new Uint8Array(256).fill(3);
    const result = await signatureVerify.run(
      request(params(P.PKCS1V1_5, H.SHA_1), signature),
      contextFor(fake),
    );
    expect(argsOf(fake, "verify")[2]).toEqual({ type: CKM.SHA1_RSA_PKCS });
    expect(validity(result.payload)).toBe(ValidityIndicator.Valid);
    const psFake = new FakeClient({ verify: () => false, getAttributes: () => new Map() });
    await signatureVerify.run(request(params(P.PSS, H.SHA_1), signature), contextFor(psFake));
    expect(argsOf(psFake, "verify")[2]).toEqual({
      type: CKM.SHA1_RSA_PKCS_PSS,
      parameter: { hashAlg: CKM.SHA_1, mgf: CKG.MGF1_SHA1, saltLen: 20 },
    });
  });

  it("Sign refuses SHA-1 with Feature Not Supported, saying it is for Signature Verify only", async () => {
    const fake = new FakeClient({ sign: () => new Uint8Array(256) });
    const err = await rejection(() =>
      sign.run(
        payload(
          build.textString(Tag.UniqueIdentifier, "AB_priv"),
          params(P.PKCS1V1_5, H.SHA_1),
          build.byteString(Tag.Data, MESSAGE),
        ),
        contextFor(fake),
      ),
    );
    expect(err).toBeInstanceOf(KmipError);
    expect((err as KmipError).reason).toBe(ResultReason.FeatureNotSupported);
    expect((err as KmipError).message).toMatch(/SHA_1 only for Signature Verify/);
    expect(fake.callsOf("sign")).toHaveLength(0);
  });
});

describe("Signature Verify against a key kept to other parameters", () => {
  const keptToPss256 = [CKM.SHA256_RSA_PKCS_PSS, CKM.RSA_PKCS_PSS];

  it("checks a SHA-1 PSS signature with the key's public material: Valid, and Invalid when changed", async () => {
    const signature = pss("sha1", 20);
    const ok = await signatureVerify.run(
      request(params(P.PSS, H.SHA_1), signature),
      contextFor(keptKey(keptToPss256)),
    );
    expect(validity(ok.payload)).toBe(ValidityIndicator.Valid);
    const changed = Buffer.from(signature);
    changed[10] = (changed[10] ?? 0) ^ 1;
    const bad = await signatureVerify.run(
      request(params(P.PSS, H.SHA_1), changed),
      contextFor(keptKey(keptToPss256)),
    );
    expect(validity(bad.payload)).toBe(ValidityIndicator.Invalid);
  });

  it("a SHA-256 PSS signature (largest salt) checked as SHA-1 is Invalid (OASIS CS-AC-M-3)", async () => {
    const signature = pss("sha256", constants.RSA_PSS_SALTLEN_MAX_SIGN);
    const result = await signatureVerify.run(
      request(params(P.PSS, H.SHA_1), signature),
      contextFor(keptKey(keptToPss256)),
    );
    expect(validity(result.payload)).toBe(ValidityIndicator.Invalid);
  });

  it("PKCS#1 v1.5 with SHA-384 on a key kept to PSS: the material decides", async () => {
    const signature = nodeSign("sha384", MESSAGE, privateKey);
    const result = await signatureVerify.run(
      request(params(P.PKCS1V1_5, H.SHA_384), signature),
      contextFor(keptKey(keptToPss256)),
    );
    expect(validity(result.payload)).toBe(ValidityIndicator.Valid);
  });

  it("a key with no recorded parameters: the token's refusal stands", async () => {
    const err = await rejection(() =>
      signatureVerify.run(
        request(params(P.PSS, H.SHA_1), pss("sha1", 20)),
        contextFor(keptKey([])),
      ),
    );
    expect(err).toBeInstanceOf(Pkcs11Error);
    expect((err as Pkcs11Error).ckr).toBe(CKR.MECHANISM_INVALID);
  });
});
