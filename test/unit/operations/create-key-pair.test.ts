import { describe, expect, it } from "vitest";
import { CryptographicAlgorithm, RecommendedCurve, ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import { createKeyPair } from "../../../src/operations/create-key-pair.js";
import { refOf } from "../../../src/operations/uid.js";
import { CKA, CKK, CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import type { Attr, Mechanism } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import {
  argsOf,
  contextFor,
  FakeClient,
  field,
  nameValue,
  payload,
  rejection,
  v1Attribute,
} from "./fake.js";

const A = CryptographicAlgorithm;
const M = CryptographicUsageMask;

/** What Cascade sends for RSA (KMIP 1.2 form, domain-kmip). */
function cascadeRsaRequest(bits: number): TtlvItem[] {
  return [
    build.structure(Tag.CommonTemplateAttribute, [
      v1Attribute("Cryptographic Algorithm", build.enumeration(0, A.RSA)),
      v1Attribute("Cryptographic Length", build.integer(0, bits)),
    ]),
    build.structure(Tag.PrivateKeyTemplateAttribute, [
      v1Attribute("Name", nameValue("zone-ksk-priv")),
      v1Attribute("Cryptographic Usage Mask", build.integer(0, M.Sign)),
    ]),
    build.structure(Tag.PublicKeyTemplateAttribute, [
      v1Attribute("Name", nameValue("zone-ksk-pub")),
      v1Attribute("Cryptographic Usage Mask", build.integer(0, M.Verify)),
    ]),
  ];
}

async function run(fields: TtlvItem[], options?: { allowRsa1024: boolean }) {
  const client = new FakeClient();
  const ctx = contextFor(client, options === undefined ? {} : { options });
  const result = await createKeyPair.run(payload(...fields), ctx);
  const [token, mechanism, pub, priv] = argsOf(client, "generateKeyPair") as [
    string,
    Mechanism,
    Attr[],
    Attr[],
  ];
  return { result, token, mechanism, pub, priv };
}

function value(template: Attr[], type: number): Attr["value"] | undefined {
  return template.find((a) => a.type === type)?.value;
}

async function failure(fields: TtlvItem[]): Promise<KmipError> {
  const client = new FakeClient();
  const err = await rejection(() => createKeyPair.run(payload(...fields), contextFor(client)));
  expect(client.callsOf("generateKeyPair")).toHaveLength(0);
  if (!(err instanceof KmipError)) throw err;
  return err;
}

describe("Create Key Pair", () => {
  it("maps Cascade's RSA request to C_GenerateKeyPair", async () => {
    const { result, token, mechanism, pub, priv } = await run(cascadeRsaRequest(2048));
    expect(token).toBe("tok");
    expect(mechanism).toEqual({ type: CKM.RSA_PKCS_KEY_PAIR_GEN });
    expect(value(pub, CKA.CLASS)).toBe(CKO.PUBLIC_KEY);
    expect(value(pub, CKA.KEY_TYPE)).toBe(CKK.RSA);
    expect(value(pub, CKA.MODULUS_BITS)).toBe(2048);
    expect(value(pub, CKA.PUBLIC_EXPONENT)).toBe(65537n);
    expect(value(pub, CKA.TOKEN)).toBe(true);
    expect(value(pub, CKA.VERIFY)).toBe(true);
    expect(value(pub, CKA.ENCRYPT)).toBe(false);
    expect(value(pub, CKA.LABEL)).toBe("zone-ksk-pub");
    expect(value(priv, CKA.CLASS)).toBe(CKO.PRIVATE_KEY);
    expect(value(priv, CKA.TOKEN)).toBe(true);
    expect(value(priv, CKA.PRIVATE)).toBe(true);
    expect(value(priv, CKA.SENSITIVE)).toBe(true);
    expect(value(priv, CKA.EXTRACTABLE)).toBe(false);
    expect(value(priv, CKA.SIGN)).toBe(true);
    expect(value(priv, CKA.DECRYPT)).toBe(false);
    expect(value(priv, CKA.LABEL)).toBe("zone-ksk-priv");

    // One fresh 20-byte CKA_ID on both keys; UIDs private first, then public.
    const id = value(pub, CKA.ID) as Uint8Array;
    expect(id).toHaveLength(20);
    expect(value(priv, CKA.ID)).toEqual(id);
    const [privUid, pubUid] = result.payload;
    expect(privUid?.tag).toBe(Tag.PrivateKeyUniqueIdentifier);
    expect(pubUid?.tag).toBe(Tag.PublicKeyUniqueIdentifier);
    const hex = Buffer.from(id).toString("hex").toUpperCase();
    expect(privUid?.value).toBe(`${hex}_priv`);
    expect(pubUid?.value).toBe(`${hex}_pub`);
    expect(result.uid).toBe(`${hex}_priv`);
    expect(refOf(`${hex}_priv`).id).toEqual(id);
  });

  it("gives each pair its own CKA_ID", async () => {
    const a = await run(cascadeRsaRequest(2048));
    const b = await run(cascadeRsaRequest(2048));
    expect(value(a.pub, CKA.ID)).not.toEqual(value(b.pub, CKA.ID));
  });

  it("reads the 2.x form: EC P-384 from Recommended Curve, Name on both keys", async () => {
    const { mechanism, pub, priv } = await run([
      build.structure(Tag.CommonAttributes, [
        build.enumeration(Tag.CryptographicAlgorithm, A.ECDSA),
        build.structure(Tag.CryptographicDomainParameters, [
          build.enumeration(Tag.RecommendedCurve, RecommendedCurve.P_384),
        ]),
        nameValue("both"),
      ]),
    ]);
    expect(mechanism).toEqual({ type: CKM.EC_KEY_PAIR_GEN });
    expect(value(pub, CKA.KEY_TYPE)).toBe(CKK.EC);
    expect(value(priv, CKA.KEY_TYPE)).toBe(CKK.EC);
    expect(Buffer.from(value(pub, CKA.EC_PARAMS) as Uint8Array).toString("hex")).toBe(
      "06052b81040022",
    );
    expect(value(pub, CKA.LABEL)).toBe("both");
    expect(value(priv, CKA.LABEL)).toBe("both");
    expect(value(pub, CKA.MODULUS_BITS)).toBeUndefined();
  });

  it.each([
    [256, "06082a8648ce3d030107"],
    [384, "06052b81040022"],
    [521, "06052b81040023"],
  ])("picks the EC curve from Cryptographic Length %i", async (bits, oid) => {
    const { pub } = await run([
      build.structure(Tag.CommonTemplateAttribute, [
        v1Attribute("Cryptographic Algorithm", build.enumeration(0, A.EC)),
        v1Attribute("Cryptographic Length", build.integer(0, bits)),
      ]),
    ]);
    expect(Buffer.from(value(pub, CKA.EC_PARAMS) as Uint8Array).toString("hex")).toBe(oid);
  });

  it("generates Ed25519 (the 2.1 enumeration, accepted in a 1.x request)", async () => {
    const { mechanism, pub, priv } = await run([
      build.structure(Tag.CommonTemplateAttribute, [
        v1Attribute("Cryptographic Algorithm", build.enumeration(0, A.Ed25519)),
      ]),
    ]);
    expect(mechanism).toEqual({ type: CKM.EC_EDWARDS_KEY_PAIR_GEN });
    expect(mechanism.type).toBe(0x1055);
    expect(value(pub, CKA.KEY_TYPE)).toBe(CKK.EC_EDWARDS);
    expect(value(priv, CKA.KEY_TYPE)).toBe(0x40);
    expect(Buffer.from(value(pub, CKA.EC_PARAMS) as Uint8Array).toString("hex")).toBe("06032b6570");
  });

  it("maps Cryptographic Usage Masks, per key over common", async () => {
    const { pub, priv } = await run([
      build.structure(Tag.CommonAttributes, [
        build.enumeration(Tag.CryptographicAlgorithm, A.RSA),
        build.integer(Tag.CryptographicLength, 3072),
        build.integer(Tag.CryptographicUsageMask, M.Sign | M.Verify),
      ]),
      build.structure(Tag.PrivateKeyAttributes, [
        build.integer(Tag.CryptographicUsageMask, M.Decrypt | M.UnwrapKey),
      ]),
    ]);
    expect(value(priv, CKA.SIGN)).toBe(false);
    expect(value(priv, CKA.DECRYPT)).toBe(true);
    expect(value(priv, CKA.UNWRAP)).toBe(true);
    expect(value(pub, CKA.VERIFY)).toBe(true);
    expect(value(pub, CKA.ENCRYPT)).toBe(false);
    // Not asked for: explicitly false, so the token's defaults (wrap/unwrap) do not leak.
    expect(value(pub, CKA.WRAP)).toBe(false);
    expect(value(priv, CKA.DERIVE)).toBe(false);
    expect(value(pub, CKA.MODULUS_BITS)).toBe(3072);
  });

  it("retries once without the false usage values when the token refuses them", async () => {
    const client = new FakeClient({
      generateKeyPair: () => {
        if (client.callsOf("generateKeyPair").length === 1) {
          throw new Pkcs11Error(CKR.ATTRIBUTE_VALUE_INVALID, "C_GenerateKeyPair");
        }
      },
    });
    await createKeyPair.run(payload(...cascadeRsaRequest(2048)), contextFor(client));
    expect(client.callsOf("generateKeyPair")).toHaveLength(2);
    const [, , pub, priv] = argsOf(client, "generateKeyPair", 1) as [
      string,
      Mechanism,
      Attr[],
      Attr[],
    ];
    expect(value(priv, CKA.UNWRAP)).toBeUndefined();
    expect(value(pub, CKA.WRAP)).toBeUndefined();
    expect(value(priv, CKA.SIGN)).toBe(true);
    expect(value(priv, CKA.SENSITIVE)).toBe(true);
    const first = argsOf(client, "generateKeyPair", 0)[3] as Attr[];
    expect(value(first, CKA.UNWRAP)).toBe(false);
  });

  it("refuses RSA-1024 unless allowed by option", async () => {
    const err = await failure(cascadeRsaRequest(1024));
    expect(err.reason).toBe(ResultReason.InvalidField);
    expect(err.message).toContain("Cryptographic Length 1024");
    const { pub } = await run(cascadeRsaRequest(1024), { allowRsa1024: true });
    expect(value(pub, CKA.MODULUS_BITS)).toBe(1024);
  });

  it.each([512, 8192, 2049])("refuses RSA modulus %i", async (bits) => {
    expect((await failure(cascadeRsaRequest(bits))).reason).toBe(ResultReason.InvalidField);
  });

  it("names the missing Cryptographic Algorithm and RSA length", async () => {
    const noAlg = await failure([
      build.structure(Tag.CommonAttributes, [build.integer(Tag.CryptographicLength, 2048)]),
    ]);
    expect(noAlg.reason).toBe(ResultReason.MissingData);
    expect(noAlg.message).toContain("Cryptographic Algorithm");
    const noLen = await failure([
      build.structure(Tag.CommonAttributes, [build.enumeration(Tag.CryptographicAlgorithm, A.RSA)]),
    ]);
    expect(noLen.reason).toBe(ResultReason.MissingData);
    expect(noLen.message).toContain("Cryptographic Length");
  });

  it("refuses unsupported algorithms and curves precisely", async () => {
    const aes = await failure([
      build.structure(Tag.CommonAttributes, [build.enumeration(Tag.CryptographicAlgorithm, A.AES)]),
    ]);
    expect(aes.reason).toBe(ResultReason.FeatureNotSupported);
    expect(aes.message).toContain("AES");
    const k163 = await failure([
      build.structure(Tag.CommonAttributes, [
        build.enumeration(Tag.CryptographicAlgorithm, A.ECDSA),
        build.enumeration(Tag.RecommendedCurve, RecommendedCurve.K_163),
      ]),
    ]);
    expect(k163.reason).toBe(ResultReason.FeatureNotSupported);
    expect(k163.message).toContain("K_163");
    const mismatch = await failure([
      build.structure(Tag.CommonAttributes, [
        build.enumeration(Tag.CryptographicAlgorithm, A.ECDSA),
        build.integer(Tag.CryptographicLength, 256),
        build.enumeration(Tag.RecommendedCurve, RecommendedCurve.P_384),
      ]),
    ]);
    expect(mismatch.reason).toBe(ResultReason.InvalidField);
  });

  it("refuses conflicting algorithms and a URI Name", async () => {
    const conflict = await failure([
      build.structure(Tag.CommonAttributes, [build.enumeration(Tag.CryptographicAlgorithm, A.RSA)]),
      build.structure(Tag.PublicKeyAttributes, [
        build.enumeration(Tag.CryptographicAlgorithm, A.ECDSA),
      ]),
    ]);
    expect(conflict.reason).toBe(ResultReason.InvalidField);
    expect(conflict.message).toContain("Cryptographic Algorithm");
    const uri = await failure([
      build.structure(Tag.CommonAttributes, [
        build.enumeration(Tag.CryptographicAlgorithm, A.ECDSA),
        nameValue("https://x", 2),
      ]),
    ]);
    expect(uri.reason).toBe(ResultReason.InvalidField);
    expect(uri.message).toContain("Name Type");
  });

  it("ignores attributes without a PKCS#11 counterpart", async () => {
    const { pub } = await run([
      build.structure(Tag.CommonTemplateAttribute, [
        v1Attribute("Cryptographic Algorithm", build.enumeration(0, A.ECDSA)),
        v1Attribute("Activation Date", build.dateTime(0, 1n)),
        v1Attribute("x-vendor", build.textString(0, "v")),
      ]),
    ]);
    expect(value(pub, CKA.KEY_TYPE)).toBe(CKK.EC);
  });

  it("requires a token", async () => {
    const client = new FakeClient();
    const err = await rejection(() =>
      createKeyPair.run(
        payload(...cascadeRsaRequest(2048)),
        contextFor(client, { token: undefined }),
      ),
    );
    expect((err as KmipError).reason).toBe(ResultReason.AuthenticationNotSuccessful);
  });

  it("returns UIDs as Text Strings", async () => {
    const { result } = await run(cascadeRsaRequest(2048));
    expect(field(result.payload, Tag.PublicKeyUniqueIdentifier)?.type).toBe("TextString");
  });
});
