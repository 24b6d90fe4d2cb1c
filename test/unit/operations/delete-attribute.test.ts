import { describe, expect, it } from "vitest";
import { ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { deleteAttribute } from "../../../src/operations/delete-attribute.js";
import { CKA } from "../../../src/pkcs11/constants.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { tableClient } from "./attribute-table.js";
import { attrValues, contextFor, nameValue, payload, rejection, v1Attribute } from "./fake.js";

const uidItem = build.textString(Tag.UniqueIdentifier, "A1_priv");
const attributeName = (n: string) => build.textString(Tag.AttributeName, n);
const reference = (tag: number): TtlvItem => ({
  tag: Tag.AttributeReference,
  type: "Enumeration",
  value: tag,
});

async function run(fields: TtlvItem[], label = "ksk") {
  const client = tableClient(attrValues([[CKA.LABEL, new Uint8Array(Buffer.from(label))]]));
  const result = await deleteAttribute.run(payload(uidItem, ...fields), contextFor(client));
  return { client, result };
}

async function failure(fields: TtlvItem[], label = "ksk"): Promise<KmipError> {
  const err = await rejection(() => run(fields, label));
  if (!(err instanceof KmipError)) throw err;
  return err;
}

describe("Delete Attribute", () => {
  it("1.x: clears CKA_LABEL and returns the deleted Name", async () => {
    const { client, result } = await run([attributeName("Name")]);
    expect(client.callsOf("setAttributes")[0]?.args[2]).toEqual([{ type: CKA.LABEL, value: "" }]);
    expect(result.payload).toEqual([uidItem, v1Attribute("Name", nameValue("ksk"))]);
    const indexed = await run([attributeName("Name"), build.integer(Tag.AttributeIndex, 0)]);
    expect(indexed.result.payload[1]).toEqual(v1Attribute("Name", nameValue("ksk"), 0));
  });

  it("2.x: by Attribute Reference, or by Current Attribute equal to the present Name", async () => {
    const byRef = await run([reference(Tag.Name)]);
    expect(byRef.result.payload).toEqual([uidItem]);
    expect(byRef.client.callsOf("setAttributes")).toHaveLength(1);
    const byValue = await run([build.structure(Tag.CurrentAttribute, [nameValue("ksk")])]);
    expect(byValue.client.callsOf("setAttributes")).toHaveLength(1);
    const other = await failure([build.structure(Tag.CurrentAttribute, [nameValue("zsk")])]);
    expect(other.reason).toBe(ResultReason.ItemNotFound);
    expect(other.message).toMatch(/Current Attribute/);
  });

  it("answers Item Not Found for an absent Name, index or attribute", async () => {
    expect((await failure([attributeName("Name")], "")).message).toMatch(/has no Name/);
    const index = await failure([attributeName("Name"), build.integer(Tag.AttributeIndex, 1)]);
    expect(index.reason).toBe(ResultReason.ItemNotFound);
    expect(index.message).toMatch(/Attribute Index 1/);
    const group = await failure([attributeName("Object Group")]);
    expect(group.reason).toBe(ResultReason.ItemNotFound);
    expect(group.message).toMatch(/Object Group/);
  });

  it("refuses derived attributes with Permission Denied naming them", async () => {
    for (const fields of [[attributeName("State")], [reference(Tag.CryptographicAlgorithm)]]) {
      const err = await failure(fields);
      expect(err.reason).toBe(ResultReason.PermissionDenied);
      expect(err.message).toMatch(/(State|Cryptographic Algorithm) is read-only/);
    }
  });

  it("needs an attribute to delete", async () => {
    const err = await failure([]);
    expect(err.reason).toBe(ResultReason.MissingData);
    expect(err.message).toMatch(/Attribute Name/);
  });
});
