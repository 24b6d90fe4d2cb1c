/**
 * Create and Create Key Pair refuse attributes that promise what the relay cannot keep
 * (unkept-attributes.ts), before any token call, and still accept descriptive ones.
 */
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  ObjectType,
  ProtectionLevel,
  ResultReason,
} from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { CryptographicUsageMask as M } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import { create } from "../../../src/operations/create.js";
import { createKeyPair } from "../../../src/operations/create-key-pair.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { contextFor, FakeClient, payload, rejection, v1Attribute } from "./fake.js";

const aes128 = [
  build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
  build.integer(Tag.CryptographicLength, 128),
  build.integer(Tag.CryptographicUsageMask, M.Encrypt | M.Decrypt),
];
const quantumSafe = (v: boolean) => build.boolean(Tag.QuantumSafe, v);
const level = build.enumeration(Tag.ProtectionLevel, ProtectionLevel.High);
const period: TtlvItem = { tag: Tag.ProtectionPeriod, type: "Interval", value: 409968000 };
const storageMask = build.integer(Tag.ProtectionStorageMask, 1);
const masks = build.structure(Tag.ProtectionStorageMasks, [
  build.integer(Tag.ProtectionStorageMask, 1),
]);
const usageLimits = build.structure(Tag.UsageLimits, [
  build.longInteger(Tag.UsageLimitsTotal, 10n),
  build.enumeration(Tag.UsageLimitsUnit, 1),
]);

/** A 2.x Create; `extra` goes after the Attributes (request fields). */
function createRequest(attrs: TtlvItem[], extra: TtlvItem[] = []) {
  return payload(
    build.enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
    build.structure(Tag.Attributes, attrs),
    ...extra,
  );
}

async function createFailure(attrs: TtlvItem[], extra: TtlvItem[] = []): Promise<KmipError> {
  const client = new FakeClient();
  const err = (await rejection(() =>
    create.run(createRequest(attrs, extra), contextFor(client)),
  )) as KmipError;
  expect(client.calls).toHaveLength(0);
  return err;
}

