import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm as A,
  HashingAlgorithm,
  KeyFormatType,
  LinkType,
  ObjectType,
  ResultReason,
  State,
} from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { CryptographicUsageMask as M } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import { mechanismList } from "../../../src/operations/create.js";
import { getAttributes } from "../../../src/operations/get-attributes.js";
import { CKA, CKK, CKM, CKO } from "../../../src/pkcs11/constants.js";
import type { AttrValues } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { bool, EC_PUBLIC, EC_KEY as ec, tableClient, withCommon } from "./attribute-table.js";
import { argsOf, attrValues, contextFor, payload, rejection, ulongBytes } from "./fake.js";
import { rsaKey } from "./keys.js";

const V1 = { major: 1, minor: 4 };
const V2 = { major: 2, minor: 1 };

const RSA_PRIVATE = withCommon(rsaKey(2048).attributes, [
  [CKA.LABEL, new Uint8Array()],
  [CKA.SIGN, bool(true)],
  [CKA.DECRYPT, bool(false)],
  [CKA.UNWRAP, bool(false)],
  [CKA.DERIVE, bool(false)],
]);

async function run(
  uid: string,
  table: AttrValues,
  fields: TtlvItem[] = [],
  version = V1,
  linked = true,
) {
  const client = tableClient(table, { findObjects: () => (linked ? [attrValues([])] : []) });
  const result = await getAttributes.run(
    payload(build.textString(Tag.UniqueIdentifier, uid), ...fields),
    contextFor(client, { version }),
  );
  return { client, result };
}

/** 1.x response -> [Attribute Name, Attribute Value] pairs. */
function v1Pairs(items: readonly TtlvItem[]): [string, TtlvItem][] {
  return items
    .filter((i) => i.tag === Tag.Attribute)
    .map((a) => [
      findChild(a, Tag.AttributeName)?.value as string,
      findChild(a, Tag.AttributeValue)!,
    ]);
}

describe("Get Attributes", () => {
  it("1.x without names: every attribute from the token except Link, in section order", async () => {
    const { result, client } = await run("AB_pub", EC_PUBLIC);
    expect(result.payload[0]).toEqual(build.textString(Tag.UniqueIdentifier, "AB_pub"));
    const pairs = new Map(v1Pairs(result.payload));
    expect([...pairs.keys()]).toEqual([
      "Unique Identifier",
      "Name",
      "Object Type",
      "Cryptographic Algorithm",
      "Cryptographic Length",
      "Digest",
      "Cryptographic Usage Mask",
      "State",
    ]);
    expect(findChild(pairs.get("Name")!, Tag.NameValue)?.value).toBe("zone");
    expect(pairs.get("Object Type")?.value).toBe(ObjectType.PublicKey);
    expect(pairs.get("Cryptographic Algorithm")?.value).toBe(A.ECDSA);
    expect(pairs.get("Cryptographic Length")?.value).toBe(384);
    expect(pairs.get("Cryptographic Usage Mask")?.value).toBe(M.Verify | M.WrapKey);
    expect(pairs.get("State")?.value).toBe(State.Active);
    const spki = ec.publicKey.export({ type: "spki", format: "der" });
    const digest = pairs.get("Digest")!;
    expect(findChild(digest, Tag.HashingAlgorithm)?.value).toBe(HashingAlgorithm.SHA_256);
    expect(findChild(digest, Tag.KeyFormatType)?.value).toBe(KeyFormatType.Raw);
    expect(Buffer.from(findChild(digest, Tag.DigestValue)?.value as Uint8Array)).toEqual(
      createHash("sha256").update(spki).digest(),
    );
    expect(client.callsOf("findObjects")).toHaveLength(0); // Link not asked for
    expect(argsOf(client, "getAttributes")[2]).toEqual([
      CKA.KEY_TYPE,
      CKA.LABEL,
      CKA.VERIFY,
      CKA.ENCRYPT,
      CKA.WRAP,
      CKA.DERIVE,
    ]);
  });

  it("2.x with references: Attributes holding those the key has, Link found by CKA_ID", async () => {
    const refs = [Tag.Link, Tag.Name, Tag.CryptographicLength].map(
      (t): TtlvItem => ({ tag: Tag.AttributeReference, type: "Enumeration", value: t }),
    );
    const { result, client } = await run("A1B2_priv", RSA_PRIVATE, refs, V2);
    const attributes = findChild(
      build.structure(Tag.ResponsePayload, result.payload),
      Tag.Attributes,
    )!;
    expect(attributes.value).toEqual([
      build.integer(Tag.CryptographicLength, 2048),
      build.structure(Tag.Link, [
        build.enumeration(Tag.LinkType, LinkType.PublicKeyLink),
        build.textString(Tag.LinkedObjectIdentifier, "A1B2_pub"),
      ]),
    ]);
    expect(argsOf(client, "findObjects")).toEqual([
      "tok",
      [
        { type: CKA.CLASS, value: CKO.PUBLIC_KEY },
        { type: CKA.ID, value: new Uint8Array([0xa1, 0xb2]) },
      ],
      { max: 1, attributes: [] },
    ]);
  });

  it("leaves Link out when the other half is not on the token", async () => {
    const ref = { tag: Tag.AttributeReference, type: "Enumeration", value: Tag.Link } as TtlvItem;
    const { result } = await run("A1B2_priv", RSA_PRIVATE, [ref], V2, false);
    expect(
      findChild(build.structure(Tag.ResponsePayload, result.payload), Tag.Attributes)?.value,
    ).toEqual([]);
  });

  it("reports a secret key's algorithm from CKA_ALLOWED_MECHANISMS and its length from CKA_VALUE_LEN", async () => {
    const table = attrValues([
      [CKA.KEY_TYPE, ulongBytes(CKK.GENERIC_SECRET)],
      [CKA.LABEL, new Uint8Array()],
      [CKA.VALUE_LEN, ulongBytes(48)],
      [CKA.ALLOWED_MECHANISMS, mechanismList([CKM.SHA384_HMAC])],
      [CKA.SIGN, bool(true)],
      [CKA.VERIFY, bool(true)],
      [CKA.SENSITIVE, bool(true)],
    ]);
    const { result } = await run("C3_sec", table, [], V1);
    const pairs = new Map(v1Pairs(result.payload));
    expect(pairs.get("Object Type")?.value).toBe(ObjectType.SymmetricKey);
    expect(pairs.get("Cryptographic Algorithm")?.value).toBe(A.HMAC_SHA384);
    expect(pairs.get("Cryptographic Length")?.value).toBe(384);
    expect(pairs.get("Cryptographic Usage Mask")?.value).toBe(M.MACGenerate | M.MACVerify);
    expect(pairs.has("Digest")).toBe(false);
  });

  it("refuses a name given twice with Invalid Message", async () => {
    const name = build.textString(Tag.AttributeName, "State");
    const err = await rejection(() => run("AB_pub", EC_PUBLIC, [name, name]));
    expect((err as KmipError).reason).toBe(ResultReason.InvalidMessage);
    expect((err as KmipError).message).toMatch(/State/);
  });
});
