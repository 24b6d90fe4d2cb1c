import { describe, expect, it } from "vitest";
import { ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { addAttribute } from "../../../src/operations/add-attribute.js";
import { CKA, CKO } from "../../../src/pkcs11/constants.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { tableClient } from "./attribute-table.js";
import { attrValues, contextFor, nameValue, payload, rejection, v1Attribute } from "./fake.js";

const UID = "A1B2_pub";
const uidItem = build.textString(Tag.UniqueIdentifier, UID);

async function run(fields: TtlvItem[], label = "") {
  const client = tableClient(attrValues([[CKA.LABEL, new Uint8Array(Buffer.from(label))]]));
  const result = await addAttribute.run(payload(uidItem, ...fields), contextFor(client));
  return { client, result };
}

async function failure(fields: TtlvItem[], label = ""): Promise<KmipError> {
  const err = await rejection(() => run(fields, label));
  if (!(err instanceof KmipError)) throw err;
  return err;
}

describe("Add Attribute", () => {
  it("1.x: sets CKA_LABEL of an unnamed key and echoes the Attribute", async () => {
    const attribute = v1Attribute("Name", nameValue("ksk"));
    const { client, result } = await run([attribute]);
    expect(client.callsOf("setAttributes")[0]?.args).toEqual([
      "tok",
      { id: new Uint8Array([0xa1, 0xb2]), cls: CKO.PUBLIC_KEY },
      [{ type: CKA.LABEL, value: "ksk" }],
    ]);
    expect(result.payload).toEqual([uidItem, attribute]);
  });

  it("2.x: New Attribute, the response is the UID", async () => {
    const { client, result } = await run([build.structure(Tag.NewAttribute, [nameValue("zsk")])]);
    expect(client.callsOf("setAttributes")[0]?.args[2]).toEqual([
      { type: CKA.LABEL, value: "zsk" },
    ]);
    expect(result.payload).toEqual([uidItem]);
  });

  it("refuses a second Name with Index Out Of Bounds, without writing", async () => {
    const err = await failure([v1Attribute("Name", nameValue("two"))], "one");
    expect(err.reason).toBe(ResultReason.IndexOutOfBounds);
    expect(err.message).toMatch(/already has a Name/);
    const same = await failure([v1Attribute("Name", nameValue("one"))], "one");
    expect(same.reason).toBe(ResultReason.IndexOutOfBounds); // 1.x has no Non Unique Name
  });

  it("2.x: the same Name again is Non Unique Name Attribute, another Server Limit Exceeded", async () => {
    const v2 = async (text: string) => {
      const client = tableClient(attrValues([[CKA.LABEL, new Uint8Array(Buffer.from("one"))]]));
      const fields = [uidItem, build.structure(Tag.NewAttribute, [nameValue(text)])];
      const ctx = contextFor(client, { version: { major: 2, minor: 1 } });
      const err = await rejection(() => addAttribute.run(payload(...fields), ctx));
      if (!(err instanceof KmipError)) throw err;
      expect(client.callsOf("setAttributes")).toHaveLength(0);
      return err;
    };
    const same = await v2("one");
    expect(same.reason).toBe(ResultReason.NonUniqueNameAttribute);
    expect(same.message).toMatch(/already has this Name/);
    expect((await v2("two")).reason).toBe(ResultReason.ServerLimitExceeded);
  });

  it("refuses derived and unstorable attributes with Permission Denied naming them", async () => {
    const usage = await failure([
      v1Attribute("Cryptographic Usage Mask", build.integer(Tag.CryptographicUsageMask, 1)),
    ]);
    expect(usage.reason).toBe(ResultReason.PermissionDenied);
    expect(usage.message).toBe(
      "Add Attribute: Cryptographic Usage Mask is read-only (derived from the key, or set by the relay alone)",
    );
    const custom = await failure([
      v1Attribute("x-owner", build.textString(Tag.AttributeValue, "me")),
    ]);
    expect(custom.reason).toBe(ResultReason.PermissionDenied);
    expect(custom.message).toMatch(/x-owner cannot be stored/);
    const link = await failure([
      build.structure(Tag.NewAttribute, [build.structure(Tag.Link, [])]),
    ]);
    expect(link.message).toMatch(/Link is read-only/);
  });

  it("refuses an Attribute Index, a URI Name and a missing attribute, naming the field", async () => {
    const index = await failure([v1Attribute("Name", nameValue("n"), 0)]);
    expect(index.reason).toBe(ResultReason.InvalidField);
    expect(index.message).toMatch(/Attribute Index/);
    const uri = await failure([v1Attribute("Name", nameValue("n", 2))]);
    expect(uri.reason).toBe(ResultReason.InvalidField);
    expect(uri.message).toMatch(/Name Type/);
    const none = await failure([]);
    expect(none.reason).toBe(ResultReason.MissingData);
    expect(none.message).toMatch(/New Attribute/);
    const two = await failure([
      build.structure(Tag.NewAttribute, [nameValue("a"), nameValue("b")]),
    ]);
    expect(two.message).toMatch(/exactly one attribute/);
  });
});
