import { describe, expect, it } from "vitest";
import { HashingAlgorithm, KeyFormatType } from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { attributesResponse } from "../../../src/operations/get-attributes.js";
import { secretKeyDigest } from "../../../src/operations/secret-digest.js";
import { CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import { FakeClient } from "./fake.js";

const ref = { id: new Uint8Array([1, 2]), cls: CKO.SECRET_KEY };

describe("Digest of a secret key", () => {
  it("asks the token for C_DigestKey with SHA-256 and reports it as Raw", async () => {
    const value = new Uint8Array(32).fill(7);
    const client = new FakeClient({ digestKey: () => value });
    const digest = await secretKeyDigest(client, "t", ref);
    expect(client.callsOf("digestKey")[0]?.args).toEqual(["t", ref, { type: CKM.SHA256 }]);
    expect(findChild(digest as never, Tag.HashingAlgorithm)?.value).toBe(HashingAlgorithm.SHA_256);
    expect(findChild(digest as never, Tag.DigestValue)?.value).toEqual(value);
    expect(findChild(digest as never, Tag.KeyFormatType)?.value).toBe(KeyFormatType.Raw);
  });

  it("a token that refuses (CKR_KEY_INDIGESTIBLE) gives no Digest, not an invented one", async () => {
    const client = new FakeClient({
      digestKey: () => {
        throw new Pkcs11Error(CKR.KEY_INDIGESTIBLE, "C_DigestKey");
      },
    });
    expect(await secretKeyDigest(client, "t", ref)).toBeUndefined();
  });

  it("another PKCS#11 failure fails the request instead of dropping the attribute", async () => {
    const client = new FakeClient({
      digestKey: () => {
        throw new Pkcs11Error(CKR.GENERAL_ERROR, "C_DigestKey");
      },
    });
    await expect(secretKeyDigest(client, "t", ref)).rejects.toThrow(Pkcs11Error);
  });

  it("other failures (a lost worker) still fail the request", async () => {
    const client = new FakeClient({
      digestKey: () => {
        throw new Error("worker crashed");
      },
    });
    await expect(secretKeyDigest(client, "t", ref)).rejects.toThrow("worker crashed");
  });
});

describe("Digest in a Get Attributes response", () => {
  const digest = build.structure(Tag.Digest, [
    build.enumeration(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
    build.byteString(Tag.DigestValue, new Uint8Array(32)),
    build.enumeration(Tag.KeyFormatType, KeyFormatType.Raw),
  ]);
  const formatIn = (minor: number) => {
    const [, attribute] = attributesResponse({ major: 1, minor }, "u", [
      { tag: Tag.Digest, value: digest },
    ]);
    const value = findChild(attribute as never, Tag.AttributeValue);
    return findChild(value as never, Tag.KeyFormatType);
  };

  it("has no Key Format Type under KMIP 1.0 (the field came with 1.1)", () => {
    expect(formatIn(0)).toBeUndefined();
    expect(formatIn(1)?.value).toBe(KeyFormatType.Raw);
  });
});
