/**
 * Conformance of the XML encoding against the 575 OASIS KMIP XML vector files (KMIP 1.0-2.1):
 * every message goes XML -> item -> TTLV bytes -> item -> XML -> item, and must come back
 * unchanged (and through JSON too); the XML written must also say what the vector file says
 * (see `normalised`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kmipJsonToTtlv, ttlvToKmipJson } from "../../../src/kmip/json.js";
import { ttlvToXml, xmlToTtlv } from "../../../src/kmip/xml.js";
import { VECTOR_PLACEHOLDERS } from "../../../src/kmip/xml-placeholders.js";
import { parseXml, type XmlElement, type XmlNode } from "../../../src/kmip/xml-reader.js";
import { decodeTtlv } from "../../../src/ttlv/decode.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import { canonical, XML_ROOT, xmlVectorFiles } from "./vector-helpers.js";

/** Files left out, with the reason. Keep this list short. */
const SKIPPED: Readonly<Record<string, string>> = {};

const options = { placeholders: VECTOR_PLACEHOLDERS };
const files = xmlVectorFiles();

function messageElements(nodes: readonly XmlNode[]): XmlElement[] {
  return nodes.flatMap((node) => {
    if (node.kind !== "element") return [];
    return node.name === "KMIP" ? messageElements(node.children) : [node];
  });
}

/**
 * One line per element: name, type and value, with the spellings that carry no information
 * made uniform: hex case, mask name order and spacing, a Big Integer's extra sign bytes, and
 * the time zone of a Date-Time (TTLV holds the instant only).
 */
function normalised(element: XmlElement, depth = 0, lines: string[] = []): string[] {
  const type = element.attributes.get("type") ?? "Structure";
  const tag = element.attributes.get("tag") ?? "";
  let value = element.attributes.get("value") ?? "";
  if (type === "ByteString" && !value.startsWith("$")) value = value.toLowerCase();
  if (type === "BigInteger")
    value = BigInt.asIntN(value.length * 4, BigInt(`0x${value}`)).toString();
  if (type === "Integer" && /[A-Za-z]/.test(value)) value = value.split(/\s+/).sort().join(" ");
  if (type === "DateTime" && !value.startsWith("$")) value = String(Date.parse(value));
  lines.push(`${" ".repeat(depth)}${element.name}${tag} ${type} ${value}`);
  for (const child of element.children) {
    if (child.kind === "element") normalised(child, depth + 1, lines);
  }
  return lines;
}

describe("OASIS XML vectors", () => {
  it("are all there", () => {
    expect(files.length).toBe(575);
  });

  it.each(files)("%s", (file) => {
    if (SKIPPED[file]) return;
    const text = readFileSync(join(XML_ROOT, file), "utf8");
    const originals = messageElements(parseXml(text));
    const items = xmlToTtlv(text, options);
    expect(items.length).toBe(originals.length);
    expect(items.length).toBeGreaterThan(0);
    items.forEach((item, i) => {
      const decoded = decodeTtlv(encodeTtlv(item));
      expect(canonical(decoded)).toEqual(canonical(item));
      const xml = ttlvToXml(item, options);
      expect(ttlvToXml(decoded, options)).toBe(xml);
      const again = xmlToTtlv(xml, options);
      expect(again.map((x) => canonical(x))).toEqual([canonical(item)]);
      const json = JSON.parse(JSON.stringify(ttlvToKmipJson(item))) as unknown;
      expect(canonical(kmipJsonToTtlv(json))).toEqual(canonical(item));
      const written = messageElements(parseXml(xml));
      expect(normalised(written[0]!)).toEqual(normalised(originals[i]!));
    });
  });
});
