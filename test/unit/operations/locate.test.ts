import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm as A,
  ObjectType,
  RecommendedCurve,
  ResultReason,
  State,
} from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { CryptographicUsageMask as M } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import { mechanismList } from "../../../src/operations/create.js";
import { locate, SCAN_LIMIT } from "../../../src/operations/locate.js";
import { CKA, CKK, CKM, CKO } from "../../../src/pkcs11/constants.js";
import type { AttrValues } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import {
  argsOf,
  attrValues,
  contextFor,
  FakeClient,
  nameValue,
  payload,
  rejection,
  ulongBytes,
  v1Attribute,
} from "./fake.js";

function found(id: number[], cls: number, modulusBytes?: number): AttrValues {
  const entries: [number, Uint8Array | null][] = [
    [CKA.ID, new Uint8Array(id)],
    [CKA.CLASS, ulongBytes(cls)],
  ];
  if (modulusBytes !== undefined) {
    entries.push([CKA.MODULUS, new Uint8Array(modulusBytes).fill(0xc3)]);
  }
  return attrValues(entries);
}

const OBJECTS = [
  found([0xa1], CKO.PRIVATE_KEY),
  found([0xa1], CKO.PUBLIC_KEY),
  found([], CKO.PUBLIC_KEY), // no CKA_ID: no UID
  found([0xb2], CKO.SECRET_KEY),
  found([0xc3], 0x1), // a certificate: not a key
  found([0xd4], CKO.PUBLIC_KEY),
];

async function run(fields: TtlvItem[], version = { major: 1, minor: 4 }, objects = OBJECTS) {
  const client = new FakeClient({ findObjects: () => objects });
  const result = await locate.run(payload(...fields), contextFor(client, { version }));
  const uids = result.payload.filter((i) => i.tag === Tag.UniqueIdentifier).map((i) => i.value);
  const located = result.payload.find((i) => i.tag === Tag.LocatedItems)?.value;
  return { client, uids, located, result };
}

const attribute = (name: string, item: TtlvItem) => v1Attribute(name, item);
const type = (v: number) => attribute("Object Type", build.enumeration(Tag.ObjectType, v));
const algorithm = (v: number) =>
  attribute("Cryptographic Algorithm", build.enumeration(Tag.CryptographicAlgorithm, v));
const length = (v: number) =>
  attribute("Cryptographic Length", build.integer(Tag.CryptographicLength, v));

async function failure(fields: TtlvItem[]): Promise<KmipError> {
  const err = await rejection(() => run(fields));
  if (!(err instanceof KmipError)) throw err;
  return err;
}

