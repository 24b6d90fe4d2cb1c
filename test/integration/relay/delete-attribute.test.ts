/**
 * Delete Attribute (2.x form) over real TLS on SoftHSM2: Current Attribute must be the present
 * Name; an Attribute Reference deletes it (CKA_LABEL cleared, as Get Attributes reports).
 * The 1.x form is in add-attribute.test.ts (add, modify, delete in one life cycle).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Operation, ResultReason } from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { nameOf } from "./attribute-edits.js";
import { attr, KEY_KINDS, Session, uidPayload } from "./session.js";

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

const V2 = { major: 2, minor: 1 };

describe("Delete Attribute", () => {
  it("2.x: New Attribute adds, Current Attribute must match to delete", async () => {
    const { publicUid } = await session.createKeyPair({ common: KEY_KINDS.ed25519 }, "v2");
    const name = (n: string) => attr.name(n).item;
    await session.ok(
      Operation.AddAttribute,
      [...uidPayload(publicUid), build.structure(Tag.NewAttribute, [name("two")])],
      V2,
    );
    expect(await nameOf(session, publicUid)).toBe("two");
    const wrong = await session.call(
      Operation.DeleteAttribute,
      [...uidPayload(publicUid), build.structure(Tag.CurrentAttribute, [name("other")])],
      V2,
    );
    expect(wrong.reason).toBe(ResultReason.ItemNotFound);
    expect(await nameOf(session, publicUid)).toBe("two");
    await session.ok(
      Operation.DeleteAttribute,
      [
        ...uidPayload(publicUid),
        { tag: Tag.AttributeReference, type: "Enumeration", value: Tag.Name },
      ],
      V2,
    );
    expect(await nameOf(session, publicUid)).toBeUndefined();
  });
});
