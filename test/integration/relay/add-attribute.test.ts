/**
 * Add Attribute, Delete Attribute and Modify Attribute over real TLS on SoftHSM2: each changes
 * CKA_LABEL as Get Attributes then reports it; what PKCS#11 cannot hold is refused precisely.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Operation, ResultReason } from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { nameOf } from "./attribute-edits.js";
import { attr, KEY_KINDS, Session, uidPayload, v1Attribute } from "./session.js";

let relay: TestRelay;
let session: Session;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 1 });
  session = await Session.open(relay);
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

describe("Add / Delete / Modify Attribute", () => {
  it("1.x: add a Name to an unnamed key, modify it, delete it", async () => {
    const { privateUid } = await session.createKeyPair({ common: KEY_KINDS.p256 });
    expect(await nameOf(session, privateUid)).toBeUndefined();
    const add = v1Attribute(attr.name("added"));
    const added = await session.ok(Operation.AddAttribute, [...uidPayload(privateUid), add]);
    expect(added.value).toEqual([build.textString(Tag.UniqueIdentifier, privateUid), add]);
    expect(await nameOf(session, privateUid)).toBe("added");

    const again = await session.call(Operation.AddAttribute, [...uidPayload(privateUid), add]);
    expect(again.reason).toBe(ResultReason.IndexOutOfBounds);
    // KMIP 2.x: the same Name again is Non Unique Name Attribute (OASIS BL-M-8-21).
    const againV2 = await session.call(
      Operation.AddAttribute,
      [...uidPayload(privateUid), build.structure(Tag.NewAttribute, [attr.name("added").item])],
      { major: 2, minor: 1 },
    );
    expect(againV2.reason).toBe(ResultReason.NonUniqueNameAttribute);

    await session.ok(Operation.ModifyAttribute, [
      ...uidPayload(privateUid),
      v1Attribute(attr.name("modified")),
    ]);
    expect(await nameOf(session, privateUid)).toBe("modified");

    const deleted = await session.ok(Operation.DeleteAttribute, [
      ...uidPayload(privateUid),
      build.textString(Tag.AttributeName, "Name"),
    ]);
    expect(findChild(deleted, Tag.Attribute)).toEqual(v1Attribute(attr.name("modified")));
    expect(await nameOf(session, privateUid)).toBeUndefined();
    const gone = await session.call(Operation.DeleteAttribute, [
      ...uidPayload(privateUid),
      build.textString(Tag.AttributeName, "Name"),
    ]);
    expect(gone.reason).toBe(ResultReason.ItemNotFound);
  });

  it("refuses what PKCS#11 cannot hold or the key derives, naming the attribute", async () => {
    const { privateUid } = await session.createKeyPair({ common: KEY_KINDS.p256 });
    const usage = v1Attribute(attr.usage(CryptographicUsageMask.Sign));
    const addUsage = await session.call(Operation.AddAttribute, [...uidPayload(privateUid), usage]);
    expect(addUsage.reason).toBe(ResultReason.PermissionDenied);
    expect(addUsage.message).toMatch(/Cryptographic Usage Mask is read-only/);
    const group = v1Attribute({
      name: "Object Group",
      item: build.textString(Tag.ObjectGroup, "g"),
    });
    const addGroup = await session.call(Operation.AddAttribute, [...uidPayload(privateUid), group]);
    expect(addGroup.reason).toBe(ResultReason.PermissionDenied);
    expect(addGroup.message).toMatch(/Object Group cannot be stored/);
    const deleteState = await session.call(Operation.DeleteAttribute, [
      ...uidPayload(privateUid),
      build.textString(Tag.AttributeName, "State"),
    ]);
    expect(deleteState.reason).toBe(ResultReason.PermissionDenied);
    const deleteGroup = await session.call(Operation.DeleteAttribute, [
      ...uidPayload(privateUid),
      build.textString(Tag.AttributeName, "Object Group"),
    ]);
    expect(deleteGroup.reason).toBe(ResultReason.ItemNotFound);
    const unknown = await session.call(Operation.AddAttribute, [
      ...uidPayload(`${"00".repeat(20)}_priv`),
      v1Attribute(attr.name("x")),
    ]);
    expect(unknown.reason).toBe(ResultReason.ItemNotFound);
  });
});
