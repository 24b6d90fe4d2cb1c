import { describe, expect, it } from "vitest";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { getAttributeList } from "../../../src/operations/get-attribute-list.js";
import { EC_PUBLIC, tableClient } from "./attribute-table.js";
import { attrValues, contextFor, payload } from "./fake.js";

const V1 = { major: 1, minor: 4 };
const V2 = { major: 2, minor: 1 };

describe("Get Attribute List", () => {
  it("names every attribute the key has: text in 1.x, tags in 2.x", async () => {
    const client = tableClient(EC_PUBLIC, { findObjects: () => [attrValues([])] });
    const uid = build.textString(Tag.UniqueIdentifier, "AB_pub");
    const v1 = await getAttributeList.run(payload(uid), contextFor(client, { version: V1 }));
    expect(v1.payload.slice(1).map((i) => i.value)).toEqual([
      "Unique Identifier",
      "Name",
      "Object Type",
      "Cryptographic Algorithm",
      "Cryptographic Length",
      "Digest",
      "Cryptographic Usage Mask",
      "State",
      "Link",
    ]);
    const v2 = await getAttributeList.run(payload(uid), contextFor(client, { version: V2 }));
    expect(
      v2.payload
        .slice(1)
        .every((i) => i.tag === Tag.AttributeReference && i.type === "Enumeration"),
    ).toBe(true);
    expect(v2.payload.slice(1).map((i) => i.value)).toContain(Tag.Digest);
  });
});
