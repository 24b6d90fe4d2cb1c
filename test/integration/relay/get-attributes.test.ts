/**
 * Get Attributes and Get Attribute List over real TLS on SoftHSM2: the values match what
 * Create Key Pair made, in the 1.x and 2.x forms.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  LinkType,
  ObjectType,
  Operation,
  ResultReason,
  State,
} from "../../../src/kmip/enums.js";
import { build, findChild, findChildren } from "../../../src/kmip/item.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { relaySession } from "./relay-session.js";
import { attr, KEY_KINDS, uidPayload } from "./session.js";

const fixture = relaySession({ workers: 1 });
let pair: { privateUid: string; publicUid: string };
beforeAll(async () => {
  pair = await fixture.session.createKeyPair({
    common: [...KEY_KINDS.p384, attr.name("attr-test")],
  });
});

const V1 = { major: 1, minor: 4 };
const V2 = { major: 2, minor: 1 };

/** 1.x Attribute structures -> name -> Attribute Value. */
function v1Values(payload: TtlvItem): Map<string, TtlvItem> {
  const out = new Map<string, TtlvItem>();
  for (const a of findChildren(payload, Tag.Attribute)) {
    out.set(findChild(a, Tag.AttributeName)?.value as string, findChild(a, Tag.AttributeValue)!);
  }
  return out;
}

describe("Get Attributes", () => {
  it("1.x without names: the key's attributes as created, no Link", async () => {
    const payload = await fixture.session.ok(
      Operation.GetAttributes,
      uidPayload(pair.publicUid),
      V1,
    );
    const values = v1Values(payload);
    expect([...values.keys()]).toEqual([
      "Unique Identifier",
      "Name",
      "Object Type",
      "Cryptographic Algorithm",
      "Cryptographic Length",
      "Digest",
      "Cryptographic Usage Mask",
      "State",
      // The lifecycle record (Original Creation Date only when named: PyKMIP 0.10).
      "Initial Date",
      "Activation Date",
      "Last Change Date",
    ]);
    expect(values.get("Initial Date")?.value).toBe(values.get("Activation Date")?.value);
    expect(values.get("Unique Identifier")?.value).toBe(pair.publicUid);
    expect(findChild(values.get("Name")!, Tag.NameValue)?.value).toBe("attr-test");
    expect(values.get("Object Type")?.value).toBe(ObjectType.PublicKey);
    expect(values.get("Cryptographic Algorithm")?.value).toBe(CryptographicAlgorithm.ECDSA);
    expect(values.get("Cryptographic Length")?.value).toBe(384);
    // CKA_VERIFY as asked; Create Key Pair sets CKA_WRAP false (SoftHSM2's default is true).
    expect(values.get("Cryptographic Usage Mask")?.value).toBe(CryptographicUsageMask.Verify);
    expect(values.get("State")?.value).toBe(State.Active);
  });

  it("2.x with references: only those, Link to the private key", async () => {
    const refs = [Tag.CryptographicUsageMask, Tag.Link, Tag.CryptographicLength].map(
      (t): TtlvItem => ({ tag: Tag.AttributeReference, type: "Enumeration", value: t }),
    );
    const payload = await fixture.session.ok(
      Operation.GetAttributes,
      [...uidPayload(pair.privateUid), ...refs],
      V2,
    );
    const attributes = findChild(payload, Tag.Attributes)!;
    expect((attributes.value as TtlvItem[]).map((a) => a.tag)).toEqual([
      Tag.CryptographicLength,
      Tag.CryptographicUsageMask,
      Tag.Link,
    ]);
    // Sign only: Create Key Pair sets CKA_UNWRAP false (SoftHSM2's default is true).
    expect(findChild(attributes, Tag.CryptographicUsageMask)?.value).toBe(
      CryptographicUsageMask.Sign,
    );
    const link = findChild(attributes, Tag.Link)!;
    expect(findChild(link, Tag.LinkType)?.value).toBe(LinkType.PublicKeyLink);
    expect(findChild(link, Tag.LinkedObjectIdentifier)?.value).toBe(pair.publicUid);
  });

  it("1.x names: unknown names are left out; a name twice is Invalid Message", async () => {
    const name = (n: string) => build.textString(Tag.AttributeName, n);
    const payload = await fixture.session.ok(
      Operation.GetAttributes,
      [...uidPayload(pair.privateUid), name("Object Type"), name("x-unknown")],
      V1,
    );
    expect([...v1Values(payload).keys()]).toEqual(["Object Type"]);
    const twice = await fixture.session.call(
      Operation.GetAttributes,
      [...uidPayload(pair.privateUid), name("State"), name("State")],
      V1,
    );
    expect(twice.reason).toBe(ResultReason.InvalidMessage);
  });

  it("answers Item Not Found for an unknown key", async () => {
    const result = await fixture.session.call(
      Operation.GetAttributes,
      uidPayload(`${"AB".repeat(20)}_priv`),
    );
    expect(result.reason).toBe(ResultReason.ItemNotFound);
  });
});
