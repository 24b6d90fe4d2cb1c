/** The XML reader and the KMIP XML encoding: the forms of section 6.1.6 and the errors. */
import { describe, expect, it } from "vitest";
import { KmipXmlError, ttlvToXml, xmlToTtlv } from "../../../src/kmip/xml.js";
import { NOW_BASE, VECTOR_PLACEHOLDERS } from "../../../src/kmip/xml-placeholders.js";
import { parseXml, XmlSyntaxError } from "../../../src/kmip/xml-reader.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { canonical } from "./vector-helpers.js";

function one(xml: string): TtlvItem {
  const items = xmlToTtlv(xml);
  expect(items).toHaveLength(1);
  return items[0]!;
}

describe("XML reader", () => {
  it("reads elements, attributes, self-closing tags, comments, entities and CDATA", () => {
    const [root] = parseXml(
      `<?xml version="1.0"?><!-- c --><a x='1' y="&lt;&amp;&#65;&#x42;&quot;"><b/>t<![CDATA[<raw>]]></a>`,
    );
    expect(root?.kind).toBe("element");
    if (root?.kind !== "element") return;
    expect(root.attributes.get("y")).toBe('<&AB"');
    expect(root.children.map((c) => (c.kind === "element" ? c.name : c.text))).toEqual([
      "b",
      "t",
      "<raw>",
    ]);
  });

  it("normalises line breaks in attribute values to spaces (XML 1.0 section 3.3.3)", () => {
    const [root] = parseXml('<a v="x\r\ny\tz&#10;"/>');
    expect(root?.kind === "element" && root.attributes.get("v")).toBe("x y z\n");
  });

  it.each([
    ["<a><b></a>", "does not match"],
    ["<a>", "not closed"],
    ["</a>", "without an open element"],
    ['<a x="1" x="2"/>', "duplicate attribute"],
    ["<a x=1/>", "must be quoted"],
    ['<a x="<"/>', '"<" in value'],
    ['<a x="&bogus;"/>', "unknown entity"],
    ["<!DOCTYPE a><a/>", "DOCTYPE"],
    ["<a><!-- x </a>", "unterminated comment"],
  ])("rejects %s", (xml, message) => {
    expect(() => parseXml(xml)).toThrow(XmlSyntaxError);
    expect(() => parseXml(xml)).toThrow(message);
  });

  it("locates errors by line and column", () => {
    try {
      parseXml("<a>\n  <b>\n</a>");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(XmlSyntaxError);
      expect((err as XmlSyntaxError).line).toBe(3);
    }
  });
});

