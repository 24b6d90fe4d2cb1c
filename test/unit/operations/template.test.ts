import { describe, expect, it } from "vitest";
import { CryptographicAlgorithm, ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import {
  readAttributes,
  valuesOf,
  writeAttribute,
  writeAttributes,
} from "../../../src/kmip/template.js";
import { nameValue, v1Attribute } from "./fake.js";

const alg = build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.RSA);
const len = build.integer(Tag.CryptographicLength, 2048);

function thrown(fn: () => unknown): KmipError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KmipError) return err;
    throw err;
  }
  throw new Error("expected a KmipError");
}

describe("readAttributes", () => {
  it("reads 1.x Attribute structures, re-tagging the value with the attribute's tag", () => {
    const container = build.structure(Tag.CommonTemplateAttribute, [
      v1Attribute("Cryptographic Algorithm", alg),
      v1Attribute("Cryptographic Length", len),
      v1Attribute("Name", nameValue("k1"), 0),
    ]);
    const attrs = readAttributes(container);
    expect(attrs.map((a) => a.tag)).toEqual([
      Tag.CryptographicAlgorithm,
      Tag.CryptographicLength,
      Tag.Name,
    ]);
    expect(attrs[0]?.value).toEqual(alg);
    expect(attrs[1]?.value).toEqual(len);
    expect(attrs[2]?.value.tag).toBe(Tag.Name);
    expect(attrs[2]?.name).toBe("Name");
    expect(attrs[2]?.index).toBe(0);
  });

  it("reads 2.x containers holding the attribute items directly", () => {
    const container = build.structure(Tag.CommonAttributes, [alg, len, nameValue("k2")]);
    const attrs = readAttributes(container);
    expect(valuesOf(attrs, Tag.CryptographicLength)).toEqual([len]);
    expect(valuesOf(attrs, Tag.Name)[0]).toEqual(nameValue("k2"));
    expect(attrs[0]?.name).toBeUndefined();
  });

  it("gives both forms the same tags and values", () => {
    const v1 = readAttributes(
      build.structure(Tag.PrivateKeyTemplateAttribute, [
        v1Attribute("Cryptographic Algorithm", alg),
        v1Attribute("Name", nameValue("same")),
      ]),
    );
    const v2 = readAttributes(build.structure(Tag.PrivateKeyAttributes, [alg, nameValue("same")]));
    expect(v1.map(({ tag, value }) => ({ tag, value }))).toEqual(
      v2.map(({ tag, value }) => ({ tag, value })),
    );
  });

  it("marks unknown 1.x names as Custom Attribute and keeps the name", () => {
    const [attr] = readAttributes(
      build.structure(Tag.TemplateAttribute, [
        v1Attribute("x-mine", build.textString(Tag.AttributeValue, "v")),
      ]),
    );
    expect(attr?.tag).toBe(Tag.CustomAttribute);
    expect(attr?.name).toBe("x-mine");
  });

  it("names the missing field of a malformed 1.x Attribute", () => {
    const noValue = build.structure(Tag.TemplateAttribute, [
      build.structure(Tag.Attribute, [build.textString(Tag.AttributeName, "Name")]),
    ]);
    const err = thrown(() => readAttributes(noValue));
    expect(err.reason).toBe(ResultReason.MissingData);
    expect(err.message).toContain("Attribute Value");
    const noName = build.structure(Tag.TemplateAttribute, [build.structure(Tag.Attribute, [len])]);
    expect(thrown(() => readAttributes(noName)).message).toContain("Attribute Name");
  });

  it("refuses 1.x template references (Name directly in a Template-Attribute)", () => {
    const container = build.structure(Tag.CommonTemplateAttribute, [nameValue("a-template")]);
    expect(thrown(() => readAttributes(container)).reason).toBe(ResultReason.FeatureNotSupported);
  });
});

describe("writeAttribute", () => {
  it("writes 1.x form for major 1 and the bare item for major 2", () => {
    const attr = { tag: Tag.CryptographicLength, value: len };
    expect(writeAttribute({ major: 1, minor: 4 }, attr)).toEqual(
      v1Attribute("Cryptographic Length", len),
    );
    expect(writeAttribute({ major: 2, minor: 1 }, attr)).toEqual(len);
  });

  it("keeps the 1.x index and round-trips through readAttributes", () => {
    const original = v1Attribute("Name", nameValue("n"), 0);
    const [attr] = readAttributes(build.structure(Tag.TemplateAttribute, [original]));
    expect(attr && writeAttribute({ major: 1, minor: 0 }, attr)).toEqual(original);
  });

  it("writes whole containers in the version's form", () => {
    const attrs = [{ tag: Tag.CryptographicAlgorithm, value: alg }];
    const tags = { v1: Tag.TemplateAttribute, v2: Tag.Attributes };
    expect(writeAttributes({ major: 1, minor: 2 }, tags, attrs)).toEqual(
      build.structure(Tag.TemplateAttribute, [v1Attribute("Cryptographic Algorithm", alg)]),
    );
    expect(writeAttributes({ major: 2, minor: 0 }, tags, attrs)).toEqual(
      build.structure(Tag.Attributes, [alg]),
    );
  });
});
