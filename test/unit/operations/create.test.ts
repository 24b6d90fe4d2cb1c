import { describe, expect, it } from "vitest";
import {
  BlockCipherMode,
  CryptographicAlgorithm,
  ObjectType,
  PaddingMethod,
  ResultReason,
} from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { CryptographicUsageMask as M } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import { create, mechanismList } from "../../../src/operations/create.js";
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

const alg = (v: number) => build.enumeration(Tag.CryptographicAlgorithm, v);
const len = (v: number) => build.integer(Tag.CryptographicLength, v);
const usage = (v: number) => build.integer(Tag.CryptographicUsageMask, v);
const flag = (tag: number, v: boolean) => build.boolean(tag, v);

const V1_NAMES: Record<number, string> = {
  [Tag.CryptographicAlgorithm]: "Cryptographic Algorithm",
  [Tag.CryptographicLength]: "Cryptographic Length",
  [Tag.CryptographicUsageMask]: "Cryptographic Usage Mask",
  [Tag.Name]: "Name",
  [Tag.Sensitive]: "Sensitive",
  [Tag.Extractable]: "Extractable",
  [Tag.CryptographicParameters]: "Cryptographic Parameters",
};

/** A Create payload: 1.x Template-Attribute or 2.x Attributes. */
function request(
  attrs: TtlvItem[],
  form: "v1" | "v2" = "v1",
  objectType: number = ObjectType.SymmetricKey,
) {
  const container =
    form === "v1"
      ? build.structure(
          Tag.TemplateAttribute,
          attrs.map((a) => v1Attribute(V1_NAMES[a.tag] ?? "?", a)),
        )
      : build.structure(Tag.Attributes, attrs);
  return payload(build.enumeration(Tag.ObjectType, objectType), container);
}

async function run(attrs: TtlvItem[], form: "v1" | "v2" = "v1") {
  const client = new FakeClient();
  const result = await create.run(request(attrs, form), contextFor(client));
  const [token, mechanism, template] = argsOf(client, "generateKey") as [string, Mechanism, Attr[]];
  const value = (type: number) => template.find((a) => a.type === type)?.value;
  return { result, token, mechanism, template, value };
}

async function failure(attrs: TtlvItem[], objectType?: number): Promise<KmipError> {
  const client = new FakeClient();
  const err = (await rejection(() =>
    create.run(request(attrs, "v1", objectType), contextFor(client)),
  )) as KmipError;
  expect(client.callsOf("generateKey")).toHaveLength(0);
  return err;
}