describe("Locate", () => {
  it("maps Name, Object Type and Cryptographic Algorithm to a C_FindObjects template", async () => {
    const { client } = await run([
      attribute("Name", nameValue("zone-ksk")),
      type(ObjectType.PrivateKey),
      algorithm(A.ECDSA),
    ]);
    const [token, template, opts] = argsOf(client, "findObjects");
    expect(token).toBe("tok");
    expect(template).toEqual([
      { type: CKA.LABEL, value: "zone-ksk" },
      { type: CKA.CLASS, value: CKO.PRIVATE_KEY },
      { type: CKA.KEY_TYPE, value: CKK.EC },
    ]);
    expect(opts).toEqual({ max: SCAN_LIMIT + 1, attributes: [CKA.ID, CKA.CLASS] });
  });

  it("reads the 2.x Attributes container the same way", async () => {
    const { client } = await run(
      [build.structure(Tag.Attributes, [build.enumeration(Tag.ObjectType, ObjectType.PublicKey)])],
      { major: 2, minor: 1 },
    );
    expect(argsOf(client, "findObjects")[1]).toEqual([{ type: CKA.CLASS, value: CKO.PUBLIC_KEY }]);
  });

  it("answers the UIDs of keys with a CKA_ID, and Located Items from 1.3 on", async () => {
    const { uids, located } = await run([]);
    expect(uids).toEqual(["A1_priv", "A1_pub", "B2_sec", "D4_pub"]);
    expect(located).toBe(4);
    expect((await run([], { major: 1, minor: 2 })).located).toBeUndefined();
  });

  it("pages with Offset Items and Maximum Items", async () => {
    const paged = await run([
      build.integer(Tag.MaximumItems, 2),
      build.integer(Tag.OffsetItems, 1),
    ]);
    expect(paged.uids).toEqual(["A1_pub", "B2_sec"]);
    expect(paged.located).toBe(4);
    expect((await run([build.integer(Tag.MaximumItems, 0)])).uids).toEqual([]);
    const err = await failure([build.integer(Tag.OffsetItems, -1)]);
    expect(err.reason).toBe(ResultReason.InvalidField);
    expect(err.message).toMatch(/Offset Items/);
  });

  it("leaves Located Items out when the scan limit cut the search", async () => {
    const many = Array.from({ length: SCAN_LIMIT + 1 }, (_, i) =>
      found([i >> 8, i & 0xff], CKO.PUBLIC_KEY),
    );
    const { uids, located } = await run([], { major: 1, minor: 4 }, many);
    expect(uids).toHaveLength(SCAN_LIMIT);
    expect(located).toBeUndefined();
  });

  it("searches lengths by curve (EC), value length (AES, HMAC) and modulus read per key (RSA)", async () => {
    const ec = await run([algorithm(A.ECDSA), length(384)]);
    expect(argsOf(ec.client, "findObjects")[1]).toContainEqual({
      type: CKA.EC_PARAMS,
      value: new Uint8Array(Buffer.from("06052b81040022", "hex")),
    });
    const curve = await run([
      attribute(
        "Cryptographic Domain Parameters",
        build.structure(Tag.CryptographicDomainParameters, [
          build.enumeration(Tag.RecommendedCurve, RecommendedCurve.P_521),
        ]),
      ),
    ]);
    expect(argsOf(curve.client, "findObjects")[1]).toEqual([
      { type: CKA.EC_PARAMS, value: new Uint8Array(Buffer.from("06052b81040023", "hex")) },
    ]);
    const aes = await run([algorithm(A.AES), length(256)]);
    expect(argsOf(aes.client, "findObjects")[1]).toContainEqual({ type: CKA.VALUE_LEN, value: 32 });
    const hmac = await run([algorithm(A.HMAC_SHA384)]);
    expect(argsOf(hmac.client, "findObjects")[1]).toEqual([
      { type: CKA.KEY_TYPE, value: CKK.GENERIC_SECRET },
      { type: CKA.ALLOWED_MECHANISMS, value: mechanismList([CKM.SHA384_HMAC]) },
    ]);
    const rsaObjects = [found([1], CKO.PUBLIC_KEY, 256), found([2], CKO.PUBLIC_KEY, 384)];
    const rsa = await run([algorithm(A.RSA), length(3072)], { major: 1, minor: 4 }, rsaObjects);
    expect(argsOf(rsa.client, "findObjects")[2]).toEqual({
      max: SCAN_LIMIT + 1,
      attributes: [CKA.ID, CKA.CLASS, CKA.MODULUS],
    });
    expect(rsa.uids).toEqual(["02_pub"]);
  });

  it("maps the usage mask to usage attributes that must be true", async () => {
    const mask = attribute(
      "Cryptographic Usage Mask",
      build.integer(Tag.CryptographicUsageMask, M.Sign | M.Decrypt),
    );
    const { client } = await run([mask]);
    expect(argsOf(client, "findObjects")[1]).toEqual([
      { type: CKA.SIGN, value: true },
      { type: CKA.DECRYPT, value: true },
    ]);
  });

  it("finds nothing, without a token call, for values no key can have", async () => {
    for (const fields of [
      [type(ObjectType.Certificate)],
      [algorithm(A.DSA)],
      [algorithm(A.ECDSA), length(255)],
      [
        attribute(
          "Cryptographic Domain Parameters",
          build.structure(Tag.CryptographicDomainParameters, [
            build.enumeration(Tag.RecommendedCurve, RecommendedCurve.P_192),
          ]),
        ),
      ],
      [attribute("State", build.enumeration(Tag.State, State.Destroyed))],
      [build.integer(Tag.StorageStatusMask, 2)],
      [attribute("Name", nameValue("a")), attribute("Name", nameValue("b"))],
    ]) {
      const { client, uids, located } = await run(fields);
      expect(client.callsOf("findObjects")).toHaveLength(0);
      expect(uids).toEqual([]);
      expect(located).toBe(0);
    }
  });

  it("refuses what it cannot search, naming the field", async () => {
    const group = await failure([
      attribute("Object Group", build.textString(Tag.ObjectGroup, "g")),
    ]);
    expect(group.reason).toBe(ResultReason.FeatureNotSupported);
    expect(group.message).toMatch(/Object Group/);
    const bare = await failure([length(2048)]);
    expect(bare.reason).toBe(ResultReason.FeatureNotSupported);
    expect(bare.message).toMatch(/Cryptographic Length/);
    const uri = await failure([attribute("Name", nameValue("x", 2))]);
    expect(uri.reason).toBe(ResultReason.InvalidField);
    expect(uri.message).toMatch(/Name Type/);
    const twice = await failure([type(ObjectType.PublicKey), type(ObjectType.PrivateKey)]);
    expect(twice.message).toMatch(/Object Type is given twice/);
  });

  it("needs a token", async () => {
    const err = await rejection(() =>
      locate.run(payload(), contextFor(new FakeClient(), { token: undefined })),
    );
    expect((err as KmipError).reason).toBe(ResultReason.AuthenticationNotSuccessful);
  });
});
