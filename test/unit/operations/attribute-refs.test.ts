import { describe, expect, it } from "vitest";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { refOfName, refOfReference } from "../../../src/operations/attribute-refs.js";

const reference = (vendor: string, name: string) =>
  build.structure(Tag.AttributeReference, [
    build.textString(Tag.VendorIdentification, vendor),
    build.textString(Tag.AttributeName, name),
  ]);

describe("Attribute Reference (KMIP 2.x)", () => {
  it("an Enumeration names a standard attribute by its tag", () => {
    expect(refOfReference(build.enumeration(Tag.AttributeReference, Tag.Name))).toEqual({
      tag: Tag.Name,
      text: "Name",
    });
  });

  it("a Structure with an empty Vendor Identification names a standard attribute (KMIP 2.0, PyKMIP)", () => {
    expect(refOfReference(reference("", "Name"))).toEqual(refOfName("Name"));
    expect(refOfReference(reference("", "Cryptographic Algorithm")).tag).toBe(
      Tag.CryptographicAlgorithm,
    );
  });

  it("a Structure with a vendor names that vendor's attribute", () => {
    expect(refOfReference(reference("acme", "Name"))).toEqual({
      tag: undefined,
      text: "acme:Name",
    });
  });

  it("any other type is Invalid Field", () => {
    expect(() => refOfReference(build.textString(Tag.AttributeReference, "Name"))).toThrow(
      KmipError,
    );
  });
});
