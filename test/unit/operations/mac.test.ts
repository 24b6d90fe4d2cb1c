import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  HashingAlgorithm,
  ResultReason,
  ValidityIndicator,
} from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { mechanismList } from "../../../src/operations/create.js";
import { mac } from "../../../src/operations/mac.js";
import { macVerify } from "../../../src/operations/mac-verify.js";
import { RNG_MAX_BYTES, rngRetrieve } from "../../../src/operations/rng-retrieve.js";
import { CKA, CKK, CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
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

const SEC = "0A0B_sec";
const data = new Uint8Array([1, 2, 3]);

function params(algorithm?: number, hash?: number): TtlvItem {
  const items: TtlvItem[] = [];
  if (algorithm !== undefined) items.push(build.enumeration(Tag.CryptographicAlgorithm, algorithm));
  if (hash !== undefined) items.push(build.enumeration(Tag.HashingAlgorithm, hash));
  return build.structure(Tag.CryptographicParameters, items);
}

function req(uid: string, p?: TtlvItem, macData?: Uint8Array, withData = true) {
  return payload(
    build.textString(Tag.UniqueIdentifier, uid),
    ...(p === undefined ? [] : [p]),
    ...(withData ? [build.byteString(Tag.Data, data)] : []),
    ...(macData === undefined ? [] : [build.byteString(Tag.MACData, macData)]),
  );
}

/** A secret key as the token reports it. */
function keyAttributes(keyType: number, allowed: number[] = []) {
  return attrValues([
    [CKA.KEY_TYPE, ulongBytes(keyType)],
    [CKA.VALUE_LEN, ulongBytes(32)],
    [CKA.SENSITIVE, new Uint8Array([1])],
    [CKA.EXTRACTABLE, new Uint8Array([0])],
    [CKA.ALLOWED_MECHANISMS, allowed.length === 0 ? null : mechanismList(allowed)],
  ]);
}

describe("MAC", () => {
  it.each([
    ["an AES key and no parameters", undefined],
    ["Cryptographic Algorithm AES", params(CryptographicAlgorithm.AES)],
  ])("AES CMAC (CKM_AES_CMAC) for %s", async (_, p) => {
    const tagBytes = new Uint8Array(16).fill(6);
    const client = new FakeClient({
      getAttributes: () => keyAttributes(CKK.AES),
      sign: () => tagBytes,
    });
    const result = await mac.run(req(SEC, p), contextFor(client));
    const [, ref, mechanism, signed] = argsOf(client, "sign") as [
      string,
      ObjectRef,
      Mechanism,
      Uint8Array,
    ];
    expect(mechanism).toEqual({ type: CKM.AES_CMAC });
    expect(ref.cls).toBe(CKO.SECRET_KEY);
    expect(signed).toEqual(data);
    expect(field(result.payload, Tag.MACData)?.value).toEqual(tagBytes);
  });

  it("MAC Verify of an AES key verifies with CKM_AES_CMAC", async () => {
    const client = new FakeClient({
      getAttributes: () => keyAttributes(CKK.AES),
      verify: () => false,
    });
    const result = await macVerify.run(req(SEC, undefined, new Uint8Array(16)), contextFor(client));
    expect((argsOf(client, "verify")[2] as Mechanism).type).toBe(CKM.AES_CMAC);
    expect(field(result.payload, Tag.ValidityIndicator)?.value).toBe(ValidityIndicator.Invalid);
  });

  it("HMAC asked of an AES key: Invalid Field naming AES_CMAC", async () => {
    const client = new FakeClient({
      sign: () => Promise.reject(new Pkcs11Error(CKR.KEY_TYPE_INCONSISTENT, "C_SignInit")),
      getAttributes: () => keyAttributes(CKK.AES),
    });
    const p = req(SEC, params(CryptographicAlgorithm.HMAC_SHA256));
    const err = (await rejection(() => mac.run(p, contextFor(client)))) as KmipError;
    expect(err.reason).toBe(ResultReason.InvalidField);
    expect(err.message).toMatch(/HMAC_SHA256 asked for, but the key is for AES_CMAC/);
  });

  it.each([
    [CryptographicAlgorithm.HMAC_SHA256, undefined, CKM.SHA256_HMAC],
    [CryptographicAlgorithm.HMAC_SHA384, undefined, CKM.SHA384_HMAC],
    [undefined, HashingAlgorithm.SHA_512, CKM.SHA512_HMAC],
    [CryptographicAlgorithm.HMAC_SHA256, HashingAlgorithm.SHA_256, CKM.SHA256_HMAC],
  ])("signs with the HMAC the parameters name (%s, %s)", async (a, h, ckm) => {
    const client = new FakeClient({ sign: () => new Uint8Array([9, 9]) });
    const result = await mac.run(req(SEC, params(a, h)), contextFor(client));
    const [, ref, mechanism, input] = argsOf(client, "sign") as [
      string,
      ObjectRef,
      Mechanism,
      Uint8Array,
    ];
    expect(ref.cls).toBe(CKO.SECRET_KEY);
    expect(mechanism).toEqual({ type: ckm });
    expect(input).toEqual(data);
    expect(client.callsOf("getAttributes")).toHaveLength(0);
    expect(result.payload.map((i) => i.tag)).toEqual([Tag.UniqueIdentifier, Tag.MACData]);
    expect(field(result.payload, Tag.MACData)?.value).toEqual(new Uint8Array([9, 9]));
  });

  it("without parameters takes the HMAC the key records (CKA_ALLOWED_MECHANISMS or key type)", async () => {
    for (const [attrs, ckm] of [
      [keyAttributes(CKK.GENERIC_SECRET, [CKM.SHA384_HMAC]), CKM.SHA384_HMAC],
      [keyAttributes(0x2d), CKM.SHA512_HMAC], // CKK_SHA512_HMAC
    ] as const) {
      const client = new FakeClient({ getAttributes: () => attrs, sign: () => data });
      await mac.run(req(SEC), contextFor(client));
      expect((argsOf(client, "sign")[2] as Mechanism).type).toBe(ckm);
    }
  });

  it.each([
    [
      keyAttributes(CKK.GENERIC_SECRET),
      ResultReason.MissingData,
      /Cryptographic Algorithm is required/,
    ],
    [
      keyAttributes(CKK.GENERIC_SECRET, [CKM.SHA256_HMAC, CKM.SHA384_HMAC]),
      ResultReason.MissingData,
      /does not record/,
    ],
  ] as const)(
    "without parameters refuses a key that does not say its HMAC",
    async (attrs, reason, message) => {
      const client = new FakeClient({ getAttributes: () => attrs });
      const err = (await rejection(() => mac.run(req(SEC), contextFor(client)))) as KmipError;
      expect(err.reason).toBe(reason);
      expect(err.message).toMatch(message);
      expect(client.callsOf("sign")).toHaveLength(0);
    },
  );

  it.each([
    [req("0A0B_priv"), ResultReason.IllegalOperation, /not a secret key/],
    [
      req(SEC, params(CryptographicAlgorithm.AES, HashingAlgorithm.SHA_256)),
      ResultReason.InvalidField,
      /Hashing Algorithm does not apply to AES CMAC/,
    ],
    [
      req(SEC, params(CryptographicAlgorithm.RSA)),
      ResultReason.FeatureNotSupported,
      /RSA is not supported \(AES, HMAC_SHA256/,
    ],
    [req(SEC, params(undefined, HashingAlgorithm.MD5)), ResultReason.FeatureNotSupported, /MD5/],
    [
      req(SEC, params(CryptographicAlgorithm.HMAC_SHA256, HashingAlgorithm.SHA_512)),
      ResultReason.InvalidField,
      /contradicts/,
    ],
    [
      req(SEC, params(CryptographicAlgorithm.HMAC_SHA256), undefined, false),
      ResultReason.MissingData,
      /Data/,
    ],
  ] as const)("refuses a bad request (%#)", async (p, reason, message) => {
    const client = new FakeClient();
    const err = (await rejection(() => mac.run(p, contextFor(client)))) as KmipError;
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
    expect(client.calls).toHaveLength(0);
  });

  it("names the key's own HMAC when the token refuses the one asked for", async () => {
    const client = new FakeClient({
      sign: () => Promise.reject(new Pkcs11Error(CKR.MECHANISM_INVALID, "C_SignInit")),
      getAttributes: () => keyAttributes(CKK.GENERIC_SECRET, [CKM.SHA512_HMAC]),
    });
    const p = req(SEC, params(CryptographicAlgorithm.HMAC_SHA256));
    const err = (await rejection(() => mac.run(p, contextFor(client)))) as KmipError;
    expect(err.reason).toBe(ResultReason.InvalidField);
    expect(err.message).toMatch(/HMAC_SHA256 asked for, but the key is for HMAC_SHA512/);
  });
});

describe("MAC Verify", () => {
  it.each([
    [true, ValidityIndicator.Valid],
    [false, ValidityIndicator.Invalid],
  ])("answers C_Verify %s as Validity Indicator %i", async (valid, indicator) => {
    const client = new FakeClient({ verify: () => valid });
    const p = req(SEC, params(CryptographicAlgorithm.HMAC_SHA256), new Uint8Array([7]));
    const result = await macVerify.run(p, contextFor(client));
    const [, , mechanism, input, macData] = argsOf(client, "verify") as [
      string,
      ObjectRef,
      Mechanism,
      Uint8Array,
      Uint8Array,
    ];
    expect(mechanism).toEqual({ type: CKM.SHA256_HMAC });
    expect(input).toEqual(data);
    expect(macData).toEqual(new Uint8Array([7]));
    expect(result.payload.map((i) => i.tag)).toEqual([Tag.UniqueIdentifier, Tag.ValidityIndicator]);
    expect(field(result.payload, Tag.ValidityIndicator)?.value).toBe(indicator);
  });

  it("requires both Data and MAC Data", async () => {
    const client = new FakeClient();
    const noMac = (await rejection(() => macVerify.run(req(SEC), contextFor(client)))) as KmipError;
    expect(noMac.reason).toBe(ResultReason.MissingData);
    expect(noMac.message).toMatch(/MACData|MAC Data/);
    const noData = (await rejection(() =>
      macVerify.run(req(SEC, undefined, new Uint8Array([1]), false), contextFor(client)),
    )) as KmipError;
    expect(noData.reason).toBe(ResultReason.MissingData);
  });
});

describe("RNG Retrieve", () => {
  const ask = (n: number) => payload(build.integer(Tag.DataLength, n));

  it("returns C_GenerateRandom's bytes for Data Length", async () => {
    const client = new FakeClient({ generateRandom: (_t, n) => new Uint8Array(n).fill(6) });
    const result = await rngRetrieve.run(ask(48), contextFor(client));
    expect(argsOf(client, "generateRandom")).toEqual(["tok", 48]);
    expect(result.payload.map((i) => i.tag)).toEqual([Tag.Data]);
    expect(field(result.payload, Tag.Data)?.value).toEqual(new Uint8Array(48).fill(6));
  });

  it.each([0, -5, RNG_MAX_BYTES + 1, 2 ** 31 - 1])(
    "refuses Data Length %i, naming the limit",
    async (n) => {
      const client = new FakeClient();
      const err = (await rejection(() => rngRetrieve.run(ask(n), contextFor(client)))) as KmipError;
      expect(err.reason).toBe(ResultReason.InvalidField);
      expect(err.message).toMatch(`Data Length ${n} is outside 1-65536`);
      expect(client.calls).toHaveLength(0);
    },
  );

  it("accepts the limit itself and needs Data Length and a token", async () => {
    const client = new FakeClient({ generateRandom: (_t, n) => new Uint8Array(n) });
    await rngRetrieve.run(ask(RNG_MAX_BYTES), contextFor(client));
    expect(argsOf(client, "generateRandom")[1]).toBe(65_536);
    const missing = (await rejection(() =>
      rngRetrieve.run(payload(), contextFor(client)),
    )) as KmipError;
    expect(missing.reason).toBe(ResultReason.MissingData);
    const noToken = (await rejection(() =>
      rngRetrieve.run(ask(1), contextFor(client, { token: undefined })),
    )) as KmipError;
    expect(noToken.reason).toBe(ResultReason.AuthenticationNotSuccessful);
  });
});