describe("Create", () => {
  it.each(["v1", "v2"] as const)(
    "generates an AES-256 token secret key (%s form)",
    async (form) => {
      const { token, mechanism, value, result } = await run(
        [alg(CryptographicAlgorithm.AES), len(256)],
        form,
      );
      expect(token).toBe("tok");
      expect(mechanism).toEqual({ type: CKM.AES_KEY_GEN });
      expect(value(CKA.CLASS)).toBe(CKO.SECRET_KEY);
      expect(value(CKA.KEY_TYPE)).toBe(CKK.AES);
      expect(value(CKA.VALUE_LEN)).toBe(32);
      expect(value(CKA.TOKEN)).toBe(true);
      expect(value(CKA.PRIVATE)).toBe(true);
      expect(value(CKA.SENSITIVE)).toBe(true);
      expect(value(CKA.EXTRACTABLE)).toBe(false);
      expect([value(CKA.ENCRYPT), value(CKA.DECRYPT), value(CKA.SIGN), value(CKA.VERIFY)]).toEqual([
        true,
        true,
        false,
        false,
      ]);
      // Not asked for: explicitly false, so SoftHSM2's CKA_WRAP/CKA_UNWRAP true does not leak
      // into the Cryptographic Usage Mask read back.
      expect([value(CKA.WRAP), value(CKA.UNWRAP), value(CKA.DERIVE)]).toEqual([
        false,
        false,
        false,
      ]);
      const uid = field(result.payload, Tag.UniqueIdentifier)?.value as string;
      expect(uid).toMatch(/^[0-9A-F]{40}_sec$/);
      expect(refOf(uid).id).toEqual(value(CKA.ID));
      expect(result.uid).toBe(uid);
      expect(result.payload.map((i) => i.tag)).toEqual([Tag.ObjectType, Tag.UniqueIdentifier]);
      expect(field(result.payload, Tag.ObjectType)?.value).toBe(ObjectType.SymmetricKey);
    },
  );

  it.each([
    [CryptographicAlgorithm.HMAC_SHA256, CKM.SHA256_HMAC, 32],
    [CryptographicAlgorithm.HMAC_SHA384, CKM.SHA384_HMAC, 48],
    [CryptographicAlgorithm.HMAC_SHA512, CKM.SHA512_HMAC, 64],
  ])("generates a generic secret for HMAC %i, recording its mechanism", async (a, ckm, bytes) => {
    const { mechanism, value } = await run([alg(a)]);
    expect(mechanism).toEqual({ type: CKM.GENERIC_SECRET_KEY_GEN });
    expect(value(CKA.KEY_TYPE)).toBe(CKK.GENERIC_SECRET);
    expect(value(CKA.VALUE_LEN)).toBe(bytes);
    expect(value(CKA.ALLOWED_MECHANISMS)).toEqual(mechanismList([ckm]));
    expect([value(CKA.ENCRYPT), value(CKA.DECRYPT), value(CKA.SIGN), value(CKA.VERIFY)]).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });

  it("encodes CKA_ALLOWED_MECHANISMS as little-endian CK_ULONGs", () => {
    expect(Buffer.from(mechanismList([0x251, 0x1087])).toString("hex")).toBe(
      "51020000000000008710000000000000",
    );
  });

  it("maps the usage mask, Name, Sensitive and Extractable", async () => {
    const { value } = await run([
      alg(CryptographicAlgorithm.AES),
      len(128),
      usage(M.Encrypt | M.WrapKey | M.UnwrapKey | M.DeriveKey),
      nameValue("my key"),
      flag(Tag.Sensitive, false),
      flag(Tag.Extractable, true),
    ]);
    expect(value(CKA.ENCRYPT)).toBe(true);
    expect(value(CKA.DECRYPT)).toBe(false);
    expect([value(CKA.WRAP), value(CKA.UNWRAP), value(CKA.DERIVE)]).toEqual([true, true, true]);
    expect(value(CKA.LABEL)).toBe("my key");
    expect(value(CKA.SENSITIVE)).toBe(false);
    expect(value(CKA.EXTRACTABLE)).toBe(true);
  });

  it("retries once without the false wrap/unwrap/derive when the token refuses them", async () => {
    const client = new FakeClient({
      generateKey: () => {
        if (client.callsOf("generateKey").length === 1) {
          throw new Pkcs11Error(CKR.TEMPLATE_INCONSISTENT, "C_GenerateKey");
        }
      },
    });
    await create.run(request([alg(CryptographicAlgorithm.AES), len(128)]), contextFor(client));
    expect(client.callsOf("generateKey")).toHaveLength(2);
    const first = argsOf(client, "generateKey", 0)[2] as Attr[];
    const second = argsOf(client, "generateKey", 1)[2] as Attr[];
    const of = (t: Attr[], type: number) => t.find((a) => a.type === type)?.value;
    expect(of(first, CKA.UNWRAP)).toBe(false);
    expect(of(second, CKA.UNWRAP)).toBeUndefined();
    expect(of(second, CKA.WRAP)).toBeUndefined();
    expect(of(second, CKA.ENCRYPT)).toBe(true);
    expect(of(second, CKA.SENSITIVE)).toBe(true);
  });

  it("passes on a token failure that is not a template refusal, without a retry", async () => {
    const client = new FakeClient({
      generateKey: () => {
        throw new Pkcs11Error(CKR.DEVICE_ERROR, "C_GenerateKey");
      },
    });
    const req = request([alg(CryptographicAlgorithm.AES), len(128)]);
    expect(await rejection(() => create.run(req, contextFor(client)))).toBeInstanceOf(Pkcs11Error);
    expect(client.callsOf("generateKey")).toHaveLength(1);
  });

  it("accepts HMAC key lengths from the hash length to the block size", async () => {
    const { value } = await run([alg(CryptographicAlgorithm.HMAC_SHA256), len(512)]);
    expect(value(CKA.VALUE_LEN)).toBe(64);
    for (const bad of [128, 260, 520]) {
      const err = await failure([alg(CryptographicAlgorithm.HMAC_SHA256), len(bad)]);
      expect(err.reason).toBe(ResultReason.InvalidField);
      expect(err.message).toMatch(`Cryptographic Length ${bad}`);
    }
  });

  it.each([
    ["no algorithm", [len(128)], ResultReason.MissingData, /Cryptographic Algorithm is required/],
    [
      "AES without length",
      [alg(CryptographicAlgorithm.AES)],
      ResultReason.MissingData,
      /Cryptographic Length is required/,
    ],
    [
      "AES-64",
      [alg(CryptographicAlgorithm.AES), len(64)],
      ResultReason.InvalidField,
      /64 is not an AES key size/,
    ],
    [
      "RSA",
      [alg(CryptographicAlgorithm.RSA), len(2048)],
      ResultReason.FeatureNotSupported,
      /RSA is not supported/,
    ],
    [
      "two lengths",
      [alg(CryptographicAlgorithm.AES), len(128), len(256)],
      ResultReason.InvalidField,
      /conflicting values of Cryptographic ?Length/,
    ],
    [
      "a URI name",
      [alg(CryptographicAlgorithm.AES), len(128), nameValue("x", 2)],
      ResultReason.InvalidField,
      /Name Type/,
    ],
  ] as const)("refuses %s", async (_, attrs, reason, message) => {
    const err = await failure([...attrs]);
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
  });

  it("refuses other Object Types and a missing attribute container", async () => {
    const err = await failure([alg(CryptographicAlgorithm.AES), len(128)], ObjectType.SecretData);
    expect(err.reason).toBe(ResultReason.FeatureNotSupported);
    expect(err.message).toMatch(/Object Type SecretData/);
    const client = new FakeClient();
    const bare = payload(build.enumeration(Tag.ObjectType, ObjectType.SymmetricKey));
    const missing = (await rejection(() => create.run(bare, contextFor(client)))) as KmipError;
    expect(missing.reason).toBe(ResultReason.MissingData);
    expect(missing.message).toMatch(/Template-Attribute/);
  });

  it("needs a token", async () => {
    const client = new FakeClient();
    const req = request([alg(CryptographicAlgorithm.AES), len(128)]);
    const err = (await rejection(() =>
      create.run(req, contextFor(client, { token: undefined })),
    )) as KmipError;
    expect(err.reason).toBe(ResultReason.AuthenticationNotSuccessful);
  });

  describe("Cryptographic Parameters of an AES key -> CKA_ALLOWED_MECHANISMS", () => {
    const cp = (mode: number, padding?: number) =>
      build.structure(Tag.CryptographicParameters, [
        build.enumeration(Tag.BlockCipherMode, mode),
        ...(padding === undefined ? [] : [build.enumeration(Tag.PaddingMethod, padding)]),
      ]);
    it.each([
      [cp(BlockCipherMode.ECB), CKM.AES_ECB, "v1"],
      [cp(BlockCipherMode.CBC), CKM.AES_CBC_PAD, "v2"],
      [cp(BlockCipherMode.CBC, PaddingMethod.None), CKM.AES_CBC, "v1"],
      [cp(BlockCipherMode.GCM), CKM.AES_GCM, "v2"],
    ] as const)("%#: keeps the key to the one mechanism", async (params, ckm, form) => {
      const { value } = await run([alg(CryptographicAlgorithm.AES), len(128), params], form);
      expect(value(CKA.ALLOWED_MECHANISMS)).toEqual(mechanismList([ckm]));
    });

    it("records nothing without a Block Cipher Mode", async () => {
      const empty = build.structure(Tag.CryptographicParameters, []);
      const { value } = await run([alg(CryptographicAlgorithm.AES), len(128), empty]);
      expect(value(CKA.ALLOWED_MECHANISMS)).toBeUndefined();
    });

    it("refuses a mode it cannot keep", async () => {
      const client = new FakeClient();
      const attrs = [alg(CryptographicAlgorithm.AES), len(128), cp(BlockCipherMode.CTR)];
      const err = (await rejection(() =>
        create.run(request(attrs), contextFor(client)),
      )) as KmipError;
      expect(err.reason).toBe(ResultReason.FeatureNotSupported);
      expect(err.message).toMatch(/Block Cipher Mode CTR/);
      expect(client.calls).toHaveLength(0);
    });
  });
});