describe("KMIP XML encoding", () => {
  it("reads every value form of section 6.1.6", () => {
    const item = one(`<KMIP># TIME 0
      <RequestMessage type="Structure">
        <BatchCount type="Integer" value="0x0000000a"/>
        <CryptographicUsageMask type="Integer" value="CertificateSign 0x0000000c"/>
        <UsageLimitsCount type="LongInteger" value="1152921504606846976"/>
        <TTLV tag="0x540001" name="Ext" type="LongInteger" value="-2"/>
        <Modulus type="BigInteger" value="ffffffffffffff01"/>
        <ObjectType type="Enumeration" value="0x00000002"/>
        <ObjectType type="Enumeration" value="SymmetricKey"/>
        <BatchOrderOption type="Boolean" value="true"/>
        <AttributeName type="TextString" value="a &amp; b"/>
        <MACSignature type="ByteString" value="C50F77"/>
        <ArchiveDate type="DateTime" value="2001-01-01T10:00:00+10:00"/>
        <Offset type="Interval" value="27"/>
      </RequestMessage></KMIP>`);
    expect(canonical(item)).toEqual([
      "420078 Structure",
      " 42000d Integer number 10",
      " 42002c Integer number 4108",
      " 420096 LongInteger bigint 1152921504606846976",
      " 540001 LongInteger bigint -2",
      " 420052 BigInteger bigint -255",
      " 420057 Enumeration number 2",
      " 420057 Enumeration number 2",
      " 420010 Boolean boolean true",
      " 42000a TextString string a & b",
      " 42004d ByteString c50f77",
      " 420005 DateTime bigint 978307200",
      " 420058 Interval number 27",
    ]);
  });

  it("writes indented XML with names, masks, hex and unknown tags as TTLV", () => {
    const item = one(`<RequestMessage>
        <CryptographicUsageMask type="Integer" value="Decrypt Encrypt"/>
        <ObjectType type="Enumeration" value="0x80000001"/>
        <TTLV tag="0x540001" type="TextString" value="&quot;x&quot;"/>
        <ArchiveDate type="DateTime" value="2001-01-01T10:00:00+10:00"/>
        <Attributes/>
      </RequestMessage>`);
    expect(ttlvToXml(item)).toBe(
      [
        "<RequestMessage>",
        '  <CryptographicUsageMask type="Integer" value="Encrypt Decrypt"/>',
        '  <ObjectType type="Enumeration" value="0x80000001"/>',
        '  <TTLV tag="0x540001" type="TextString" value="&quot;x&quot;"/>',
        '  <ArchiveDate type="DateTime" value="2001-01-01T00:00:00+00:00"/>',
        "  <Attributes/>",
        "</RequestMessage>",
        "",
      ].join("\n"),
    );
  });

  it("takes a 1.x AttributeValue's enumeration or mask from the sibling AttributeName", () => {
    const xml = `<Attribute>
  <AttributeName type="TextString" value="Cryptographic Usage Mask"/>
  <AttributeValue type="Integer" value="Sign Verify"/>
</Attribute>
<Attribute>
  <AttributeName type="TextString" value="State"/>
  <AttributeValue type="Enumeration" value="PreActive"/>
</Attribute>
`;
    const items = xmlToTtlv(xml);
    expect(items.map((i) => canonical(i)[2])).toEqual([
      " 42000b Integer number 3",
      " 42000b Enumeration number 1",
    ]);
    expect(items.map((i) => ttlvToXml(i)).join("")).toBe(xml);
  });

  it("maps the vectors' placeholders to reserved values and back", () => {
    const xml = `<ResponseMessage>
  <TimeStamp type="DateTime" value="$NOW-3600"/>
  <Data type="ByteString" value="$DATA_0"/>
  <UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
</ResponseMessage>
`;
    const [item] = xmlToTtlv(xml, { placeholders: VECTOR_PLACEHOLDERS });
    expect(item?.type === "Structure" && item.value[0]?.value).toBe(NOW_BASE - 3600n);
    expect(ttlvToXml(item!, { placeholders: VECTOR_PLACEHOLDERS })).toBe(xml);
    expect(() => xmlToTtlv(xml)).toThrow('invalid DateTime value "$NOW-3600"');
  });

  it.each([
    [
      '<RequestMessage><Foo type="Integer" value="1"/></RequestMessage>',
      "unknown tag: element <Foo>",
    ],
    ['<BatchCount type="Int" value="1"/>', 'unknown type="Int"'],
    ['<BatchCount type="Integer" value="2147483648"/>', "invalid Integer value"],
    ['<BatchCount type="Integer"/>', "missing value="],
    ['<ObjectType type="Enumeration" value="Bogus"/>', "invalid Enumeration value"],
    ['<MACSignature type="ByteString" value="abc"/>', "invalid ByteString value"],
    ['<RequestMessage value="1"/>', "a Structure has no value="],
    [
      '<RequestMessage>text<BatchCount type="Integer" value="1"/></RequestMessage>',
      "unexpected text",
    ],
  ])("rejects %s", (xml, message) => {
    expect(() => xmlToTtlv(xml)).toThrow(KmipXmlError);
    expect(() => xmlToTtlv(xml)).toThrow(message);
  });

  it("names the element path and line of an error", () => {
    try {
      xmlToTtlv(
        '<RequestMessage>\n<BatchItem>\n<Operation type="Enumeration" value="Nope"/>\n</BatchItem>\n</RequestMessage>',
      );
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(KmipXmlError);
      expect((err as KmipXmlError).line).toBe(3);
      expect((err as KmipXmlError).path).toBe("RequestMessage/BatchItem/Operation");
    }
  });
});