describe("Create: attributes the relay cannot honour", () => {
  it("refuses Quantum Safe true with General Failure (OASIS QS-M-2), before any token call", async () => {
    const err = await createFailure([...aes128, level, period, quantumSafe(true)]);
    expect(err.reason).toBe(ResultReason.GeneralFailure);
    expect(err.message).toMatch(/Quantum Safe true cannot be honoured/);
    expect(err.message).toMatch(/section 4\.45/);
  });

  it.each([
    ["Protection Level", level, /Protection Level cannot be honoured/],
    ["Protection Period", period, /Protection Period cannot be honoured/],
    ["Usage Limits", usageLimits, /Usage Limits cannot be honoured: PKCS#11 keeps no usage count/],
  ] as const)("refuses %s with Feature Not Supported", async (_, attr, message) => {
    const err = await createFailure([...aes128, attr]);
    expect(err.reason).toBe(ResultReason.FeatureNotSupported);
    expect(err.message).toMatch(message);
  });

  it("refuses Protection Storage Masks (request field) and a Protection Storage Mask attribute", async () => {
    const field = await createFailure(aes128, [masks]);
    expect(field.reason).toBe(ResultReason.ProtectionStorageUnavailable);
    expect(field.message).toMatch(/Protection Storage Masks cannot be honoured/);
    const attr = await createFailure([...aes128, storageMask]);
    expect(attr.reason).toBe(ResultReason.ProtectionStorageUnavailable);
  });

  it("refuses Usage Limits in the 1.x form too", async () => {
    const client = new FakeClient();
    const request = payload(
      build.enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
      build.structure(Tag.TemplateAttribute, [
        v1Attribute("Cryptographic Algorithm", aes128[0] as TtlvItem),
        v1Attribute("Cryptographic Length", aes128[1] as TtlvItem),
        v1Attribute("Usage Limits", usageLimits),
      ]),
    );
    const err = (await rejection(() => create.run(request, contextFor(client)))) as KmipError;
    expect(err.reason).toBe(ResultReason.FeatureNotSupported);
    expect(client.calls).toHaveLength(0);
  });

  it("accepts Quantum Safe false and descriptive attributes (Object Group, Description)", async () => {
    const client = new FakeClient();
    await create.run(
      createRequest([
        ...aes128,
        quantumSafe(false),
        build.textString(Tag.ObjectGroup, "group"),
        build.textString(Tag.Description, "a key"),
      ]),
      contextFor(client),
    );
    expect(client.callsOf("generateKey")).toHaveLength(1);
  });
});

describe("Create Key Pair: attributes the relay cannot honour", () => {
  const rsa = [
    build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.RSA),
    build.integer(Tag.CryptographicLength, 2048),
  ];

  async function pairFailure(fields: TtlvItem[]): Promise<KmipError> {
    const client = new FakeClient();
    const err = (await rejection(() =>
      createKeyPair.run(payload(...fields), contextFor(client)),
    )) as KmipError;
    expect(client.calls).toHaveLength(0);
    return err;
  }

  it("refuses Quantum Safe true in the private key's attributes", async () => {
    const err = await pairFailure([
      build.structure(Tag.CommonAttributes, rsa),
      build.structure(Tag.PrivateKeyAttributes, [quantumSafe(true)]),
    ]);
    expect(err.reason).toBe(ResultReason.GeneralFailure);
    expect(err.message).toMatch(/^Create Key Pair: Quantum Safe true/);
  });

  it("refuses Protection Level in the common attributes and Public Protection Storage Masks", async () => {
    const levelErr = await pairFailure([build.structure(Tag.CommonAttributes, [...rsa, level])]);
    expect(levelErr.reason).toBe(ResultReason.FeatureNotSupported);
    const maskErr = await pairFailure([
      build.structure(Tag.CommonAttributes, rsa),
      build.structure(Tag.PublicProtectionStorageMasks, [
        build.integer(Tag.ProtectionStorageMask, 1),
      ]),
    ]);
    expect(maskErr.reason).toBe(ResultReason.ProtectionStorageUnavailable);
    expect(maskErr.message).toMatch(/Public Protection Storage Masks/);
  });
});

describe("Create Key Pair: an exportable private key", () => {
  const rsa = [
    build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.RSA),
    build.integer(Tag.CryptographicLength, 2048),
  ];

  it.each([
    ["Extractable true (private)", Tag.PrivateKeyAttributes, build.boolean(Tag.Extractable, true)],
    ["Sensitive false (common)", Tag.CommonAttributes, build.boolean(Tag.Sensitive, false)],
  ] as const)("refuses %s: Feature Not Supported, no token call", async (name, container, attr) => {
    const client = new FakeClient();
    const fields =
      container === Tag.CommonAttributes
        ? [build.structure(Tag.CommonAttributes, [...rsa, attr])]
        : [
            build.structure(Tag.CommonAttributes, rsa),
            build.structure(Tag.PrivateKeyAttributes, [attr]),
          ];
    const err = (await rejection(() =>
      createKeyPair.run(payload(...fields), contextFor(client)),
    )) as KmipError;
    expect(err.reason).toBe(ResultReason.FeatureNotSupported);
    expect(err.message).toContain(name.split(" (")[0]);
    expect(client.calls).toHaveLength(0);
  });

  it("accepts Extractable true on the public key and Sensitive true, Extractable false", async () => {
    const client = new FakeClient();
    await createKeyPair.run(
      payload(
        build.structure(Tag.CommonAttributes, [...rsa, build.boolean(Tag.Sensitive, true)]),
        build.structure(Tag.PrivateKeyAttributes, [build.boolean(Tag.Extractable, false)]),
        build.structure(Tag.PublicKeyAttributes, [build.boolean(Tag.Extractable, true)]),
      ),
      contextFor(client),
    );
    expect(client.callsOf("generateKeyPair")).toHaveLength(1);
  });
});
