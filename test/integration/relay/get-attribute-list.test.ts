/**
 * Get Attribute List over real TLS on SoftHSM2: the names of what Get Attributes reports,
 * Link included (1.x text, 2.x Attribute References).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Operation } from "../../../src/kmip/enums.js";
import { findChildren } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
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

describe("Get Attribute List", () => {
  it("Get Attribute List names the same attributes (1.x text, 2.x references)", async () => {
    const v1 = await fixture.session.ok(Operation.GetAttributeList, uidPayload(pair.publicUid), V1);
    expect(findChildren(v1, Tag.AttributeName).map((n) => n.value)).toEqual([
      "Unique Identifier",
      "Name",
      "Object Type",
      "Cryptographic Algorithm",
      "Cryptographic Length",
      "Digest",
      "Cryptographic Usage Mask",
      "State",
      // The lifecycle record of a key the relay made (new-key-state "active").
      "Initial Date",
      "Activation Date",
      "Last Change Date",
      "Original Creation Date",
      "Link",
    ]);
    const v2 = await fixture.session.ok(
      Operation.GetAttributeList,
      uidPayload(pair.privateUid),
      V2,
    );
    expect(findChildren(v2, Tag.AttributeReference).map((n) => n.value)).toContain(Tag.Link);
  });
});
