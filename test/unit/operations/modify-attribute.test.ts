import { describe, expect, it } from "vitest";
import { ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { modifyAttribute } from "../../../src/operations/modify-attribute.js";
import { CKA, CKO } from "../../../src/pkcs11/constants.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import {
  attrValues,
  contextFor,
  FakeClient,
  nameValue,
  payload,
  rejection,
  v1Attribute,
} from "./fake.js";

const UID = "A1B2_priv";
const uidItem = build.textString(Tag.UniqueIdentifier, UID);

async function run(fields: TtlvItem[], label = "old", version = { major: 1, minor: 2 }) {
  const client = new FakeClient({
    getAttributes: () => attrValues([[CKA.LABEL, new Uint8Array(Buffer.from(label))]]),
  });
  const result = await modifyAttribute.run(
    payload(uidItem, ...fields),
    contextFor(client, { version }),
  );
  return { result, client };
}

async function failure(fields: TtlvItem[]): Promise<KmipError> {
  const err = await rejection(() => run(fields));
  if (!(err instanceof KmipError)) throw err;
  return err;
}

describe("Modify Attribute", () => {
  it("1.x form: sets CKA_LABEL and echoes the Attribute as set (as Cascade needs)", async () => {
    const attribute = v1Attribute("Name", nameValue("new-name"));
    const { result, client } = await run([attribute]);
    const [call] = client.callsOf("setAttributes");
    expect(call?.args).toEqual([
      "tok",
      { id: new Uint8Array([0xa1, 0xb2]), cls: CKO.PRIVATE_KEY },
      [{ type: CKA.LABEL, value: "new-name" }],
    ]);
    expect(result.payload).toEqual([uidItem, attribute]);
  });

  it("1.x form keeps an Attribute Index 0 in the echo, even in a 2.x message", async () => {
    const attribute = v1Attribute("Name", nameValue("n"), 0);
    const { result } = await run([attribute], "old", { major: 2, minor: 0 });
    expect(result.payload).toEqual([uidItem, attribute]);
  });

  it("2.x form: New Attribute sets CKA_LABEL, the response is the UID", async () => {
    const { result, client } = await run([
      build.structure(Tag.NewAttribute, [nameValue("renamed")]),
    ]);
    expect(client.callsOf("setAttributes")[0]?.args[2]).toEqual([
      { type: CKA.LABEL, value: "renamed" },
    ]);
    expect(client.callsOf("getAttributes")).toHaveLength(0);
    expect(result.payload).toEqual([uidItem]);
  });

  it("2.x form checks Current Attribute against the present label", async () => {
    const fields = (current: string) => [
      build.structure(Tag.CurrentAttribute, [nameValue(current)]),
      build.structure(Tag.NewAttribute, [nameValue("next")]),
    ];
    const { client } = await run(fields("old"));
    expect(client.callsOf("setAttributes")).toHaveLength(1);
    // KMIP 1.x has no Attribute Instance Not Found: Item Not Found there (1.4 section 11.16).
    expect((await failure(fields("other"))).reason).toBe(ResultReason.ItemNotFound);
    const v2 = await rejection(() => run(fields("other"), "old", { major: 2, minor: 1 }));
    expect((v2 as KmipError).reason).toBe(ResultReason.AttributeInstanceNotFound);
  });

  it("refuses attributes other than Name, naming them", async () => {
    const err = await failure([v1Attribute("Cryptographic Usage Mask", build.integer(0, 1))]);
    expect(err.reason).toBe(ResultReason.PermissionDenied);
    expect(err.message).toContain("Cryptographic Usage Mask");
    const err2 = await failure([
      build.structure(Tag.NewAttribute, [build.integer(Tag.CryptographicLength, 1)]),
    ]);
    expect(err2.message).toContain("Cryptographic Length");
    // KMIP 2.x has a reason of its own for it.
    const v2 = await rejection(() =>
      run([build.structure(Tag.NewAttribute, [build.integer(Tag.CryptographicLength, 1)])], "old", {
        major: 2,
        minor: 1,
      }),
    );
    expect((v2 as KmipError).reason).toBe(ResultReason.AttributeReadOnly);
  });

  it("refuses an Attribute Index beyond the one Name, a URI name, and no attribute", async () => {
    expect((await failure([v1Attribute("Name", nameValue("n"), 1)])).reason).toBe(
      ResultReason.IndexOutOfBounds,
    );
    expect((await failure([v1Attribute("Name", nameValue("n", 2))])).reason).toBe(
      ResultReason.InvalidField,
    );
    const none = await failure([]);
    expect(none.reason).toBe(ResultReason.MissingData);
    expect(none.message).toContain("New Attribute");
  });

  it("names what is missing in a malformed Name", async () => {
    const err = await failure([
      v1Attribute("Name", build.structure(Tag.Name, [build.textString(Tag.NameValue, "x")])),
    ]);
    expect(err.reason).toBe(ResultReason.MissingData);
    expect(err.message).toContain("Name Type");
  });
});
