/**
 * Create over real TLS on SoftHSM2: the usage mask read back is the one asked for (SoftHSM2
 * makes secret keys wrap/unwrap by default), and attributes that promise what the relay
 * cannot keep are refused without creating a key (src/operations/unkept-attributes.ts).
 */
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  Operation,
  ProtectionLevel,
  ResultReason,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { CryptographicUsageMask as M } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { createPayload, createSecret, SECRET_KINDS } from "./cipher-requests.js";
import { relaySession } from "./relay-session.js";
import { type Attr, attr, uidPayload } from "./session.js";
import { tokenObjects } from "./token-objects.js";

const fixture = relaySession({ workers: 1 });

const V2 = { major: 2, minor: 1 };

async function usageMaskOf(uid: string): Promise<unknown> {
  const reference: TtlvItem = {
    tag: Tag.AttributeReference,
    type: "Enumeration",
    value: Tag.CryptographicUsageMask,
  };
  const payload = await fixture.session.ok(
    Operation.GetAttributes,
    [...uidPayload(uid), reference],
    V2,
  );
  const attributes = findChild(payload, Tag.Attributes);
  return attributes && findChild(attributes, Tag.CryptographicUsageMask)?.value;
}

const v2Attr = (item: TtlvItem): Attr => ({ name: "?", item });

describe("Create: the usage mask read back", () => {
  it.each([
    ["Encrypt|Decrypt (SKLC-M-1)", M.Encrypt | M.Decrypt, "v1"],
    ["Encrypt|Decrypt", M.Encrypt | M.Decrypt, "v2"],
    ["Encrypt|Wrap Key", M.Encrypt | M.WrapKey, "v2"],
  ] as const)("is %s as asked (mask %i, %s form)", async (_, mask, form) => {
    const uid = await createSecret(
      fixture.session,
      [...SECRET_KINDS.aes128, attr.usage(mask)],
      form,
    );
    expect(await usageMaskOf(uid)).toBe(mask);
  });

  it("is MAC Generate|MAC Verify for an HMAC key created without a mask", async () => {
    const uid = await createSecret(fixture.session, SECRET_KINDS.hmac256, "v2");
    expect(await usageMaskOf(uid)).toBe(M.MACGenerate | M.MACVerify);
  });
});

describe("Create: promises the relay cannot keep", () => {
  const aes128 = [...SECRET_KINDS.aes128, attr.usage(M.Encrypt | M.Decrypt)];
  const level = v2Attr(build.enumeration(Tag.ProtectionLevel, ProtectionLevel.High));
  const period = v2Attr({ tag: Tag.ProtectionPeriod, type: "Interval", value: 409968000 });
  const quantumSafe = (v: boolean) => v2Attr(build.boolean(Tag.QuantumSafe, v));

  it("refuses QS-M-2's AES-128 with Quantum Safe true: General Failure, no key made", async () => {
    const before = tokenObjects(fixture.relay).length;
    const result = await fixture.session.call(
      Operation.Create,
      createPayload([...aes128, level, period, quantumSafe(true)], "v2"),
      V2,
    );
    expect(result.status).toBe(ResultStatus.OperationFailed);
    expect(result.reason).toBe(ResultReason.GeneralFailure);
    expect(result.message).toMatch(/Quantum Safe true cannot be honoured/);
    expect(tokenObjects(fixture.relay).length).toBe(before);
  });

  it("refuses Protection Level alone with Feature Not Supported, and Protection Storage Masks", async () => {
    const levelOnly = await fixture.session.call(
      Operation.Create,
      createPayload([...aes128, level], "v2"),
      V2,
    );
    expect(levelOnly.reason).toBe(ResultReason.FeatureNotSupported);
    expect(levelOnly.message).toMatch(/Protection Level/);
    const masks = build.structure(Tag.ProtectionStorageMasks, [
      build.integer(Tag.ProtectionStorageMask, 1),
    ]);
    const storage = await fixture.session.call(
      Operation.Create,
      [...createPayload(aes128, "v2"), masks],
      V2,
    );
    expect(storage.reason).toBe(ResultReason.ProtectionStorageUnavailable);
  });

  it("refuses Quantum Safe true in Create Key Pair, making no key", async () => {
    const before = tokenObjects(fixture.relay).length;
    const result = await fixture.session.call(
      Operation.CreateKeyPair,
      [
        build.structure(Tag.CommonAttributes, [
          build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.ECDSA),
          build.integer(Tag.CryptographicLength, 256),
          build.boolean(Tag.QuantumSafe, true),
        ]),
      ],
      V2,
    );
    expect(result.reason).toBe(ResultReason.GeneralFailure);
    expect(tokenObjects(fixture.relay).length).toBe(before);
  });

  it("accepts Quantum Safe false (no promise)", async () => {
    const uid = await createSecret(fixture.session, [...aes128, quantumSafe(false)], "v2");
    expect(await usageMaskOf(uid)).toBe(M.Encrypt | M.Decrypt);
  });
});
