import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  KeyFormatType,
  ObjectType,
  ResultReason,
} from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { mechanismList } from "../../../src/operations/create.js";
import { get } from "../../../src/operations/get.js";
import { CKA, CKK, CKM, CKO } from "../../../src/pkcs11/constants.js";
import { ObjectNotFoundError } from "../../../src/pkcs11/errors.js";
import type { AttrValues, ObjectRef } from "../../../src/pkcs11/types.js";
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

const UID = "0A0B_sec";
const VALUE = new Uint8Array(16).fill(0x5a);
const TRUE = new Uint8Array([1]);
const FALSE = new Uint8Array([0]);

function secret(over: {
  keyType?: number;
  sensitive?: Uint8Array | null;
  extractable?: Uint8Array | null;
  allowed?: number[];
  value?: Uint8Array | null;
}): AttrValues {
  return attrValues([
    [CKA.KEY_TYPE, ulongBytes(over.keyType ?? CKK.AES)],
    [CKA.VALUE_LEN, ulongBytes(16)],
    [CKA.SENSITIVE, over.sensitive === undefined ? FALSE : over.sensitive],
    [CKA.EXTRACTABLE, over.extractable === undefined ? TRUE : over.extractable],
    [CKA.ALLOWED_MECHANISMS, over.allowed === undefined ? null : mechanismList(over.allowed)],
    [CKA.VALUE, over.value === undefined ? VALUE : over.value],
  ]);
}

async function getSecret(values: AttrValues, format?: number) {
  const client = new FakeClient({ getAttributes: () => values });
  const fields: TtlvItem[] = [build.textString(Tag.UniqueIdentifier, UID)];
  if (format !== undefined) fields.push(build.enumeration(Tag.KeyFormatType, format));
  const result = await get.run(payload(...fields), contextFor(client));
  const block = findChild(field(result.payload, Tag.SymmetricKey) ?? payload(), Tag.KeyBlock);
  if (block === undefined) throw new Error("no Key Block");
  const value = findChild(block, Tag.KeyValue);
  return {
    client,
    result,
    format: findChild(block, Tag.KeyFormatType)?.value,
    algorithm: findChild(block, Tag.CryptographicAlgorithm)?.value,
    length: findChild(block, Tag.CryptographicLength)?.value,
    material: value && findChild(value, Tag.KeyMaterial),
  };
}

describe("Get of a secret key", () => {
  it("returns an extractable, non-sensitive AES key as Raw bytes", async () => {
    const got = await getSecret(secret({}));
    const [, ref, types] = argsOf(got.client, "getAttributes") as [string, ObjectRef, number[]];
    expect(ref.cls).toBe(CKO.SECRET_KEY);
    expect(types).toEqual(expect.arrayContaining([CKA.SENSITIVE, CKA.EXTRACTABLE, CKA.VALUE]));
    expect(got.result.payload.map((i) => i.tag)).toEqual([
      Tag.ObjectType,
      Tag.UniqueIdentifier,
      Tag.SymmetricKey,
    ]);
    expect(field(got.result.payload, Tag.ObjectType)?.value).toBe(ObjectType.SymmetricKey);
    expect(got.format).toBe(KeyFormatType.Raw);
    expect(got.material?.value).toEqual(VALUE);
    expect(got.algorithm).toBe(CryptographicAlgorithm.AES);
    expect(got.length).toBe(128);
  });

  it("returns Transparent Symmetric Key{Key} when asked", async () => {
    const got = await getSecret(secret({}), KeyFormatType.TransparentSymmetricKey);
    expect(got.format).toBe(KeyFormatType.TransparentSymmetricKey);
    expect(got.material && findChild(got.material, Tag.Key)?.value).toEqual(VALUE);
  });

  it("names the HMAC of a generic secret; leaves the algorithm out when the key does not say", async () => {
    const hmac = await getSecret(
      secret({ keyType: CKK.GENERIC_SECRET, allowed: [CKM.SHA384_HMAC] }),
    );
    expect(hmac.algorithm).toBe(CryptographicAlgorithm.HMAC_SHA384);
    const generic = await getSecret(secret({ keyType: CKK.GENERIC_SECRET }));
    expect(generic.algorithm).toBeUndefined();
    expect(generic.material?.value).toEqual(VALUE);
  });

  it.each([
    ["sensitive", { sensitive: TRUE, value: null }],
    ["not extractable", { extractable: FALSE, value: null }],
    ["sensitive even if the value came", { sensitive: TRUE }],
    ["silent about its flags", { sensitive: null, extractable: null, value: null }],
  ])("answers Permission Denied for a key that is %s", async (_, over) => {
    const err = (await rejection(() => getSecret(secret(over)))) as KmipError;
    expect(err.reason).toBe(ResultReason.PermissionDenied);
    expect(err.message).toMatch(/secret key the token does not let out/);
  });

  it("refuses public-key formats and reports a missing key as Item Not Found", async () => {
    const err = (await rejection(() => getSecret(secret({}), KeyFormatType.PKCS_1))) as KmipError;
    expect(err.reason).toBe(ResultReason.KeyFormatTypeNotSupported);
    const client = new FakeClient({
      getAttributes: () => Promise.reject(new ObjectNotFoundError()),
    });
    const req = payload(build.textString(Tag.UniqueIdentifier, UID));
    expect(await rejection(() => get.run(req, contextFor(client)))).toBeInstanceOf(
      ObjectNotFoundError,
    );
  });
});
