import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm as A,
  DigitalSignatureAlgorithm as DSA,
  HashingAlgorithm as H,
  PaddingMethod as P,
  ResultReason,
} from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { ecdsaSignatureToDer } from "../../../src/operations/der.js";
import { sign } from "../../../src/operations/sign.js";
import { CKA, CKG, CKK, CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import type { Mechanism, ObjectRef } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import {
  argsOf,
  attrValues,
  contextFor,
  FakeClient,
  field,
  payload,
  rejection,
  ulongBytes,
} from "./fake.js";

const UID = "C0FFEE_priv";
const MESSAGE = new Uint8Array(Buffer.from("an RRset to sign"));
const TOKEN_OUTPUT = new Uint8Array(64).map((_, i) => i + 1);

function params(fields: TtlvItem[]): TtlvItem {
  return build.structure(Tag.CryptographicParameters, fields);
}
const alg = (v: number) => build.enumeration(Tag.CryptographicAlgorithm, v);
const hash = (v: number) => build.enumeration(Tag.HashingAlgorithm, v);
const pad = (v: number) => build.enumeration(Tag.PaddingMethod, v);
const dsa = (v: number) => build.enumeration(Tag.DigitalSignatureAlgorithm, v);
const data = (d: Uint8Array = MESSAGE) => build.byteString(Tag.Data, d);
const digested = (d: Uint8Array) => build.byteString(Tag.DigestedData, d);
const sha = (name: string, d: Uint8Array = MESSAGE) =>
  new Uint8Array(createHash(name).update(d).digest());

/** Runs Sign against a fake whose key is of `keyType` (for the CKA_KEY_TYPE lookup). */
async function run(fields: TtlvItem[], keyType: number = CKK.RSA, uid = UID) {
  const client = new FakeClient({
    getAttributes: () => attrValues([[CKA.KEY_TYPE, ulongBytes(keyType)]]),
    sign: () => TOKEN_OUTPUT,
  });
  const req = payload(build.textString(Tag.UniqueIdentifier, uid), ...fields);
  const result = await sign.run(req, contextFor(client));
  const [token, ref, mechanism, signed] = argsOf(client, "sign") as [
    string,
    ObjectRef,
    Mechanism,
    Uint8Array,
  ];
  return { result, client, token, ref, mechanism, signed };
}

async function failure(fields: TtlvItem[], keyType: number = CKK.RSA, uid = UID) {
  const err = await rejection(() => run(fields, keyType, uid));
  if (!(err instanceof KmipError)) throw err;
  return err;
}

describe("Sign", () => {
  it("maps Cascade's RSA request (RSA, SHA-256, PKCS#1 v1.5) to CKM_SHA256_RSA_PKCS", async () => {
    const { result, client, token, ref, mechanism, signed } = await run([
      params([alg(A.RSA), hash(H.SHA_256), pad(P.PKCS1V1_5)]),
      data(),
    ]);
    expect(token).toBe("tok");
    expect(ref).toEqual({ id: new Uint8Array([0xc0, 0xff, 0xee]), cls: CKO.PRIVATE_KEY });
    expect(mechanism).toEqual({ type: CKM.SHA256_RSA_PKCS });
    expect(signed).toEqual(MESSAGE);
    expect(client.callsOf("getAttributes")).toHaveLength(0); // no lookup needed
    expect(result.payload).toEqual([
      build.textString(Tag.UniqueIdentifier, UID),
      build.byteString(Tag.SignatureData, TOKEN_OUTPUT),
    ]);
    expect(result.uid).toBe(UID);
  });

  it("maps Cascade's ECDSA request: hashes here, CKM_ECDSA, r||s returned as DER", async () => {
    const { result, mechanism, signed } = await run([
      params([alg(A.ECDSA), hash(H.SHA_256)]),
      data(),
    ]);
    expect(mechanism).toEqual({ type: CKM.ECDSA });
    expect(signed).toEqual(sha("sha256"));
    expect(field(result.payload, Tag.SignatureData)?.value).toEqual(
      ecdsaSignatureToDer(TOKEN_OUTPUT),
    );
  });

  it.each([
    [H.SHA_256, CKM.SHA256_RSA_PKCS],
    [H.SHA_384, CKM.SHA384_RSA_PKCS],
    [H.SHA_512, CKM.SHA512_RSA_PKCS],
  ])("maps RSA PKCS#1 v1.5 with hash %i", async (h, ckm) => {
    const { mechanism } = await run([params([alg(A.RSA), hash(h), pad(P.PKCS1V1_5)]), data()]);
    expect(mechanism).toEqual({ type: ckm });
  });

  it.each([
    [H.SHA_256, CKM.SHA256_RSA_PKCS_PSS, CKM.SHA256, CKG.MGF1_SHA256, 32],
    [H.SHA_384, CKM.SHA384_RSA_PKCS_PSS, CKM.SHA384, CKG.MGF1_SHA384, 48],
    [H.SHA_512, CKM.SHA512_RSA_PKCS_PSS, CKM.SHA512, CKG.MGF1_SHA512, 64],
  ])("maps RSA PSS with hash %i and its parameters", async (h, ckm, hashAlg, mgf, saltLen) => {
    const { mechanism, signed } = await run([params([alg(A.RSA), hash(h), pad(P.PSS)]), data()]);
    expect(mechanism).toEqual({ type: ckm, parameter: { hashAlg, mgf, saltLen } });
    expect(signed).toEqual(MESSAGE);
  });

  it("takes PSS Salt Length and Mask Generator Hashing Algorithm from the request", async () => {
    const { mechanism } = await run([
      params([
        alg(A.RSA),
        hash(H.SHA_256),
        pad(P.PSS),
        build.integer(Tag.SaltLength, 0),
        build.enumeration(Tag.MaskGeneratorHashingAlgorithm, H.SHA_512),
      ]),
      data(),
    ]);
    expect(mechanism.parameter).toEqual({ hashAlg: CKM.SHA256, mgf: CKG.MGF1_SHA512, saltLen: 0 });
  });

  it.each([
    [CKK.RSA, { type: CKM.SHA256_RSA_PKCS }, MESSAGE],
    [CKK.EC, { type: CKM.ECDSA }, sha("sha256")],
    [CKK.EC_EDWARDS, { type: CKM.EDDSA }, MESSAGE],
  ])(
    "without parameters reads the key type (%i) and signs with SHA-256",
    async (kt, mech, input) => {
      const { client, mechanism, signed, ref } = await run([data()], kt);
      const [lookup] = client.callsOf("getAttributes");
      expect(lookup?.args[1]).toEqual(ref);
      expect(lookup?.args[2]).toEqual([CKA.KEY_TYPE, CKA.ALLOWED_MECHANISMS]);
      expect(client.callsOf("getAttributes")).toHaveLength(1);
      expect(mechanism).toEqual(mech);
      expect(signed).toEqual(input);
    },
  );

  it("signs Ed25519 (pure EdDSA, CKM_EDDSA 0x1057) when asked by algorithm", async () => {
    const { mechanism, signed, result } = await run([params([alg(A.Ed25519)]), data()]);
    expect(mechanism).toEqual({ type: 0x1057 });
    expect(signed).toEqual(MESSAGE);
    expect(field(result.payload, Tag.SignatureData)?.value).toEqual(TOKEN_OUTPUT);
  });

  it.each([
    [DSA.SHA_256WithRSAEncryption, { type: CKM.SHA256_RSA_PKCS }, MESSAGE],
    [DSA.SHA_512WithRSAEncryption, { type: CKM.SHA512_RSA_PKCS }, MESSAGE],
    [DSA.ECDSAWithSHA256, { type: CKM.ECDSA }, sha("sha256")],
    [DSA.ECDSAWithSHA384, { type: CKM.ECDSA }, sha("sha384")],
    [DSA.ECDSAWithSHA512, { type: CKM.ECDSA }, sha("sha512")],
  ])("accepts Digital Signature Algorithm %i", async (value, mech, input) => {
    const { client, mechanism, signed } = await run([params([dsa(value)]), data()]);
    expect(client.callsOf("getAttributes")).toHaveLength(0);
    expect(mechanism).toEqual(mech);
    expect(signed).toEqual(input);
  });

  it("accepts RSASSA-PSS with a Hashing Algorithm", async () => {
    const { mechanism } = await run([params([dsa(DSA.RSASSA_PSS), hash(H.SHA_384)]), data()]);
    expect(mechanism.type).toBe(CKM.SHA384_RSA_PKCS_PSS);
  });

  describe("Digested Data", () => {
    it("RSA PKCS#1: CKM_RSA_PKCS over DigestInfo", async () => {
      const digest = sha("sha384");
      const { mechanism, signed } = await run([
        params([alg(A.RSA), hash(H.SHA_384), pad(P.PKCS1V1_5)]),
        digested(digest),
      ]);
      expect(mechanism).toEqual({ type: CKM.RSA_PKCS });
      expect(Buffer.from(signed).toString("hex")).toBe(
        `3041300d060960864801650304020205000430${Buffer.from(digest).toString("hex")}`,
      );
    });

    it("RSA PSS: CKM_RSA_PKCS_PSS over the digest", async () => {
      const digest = sha("sha256");
      const { mechanism, signed } = await run([params([alg(A.RSA), pad(P.PSS)]), digested(digest)]);
      expect(mechanism).toEqual({
        type: CKM.RSA_PKCS_PSS,
        parameter: { hashAlg: CKM.SHA256, mgf: CKG.MGF1_SHA256, saltLen: 32 },
      });
      expect(signed).toEqual(digest);
    });

    it("ECDSA: CKM_ECDSA over the digest as given", async () => {
      const digest = sha("sha384");
      const { mechanism, signed } = await run([params([alg(A.ECDSA)]), digested(digest)]);
      expect(mechanism).toEqual({ type: CKM.ECDSA });
      expect(signed).toEqual(digest);
    });

    it("refuses a digest of the wrong length and Ed25519", async () => {
      const short = await failure([
        params([alg(A.RSA), hash(H.SHA_256)]),
        digested(new Uint8Array(20)),
      ]);
      expect(short.reason).toBe(ResultReason.InvalidField);
      expect(short.message).toContain("Digested Data");
      const ed = await failure([params([alg(A.Ed25519)]), digested(sha("sha512"))]);
      expect(ed.reason).toBe(ResultReason.FeatureNotSupported);
    });
  });

  describe("errors", () => {
    it("refuses a public key UID", async () => {
      for (const uid of ["C0FFEE_pub", "C0FFEE"]) {
        expect((await failure([data()], CKK.RSA, uid)).reason).toBe(ResultReason.IllegalOperation);
      }
    });

    it("names missing or doubled input", async () => {
      const none = await failure([params([alg(A.RSA)])]);
      expect(none.reason).toBe(ResultReason.MissingData);
      expect(none.message).toContain("Data");
      const both = await failure([data(), digested(sha("sha256"))]);
      expect(both.reason).toBe(ResultReason.InvalidField);
    });

    it.each([
      ["hash SHA_1", [alg(A.RSA), hash(H.SHA_1)], ResultReason.FeatureNotSupported, "SHA_1"],
      ["algorithm AES", [alg(A.AES)], ResultReason.FeatureNotSupported, "AES"],
      ["padding OAEP", [alg(A.RSA), pad(P.OAEP)], ResultReason.FeatureNotSupported, "OAEP"],
      [
        "DSA DSAWithSHA256",
        [dsa(DSA.DSAWithSHA256)],
        ResultReason.FeatureNotSupported,
        "DSAWithSHA256",
      ],
      [
        "DSA contradicting the hash",
        [dsa(DSA.ECDSAWithSHA256), hash(H.SHA_384)],
        ResultReason.InvalidField,
        "Hashing Algorithm",
      ],
      [
        "DSA contradicting the algorithm",
        [dsa(DSA.ECDSAWithSHA256), alg(A.RSA)],
        ResultReason.InvalidField,
        "Cryptographic Algorithm",
      ],
      ["PSS padding on ECDSA", [alg(A.ECDSA), pad(P.PSS)], ResultReason.InvalidField, "Padding"],
      [
        "Ed25519 with SHA-256",
        [alg(A.Ed25519), hash(H.SHA_256)],
        ResultReason.InvalidField,
        "SHA-256",
      ],
      [
        "Trailer Field 2",
        [alg(A.RSA), pad(P.PSS), build.integer(Tag.TrailerField, 2)],
        ResultReason.FeatureNotSupported,
        "Trailer Field",
      ],
    ])("refuses %s precisely", async (_name, fields, reason, named) => {
      const err = await failure([params(fields as TtlvItem[]), data()]);
      expect(err.reason).toBe(reason);
      expect(err.message).toContain(named);
    });

    it("refuses multi-part signing", async () => {
      const err = await failure([
        data(),
        build.boolean(Tag.InitIndicator, true),
        build.boolean(Tag.FinalIndicator, false),
      ]);
      expect(err.reason).toBe(ResultReason.FeatureNotSupported);
    });

    it("explains a failed C_Sign when the key is not of the requested kind", async () => {
      const failing = (keyType: number) =>
        new FakeClient({
          getAttributes: () => attrValues([[CKA.KEY_TYPE, ulongBytes(keyType)]]),
          sign: () => {
            throw new Pkcs11Error(CKR.GENERAL_ERROR, "C_Sign");
          },
        });
      const req = payload(
        build.textString(Tag.UniqueIdentifier, UID),
        params([alg(A.RSA), hash(H.SHA_256)]),
        data(),
      );
      const mismatch = await rejection(() => sign.run(req, contextFor(failing(CKK.EC))));
      expect((mismatch as KmipError).reason).toBe(ResultReason.InvalidField);
      expect((mismatch as KmipError).message).toContain("ask for RSA but the key is EC");
      const same = await rejection(() => sign.run(req, contextFor(failing(CKK.RSA))));
      expect(same).toBeInstanceOf(Pkcs11Error);
    });

    it("refuses a key type it does not handle", async () => {
      const err = await failure([data()], CKK.DSA);
      expect(err.reason).toBe(ResultReason.FeatureNotSupported);
      expect(err.message).toContain("CKK_DSA");
    });
  });
});
